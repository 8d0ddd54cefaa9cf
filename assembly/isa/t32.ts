// 32-bit Thumb instructions (ARM ARM A6.3). `i` is the instruction as first halfword << 16 | second
// halfword. Handlers extract the T32 fields and call the operation shared with A32: dpOp for data
// processing, ldstSingle/ldstDual/ldrexOp/strexOp for memory, ldm/stm (whose P U W L bits T32 shares),
// and for multiplies, media, MRS/MSR/CPS/SRS/RFE the A32 handler applied to the equivalent A32 word.
import { getR, setR, getC, getSPSR, curPC, setNextPC, fault } from "../cpu/state";
import { exceptionReturn } from "../cpu/psr";
import { takeUndef } from "../cpu/exceptions";
import { dpOp, OP_ORR, OP_MOV } from "./dp";
import { shiftImm, shiftReg, shc, bxWritePC } from "./alu";
import { ldstSingle, ldstDual, ldrexOp, strexOp } from "./ldst";
import { read8, read16 } from "../mmu/mmu";
import {
  mul, mla, mls, umaal, mull, smlaxy, smulxy, smlawy, smulwy, smlalxy, smlad, smlald, smmla, smmls,
} from "./mul";
import {
  parallel, pkh, extend, sel, ssat, ssat16, usat, usat16, rev, rev16, revsh, rbit, usad8, sbfx, ubfx,
  bfc, bfi, clzReg, qaddsub,
} from "./media";
import { mrs, msrReg, cps, srs, rfe } from "./system";

export const OP_ORN: u32 = 16; // T32-only: ORR with the second operand inverted

@inline function sext(v: u32, bits: u32): u32 { return <u32>(<i32>(v << (32 - bits)) >> (32 - bits)); }

// ThumbExpandImm_C (A6.3.2): i:imm3:imm8 -> value, carry-out in teC.
let teC: u32 = 0;
export function thumbExpandImm(i: u32): u32 {
  const imm12 = ((i >>> 15) & 0x800) | ((i >>> 4) & 0x700) | (i & 0xff);
  const b = imm12 & 0xff;
  if ((imm12 & 0xc00) == 0) {
    teC = getC();
    switch ((imm12 >>> 8) & 3) {
      case 0: return b;
      case 1: return (b << 16) | b;
      case 2: return (b << 24) | (b << 8);
      default: return (b << 24) | (b << 16) | (b << 8) | b;
    }
  }
  const r = rotr<u32>(0x80 | (imm12 & 0x7f), imm12 >>> 7);
  teC = r >>> 31;
  return r;
}

@inline function dpT32(op: u32, i: u32, b: u32, c: u32): void {
  const n = (i >>> 16) & 15;
  const a = op == OP_MOV || op == 15 ? 0 : getR(n);
  if (op == OP_ORN) { dpOp(OP_ORR, (i >>> 20) & 1, (i >>> 8) & 15, a, ~b, c); return; }
  dpOp(op, (i >>> 20) & 1, (i >>> 8) & 15, a, b, c);
}

// Data processing (modified immediate), A6.3.1: 1111 0i0o oooS nnnn 0iii dddd iiii iiii
@inline export function t32DpImm(i: u32, op: u32): void {
  const b = thumbExpandImm(i);
  dpT32(op, i, b, teC);
}

// Data processing (shifted register), A6.3.11: 1110 101o oooS nnnn 0iii dddd iitt mmmm
@inline export function t32DpReg(i: u32, op: u32): void {
  const b = shiftImm(getR(i & 15), (i >>> 4) & 3, ((i >>> 10) & 0x1c) | ((i >>> 6) & 3));
  dpT32(op, i, b, shc);
}

// PKHBT/PKHTB: 1110 1010 110S nnnn 0iii dddd iit0 mmmm
export function t32Pkh(i: u32): void {
  const imm5 = ((i >>> 10) & 0x1c) | ((i >>> 6) & 3);
  pkh(0x06800010 | (i & 0xf0000) | ((i & 0xf00) << 4) | (imm5 << 7) | ((i & 0x20) << 1) | (i & 15));
}

// --- plain binary immediate (A6.3.3) ------------------------------------------------------------
@inline function imm12(i: u32): u32 { return ((i >>> 15) & 0x800) | ((i >>> 4) & 0x700) | (i & 0xff); }
// ADDW/SUBW (and ADR when Rn = PC: Align(PC, 4))
@inline export function t32AddW(i: u32, sub: bool): void {
  const n = (i >>> 16) & 15;
  const base = n == 15 ? getR(15) & ~3 : getR(n);
  const imm = imm12(i);
  setR((i >>> 8) & 15, sub ? base - imm : base + imm);
}
// MOVW/MOVT: imm16 = imm4:i:imm3:imm8
@inline export function t32Movw(i: u32, top: bool): void {
  const imm = ((i >>> 4) & 0xf000) | imm12(i);
  const d = (i >>> 8) & 15;
  setR(d, top ? (getR(d) & 0xffff) | (imm << 16) : imm);
}
// Fields of SSAT/USAT/SBFX/UBFX/BFI as an A32 word: Rn, Rd, imm3:imm2 -> bits 11:7, bits 4:0 -> 20:16
@inline function satWord(i: u32): u32 {
  return ((i & 0x1f) << 16) | ((i & 0xf00) << 4) | ((((i >>> 10) & 0x1c) | ((i >>> 6) & 3)) << 7) | ((i >>> 16) & 15);
}
export function t32Sat(i: u32, unsigned: bool): void {
  const sh = (i >>> 15) & 0x40; // hw1 bit 5 -> A32 bit 6
  if (unsigned) usat(0x06e00010 | satWord(i) | sh); else ssat(0x06a00010 | satWord(i) | sh);
}
export function t32Sat16(i: u32, unsigned: bool): void {
  const w = ((i & 0xf) << 16) | ((i & 0xf00) << 4) | ((i >>> 16) & 15);
  if (unsigned) usat16(0x06e00f30 | w); else ssat16(0x06a00f30 | w);
}
export function t32Bfx(i: u32, unsigned: bool): void {
  if (unsigned) ubfx(0x07e00050 | satWord(i)); else sbfx(0x07a00050 | satWord(i));
}
export function t32Bfi(i: u32): void {
  if (((i >>> 16) & 15) == 15) bfc(0x07c0001f | satWord(i)); else bfi(0x07c00010 | satWord(i));
}

// --- branches and miscellaneous control (A6.3.4) ------------------------------------------------
// B<c> (T3): 1111 0Scc ccii iiii 10J0 Jiii iiii iiii; the condition is checked by the run loop.
@inline export function t32Bcond(i: u32): void {
  const imm = ((i >>> 26) & 1) << 20 | ((i >>> 11) & 1) << 19 | ((i >>> 13) & 1) << 18 |
    ((i >>> 16) & 0x3f) << 12 | (i & 0x7ff) << 1;
  setNextPC(getR(15) + sext(imm, 21));
}
// S:I1:I2:imm10:imm11:'0' with I1 = NOT(J1 XOR S), I2 = NOT(J2 XOR S)
@inline function branchImm24(i: u32): u32 {
  const s = (i >>> 26) & 1;
  const i1 = (((i >>> 13) & 1) ^ s) ^ 1, i2 = (((i >>> 11) & 1) ^ s) ^ 1;
  return sext((s << 24) | (i1 << 23) | (i2 << 22) | (((i >>> 16) & 0x3ff) << 12) | ((i & 0x7ff) << 1), 25);
}
// B (T4): 10J1 J; BL: 11J1 J; BLX (immediate): 11J0 J, to ARM at Align(PC, 4) + imm
@inline export function t32B(i: u32): void { setNextPC(getR(15) + branchImm24(i)); }
@inline export function t32Bl(i: u32): void { setR(14, (curPC + 4) | 1); setNextPC(getR(15) + branchImm24(i)); }
export function t32Blx(i: u32): void {
  if ((i & 1) != 0) { takeUndef(); return; }
  setR(14, (curPC + 4) | 1);
  bxWritePC((getR(15) & ~3) + branchImm24(i));
}
// The system instructions whose T32 form is executed as the A32 instruction with the same operation
// and operands: these give that A32 word (fields moved to their A32 places, condition AL or the
// unconditional space), for the handlers here and for the VMM's trap emulation (vmm/trap.ts), which
// decodes it again. The A32 handlers read only the fields.
// MSR (register): 1111 0011 100R nnnn 10-0 mask 00-0 0000 -> cccc 0001 0R10 mask 1111 0000 0000 nnnn
@inline export function t32MsrA32(i: u32): u32 { return 0xe120f000 | ((i >>> 20) & 1) << 22 | ((i >>> 8) & 15) << 16 | ((i >>> 16) & 15); }
// MRS: 1111 0011 111R 1111 10-0 dddd 00-0 0000 -> cccc 0001 0R00 1111 dddd 0000 0000 0000
@inline export function t32MrsA32(i: u32): u32 { return 0xe10f0000 | ((i >>> 20) & 1) << 22 | ((i >>> 8) & 15) << 12; }
// CPS (T2): 1111 0011 1010 1111 10-0 0iiM AIFm mmmm -> 1111 0001 0000 iiM0 0000 000A IF0m mmmm
@inline export function t32CpsA32(i: u32): u32 {
  return 0xf1000000 | ((i >>> 9) & 3) << 18 | ((i >>> 8) & 1) << 17 | ((i >>> 5) & 7) << 6 | (i & 0x1f);
}
// SRS/RFE: T32 op (bits 24:23) 00 = DB, 11 = IA -> A32 P U = 10 (DB), 01 (IA); W and the mode / Rn kept.
@inline function srsRfePU(i: u32): u32 { return (i & (1 << 23)) != 0 ? 1 << 23 : 1 << 24; }
@inline export function t32SrsA32(i: u32): u32 { return 0xf84d0500 | srsRfePU(i) | (i & (1 << 21)) | (i & 0x1f); }
@inline export function t32RfeA32(i: u32): u32 { return 0xf8100a00 | srsRfePU(i) | (i & (1 << 21)) | (i & 0xf0000); }

export function t32Msr(i: u32): void {
  if ((i & 0x20) != 0 || ((i >>> 8) & 15) == 0) { takeUndef(); return; } // banked forms, empty mask
  msrReg(t32MsrA32(i));
}
export function t32Mrs(i: u32): void {
  if ((i & 0x20) != 0) { takeUndef(); return; }
  mrs(t32MrsA32(i));
}
export function t32Cps(i: u32): void {
  if (((i >>> 9) & 3) == 1) { takeUndef(); return; }
  cps(t32CpsA32(i));
}
// BXJ: 1111 0011 1100 mmmm 10-0 1111 0000 0000 (no Jazelle: a BX)
export function t32Bxj(i: u32): void { bxWritePC(getR((i >>> 16) & 15)); }
// SUBS PC, LR, #imm8 (B9.3.19): exception return to LR - imm8
export function t32SubsPcLr(i: u32): void { exceptionReturn(getR(14) - (i & 0xff), getSPSR()); }

// --- load/store single (A6.3.7-10) --------------------------------------------------------------
// 1111 100S Uss L nnnn tttt ...: bit 23 imm12; else bit 11 set: imm8 with P U W (PUW = 110 is the
// unprivileged T form); else register Rm LSL imm2. Rn = PC: literal, Align(PC, 4) +/- imm12.
@inline export function t32Ldst(i: u32, load: bool, size: u32, signed: bool): void {
  const n = (i >>> 16) & 15, t = (i >>> 12) & 15;
  if (n == 15) {
    if (!load) { takeUndef(); return; }
    const base = getR(15) & ~3;
    const addr = (i & (1 << 23)) != 0 ? base + (i & 0xfff) : base - (i & 0xfff);
    ldstSingle(15, t, addr, addr, false, true, size, signed, false);
    return;
  }
  const base = getR(n);
  if ((i & (1 << 23)) != 0) {
    const addr = base + (i & 0xfff);
    ldstSingle(n, t, addr, addr, false, load, size, signed, false);
    return;
  }
  if ((i & 0x800) != 0) {
    const p = (i & 0x400) != 0, u = (i & 0x200) != 0, w = (i & 0x100) != 0;
    if (!p && !w) { takeUndef(); return; }
    const off = i & 0xff;
    const offAddr = u ? base + off : base - off;
    const user = p && u && !w;
    ldstSingle(n, t, p ? offAddr : base, offAddr, w, load, size, signed, user);
    return;
  }
  if ((i & 0xfc0) != 0) { takeUndef(); return; }
  const addr = base + (getR(i & 15) << ((i >>> 4) & 3));
  ldstSingle(n, t, addr, addr, false, load, size, signed, false);
}

// --- load/store dual, exclusive, table branch (A6.3.6) ------------------------------------------
// LDRD/STRD (immediate/literal): 1110 100P U1WL nnnn tttt TTTT iiii iiii, offset imm8 * 4
export function t32Dual(i: u32, load: bool): void {
  const n = (i >>> 16) & 15;
  const p = (i & (1 << 24)) != 0, w = (i & (1 << 21)) != 0;
  const off = (i & 0xff) << 2;
  const base = n == 15 ? getR(15) & ~3 : getR(n);
  const offAddr = (i & (1 << 23)) != 0 ? base + off : base - off;
  ldstDual(n, (i >>> 12) & 15, (i >>> 8) & 15, p ? offAddr : base, offAddr, w, load);
}
// LDREX Rt, [Rn, #imm8*4]: 1110 1000 0101 nnnn tttt 1111 iiii iiii
export function t32Ldrex(i: u32): void { ldrexOp(getR((i >>> 16) & 15) + ((i & 0xff) << 2), (i >>> 12) & 15, 0, 4); }
// STREX Rd, Rt, [Rn, #imm8*4]: 1110 1000 0100 nnnn tttt dddd iiii iiii
export function t32Strex(i: u32): void {
  strexOp(getR((i >>> 16) & 15) + ((i & 0xff) << 2), (i >>> 8) & 15, (i >>> 12) & 15, 0, 4);
}
// LDREXB/H/D: 1110 1000 1101 nnnn tttt TTTT 01ss 1111; STREXB/H/D: 1110 1000 1100 nnnn tttt TTTT 01ss dddd
export function t32LdrexBHD(i: u32, size: u32): void {
  ldrexOp(getR((i >>> 16) & 15), (i >>> 12) & 15, (i >>> 8) & 15, size);
}
export function t32StrexBHD(i: u32, size: u32): void {
  strexOp(getR((i >>> 16) & 15), i & 15, (i >>> 12) & 15, (i >>> 8) & 15, size);
}
// TBB/TBH (A8.8.238): PC + 2 * table entry at Rn + Rm (TBH: Rn + Rm * 2)
export function t32Tb(i: u32, half: bool): void {
  const base = getR((i >>> 16) & 15), m = getR(i & 15);
  const v = half ? read16(base + (m << 1)) : read8(base + m);
  if (fault) return;
  setNextPC(getR(15) + (v << 1));
}

// --- load/store multiple, SRS, RFE (A6.3.5) -----------------------------------------------------
// T32 op (bits 24:23) 01 = IA, 10 = DB match A32's P and U for these; SRS/RFE use 00 = DB, 11 = IA.
export function t32Srs(i: u32): void { srs(t32SrsA32(i)); }
export function t32Rfe(i: u32): void { rfe(t32RfeA32(i)); }

// --- data processing (register), A6.3.12-A6.3.16 ------------------------------------------------
// LSL/LSR/ASR/ROR (register): 1111 1010 0ttS nnnn 1111 dddd 0000 mmmm
export function t32ShiftReg(i: u32): void {
  const v = shiftReg(getR((i >>> 16) & 15), (i >>> 21) & 3, getR(i & 15) & 0xff);
  dpOp(OP_MOV, (i >>> 20) & 1, (i >>> 8) & 15, 0, v, shc);
}
// SXTAH..UXTB: 1111 1010 0ooo nnnn 1111 dddd 10rr mmmm
export function t32Extend(i: u32): void {
  const op = (i >>> 20) & 7; // 000 SXTH 001 UXTH 010 SXTB16 011 UXTB16 100 SXTB 101 UXTB
  if (op > 5) { takeUndef(); return; }
  const a32 = ((op & 1) << 2) | (op < 2 ? 3 : op < 4 ? 0 : 2);
  extend(0x06800070 | (a32 << 20) | (i & 0xf0000) | ((i & 0xf00) << 4) | ((i & 0x30) << 6) | (i & 15));
}
// Parallel add/subtract: 1111 1010 1ooo nnnn 1111 dddd 0Upp mmmm
export function t32Parallel(i: u32): void {
  const op1 = (i >>> 20) & 7, op2 = (i >>> 4) & 3;
  let ooo: u32;
  switch (op1) {
    case 1: ooo = 0; break; // ADD16
    case 2: ooo = 1; break; // ASX
    case 6: ooo = 2; break; // SAX
    case 5: ooo = 3; break; // SUB16
    case 0: ooo = 4; break; // ADD8
    case 4: ooo = 7; break; // SUB8
    default: takeUndef(); return;
  }
  if (op2 == 3) { takeUndef(); return; }
  const pre = (((i >>> 6) & 1) << 2) | (op2 + 1);
  parallel(0x06000f10 | (pre << 20) | (i & 0xf0000) | ((i & 0xf00) << 4) | (ooo << 5) | (i & 15));
}
// QADD/QDADD/QSUB/QDSUB, REV/REV16/RBIT/REVSH, SEL, CLZ: 1111 1010 10oo nnnn 1111 dddd 10pp mmmm
export function t32Misc(i: u32): void {
  const op1 = (i >>> 20) & 3, op2 = (i >>> 4) & 3;
  const d = (i & 0xf00) << 4, m = i & 15, n = i & 0xf0000;
  switch (op1) {
    case 0: qaddsub(0x01000050 | n | d | m, op2 == 0 ? 0 : op2 == 1 ? 2 : op2 == 2 ? 1 : 3); return;
    case 1:
      if (op2 == 0) rev(0x06bf0f30 | d | m);
      else if (op2 == 1) rev16(0x06bf0fb0 | d | m);
      else if (op2 == 2) rbit(0x06ff0f30 | d | m);
      else revsh(0x06ff0fb0 | d | m);
      return;
    case 2: if (op2 == 0) { sel(0x06800fb0 | n | d | m); return; } break;
    default: if (op2 == 0) { clzReg(0x016f0f10 | d | m); return; } break;
  }
  takeUndef();
}

// --- multiplies (A6.3.16, A6.3.17) --------------------------------------------------------------
// T32 fields: Rn = 19:16, Ra/RdLo = 15:12, Rd/RdHi = 11:8, Rm = 3:0 -> the A32 layout of mul.ts
// (Rd/RdHi 19:16, Ra/RdLo 15:12, Rm 11:8, Rn 3:0).
@inline function mw(i: u32): u32 {
  return ((i & 0xf00) << 8) | (i & 0xf000) | ((i & 15) << 8) | ((i >>> 16) & 15);
}
// 1111 1011 0ooo nnnn aaaa dddd 00oo mmmm
export function t32Mul(i: u32): void {
  const op1 = (i >>> 20) & 7, op2 = (i >>> 4) & 3;
  const noAcc = ((i >>> 12) & 15) == 15;
  const w = mw(i);
  switch (op1) {
    case 0:
      if (op2 == 0) { if (noAcc) mul(w); else mla(0x00200090 | w); return; }
      if (op2 == 1) { mls(0x00600090 | w); return; }
      break;
    case 1: { // SMLA<x><y> / SMUL<x><y>: N = bit 5, M = bit 4 -> A32 x = bit 5, y = bit 6
      const xy = (i & 0x20) | ((i & 0x10) << 2);
      if (noAcc) smulxy(0x01600080 | xy | w); else smlaxy(0x01000080 | xy | w);
      return;
    }
    case 2: if (op2 < 2) { smlad(0x07000010 | ((i & 0x10) << 1) | w, false); return; } break;
    case 3: if (op2 < 2) { // SMLAW<y> / SMULW<y>
      if (noAcc) smulwy(0x012000a0 | ((i & 0x10) << 2) | w); else smlawy(0x01200080 | ((i & 0x10) << 2) | w);
      return;
    } break;
    case 4: if (op2 < 2) { smlad(0x07000050 | ((i & 0x10) << 1) | w, true); return; } break;
    case 5: if (op2 < 2) { smmla(0x07500010 | ((i & 0x10) << 1) | w); return; } break;
    case 6: if (op2 < 2) { smmls(0x075000d0 | ((i & 0x10) << 1) | w); return; } break;
    default: if (op2 == 0) { usad8(0x07800010 | w); return; } break;
  }
  takeUndef();
}
// Long multiplies: 1111 1011 1ooo nnnn llll hhhh oooo mmmm (SDIV/UDIV: UNDEFINED on Cortex-A8)
export function t32MulLong(i: u32): void {
  const op1 = (i >>> 20) & 7, op2 = (i >>> 4) & 15;
  const w = mw(i);
  switch (op1) {
    case 0: if (op2 == 0) { mull(0x00c00090 | w, true, false); return; } break;
    case 2: if (op2 == 0) { mull(0x00800090 | w, false, false); return; } break;
    case 4:
      if (op2 == 0) { mull(0x00e00090 | w, true, true); return; }
      if ((op2 & 0xc) == 8) { smlalxy(0x01400080 | ((i & 0x20)) | ((i & 0x10) << 2) | w); return; }
      if ((op2 & 0xe) == 0xc) { smlald(0x07400010 | ((i & 0x10) << 1) | w, false); return; }
      break;
    case 5: if ((op2 & 0xe) == 0xc) { smlald(0x07400050 | ((i & 0x10) << 1) | w, true); return; } break;
    case 6:
      if (op2 == 0) { mull(0x00a00090 | w, false, true); return; }
      if (op2 == 6) { umaal(0x00400090 | w); return; }
      break;
  }
  takeUndef();
}
