// 32 kHz synchronous counter (DM3730 TRM ch. 16 "32-kHz Sync Timer"): a free-running 32-bit count
// of sys_32k_ck ticks. CR is simply the low word of the virtual clock, so it costs one now32k().
import { now32k } from "../bus/clock";
import { STATE, DEV_COUNTER } from "../cpu/layout";

// REVISION bits 31:30 (SCHEME) = 0: Linux then reads the counter at CR = 0x10, not 0x30.
const REVISION: u32 = 0x00000011;
const SYSCONFIG: u32 = STATE + DEV_COUNTER; // in the state block (cpu/layout.ts)

export function counterReset(): void { store<u32>(SYSCONFIG, 0); }

function read32(off: u32): u32 {
  if (off == 0x10) return <u32>now32k();
  if (off == 0x00) return REVISION;
  if (off == 0x04) return load<u32>(SYSCONFIG);
  return 0;
}

export function counterRead(off: u32, size: u32): u32 {
  const w = read32(off & 0xffc);
  if (size == 4) return w;
  const sh = (off & 3) << 3;
  return (w >>> sh) & (size == 2 ? 0xffff : 0xff);
}

// SYSCONFIG is the only writable register (bus.ts ignored all writes before; it now forwards them).
export function counterWrite(off: u32, size: u32, v: u32): void {
  if ((off & 0xffc) == 0x04 && size == 4) store<u32>(SYSCONFIG, v & 0x18); // IDLEMODE
}
