// The board's physical address space (board.md): SDRAM at RAM_PHYS, the MMIO devices (four of the DM3730's,
// PRM_RSTCTRL, vm7's power-off latch and virtio-mmio windows), and
// external aborts everywhere else. Accesses report failure through `busError` (a return code,
// never a trap); RAM accesses that can be served from a TLB host offset never reach this file.
import { RAM, RAM_PHYS } from "../cpu/layout";
import { intcRead, intcWrite, intcReset } from "../dev/intc";
import { gptRead, gptWrite, gptReset, gptUpdate, gptNextEvent } from "../dev/gptimer";
import { counterRead, counterWrite, counterReset } from "../dev/counter32k";
import { uartRead, uartWrite, uartReset } from "../dev/uart";
import { virtioRead, virtioWrite, virtioReset, VIRTIO_BASE } from "../dev/virtio_mmio";
import { prmRead, prmWrite, prmReset, PRM_GLOBAL_BASE, PRM_GLOBAL_SIZE } from "../dev/prm";
import { poweroffRead, poweroffWrite, POWEROFF_BASE } from "../dev/poweroff";
import { setNextEvent } from "./clock";
import { breakSlice } from "../cpu/state";

export const INTC_BASE: u32 = 0x48200000;
export const GPTIMER1_BASE: u32 = 0x48318000;
export const GPTIMER2_BASE: u32 = 0x49032000;
export const COUNTER32K_BASE: u32 = 0x48320000;
export const UART3_BASE: u32 = 0x49020000;

export let ramSize: u32 = 512 << 20;
export let busError: bool = false;

export function setRamSize(bytes: u32): void { ramSize = bytes; }
export function clearBusError(): void { busError = false; }

@inline export function isRam(pa: u32): bool { return pa - RAM_PHYS < ramSize; }
@inline export function ramHost(pa: u32): u32 { return RAM + (pa - RAM_PHYS); }

export function busReset(): void {
  intcReset(); gptReset(); counterReset(); uartReset(); prmReset(); virtioReset();
  devicesReschedule();
}

// Read `size` (1, 2, 4) bytes at physical address pa. Sets busError on an unmapped address.
export function busRead(pa: u32, size: u32): u32 {
  if (isRam(pa)) {
    if (pa - RAM_PHYS > ramSize - size) { busError = true; return 0; }
    const h = ramHost(pa);
    if (size == 4) return load<u32>(h);
    if (size == 2) return load<u16>(h);
    return load<u8>(h);
  }
  const page = pa & 0xfffff000, off = pa & 0xfff;
  if (page == INTC_BASE) return intcRead(off, size);
  if (page == COUNTER32K_BASE) return counterRead(off, size);
  if (page == GPTIMER1_BASE) return gptRead(0, off, size);
  if (page == GPTIMER2_BASE) return gptRead(1, off, size);
  if (page == UART3_BASE && off < 0x400) return uartRead(off, size);
  if (page == VIRTIO_BASE) return virtioRead(off, size);
  if (pa - PRM_GLOBAL_BASE < PRM_GLOBAL_SIZE) return prmRead(pa - PRM_GLOBAL_BASE, size);
  if (pa - POWEROFF_BASE < 4) return poweroffRead(off, size);
  busError = true;
  return 0;
}

export function busWrite(pa: u32, size: u32, v: u32): void {
  if (isRam(pa)) {
    if (pa - RAM_PHYS > ramSize - size) { busError = true; return; }
    const h = ramHost(pa);
    if (size == 4) store<u32>(h, v);
    else if (size == 2) store<u16>(h, <u16>v);
    else store<u8>(h, <u8>v);
    return;
  }
  const page = pa & 0xfffff000, off = pa & 0xfff;
  if (page == INTC_BASE) { intcWrite(off, size, v); return; }
  if (page == COUNTER32K_BASE) { counterWrite(off, size, v); return; }
  if (page == GPTIMER1_BASE) { gptWrite(0, off, size, v); devicesReschedule(); return; }
  if (page == GPTIMER2_BASE) { gptWrite(1, off, size, v); devicesReschedule(); return; }
  if (page == UART3_BASE && off < 0x400) { uartWrite(off, size, v); return; }
  if (page == VIRTIO_BASE) { virtioWrite(off, size, v); return; }
  if (pa - PRM_GLOBAL_BASE < PRM_GLOBAL_SIZE) { prmWrite(pa - PRM_GLOBAL_BASE, size, v); return; }
  if (pa - POWEROFF_BASE < 4) { poweroffWrite(off, size, v); return; }
  busError = true;
}

// Bring timers up to the current time (raising their interrupt lines) and compute the next
// cycle at which a device event is due. Called by the run loop when that cycle is reached.
export function devicesUpdate(): void {
  gptUpdate(0);
  gptUpdate(1);
  devicesReschedule();
}

export function devicesReschedule(): void {
  let t = gptNextEvent(0);
  const t2 = gptNextEvent(1);
  if (t2 < t) t = t2;
  setNextEvent(t);
  breakSlice();
}
