// STUB: GPTIMER1/GPTIMER2 (DM3730 TRM ch. 16) — to be implemented.
import { NEVER } from "../bus/clock";
export function gptReset(): void {}
export function gptRead(idx: u32, off: u32, size: u32): u32 { return 0; }
export function gptWrite(idx: u32, off: u32, size: u32, v: u32): void {}
export function gptUpdate(idx: u32): void {}
export function gptNextEvent(idx: u32): u64 { return NEVER; }
