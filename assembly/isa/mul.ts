// STUB — multiplies (A5.2.5, A5.2.7, A5.4.4): to be implemented.
import { takeUndef } from "../cpu/exceptions";
export function mul(i: u32): void { takeUndef(); }
export function mla(i: u32): void { takeUndef(); }
export function mls(i: u32): void { takeUndef(); }
export function umaal(i: u32): void { takeUndef(); }
export function mull(i: u32, signed: bool, acc: bool): void { takeUndef(); }
export function smlaxy(i: u32): void { takeUndef(); }
export function smulxy(i: u32): void { takeUndef(); }
export function smlawy(i: u32): void { takeUndef(); }
export function smulwy(i: u32): void { takeUndef(); }
export function smlalxy(i: u32): void { takeUndef(); }
export function smlad(i: u32, sub: bool): void { takeUndef(); }
export function smlald(i: u32, sub: bool): void { takeUndef(); }
export function smmla(i: u32): void { takeUndef(); }
export function smmls(i: u32): void { takeUndef(); }
