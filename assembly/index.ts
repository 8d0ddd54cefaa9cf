// The core's exported interface to the host (src/machine). Everything is plain numbers; the CPU
// state itself is read and written by the host directly at the offsets exported below.
import * as L from "./cpu/layout";
import {
  getR, setR, getCPSR, setCPSR, getBankedR, setBankedR, getSPSRof, setSPSRof, syncFromState,
  curPC, setCurPC, icount,
} from "./cpu/state";
import { coreInit, coreReset, run as coreRun, requestHostStop } from "./cpu/run";
// Exported only so that binaryen keeps these cold paths out of the run loop (see cpu/run.ts).
export { fetchRefill as _fetchRefill, decodeMiss as _decodeMiss, thumbDecodeMiss as _thumbDecodeMiss } from "./cpu/run";
import { busRead, busWrite, busError, clearBusError } from "./bus/bus";
import { setCpuHz, setWallMode, setWallTicks, now32k, cycles, nextEventCycle, nextEventTick } from "./bus/clock";
import { debugRead8, debugWrite8, debugOk, setDebugOk, translate, xlFsr } from "./mmu/mmu";
import { uartRxPush, uartRxSpace, uartRxWakes } from "./dev/uart";
import { dcacheFlushAll } from "./cpu/dcache";
import { tlbFlushAll } from "./mmu/tlb";
import { setSemihosting } from "./isa/system";

// Memory layout constants (see cpu/layout.ts)
export const LAYOUT_STATE: u32 = L.STATE;
export const LAYOUT_RAM: u32 = L.RAM;
export const LAYOUT_RAM_PHYS: u32 = L.RAM_PHYS;
export const LAYOUT_UART_TX: u32 = L.UART_TX;
export const LAYOUT_UART_TX_DATA: u32 = L.UART_TX_DATA;
export const LAYOUT_UART_TX_CAP: u32 = L.UART_TX_CAP;
export const OFF_R: u32 = L.R_BASE;
export const OFF_ICOUNT: u32 = L.ICOUNT;
export const OFF_STOP_REASON: u32 = L.STOP_REASON;
export const OFF_STOP_INFO: u32 = L.STOP_INFO;
export const OFF_CP15: u32 = L.CP15;
export const OFF_VFP_D: u32 = L.VFP_D;
export const OFF_FPSCR: u32 = L.FPSCR;
export const OFF_FPEXC: u32 = L.FPEXC;
export const STATE_SIZE: u32 = L.STATE_SIZE;
// Stop reasons and fatal codes (cpu/layout.ts): the host maps them by these names.
export const STOP_NONE: u32 = L.STOP_NONE;
export const STOP_BUDGET: u32 = L.STOP_BUDGET;
export const STOP_SEMIHOST: u32 = L.STOP_SEMIHOST;
export const STOP_UART_FULL: u32 = L.STOP_UART_FULL;
export const STOP_BKPT: u32 = L.STOP_BKPT;
export const STOP_FATAL: u32 = L.STOP_FATAL;
export const STOP_IDLE: u32 = L.STOP_IDLE;
export const STOP_HOST: u32 = L.STOP_HOST;
export const STOP_WFI_WALL: u32 = L.STOP_WFI_WALL;
export const FATAL_EXC_LOOP: u32 = L.FATAL_EXC_LOOP;
export const FATAL_BAD_MODE: u32 = L.FATAL_BAD_MODE;

/** Set up memory for `ramBytes` of guest RAM (multiple of 1 MiB) and reset. Returns 0 or an error code. */
export function init(ramBytes: u32): u32 { return coreInit(ramBytes); }
/** Power-on reset of CPU and devices (RAM contents kept). */
export function reset(): void { coreReset(); }
/** Run at most `budget` instructions; returns a STOP_* reason (also stored at OFF_STOP_REASON). */
export function run(budget: u32): u32 { return coreRun(budget); }
/** Ask a running core to stop at the next block boundary (used from hooks). */
export function stop(): void { requestHostStop(); }

export function regGet(n: u32): u32 { return n == 15 ? curPC : getR(n); }
export function regSet(n: u32, v: u32): void { if (n == 15) setCurPC(v); else setR(n, v); }
export function cpsrGet(): u32 { return getCPSR(); }
export function cpsrSet(v: u32): void { setCPSR(v); }
export function bankedGet(mode: u32, n: u32): u32 { return getBankedR(mode, n); }
export function bankedSet(mode: u32, n: u32, v: u32): void { setBankedR(mode, n, v); }
export function spsrGet(mode: u32): u32 { return getSPSRof(mode); }
export function spsrSet(mode: u32, v: u32): void { setSPSRof(mode, v); }
export function pcGet(): u32 { return curPC; }
export function pcSet(v: u32): void { setCurPC(v); }
/** Re-derive internal caches after the host wrote state memory directly (snapshot restore). */
export function stateChanged(): void { syncFromState(); tlbFlushAll(); dcacheFlushAll(); }

export function icountGet(): f64 { return <f64>icount(); }
export function cyclesGet(): f64 { return <f64>cycles(); }
export function nextEventGet(): f64 { return <f64>nextEventCycle; }
export function time32kGet(): f64 { return <f64>now32k(); }
/** 32 kHz tick of the next device event (what a wall-clock host sleeps towards); -1 if none. */
export function nextEvent32kGet(): f64 { return nextEventTick == 0xffffffffffffffff ? -1 : <f64>nextEventTick; }
export function setClock(wall: bool, cpuHz: f64): void { setWallMode(wall); setCpuHz(<u64>cpuHz); }
export function setWallTime32k(t: f64): void { setWallTicks(<u64>t); }
export function setSemihostingEnabled(on: bool): void { setSemihosting(on); }

/** Physical access (host view): returns the value; physOk() tells whether it hit something. */
export function physRead(pa: u32, size: u32): u32 { clearBusError(); return busRead(pa, size); }
export function physWrite(pa: u32, size: u32, v: u32): void { clearBusError(); busWrite(pa, size, v); }
export function physOk(): bool { const ok = !busError; clearBusError(); return ok; }

/** Virtual byte access through the current translation, without side effects on the guest. */
export function virtRead8(va: u32): u32 { setDebugOk(true); return debugRead8(va); }
export function virtWrite8(va: u32, v: u32): void { setDebugOk(true); debugWrite8(va, v); }
export function virtOk(): bool { return debugOk; }

/** Walk the translation tables as an access of `kind` (0 read, 1 write, 2 execute) at the given
 *  privilege would, without touching the TLB or the guest: returns the physical address, and
 *  mmuFaultStatus() the DFSR-format status (0 = translated). For tests and debuggers. */
export function mmuTranslate(va: u32, kind: u32, priv: bool): u32 { return translate(va, kind, priv); }
export function mmuFaultStatus(): u32 { return xlFsr; }
// CP15 registers by name: the host builds its register table from every export named CP15_*.
export const CP15_SCTLR: u32 = L.SCTLR;
export const CP15_ACTLR: u32 = L.ACTLR;
export const CP15_CPACR: u32 = L.CPACR;
export const CP15_TTBR0: u32 = L.TTBR0;
export const CP15_TTBR1: u32 = L.TTBR1;
export const CP15_TTBCR: u32 = L.TTBCR;
export const CP15_DACR: u32 = L.DACR;
export const CP15_DFSR: u32 = L.DFSR;
export const CP15_IFSR: u32 = L.IFSR;
export const CP15_DFAR: u32 = L.DFAR;
export const CP15_IFAR: u32 = L.IFAR;
export const CP15_PRRR: u32 = L.PRRR;
export const CP15_NMRR: u32 = L.NMRR;
export const CP15_CONTEXTIDR: u32 = L.CONTEXTIDR;
export const CP15_TPIDRURW: u32 = L.TPIDRURW;
export const CP15_TPIDRURO: u32 = L.TPIDRURO;
export const CP15_TPIDRPRW: u32 = L.TPIDRPRW;
export const CP15_VBAR: u32 = L.VBAR;
export const CP15_CSSELR: u32 = L.CSSELR;
export const CP15_PAR: u32 = L.PAR;
export const CP15_ADFSR: u32 = L.ADFSR;
export const CP15_AIFSR: u32 = L.AIFSR;
export const CP15_FCSEIDR: u32 = L.FCSEIDR;
export const CP15_L2AUXCR: u32 = L.L2AUXCR;
export const CP15_TEECR: u32 = L.TEECR;
export const CP15_TEEHBR: u32 = L.TEEHBR;
export const CP15_PMCR: u32 = L.PMCR;
export const CP15_PMUSERENR: u32 = L.PMUSERENR;

/** Host wrote guest RAM directly (loader): drop decoded instructions. */
export function codeChanged(): void { dcacheFlushAll(); }

export function uartRx(b: u32): bool { return uartRxPush(b); }
export function uartRxFree(): u32 { return uartRxSpace(); }
/** Console input would raise an interrupt (UART3 RX interrupt enabled and unmasked). */
export function consoleInputWakes(): bool { return uartRxWakes(); }
