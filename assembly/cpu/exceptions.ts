// Exception entry (ARM ARM B1.8): mode, banked LR and SPSR, masks, vector address.
// Return-address offsets follow table B1-7 (preferred return address + the offset the handler's
// standard return instruction subtracts).
import { STATE, SCTLR, VBAR, STOP_FATAL, FATAL_EXC_LOOP } from "./layout";
import {
  getCPSR, getRest, setRest, switchMode, setSPSR, setR, curPC, setNextPC, setFault, breakSlice,
  MODE_UND, MODE_SVC, MODE_ABT, MODE_IRQ, MODE_FIQ, PSR_I, PSR_F, PSR_A, PSR_T, PSR_E, icount,
} from "./state";
import { requestStop } from "./stop";
import { itAdvance } from "./psr";
import { trapping, onException } from "./traps";

export const VEC_RESET: u32 = 0x00;
export const VEC_UNDEF: u32 = 0x04;
export const VEC_SVC: u32 = 0x08;
export const VEC_PABT: u32 = 0x0c;
export const VEC_DABT: u32 = 0x10;
export const VEC_IRQ: u32 = 0x18;
export const VEC_FIQ: u32 = 0x1c;

// Exceptions taken without any instruction retiring in between: a guest whose vectors fault
// would otherwise loop forever inside the core.
let lastExcIcount: u64 = 0xffffffffffffffff;
let excStreak: u32 = 0;

export function vectorBase(): u32 {
  const sc = load<u32>(STATE + SCTLR);
  return (sc & (1 << 13)) != 0 ? 0xffff0000 : load<u32>(STATE + VBAR) & 0xffffffe0;
}

function enter(mode: u32, vector: u32, lr: u32, setA: bool, setF: bool): void {
  const n = icount();
  if (n == lastExcIcount) {
    if (++excStreak > 8) { requestStop(STOP_FATAL, FATAL_EXC_LOOP); }
  } else { excStreak = 0; lastExcIcount = n; }
  // A deprivileged guest's exceptions go to the VMM, which reflects them into the guest's vectors.
  if (trapping) { onException(mode, vector, lr, setA, setF); return; }
  const spsr = getCPSR();
  switchMode(mode);
  setSPSR(spsr);
  setR(14, lr);
  const sc = load<u32>(STATE + SCTLR);
  // IT and J cleared, T from SCTLR.TE, E from SCTLR.EE (B1.8.3 pseudocode)
  let rest = (getRest() & ~(0x0600fc00 | PSR_T | PSR_E | (1 << 24) | 0x1f)) | mode;
  rest |= PSR_I;
  if (setA) rest |= PSR_A;
  if (setF) rest |= PSR_F;
  if ((sc & (1 << 30)) != 0) rest |= PSR_T;
  if ((sc & (1 << 25)) != 0) rest |= PSR_E;
  setRest(rest);
  setNextPC(vectorBase() + vector);
  setFault(true);
  breakSlice();
}

// `thumb` = the state the faulting instruction executed in.
export function takeUndef(): void {
  const t = (getRest() & PSR_T) != 0;
  enter(MODE_UND, VEC_UNDEF, curPC + (t ? 2 : 4), false, false);
}
export function takeSVC(): void {
  const t = (getRest() & PSR_T) != 0;
  itAdvance(); // the saved ITSTATE is the one after the SVC (B1.8.10 TakeSVCException)
  enter(MODE_SVC, VEC_SVC, curPC + (t ? 2 : 4), false, false);
}
export function takePrefetchAbort(): void { enter(MODE_ABT, VEC_PABT, curPC + 4, true, false); }
export function takeDataAbort(): void { enter(MODE_ABT, VEC_DABT, curPC + 8, true, false); }
// IRQ/FIQ are taken between instructions: `next` is the instruction that did not execute yet.
export function takeIRQ(next: u32): void { enter(MODE_IRQ, VEC_IRQ, next + 4, true, false); }
export function takeFIQ(next: u32): void { enter(MODE_FIQ, VEC_FIQ, next + 4, true, true); }
export function takeReset(): void {
  enter(0x13, VEC_RESET, 0, true, true);
  excStreak = 0;
}
export function resetExceptionTracking(): void { lastExcIcount = 0xffffffffffffffff; excStreak = 0; }
