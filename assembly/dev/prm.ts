// DM3730 PRM (Power and Reset Manager), its global register block Global_Reg_PRM at 0x48307200
// (TRM, PRCM chapter): the two registers a kernel uses to reset the device and to learn why it was
// reset. Linux drives PRM_RSTCTRL through a "syscon-reboot" node (fixtures/linux/board.dts).
//   PRM_RSTCTRL 0x50  RST_DPLL3 (bit 2, the global warm reset Linux's OMAP code uses) and RST_GS
//                     (bit 1, global software reset): writing 1 to either resets the device. The
//                     core stops with STOP_RESET and the host boots the machine afresh (or ends the
//                     run: vm7 --no-reboot). The bits read 0.
//   PRM_RSTST   0x58  the reset sources since software last cleared them (write 1 to clear):
//                     GLOBAL_COLD_RST (bit 0) after power-on, GLOBAL_SW_RST (bit 1) after a reset
//                     through PRM_RSTCTRL (the host says which when it boots the machine).
// The block's other registers (voltage and clock control) read 0 and ignore writes; the rest of the
// PRM's address space is not decoded.
import { requestStop } from "../cpu/stop";
import { STOP_RESET } from "../cpu/layout";

export const PRM_GLOBAL_BASE: u32 = 0x48307200;
export const PRM_GLOBAL_SIZE: u32 = 0x100;
const RSTCTRL: u32 = 0x50, RSTST: u32 = 0x58;
const RST_GS: u32 = 1 << 1, RST_DPLL3: u32 = 1 << 2;
export const GLOBAL_COLD_RST: u32 = 1 << 0;
export const GLOBAL_SW_RST: u32 = 1 << 1;

let rstst: u32 = GLOBAL_COLD_RST;

export function prmReset(): void { rstst = GLOBAL_COLD_RST; }
/** PRM_RSTST as the host's boot left it (GLOBAL_SW_RST for the boot that follows a software reset). */
export function prmSetResetStatus(v: u32): void { rstst = v; }

export function prmRead(off: u32, size: u32): u32 {
  const w = (off & 0xfc) == RSTST ? rstst : 0;
  if (size == 4) return w;
  const sh = (off & 3) << 3;
  return (w >>> sh) & (size == 2 ? 0xffff : 0xff);
}

export function prmWrite(off: u32, size: u32, v: u32): void {
  const w = v << ((off & 3) << 3);
  if ((off & 0xfc) == RSTCTRL) { if ((w & (RST_GS | RST_DPLL3)) != 0) requestStop(STOP_RESET, 0); }
  else if ((off & 0xfc) == RSTST) rstst &= ~w;
}
