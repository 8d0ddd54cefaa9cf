// Guest time base. By default time derives from the instruction count (deterministic: the same run
// gives the same output): cycles = retired instructions + cycles charged on top (WFI fast-forward,
// VMM costs). Devices keep time in ticks of the board's 32768 Hz clock (sys_32k_ck).
// In wall-clock mode the host supplies the current 32 kHz tick before each slice.
import { STATE, CYCLES_EXTRA } from "../cpu/layout";
import { icount } from "../cpu/state";

export let cpuHz: u64 = 1_000_000_000;   // nominal core clock: one instruction = one cycle
export let wallMode: bool = false;
export let wallTicks: u64 = 0;
export const NEVER: u64 = 0xffff_ffff_ffff_ffff;
// Cycle count at which the next device event (timer overflow/match) is due, NEVER if none.
export let nextEventCycle: u64 = NEVER;

export function setCpuHz(hz: u64): void { cpuHz = hz == 0 ? 1 : hz; }
export function setWallMode(on: bool): void { wallMode = on; }
export function setWallTicks(t: u64): void { wallTicks = t; }

@inline export function extraCycles(): u64 { return load<u64>(STATE + CYCLES_EXTRA); }
@inline export function cycles(): u64 { return icount() + extraCycles(); }
export function addCycles(n: u64): void { store<u64>(STATE + CYCLES_EXTRA, extraCycles() + n); }

// Current time in 32 kHz ticks (no overflow for any realistic run: split multiply).
export function now32k(): u64 {
  if (wallMode) return wallTicks;
  const c = cycles();
  if (c < (<u64>1 << 49)) return (c << 15) / cpuHz; // one division while c * 32768 fits in 64 bits
  return (c / cpuHz) * 32768 + ((c % cpuHz) * 32768) / cpuHz;
}

// First cycle count at which now32k() >= t.
export function cyclesAt32k(t: u64): u64 {
  if (t == NEVER) return NEVER;
  return (t / 32768) * cpuHz + ((t % 32768) * cpuHz + 32767) / 32768;
}

// The same deadline in 32 kHz ticks (what wall-clock mode sleeps towards), NEVER if none.
export let nextEventTick: u64 = NEVER;
export function setNextEvent(tick: u64): void {
  nextEventTick = tick;
  nextEventCycle = cyclesAt32k(tick);
}

// Snapshots (snapshot.ts): the clock's configuration and next event at p (40 bytes).
export function clockSave(p: u32): void {
  store<u64>(p, cpuHz); store<u32>(p, wallMode ? 1 : 0, 8); store<u64>(p, wallTicks, 16);
  store<u64>(p, nextEventCycle, 24); store<u64>(p, nextEventTick, 32);
}
export function clockLoad(p: u32): void {
  cpuHz = load<u64>(p); wallMode = load<u32>(p, 8) != 0; wallTicks = load<u64>(p, 16);
  nextEventCycle = load<u64>(p, 24); nextEventTick = load<u64>(p, 32);
}
