// Random A32 test sequences for the differential tester, generated from the declarative encoding
// table (assembly/decode/a32.decode via src/disasm/a32.gen.ts): pick a pattern, fill its fields
// at random, then apply the ARM ARM's constraints so the result is architecturally defined in User
// mode (no UNPREDICTABLE register combinations, memory inside the scratch block, aligned where the
// instruction requires it). Every word is checked to decode to the pattern it was made from.
//
// A test is a list of units: one instruction, or a few that belong together (base-register setup
// with MOVW/MOVT before a memory access, ADR before BX, LDREX before STREX, MRS and the masks
// that drop its UNKNOWN bits). Branches only go forward, to the start of a later unit or to the
// end, so every test terminates. Registers r0-r14 are all used (the harness saves its own sp);
// r15 appears only as a data-processing operand (reads PC+8) and through branches.
import { A32_PATTERNS } from "../../dist/disasm/a32.gen.js";
import { matchA32 } from "../../dist/disasm/a32.js";
import { SEQ, SCRATCH, APSR_MASK, MAX_WORDS } from "./layout.mjs";
import { VFP_POOL, vfpUnit, randVfpRegs, randFpscr } from "./vfp.mjs";
import { thumbIsland } from "./tgen.mjs";

const BY_NAME = new Map(A32_PATTERNS.map((p) => [p.name, p]));
const AL = 14;

// ---- PRNG: mulberry32, one stream per test derived from (seed, index) --------------------------
export function rngFor(seed, index) {
  let a = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  for (let k = 0; k < 4; k++) next();
  const r = {
    u32: next,
    int: (n) => next() % n,                       // 0..n-1
    range: (lo, hi) => lo + (next() % (hi - lo + 1)), // lo..hi inclusive
    chance: (p) => next() / 4294967296 < p,
    pick: (arr) => arr[next() % arr.length],
  };
  return r;
}

// ---- encoding helpers ---------------------------------------------------------------------------
export function setField(word, bits, v) {
  // bits: positions, most significant first
  let w = word;
  for (let k = 0; k < bits.length; k++) {
    const b = bits[k], bit = (v >>> (bits.length - 1 - k)) & 1;
    w = bit ? (w | (1 << b)) : (w & ~(1 << b));
  }
  return w >>> 0;
}

const DASH_FILL = {
  PLD_imm: 1 << 22, PLD_reg: 1 << 22,            // R = 1: PLD, not PLDW
  HINT: 0xf000, MSR_imm: 0xf000,                  // (1)(1)(1)(1)(0)(0)(0)(0) / (1)(1)(1)(1)
  PARALLEL: 0xf00, SEL: 0xf00, SSAT16: 0xf00, USAT16: 0xf00,
  REV: 0xf0f00, REV16: 0xf0f00, RBIT: 0xf0f00, REVSH: 0xf0f00,
};

// Per pattern: its fields as [letter, bits] and the '-' bits, computed once.
const ENC = new Map(A32_PATTERNS.map((p) => {
  let fieldBits = 0;
  for (const bits of Object.values(p.fields)) for (const b of bits) fieldBits |= 1 << b;
  return [p.name, { p, fields: Object.entries(p.fields), dash: ~(p.mask | fieldBits) >>> 0 }];
}));

/** Encode pattern `name` with field values `f` (letter -> value; missing fields are 0); null
 *  when the word would decode as another pattern (an earlier, more specific row). */
export function encode(name, f, cond = AL) {
  const e = ENC.get(name);
  if (!e) throw new Error(`no pattern ${name}`);
  let w = e.p.value >>> 0;
  for (const [k, bits] of e.fields) w = setField(w, bits, (k === "c" ? cond : (f[k] ?? 0)) >>> 0);
  w = (w | ((DASH_FILL[name] ?? 0) & e.dash)) >>> 0;
  const got = matchA32(w);
  if (!got || got.name !== name) return null;
  return w;
}

const movw = (d, v) => encode("MOVW", { d, j: (v >>> 12) & 15, i: v & 0xfff });
const movt = (d, v) => encode("MOVT", { d, j: (v >>> 12) & 15, i: v & 0xfff }); // v: the top half
const setAddr = (n, a) => [movw(n, a & 0xffff), movt(n, a >>> 16)];

// ---- random values ------------------------------------------------------------------------------
const SPECIAL = [0, 1, 2, 3, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe, 0x80000001, 0x7ffffffe,
  0x8000, 0x7fff, 0xffff, 0x10000, 0xff, 0x80, 0x7f, 0x100, 0x7fff8000, 0x80008000, 0xff00ff00, 0x00ff00ff,
  31, 32, 33, 0x1f, 0xffffffe0]; // shift amounts around 32 for register-shifted operands
export function randValue(r) {
  switch (r.int(4)) {
    case 0: return r.pick(SPECIAL) >>> 0;
    case 1: return r.int(64);
    case 2: return (r.pick(SPECIAL) ^ (1 << r.int(32))) >>> 0;
    default: return r.u32();
  }
}
const randCond = (r) => (r.chance(0.5) ? AL : r.int(14));
const randReg = (r) => r.int(15);
function distinctRegs(r, k, avoid = []) {
  const out = [];
  while (out.length < k) {
    const x = r.int(15);
    if (!out.includes(x) && !avoid.includes(x)) out.push(x);
  }
  return out;
}
const evenReg = (r, avoid = []) => { for (;;) { const x = 2 * r.int(7); if (!avoid.includes(x) && !avoid.includes(x + 1)) return x; } };

// ---- the pool -----------------------------------------------------------------------------------
const DP_OPS = ["AND", "EOR", "SUB", "RSB", "ADD", "ADC", "SBC", "RSC", "TST", "TEQ", "CMP", "CMN", "ORR", "MOV", "BIC", "MVN"];
const LDST = ["STR_i", "LDR_i", "STRB_i", "LDRB_i", "STR_r", "LDR_r", "STRB_r", "LDRB_r",
  "STRT_i", "LDRT_i", "STRBT_i", "LDRBT_i", "STRT_r", "LDRT_r", "STRBT_r", "LDRBT_r"];
const EXTRA = ["STRH", "LDRH", "LDRD", "LDRSB", "STRD", "LDRSH", "STRHT", "LDRHT", "LDRSBT", "LDRSHT"];
const OTHER = ["SWP", "LDREX", "LDREXB", "LDREXH", "LDREXD", "STREX", "STREXB", "STREXH", "STREXD",
  "STM", "LDM", "MRS", "MRC", "B", "BL", "BX", "BXJ", "BLX_reg", "UDF", "UNDEFINED"];
// Writes to the PC by other instructions (ALUWritePC / LoadWritePC: interworking branches in
// ARMv7), each aimed at a later unit: pseudo-names "<pattern>>pc".
const PC_WRITERS = ["ADD_i>pc", "MOV_ri>pc", "ADD_ri>pc", "LDR_i>pc", "LDM>pc"];
// PC-relative loads of the test's own instruction words (identical in both emulators; the word
// after the sequence differs, so it is never read): pseudo-names "<pattern>[pc]".
const LITERALS = ["LDR_i[pc]", "LDRB_i[pc]", "LDRH[pc]", "LDRSB[pc]", "LDRSH[pc]", "LDRD[pc]", "VLDR[pc]"];
// Encodings the generator never produces: privileged or User-mode UNPREDICTABLE (CPS SRS RFE, the
// ^ forms of LDM/STM), Thumb-switching (BLX_imm), traps the harness cannot survive (BKPT SVC), coprocessor
// transfers other than the TPIDRURW pair (MCR alone, MCRR MRRC LDC STC CDP), PLDW (no Multiprocessing
// Extensions on Cortex-A8). The VFP rows (V*) have their own generator (vfp.mjs).
const EXCLUDED = new Set(["CPS", "SRS", "RFE", "BLX_imm", "BKPT", "SVC", "STM_usr", "LDM_usr",
  "MCR", "MCRR", "MRRC", "LDC", "STC", "CDP", "COPROC", "PLDW_imm", "PLDW_reg"]);
/** Single instructions without memory access or control flow: every other row of the table
 *  (a load/store row the generator does not know yet is left out rather than given random
 *  addresses). */
const SIMPLE = A32_PATTERNS.map((p) => p.name)
  .filter((n) => !EXCLUDED.has(n) && !LDST.includes(n) && !EXTRA.includes(n) && !OTHER.includes(n) && !/^(LD|ST)/.test(n)
    && !/^(MCRR|MRRC|LDC|STC|CDP|MCR|MRC)2?$/.test(n) // the unconditional coprocessor rows too
    && !/^V[A-Z]/.test(n)); // VFP rows: vfp.mjs
/** Pattern names the generator produces (a test picks among them uniformly). */
// Interworking into Thumb and back: BLX (immediate) or ADR + BX to Thumb code right after, which
// returns with ADR.W + BX (pseudo-names "<pattern>>thumb").
const INTERWORK = ["BLX_imm>thumb", "BX>thumb"];
export const POOL = [...SIMPLE, ...LDST, ...EXTRA, ...OTHER, ...PC_WRITERS, ...LITERALS, ...VFP_POOL, ...INTERWORK];
// A "VFP test" (3 in 8) draws from the VFP rows and a few core instructions that feed or use them.
const VFP_MIX = [...VFP_POOL, "VFP_DP", "VFP_DP", "VFP_DP", "VFP_DP", "VLDR", "VSTR", "VMRS", "B", "ADD_ri", "MOV_i", "MRS", "LDR_i", "STR_i"];
const IS_SIMPLE = new Set(SIMPLE), IS_LDST = new Set(LDST), IS_EXTRA = new Set(EXTRA), IS_DP = new Set(DP_OPS);
for (const n of [...LDST, ...EXTRA, ...OTHER]) if (!BY_NAME.has(n)) throw new Error(`generator: no pattern ${n} in the table`);

const HINTS = [0, 1, 4, ...Array.from({ length: 16 }, (_, k) => 0xf0 + k)]; // not WFE (2) / WFI (3)

// Random fields for a single-instruction pattern, with the constraints that keep it defined.
function simpleFields(r, name) {
  const p = BY_NAME.get(name);
  const f = {};
  const regLetters = new Set(["n", "d", "m", "s", "t", "a", "h"]);
  if (p.fields.h) regLetters.add("l");
  for (const [k, bits] of Object.entries(p.fields)) {
    if (k === "c") continue;
    f[k] = regLetters.has(k) ? randReg(r) : r.u32() & ((1 << bits.length) - 1) >>> 0;
  }
  if (f.h !== undefined && p.fields.l) while (f.l === f.h) f.l = randReg(r);
  const op = name.split("_")[0], form = name.split("_")[1];
  if (IS_DP.has(op)) {
    if (form === "i" && r.chance(0.1)) f.n = 15;               // ADR-like: reads PC+8
    if (form === "ri") { if (r.chance(0.05)) f.n = 15; if (r.chance(0.05)) f.m = 15; }
    if (form === "i" && r.chance(0.3)) { f.r = 0; }            // small immediates often
  }
  switch (name) {
    case "PARALLEL": f.o = r.pick([1, 2, 3, 5, 6, 7]); f.q = r.pick([0, 1, 2, 3, 4, 7]); break; // older table
    case "SBFX": case "UBFX": f.l = r.int(32); f.w = r.int(32 - f.l); break;
    case "BFC": case "BFI": f.l = r.int(32); f.j = f.l + r.int(32 - f.l); break;
    case "MSR_reg": case "MSR_imm": f.R = 0; f.k = r.pick([4, 8, 12]); break;
    case "HINT": f.i = r.pick(HINTS); break;
  }
  return f;
}

// ---- memory helpers -----------------------------------------------------------------------------
// A base in the middle of the scratch block: every access of a unit lands inside it.
function baseAddr(r, align) {
  const off = 1024 + r.int(1984);
  return SCRATCH + (off & ~(align - 1));
}
// Now and then an access that must be aligned (LDRD/STRD, LDM/STM, LDREX, SWP) gets a misaligned
// base: both sides must take the alignment fault (SIGBUS in qemu) with nothing written back. Such a
// unit ends the test. Not STREX: QEMU skips the access, and its alignment check, when the monitor
// fails.
const MISALIGN_RATE = 0.04;
function misalign(r, need) {
  return r.chance(MISALIGN_RATE) ? (need === 8 && r.chance(0.5) ? 4 : 1 + r.int(3)) : 0;
}
function shiftOffset(v, p, y) {
  if (p === 0) return v << y;
  if (p === 1) return y === 0 ? 0 : v >>> y;
  return y === 0 ? 0 : v >> y; // ASR of a small positive value
}

// ---- units --------------------------------------------------------------------------------------
// A unit: { name (the pattern under test), words (null = needs branch target), branch? }
function unitLdst(r, name) {
  const load = name.startsWith("LDR"), byte = /^(LDR|STR)B/.test(name);
  const T = /T_/.test(name), reg = name.endsWith("_r");
  const size = byte ? 1 : 4;
  const align = r.chance(0.75) ? size : 1;
  let P = 1, W = 0;
  if (!T) { P = r.int(2); W = P ? r.int(2) : 0; }
  const wback = T || P === 0 || W === 1;
  let [n, t, m] = distinctRegs(r, 3);
  if (!wback && r.chance(0.1)) t = n;
  const U = r.int(2);
  const f = { P, U, W, n, t };
  const words = [];
  let off;
  if (reg) {
    const p = r.int(3); // LSL, LSR, ASR (ROR/RRX would make large offsets)
    let y, v;
    for (;;) {
      y = p === 0 ? r.int(3) : r.int(9);
      v = r.int(256);
      off = shiftOffset(v, p, y);
      if (off <= 1020 && off % align === 0) break;
    }
    Object.assign(f, { m, p, y });
    words.push(movw(m, v));
  } else {
    off = r.int(1021) & ~(align - 1);
    f.i = off;
  }
  const B = baseAddr(r, align);
  words.unshift(...setAddr(n, B));
  const w = encode(name, f, randCond(r));
  if (w === null) return null;
  words.push(w);
  return { name, words };
}

function unitExtra(r, name) {
  const T = name.endsWith("T");
  const dual = name === "LDRD" || name === "STRD";
  const size = dual ? 4 : /SB/.test(name) ? 1 : 2;
  const align = dual ? 4 : r.chance(0.75) ? size : 1;
  let P = 1, W = 0;
  if (!T) { P = r.int(2); W = P ? r.int(2) : 0; }
  const wback = T || P === 0 || W === 1;
  const I = r.int(2), U = r.int(2);
  let t, n, m;
  if (dual) {
    t = evenReg(r, []);
    [n, m] = distinctRegs(r, 2, [t, t + 1]);
  } else {
    [n, t, m] = distinctRegs(r, 3);
    if (!wback && r.chance(0.1)) t = n;
  }
  const f = { P, U, I, W, n, t };
  const words = [];
  if (I) {
    const off = r.int(256) & ~(align - 1);
    f.j = off >>> 4; f.i = off & 15;
  } else {
    const v = r.int(256) & ~(align - 1);
    f.j = 0; f.i = m;
    words.push(movw(m, v));
  }
  const mis = dual ? misalign(r, 4) : 0;
  words.unshift(...setAddr(n, baseAddr(r, align) + mis));
  const w = encode(name, f, randCond(r));
  if (w === null) return null;
  words.push(w);
  return { name, words, last: mis !== 0 };
}

function unitSwp(r) {
  const B = r.int(2);
  const n = randReg(r);
  let t = randReg(r), m = randReg(r);
  while (t === n) t = randReg(r);
  while (m === n) m = randReg(r);
  const w = encode("SWP", { B, n, t, m }, randCond(r));
  const mis = B ? 0 : misalign(r, 4);
  return w === null ? null : { name: "SWP", words: [...setAddr(n, baseAddr(r, B ? 1 : 4) + mis), w], last: mis !== 0 };
}

const EXCL_SIZE = { "": 4, B: 1, H: 2, D: 8 };
function unitLdrex(r, name) {
  const sz = EXCL_SIZE[name.slice(5)];
  const n = randReg(r);
  const t = sz === 8 ? evenReg(r) : randReg(r);
  const w = encode(name, { n, t }, randCond(r));
  const mis = sz > 1 ? misalign(r, sz) % sz : 0;
  return w === null ? null : { name, words: [...setAddr(n, baseAddr(r, Math.max(sz, 4)) + mis), w], ldrex: true, last: mis !== 0 };
}
// STREX: after a matching LDREX to the same address (both unconditional, nothing in between, so
// the local monitor's address check and the effect of other stores never matter), or alone when
// no LDREX can have run before it in this test (monitor open: it fails and stores nothing).
function unitStrex(r, name, paired) {
  const sfx = name.slice(5), sz = EXCL_SIZE[sfx];
  const n = randReg(r);
  const words = setAddr(n, baseAddr(r, Math.max(sz, 4)));
  if (paired) {
    const t1 = sz === 8 ? evenReg(r, [n]) : distinctRegs(r, 1, [n])[0];
    words.push(encode("LDREX" + sfx, { n, t: t1 }));
  }
  const t = sz === 8 ? evenReg(r, [n]) : distinctRegs(r, 1, [n])[0];
  const d = distinctRegs(r, 1, sz === 8 ? [n, t, t + 1] : [n, t])[0];
  const w = encode(name, { n, d, t }, paired ? AL : randCond(r));
  if (w === null || words.includes(null)) return null;
  words.push(w);
  return { name: paired ? `LDREX${sfx}+${name}` : name, words };
}

function unitLdm(r, name) {
  const load = name === "LDM";
  const P = r.int(2), U = r.int(2), W = r.int(2);
  const n = randReg(r);
  const density = r.pick([0.1, 0.3, 0.7]);
  let list = 0;
  for (let k = 0; k < 15; k++) if (r.chance(density)) list |= 1 << k;
  if (W) list &= ~(1 << n);                  // base in the list with writeback: UNPREDICTABLE / UNKNOWN
  if (list === 0) list = 1 << distinctRegs(r, 1, [n])[0];
  const w = encode(name, { P, U, W, n, r: list }, randCond(r));
  const mis = misalign(r, 4);
  return w === null ? null : { name, words: [...setAddr(n, baseAddr(r, 4) + mis), w], last: mis !== 0 };
}

// MRS reads the CPSR; in User mode only N Z C V Q GE are defined, so clear the rest right after.
function unitMrs(r) {
  const d = randReg(r);
  const w = encode("MRS", { R: 0, d }, randCond(r));
  const bic = (imm12) => encode("BIC_i", { S: 0, n: d, d, r: imm12 >>> 8, i: imm12 & 0xff });
  return { name: "MRS", words: [w, bic(0x0ff), bic(0xcff), bic(0x67f)] }; // #0xff, #0xff00, #0x07f00000
}

// MCR then MRC of TPIDRURW (CP15 c13, 0, c0, 2): the one CP15 register User mode may write.
function unitTpidr(r) {
  const t = randReg(r), t2 = randReg(r);
  const f = { o: 0, n: 13, p: 15, q: 2, m: 0 };
  return { name: "MRC", words: [encode("MCR", { ...f, t }), encode("MRC", { ...f, t: t2 }, randCond(r))] };
}

function unitBranch(r, name) {
  const cond = randCond(r);
  if (name === "B" || name === "BL") {
    return { name, words: [null], branch: (at, target) => encode(name, { i: ((target - at - 8) >> 2) & 0xffffff }, cond) };
  }
  const x = randReg(r);
  return {
    name, words: [null, null],
    branch: (at, target) => [adr(x, at, target), encode(name, { m: x }, cond)],
  };
}
// add rX, pc, #(target - (at + 8)): targets are at most MAX_WORDS words ahead, so imm8 suffices
const adr = (x, at, target) => encode("ADD_i", { S: 0, n: 15, d: x, r: 0, i: target - at - 8 });

function unitPcWriter(r, name) {
  const cond = randCond(r);
  switch (name) {
    case "ADD_i>pc": // add pc, pc, #imm (sub pc, pc, #4 for the next instruction)
      return {
        name, words: [null],
        branch: (at, target) => encode(target - at - 8 < 0 ? "SUB_i" : "ADD_i", { S: 0, n: 15, d: 15, r: 0, i: Math.abs(target - at - 8) }, cond),
      };
    case "MOV_ri>pc": { // adr rX; mov pc, rX
      const x = randReg(r);
      return { name, words: [null, null], branch: (at, target) => [adr(x, at, target), encode("MOV_ri", { S: 0, d: 15, m: x, y: 0, p: 0 }, cond)] };
    }
    case "ADD_ri>pc": { // movw rX, #k; add pc, pc, rX, lsl #2 (sub for the next unit)
      const x = randReg(r);
      return {
        name, words: [null, null],
        branch: (at, target) => {
          const off = target - at - 12;
          return [movw(x, Math.abs(off) >>> 2), encode(off < 0 ? "SUB_ri" : "ADD_ri", { S: 0, n: 15, d: 15, m: x, y: 2, p: 0 }, cond)];
        },
      };
    }
    case "LDR_i>pc": { // adr rX; base rB; str rX, [rB, #o]; ldr pc, [rB, #o]
      const [x, b] = distinctRegs(r, 2);
      const B = baseAddr(r, 4), o = 4 * r.int(64);
      return {
        name, words: [null, null, null, null, null],
        branch: (at, target) => [adr(x, at, target), ...setAddr(b, B), encode("STR_i", { P: 1, U: 1, W: 0, n: b, t: x, i: o }),
          encode("LDR_i", { P: 1, U: 1, W: 0, n: b, t: 15, i: o }, cond)],
      };
    }
    case "LDM>pc": { // adr rX; base rB; str rX to the PC's slot; ldm rB, {..., pc}
      const [x, b] = distinctRegs(r, 2);
      const P = r.int(2), U = r.int(2), W = r.int(2);
      let list = 0;
      for (let k = 0; k < 15; k++) if (r.chance(0.25)) list |= 1 << k;
      if (W) list &= ~(1 << b);
      list |= 1 << 15;
      const n = popcount(list);
      const B = baseAddr(r, 4);
      const lowest = U ? B + (P ? 4 : 0) : B - 4 * n + (P ? 0 : 4);
      const slot = lowest + 4 * (n - 1) - B; // the PC is the highest register: the highest address
      return {
        name, words: [null, null, null, null, null],
        branch: (at, target) => [adr(x, at, target), ...setAddr(b, B),
          encode("STR_i", { P: 1, U: slot >= 0 ? 1 : 0, W: 0, n: b, t: x, i: Math.abs(slot) }),
          encode("LDM", { P, U, W, n: b, r: list }, cond)],
      };
    }
  }
  throw new Error(`no generator for ${name}`);
}
function unitLiteral(r, name) {
  const base = name.slice(0, -4), cond = randCond(r);
  const dbl = base === "VLDR" ? r.int(2) : 0;
  const size = base === "LDRD" || dbl ? 8 : base.startsWith("LDRB") || base === "LDRSB" ? 1 : base === "LDR_i" || base === "VLDR" ? 4 : 2;
  const vd = r.int(16), vD = r.int(2);
  // byte offset in the target word; the access stays inside the word (the one after may be the end)
  const delta = size >= 4 ? 0 : r.chance(0.75) ? size * r.int(4 / size) : r.int(5 - size);
  const t = base === "LDRD" ? evenReg(r) : randReg(r);
  const unit = {
    name, words: size === 8 ? [null, 0xe320f000] : [null], anyTarget: true, // LDRD: a NOP after it keeps [own, own+4] inside
    branch: (at, target) => {
      const off = target + delta - at - 8, U = off >= 0 ? 1 : 0, a = Math.abs(off);
      const w = base === "VLDR" ? encode("VLDR", { U, D: vD, n: 15, d: vd, s: dbl, i: a >>> 2 }, cond)
        : base.endsWith("_i")
          ? encode(base, { P: 1, U, W: 0, n: 15, t, i: a }, cond)
          : encode(base, { P: 1, U, I: 1, W: 0, n: 15, t, j: a >>> 4, i: a & 15 }, cond);
      return size === 8 ? [w, 0xe320f000] : w;
    },
  };
  return unit;
}
const popcount = (v) => { let c = 0; for (; v; v &= v - 1) c++; return c; };

// A word the table calls UNDEFINED (or UDF), unconditional (whether a failed condition still
// UNDEFs is IMPLEMENTATION DEFINED), and always the last unit: both sides must take the UNDEF
// there (SIGILL in qemu, caught by the harness) with the same registers.
function unitUndef(r, name) {
  // 0xe7f001f0 (UDF #16: imm12 0x001, imm4 0x0) is the Linux ARM breakpoint: qemu-arm's user mode
  // raises SIGTRAP for it, not SIGILL (an oracle artefact: both are UNDEFINED)
  if (name === "UDF") { let i = r.u32() & 0xffff; if (i === 0x10) i = 0; return { name, words: [encode("UDF", { i })], last: true }; }
  for (;;) {
    const w = ((r.u32() & 0x0fffffff) | 0xe0000000) >>> 0;
    // not HLT (cond 0001 0000 .... .... 0111 ...., ARMv8): qemu-arm takes HLT #0xf000 for a semihosting call
    if ((w & 0x0ff000f0) === 0x01000070) continue;
    if (matchA32(w)?.name === "UNDEFINED") return { name, words: [w], last: true };
  }
}

const A32_VFP_OPS = {
  reg: (r) => r.int(15), base: (r) => r.int(15), setAddr, scratchBase: baseAddr,
  misalign: (r, need) => misalign(r, need), movImm: setAddr, a32Of: (w) => w,
};

/** A random single A32 instruction without memory access or control flow (for Thumb tests' ARM islands). */
export function simpleA32(r) {
  for (;;) {
    const name = r.pick(SIMPLE);
    if (name === "SETEND" || /^(MSR|HINT|UDF|UNDEFINED)/.test(name)) continue;
    const w = encode(name, simpleFields(r, name), randCond(r));
    if (w !== null) return { name, w };
  }
}

function unitInterwork(r, name) {
  const isl = thumbIsland(r); // { halfwords(at), names }; at = its first halfword, word-aligned
  const pairs = (h) => { const w = []; for (let k = 0; k < h.length; k += 2) w.push((h[k] | (h[k + 1] << 16)) >>> 0); return w; };
  if (name === "BLX_imm>thumb") { // blx <next word> (imm24 = -1, H = 0: target = PC + 8 - 4)
    const blx = encode("BLX_imm", { H: 0, i: 0xffffff });
    return { name, words: [blx, ...pairs(isl.halfwords(0))], fixup: (at) => [blx, ...pairs(isl.halfwords(at + 4))], island: isl.names };
  }
  const x = r.int(15);
  const head = [encode("ADD_i", { S: 0, n: 15, d: x, r: 0, i: 1 }), encode("BX", { m: x })];
  return { name, words: [...head, ...pairs(isl.halfwords(0))], fixup: (at) => [...head, ...pairs(isl.halfwords(at + 8))], island: isl.names };
}

function makeUnit(r, name, state) {
  if (INTERWORK.includes(name)) return unitInterwork(r, name);
  if (VFP_POOL.includes(name)) {
    const u = vfpUnit(r, name, encode, randCond(r), A32_VFP_OPS, state);
    if (!u || u.words.includes(null) || u.setup?.includes(null)) return null;
    return { name, words: [...(u.setup ?? []), ...u.words], last: u.last };
  }
  if (IS_SIMPLE.has(name)) {
    const w = encode(name, simpleFields(r, name), randCond(r));
    return w === null ? null : { name, words: [w] };
  }
  if (IS_LDST.has(name)) return unitLdst(r, name);
  if (IS_EXTRA.has(name)) return unitExtra(r, name);
  switch (name) {
    case "SWP": return unitSwp(r);
    case "LDREX": case "LDREXB": case "LDREXH": case "LDREXD": return unitLdrex(r, name);
    case "STREX": case "STREXB": case "STREXH": case "STREXD":
      return unitStrex(r, name, state.ldrexSeen || r.chance(0.7));
    case "STM": case "LDM": return unitLdm(r, name);
    case "MRS": return unitMrs(r);
    case "MRC": return unitTpidr(r);
    case "B": case "BL": case "BX": case "BXJ": case "BLX_reg": return unitBranch(r, name);
    case "UDF": case "UNDEFINED": return unitUndef(r, name);
    default:
      if (PC_WRITERS.includes(name)) return unitPcWriter(r, name);
      if (LITERALS.includes(name)) return unitLiteral(r, name);
  }
  throw new Error(`no generator for ${name}`);
}

/** Branch targets are unit indices (units.length = the end); re-encode after layout. */
export function layout(units) {
  const starts = [];
  let at = SEQ;
  for (const u of units) { starts.push(at); at += 4 * u.words.length; }
  starts.push(at);
  const words = [];
  units.forEach((u, k) => {
    if (u.fixup) u.words = u.fixup(starts[k]);
    if (u.branch) {
      let tgt = Math.min(Math.max(u.target, k + 1), units.length);
      if (u.anyTarget) {
        // a load of the sequence's own words: any unit start with `size` bytes before the end
        tgt = u.target < units.length && starts[u.target] + (u.words.length === 2 ? 8 : 4) <= at ? u.target : k;
      }
      const w = u.branch(starts[k], starts[tgt]);
      u.words = Array.isArray(w) ? w : [w];
    }
    words.push(...u.words);
  });
  return { words, end: at };
}

/** Test `index` of the run seeded `seed`: { units, regs[15], apsr, seed (scratch), words }. */
export function generate(seed, index, opts = {}) {
  const r = rngFor(seed, index);
  const vfpTest = r.chance(0.375);
  let pool = opts.pool ?? POOL;
  // --smc: no SETEND (a big-endian store would write the new instruction byte-reversed, as any
  // instruction, e.g. a load from an address vm7 maps and the qemu harness does not).
  if (opts.smc) pool = pool.filter((n) => n !== "SETEND");
  if (vfpTest) { const mix = VFP_MIX.filter((n) => pool.includes(n)); if (mix.some((n) => VFP_POOL.includes(n))) pool = mix; }
  const fpscr = randFpscr(r), d = randVfpRegs(r);
  const nUnits = 1 + r.int(opts.maxUnits ?? 8);
  const units = [];
  const state = { ldrexSeen: false, fpscr, vlen: (fpscr >>> 16) & 7 };
  while (units.length < nUnits) {
    const name = r.pick(pool);
    const u = makeUnit(r, name, state);
    if (!u || u.words.some((w) => w === undefined)) continue;
    if (u.ldrex) state.ldrexSeen = true;
    units.push(u);
    if (u.last) break;
  }
  // --smc: one self-modifying store among the units (drawn after them: other tests keep their words).
  if (opts.smc) units.splice(r.int(units.length + 1), 0, unitSelfModifying(r));
  units.forEach((u, k) => { if (u.branch) u.target = u.anyTarget ? r.int(units.length) : k + 1 + r.int(units.length - k); });
  const regs = Array.from({ length: 15 }, () => randValue(r));
  const apsr = (r.u32() & APSR_MASK) >>> 0;
  const scratchSeed = (r.u32() | 1) >>> 0;
  const test = { seed, index, isa: "a32", thumb: false, units, regs, apsr, scratchSeed, fpscr, d };
  finish(test);
  return test;
}

/**
 * A self-modifying store (pseudo-name "STR>code"): MOVW/MOVT put a random simple instruction in rT,
 * then STR rT, [PC, #0] rewrites the word right after the ISB that follows it, or STR rT, [PC, #4]
 * the one after a random filler instruction; the rewritten word (a random simple instruction until
 * then) lies in the same basic block. The ISB is what makes QEMU a usable reference: user-mode QEMU
 * goes on running the translation block that wrote its own code (ARM has no precise SMC there) and
 * ends a block at an ISB, after which it translates the new instruction. Architecturally the new
 * instruction is only guaranteed after instruction-cache maintenance, which User mode cannot do
 * (ICIMVAU is PL1); vm7 runs it from the next instruction on with or without the ISB (its
 * interpreter re-decodes the written entry, its JIT leaves the compiled block after the store).
 */
function unitSelfModifying(r) {
  const simple = () => { for (;;) { const n = r.pick(SIMPLE); const w = encode(n, simpleFields(r, n), randCond(r)); if (w !== null && w !== undefined) return w >>> 0; } };
  const rt = r.int(13);
  const v = simple();
  const movw = (0xe3000000 | (((v >>> 12) & 0xf) << 16) | (rt << 12) | (v & 0xfff)) >>> 0;
  const movt = (0xe3400000 | (((v >>> 28) & 0xf) << 16) | (rt << 12) | ((v >>> 16) & 0xfff)) >>> 0;
  const ISB = 0xf57ff06f;
  const far = r.chance(0.5);
  const str = (0xe58f0000 | (rt << 12) | (far ? 4 : 0)) >>> 0; // STR rT, [PC, #0] / [PC, #4] (PC = the STR + 8)
  return { name: "STR>code", words: far ? [movw, movt, str, ISB, simple(), simple()] : [movw, movt, str, ISB, simple()] };
}

/** Lay the units out and check the result (every word decodes to its pattern; size limit). */
export function finish(test) {
  const { words } = layout(test.units);
  if (words.length > MAX_WORDS) throw new Error(`test ${test.index}: ${words.length} words > ${MAX_WORDS}`);
  if (words.some((w) => w === null || w === undefined)) throw new Error(`test ${test.index}: an instruction failed to encode`);
  test.words = words;
  test.nbytes = 4 * words.length;
  return test;
}

/** The same test without unit k (branches that aimed at or past it keep their unit target). */
export function dropUnit(test, k) {
  const units = test.units.filter((_, j) => j !== k).map((u) => ({ ...u, words: [...u.words] }));
  units.forEach((u, j) => {
    const orig = j < k ? j : j + 1;
    if (u.branch) {
      const t = test.units[orig].target;
      u.target = t > k ? t - 1 : t;
    }
  });
  return finish({ ...test, units, shrunk: true });
}
