// A32 disassembler driven by the same declarative table as the decoder (assembly/decode/a32.decode,
// generated into a32.gen.ts): the matching pattern names the instruction; its fields give the operands.
import { A32_PATTERNS } from "./a32.gen.js";
import type { Pattern } from "./pattern.js";

const COND = ["eq", "ne", "cs", "cc", "mi", "pl", "vs", "vc", "hi", "ls", "ge", "lt", "gt", "le", "", ""];

/** The table entry the decoder picks for `word` (first match wins, as in the generated decoder). */
export function matchA32(word: number): Pattern | undefined {
  const w = word >>> 0;
  return A32_PATTERNS.find((p) => ((w & p.mask) >>> 0) === p.value && (!p.cond || w >>> 28 !== 0xf));
}

/** Disassemble one A32 instruction at `pc`: the mnemonic with its condition, then raw fields. */
export function disasmA32(word: number, _pc: number): string {
  const p = matchA32(word);
  if (!p) return "undefined";
  const cond = p.cond ? COND[word >>> 28] : "";
  const fields = Object.entries(p.fields)
    .filter(([k]) => k !== "c")
    .map(([k, bits]) => `${k}=${bits.reduce((v, b) => (v << 1) | ((word >>> b) & 1), 0)}`);
  return `${p.mnem}${cond}${fields.length ? " " + fields.join(" ") : ""}`;
}
