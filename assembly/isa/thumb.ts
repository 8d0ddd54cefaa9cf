// 16-bit Thumb instructions (ARM ARM A6.2), including IT (A8.8.55; ITSTATE helpers live in
// cpu/psr.ts, the per-instruction condition and ITAdvance in the run loop). Each handler extracts the T16 fields and calls the operation shared with A32: dpOp for data
// processing, ldstSingle for loads/stores, the A32 handlers of mul/media/ldm/system with an
// equivalent A32 word where the operation takes one. In Thumb state R15 reads as the instruction's
// address + 4 (the run loop sets it); 16-bit flag-setting forms set flags only outside an IT block.
import {
  getR, setR, getC, curPC, setNextPC,
} from "../cpu/state";
import { dpOp, OP_AND, OP_EOR, OP_ADD, OP_ADC, OP_SBC, OP_SUB, OP_RSB, OP_TST, OP_CMP, OP_CMN, OP_ORR,
  OP_MOV, OP_BIC, OP_MVN } from "./dp";
import { shiftImm, shiftReg, shc, bxWritePC, SH_LSL, SH_LSR, SH_ASR, SH_ROR } from "./alu";
import { ldstSingle } from "./ldst";
import { ldm, stm } from "./ldm";
import { mul } from "./mul";
import { extend, rev, rev16, revsh } from "./media";
import { cps, setend } from "./system";
import { setItState, inIT } from "../cpu/psr";

// setflags for the 16-bit forms that set flags outside an IT block.
@inline function sf(): u32 { return inIT() ? 0 : 1; }

@inline function sext(v: u32, bits: u32): u32 { return <u32>(<i32>(v << (32 - bits)) >> (32 - bits)); }

// --- shift (immediate), add, subtract, move, compare (A6.2.1) -----------------------------------
// LSL/LSR/ASR (immediate): 000oo iiiii mmm ddd (LSL #0 is MOVS Rd, Rm)
@inline export function t16ShiftImm(i: u32, type: u32): void {
  const v = shiftImm(getR((i >>> 3) & 7), type, (i >>> 6) & 31);
  dpOp(OP_MOV, sf(), i & 7, 0, v, shc);
}
// ADD/SUB (register, 3-bit immediate): 00011 I o mmm/iii nnn ddd
@inline export function t16AddSub(i: u32, sub: bool, imm: bool): void {
  const b = imm ? (i >>> 6) & 7 : getR((i >>> 6) & 7);
  dpOp(sub ? OP_SUB : OP_ADD, sf(), i & 7, getR((i >>> 3) & 7), b, 0);
}
// MOV/CMP/ADD/SUB (8-bit immediate): 001oo ddd iiiiiiii
@inline export function t16Imm8(i: u32, op: u32): void {
  const d = (i >>> 8) & 7;
  dpOp(op, op == OP_CMP ? 1 : sf(), d, getR(d), i & 0xff, getC());
}

// --- data processing (A6.2.2): 010000 oooo mmm ddd --------------------------------------------------
export function t16Dp(i: u32, opc: u32): void {
  const d = i & 7, m = (i >>> 3) & 7;
  const a = getR(d), b = getR(m);
  switch (opc) {
    case 0: dpOp(OP_AND, sf(), d, a, b, getC()); return;
    case 1: dpOp(OP_EOR, sf(), d, a, b, getC()); return;
    case 2: case 3: case 4: case 7: {
      const type = opc == 2 ? SH_LSL : opc == 3 ? SH_LSR : opc == 4 ? SH_ASR : SH_ROR;
      const v = shiftReg(a, type, b & 0xff);
      dpOp(OP_MOV, sf(), d, 0, v, shc);
      return;
    }
    case 5: dpOp(OP_ADC, sf(), d, a, b, 0); return;
    case 6: dpOp(OP_SBC, sf(), d, a, b, 0); return;
    case 8: dpOp(OP_TST, 1, d, a, b, getC()); return;
    case 9: dpOp(OP_RSB, sf(), d, b, 0, 0); return;  // RSB Rd, Rn, #0: Rn in bits 5:3
    case 10: dpOp(OP_CMP, 1, d, a, b, 0); return;
    case 11: dpOp(OP_CMN, 1, d, a, b, 0); return;
    case 12: dpOp(OP_ORR, sf(), d, a, b, getC()); return;
    case 13: mul((sf() << 20) | (d << 16) | (d << 8) | m); return; // MULS Rdm, Rn, Rdm
    case 14: dpOp(OP_BIC, sf(), d, a, b, getC()); return;
    default: dpOp(OP_MVN, sf(), d, a, b, getC()); return;
  }
}

// --- special data processing and branch and exchange (A6.2.3) ----------------------------------
// ADD/CMP/MOV (high registers): 010001 oo D mmmm ddd; PC as destination branches (ALUWritePC).
@inline export function t16HiReg(i: u32, op: u32): void {
  const d = ((i >>> 4) & 8) | (i & 7), m = (i >>> 3) & 15;
  if (op == OP_CMP) dpOp(OP_CMP, 1, d, getR(d), getR(m), 0);
  else dpOp(op, 0, d, getR(d), getR(m), 0);
}
// BX / BLX (register): 010001 11 L mmmm 000
export function t16Bx(i: u32, link: bool): void {
  const target = getR((i >>> 3) & 15);
  if (link) setR(14, (curPC + 2) | 1);
  bxWritePC(target);
}

// --- loads and stores ---------------------------------------------------------------------------
// LDR (literal): 01001 ttt iiiiiiii, address Align(PC, 4) + imm8 * 4
@inline export function t16LdrLit(i: u32): void {
  const addr = (getR(15) & ~3) + ((i & 0xff) << 2);
  ldstSingle(15, (i >>> 8) & 7, addr, addr, false, true, 4, false, false);
}
// Register offset (A6.2.4): 0101 ooo mmm nnn ttt
@inline export function t16LdstReg(i: u32, load: bool, size: u32, signed: bool): void {
  const addr = getR((i >>> 3) & 7) + getR((i >>> 6) & 7);
  ldstSingle(15, i & 7, addr, addr, false, load, size, signed, false);
}
// Immediate offset: 011BL / 1000L iiiii nnn ttt, offset scaled by the size
@inline export function t16LdstImm(i: u32, load: bool, size: u32): void {
  const addr = getR((i >>> 3) & 7) + (((i >>> 6) & 31) * size);
  ldstSingle(15, i & 7, addr, addr, false, load, size, false, false);
}
// SP-relative: 1001L ttt iiiiiiii
@inline export function t16LdstSp(i: u32, load: bool): void {
  const addr = getR(13) + ((i & 0xff) << 2);
  ldstSingle(15, (i >>> 8) & 7, addr, addr, false, load, 4, false, false);
}

// ADR: 10100 ddd iiiiiiii; ADD Rd, SP, #imm8*4: 10101 ddd iiiiiiii
@inline export function t16Adr(i: u32): void { setR((i >>> 8) & 7, (getR(15) & ~3) + ((i & 0xff) << 2)); }
@inline export function t16AddSpImm8(i: u32): void { setR((i >>> 8) & 7, getR(13) + ((i & 0xff) << 2)); }
// ADD/SUB SP, SP, #imm7*4: 1011 0000 S iiiiiii
@inline export function t16AddSpImm7(i: u32, sub: bool): void {
  const off = (i & 0x7f) << 2;
  setR(13, sub ? getR(13) - off : getR(13) + off);
}

// --- miscellaneous (A6.2.5) ---------------------------------------------------------------------
// CBZ/CBNZ: 1011 o0i1 iiii innn, target PC + i:imm5:'0' (forward only)
@inline export function t16Cbz(i: u32, nonzero: bool): void {
  const v = getR(i & 7);
  if ((v != 0) == nonzero) setNextPC(getR(15) + (((i >>> 2) & 0x3e) | ((i >>> 3) & 0x40)));
}
// SXTH/SXTB/UXTH/UXTB: 1011 0010 oo mmm ddd, as the A32 extend with Rn = 1111 and no rotation
export function t16Extend(i: u32): void {
  const op = (i >>> 6) & 3; // 00 SXTH, 01 SXTB, 10 UXTH, 11 UXTB
  const a32op: u32 = op == 0 ? 3 : op == 1 ? 2 : op == 2 ? 7 : 6;
  extend(0x068f0070 | (a32op << 20) | ((i & 7) << 12) | ((i >>> 3) & 7));
}
// REV/REV16/REVSH: 1011 1010 oo mmm ddd
export function t16Rev(i: u32, op: u32): void {
  const w = ((i & 7) << 12) | ((i >>> 3) & 7);
  if (op == 0) rev(0x06bf0f30 | w);
  else if (op == 1) rev16(0x06bf0fb0 | w);
  else revsh(0x06ff0fb0 | w);
}
// PUSH: 1011 010M rrrrrrrr = STMDB SP!, {list, LR if M}
export function t16Push(i: u32): void { stm(0x092d0000 | (i & 0xff) | ((i & 0x100) << 6)); }
// POP: 1011 110P rrrrrrrr = LDMIA SP!, {list, PC if P} (loading PC interworks)
export function t16Pop(i: u32): void { ldm(0x08bd0000 | (i & 0xff) | ((i & 0x100) << 7)); }
// STM Rn!, {list}: 11000 nnn rrrrrrrr; LDM Rn{!}, {list}: 11001 (writeback unless Rn is in the list)
export function t16Stm(i: u32): void { stm(0x08a00000 | ((i & 0x700) << 8) | (i & 0xff)); }
export function t16Ldm(i: u32): void {
  const n = (i >>> 8) & 7;
  const w: u32 = (i & (1 << n)) != 0 ? 0 : 1 << 21;
  ldm(0x08900000 | w | (n << 16) | (i & 0xff));
}
// SETEND: 1011 0110 0101 E000; CPS: 1011 0110 011m 0AIF (m = 1 disables)
export function t16Setend(i: u32): void { setend((i & 8) << 6); }
// T16 CPS as the A32 CPS word (1111 0001 0000 ii00 ... AIF0 0000), shared with vmm/trap.ts.
@inline export function t16CpsA32(i: u32): u32 { return 0xf1000000 | ((i & 0x10) != 0 ? 3 : 2) << 18 | (i & 7) << 6; }
export function t16Cps(i: u32): void { cps(t16CpsA32(i)); }
// IT: 1011 1111 cccc mmmm (mask != 0): ITSTATE = firstcond:mask
export function t16It(i: u32): void { setItState(i & 0xff); }

// --- branches (A6.2.6, A8.8.18) -------------------------------------------------------------------
// B<c> (T1): 1101 cccc iiiiiiii; the condition is checked by the run loop (kept in the decode cache)
@inline export function t16Bcond(i: u32): void { setNextPC(getR(15) + sext((i & 0xff) << 1, 9)); }
// B (T2): 11100 iiiiiiiiiii
@inline export function t16B(i: u32): void { setNextPC(getR(15) + sext((i & 0x7ff) << 1, 12)); }
