// IEEE 754 arithmetic for VFPv3 with Arm's rules (ARM ARM A2.7 "Floating-point data types and
// arithmetic", FPRound/FPUnpack/FPProcessNaNs pseudocode). WebAssembly only rounds to nearest and
// reports no exceptions, so every operation is done in integers (a small softfloat): operands are
// unpacked to sign, exponent and a 63-bit significand (leading one at bit 62, lost bits jammed into
// bit 0), computed exactly or with a sticky bit, and rounded once by roundPack, which honours
// FPSCR.RMode, FZ (flush-to-zero) and DN (default NaN) and collects the cumulative exception flags.
// Values are passed as raw bits in a u64 (single precision in the low 32 bits) with `dbl` choosing
// the format, so A32 and T32 handlers share one implementation per operation.
import { STATE, FPSCR } from "../cpu/layout";

// FPSCR cumulative exception bits (FPSCR register description)
export const IOC: u32 = 1;
export const DZC: u32 = 2;
export const OFC: u32 = 4;
export const UFC: u32 = 8;
export const IXC: u32 = 16;
export const IDC: u32 = 128;

export const RN: u32 = 0;
export const RP: u32 = 1;
export const RM: u32 = 2;
export const RZ: u32 = 3;

// Per-instruction context, loaded from FPSCR by fpBegin and flags merged back by fpEnd.
export let fpFlags: u32 = 0;
export let fpRMode: u32 = 0;
let fz: bool = false;
let dn: bool = false;

export function fpBegin(): void {
  const f = load<u32>(STATE + FPSCR);
  fpRMode = (f >>> 22) & 3;
  fz = (f & (1 << 24)) != 0;
  dn = (f & (1 << 25)) != 0;
  fpFlags = 0;
}
export function fpEnd(): void {
  if (fpFlags != 0) store<u32>(STATE + FPSCR, load<u32>(STATE + FPSCR) | fpFlags);
}

const ZERO: i32 = 0;
const NORM: i32 = 1; // normal or denormal, significand normalised
const INF: i32 = 2;
const QNAN: i32 = 3;
const SNAN: i32 = 4;

// Unpacked operands a and b: value = m * 2^(e - 62), m in [2^62, 2^63) when class is NORM.
let aS: u32 = 0; let aE: i32 = 0; let aM: u64 = 0; let aC: i32 = 0;
let bS: u32 = 0; let bE: i32 = 0; let bM: u64 = 0; let bC: i32 = 0;
let uS: u32 = 0; let uE: i32 = 0; let uM: u64 = 0; let uC: i32 = 0;

@inline function fracBits(dbl: bool): i32 { return dbl ? 52 : 23; }
@inline function expAll(dbl: bool): i32 { return dbl ? 2047 : 255; }
@inline function biasOf(dbl: bool): i32 { return dbl ? 1023 : 127; }
@inline function signShift(dbl: bool): u64 { return dbl ? 63 : 31; }

// FPUnpack: with FZ, a denormal input becomes a signed zero and sets IDC.
function unpack(x: u64, dbl: bool, flush: bool): void {
  const fb = fracBits(dbl), emax = expAll(dbl), bias = biasOf(dbl);
  uS = <u32>(x >> signShift(dbl)) & 1;
  const e = <i32>((x >> <u64>fb) & <u64>emax);
  const f = x & ((<u64>1 << <u64>fb) - 1);
  uM = 0; uE = 0;
  if (e == emax) {
    if (f == 0) uC = INF;
    else uC = ((f >> <u64>(fb - 1)) & 1) != 0 ? QNAN : SNAN;
    return;
  }
  if (e == 0) {
    if (f == 0) { uC = ZERO; return; }
    if (flush && fz) { fpFlags |= IDC; uC = ZERO; return; }
    const shift = <i32>clz<u64>(f) - 1;
    uM = f << <u64>shift;
    uE = 1 - bias - fb - shift + 62;
    uC = NORM;
    return;
  }
  uM = (f | (<u64>1 << <u64>fb)) << <u64>(62 - fb);
  uE = e - bias;
  uC = NORM;
}
function unpackA(x: u64, dbl: bool): void { unpack(x, dbl, true); aS = uS; aE = uE; aM = uM; aC = uC; }
function unpackB(x: u64, dbl: bool): void { unpack(x, dbl, true); bS = uS; bE = uE; bM = uM; bC = uC; }

@inline export function defaultNaN(dbl: bool): u64 { return dbl ? 0x7ff8000000000000 : 0x7fc00000; }
@inline function quietBit(dbl: bool): u64 { return dbl ? 0x0008000000000000 : 0x00400000; }
@inline function isNaNClass(c: i32): bool { return c >= QNAN; }

// FPProcessNaN: a signalling NaN raises Invalid Operation and is quietened; DN gives the default NaN.
function processNaN(x: u64, c: i32, dbl: bool): u64 {
  if (c == SNAN) fpFlags |= IOC;
  if (dn) return defaultNaN(dbl);
  return x | quietBit(dbl);
}
// FPProcessNaNs: the first signalling NaN, else the first quiet NaN.
function processNaNs(a: u64, b: u64, dbl: bool): u64 {
  if (aC == SNAN) { if (bC == SNAN) fpFlags |= IOC; return processNaN(a, aC, dbl); }
  if (bC == SNAN) return processNaN(b, bC, dbl);
  if (aC == QNAN) return processNaN(a, aC, dbl);
  return processNaN(b, bC, dbl);
}

@inline function packZero(s: u32, dbl: bool): u64 { return <u64>s << signShift(dbl); }
@inline function packInf(s: u32, dbl: bool): u64 {
  return (<u64>s << signShift(dbl)) | (<u64>expAll(dbl) << <u64>fracBits(dbl));
}

@inline function shiftRightJam(m: u64, n: i32): u64 {
  if (n <= 0) return m;
  if (n >= 64) return m != 0 ? 1 : 0;
  return (m >> <u64>n) | ((m & ((<u64>1 << <u64>n) - 1)) != 0 ? 1 : 0);
}

// FPRound: round sign * m * 2^(e-62) (m != 0, any normalisation) to the format, with rounding mode
// `mode`. Tininess is detected before rounding (Arm); with FZ a tiny result is a signed zero and
// sets UFC only. Overflow gives infinity or the largest finite number by mode, with OFC and IXC.
export function roundPack(s: u32, e: i32, m: u64, dbl: bool, mode: u32): u64 {
  const lz = <i32>clz<u64>(m);
  if (lz == 0) { m = (m >> 1) | (m & 1); e += 1; }
  else if (lz > 1) { m <<= <u64>(lz - 1); e -= lz - 1; }
  const fb = fracBits(dbl), bias = biasOf(dbl), emax = expAll(dbl);
  const emin = 1 - bias;
  let tiny = false;
  if (e < emin) {
    if (fz) { fpFlags |= UFC; return packZero(s, dbl); }
    m = shiftRightJam(m, emin - e);
    e = emin;
    tiny = true;
  }
  if (e + bias >= emax) return overflow(s, dbl, mode);
  const rb = <u64>(62 - fb);
  const rem = m & ((<u64>1 << rb) - 1);
  const half = <u64>1 << (rb - 1);
  let q = m >> rb;
  let inc = false;
  if (rem != 0) {
    if (mode == RN) inc = rem > half || (rem == half && (q & 1) != 0);
    else if (mode == RP) inc = s == 0;
    else if (mode == RM) inc = s != 0;
    fpFlags |= IXC;
    if (tiny) fpFlags |= UFC;
  }
  if (inc) q++;
  const r = (<u64>(e + bias - 1) << <u64>fb) + q;
  if ((r >> <u64>fb) >= <u64>emax) return overflow(s, dbl, mode);
  return r | (<u64>s << signShift(dbl));
}

function overflow(s: u32, dbl: bool, mode: u32): u64 {
  fpFlags |= OFC | IXC;
  const toInf = mode == RN || (mode == RP && s == 0) || (mode == RM && s != 0);
  if (toInf) return packInf(s, dbl);
  return packInf(s, dbl) - 1; // largest finite number
}

// --- arithmetic (VADD, VSUB, VMUL, VDIV, VSQRT: FPAdd, FPSub, FPMul, FPDiv, FPSqrt) ---------------

export function fpAdd(a: u64, b: u64, dbl: bool, negB: bool): u64 {
  unpackA(a, dbl); unpackB(b, dbl);
  if (isNaNClass(aC) || isNaNClass(bC)) return processNaNs(a, b, dbl);
  if (negB) bS ^= 1;
  if (aC == INF || bC == INF) {
    if (aC == INF && bC == INF && aS != bS) { fpFlags |= IOC; return defaultNaN(dbl); }
    return packInf(aC == INF ? aS : bS, dbl);
  }
  const mode = fpRMode;
  if (aC == ZERO && bC == ZERO) {
    const s = aS == bS ? aS : (mode == RM ? 1 : 0);
    return packZero(s, dbl);
  }
  if (aC == ZERO) return roundPack(bS, bE, bM, dbl, mode);
  if (bC == ZERO) return roundPack(aS, aE, aM, dbl, mode);
  if (aE < bE || (aE == bE && aM < bM)) { // make a the larger magnitude
    const ts = aS, te = aE, tm = aM;
    aS = bS; aE = bE; aM = bM; bS = ts; bE = te; bM = tm;
  }
  const bm = shiftRightJam(bM, aE - bE);
  if (aS == bS) return roundPack(aS, aE, aM + bm, dbl, mode);
  const m = aM - bm;
  if (m == 0) return packZero(mode == RM ? 1 : 0, dbl);
  return roundPack(aS, aE, m, dbl, mode);
}

// 64 x 64 -> 128-bit product; high half in mulHi.
let mulHi: u64 = 0;
function mul128(a: u64, b: u64): u64 {
  const a0 = a & 0xffffffff, a1 = a >> 32, b0 = b & 0xffffffff, b1 = b >> 32;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const mid = (p00 >> 32) + (p01 & 0xffffffff) + (p10 & 0xffffffff);
  mulHi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
  return (p00 & 0xffffffff) | (mid << 32);
}

export function fpMul(a: u64, b: u64, dbl: bool): u64 {
  unpackA(a, dbl); unpackB(b, dbl);
  if (isNaNClass(aC) || isNaNClass(bC)) return processNaNs(a, b, dbl);
  const s = aS ^ bS;
  if (aC == INF || bC == INF) {
    if (aC == ZERO || bC == ZERO) { fpFlags |= IOC; return defaultNaN(dbl); }
    return packInf(s, dbl);
  }
  if (aC == ZERO || bC == ZERO) return packZero(s, dbl);
  const lo = mul128(aM, bM);
  const m = (mulHi << 1) | (lo >> 63) | ((lo << 1) != 0 ? 1 : 0);
  return roundPack(s, aE + bE + 1, m, dbl, fpRMode);
}

export function fpDiv(a: u64, b: u64, dbl: bool): u64 {
  unpackA(a, dbl); unpackB(b, dbl);
  if (isNaNClass(aC) || isNaNClass(bC)) return processNaNs(a, b, dbl);
  const s = aS ^ bS;
  if (aC == INF) {
    if (bC == INF) { fpFlags |= IOC; return defaultNaN(dbl); }
    return packInf(s, dbl);
  }
  if (bC == INF) return packZero(s, dbl);
  if (bC == ZERO) {
    if (aC == ZERO) { fpFlags |= IOC; return defaultNaN(dbl); }
    fpFlags |= DZC;
    return packInf(s, dbl);
  }
  if (aC == ZERO) return packZero(s, dbl);
  let r = aM, e = aE - bE;
  const d = bM;
  if (r < d) { r <<= 1; e -= 1; }
  let q: u64 = 0;
  for (let k = 0; k < 63; k++) {
    q <<= 1;
    if (r >= d) { r -= d; q |= 1; }
    r <<= 1;
  }
  if (r != 0) q |= 1;
  return roundPack(s, e, q, dbl, fpRMode);
}

// Square root: the host's correctly rounded f64 sqrt, then the exact sign of x - r*r (128-bit
// integers) turns r into "r plus or minus a little" so that roundPack rounds it in any mode.
export function fpSqrt(a: u64, dbl: bool): u64 {
  unpackA(a, dbl);
  if (isNaNClass(aC)) return processNaN(a, aC, dbl);
  if (aC == ZERO) return packZero(aS, dbl);
  if (aS != 0) { fpFlags |= IOC; return defaultNaN(dbl); }
  if (aC == INF) return packInf(0, dbl);
  // Exact f64 of the (normalised) operand: aM * 2^(aE-62), scaled so the exponent fits.
  const ex = aE & ~1; // even part of the exponent, taken out of the square root
  const x = reinterpret<f64>(((<u64>(aE - ex + 1023)) << 52) | ((aM >> 10) & 0x000fffffffffffff));
  const r = Math.sqrt(x); // x in [1, 4): r in [1, 2)
  const rm = (reinterpret<u64>(r) & 0x000fffffffffffff) | 0x0010000000000000; // r = rm * 2^-52
  // compare x * 2^104 = (aM >> 10) * 2^(aE-ex) * 2^52 with rm^2
  const lo = mul128(rm, rm);
  const xm = (aM >> 10) << <u64>(aE - ex); // x * 2^52, < 2^55
  // x * 2^104 as a 128-bit number: high = xm >> 12, low = xm << 52
  const xhi = xm >> 12, xlo = xm << 52;
  let m = rm << 10; // leading one at bit 62
  if (xhi > mulHi || (xhi == mulHi && xlo > lo)) m |= 1;
  else if (xhi < mulHi || xlo < lo) m -= 1;
  return roundPack(0, ex >> 1, m, dbl, fpRMode);
}

// --- comparison (VCMP, VCMPE: FPCompare): returns NZCV in bits 3:0 --------------------------------
export function fpCompare(a: u64, b: u64, dbl: bool, quietSignals: bool): u32 {
  unpackA(a, dbl); unpackB(b, dbl);
  if (isNaNClass(aC) || isNaNClass(bC)) {
    if (quietSignals || aC == SNAN || bC == SNAN) fpFlags |= IOC;
    return 0x3;
  }
  if (aC == ZERO && bC == ZERO) return 0x6;
  if (aS != bS) return aS != 0 ? 0x8 : 0x2;
  let cmp: i32 = 0; // magnitude comparison
  if (aC != bC) cmp = aC < bC ? -1 : 1; // ZERO < NORM < INF
  else if (aC == NORM) {
    if (aE != bE) cmp = aE < bE ? -1 : 1;
    else if (aM != bM) cmp = aM < bM ? -1 : 1;
  }
  if (cmp == 0) return 0x6;
  if (aS != 0) cmp = -cmp;
  return cmp < 0 ? 0x8 : 0x2;
}

// --- conversions (VCVT between double/single, float/integer, float/fixed-point) ------------------

export function fpConvert(a: u64, toDbl: bool): u64 {
  const dbl = !toDbl;
  unpackA(a, dbl);
  if (isNaNClass(aC)) {
    if (aC == SNAN) fpFlags |= IOC;
    if (dn) return defaultNaN(toDbl);
    if (toDbl) return (<u64>aS << 63) | 0x7ff8000000000000 | ((a & 0x7fffff) << 29);
    return (<u64>aS << 31) | 0x7fc00000 | ((a >> 29) & 0x3fffff);
  }
  if (aC == INF) return packInf(aS, toDbl);
  if (aC == ZERO) return packZero(aS, toDbl);
  return roundPack(aS, aE, aM, toDbl, fpRMode);
}

// FPToFixed: x * 2^frac rounded by `mode` to a `bits`-bit (16 or 32) integer, saturating with IOC
// (no IXC then); NaN gives 0 with IOC. Returns the result sign- or zero-extended to 64 bits.
export function fpToFixed(a: u64, dbl: bool, frac: i32, bits: i32, unsigned: bool, mode: u32): u64 {
  unpackA(a, dbl);
  if (isNaNClass(aC)) { fpFlags |= IOC; return 0; }
  if (aC == ZERO) return 0;
  const max: u64 = unsigned ? (<u64>1 << <u64>bits) - 1 : (<u64>1 << <u64>(bits - 1)) - 1;
  const minMag: u64 = unsigned ? 0 : <u64>1 << <u64>(bits - 1); // magnitude of the most negative result
  let q: u64 = 0;
  let inexact = false;
  let big = aC == INF || aE + frac >= 62;
  if (!big) {
    const shift = 62 - (aE + frac);
    let rem: u64, half: u64;
    if (shift >= 64) { q = 0; rem = 1; half = <u64>1 << 63; } // nonzero, below one half
    else {
      q = aM >> <u64>shift;
      rem = aM & ((<u64>1 << <u64>shift) - 1);
      half = <u64>1 << <u64>(shift - 1);
    }
    if (rem != 0) {
      inexact = true;
      let inc = false;
      if (mode == RN) inc = rem > half || (rem == half && (q & 1) != 0);
      else if (mode == RP) inc = aS == 0;
      else if (mode == RM) inc = aS != 0;
      if (inc) q++;
    }
    big = aS == 0 ? q > max : q > minMag;
  }
  if (big) {
    fpFlags |= IOC;
    if (aS == 0) return max;
    return 0 - minMag;
  }
  if (inexact) fpFlags |= IXC;
  return aS != 0 ? 0 - q : q;
}

// FixedToFP: the `bits`-bit integer v (low bits of x) / 2^frac, rounded by `mode`.
export function fixedToFp(x: u64, dbl: bool, frac: i32, bits: i32, unsigned: bool, mode: u32): u64 {
  let v: u64 = bits == 16 ? x & 0xffff : x & 0xffffffff;
  let s: u32 = 0;
  if (!unsigned && (v >> <u64>(bits - 1)) != 0) { s = 1; v = (<u64>1 << <u64>bits) - v; }
  if (v == 0) return 0;
  return roundPack(s, 62 - frac, v, dbl, mode);
}

// VFPExpandImm (A7.5.1, used by VMOV immediate)
export function vfpExpandImm(imm8: u32, dbl: bool): u64 {
  const a = <u64>(imm8 >> 7) & 1, b = <u64>(imm8 >> 6) & 1, cdefgh = <u64>(imm8 & 0x3f);
  if (dbl) return (a << 63) | ((b ^ 1) << 62) | (b != 0 ? <u64>0xff << 54 : 0) | (cdefgh << 48);
  return (a << 31) | ((b ^ 1) << 30) | (b != 0 ? <u64>0x1f << 25 : 0) | (cdefgh << 19);
}
