// A32 disassembler driven by the same declarative table as the decoder (assembly/decode/a32.decode,
// generated into a32.gen.ts): the first matching pattern names the instruction and its `fmt` column
// picks the operand layout below. Output follows LLVM's ARM printer (`llvm-objdump -d
// --triple=armv7a`): UAL mnemonics with the condition last, decimal immediates, LLVM's aliases
// (push/pop, lsl/lsr/asr/ror/rrx for shifted MOV). Branch targets are absolute hex addresses.
// Known differences (test/disasm.test.ts normalises or skips them): no `@ ...` comments and no
// `<symbol>` annotations; VFP rows are printed by vfp.ts, and the cp10/cp11 encodings without one
// (Advanced SIMD scalar/VDUP forms, VCVTB/VCVTT) print as the generic MCR/CDP forms.
import { A32_PATTERNS } from "./a32.gen.js";
import type { Pattern } from "./pattern.js";
import { disasmVfp } from "./vfp.js";

const COND = ["eq", "ne", "hs", "lo", "mi", "pl", "vs", "vc", "hi", "ls", "ge", "lt", "gt", "le", "", ""];
const REG = ["r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12", "sp", "lr", "pc"];
const SHIFT = ["lsl", "lsr", "asr", "ror"];
const BARRIER: Record<number, string> = { 15: "sy", 14: "st", 11: "ish", 10: "ishst", 7: "nsh", 6: "nshst", 3: "osh", 2: "oshst" };

/** The table entry the decoder picks for `word` (first match wins, as in the generated decoder). */
export function matchA32(word: number): Pattern | undefined {
  const w = word >>> 0;
  return A32_PATTERNS.find((p) => ((w & p.mask) >>> 0) === p.value && (!p.cond || w >>> 28 !== 0xf));
}

const hex = (v: number) => "0x" + (v >>> 0).toString(16);
const bits = (w: number, hi: number, lo: number) => (w >>> lo) & ((1 << (hi - lo + 1)) - 1);
const bit = (w: number, n: number) => (w >>> n) & 1;
const rotr = (v: number, r: number) => (r === 0 ? v >>> 0 : ((v >>> r) | (v << (32 - r))) >>> 0);

// LLVM prints a modified immediate as its value unless the encoding is not the canonical one for
// that value (ARMInstPrinter::printModImmOperand, ARM_AM::getSOImmVal); then as #imm8, #rot.
function soImmRotate(v: number): number {
  if ((v & ~255) === 0) return 0;
  const tz = 31 - Math.clz32(v & -v);
  let rot = tz & ~1;
  if ((rotr(v, rot) & ~255) === 0) return (32 - rot) & 31;
  if (v & 63) {
    const v2 = v & ~63;
    rot = (31 - Math.clz32(v2 & -v2)) & ~1;
    if ((rotr(v, rot) & ~255) === 0) return (32 - rot) & 31;
  }
  return -1;
}
function modImm(w: number, unsigned: boolean): string {
  const imm8 = w & 0xff, rot = bits(w, 11, 8) * 2;
  const v = rotr(imm8, rot);
  const r = soImmRotate(v);
  if (r >= 0 && ((r >> 1) << 8 | rotr(v, (32 - r) & 31)) === (w & 0xfff)) return `#${unsigned ? v : v | 0}`;
  return `#${imm8}, #${rot}`;
}

// Immediate shift as LLVM prints it after a register operand ("" for LSL #0).
function immShift(type: number, amt: number): string {
  if (type === 0) return amt === 0 ? "" : `, lsl #${amt}`;
  if (type === 3 && amt === 0) return ", rrx";
  return `, ${SHIFT[type]} #${amt === 0 ? 32 : amt}`;
}
function regList(list: number): string {
  const r: string[] = [];
  for (let k = 0; k < 16; k++) if (list & (1 << k)) r.push(REG[k]);
  return `{${r.join(", ")}}`;
}
const signedImm = (u: number, v: number) => `#${u ? "" : "-"}${v}`;

type Ctx = { w: number; pc: number; p: Pattern; m: string; c: string };
const F = (x: Ctx, ch: string): number => (x.p.fields[ch] ?? []).reduce((v, b) => (v << 1) | ((x.w >>> b) & 1), 0);
const R = (x: Ctx, ch: string): string => REG[F(x, ch)];
const S = (x: Ctx) => (F(x, "S") ? "s" : "");

// Word/byte load/store address, immediate (A5.3) or register offset.
function memWord(x: Ctx, regOff: boolean): string {
  const w = x.w, n = R(x, "n"), p = bit(w, 24), u = bit(w, 23), wb = bit(w, 21);
  let off: string;
  if (regOff) off = `${u ? "" : "-"}${R(x, "m")}${immShift(bits(w, 6, 5), bits(w, 11, 7))}`;
  else off = (w & 0xfff) === 0 && u && p && !wb ? "" : signedImm(u, w & 0xfff);
  if (p === 0) return `[${n}], ${off}`;
  return `[${n}${off ? ", " + off : ""}]${wb ? "!" : ""}`;
}
// Halfword/doubleword/signed address (A5.2.8): imm4H:imm4L or Rm, never shifted.
function memExtra(x: Ctx): string {
  const w = x.w, n = R(x, "n"), p = bit(w, 24), u = bit(w, 23), wb = bit(w, 21);
  let off: string;
  if (bit(w, 22)) { const v = (bits(w, 11, 8) << 4) | (w & 15); off = v === 0 && u && p && !wb ? "" : signedImm(u, v); }
  else off = `${u ? "" : "-"}${REG[w & 15]}`;
  if (p === 0) return `[${n}], ${off}`;
  return `[${n}${off ? ", " + off : ""}]${wb ? "!" : ""}`;
}

function ldm(x: Ctx): string {
  const w = x.w, p = bit(w, 24), u = bit(w, 23), wb = bit(w, 21), load = bit(w, 20), n = F(x, "n");
  const list = w & 0xffff, user = bit(w, 22) ? " ^" : "";
  if (n === 13 && wb && !user && popcount(list) > 1) {
    if (load && p === 0 && u === 1) return `pop${x.c}\t${regList(list)}`;
    if (!load && p === 1 && u === 0) return `push${x.c}\t${regList(list)}`;
  }
  const mode = p ? (u ? "ib" : "db") : (u ? "" : "da");
  return `${load ? "ldm" : "stm"}${mode}${x.c}\t${REG[n]}${wb ? "!" : ""}, ${regList(list)}${user}`;
}
function popcount(v: number): number { let c = 0; for (; v; v &= v - 1) c++; return c; }

const FORMATS: Record<string, (x: Ctx) => string> = {
  // data processing
  dpi: (x) => `${x.m}${S(x)}${x.c}\t${R(x, "d")}, ${R(x, "n")}, ${modImm(x.w, false)}`,
  cmpi: (x) => `${x.m}${x.c}\t${R(x, "n")}, ${modImm(x.w, false)}`,
  movi: (x) => `${x.m}${S(x)}${x.c}\t${R(x, "d")}, ${modImm(x.w, x.m === "mov" && F(x, "d") === 15)}`,
  dpri: (x) => `${x.m}${S(x)}${x.c}\t${R(x, "d")}, ${R(x, "n")}, ${R(x, "m")}${immShift(F(x, "p"), F(x, "y"))}`,
  cmpri: (x) => `${x.m}${x.c}\t${R(x, "n")}, ${R(x, "m")}${immShift(F(x, "p"), F(x, "y"))}`,
  movri: (x) => {
    const t = F(x, "p"), a = F(x, "y");
    if (x.m === "mov" && !(t === 0 && a === 0)) {
      if (t === 3 && a === 0) return `rrx${S(x)}${x.c}\t${R(x, "d")}, ${R(x, "m")}`;
      return `${SHIFT[t]}${S(x)}${x.c}\t${R(x, "d")}, ${R(x, "m")}, #${a === 0 ? 32 : a}`;
    }
    return `${x.m}${S(x)}${x.c}\t${R(x, "d")}, ${R(x, "m")}${immShift(t, a)}`;
  },
  dprr: (x) => `${x.m}${S(x)}${x.c}\t${R(x, "d")}, ${R(x, "n")}, ${R(x, "m")}, ${SHIFT[F(x, "p")]} ${R(x, "s")}`,
  cmprr: (x) => `${x.m}${x.c}\t${R(x, "n")}, ${R(x, "m")}, ${SHIFT[F(x, "p")]} ${R(x, "s")}`,
  movrr: (x) => x.m === "mov"
    ? `${SHIFT[F(x, "p")]}${S(x)}${x.c}\t${R(x, "d")}, ${R(x, "m")}, ${R(x, "s")}`
    : `${x.m}${S(x)}${x.c}\t${R(x, "d")}, ${R(x, "m")}, ${SHIFT[F(x, "p")]} ${R(x, "s")}`,
  movw: (x) => `${x.m}${x.c}\t${R(x, "d")}, #${(F(x, "j") << 12) | F(x, "i")}`,
  // multiplies
  mul: (x) => `${x.m}${S(x)}${x.c}\t${R(x, "d")}, ${R(x, "n")}, ${R(x, "m")}`,
  mla: (x) => `${x.m}${S(x)}${x.c}\t${R(x, "d")}, ${R(x, "n")}, ${R(x, "m")}, ${R(x, "a")}`,
  mull: (x) => `${x.m}${x.p.fields.X ? (F(x, "X") ? "x" : "") : S(x)}${x.c}\t${R(x, "l")}, ${R(x, "h")}, ${R(x, "n")}, ${R(x, "m")}`,
  smlaxy: (x) => `${x.m}${F(x, "x") ? "t" : "b"}${F(x, "y") ? "t" : "b"}${x.c}\t${R(x, "d")}, ${R(x, "n")}, ${R(x, "m")}, ${R(x, "a")}`,
  smulxy: (x) => `${x.m}${F(x, "x") ? "t" : "b"}${F(x, "y") ? "t" : "b"}${x.c}\t${R(x, "d")}, ${R(x, "n")}, ${R(x, "m")}`,
  smlalxy: (x) => `${x.m}${F(x, "x") ? "t" : "b"}${F(x, "y") ? "t" : "b"}${x.c}\t${R(x, "l")}, ${R(x, "h")}, ${R(x, "n")}, ${R(x, "m")}`,
  smlawy: (x) => `${x.m}${F(x, "y") ? "t" : "b"}${x.c}\t${R(x, "d")}, ${R(x, "n")}, ${R(x, "m")}, ${R(x, "a")}`,
  smulwy: (x) => `${x.m}${F(x, "y") ? "t" : "b"}${x.c}\t${R(x, "d")}, ${R(x, "n")}, ${R(x, "m")}`,
  smul3: (x) => `${x.m}${F(x, "X") || F(x, "R") ? (x.p.fields.R ? "r" : "x") : ""}${x.c}\t${R(x, "d")}, ${R(x, "n")}, ${R(x, "m")}`,
  smul4: (x) => `${x.m}${F(x, "X") || F(x, "R") ? (x.p.fields.R ? "r" : "x") : ""}${x.c}\t${R(x, "d")}, ${R(x, "n")}, ${R(x, "m")}, ${R(x, "a")}`,
  // saturating, media
  qadd: (x) => `${x.m}${x.c}\t${R(x, "d")}, ${R(x, "m")}, ${R(x, "n")}`,
  rr: (x) => `${x.m}${x.c}\t${R(x, "d")}, ${R(x, "m")}`,
  rrr: (x) => `${x.m}${x.c}\t${R(x, "d")}, ${R(x, "n")}, ${R(x, "m")}`,
  pkh: (x) => {
    const a = F(x, "y");
    const sh = x.m === "pkhbt" ? (a ? `, lsl #${a}` : "") : `, asr #${a === 0 ? 32 : a}`;
    return `${x.m}${x.c}\t${R(x, "d")}, ${R(x, "n")}, ${R(x, "m")}${sh}`;
  },
  ext: (x) => `${x.m}${x.c}\t${R(x, "d")}, ${R(x, "m")}${F(x, "r") ? `, ror #${F(x, "r") * 8}` : ""}`,
  exta: (x) => `${x.m}${x.c}\t${R(x, "d")}, ${R(x, "n")}, ${R(x, "m")}${F(x, "r") ? `, ror #${F(x, "r") * 8}` : ""}`,
  sat: (x) => {
    const a = F(x, "y"), sh = F(x, "p") ? `, asr #${a === 0 ? 32 : a}` : a ? `, lsl #${a}` : "";
    return `${x.m}${x.c}\t${R(x, "d")}, #${F(x, "j") + (x.m === "ssat" ? 1 : 0)}, ${R(x, "n")}${sh}`;
  },
  sat16: (x) => `${x.m}${x.c}\t${R(x, "d")}, #${F(x, "j") + (x.m === "ssat16" ? 1 : 0)}, ${R(x, "n")}`,
  bfx: (x) => `${x.m}${x.c}\t${R(x, "d")}, ${R(x, "n")}, #${F(x, "l")}, #${F(x, "w") + 1}`,
  bfc: (x) => `${x.m}${x.c}\t${R(x, "d")}, #${F(x, "l")}, #${F(x, "j") - F(x, "l") + 1}`,
  bfi: (x) => `${x.m}${x.c}\t${R(x, "d")}, ${R(x, "n")}, #${F(x, "l")}, #${F(x, "j") - F(x, "l") + 1}`,
  udf: (x) => `${x.m}\t#${F(x, "i")}`,
  // loads and stores
  ldsti: (x) => `${x.m}${x.c}\t${R(x, "t")}, ${memWord(x, false)}`,
  ldstr: (x) => `${x.m}${x.c}\t${R(x, "t")}, ${memWord(x, true)}`,
  extra: (x) => {
    const t = F(x, "t");
    const rt = x.m === "ldrd" || x.m === "strd" ? `${REG[t]}, ${REG[(t + 1) & 15]}` : REG[t];
    return `${x.m}${x.c}\t${rt}, ${memExtra(x)}`;
  },
  ldm,
  swp: (x) => `${x.m}${F(x, "B") ? "b" : ""}${x.c}\t${R(x, "t")}, ${R(x, "m")}, [${R(x, "n")}]`,
  ldrex: (x) => `${x.m}${x.c}\t${R(x, "t")}, [${R(x, "n")}]`,
  ldrexd: (x) => `${x.m}${x.c}\t${R(x, "t")}, ${REG[(F(x, "t") + 1) & 15]}, [${R(x, "n")}]`,
  strex: (x) => `${x.m}${x.c}\t${R(x, "d")}, ${R(x, "t")}, [${R(x, "n")}]`,
  strexd: (x) => `${x.m}${x.c}\t${R(x, "d")}, ${R(x, "t")}, ${REG[(F(x, "t") + 1) & 15]}, [${R(x, "n")}]`,
  // branches
  b: (x) => `${x.m}${x.c}\t${hex(x.pc + 8 + ((x.w << 8) >> 6))}`,
  blximm: (x) => `${x.m}\t${hex(x.pc + 8 + ((x.w << 8) >> 6) + (F(x, "H") << 1))}`,
  bx: (x) => `${x.m}${x.c}\t${R(x, "m")}`,
  // status registers, hints, system
  mrs: (x) => `${x.m}${x.c}\t${R(x, "d")}, ${F(x, "R") ? "spsr" : "apsr"}`,
  msr: (x) => `${x.m}${x.c}\t${psrMask(F(x, "R"), F(x, "k"))}, ${R(x, "n")}`,
  msri: (x) => `${x.m}${x.c}\t${psrMask(F(x, "R"), F(x, "k"))}, ${modImm(x.w, true)}`,
  hint: (x) => {
    const h = F(x, "i");
    const name = ["nop", "yield", "wfe", "wfi", "sev"][h];
    if (name) return `${name}${x.c}`;
    if ((h & 0xf0) === 0xf0) return `dbg${x.c}\t#${h & 15}`;
    return `hint${x.c}\t#${h}`;
  },
  cps: (x) => {
    const imod = F(x, "j"), mmod = F(x, "M");
    const flags = (F(x, "A") ? "a" : "") + (F(x, "I") ? "i" : "") + (F(x, "F") ? "f" : "");
    if (imod >= 2) return `cps${imod === 2 ? "ie" : "id"}\t${flags || "none"}${mmod ? `, #${F(x, "m")}` : ""}`;
    return `cps\t#${F(x, "m")}`;
  },
  setend: (x) => `setend\t${F(x, "E") ? "be" : "le"}`,
  pldi: (x) => {
    const v = F(x, "i"), u = F(x, "U");
    return `${x.m}\t[${R(x, "n")}${v === 0 && u ? "" : ", " + signedImm(u, v)}]`;
  },
  pldr: (x) => `${x.m}\t[${R(x, "n")}, ${F(x, "U") ? "" : "-"}${R(x, "m")}${immShift(F(x, "p"), F(x, "y"))}]`,
  none: (x) => `${x.m}${x.c}`,
  barrier: (x) => {
    const o = F(x, "o");
    if (x.m === "dsb" && (o === 0 || o === 4)) return o === 0 ? "ssbb" : "pssbb"; // LLVM's names
    return `${x.m}\t${BARRIER[o] ?? `#${o}`}`;
  },
  srs: (x) => `${x.m}${srsMode(x)}\tsp${F(x, "W") ? "!" : ""}, #${F(x, "m")}`,
  rfe: (x) => `${x.m}${srsMode(x)}\t${R(x, "n")}${F(x, "W") ? "!" : ""}`,
  svc: (x) => `${x.m}${x.c}\t#${F(x, "i")}`,
  bkpt: (x) => `${x.m}\t#${(F(x, "i") << 4) | F(x, "j")}`,
  // coprocessors
  mcr: (x) => `${x.m}${x.c}\tp${F(x, "p")}, #${F(x, "o")}, ${x.m === "mrc" && F(x, "t") === 15 ? "apsr_nzcv" : R(x, "t")}, c${F(x, "n")}, c${F(x, "m")}, #${F(x, "q")}`,
  mcrr: (x) => `${x.m}${x.c}\tp${F(x, "p")}, #${F(x, "o")}, ${R(x, "t")}, ${R(x, "h")}, c${F(x, "m")}`,
  cdp: (x) => `${x.m}${x.c}\tp${F(x, "p")}, #${F(x, "o")}, c${F(x, "d")}, c${F(x, "n")}, c${F(x, "m")}, #${F(x, "q")}`,
  ldc: (x) => {
    const w = x.w, p = bit(w, 24), u = bit(w, 23), wb = bit(w, 21), v = (w & 0xff) * 4;
    const n = R(x, "n");
    let addr: string;
    if (p) addr = `[${n}${v === 0 && u && !wb ? "" : ", " + signedImm(u, v)}]${wb ? "!" : ""}`;
    else if (wb) addr = `[${n}], ${signedImm(u, v)}`;
    else addr = `[${n}], {${w & 0xff}}`;
    return `${x.m}${F(x, "D") ? "l" : ""}${x.c}\tp${F(x, "p")}, c${F(x, "d")}, ${addr}`;
  },
  vfp: (x) => disasmVfp({ w: x.w, name: x.p.name, c: x.c }),
  undef: () => "<unknown>",
};

function psrMask(spsr: number, mask: number): string {
  if (!spsr && (mask === 8 || mask === 4 || mask === 12)) return mask === 8 ? "APSR_nzcvq" : mask === 4 ? "APSR_g" : "APSR_nzcvqg";
  return (spsr ? "SPSR_" : "CPSR_") + (mask & 8 ? "f" : "") + (mask & 4 ? "s" : "") + (mask & 2 ? "x" : "") + (mask & 1 ? "c" : "");
}
function srsMode(x: Ctx): string { return (F(x, "P") ? "d" : "i") + (F(x, "U") ? "a" : "b"); }

/** Disassemble one A32 instruction at address `pc` (LLVM syntax, tab between mnemonic and operands). */
export function disasmA32(word: number, pc: number): string {
  const w = word >>> 0;
  const p = matchA32(w);
  if (!p) return "<unknown>";
  const fmt = FORMATS[p.fmt];
  if (!fmt) return `${p.mnem}\t<fmt ${p.fmt}?>`;
  return fmt({ w, pc: pc >>> 0, p, m: p.mnem, c: p.cond ? COND[w >>> 28] : "" });
}
