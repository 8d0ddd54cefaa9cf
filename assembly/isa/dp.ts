// Data-processing instructions (ARM ARM A5.2.1-A5.2.3, A8.8.x AND..MVN): immediate, register with
// immediate shift, register with register shift. `op` is the opcode field (bits 24:21) and is a
// constant at every call site, so each decoded pattern gets its own specialised handler.
import {
  getR, setR, getC, setNZ, setC, setV, getSPSR, thumb,
} from "../cpu/state";
import { shiftImm, shiftImmValue, shiftReg, shc, bxWritePC, branchWritePC } from "./alu";
import { exceptionReturn } from "../cpu/psr";

export const OP_AND: u32 = 0;
export const OP_EOR: u32 = 1;
export const OP_SUB: u32 = 2;
export const OP_RSB: u32 = 3;
export const OP_ADD: u32 = 4;
export const OP_ADC: u32 = 5;
export const OP_SBC: u32 = 6;
export const OP_RSC: u32 = 7;
export const OP_TST: u32 = 8;
export const OP_TEQ: u32 = 9;
export const OP_CMP: u32 = 10;
export const OP_CMN: u32 = 11;
export const OP_ORR: u32 = 12;
export const OP_MOV: u32 = 13;
export const OP_BIC: u32 = 14;
export const OP_MVN: u32 = 15;

// AddWithCarry(x, y, carry_in) (A2.2.1): result, and carry/overflow in acC/acV.
export let acC: u32 = 0;
export let acV: u32 = 0;
@inline export function addWithCarry(x: u32, y: u32, cin: u32): u32 {
  const r64 = <u64>x + <u64>y + <u64>cin;
  const r = <u32>r64;
  acC = <u32>(r64 >>> 32);
  acV = ((~(x ^ y)) & (x ^ r)) >>> 31;
  return r;
}

// ALUWritePC (A2.3.2): interworking in ARM state, a plain branch in Thumb state.
@inline function aluWritePC(v: u32): void { if (thumb()) branchWritePC(v); else bxWritePC(v); }

// Result of a data-processing operation without flags (the common case: S = 0).
@inline export function dpValue(op: u32, a: u32, b: u32): u32 {
  switch (op) {
    case OP_AND: return a & b;
    case OP_EOR: return a ^ b;
    case OP_SUB: return a - b;
    case OP_RSB: return b - a;
    case OP_ADD: return a + b;
    case OP_ADC: return a + b + getC();
    case OP_SBC: return a - b - (getC() ^ 1);
    case OP_RSC: return b - a - (getC() ^ 1);
    case OP_ORR: return a | b;
    case OP_MOV: return b;
    case OP_BIC: return a & ~b;
    default: return ~b; // MVN
  }
}

@inline function isLogical(op: u32): bool {
  return op == OP_AND || op == OP_EOR || op == OP_TST || op == OP_TEQ || op == OP_ORR || op == OP_MOV
    || op == OP_BIC || op == OP_MVN;
}

// Flag-setting path (S = 1, the compare/test ops, or PC as destination). c = shifter carry-out
// (used by the logical ops only). Inlined with `op` constant at every call site, so each pattern
// gets straight-line code; the flags of SUB/ADD come from 32-bit compares rather than a 64-bit add.
@inline function dpFlags(op: u32, s: u32, d: u32, a: u32, b: u32, c: u32): void {
  let r: u32 = 0;
  let fc: u32 = c, fv: u32 = 0;
  let arith = true;
  switch (op) {
    case OP_AND: case OP_TST: r = a & b; arith = false; break;
    case OP_EOR: case OP_TEQ: r = a ^ b; arith = false; break;
    case OP_ORR: r = a | b; arith = false; break;
    case OP_MOV: r = b; arith = false; break;
    case OP_BIC: r = a & ~b; arith = false; break;
    case OP_MVN: r = ~b; arith = false; break;
    case OP_SUB: case OP_CMP: r = a - b; fc = u32(a >= b); fv = ((a ^ b) & (a ^ r)) >>> 31; break;
    case OP_RSB: r = b - a; fc = u32(b >= a); fv = ((b ^ a) & (b ^ r)) >>> 31; break;
    case OP_ADD: case OP_CMN: r = a + b; fc = u32(r < a); fv = (~(a ^ b) & (a ^ r)) >>> 31; break;
    case OP_ADC: r = addWithCarry(a, b, getC()); fc = acC; fv = acV; break;
    case OP_SBC: r = addWithCarry(a, ~b, getC()); fc = acC; fv = acV; break;
    case OP_RSC: r = addWithCarry(b, ~a, getC()); fc = acC; fv = acV; break;
  }
  if (op >= OP_TST && op <= OP_CMN) {
    setNZ(r);
    setC(fc);
    if (arith) setV(fv);
    return;
  }
  if (d == 15) { dpWritePC(r, s); return; }
  setR(d, r);
  if (s != 0) {
    setNZ(r);
    setC(fc);
    if (arith) setV(fv);
  }
}

// A data-processing result written to the PC: S set is an exception return (SUBS PC, LR and
// friends, B9.3.20), otherwise ALUWritePC. Flags are not set from the result.
function dpWritePC(r: u32, s: u32): void {
  if (s != 0) exceptionReturn(r, getSPSR()); else aluWritePC(r);
}

// The data-processing operation shared by A32, T32 and T16: Rd = a op b; s sets the flags (c = the
// shifter carry-out for the logical ops). The compare/test ops never write Rd.
@inline export function dpOp(op: u32, s: u32, d: u32, a: u32, b: u32, c: u32): void {
  if (s == 0 && d != 15 && (op < OP_TST || op > OP_CMN)) { setR(d, dpValue(op, a, b)); return; }
  dpFlags(op, s, d, a, b, c);
}

// Bits 20 (S) and 15:12 (Rd): anything but "S = 0 and Rd != PC" needs the flag path. The test
// and compare ops only exist with S = 1, so they always take it.
@inline function simple(i: u32): bool { return (i & 0x0010_0000) == 0 && (i & 0xf000) != 0xf000; }

// cccc 001o ooos nnnn dddd rrrr iiii iiii
@inline export function dpImm(i: u32, op: u32): void {
  const rot = (i >>> 7) & 0x1e;
  const b = rotr<u32>(i & 0xff, rot);
  if (simple(i)) {
    setR((i >>> 12) & 15, dpValue(op, getR((i >>> 16) & 15), b));
    return;
  }
  // ARMExpandImm_C (A5.2.4): the carry-out is the rotated value's bit 31, or C if not rotated
  const c = isLogical(op) ? (rot == 0 ? getC() : b >>> 31) : 0;
  dpFlags(op, (i >>> 20) & 1, (i >>> 12) & 15, getR((i >>> 16) & 15), b, c);
}

// cccc 000o ooos nnnn dddd iiii itt0 mmmm
@inline export function dpRegImm(i: u32, op: u32): void {
  const m = getR(i & 15), type = (i >>> 5) & 3, n = (i >>> 7) & 31;
  if (simple(i)) { setR((i >>> 12) & 15, dpValue(op, getR((i >>> 16) & 15), shiftImmValue(m, type, n))); return; }
  let b: u32, c: u32 = 0;
  if (isLogical(op)) { b = shiftImm(m, type, n); c = shc; } else b = shiftImmValue(m, type, n);
  dpFlags(op, (i >>> 20) & 1, (i >>> 12) & 15, getR((i >>> 16) & 15), b, c);
}

// cccc 000o ooos nnnn dddd ssss 0tt1 mmmm (PC as any operand is UNPREDICTABLE; it reads +12 on
// most implementations, we read +8 like QEMU)
@inline export function dpRegReg(i: u32, op: u32): void {
  const b = shiftReg(getR(i & 15), (i >>> 5) & 3, getR((i >>> 8) & 15) & 0xff);
  if (simple(i)) { setR((i >>> 12) & 15, dpValue(op, getR((i >>> 16) & 15), b)); return; }
  dpFlags(op, (i >>> 20) & 1, (i >>> 12) & 15, getR((i >>> 16) & 15), b, shc);
}

// The result of an A32 data-processing instruction of any operand form, without flags: what the
// VMM's emulation of SUBS PC, LR and related (B9.3.20, vmm/trap.ts) returns to.
export function dpResultA32(i: u32): u32 {
  let b: u32;
  if ((i & (1 << 25)) != 0) b = rotr<u32>(i & 0xff, (i >>> 7) & 0x1e);
  else if ((i & (1 << 4)) == 0) b = shiftImmValue(getR(i & 15), (i >>> 5) & 3, (i >>> 7) & 31);
  else b = shiftReg(getR(i & 15), (i >>> 5) & 3, getR((i >>> 8) & 15) & 0xff);
  return dpValue((i >>> 21) & 15, getR((i >>> 16) & 15), b);
}

// MOVW/MOVT (A8.8.102/A8.8.106): cccc 0011 0x00 iiii dddd iiii iiii iiii
@inline export function movw(i: u32): void { setR((i >>> 12) & 15, ((i >>> 4) & 0xf000) | (i & 0xfff)); }
@inline export function movt(i: u32): void {
  const d = (i >>> 12) & 15;
  setR(d, (getR(d) & 0xffff) | ((((i >>> 4) & 0xf000) | (i & 0xfff)) << 16));
}
