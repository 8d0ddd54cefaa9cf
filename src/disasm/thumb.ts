// Thumb encodings named from the same declarative tables as the decoder (assembly/decode/t16.decode,
// t32.decode, generated into t16.gen.ts / t32.gen.ts): which table entry executes a halfword or
// halfword pair. Operand printing (LLVM's Thumb printer) is not done yet: `--trace` shows the raw
// halfwords and the entry's name.
import { T16_PATTERNS } from "./t16.gen.js";
import { T32_PATTERNS } from "./t32.gen.js";
import type { Pattern } from "./pattern.js";

/** A first halfword of 0b11101, 0b11110 or 0b11111 starts a 32-bit instruction (A6.1). */
export const isT32 = (hw1: number): boolean => (hw1 & 0xffff) >= 0xe800;

/** The table entry the decoder picks for a 16-bit instruction, or a 32-bit one (hw1 << 16 | hw2). */
export function matchThumb(insn: number, wide: boolean): Pattern | undefined {
  const w = insn >>> 0;
  return (wide ? T32_PATTERNS : T16_PATTERNS).find((p) => ((w & p.mask) >>> 0) === p.value);
}
