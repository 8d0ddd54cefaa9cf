// Random Thumb (T16 + T32) test sequences for the differential tester, generated from the
// declarative encoding tables (assembly/decode/t16.decode, t32.decode via src/disasm/t16.gen.ts,
// t32.gen.ts): pick a row, fill its fields at random, apply the ARM ARM's constraints so the
// result is architecturally defined in User mode, and check that the instruction decodes back to
// the row it came from (matchThumb). A test is entered in Thumb state (the harness loads the pc
// with bit 0 set) and ends at a UDF in qemu, a `b .` in vm7.
//
// Units are as in gen.mjs (setup + the instruction under test), plus IT blocks: an IT followed by
// 1-4 members, each an IT-able single instruction with its condition from ITSTATE (A2.5.2, the IT
// page A8.8.54). Rules kept:
// - no IT, CBZ/CBNZ, B<c>, SETEND, CPS, BKPT inside a block; a branch (B, B.W, BL, BX, BLX) only as
//   the last member; LSLS #0 (MOVS, T2) is UNPREDICTABLE inside one and never placed there;
// - firstcond 1111 never; firstcond 1110 (AL) only with every member "then";
// - the setup words (base registers, ADR for BX) of a member run before the IT instruction, so a
//   member with setup is the block's first member (nothing in the block can change its registers
//   before it runs), and a register branch with its ADR is a block's only member;
// - UNDEF words and deliberately misaligned accesses (which end the test) are the last unit; an UNDEF
//   member sits only in an AL block (whether a failed condition UNDEFs is IMPLEMENTATION DEFINED),
//   so the fault is taken inside the block and ITSTATE at the fault is compared.
// Register rules: T32 register fields never use SP or PC (BadReg: UNPREDICTABLE in almost every
// encoding), T16 high-register forms never use PC; SP moves only through the SP forms (ADD/SUB SP,
// MOV SP, Rm before SP-relative accesses and PUSH/POP).
import { T16_PATTERNS } from "../../dist/disasm/t16.gen.js";
import { T32_PATTERNS } from "../../dist/disasm/t32.gen.js";
import { matchThumb } from "../../dist/disasm/thumb.js";
import { SEQ, SCRATCH, APSR_MASK, MAX_WORDS } from "./layout.mjs";
import { rngFor, randValue, simpleA32, encode as encodeA32, setField } from "./gen.mjs";
import { VFP_POOL, vfpUnit, randVfpRegs, randFpscr } from "./vfp.mjs";

const T16 = new Map(T16_PATTERNS.map((p) => [p.name, p]));
const T32 = new Map(T32_PATTERNS.map((p) => [p.name, p]));
const AL = 14;
const NOP16 = 0xbf00;
const al4 = (a) => (a & ~3) >>> 0; // Align(a, 4) as an unsigned address

/** A 16-bit row with fields f: [halfword], or null when it decodes as another row. */
export function enc16(name, f) {
  const p = T16.get(name);
  if (!p) throw new Error(`no T16 pattern ${name}`);
  let w = p.value;
  for (const [k, bits] of Object.entries(p.fields)) w = setField(w, bits, (f[k] ?? 0) >>> 0);
  return matchThumb(w, false)?.name === name ? [w & 0xffff] : null;
}
/** A 32-bit row with fields f and extra bits (outside the fields, e.g. bit 26 of an immediate):
 *  [hw1, hw2], or null when it decodes as another row. */
export function enc32(name, f, extra = 0) {
  const p = T32.get(name);
  if (!p) throw new Error(`no T32 pattern ${name}`);
  let w = (p.value | extra) >>> 0;
  for (const [k, bits] of Object.entries(p.fields)) w = setField(w, bits, (f[k] ?? 0) >>> 0);
  return matchThumb(w, true)?.name === name ? [w >>> 16, w & 0xffff] : null;
}
const t32Word = (hw) => ((hw[0] << 16) | hw[1]) >>> 0;

// ---- registers and values -------------------------------------------------------------------------
const R = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14]; // T32 register fields: no SP, no PC
const reg = (r) => r.pick(R);
const low = (r) => r.int(8);
function distinct(r, k, from = R, avoid = []) {
  const out = [];
  while (out.length < k) { const x = r.pick(from); if (!out.includes(x) && !avoid.includes(x)) out.push(x); }
  return out;
}
const LOW = [0, 1, 2, 3, 4, 5, 6, 7];

const movw = (d, v) => enc32("MOVW", { d, j: (v >>> 12) & 15, i: ((v >>> 8) & 7) << 8 | (v & 0xff) }, ((v >>> 11) & 1) << 26);
const movt = (d, v) => enc32("MOVT", { d, j: (v >>> 12) & 15, i: ((v >>> 8) & 7) << 8 | (v & 0xff) }, ((v >>> 11) & 1) << 26);
const setAddr = (n, a) => [...movw(n, a & 0xffff), ...movt(n, a >>> 16)];
const movImm = (t, v) => ((v >>> 16) ? setAddr(t, v) : movw(t, v));
function baseAddr(r, align) { return SCRATCH + ((1024 + r.int(1984)) & ~(align - 1)); }
const MISALIGN_RATE = 0.04;
const misalign = (r, need) => (r.chance(MISALIGN_RATE) ? (need === 8 && r.chance(0.5) ? 4 : 1 + r.int(3)) : 0);
// SP into the scratch block: movw/movt rX; mov sp, rX (T16 MOV high register form)
const setSp = (r, a) => { const x = low(r); return [...setAddr(x, a), ...enc16("MOV_hi", { d: 13, m: x })]; };

// ThumbExpandImm (A6.3.2): imm12 = i:imm3:imm8; top two bits 00 with a zero byte in modes 01-11 is
// UNPREDICTABLE.
function randModImm(r) {
  for (;;) {
    const v = r.u32() & 0xfff;
    if ((v >>> 10) === 0 && ((v >>> 8) & 3) !== 0 && (v & 0xff) === 0) continue;
    return v;
  }
}
const splitImm12 = (v) => ({ f: ((v >>> 8) & 7) << 8 | (v & 0xff), extra: ((v >>> 11) & 1) << 26 });
// The modified immediate encoding a 32-bit value, or null.
function modImm(v) {
  for (let v12 = 0; v12 < 4096; v12++) if (thumbExpand(v12) === v >>> 0) return v12;
  return null;
}
function thumbExpand(v12) {
  const imm8 = v12 & 0xff;
  if ((v12 >>> 10) === 0) {
    switch ((v12 >>> 8) & 3) {
      case 0: return imm8;
      case 1: return (imm8 << 16 | imm8) >>> 0;
      case 2: return (imm8 << 24 | imm8 << 8) >>> 0;
      default: return (imm8 << 24 | imm8 << 16 | imm8 << 8 | imm8) >>> 0;
    }
  }
  const unrot = 0x80 | (v12 & 0x7f), rot = v12 >>> 7;
  return ((unrot >>> rot) | (unrot << (32 - rot))) >>> 0;
}
const BIC_MRS = [0xff, 0xff00, 0x07f00000].map(modImm);

// ---- the pool ---------------------------------------------------------------------------------------
const T16_SIMPLE = ["ADD_rrr", "SUB_rrr", "ADD_rri", "SUB_rri", "LSL_i", "LSR_i", "ASR_i", "MOV_i", "CMP_i", "ADD_i8", "SUB_i8",
  "AND_r", "EOR_r", "LSL_r", "LSR_r", "ASR_r", "ADC_r", "SBC_r", "ROR_r", "TST_r", "RSB_r", "CMP_r", "CMN_r", "ORR_r", "MUL_r",
  "BIC_r", "MVN_r", "ADD_hi", "CMP_hi", "MOV_hi", "ADR", "ADD_sp_i8", "ADD_sp_i7", "SUB_sp_i7", "EXTEND", "REV", "REV16", "REVSH", "HINT"];
const T16_MEM = ["STR_r", "STRH_r", "STRB_r", "LDRSB_r", "LDR_r", "LDRH_r", "LDRB_r", "LDRSH_r", "STR_i", "LDR_i", "STRB_i", "LDRB_i",
  "STRH_i", "LDRH_i", "STR_sp", "LDR_sp", "PUSH", "POP", "STM", "LDM"];
const T16_BRANCH = ["B_cond", "B", "CBZ", "CBNZ", "BX", "BLX_r"];
const T16_OTHER = ["SETEND", "UDF", "UNDEFINED"];
const T32_SIMPLE = ["TST_r", "AND_r", "BIC_r", "MOV_r", "ORR_r", "MVN_r", "ORN_r", "TEQ_r", "EOR_r", "PKH", "CMN_r", "ADD_r", "ADC_r",
  "SBC_r", "CMP_r", "SUB_r", "RSB_r", "TST_i", "AND_i", "BIC_i", "MOV_i", "ORR_i", "MVN_i", "ORN_i", "TEQ_i", "EOR_i", "CMN_i", "ADD_i",
  "ADC_i", "SBC_i", "CMP_i", "SUB_i", "RSB_i", "ADDW", "MOVW", "SUBW", "MOVT", "SSAT16", "SSAT", "SBFX", "BFI", "USAT16", "USAT", "UBFX",
  "MSR", "HINT", "CLREX", "DSB", "DMB", "ISB", "SHIFT_r", "EXTEND", "PARALLEL", "MISC", "MUL", "MULL", "PLD_hint"];
const T32_MEM = ["STRB", "STRH", "STR", "LDRB", "LDRSB", "LDRH", "LDRSH", "LDR", "STRD_pre", "LDRD_pre", "STRD_post", "LDRD_post",
  "STM", "LDM", "STMDB", "LDMDB", "LDREX", "LDREXB", "LDREXH", "LDREXD", "STREX", "STREXB", "STREXH", "STREXD"];
const T32_BRANCH = ["B_cond", "B", "BL", "BXJ", "TBB", "TBH"];
const T32_OTHER = ["MRS", "MRC", "UDF", "MISC_UNDEF", "UNDEFINED"];
// Rows never generated: SRS RFE CPS SUBS_PC_LR (privileged / UNPREDICTABLE in User mode), BLX_i
// (switches to ARM state), BKPT SVC (traps the harness cannot survive), MCR alone, CDP, COPROC
// (no coprocessor but CP15's TPIDRURW pair and the VFP).
const q16 = (a) => a.map((n) => "t16:" + n), q32 = (a) => a.map((n) => "t32:" + n);
export const TPOOL = [...q16(T16_SIMPLE), ...q16(T16_MEM), ...q16(T16_BRANCH), ...q16(T16_OTHER),
  ...q32(T32_SIMPLE), ...q32(T32_MEM), ...q32(T32_BRANCH), ...q32(T32_OTHER), ...q32(VFP_POOL), "IT"];
const PSEUDO = ["t16:POP>pc", "t32:LDR>pc", "t32:LDM>pc", "t16:MOV_hi>pc", "t16:ADD_hi>pc", "t16:LDR_lit", "t32:LDR[pc]", "t32:LDRB[pc]",
  "t32:LDRH[pc]", "t32:LDRSB[pc]", "t32:LDRSH[pc]", "t32:LDRD[pc]", "t32:VLDR[pc]", "t16:BX>arm", "t16:BLX_r>arm", "t32:BLX_i>arm"];
TPOOL.push(...PSEUDO);
for (const n of TPOOL) {
  if (n === "IT" || PSEUDO.includes(n)) continue;
  const [w, name] = n.split(":");
  if (!(w === "t16" ? T16 : T32).has(name)) throw new Error(`thumb generator: no ${n} in the tables`);
}
const TVFP_MIX = [...q32(VFP_POOL), "t32:VFP_DP", "t32:VFP_DP", "t32:VFP_DP", "t32:VFP_DP", "t32:VLDR", "t32:VSTR", "IT", "IT", "IT",
  "t16:B", "t16:ADD_rrr", "t32:ADD_i", "t16:LDR_i", "t32:STR", "t32:MRS"];
const NOT_IN_IT = new Set(["t16:B_cond", "t32:B_cond", "t16:CBZ", "t16:CBNZ", "t16:SETEND", "IT"]);

// ---- single instructions ---------------------------------------------------------------------------
const HINTS32 = [0, 1, 4, ...Array.from({ length: 16 }, (_, k) => 0xf0 + k)]; // not WFE/WFI
const HINTS16 = [0, 1, 4, 5, 8, 15];

function simple16(r, name, inIt) {
  const p = T16.get(name), f = {};
  for (const [k, bits] of Object.entries(p.fields)) f[k] = r.u32() & ((1 << bits.length) - 1);
  switch (name) {
    case "LSL_i": if (inIt && f.i === 0) f.i = 1 + r.int(31); break; // MOVS (register) T2: UNPREDICTABLE in IT
    case "ADD_hi": case "MOV_hi":
      while (f.d === 15) f.d = r.int(16);
      while (f.m === 15) f.m = r.int(16);
      if (f.d === 13 && name === "ADD_hi" && r.chance(0.5)) f.m = r.int(8); // ADD SP, Rm
      break;
    case "CMP_hi":
      while (f.d === 15 || f.m === 15 || (f.d < 8 && f.m < 8)) { f.d = r.int(16); f.m = r.int(16); }
      break;
    case "HINT": f.o = r.pick(HINTS16); break;
  }
  return enc16(name, f);
}

function simple32(r, name) {
  const p = T32.get(name), f = {};
  const regs = new Set(["n", "d", "m", "a", "l", "h"]);
  if (name === "SHIFT_r") regs.delete("t");
  for (const [k, bits] of Object.entries(p.fields)) f[k] = regs.has(k) ? reg(r) : r.u32() & ((1 << bits.length) - 1);
  let extra = 0, undef = false;
  const imm12 = () => { const s = splitImm12(randModImm(r)); f.i = s.f; extra |= s.extra; };
  const op = name.replace(/_[ri]$/, "");
  if (name.endsWith("_i") || name === "ADDW" || name === "SUBW" || name === "MOVW" || name === "MOVT") {
    if (name.endsWith("_i")) imm12(); else { const v = r.u32() & 0xfff; const s = splitImm12(v); f.i = s.f; extra |= s.extra; }
    if ((name === "ADDW" || name === "SUBW") && r.chance(0.15)) f.n = 15; // ADR
    // the SP forms (ADD/SUB (SP plus immediate) T3/T4, CMP/CMN SP): Rd may be SP when Rn is
    if (["ADD_i", "SUB_i", "ADDW", "SUBW", "CMP_i", "CMN_i"].includes(name) && r.chance(0.15)) { f.n = 13; if (f.d !== undefined && r.chance(0.5)) f.d = 13; }
  }
  switch (op) {
    case "PKH": f.S = 0; break;
    case "SSAT": case "USAT": // sh = 1 with a zero shift is SSAT16/USAT16 (bits 5:4 are then (0)): not here
      if (f.s === 1 && f.i === 0) f.i = 1 + r.int(31);
      break;
    case "SBFX": case "UBFX": { const lsb = r.int(32); f.i = lsb; f.w = r.int(32 - lsb); break; }
    case "BFI": { const lsb = r.int(32); f.i = lsb; f.j = lsb + r.int(32 - lsb); if (r.chance(0.2)) f.n = 15; break; } // n = 15: BFC
    case "MSR": f.R = 0; f.k = r.pick([8, 4, 12]); break;
    case "HINT": f.o = r.pick(HINTS32); break;
    case "EXTEND": if (f.o >= 6) undef = true; if (r.chance(0.3)) f.n = 15; break;
    case "PARALLEL": if (f.o === 3 || f.o === 7 || f.p === 3) undef = true; break;
    case "MISC":
      if (f.o === 1 || f.o === 3) f.m = f.n; // REV/REV16/RBIT/REVSH/CLZ: Rm in both fields (else UNPREDICTABLE)
      if ((f.o === 2 || f.o === 3) && f.p !== 0) undef = true;
      break;
    case "MUL": {
      if (r.chance(0.85)) { // a defined form most of the time
        [f.o, f.p] = r.pick([[0, 0], [0, 1], [1, 0], [1, 1], [1, 2], [1, 3], [2, 0], [2, 1], [3, 0], [3, 1], [4, 0], [4, 1], [5, 0], [5, 1], [6, 0], [6, 1], [7, 0]]);
      }
      const o = f.o, pp = f.p;
      const ok = (o === 0 && pp <= 1) || o === 1 || ((o === 2 || o === 3 || o === 4 || o === 5 || o === 6) && pp <= 1) || (o === 7 && pp === 0);
      if (!ok) undef = true;
      // Ra = 1111 selects the non-accumulating form where one exists (MUL SMULxy SMUAD SMULWy SMUSD SMMUL USAD8);
      // MLS and SMMLS have none (UNPREDICTABLE).
      if (r.chance(0.3) && !(o === 0 && pp === 1) && o !== 6) f.a = 15;
      break;
    }
    case "MULL": {
      while (f.h === f.l) f.h = reg(r);
      if (r.chance(0.85)) {
        [f.o, f.p] = r.pick([[0, 0], [2, 0], [4, 0], [6, 0], [4, 8], [4, 9], [4, 10], [4, 11], [4, 12], [4, 13], [5, 12], [5, 13], [6, 6]]);
      }
      const o = f.o, pp = f.p;
      const ok = ((o === 0 || o === 2 || o === 4 || o === 6) && pp === 0) || (o === 4 && (pp >>> 2) === 2) || ((o === 4 || o === 5) && (pp >>> 1) === 6) || (o === 6 && pp === 6);
      if (!ok) undef = true;
      break;
    }
    case "PLD_hint": { // PLD / PLI [Rn, #imm12]
      const w = (0xf890f000 | (r.int(2) << 24) | (f.n << 16) | (r.u32() & 0xfff)) >>> 0;
      return matchThumb(w, true)?.name === "PLD_hint" ? { hw: [w >>> 16, w & 0xffff] } : null;
    }
  }
  if (name === "CLREX") extra |= 0xf; // (1)(1)(1)(1) in bits 3:0 (QEMU UNDEFs otherwise; UNPREDICTABLE)
  const hw = enc32(name, f, extra);
  return hw ? { hw, undef } : null;
}

// ---- memory units ---------------------------------------------------------------------------------
// T16 loads/stores: base (low register) set by MOVW/MOVT so that base + offset lands in the block.
function mem16(r, name) {
  const size = /B/.test(name) ? 1 : /H/.test(name) ? 2 : 4;
  const align = r.chance(0.75) ? size : 1;
  if (name.endsWith("_i")) {
    const [n, t] = distinct(r, 2, LOW);
    const i = r.int(32), off = i * size;
    const B = baseAddr(r, align) - off;
    const hw = enc16(name, { i, n, t: r.chance(0.1) && name.startsWith("LDR") ? n : t });
    return hw && { setup: setAddr(n, B), hw };
  }
  if (name.endsWith("_r")) {
    const [n, m, t] = distinct(r, 3, LOW);
    const off = r.int(256) & ~(align - 1);
    const hw = enc16(name, { m, n, t });
    return hw && { setup: [...setAddr(n, baseAddr(r, align)), ...movw(m, off)], hw };
  }
  if (name === "STR_sp" || name === "LDR_sp") {
    const i = r.int(256);
    const hw = enc16(name, { t: low(r), i });
    return hw && { setup: setSp(r, baseAddr(r, 4) - 4 * i + (r.chance(0.1) ? 1 + r.int(3) : 0)), hw };
  }
  if (name === "PUSH" || name === "POP") {
    let list = r.u32() & 0xff;
    const M = name === "PUSH" ? r.int(2) : 0;
    if (list === 0 && !M) list = 1 << r.int(8);
    const hw = enc16(name, name === "PUSH" ? { M, r: list } : { P: 0, r: list });
    const mis = misalign(r, 4); // PUSH/POP are STMDB/LDM: word alignment required
    return hw && { setup: setSp(r, baseAddr(r, 4) + mis), hw, last: mis !== 0 };
  }
  if (name === "STM" || name === "LDM") {
    const n = low(r);
    let list = r.u32() & 0xff;
    if (list === 0) list = 1 << r.int(8);
    if (name === "STM" && (list >>> n) & 1 && (list & ((1 << n) - 1))) list &= ~(1 << n); // base in the list only as the lowest
    if (list === 0) list = 1 << ((n + 1) & 7);
    const mis = misalign(r, 4);
    const hw = enc16(name, { n, r: list });
    return hw && { setup: setAddr(n, baseAddr(r, 4) + mis), hw, last: mis !== 0 };
  }
  throw new Error(`mem16 ${name}`);
}

// T32 single loads/stores: imm12, imm8 with P/U/W (incl. the T forms), register with LSL #0-3.
const LDST_OP = { STRB: 0xf8000000, STRH: 0xf8200000, STR: 0xf8400000, LDRB: 0xf8100000, LDRSB: 0xf9100000, LDRH: 0xf8300000, LDRSH: 0xf9300000, LDR: 0xf8500000 };
function mem32(r, name) {
  const size = /B/.test(name) ? 1 : /H/.test(name) ? 2 : 4;
  const align = r.chance(0.75) ? size : 1;
  const load = name.startsWith("LDR");
  let [n, t, m] = distinct(r, 3);
  const sp = r.chance(0.15); // SP as the base (allowed: BadReg is about Rt/Rm), set by MOV SP, rX
  if (sp) n = 13;
  let w = LDST_OP[name], B, extra = [];
  const form = r.int(4);
  if (form === 0) { // imm12, positive
    const off = r.int(4096) & ~(align - 1) & 0x3ff;
    w |= (1 << 23) | (n << 16) | (t << 12) | off;
    B = baseAddr(r, align) - off;
  } else if (form === 1) { // register, LSL #0-3
    const sh = r.int(4), v = r.int(64) & ~(align - 1);
    w |= (n << 16) | (t << 12) | (sh << 4) | m;
    B = baseAddr(r, align);
    extra = movw(m, v >>> sh);
  } else { // imm8: 1 P U W; P=0 W=0 is UNDEFINED, P=1 U=1 W=0 is the unprivileged (T) form
    let P = r.int(2), U = r.int(2), W = r.int(2);
    if (!P && !W) W = 1;
    const off = r.int(256) & ~(align - 1);
    w |= (n << 16) | (t << 12) | (1 << 11) | (P << 10) | (U << 9) | (W << 8) | off;
    B = baseAddr(r, align);
  }
  w >>>= 0;
  if (load && r.chance(0.1) && !sp && !(form >= 2 && (w & 0x100))) w = ((w & ~0xf000) | (n << 12)) >>> 0; // Rt = Rn, no writeback
  const got = matchThumb(w, true);
  if (got?.name !== name) return null;
  const base = sp ? (() => { const x = distinct(r, 1, LOW, [t, m])[0]; return [...setAddr(x, B), ...enc16("MOV_hi", { d: 13, m: x })]; })() : setAddr(n, B);
  return { setup: [...base, ...extra], hw: [w >>> 16, w & 0xffff] };
}

function dual32(r, name) {
  const load = name.startsWith("LDRD");
  const [t, T, n] = distinct(r, 3);
  const i = r.int(64), U = r.int(2), W = name.endsWith("_post") ? 1 : r.int(2);
  const mis = misalign(r, 4);
  const post = name.endsWith("_post");
  const A = baseAddr(r, 4) + mis;
  const base = post ? A : (U ? A - 4 * i : A + 4 * i);
  const f = { U, W, n, t, T: load ? T : r.chance(0.2) ? t : T, i };
  const hw = enc32(name, f);
  return hw && { setup: setAddr(n, base), hw, last: mis !== 0 };
}

function ldm32(r, name) {
  const load = name.startsWith("LDM");
  const sp = r.chance(0.2); // SP as the base: LDM SP! is POP.W, STMDB SP! is PUSH.W
  const n = sp ? 13 : reg(r), W = r.int(2);
  let list;
  do {
    list = r.u32() & 0x5fff & (r.chance(0.5) ? 0x40ff : 0xffff); // no SP; no PC (not a branch here)
    if (W) list &= ~(1 << n);
  } while (popcount(list) < 2);
  const mis = misalign(r, 4);
  const hw = enc32(name, { W, n, r: list });
  return hw && { setup: sp ? setSp(r, baseAddr(r, 4) + mis) : setAddr(n, baseAddr(r, 4) + mis), hw, last: mis !== 0 };
}
const popcount = (v) => { let c = 0; for (; v; v &= v - 1) c++; return c; };

const EXCL = { "": 4, B: 1, H: 2, D: 8 };
function ldrex32(r, name) {
  const sfx = name.slice(5), sz = EXCL[sfx];
  const [n, t, T] = distinct(r, 3);
  const mis = sz > 1 ? misalign(r, sz) % sz : 0;
  const i = sfx === "" ? r.int(64) : 0;
  const hw = enc32(name, { n, t, T, i });
  return hw && { setup: setAddr(n, baseAddr(r, Math.max(sz, 4)) - 4 * i + mis), hw, last: mis !== 0, ldrex: true };
}
// STREX right after a matching LDREX (unconditional, nothing between), or alone with the monitor
// open (it fails and stores nothing), as in gen.mjs.
function strex32(r, name, paired) {
  const sfx = name.slice(5), sz = EXCL[sfx];
  const [n, t, T, d, t1, T1] = distinct(r, 6);
  const i = sfx === "" ? r.int(64) : 0;
  const setup = setAddr(n, baseAddr(r, Math.max(sz, 4)) - 4 * i);
  const hw = enc32(name, { n, t, T, d, i });
  if (!hw) return null;
  if (!paired) return { setup, hw };
  const lx = enc32("LDREX" + sfx, { n, t: t1, T: T1, i });
  return lx && { setup: [...setup, ...lx], hw, name: `LDREX${sfx}+${name}`, noIt: true };
}

// MRS then the BICs that clear the bits UNKNOWN in User mode (as gen.mjs)
function mrs32(r) {
  const d = reg(r);
  const bic = (v12) => { const s = splitImm12(v12); return enc32("BIC_i", { S: 0, n: d, d, i: s.f }, s.extra); };
  return { hw: enc32("MRS", { R: 0, d }), post: BIC_MRS.flatMap(bic) };
}
function tpidr32(r) {
  const f = { o: 2, n: 13, p: 15, m: 0 };
  return { setup: enc32("MCR", { ...f, t: reg(r) }), hw: enc32("MRC", { ...f, t: reg(r) }) };
}

function undef16(r, name) {
  // UDF #1 (0xde01) is the Linux Thumb breakpoint: qemu-arm's user mode turns it into SIGTRAP
  if (name === "UDF") { let i = r.int(256); if (i === 1) i = 0; return enc16("UDF", { i }); }
  // not HLT (1011 1010 10, ARMv8): qemu-arm takes HLT #0x3c for a semihosting call
  for (;;) { const w = r.u32() & 0xffff; if (w < 0xe800 && (w & 0xffc0) !== 0xba80 && matchThumb(w, false)?.name === "UNDEFINED") return [w]; }
}
function undef32(r, name) {
  if (name === "UDF") return enc32("UDF", { i: r.u32() & 0xffff });
  for (;;) {
    const w = name === "MISC_UNDEF" ? (0xf3808000 | (r.u32() & 0x047f2fff)) >>> 0 : (r.u32() | 0xe0000000) >>> 0;
    if ((w >>> 27) < 0x1d) continue;
    // Advanced SIMD (Cortex-A8 has NEON: qemu executes it, vm7 has none): data processing
    // 111U 1111, element and structure load/store 1111 1001 xxx0
    const hw1 = w >>> 16;
    if ((hw1 & 0xef00) === 0xef00 || (hw1 & 0xff10) === 0xf900) continue;
    if (matchThumb(w, true)?.name === name) return [w >>> 16, w & 0xffff];
  }
}

// ---- branches ---------------------------------------------------------------------------------------
// branch(at, target) -> halfwords; `at` is the address of the branch instruction itself.
function bT4(name, at, target) { // B.W / BL (T4 / T1): imm32 = S:I1:I2:imm10:imm11:0, J = NOT(I) XOR S
  const o = target - (at + 4);
  const S = (o >>> 24) & 1, I1 = (o >>> 23) & 1, I2 = (o >>> 22) & 1;
  const J1 = (~I1 ^ S) & 1, J2 = (~I2 ^ S) & 1;
  return enc32(name, { s: S, i: (((o >>> 12) & 0x3ff) << 11) | ((o >>> 1) & 0x7ff), j: (J1 << 1) | J2 });
}
function bT3(cond, at, target) { // B<c>.W (T3): imm32 = S:J2:J1:imm6:imm11:0
  const o = target - (at + 4);
  return enc32("B_cond", { s: (o >>> 20) & 1, c: cond, i: (((o >>> 12) & 0x3f) << 11) | ((o >>> 1) & 0x7ff), j: (((o >>> 18) & 1) << 1) | ((o >>> 19) & 1) });
}
function branchUnit(r, key) {
  const cond = r.int(14);
  switch (key) {
    case "t16:B": return { hwLen: 1, branch: (at, tg) => enc16("B", { i: ((tg - at - 4) >> 1) & 0x7ff }), isBranch: true };
    case "t16:B_cond": return {
      hwLen: 1, isBranch: true,
      branch: (at, tg) => { const o = tg - at - 4; return o > 254 ? null : enc16("B_cond", { c: cond, i: (o >> 1) & 0xff }); },
    };
    case "t16:CBZ": case "t16:CBNZ": { // followed by a NOP: the next unit is at least 4 bytes on
      const n = low(r);
      return {
        hwLen: 2, isBranch: true,
        branch: (at, tg) => {
          const o = tg - at - 4;
          return o < 0 || o > 126 ? null : [...enc16(key.slice(4), { n, i: o >>> 1 }), NOP16];
        },
      };
    }
    case "t32:B_cond": return { hwLen: 2, isBranch: true, branch: (at, tg) => bT3(cond, at, tg) };
    case "t32:B": case "t32:BL": return { hwLen: 2, isBranch: true, branch: (at, tg) => bT4(key.slice(4), at, tg) };
    case "t16:BX": case "t16:BLX_r": case "t32:BXJ": { // ADR.W rX, target+1 (ADDW rX, pc, #imm12); BX rX
      const x = reg(r);
      const adr = (at, tg) => { const v = tg + 1 - al4(at + 4); const s = splitImm12(v); return enc32("ADDW", { n: 15, d: x, i: s.f }, s.extra); };
      const ins = key === "t32:BXJ" ? enc32("BXJ", { m: x }) : enc16(key.slice(4), { m: x });
      return { hwLen: ins.length, preLen: 2, isBranch: true, pre: adr, branch: () => ins };
    }
  }
  if (PC_WRITERS.includes(key)) return pcWriter(r, key);
  if (key === "t32:TBB" || key === "t32:TBH") return tableBranch(r, key);
  throw new Error(`branch ${key}`);
}

// ADR.W rX, addr (ADDW rX, pc, #imm12 from Align(PC, 4)); at = its own address, addr ahead of it
const adrW = (x, at, addr) => { const s = splitImm12(addr - al4(at + 4)); return enc32("ADDW", { n: 15, d: x, i: s.f }, s.extra); };
const STR_W = (t, n, off) => [0xf8c0 | n, (t << 12) | off]; // STR.W Rt, [Rn, #imm12]

// Other writes of the PC, each aimed at a later unit (A2.3.1: LoadWritePC and BXWritePC interwork,
// so the address carries bit 0 = 1; ALUWritePC in Thumb is BranchWritePC, bit 0 ignored).
const PC_WRITERS = ["t16:POP>pc", "t32:LDR>pc", "t32:LDM>pc", "t16:MOV_hi>pc", "t16:ADD_hi>pc"];
function pcWriter(r, key) {
  switch (key) {
    case "t16:POP>pc": { // adr.w rX; movw/movt rB; mov sp, rB; str.w rX, [rB, #4n]; pop {list, pc}
      const b = low(r), [x] = distinct(r, 1, R, [b]);
      const list = r.u32() & 0xff, n = popcount(list), B = baseAddr(r, 4);
      const ins = enc16("POP", { P: 1, r: list });
      return {
        hwLen: 1, preLen: 2 + 4 + 1 + 2, isBranch: true,
        pre: (at, tg) => [...adrW(x, at, tg + 1), ...setAddr(b, B), ...enc16("MOV_hi", { d: 13, m: b }), ...STR_W(x, b, 4 * n)],
        branch: () => ins,
      };
    }
    case "t32:LDR>pc": { // adr.w rX; base rB; str.w rX, [rB, #o]; ldr.w pc, [rB, #o]
      const [x, b] = distinct(r, 2), B = baseAddr(r, 4), o = 4 * r.int(64);
      const ins = [0xf8d0 | b, 0xf000 | o];
      return { hwLen: 2, preLen: 2 + 4 + 2, isBranch: true, pre: (at, tg) => [...adrW(x, at, tg + 1), ...setAddr(b, B), ...STR_W(x, b, o)], branch: () => ins };
    }
    case "t32:LDM>pc": { // the PC is the highest register: its word is the last of the block
      const [x, b] = distinct(r, 2);
      const db = r.chance(0.5), W = r.int(2);
      let list = r.u32() & 0x1fff; // no SP; no LR with the PC (UNPREDICTABLE)
      if (W) list &= ~(1 << b);
      if (list === 0) list = 1 << distinct(r, 1, R.filter((k) => k !== 14), [b])[0];
      list |= 1 << 15;
      const n = popcount(list), B = baseAddr(r, 4);
      const slot = db ? -4 : 4 * (n - 1);
      const ins = enc32(db ? "LDMDB" : "LDM", { W, n: b, r: list });
      const str = slot >= 0 ? STR_W(x, b, slot) : [0xf840 | b, (x << 12) | 0xc00 | 4]; // str rX, [rB, #-4]
      return { hwLen: 2, preLen: 2 + 4 + 2, isBranch: true, pre: (at, tg) => [...adrW(x, at, tg + 1), ...setAddr(b, B), ...str], branch: () => ins };
    }
    case "t16:MOV_hi>pc": { // adr.w rX, target (+1 or not: ignored); mov pc, rX
      const x = reg(r), plus = r.int(2);
      return { hwLen: 1, preLen: 2, isBranch: true, pre: (at, tg) => adrW(x, at, tg + plus), branch: () => enc16("MOV_hi", { d: 15, m: x }) };
    }
    case "t16:ADD_hi>pc": { // movw rX, #(target - (add + 4)); add pc, rX
      const x = reg(r);
      // a NOP after the ADD: the next unit starts at least at the ADD's PC value (ADD + 4)
      return {
        hwLen: 2, preLen: 2, isBranch: true,
        pre: (at, tg, gap) => movw(x, tg - (at + 4 + 2 * gap + 4)), branch: () => [...enc16("ADD_hi", { d: 15, m: x }), NOP16],
      };
    }
  }
}

// TBB/TBH [Rn, Rm]: the table entry (byte / halfword at Rn + Rm / Rn + 2*Rm in the scratch block)
// is written first: movw/movt rN; movw rM, #idx; movw rV, #entry; strb.w/strh.w rV, [rN, rM{, lsl #1}]
function tableBranch(r, key) {
  const h = key === "t32:TBH" ? 1 : 0;
  const [n, m, v] = distinct(r, 3);
  const B = baseAddr(r, 2), idx = r.int(64);
  const ins = enc32(key.slice(4), { n, m });
  const store = [h ? 0xf820 | n : 0xf800 | n, (v << 12) | (h << 4) | m];
  return {
    hwLen: 2, preLen: 4 + 2 + 2 + 2, isBranch: true,
    pre: (at, tg, gap) => {
      const tb = at + 20 + 2 * gap; // the TBB/TBH after the 10 halfwords of setup (and the IT)
      return [...setAddr(n, B), ...movw(m, idx), ...movw(v, (tg - (tb + 4)) >>> 1), ...store];
    },
    branch: () => ins,
  };
}

// ---- literal loads ------------------------------------------------------------------------------------
// PC-relative loads of the test's own halfwords (the same in both emulators; what follows the end
// differs, so the load must end inside the sequence). branch(at, { addr, end }) builds the load of
// the word at a unit start `addr`, or else of padding inside the unit itself.
const LITERALS = ["t16:LDR_lit", "t32:LDR[pc]", "t32:LDRB[pc]", "t32:LDRH[pc]", "t32:LDRSB[pc]", "t32:LDRSH[pc]", "t32:LDRD[pc]", "t32:VLDR[pc]"];
const NOPW = [0xf3af, 0x8000];
function literalUnit(r, key) {
  if (key === "t16:LDR_lit") { // imm8 * 4 forward from Align(PC, 4); three NOPs after it are a target of its own
    const t = low(r);
    return {
      hwLen: 4, literal: true,
      branch: (at, lt) => {
        const base = al4(at + 4);
        let a = al4(lt.addr);
        if (a < base || a + 4 > lt.end || a - base > 1020) a = base;
        return [...enc16("LDR_lit", { t, i: (a - base) >>> 2 }), NOP16, NOP16, NOP16];
      },
    };
  }
  const name = key.slice(4, -4);
  const size = name === "LDRD" || name === "VLDR" ? 8 : name === "LDR" ? 4 : /B/.test(name) ? 1 : 2;
  const delta = size >= 4 ? 0 : r.chance(0.75) ? size * r.int(4 / size) : r.int(5 - size);
  const [t, T] = distinct(r, 2);
  const vd = r.int(16), vD = r.int(2), dbl = size === 8 && r.chance(0.5) ? 1 : 0;
  const build = (at, a) => {
    const base = al4(at + 4), off = a - base, U = off >= 0 ? 1 : 0, o = Math.abs(off);
    if (name === "LDRD") return enc32("LDRD_pre", { U, W: 0, n: 15, t, T, i: o >>> 2 });
    if (name === "VLDR") { const w = vfpEnc("VLDR", { U, D: vD, n: 15, d: vd, s: dbl, i: o >>> 2 }); return w === null ? null : [w >>> 16, w & 0xffff]; }
    const w = (LDST_OP[name] | (U << 23) | (15 << 16) | (t << 12) | o) >>> 0;
    return matchThumb(w, true)?.name === name ? [w >>> 16, w & 0xffff] : null;
  };
  return {
    hwLen: 4, literal: true,
    branch: (at, lt) => {
      let a = (al4(lt.addr)) + delta;
      if (a + size > lt.end || Math.abs(a - al4(at + 4)) > (size === 8 ? 1020 : 4095)) a = al4(at) + delta; // its own words (and the NOP.W after)
      const h = build(at, a);
      return h && [...h, ...NOPW];
    },
  };
}

// ---- interworking -------------------------------------------------------------------------------------
// Thumb code for an A32 test's island: 1-3 random simple Thumb instructions, then ADR.W rY to the
// ARM code after it and BX rY (bit 0 clear: back to ARM), padded to a word. halfwords(at) with `at`
// the island's (word-aligned) address.
export function thumbIsland(r) {
  const ins = [], names = [];
  const n = 1 + r.int(3);
  while (ins.length < n) {
    const key = r.pick([...T16_SIMPLE.map((k) => "t16:" + k), ...T32_SIMPLE.map((k) => "t32:" + k)]);
    if (/MSR|HINT/.test(key)) continue;
    const u = makeTUnit(r, key, { vlen: 0, fpscr: 0 }, false);
    if (!u || !u.hw || u.hw.includes(null) || u.undef) continue;
    ins.push(u.hw); names.push(key);
  }
  const y = reg(r);
  const body = ins.flat();
  const len = body.length + 2 + 1; // + ADR.W + BX
  const pad = len % 2;
  return {
    names,
    halfwords: (at) => {
      const adrAt = at + 2 * body.length, end = at + 2 * (len + pad);
      return [...body, ...adrW(y, adrAt, end), ...enc16("BX", { m: y }), ...(pad ? [NOP16] : [])];
    },
  };
}

// An ARM island in a Thumb test: [BLX (immediate) | ADR.W + BX | ADR.W + BLX (register)] to ARM code
// right after (word-aligned: a NOP pads before or after), 1-3 random simple A32 instructions, then
// ADD rY, pc, #1 and BX rY back to Thumb at the next halfword.
function armIsland(r, key) {
  const k = 1 + r.int(3), arm = [], names = [];
  while (arm.length < k) { const a = simpleA32(r); arm.push(a.w); names.push(a.name); }
  const y = r.int(15), x = reg(r);
  const tail = [encodeA32("ADD_i", { S: 0, n: 15, d: y, r: 0, i: 1 }), encodeA32("BX", { m: y })];
  const words = [...arm, ...tail].flatMap((w) => [w & 0xffff, w >>> 16]);
  const lead = key === "t32:BLX_i>arm" ? 2 : 3;
  return {
    hwLen: lead + 1 + words.length, literal: true, noIt: true, island: names,
    branch: (at) => {
      const aligned = (at + 2 * lead) % 4 === 0; // ARM code right after the lead, else after a NOP
      const armAt = aligned ? at + 2 * lead : at + 2 * lead + 2;
      let head;
      if (key === "t32:BLX_i>arm") {
        const o = armAt - al4(at + 4), S = (o >>> 24) & 1, I1 = (o >>> 23) & 1, I2 = (o >>> 22) & 1;
        head = enc32("BLX_i", { s: S, i: (((o >>> 12) & 0x3ff) << 11) | ((o >>> 1) & 0x7ff), j: (((~I1 ^ S) & 1) << 1) | ((~I2 ^ S) & 1) });
      } else head = [...adrW(x, at, armAt), ...enc16(key === "t16:BX>arm" ? "BX" : "BLX_r", { m: x })];
      return aligned ? [...head, ...words, NOP16] : [...head, NOP16, ...words];
    },
  };
}
const ARM_ISLANDS = ["t16:BX>arm", "t16:BLX_r>arm", "t32:BLX_i>arm"];

// ---- units ------------------------------------------------------------------------------------------
const THUMB_VFP_OPS = {
  reg: (r) => reg(r), base: (r) => reg(r), setAddr: (n, a) => setAddr(n, a), scratchBase: baseAddr, misalign,
  movImm: (t, v) => movImm(t, v), a32Of: (w) => w,
};
const vfpEnc = (name, f) => { const hw = enc32(name, f); return hw ? t32Word(hw) : null; };

/** One member-able unit for key ("t16:NAME" / "t32:NAME"): { name, setup[], hw[], post[], last,
 *  undef, isBranch, branch/adr/ins, noIt }. */
function makeTUnit(r, key, state, inIt) {
  const [w, name] = key.split(":");
  const u = { name: key };
  if (PC_WRITERS.includes(key)) return Object.assign(u, branchUnit(r, key));
  if (LITERALS.includes(key)) return Object.assign(u, literalUnit(r, key));
  if (ARM_ISLANDS.includes(key)) return Object.assign(u, armIsland(r, key));
  if (w === "t16") {
    if (T16_SIMPLE.includes(name)) { u.hw = simple16(r, name, inIt); return u.hw && u; }
    if (T16_MEM.includes(name)) { const m = mem16(r, name); return m && Object.assign(u, m); }
    if (T16_BRANCH.includes(name)) return Object.assign(u, branchUnit(r, key));
    if (name === "SETEND") { u.hw = enc16("SETEND", { E: r.int(2) }); u.noIt = true; return u; }
    u.hw = undef16(r, name); u.undef = true; u.last = true; return u;
  }
  if (VFP_POOL.includes(name)) {
    const v = vfpUnit(r, name, vfpEnc, AL, THUMB_VFP_OPS, state);
    if (!v || v.words.includes(null) || v.setup?.includes(null)) return null;
    const hw = v.words.flatMap((x) => [x >>> 16, x & 0xffff]);
    return Object.assign(u, { setup: v.setup ?? [], hw, last: v.last, undef: v.undef });
  }
  if (T32_SIMPLE.includes(name)) {
    const s = simple32(r, name);
    if (!s) return null;
    return Object.assign(u, { hw: s.hw, undef: s.undef, last: s.undef });
  }
  if (["STRB", "STRH", "STR", "LDRB", "LDRSB", "LDRH", "LDRSH", "LDR"].includes(name)) { const m = mem32(r, name); return m && Object.assign(u, m); }
  if (name.startsWith("STRD") || name.startsWith("LDRD")) { const m = dual32(r, name); return m && Object.assign(u, m); }
  if (["STM", "LDM", "STMDB", "LDMDB"].includes(name)) { const m = ldm32(r, name); return m && Object.assign(u, m); }
  if (name.startsWith("LDREX")) { const m = ldrex32(r, name); return m && Object.assign(u, m); }
  if (name.startsWith("STREX") && inIt && state.ldrexSeen) return null; // would need the LDREX right before it
  if (name.startsWith("STREX")) { const m = strex32(r, name, !inIt && (state.ldrexSeen || r.chance(0.7))); return m && Object.assign(u, m, { name: m.name ?? key }); }
  if (T32_BRANCH.includes(name)) return Object.assign(u, branchUnit(r, key));
  if (name === "MRS") { const m = mrs32(r); if (m.post.includes(null)) return null; return Object.assign(u, m, { noIt: true }); }
  if (name === "MRC") return Object.assign(u, tpidr32(r));
  u.hw = undef32(r, name); u.undef = true; u.last = true; return u;
}

// An IT block: members' setup, IT, members (each IT-able; see the header for the rules).
function itUnit(r, pool, state) {
  const al = r.chance(0.15);
  const firstcond = al ? AL : r.int(14);
  const want = 1 + r.int(4);
  const members = [];
  let setup = [];
  for (let tries = 0; members.length < want && tries < 40; tries++) {
    const key = r.pick(pool);
    if (NOT_IN_IT.has(key) || key === "t16:IT") continue;
    const u = makeTUnit(r, key, state, true);
    if (!u || u.noIt) continue;
    if (u.undef && !al) continue;
    const hasSetup = (u.setup?.length ?? 0) > 0 || u.pre;
    if (hasSetup && members.length > 0) continue;             // setup only for the first member
    if (u.pre && u.isBranch && want > 1 && members.length === 0) continue; // a branch with setup: alone
    if (u.literal) continue;                                  // literal loads: not in a block
    if (u.post) continue;                                      // MRS + BICs: not in a block
    if (u.ldrex) u.ldrex = true;
    members.push(u);
    if (u.isBranch || u.last) break;
  }
  if (members.length === 0) return null;
  if (members.some((m) => m.pre && m.isBranch) && members.length > 1) return null;
  // mask: for members 2..n, T = firstcond[0], E = NOT firstcond[0]; then a 1; zeros below (A8.8.54)
  let mask = 0;
  const c0 = firstcond & 1;
  const thenElse = [];
  for (let k = 1; k < members.length; k++) {
    const e = al ? 0 : r.int(2);
    thenElse.push(e ? "e" : "t");
    mask |= ((e ? 1 - c0 : c0) << (4 - k));
  }
  mask |= 1 << (4 - members.length);
  const it = enc16("IT", { c: firstcond, m: mask });
  for (const m of members) if (m.setup) setup = [...setup, ...m.setup];
  return {
    name: `IT${thenElse.join("")} ${members.map((m) => m.name).join(" ")}`, it, members, setup, firstcond,
    last: members.some((m) => m.last), isBranch: members.some((m) => m.isBranch), ldrex: members.some((m) => m.ldrex),
  };
}

/** Thumb test `index` of seed `seed`: { units, regs, apsr, fpscr, d, scratchSeed, words (halfwords) }. */
export function generateThumb(seed, index, opts = {}, r = rngFor(seed, index)) {
  const vfpTest = r.chance(0.3);
  let pool = opts.tpool ?? TPOOL;
  if (vfpTest) { const mix = TVFP_MIX.filter((n) => pool.includes(n)); if (mix.some((n) => n.startsWith("t32:V"))) pool = mix; }
  const fpscr = randFpscr(r), d = randVfpRegs(r);
  const nUnits = 1 + r.int(opts.maxUnits ?? 8);
  const units = [];
  const state = { ldrexSeen: false, fpscr, vlen: (fpscr >>> 16) & 7 };
  for (let tries = 0; units.length < nUnits && tries < 200; tries++) {
    const key = pool.includes("IT") && r.chance(0.25) ? "IT" : r.pick(pool); // IT blocks: a quarter of the units
    const u = key === "IT" ? itUnit(r, pool, state) : makeTUnit(r, key, state, false);
    if (!u) continue;
    if (u.hw === null || u.hw?.includes(null) || u.setup?.includes(null)) continue;
    if (u.members && u.members.some((m) => m.hw === null || m.hw?.includes(null))) continue;
    if (u.ldrex) state.ldrexSeen = true;
    units.push(u);
    if (u.last) break;
  }
  units.forEach((u, k) => {
    if (u.isBranch || u.members?.some((m) => m.isBranch)) u.target = k + 1 + r.int(units.length - k);
    if (u.literal) u.target = r.int(units.length);
  });
  const regs = Array.from({ length: 15 }, () => randValue(r));
  const apsr = (r.u32() & APSR_MASK) >>> 0;
  const scratchSeed = (r.u32() | 1) >>> 0;
  const test = { seed, index, isa: "t32", thumb: true, units, regs, apsr, scratchSeed, fpscr, d };
  finishThumb(test);
  return test;
}

// Halfwords of a unit, laid out at `at` with branch targets resolved (tgtAddr: the address of its
// target unit; for a literal load { addr, end }). Returns null if a branch cannot reach.
function unitHalfwords(u, at, tgtAddr) {
  const out = [...(u.setup ?? [])];
  const ms = u.members ?? [u];
  // gap: halfwords between a member's setup and the member (the IT instruction)
  for (const m of ms) if (m.pre) out.push(...m.pre(at + 2 * out.length, tgtAddr, u.members ? 1 : 0));
  if (u.members) out.push(...u.it);
  for (const m of ms) {
    const h = m.isBranch || m.literal ? m.branch(at + 2 * out.length, tgtAddr) : [...m.hw, ...(m.post ?? [])];
    if (!h) return null;
    out.push(...h);
  }
  return out;
}

const memberSize = (m) => (m.preLen ?? 0) + (m.isBranch || m.literal ? m.hwLen : m.hw.length + (m.post?.length ?? 0));
const unitSize = (u) => (u.setup?.length ?? 0) + (u.members ? 1 + u.members.reduce((a, m) => a + memberSize(m), 0) : memberSize(u));

/** Lay out: every unit's size is fixed before the targets are known (branches have fixed widths). */
export function finishThumb(test) {
  const sizes = test.units.map(unitSize);
  const starts = [];
  let at = SEQ;
  for (const s of sizes) { starts.push(at); at += 2 * s; }
  starts.push(at);
  const hws = [];
  test.units.forEach((u, k) => {
    const br = u.isBranch || u.members?.some((m) => m.isBranch);
    let tgt = br ? Math.min(Math.max(u.target, k + 1), test.units.length) : 0;
    if (u.literal) { // a unit's start (its own included); the load must end before the sequence does
      u.litTarget = { addr: starts[Math.min(u.target ?? k, test.units.length - 1)], end: at };
      u.words = null;
      return;
    }
    let h = unitHalfwords(u, starts[k], starts[tgt]);
    while (!h && br && tgt > k + 1) { tgt--; h = unitHalfwords(u, starts[k], starts[tgt]); }
    if (!h || h.length !== sizes[k]) throw new Error(`thumb test ${test.index}: unit ${u.name} did not lay out`);
    u.words = h;
  });
  // literal loads read the final words of other units: laid out last
  test.units.forEach((u, k) => {
    if (u.words === null) {
      const h = unitHalfwords(u, starts[k], u.litTarget);
      if (!h || h.length !== sizes[k]) throw new Error(`thumb test ${test.index}: unit ${u.name} did not lay out`);
      u.words = h;
    }
    hws.push(...u.words);
  });
  if (hws.length > 2 * MAX_WORDS - 2) throw new Error(`thumb test ${test.index}: ${hws.length} halfwords`);
  checkThumb(hws, test);
  test.words = hws;
  test.nbytes = 2 * hws.length;
  return test;
}

// Every instruction decodes to a Thumb row (and the rows it was made from: the encoders check that).
function checkThumb(hws, test) {
  for (let k = 0; k < hws.length; k++) {
    const h = hws[k];
    if (h === undefined || h === null || h > 0xffff) throw new Error(`thumb test ${test.index}: bad halfword at ${k}`);
    if (h >= 0xe800) k++;
  }
}

/** The same test without unit k. */
export function dropThumbUnit(test, k) {
  const units = test.units.filter((_, j) => j !== k).map((u) => ({ ...u }));
  units.forEach((u, j) => {
    const orig = j < k ? j : j + 1;
    if (u.target !== undefined) { const t = test.units[orig].target; u.target = t > k ? t - 1 : t; }
  });
  return finishThumb({ ...test, units, shrunk: true });
}
