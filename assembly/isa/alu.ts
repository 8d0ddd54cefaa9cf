// Shared arithmetic pieces of the A32/T32 handlers: the barrel shifter with carry-out
// (ARM ARM A8.4.3 Shift_C), AddWithCarry flags (A2.2.1) and the PC-writing helpers (A2.3.2).
import {
  getC, setR, setRest, getRest, setNextPC, PSR_T, curPC, breakSlice,
} from "../cpu/state";

export const SH_LSL: u32 = 0;
export const SH_LSR: u32 = 1;
export const SH_ASR: u32 = 2;
export const SH_ROR: u32 = 3;

// Carry out of the last shift; callers that need it read it right after the call.
export let shc: u32 = 0;

// Immediate shift: DecodeImmShift(type, imm5) then Shift_C (A8.4.1/A8.4.3).
@inline export function shiftImm(v: u32, type: u32, n: u32): u32 {
  if (type == SH_LSL) {
    if (n == 0) { shc = getC(); return v; }
    shc = (v >>> (32 - n)) & 1; return v << n;
  }
  if (type == SH_LSR) {
    if (n == 0) { shc = v >>> 31; return 0; }
    shc = (v >>> (n - 1)) & 1; return v >>> n;
  }
  if (type == SH_ASR) {
    if (n == 0) { shc = v >>> 31; return <u32>(<i32>v >> 31); }
    shc = (v >>> (n - 1)) & 1; return <u32>(<i32>v >> n);
  }
  if (n == 0) { shc = v & 1; return (getC() << 31) | (v >>> 1); } // RRX
  shc = (v >>> (n - 1)) & 1;
  return rotr<u32>(v, n);
}

// The same shift without the carry-out, for the paths that do not set flags (S = 0, addresses):
// no store to shc, which the compiler cannot drop.
@inline export function shiftImmValue(v: u32, type: u32, n: u32): u32 {
  if (type == SH_LSL) return v << n;
  if (type == SH_LSR) return n == 0 ? 0 : v >>> n;
  if (type == SH_ASR) return <u32>(<i32>v >> (n == 0 ? 31 : n));
  if (n == 0) return (getC() << 31) | (v >>> 1); // RRX
  return rotr<u32>(v, n);
}

// Shift by register: amount is the bottom byte of Rs (A8.4.3 Shift_C with amount up to 255).
@inline export function shiftReg(v: u32, type: u32, n: u32): u32 {
  if (n == 0) { shc = getC(); return v; }
  if (type == SH_LSL) {
    if (n < 32) { shc = (v >>> (32 - n)) & 1; return v << n; }
    shc = n == 32 ? v & 1 : 0; return 0;
  }
  if (type == SH_LSR) {
    if (n < 32) { shc = (v >>> (n - 1)) & 1; return v >>> n; }
    shc = n == 32 ? v >>> 31 : 0; return 0;
  }
  if (type == SH_ASR) {
    if (n < 32) { shc = (v >>> (n - 1)) & 1; return <u32>(<i32>v >> n); }
    shc = v >>> 31; return <u32>(<i32>v >> 31);
  }
  const r = n & 31;
  if (r == 0) { shc = v >>> 31; return v; }
  shc = (v >>> (r - 1)) & 1;
  return rotr<u32>(v, r);
}

// ARMExpandImm_C (A5.2.4): rotated 8-bit immediate with carry-out.
@inline export function expandImm(i: u32): u32 {
  const rot = (i >>> 7) & 0x1e;
  const imm = i & 0xff;
  if (rot == 0) { shc = getC(); return imm; }
  const r = rotr<u32>(imm, rot);
  shc = r >>> 31;
  return r;
}

// --- PC writes (A2.3.2) -------------------------------------------------------------------------

// BranchWritePC: stays in the current instruction set.
@inline export function branchWritePC(addr: u32): void {
  setNextPC((getRest() & PSR_T) != 0 ? addr & ~1 : addr & ~3);
}

// BXWritePC: bit 0 selects Thumb; ARM targets with bit 1 set are UNPREDICTABLE (we clear it).
export function bxWritePC(addr: u32): void {
  const rest = getRest();
  if ((addr & 1) != 0) {
    if ((rest & PSR_T) == 0) { setRest(rest | PSR_T); breakSlice(); } // the run loop caches T
    setNextPC(addr & ~1);
  } else {
    if ((rest & PSR_T) != 0) { setRest(rest & ~PSR_T); breakSlice(); }
    setNextPC(addr & ~3);
  }
}

// ALUWritePC / LoadWritePC: in ARM state on ARMv7 both interwork like BX (A2.3.2).
@inline export function armWritePC(addr: u32): void { bxWritePC(addr); }

// Register write that treats R15 as a branch (for LDR/ALU results).
@inline export function writeRegOrPC(d: u32, v: u32): void {
  if (d == 15) armWritePC(v); else setR(d, v);
}

// Address of the instruction after the current one (ARM state).
@inline export function nextArm(): u32 { return curPC + 4; }
