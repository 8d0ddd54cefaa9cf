// Multiplies (ARM ARM A5.2.5 multiply and multiply-accumulate, A5.2.7 halfword multiplies,
// A5.4.4 signed multiplies). Field layout shared by all of them:
//   cccc .... .... dddd aaaa mmmm .... nnnn   (Rd/RdHi = 19:16, Ra/RdLo = 15:12, Rm = 11:8, Rn = 3:0)
// 64-bit products use i64/u64 arithmetic; nothing allocates. Q is CPSR bit 27 (kept in getRest).
// Rd = PC and other UNPREDICTABLE register choices are not special-cased.
import { getR, setR, setNZ, getRest, setRest, PSR_Q } from "../cpu/state";
import { STATE, NF, ZF } from "../cpu/layout";

@inline function rd(i: u32): u32 { return (i >>> 16) & 15; }
@inline function ra(i: u32): u32 { return (i >>> 12) & 15; }
@inline function rm(i: u32): u32 { return (i >>> 8) & 15; }
@inline function rn(i: u32): u32 { return i & 15; }

// Sets CPSR.Q (sticky, never cleared by these instructions).
@inline export function setQ(): void { setRest(getRest() | PSR_Q); }

// Bottom (sel = 0) or top (sel != 0) signed halfword of v.
@inline function half(v: u32, sel: u32): i32 { return sel != 0 ? <i32>v >> 16 : <i32>(v << 16) >> 16; }

// N and Z of a 64-bit result (the S forms of the long multiplies); C and V are unchanged.
@inline function setNZ64(hi: u32, lo: u32): void {
  store<u32>(STATE + NF, hi >>> 31);
  store<u32>(STATE + ZF, u32((hi | lo) == 0));
}

// A8.8.114 MUL: Rd = (Rn * Rm)[31:0]; S sets N and Z only (C unchanged on ARMv7).
export function mul(i: u32): void {
  const r = getR(rn(i)) * getR(rm(i));
  setR(rd(i), r);
  if ((i & (1 << 20)) != 0) setNZ(r);
}

// A8.8.100 MLA: Rd = (Rn * Rm + Ra)[31:0]; S sets N and Z only.
export function mla(i: u32): void {
  const r = getR(rn(i)) * getR(rm(i)) + getR(ra(i));
  setR(rd(i), r);
  if ((i & (1 << 20)) != 0) setNZ(r);
}

// A8.8.101 MLS: Rd = (Ra - Rn * Rm)[31:0]; no flags.
export function mls(i: u32): void {
  setR(rd(i), getR(ra(i)) - getR(rn(i)) * getR(rm(i)));
}

// A8.8.255 UMAAL: RdHi:RdLo = Rn * Rm + RdHi + RdLo (unsigned, cannot overflow 64 bits).
export function umaal(i: u32): void {
  const hi = rd(i), lo = ra(i);
  const r = <u64>getR(rn(i)) * <u64>getR(rm(i)) + <u64>getR(hi) + <u64>getR(lo);
  setR(lo, <u32>r);
  setR(hi, <u32>(r >>> 32));
}

// A8.8.257 UMULL, A8.8.256 UMLAL, A8.8.189 SMULL, A8.8.178 SMLAL:
// RdHi:RdLo = Rn * Rm (+ RdHi:RdLo); S sets N = bit 63, Z = (result == 0). RdLo is written first,
// so RdHi wins when both name the same register (UNPREDICTABLE; QEMU does the same).
export function mull(i: u32, signed: bool, acc: bool): void {
  const hi = rd(i), lo = ra(i);
  let r: u64 = signed
    ? <u64>(<i64><i32>getR(rn(i)) * <i64><i32>getR(rm(i)))
    : <u64>getR(rn(i)) * <u64>getR(rm(i));
  if (acc) r += (<u64>getR(hi) << 32) | <u64>getR(lo);
  const rl = <u32>r, rh = <u32>(r >>> 32);
  setR(lo, rl);
  setR(hi, rh);
  if ((i & (1 << 20)) != 0) setNZ64(rh, rl);
}

// A8.8.176 SMLA<x><y>: Rd = Rn.x * Rm.y + Ra (signed halves: x = bit 5, y = bit 6); Q if the
// 33-bit sum does not fit in 32 bits.
export function smlaxy(i: u32): void {
  const p = <i64>(half(getR(rn(i)), i & 0x20) * half(getR(rm(i)), i & 0x40));
  const r = p + <i64><i32>getR(ra(i));
  setR(rd(i), <u32>r);
  if (r != <i64><i32>r) setQ();
}

// A8.8.188 SMUL<x><y>: Rd = Rn.x * Rm.y (cannot overflow).
export function smulxy(i: u32): void {
  setR(rd(i), <u32>(half(getR(rn(i)), i & 0x20) * half(getR(rm(i)), i & 0x40)));
}

// A8.8.181 SMLAW<y>: Rd = (Rn * Rm.y + (Ra << 16))[47:16]; Q if that does not fit in 32 bits.
export function smlawy(i: u32): void {
  const r = (<i64><i32>getR(rn(i)) * <i64>half(getR(rm(i)), i & 0x40) + (<i64><i32>getR(ra(i)) << 16)) >> 16;
  setR(rd(i), <u32>r);
  if (r != <i64><i32>r) setQ();
}

// A8.8.190 SMULW<y>: Rd = (Rn * Rm.y)[47:16].
export function smulwy(i: u32): void {
  setR(rd(i), <u32>((<i64><i32>getR(rn(i)) * <i64>half(getR(rm(i)), i & 0x40)) >> 16));
}

// A8.8.179 SMLAL<x><y>: RdHi:RdLo += Rn.x * Rm.y (64-bit, no flags).
export function smlalxy(i: u32): void {
  const hi = rd(i), lo = ra(i);
  const p = <i64>(half(getR(rn(i)), i & 0x20) * half(getR(rm(i)), i & 0x40));
  const r = <u64>p + ((<u64>getR(hi) << 32) | <u64>getR(lo));
  setR(lo, <u32>r);
  setR(hi, <u32>(r >>> 32));
}

// Dual 16x16 products, Rm's halves swapped when M (bit 5) is set: p1 = bottoms, p2 = tops.
let dualP1: i32 = 0;
let dualP2: i32 = 0;
@inline function dual(i: u32): void {
  const n = getR(rn(i));
  let m = getR(rm(i));
  if ((i & 0x20) != 0) m = rotr<u32>(m, 16);
  dualP1 = half(n, 0) * half(m, 0);
  dualP2 = half(n, 1) * half(m, 1);
}

// A8.8.177 SMLAD / A8.8.182 SMLSD: Rd = p1 +/- p2 + Ra; Q if the sum does not fit in 32 bits.
// A8.8.187 SMUAD / A8.8.191 SMUSD (Ra = 1111): Rd = p1 +/- p2 (only SMUAD can overflow).
export function smlad(i: u32, sub: bool): void {
  dual(i);
  let r = sub ? <i64>dualP1 - <i64>dualP2 : <i64>dualP1 + <i64>dualP2;
  if (ra(i) != 15) r += <i64><i32>getR(ra(i));
  setR(rd(i), <u32>r);
  if (r != <i64><i32>r) setQ();
}

// A8.8.180 SMLALD / A8.8.183 SMLSLD: RdHi:RdLo += p1 +/- p2 (64-bit, no flags).
export function smlald(i: u32, sub: bool): void {
  dual(i);
  const hi = rd(i), lo = ra(i);
  const p = sub ? <i64>dualP1 - <i64>dualP2 : <i64>dualP1 + <i64>dualP2;
  const r = <u64>p + ((<u64>getR(hi) << 32) | <u64>getR(lo));
  setR(lo, <u32>r);
  setR(hi, <u32>(r >>> 32));
}

// A8.8.184 SMMLA / A8.8.186 SMMUL (Ra = 1111): Rd = ((Ra << 32) + Rn * Rm (+ 0x80000000 if R))[63:32].
export function smmla(i: u32): void {
  let r = <u64>(<i64><i32>getR(rn(i)) * <i64><i32>getR(rm(i)));
  if (ra(i) != 15) r += <u64>getR(ra(i)) << 32;
  if ((i & 0x20) != 0) r += 0x80000000;
  setR(rd(i), <u32>(r >>> 32));
}

// A8.8.185 SMMLS: Rd = ((Ra << 32) - Rn * Rm (+ 0x80000000 if R))[63:32]. Ra = 1111 is
// UNPREDICTABLE; like QEMU we then skip the accumulate and keep the plain product.
export function smmls(i: u32): void {
  let r = <u64>(<i64><i32>getR(rn(i)) * <i64><i32>getR(rm(i)));
  if (ra(i) != 15) r = (<u64>getR(ra(i)) << 32) - r;
  if ((i & 0x20) != 0) r += 0x80000000;
  setR(rd(i), <u32>(r >>> 32));
}
