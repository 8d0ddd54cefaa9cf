// vm7's power-off latch: one write-only register that switches the board off. The DM3730 cannot
// do this itself; the real BeagleBoard-xM powers off through its TPS65950 power-management chip
// (P1_SW_EVENTS.DEVOFF, over I2C), a bus and a chip away. vm7 gives the board this latch instead, on
// the GPMC's external address space where board-level devices live, and names its bit after the
// PMIC's. Linux drives it through a "syscon-poweroff" node (fixtures/linux/board.dts).
//   VM7_POWEROFF 0x0  DEVOFF (bit 0): writing 1 powers the board off; the core stops with
//                     STOP_POWEROFF and the host ends the run. Reads 0.
import { requestStop } from "../cpu/stop";
import { STOP_POWEROFF } from "../cpu/layout";

export const POWEROFF_BASE: u32 = 0x3f000000;
const DEVOFF: u32 = 1 << 0;

export function poweroffRead(off: u32, size: u32): u32 { return 0; }

export function poweroffWrite(off: u32, size: u32, v: u32): void {
  if ((off & 0xffc) == 0 && ((v << ((off & 3) << 3)) & DEVOFF) != 0) requestStop(STOP_POWEROFF, 0);
}
