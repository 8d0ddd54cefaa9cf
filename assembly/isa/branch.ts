// Branches (ARM ARM A8.8.18 B, A8.8.25 BL/BLX (immediate), A8.8.26 BLX (register), A8.8.27 BX).
import { getR, setR, curPC, setNextPC, setRest, getRest, PSR_T, breakSlice } from "../cpu/state";
import { bxWritePC } from "./alu";

// imm24:'00' sign-extended, relative to PC = this instruction + 8
@inline function target(i: u32): u32 { return getR(15) + <u32>((<i32>(i << 8)) >> 6); }

@inline export function b(i: u32): void { setNextPC(target(i)); }
@inline export function bl(i: u32): void { setR(14, curPC + 4); setNextPC(target(i)); }
// BLX (immediate) from ARM: always switches to Thumb; H supplies bit 1 of the target.
export function blxImm(i: u32): void {
  setR(14, curPC + 4);
  setRest(getRest() | PSR_T);
  breakSlice(); // the run loop caches the instruction set state
  setNextPC(target(i) + ((i >>> 23) & 2));
}
@inline export function bx(i: u32): void { bxWritePC(getR(i & 15)); }
export function blxReg(i: u32): void {
  const t = getR(i & 15);
  setR(14, curPC + 4);
  bxWritePC(t);
}
