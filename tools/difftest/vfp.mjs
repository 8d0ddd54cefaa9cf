// VFPv3 part of the differential tester's generator, shared by A32 and T32 (the cp10/cp11 rows of
// a32.decode and t32.decode have the same fields; T32 has no condition field, an IT block gives
// one). `enc(name, fields, cond)` encodes a row and returns null when the word would decode as
// another row; `ops` supplies the base-register setup and register choices of the instruction set.
//
// Constraints (ARM ARM A8.8, the pages of each instruction; "VFP vector operation support"):
// - VMRS/VMSR of FPSCR; 1 in 16 of FPSID, MVFR0/1 or FPEXC, UNDEFINED in User mode (unconditional,
//   the last unit). VMSR keeps the test's Len and Stride, so the vector shape is the same for the
//   whole test.
// - No Rt = PC except VMRS APSR_nzcv; in T32 no Rt = SP either (BadReg); VMOV to two core
//   registers with Rt = Rt2 and VMOV two singles from S31 are UNPREDICTABLE.
// - VLDM/VSTM: 1..16 doubles / 1..32 singles inside the register file, no FLDMX/FSTMX (odd imm8
//   with sz = 1), no base = PC; word-aligned addresses inside the scratch block (4% misaligned, the
//   last unit: both must take the alignment fault).
// - VCVT between floating-point and fixed-point with frac_bits < 0 is UNPREDICTABLE.
// - Short vectors (FPSCR.Len > 0, 1 test in 8): Stride 1 (or 2, see below), at most 4 doubles; the destination
//   vector either equals or is disjoint from each source vector (partial overlap is UNPREDICTABLE).
//   Stride 2 (1 short-vector test in 4, Len 2) only for double precision: QEMU steps single-precision
//   vectors by FPSCR.Stride + 1 (4, not 2; vm7 follows the ARM ARM).
//   Double-precision two-operand vector-by-vector operations are not generated either (QEMU bug,
//   see vectorOk).
// - Encodings the disassembler calls <unknown> (VCVTB/VCVTT: no half-precision on Cortex-A8,
//   unallocated opc2, VDIV with op = 1, opc1 = 5/6, VMOV immediate with bits 7/5 set) are
//   UNDEFINED: generated unconditionally, as the test's last unit, like the other UNDEF words.

import { disasmVfp } from "../../dist/disasm/vfp.js";

export const VFP_POOL = ["VFP_DP", "VLDR", "VSTR", "VLDMIA", "VSTMIA", "VLDMDB", "VSTMDB", "VMRS", "VMSR", "VMOV_s", "VMOV_scalar", "VMOV_64"];

// ---- values -------------------------------------------------------------------------------------
const S_SPECIAL = [0x00000000, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7fc12345, 0x7f800001,
  0x7fa00000, 0xffb00001, 0x00000001, 0x80000001, 0x007fffff, 0x00400000, 0x807fffff, 0x00800000, 0x80800000,
  0x7f7fffff, 0xff7fffff, 0x3f800000, 0xbf800000, 0x3f000000, 0x40000000, 0x4f000000, 0xcf000000, 0x4f800000,
  0x4effffff, 0xcf000001, 0x5f000000, 0x3effffff, 0x3f7fffff, 0x3fc00000, 0x40400000, 0x4b000000, 0x4b7fffff,
  0x47000000, 0x46fffe00, 0xc7000000, 0x3f800001, 0x33800000, 0x0c000000];
const D_SPECIAL = [0n, 0x8000000000000000n, 0x7ff0000000000000n, 0xfff0000000000000n, 0x7ff8000000000000n,
  0xfff8000000000000n, 0x7ff8000012345678n, 0x7ff0000000000001n, 0x7ff4000000000000n, 0xfff0000080000001n,
  0x0000000000000001n, 0x8000000000000001n, 0x000fffffffffffffn, 0x0008000000000000n, 0x0010000000000000n,
  0x8010000000000000n, 0x7fefffffffffffffn, 0xffefffffffffffffn, 0x3ff0000000000000n, 0xbff0000000000000n,
  0x3fe0000000000000n, 0x4000000000000000n, 0x41e0000000000000n, 0xc1e0000000000000n, 0x41dfffffffc00000n,
  0x41efffffffe00000n, 0x41f0000000000000n, 0xc1e0000000200000n, 0x3fdfffffffffffffn, 0x3ff8000000000000n,
  0x4008000000000000n, 0x4330000000000000n, 0x36a0000000000000n, 0x380fffffffffffffn, 0x3810000000000000n,
  0x47efffffe0000000n, 0x47f0000000000000n, 0x3ff0000000000001n, 0x3ca0000000000000n, 0x40dfffc000000000n];

function randSingle(r) {
  switch (r.int(6)) {
    case 0: case 1: return r.pick(S_SPECIAL) >>> 0;
    case 2: return (r.pick(S_SPECIAL) ^ (1 << r.int(23))) >>> 0; // near a special value
    case 3: { // an integer as a float, small exponent range
      const e = 127 + r.int(34) - 2;
      return ((r.int(2) << 31) | (e << 23) | (r.u32() & 0x7fffff & (r.chance(0.5) ? 0x7f0000 : 0x7fffff))) >>> 0;
    }
    case 4: return r.int(256); // an integer (VCVT from integer, denormal)
    default: return r.u32();
  }
}
function randDouble(r) {
  const u64 = () => (BigInt(r.u32()) << 32n) | BigInt(r.u32());
  switch (r.int(6)) {
    case 0: case 1: return r.pick(D_SPECIAL);
    case 2: return r.pick(D_SPECIAL) ^ (1n << BigInt(r.int(52)));
    case 3: {
      const e = BigInt(1023 + r.int(66) - 2);
      return (BigInt(r.int(2)) << 63n) | (e << 52n) | (u64() & (r.chance(0.5) ? 0xffff000000000n : 0xfffffffffffffn));
    }
    case 4: return BigInt(r.u32()); // low word an integer, high word 0
    default: return u64();
  }
}
/** D0-D31 as 64 words (lo, hi): doubles, pairs of singles, or mixes. */
export function randVfpRegs(r) {
  const d = new Array(64);
  for (let k = 0; k < 32; k++) {
    if (r.chance(0.5)) {
      const v = randDouble(r);
      d[2 * k] = Number(v & 0xffffffffn); d[2 * k + 1] = Number(v >> 32n);
    } else { d[2 * k] = randSingle(r); d[2 * k + 1] = randSingle(r); }
  }
  return d;
}
/** FPSCR: random N Z C V QC, AHP DN FZ RMode, cumulative flags; Len (Stride 1) 1 test in 8. */
export function randFpscr(r) {
  let v = (r.u32() & 0xff00009f) >>> 0; // N Z C V QC AHP DN FZ, IDC, IXC UFC OFC DZC IOC
  if (r.chance(0.5)) v &= ~0x9f;          // flags clear half of the time (to see them set)
  if (r.chance(0.4)) v &= ~0x03000000;    // FZ and DN clear more often
  v |= r.int(4) << 22;                    // RMode
  if (r.chance(0.125)) v |= r.chance(0.25) ? (1 << 16) | (3 << 20) : (1 + r.int(7)) << 16; // Len 2..8 Stride 1, or Len 2 Stride 2
  return v >>> 0;
}

// ---- short vectors ------------------------------------------------------------------------------
// The registers a vector operand covers with FPSCR.Len = len (elements - 1) and stride 1: inside
// the register's bank of 8 singles / 4 doubles, wrapping.
function vecRegs(x, len, dbl, step = 1) {
  const wrap = dbl ? 3 : 7, out = [];
  for (let k = 0; k <= len; k++) out.push(((x + k * step) & wrap) | (x & ~wrap));
  return out;
}
const bankOf = (x, dbl) => x & (dbl ? 0xc : 0x18);
// A data-processing word whose vector operands overlap only exactly (or not at all).
function vectorOk(w, len, dbl, stride2) {
  if (len === 0) return true;
  const step = stride2 ? 2 : 1;
  const opc1 = ((w >>> 21) & 4) | ((w >>> 20) & 3), op = (w >>> 6) & 1, opc2 = (w >>> 16) & 15;
  if (opc1 === 7 && op === 1 && opc2 >= 2) return true; // compares and conversions are scalar
  if (dbl && len > 3) return false;                    // more than 4 doubles wrap onto themselves
  const reg = (lo, x) => dbl ? (((w >>> x) & 1) << 4) | ((w >>> lo) & 15) : (((w >>> lo) & 15) << 1) | ((w >>> x) & 1);
  const d = reg(12, 22), n = reg(16, 7), m = reg(0, 5);
  if (bankOf(d, dbl) === 0) return true; // scalar
  // QEMU 7.2 bug: single-precision vectors step by FPSCR.Stride + 1 = 4 for stride 2 (the ARM ARM
  // and vm7: 2). Single-precision vector operations are not generated with Stride = 2.
  if (stride2 && !dbl) return false;
  if (len * step >= (dbl ? 4 : 8)) return false; // wraps onto itself (UNPREDICTABLE)
  // QEMU 7.2 bug (target/arm/tcg/translate-vfp.c do_vfp_2op_dp): after the first element of a
  // double-precision VMOV/VABS/VNEG/VSQRT vector-by-vector operation it advances Vd from Vm
  // ("vd = vfp_advance_dreg(vm, delta_m)") instead of advancing Vm, so it writes the wrong
  // registers. The ARM ARM pseudocode steps both; vm7 does. Not generated.
  if (dbl && opc1 === 7 && op === 1 && opc2 <= 1 && bankOf(m, dbl) !== 0) return false;
  const D = vecRegs(d, len, dbl, step);
  const three = opc1 <= 4;
  const src = [];
  if (three) src.push(n);
  if (!(opc1 === 7 && op === 0)) src.push(m);
  for (const s of src) {
    const vec = s === n || bankOf(s, dbl) !== 0;
    const S = vec ? vecRegs(s, len, dbl, step) : [s];
    if (vec && s === d) continue;
    if (S.some((x) => D.includes(x))) return false;
  }
  return true;
}

// VCVT (between floating-point and fixed-point): frac_bits = size - imm < 0 is UNPREDICTABLE
function fixedFracNegative(w) {
  const opc1 = ((w >>> 21) & 4) | ((w >>> 20) & 3), op = (w >>> 6) & 1, opc2 = (w >>> 16) & 15;
  if (opc1 !== 7 || op !== 1 || ![10, 11, 14, 15].includes(opc2)) return false;
  const size = (w >>> 7) & 1 ? 32 : 16, imm = ((w & 15) << 1) | ((w >>> 5) & 1);
  return size - imm < 0;
}

// ---- units --------------------------------------------------------------------------------------
const isUnknown = (name, w) => disasmVfp({ w, name, c: "" }) === "<unknown>";

// VFP data processing: 7 in 8 from the defined operations, 1 in 8 any field values (often UNDEFINED).
function dpFields(r) {
  const f = { D: r.int(2), n: r.int(16), d: r.int(16), s: r.int(2), N: r.int(2), M: r.int(2), m: r.int(16) };
  if (r.chance(0.125)) { f.o = r.int(16); return f; }
  const opc1 = r.pick([0, 1, 2, 3, 4, 7, 7, 7]);
  let op = r.int(2);
  if (opc1 === 4) op = 0;
  f.o = ((opc1 >>> 2) << 3) | ((opc1 & 3) << 1) | op;
  if (opc1 === 7 && op === 0) { f.N = 0; f.M = 0; } // VMOV immediate: bits 7 and 5 are (0)
  if (opc1 === 7 && op === 1) {
    f.n = r.pick([0, 0, 1, 1, 4, 4, 5, 7, 8, 8, 10, 11, 12, 12, 13, 13, 14, 15]);
    if (f.n === 5) { f.m = 0; f.M = 0; }
    if (f.n === 7) f.N = 1;
    if ([10, 11, 14, 15].includes(f.n)) { // fixed point: frac_bits = size - imm >= 0
      const size = f.N ? 32 : 16;
      for (;;) { const imm = r.int(32); if (imm <= size) { f.m = imm >>> 1; f.M = imm & 1; break; } }
    }
  }
  return f;
}

/**
 * One VFP unit of pattern `name`: { name, words (instruction words, before any setup), setup
 * (words that must run before it, e.g. a base register), last, undef }. `ops`: { reg(r) a core
 * register for Rt, setAddr(n, addr) setup words, base(r) a base register, scratchBase(r, align),
 * misalign(r, need), movImm(t, v) words that set t to v, thumb }.
 */
export function vfpUnit(r, name, enc, cond, ops, state) {
  switch (name) {
    case "VFP_DP": {
      for (let tries = 0; tries < 20; tries++) {
        const f = dpFields(r);
        const w = enc(name, f, cond);
        if (w === null) continue;
        const a = ops.a32Of(w);
        if (fixedFracNegative(a)) continue;
        if (isUnknown(name, a)) return { name, words: [enc(name, f, 14)], undef: true, last: true };
        if (!vectorOk(a, state.vlen, (a >>> 8) & 1, ((state.fpscr >>> 20) & 3) === 3)) continue;
        return { name, words: [w] };
      }
      return null;
    }
    case "VLDR": case "VSTR": { // the access at a word in the middle of the block, the base +/- 4*imm8 from it
      const n = ops.base(r), dbl = r.int(2);
      const off = r.chance(0.3) ? 0 : r.int(256), U = r.int(2);
      const addr = ops.scratchBase(r, 4) + ops.misalign(r, 4);
      const f = { U, D: r.int(2), n, d: r.int(16), s: dbl, i: off };
      const w = enc(name, f, cond);
      return w === null ? null : { name, setup: ops.setAddr(n, U ? addr - 4 * off : addr + 4 * off), words: [w], last: (addr & 3) !== 0 };
    }
    case "VLDMIA": case "VSTMIA": case "VLDMDB": case "VSTMDB": {
      const n = ops.base(r), dbl = r.int(2), ia = name.endsWith("IA");
      const first = r.int(32);
      const max = dbl ? Math.min(16, 32 - first) : 32 - first;
      const count = 1 + r.int(Math.min(max, r.chance(0.5) ? 4 : 32));
      const imm8 = dbl ? 2 * count : count;
      const f = { D: dbl ? first >>> 4 : first & 1, d: dbl ? first & 15 : first >>> 1, s: dbl, i: imm8, W: ia ? r.int(2) : 1, n };
      const w = enc(name, f, cond);
      const mis = ops.misalign(r, 4);
      return w === null ? null : { name, setup: ops.setAddr(n, ops.scratchBase(r, 4) + mis), words: [w], last: mis !== 0 };
    }
    case "VMRS": case "VMSR": {
      // 1 in 16: FPSID, MVFR1, MVFR0 or FPEXC, which are not accessible in User mode (VMRS/VMSR
      // pages: UNDEFINED unless CurrentModeIsNotUser() for any register but FPSCR): the last unit
      if (r.chance(1 / 16)) return { name, words: [enc(name, { r: r.pick([0, 6, 7, 8]), t: ops.reg(r) }, 14)], undef: true, last: true };
      if (name === "VMSR") break;
      const t = r.chance(0.25) ? 15 : ops.reg(r); // 15: APSR_nzcv
      return { name, words: [enc(name, { r: 1, t }, cond)] };
    }
    case "VMSR_FPSCR": { // FPSCR <- rT, same Len/Stride as the test's
      const t = ops.reg(r);
      const v = ((randFpscr(r) & ~0x00370000) | (state.fpscr & 0x00370000)) >>> 0;
      return { name, setup: ops.movImm(t, v), words: [enc(name, { r: 1, t }, cond)] };
    }
    case "VMOV_s":
      return { name, words: [enc(name, { L: r.int(2), n: r.int(16), N: r.int(2), t: ops.reg(r) }, cond)] };
    case "VMOV_scalar":
      return { name, words: [enc(name, { x: r.int(2), L: r.int(2), d: r.int(16), D: r.int(2), t: ops.reg(r) }, cond)] };
    case "VMOV_64": {
      const L = r.int(2), C = r.int(2);
      const t = ops.reg(r);
      let u = ops.reg(r);
      while (L && u === t) u = ops.reg(r);
      let m = r.int(16), M = r.int(2);
      if (!C && m === 15 && M === 1) M = 0; // S31, S32 does not exist
      return { name, words: [enc(name, { L, C, t, u, m, M }, cond)] };
    }
  }
  if (name === "VMSR") return vfpUnit(r, "VMSR_FPSCR", (n, f, c) => enc("VMSR", f, c), cond, ops, state);
  throw new Error(`no VFP generator for ${name}`);
}
