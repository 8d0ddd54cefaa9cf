// One encoding of a declarative instruction table (assembly/decode/*.decode), as generated into
// src/disasm/*.gen.ts: the disassembler and test generators read the same table as the decoder.
export interface Pattern {
  name: string;
  mask: number;
  value: number;
  /** the pattern begins with a cond field: it does not match cond = 1111 */
  cond: boolean;
  fmt: string;
  mnem: string;
  /** field letter -> bit positions, most significant first */
  fields: Record<string, number[]>;
}
