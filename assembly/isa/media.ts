// Media instructions (ARM ARM A5.4: parallel add/subtract, packing, extension, saturation, reversal,
// bit fields, USAD8) and the A5.2.12 miscellaneous CLZ and saturating add/subtract.
// Fields: Rn = 19:16 (3:0 for SSAT/USAT/bit fields), Rd = 15:12, Rm = 3:0. GE is CPSR 19:16 and
// Q is CPSR 27, both kept in getRest(). Nothing allocates.
import { getR, setR, getRest, setRest, PSR_Q } from "../cpu/state";
import { takeUndef } from "../cpu/exceptions";

@inline function rn(i: u32): u32 { return (i >>> 16) & 15; }
@inline function rd(i: u32): u32 { return (i >>> 12) & 15; }
@inline function rm(i: u32): u32 { return i & 15; }
@inline function setQ(): void { setRest(getRest() | PSR_Q); }
@inline function setGE(ge: u32): void { setRest((getRest() & ~0x000f0000) | (ge << 16)); }

// SignedSatQ / UnsignedSatQ (A2.2.1) of a value that fits in i64, to n bits; satQ says whether it clipped.
let satQ: bool = false;
@inline function ssatN(v: i64, n: u32): i64 {
  const hi = (<i64>1 << (n - 1)) - 1, lo = -(<i64>1 << (n - 1));
  if (v > hi) { satQ = true; return hi; }
  if (v < lo) { satQ = true; return lo; }
  satQ = false; return v;
}
@inline function usatN(v: i64, n: u32): i64 {
  const hi = (<i64>1 << n) - 1;
  if (v > hi) { satQ = true; return hi; }
  if (v < 0) { satQ = true; return 0; }
  satQ = false; return v;
}

// --- parallel addition and subtraction (A5.4.1) --------------------------------------------------
// cccc 0110 0ppp nnnn dddd 1111 ooo1 mmmm. Prefix ppp: 001 S, 010 Q, 011 SH, 101 U, 110 UQ, 111 UH.
// Op ooo: 000 ADD16, 001 ASX, 010 SAX, 011 SUB16, 100 ADD8, 111 SUB8 (others are UNDEFINED and
// never reach here). S/U forms set GE per lane: signed when the lane result is >= 0, unsigned
// additions on carry out, unsigned subtractions when there is no borrow (result >= 0).
// A8.8.158 SADD16 ... A8.8.270 USUB8 (QADD16 A8.8.135, SHADD16 A8.8.169, UHADD16 A8.8.249,
// UQADD16 A8.8.258 and the rest alphabetically): one lane loop shared by all 36 instructions.
export function parallel(i: u32): void {
  const pre = (i >>> 20) & 7, op = (i >>> 5) & 7;
  const a = getR(rn(i)), b = getR(rm(i));
  const signed = pre < 4, kind = pre & 3; // kind 1 plain (GE), 2 saturating, 3 halving
  let res: u32 = 0, ge: u32 = 0;
  if (op >= 4) { // 8-bit lanes
    for (let k: u32 = 0; k < 32; k += 8) {
      let x: i32, y: i32;
      if (signed) { x = <i32>(a << (24 - k)) >> 24; y = <i32>(b << (24 - k)) >> 24; }
      else { x = <i32>((a >>> k) & 0xff); y = <i32>((b >>> k) & 0xff); }
      const r = op == 4 ? x + y : x - y;
      let v: i32;
      if (kind == 1) {
        v = r;
        const set = signed || op != 4 ? r >= 0 : r >= 0x100;
        if (set) ge |= 1 << (k >>> 3);
      } else if (kind == 2) v = signed ? (r > 127 ? 127 : r < -128 ? -128 : r) : (r > 255 ? 255 : r < 0 ? 0 : r);
      else v = r >> 1;
      res |= (<u32>v & 0xff) << k;
    }
  } else { // 16-bit lanes; ASX/SAX cross the halves of Rm
    const bx = op == 1 || op == 2 ? rotr<u32>(b, 16) : b;
    for (let k: u32 = 0; k < 32; k += 16) {
      let x: i32, y: i32;
      if (signed) { x = <i32>(a << (16 - k)) >> 16; y = <i32>(bx << (16 - k)) >> 16; }
      else { x = <i32>((a >>> k) & 0xffff); y = <i32>((bx >>> k) & 0xffff); }
      // ADD16 adds both lanes; SUB16 subtracts both; ASX subtracts low, adds high; SAX the reverse.
      const add = op == 0 || (op == 1 && k != 0) || (op == 2 && k == 0);
      const r = add ? x + y : x - y;
      let v: i32;
      if (kind == 1) {
        v = r;
        const set = signed || !add ? r >= 0 : r >= 0x10000;
        if (set) ge |= 3 << (k >>> 3);
      } else if (kind == 2) v = signed ? (r > 32767 ? 32767 : r < -32768 ? -32768 : r) : (r > 65535 ? 65535 : r < 0 ? 0 : r);
      else v = r >> 1;
      res |= (<u32>v & 0xffff) << k;
    }
  }
  setR(rd(i), res);
  if (kind == 1) setGE(ge);
}

// A8.8.125 PKHBT / PKHTB: cccc 0110 1000 nnnn dddd iiii it01 mmmm.
// BT: Rd = (Rm LSL imm)[31:16] : Rn[15:0]; TB: Rd = Rn[31:16] : (Rm ASR imm)[15:0] (imm 0 = ASR 32).
export function pkh(i: u32): void {
  const a = getR(rn(i)), b = getR(rm(i)), sh = (i >>> 7) & 31;
  if ((i & 0x40) == 0) setR(rd(i), (a & 0xffff) | ((b << sh) & 0xffff0000));
  else setR(rd(i), (a & 0xffff0000) | (<u32>(<i32>b >> (sh == 0 ? 31 : sh)) & 0xffff));
}

// A8.8.230-235 SXTAB/SXTAB16/SXTAH/SXTB/SXTB16/SXTH and A8.8.271-276 UXTAB...UXTH:
// cccc 0110 1uoo nnnn dddd rr00 0111 mmmm. Rotate Rm right by 8 * rr, extend, add Rn unless Rn = 1111.
// oo: 00 B16 (two bytes into two halfwords), 10 byte, 11 halfword; u = bit 22 unsigned.
export function extend(i: u32): void {
  const v = rotr<u32>(getR(rm(i)), (i >>> 7) & 0x18);
  const n = rn(i), op = (i >>> 20) & 3, uns = (i & (1 << 22)) != 0;
  let r: u32;
  if (op == 0) {
    // Each halfword adds separately (no carry from bit 15 into bit 16).
    const lo = uns ? v & 0xff : <u32>(<i32>(v << 24) >> 24);
    const hi = uns ? (v >>> 16) & 0xff : <u32>(<i32>(v << 8) >> 24);
    const acc = n == 15 ? 0 : getR(n);
    r = ((acc + lo) & 0xffff) | (((acc >>> 16) + hi) << 16);
  } else {
    if (op == 2) r = uns ? v & 0xff : <u32>(<i32>(v << 24) >> 24);
    else r = uns ? v & 0xffff : <u32>(<i32>(v << 16) >> 16);
    if (n != 15) r += getR(n);
  }
  setR(rd(i), r);
}

// A8.8.166 SEL: each byte of Rd from Rn where its GE bit is set, else from Rm.
export function sel(i: u32): void {
  const ge = (getRest() >>> 16) & 15;
  let mask: u32 = 0;
  if ((ge & 1) != 0) mask |= 0x000000ff;
  if ((ge & 2) != 0) mask |= 0x0000ff00;
  if ((ge & 4) != 0) mask |= 0x00ff0000;
  if ((ge & 8) != 0) mask |= 0xff000000;
  setR(rd(i), (getR(rn(i)) & mask) | (getR(rm(i)) & ~mask));
}

// Operand of SSAT/USAT: Rn (bits 3:0) shifted LSL imm5 (sh = 0) or ASR imm5 (sh = 1, 0 means 32).
@inline function satOperand(i: u32): i64 {
  const v = getR(i & 15), sh = (i >>> 7) & 31;
  if ((i & 0x40) == 0) return <i64><i32>(v << sh);
  return <i64>(<i32>v >> (sh == 0 ? 31 : sh));
}

// A8.8.193 SSAT: Rd = SignedSat(shifted Rn, sat_imm + 1); Q if it saturated.
export function ssat(i: u32): void {
  const r = ssatN(satOperand(i), ((i >>> 16) & 31) + 1);
  setR(rd(i), <u32>r);
  if (satQ) setQ();
}

// A8.8.266 USAT: Rd = UnsignedSat(shifted Rn, sat_imm); Q if it saturated.
export function usat(i: u32): void {
  const r = usatN(satOperand(i), (i >>> 16) & 31);
  setR(rd(i), <u32>r);
  if (satQ) setQ();
}

// A8.8.194 SSAT16: each signed halfword of Rm saturated to sat_imm + 1 bits; Q if either clipped.
export function ssat16(i: u32): void {
  const n = ((i >>> 16) & 15) + 1, v = getR(i & 15);
  const lo = ssatN(<i64>(<i32>(v << 16) >> 16), n);
  let q = satQ;
  const hi = ssatN(<i64>(<i32>v >> 16), n);
  q = q || satQ;
  setR(rd(i), (<u32>lo & 0xffff) | (<u32>hi << 16));
  if (q) setQ();
}

// A8.8.267 USAT16: each signed halfword of Rm saturated to unsigned sat_imm bits; Q if either clipped.
export function usat16(i: u32): void {
  const n = (i >>> 16) & 15, v = getR(i & 15);
  const lo = usatN(<i64>(<i32>(v << 16) >> 16), n);
  let q = satQ;
  const hi = usatN(<i64>(<i32>v >> 16), n);
  q = q || satQ;
  setR(rd(i), (<u32>lo & 0xffff) | (<u32>hi << 16));
  if (q) setQ();
}

// A8.8.145 REV: byte-reverse the word.
export function rev(i: u32): void { setR(rd(i), bswap<u32>(getR(rm(i)))); }

// A8.8.146 REV16: byte-reverse each halfword.
export function rev16(i: u32): void {
  const v = getR(rm(i));
  setR(rd(i), ((v & 0x00ff00ff) << 8) | ((v >>> 8) & 0x00ff00ff));
}

// A8.8.147 REVSH: byte-reverse the low halfword and sign-extend it.
export function revsh(i: u32): void {
  const v = getR(rm(i));
  setR(rd(i), <u32>(<i32>(((v & 0xff) << 24) | ((v & 0xff00) << 8)) >> 16));
}

// A8.8.144 RBIT: reverse the bit order.
export function rbit(i: u32): void {
  let v = getR(rm(i));
  v = ((v >>> 1) & 0x55555555) | ((v & 0x55555555) << 1);
  v = ((v >>> 2) & 0x33333333) | ((v & 0x33333333) << 2);
  v = ((v >>> 4) & 0x0f0f0f0f) | ((v & 0x0f0f0f0f) << 4);
  setR(rd(i), bswap<u32>(v));
}

// A8.8.264 USAD8 / A8.8.265 USADA8: Rd = sum of |Rn.byte - Rm.byte| (+ Ra unless Ra = 1111).
// cccc 0111 1000 dddd aaaa mmmm 0001 nnnn
export function usad8(i: u32): void {
  const a = getR(i & 15), b = getR((i >>> 8) & 15), acc = (i >>> 12) & 15;
  let s: u32 = acc == 15 ? 0 : getR(acc);
  for (let k: u32 = 0; k < 32; k += 8) {
    const x = <i32>((a >>> k) & 0xff) - <i32>((b >>> k) & 0xff);
    s += <u32>(x < 0 ? -x : x);
  }
  setR((i >>> 16) & 15, s);
}

// A8.8.164 SBFX / A8.8.246 UBFX: cccc 0111 1u1w wwww dddd llll l101 nnnn.
// Rd = Rn<lsb + width - 1 : lsb> sign- or zero-extended. lsb + width > 32 is UNPREDICTABLE:
// UNDEFINED here, as QEMU does.
@inline function bfx(i: u32, signed: bool): void {
  const lsb = (i >>> 7) & 31, w = ((i >>> 16) & 31) + 1;
  if (lsb + w > 32) { takeUndef(); return; }
  const v = getR(i & 15) << (32 - lsb - w);
  setR(rd(i), signed ? <u32>(<i32>v >> (32 - w)) : v >>> (32 - w));
}
export function sbfx(i: u32): void { bfx(i, true); }
export function ubfx(i: u32): void { bfx(i, false); }

// Mask of bits lsb..msb; msb < lsb is UNPREDICTABLE: UNDEFINED here, as QEMU does.
@inline function bfMask(i: u32): u32 {
  const lsb = (i >>> 7) & 31, msb = (i >>> 16) & 31;
  return (0xffffffff >>> (31 - msb + lsb)) << lsb;
}

// A8.8.19 BFC: Rd<msb:lsb> = 0. cccc 0111 110m mmmm dddd llll l001 1111
export function bfc(i: u32): void {
  if (((i >>> 16) & 31) < ((i >>> 7) & 31)) { takeUndef(); return; }
  const d = rd(i);
  setR(d, getR(d) & ~bfMask(i));
}

// A8.8.20 BFI: Rd<msb:lsb> = Rn<msb-lsb:0>. cccc 0111 110m mmmm dddd llll l001 nnnn
export function bfi(i: u32): void {
  if (((i >>> 16) & 31) < ((i >>> 7) & 31)) { takeUndef(); return; }
  const d = rd(i), mask = bfMask(i);
  setR(d, (getR(d) & ~mask) | ((getR(i & 15) << ((i >>> 7) & 31)) & mask));
}

// A8.8.33 CLZ: number of leading zero bits of Rm (32 for zero).
export function clzReg(i: u32): void { setR(rd(i), clz<u32>(getR(rm(i)))); }

// A8.8.134 QADD (op 0): Rd = Sat(Rm + Rn); A8.8.141 QSUB (1): Sat(Rm - Rn);
// A8.8.138 QDADD (2): Sat(Rm + Sat(2 * Rn)); A8.8.139 QDSUB (3): Sat(Rm - Sat(2 * Rn)).
// Q is set if either saturation clipped. cccc 0001 0oo0 nnnn dddd 0000 0101 mmmm
export function qaddsub(i: u32, op: u32): void {
  let n = <i64><i32>getR(rn(i));
  let q = false;
  if (op >= 2) { n = ssatN(n * 2, 32); q = satQ; }
  const m = <i64><i32>getR(rm(i));
  const r = ssatN((op & 1) != 0 ? m - n : m + n, 32);
  setR(rd(i), <u32>r);
  if (q || satQ) setQ();
}
