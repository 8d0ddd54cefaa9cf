// Wait-for-interrupt requests (ARM ARM B1.8.13, A8.8.425 WFI): the instruction completes at once and
// the run loop then idles the core until an interrupt is pending (masked or not), fast-forwarding
// virtual time to the next device event.
import { breakSlice } from "./state";

export let wfiPending: bool = false;
export function requestWfi(): void { wfiPending = true; breakSlice(); }
export function clearWfi(): void { wfiPending = false; }
export function setWfi(v: bool): void { wfiPending = v; } // snapshot restore
// Several guests (vmm/guests.ts): a WFI whose wake-up lies ahead ends the slice (STOP_YIELD) instead of
// fast-forwarding the clock the guests share; the host's scheduler runs the others meanwhile.
export let wfiYield: bool = false;
export function setWfiYield(v: bool): void { wfiYield = v; }
