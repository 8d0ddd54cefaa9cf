// STUB — media instructions (A5.4) and CLZ/saturating arithmetic (A5.2.12): to be implemented.
import { takeUndef } from "../cpu/exceptions";
export function parallel(i: u32): void { takeUndef(); }
export function pkh(i: u32): void { takeUndef(); }
export function extend(i: u32): void { takeUndef(); }
export function sel(i: u32): void { takeUndef(); }
export function ssat(i: u32): void { takeUndef(); }
export function ssat16(i: u32): void { takeUndef(); }
export function usat(i: u32): void { takeUndef(); }
export function usat16(i: u32): void { takeUndef(); }
export function rev(i: u32): void { takeUndef(); }
export function rev16(i: u32): void { takeUndef(); }
export function revsh(i: u32): void { takeUndef(); }
export function rbit(i: u32): void { takeUndef(); }
export function usad8(i: u32): void { takeUndef(); }
export function sbfx(i: u32): void { takeUndef(); }
export function ubfx(i: u32): void { takeUndef(); }
export function bfc(i: u32): void { takeUndef(); }
export function bfi(i: u32): void { takeUndef(); }
export function clz(i: u32): void { takeUndef(); }
export function qaddsub(i: u32, op: u32): void { takeUndef(); }
