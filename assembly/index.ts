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
import { busRead, busWrite, busError, clearBusError, ramSize } from "./bus/bus";
import { setCpuHz, setWallMode, setWallTicks, now32k, cycles, nextEventCycle, nextEventTick, addCycles } from "./bus/clock";
import { debugRead8, debugWrite8, debugOk, setDebugOk, translate, xlFsr } from "./mmu/mmu";
import { uartRxPush, uartRxSpace, uartRxWakes } from "./dev/uart";
import { dcacheFlushAll, dcacheFlushPage, slotIndex, icVerified, icChanged } from "./cpu/dcache";
import { tlbFlushAll, TLB_SET_COUNT, TLB_N, tlbRefills } from "./mmu/tlb";
import { snapSave as coreSnapSave, snapLoad as coreSnapLoad } from "./snapshot";
import * as D from "./debug/dbg";
import { setSemihosting } from "./isa/system";
import { prmSetResetStatus, GLOBAL_SW_RST } from "./dev/prm";
import * as VS from "./vmm/stats";
import {
  vmmInit as vInit, vmmActive, vGetCPSR, vWriteCPSR, vGetBanked, vSetBanked, vGetSPSRof, vSetSPSRof, vpriv, vreg,
  setVreg, realCpacr, inPartition, vmmResync, partitionBytes, FATAL_VMM as FATAL_VMM_CODE, FATAL_PARA_CP15 as FATAL_PARA_CP15_CODE,
} from "./vmm/vcpu";
import { gwalk, gFsr, gW, shadowFlushAll, shadowHostWrite8, shadowHostWrote, shadowGauge, G_COUNT, gHost, pbase } from "./vmm/shadow";
import * as SG from "./vmm/shadow";
import * as G from "./vmm/guests";
import { V_MODE } from "./vmm/layout";
import * as HC from "./vmm/hypercall";

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
export const OFF_DEV: u32 = L.DEV;
export const OFF_DEV_END: u32 = L.DEV_END;
export const OFF_SAVED: u32 = L.SAVED;
export const LAYOUT_VMM: u32 = L.VMM;
export const LAYOUT_VMM_BYTES: u32 = L.UART_TX - L.VMM;
export const LAYOUT_TLB: u32 = L.TLB;
export const LAYOUT_TLB_SETS: u32 = TLB_SET_COUNT; // sets of LAYOUT_TLB_ENTRIES entries of 8 bytes each
export const LAYOUT_TLB_ENTRIES: u32 = TLB_N; // entries per set (a 4 KiB virtual page each)
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
export const STOP_VIRTIO: u32 = L.STOP_VIRTIO;
export const STOP_POWEROFF: u32 = L.STOP_POWEROFF;
export const STOP_RESET: u32 = L.STOP_RESET;
export const STOP_DEBUG: u32 = L.STOP_DEBUG;
export const FATAL_EXC_LOOP: u32 = L.FATAL_EXC_LOOP;
export const FATAL_BAD_MODE: u32 = L.FATAL_BAD_MODE;
export const FATAL_VMM: u32 = FATAL_VMM_CODE;
export const FATAL_PARA_CP15: u32 = FATAL_PARA_CP15_CODE;

/** Set up memory for `ramBytes` of guest RAM (multiple of 1 MiB) and reset. Returns 0 or an error code. */
export function init(ramBytes: u32): u32 { return coreInit(ramBytes); }
/** Power-on reset of CPU and devices (RAM contents kept). */
export function reset(): void { coreReset(); }
/** This boot follows a software reset of the machine (PRM_RSTST reads GLOBAL_SW_RST, not GLOBAL_COLD_RST). */
export function setSoftwareResetBoot(): void { prmSetResetStatus(GLOBAL_SW_RST); }
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
export function stateChanged(): void { syncFromState(); tlbFlushAll(); dcacheFlushAll(); vmmResync(); }

/** Snapshots (snapshot.ts): before the host copies the state block, VMM block, TLB and RAM, and
 *  after it wrote them back. */
export function snapSave(): void { coreSnapSave(); }
export function snapLoad(): void { coreSnapLoad(); }

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
export function physWrite(pa: u32, size: u32, v: u32): void {
  clearBusError();
  // Into a VMM guest's RAM: byte by byte (little-endian, as the bus stores) through the page-table
  // write tracking, like every host write into guest RAM.
  if (vmmActive && inPartition(pa) && inPartition(pa + size - 1)) {
    for (let k: u32 = 0; k < size; k++) shadowHostWrite8(pa + k, (v >>> (k << 3)) & 0xff);
    return;
  }
  busWrite(pa, size, v);
}
export function physOk(): bool { const ok = !busError; clearBusError(); return ok; }

/** Virtual byte access through the current translation, without side effects on the guest. */
export function virtRead8(va: u32): u32 {
  setDebugOk(true);
  if (!vmmActive) return debugRead8(va);
  const pa = vmmGuestPA(va, false);
  if (pa == 0) { setDebugOk(false); return 0; }
  return <u32>load<u8>(gHost(pa));
}
export function virtWrite8(va: u32, v: u32): void {
  setDebugOk(true);
  if (!vmmActive) { debugWrite8(va, v); return; }
  const pa = vmmGuestPA(va, true);
  if (pa == 0) { setDebugOk(false); return; }
  shadowHostWrite8(pa, v);
  dcacheFlushAll();
}
// A deprivileged guest's virtual address as the guest sees it (its own tables, its privilege),
// confined to its RAM partition; 0 if it does not translate there.
function vmmGuestPA(va: u32, write: bool): u32 {
  const pa = gwalk(va, write ? 1 : 0, vpriv);
  if (gFsr != 0 || !inPartition(pa)) return 0;
  return pa;
}
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
/** Host copied bytes into guest RAM at [pa, pa + len) (loader, a virtio device's DMA): drop decoded
 *  instructions (page by page for small writes), and in full mode every shadow page table if the range
 *  holds a write-tracked guest table. */
export function ramWritten(pa: u32, len: u32): void {
  if (len == 0) return;
  if (len > 0x10000) dcacheFlushAll();
  else for (let p = pa & 0xfffff000; p < pa + len; p += 0x1000) dcacheFlushPage(p);   // RAM ends below 0xC0000000
  if (vmmActive) shadowHostWrote(pa - pbase, len); // the loaders write the current guest's partition
}

// --- virtio-mmio transport (dev/virtio_mmio.ts): the back ends live in the host (src/virtio) ----
export {
  virtioSetup, virtioConfigSet, virtioQueueGet, virtioLastAvailSet, virtioStatus, virtioDriverFeatures,
  virtioTakePending, virtioUsed, virtioNeedsReset,
} from "./dev/virtio_mmio";
import * as VIO from "./dev/virtio_mmio";
export const VIRTIO_BASE: u32 = VIO.VIRTIO_BASE;
export const VIRTIO_SLOTS: u32 = VIO.VIRTIO_SLOTS;
export const VIRTIO_STRIDE: u32 = VIO.VIRTIO_STRIDE;
export const VIRTIO_IRQ0: u32 = VIO.VIRTIO_IRQ0;

export function uartRx(b: u32): bool { return uartRxPush(b); }
export function uartRxFree(): u32 { return uartRxSpace(); }
/** Console input would raise an interrupt (UART3 RX interrupt enabled and unmasked). */
export function consoleInputWakes(): bool { return uartRxWakes(); }

// --- VMM (assembly/vmm): modes, virtual CPU as the guest sees it, counters, cost model ----------
export const VMM_MODE_NATIVE: u32 = 0;
export const VMM_MODE_FULL: u32 = 1;
export const VMM_MODE_PARA: u32 = 2;
/** Run the guest deprivileged under the VMM (mode 1 full, 2 para), taking the current CPU state
 *  as the guest's. Call after init, before loading. Returns 0, or 1 if RAM is too small. */
export function vmmInit(mode: u32): u32 { return vInit(mode, ramSize); }
export function vmmMode(): u32 { return load<u32>(V_MODE); }
/** RAM the guest owns, from RAM_PHYS up: all of it natively, below the VMM's reservation in full
 *  and para mode (docs/vmm.md, Memory partition). */
export function guestRamBytes(): u32 { return vmmActive ? partitionBytes() : ramSize; }
export function vmmStat(i: u32): f64 { return <f64>VS.statGet(i); }
/** Software-TLB entries made since the machine started (refills after misses, mmu/tlb.ts). */
export function tlbRefillCount(): f64 { return <f64>tlbRefills; }
/** What the shadow paging holds now (vmm/shadow.ts G_*: contexts, shadow L2 tables, tracked
 *  frames); 0 in native mode. */
export function vmmGauge(i: u32): u32 { return load<u32>(V_MODE) == 0 || i >= G_COUNT ? 0 : shadowGauge(i); }
export function vmmCostGet(i: u32): u32 { return VS.costGet(i); }
export function vmmCostSet(i: u32, v: u32): void { VS.costSet(i, v); }
/** The guest's (virtual) CPSR, banked registers, SPSRs and CP15 registers (by CP15 offset). */
export function vmmCpsrGet(): u32 { return vGetCPSR(); }
export function vmmCpsrSet(v: u32): void { vWriteCPSR(v); }
export function vmmBankedGet(mode: u32, n: u32): u32 { return vGetBanked(mode, n); }
export function vmmBankedSet(mode: u32, n: u32, v: u32): void { vSetBanked(mode, n, v); }
export function vmmSpsrGet(mode: u32): u32 { return vGetSPSRof(mode); }
export function vmmSpsrSet(mode: u32, v: u32): void { vSetSPSRof(mode, v); }
// TPIDRURW: the guest writes the real register untrapped (vmm/trap.ts userTpidrurwWrite): read it there.
export function vmmCp15Get(off: u32): u32 { return off == L.TPIDRURW ? load<u32>(L.STATE + off) : vreg(off); }
/** The guest's own translation of va (its tables, the VMM's walk), for debuggers: the guest-physical
 *  address, and vmmGuestFault() its DFSR-format status (0 = translated). */
export function vmmGuestTranslate(va: u32, kind: u32, priv: bool): u32 { return gwalk(va, kind, priv); }
export function vmmGuestFault(): u32 { return gFsr; }
export function vmmCp15Set(off: u32, v: u32): void {
  setVreg(off, v);
  // User code reads the thread ID registers without trapping: the real ones hold the guest's values.
  if (off == L.TPIDRURW || off == L.TPIDRURO) store<u32>(L.STATE + off, v);
  store<u32>(L.STATE + L.SCTLR, (load<u32>(L.STATE + L.SCTLR) & ~2) | (vreg(L.SCTLR) & 2) | 1);
  realCpacr();
  shadowFlushAll();
}
export const VMM_GAUGE_CTX_VALID: u32 = SG.G_CTX_VALID;
export const VMM_GAUGE_CTX_POPULATED: u32 = SG.G_CTX_POPULATED;
export const VMM_GAUGE_L2_IN_USE: u32 = SG.G_L2_IN_USE;
export const VMM_GAUGE_L2_LINKED: u32 = SG.G_L2_LINKED;
export const VMM_GAUGE_TRACKED: u32 = SG.G_TRACKED;
export const VMM_GAUGE_PT_WINDOWS: u32 = SG.G_PT_WINDOWS;
export const VMM_HC_COUNT: u32 = HC.HC_COUNT;
export const VMM_STAT_HC_BASE: u32 = VS.S_HC_BASE;
export const VMM_STAT_HC_HI_BASE: u32 = VS.S_HC_HI_BASE;
export const VMM_STAT_TRAPS: u32 = VS.S_TRAPS;
export const VMM_STAT_TRAP_MRS: u32 = VS.S_TRAP_MRS;
export const VMM_STAT_TRAP_MSR: u32 = VS.S_TRAP_MSR;
export const VMM_STAT_TRAP_CPS: u32 = VS.S_TRAP_CPS;
export const VMM_STAT_TRAP_SRS: u32 = VS.S_TRAP_SRS;
export const VMM_STAT_TRAP_RFE: u32 = VS.S_TRAP_RFE;
export const VMM_STAT_TRAP_LDM_USER: u32 = VS.S_TRAP_LDM_USER;
export const VMM_STAT_TRAP_STM_USER: u32 = VS.S_TRAP_STM_USER;
export const VMM_STAT_TRAP_ERET: u32 = VS.S_TRAP_ERET;
export const VMM_STAT_TRAP_MCR: u32 = VS.S_TRAP_MCR;
export const VMM_STAT_TRAP_MRC: u32 = VS.S_TRAP_MRC;
export const VMM_STAT_TRAP_VFP: u32 = VS.S_TRAP_VFP;
export const VMM_STAT_TRAP_WFI: u32 = VS.S_TRAP_WFI;
export const VMM_STAT_EXC_SVC: u32 = VS.S_EXC_SVC;
export const VMM_STAT_EXC_UNDEF: u32 = VS.S_EXC_UNDEF;
export const VMM_STAT_EXC_PABT: u32 = VS.S_EXC_PABT;
export const VMM_STAT_EXC_DABT: u32 = VS.S_EXC_DABT;
export const VMM_STAT_EXC_IRQ: u32 = VS.S_EXC_IRQ;
export const VMM_STAT_EXC_FIQ: u32 = VS.S_EXC_FIQ;
export const VMM_STAT_SHADOW_FAULTS: u32 = VS.S_SHADOW_FAULTS;
export const VMM_STAT_SHADOW_FILLS: u32 = VS.S_SHADOW_FILLS;
export const VMM_STAT_SHADOW_FLUSHES: u32 = VS.S_SHADOW_FLUSHES;
export const VMM_STAT_SHADOW_REUSES: u32 = VS.S_SHADOW_REUSES;
export const VMM_STAT_SHADOW_PAGE_INVALS: u32 = VS.S_SHADOW_PAGE_INVALS;
export const VMM_STAT_PT_WRITE_FAULTS: u32 = VS.S_PT_WRITE_FAULTS;
export const VMM_STAT_VIRQ_INJECTED: u32 = VS.S_VIRQ_INJECTED;
export const VMM_STAT_WORLD_SWITCHES: u32 = VS.S_WORLD_SWITCHES;
export const VMM_STAT_HYPERCALLS: u32 = VS.S_HYPERCALLS;
export const VMM_STAT_HC_ERRORS: u32 = VS.S_HC_ERRORS;
export const VMM_STAT_VMM_CYCLES: u32 = VS.S_VMM_CYCLES;
export const VMM_STAT_TRAP_LDST_USER: u32 = VS.S_TRAP_LDST_USER;
export const VMM_STAT_SHADOW_TABLE_COPIES: u32 = VS.S_SHADOW_TABLE_COPIES;
export const VMM_STAT_ASID_ALLOCS: u32 = VS.S_ASID_ALLOCS;
export const VMM_STAT_ASID_ROLLOVERS: u32 = VS.S_ASID_ROLLOVERS;
export const VMM_STAT_SHADOW_PREFILLS: u32 = VS.S_SHADOW_PREFILLS;
export const VMM_COST_TRAP: u32 = VS.C_TRAP;
export const VMM_COST_EMULATE: u32 = VS.C_EMULATE;
export const VMM_COST_FILL: u32 = VS.C_FILL;
export const VMM_COST_HYPERCALL: u32 = VS.C_HYPERCALL;
export const VMM_COST_WORLD_SWITCH: u32 = VS.C_WORLD_SWITCH;
export const VMM_COST_VIRQ: u32 = VS.C_VIRQ;
export const VMM_COST_REFLECT: u32 = VS.C_REFLECT;
export const VMM_COST_FLUSH: u32 = VS.C_FLUSH;
export const VMM_COST_PTWRITE: u32 = VS.C_PTWRITE;
export const VMM_COST_GUEST_SWITCH: u32 = VS.C_GUEST_SWITCH;
export const VMM_COST_ASID_ROLLOVER: u32 = VS.C_ASID_ROLLOVER;
export const VMM_COST_PREFILL: u32 = VS.C_PREFILL;
export const VMM_HC_VERSION: u32 = HC.HC_VERSION;
export const VMM_HC_EXC_RETURN: u32 = HC.HC_EXC_RETURN;
export const VMM_HC_EXC_ENTER: u32 = HC.HC_EXC_ENTER;
export const VMM_HC_SET_VBAR: u32 = HC.HC_SET_VBAR;
export const VMM_HC_SET_TTBRS: u32 = HC.HC_SET_TTBRS;
export const VMM_HC_SET_DACR: u32 = HC.HC_SET_DACR;
export const VMM_HC_SET_SCTLR: u32 = HC.HC_SET_SCTLR;
export const VMM_HC_SWITCH_MM: u32 = HC.HC_SWITCH_MM;
export const VMM_HC_TLB_FLUSH_ALL: u32 = HC.HC_TLB_FLUSH_ALL;
export const VMM_HC_TLB_FLUSH_ASID: u32 = HC.HC_TLB_FLUSH_ASID;
export const VMM_HC_TLB_FLUSH_PAGE: u32 = HC.HC_TLB_FLUSH_PAGE;
export const VMM_HC_ICACHE_SYNC: u32 = HC.HC_ICACHE_SYNC;
export const VMM_HC_SHARED_PAGE: u32 = HC.HC_SHARED_PAGE;
export const VMM_HC_IRQ_CHECK: u32 = HC.HC_IRQ_CHECK;
export const VMM_HC_IDLE: u32 = HC.HC_IDLE;
export const VMM_HC_SET_MODE_SP: u32 = HC.HC_SET_MODE_SP;
export const VMM_HC_PT_UPDATE: u32 = HC.HC_PT_UPDATE;
export const VMM_HC_CONSOLE_WRITE: u32 = HC.HC_CONSOLE_WRITE;
export const VMM_HC_TIME: u32 = HC.HC_TIME;
export const VMM_HC_GET_REG: u32 = HC.HC_GET_REG;
export const VMM_HC_GUEST_INFO: u32 = HC.HC_GUEST_INFO;
export const VMM_HC_YIELD: u32 = HC.HC_YIELD;
export const VMM_HC_EVTCHN_BIND: u32 = HC.HC_EVTCHN_BIND;
export const VMM_HC_EVTCHN_SEND: u32 = HC.HC_EVTCHN_SEND;
export const VMM_HC_EVTCHN_PENDING: u32 = HC.HC_EVTCHN_PENDING;
export const VMM_HC_GRANT: u32 = HC.HC_GRANT;
export const VMM_HC_GRANT_REVOKE: u32 = HC.HC_GRANT_REVOKE;
export const VMM_HC_GRANT_COPY: u32 = HC.HC_GRANT_COPY;
export const VMM_HC_RET_USER: u32 = HC.HC_RET_USER;
export const VMM_HC_ENTER_SVC: u32 = HC.HC_ENTER_SVC;
export const VMM_HC_RET_KERNEL: u32 = HC.HC_RET_KERNEL;
export const VMM_HC_TLB_FLUSH_RANGE: u32 = HC.HC_TLB_FLUSH_RANGE;
export const VMM_HC_SET_REG: u32 = HC.HC_SET_REG;

// --- several guests (vmm/guests.ts, docs/guests.md): the host's scheduler drives these ---------
export const GUESTS_MAX: u32 = G.GUESTS_MAX;
export const STOP_YIELD: u32 = L.STOP_YIELD;
/** Split RAM into n guests of `mode` (instead of vmmInit). 0, 1 partitions too small, 2 bad count. */
export function guestsInit(mode: u32, n: u32): u32 { return G.guestsInit(mode, n, ramSize); }
/** The same with a mode per guest: 2 bits each, guest k's at bits 2k+1:2k (VMM_MODE_FULL or VMM_MODE_PARA). */
export function guestsInitModes(n: u32, modes: u32): u32 { return G.guestsInit(0, n, ramSize, modes); }
export function guestSwitch(k: u32): void { G.guestSwitch(k); }
export function guestCurrent(): u32 { return G.guestCur; }
export function guestCountGet(): u32 { return G.guestCount; }
/** Machine address of guest k's guest-physical RAM_PHYS. */
export function guestPartBase(k: u32): u32 { return G.partOf(k); }
export function guestKick(k: u32): void { G.guestKick(k); }
/** Cycle at which guest k wakes from an idle wait: 0 runnable now, -1 never (only an event channel). */
export function guestWake(k: u32): f64 { const w = G.guestWake(k); return w == 0xffffffffffffffff ? -1 : <f64>w; }
/** Fast-forward the shared clock to `cycle` (every guest idle: nothing runs until then). */
export function guestsIdleUntil(cycle: f64): void { const c = <u64>cycle, now = cycles(); if (c > now) addCycles(c - now); }

// --- debugger (debug/dbg.ts): tables at LAYOUT_DBG written by the host, then dbgUpdate() ---------
export const LAYOUT_DBG: u32 = L.DBG;
export const DBG_CTRL: u32 = D.DBG_CTRL;
export const DBG_CODE_N: u32 = D.DBG_CODE_N;
export const DBG_WATCH_N: u32 = D.DBG_WATCH_N;
export const DBG_STEP_IC: u32 = D.DBG_STEP_IC;
export const DBG_STEP_PC: u32 = D.DBG_STEP_PC;
export const DBG_SKIP_IC: u32 = D.DBG_SKIP_IC;
export const DBG_SKIP_PC: u32 = D.DBG_SKIP_PC;
export const DBG_HIT_PC: u32 = D.DBG_HIT_PC;
export const DBG_HIT_ADDR: u32 = D.DBG_HIT_ADDR;
export const DBG_HIT_SIZE: u32 = D.DBG_HIT_SIZE;
export const DBG_HIT_WRITE: u32 = D.DBG_HIT_WRITE;
export const DBG_HIT_INDEX: u32 = D.DBG_HIT_INDEX;
export const DBG_LOG_N: u32 = D.DBG_LOG_N;
export const DBG_LOG_LOST: u32 = D.DBG_LOG_LOST;
export const DBG_CODE: u32 = D.DBG_CODE;
export const DBG_CODE_MAX: u32 = D.DBG_CODE_MAX;
export const DBG_WATCH: u32 = D.DBG_WATCH;
export const DBG_WATCH_MAX: u32 = D.DBG_WATCH_MAX;
export const DBG_LOG: u32 = D.DBG_LOG;
export const DBG_LOG_MAX: u32 = D.DBG_LOG_MAX;
export const DBGF_EXC: u32 = D.DBGF_EXC;
export const DBGF_TRAP: u32 = D.DBGF_TRAP;
export const DBGF_STEP: u32 = D.DBGF_STEP;
export const DBG_W_READ: u32 = D.W_READ;
export const DBG_W_WRITE: u32 = D.W_WRITE;
export const DBG_W_PHYS: u32 = D.W_PHYS;
export const DBG_W_STOP: u32 = D.W_STOP;
export const DBG_STOP_CODE: u32 = D.DBG_STOP_CODE;
export const DBG_STOP_WATCH: u32 = D.DBG_STOP_WATCH;
export const DBG_STOP_STEP: u32 = D.DBG_STOP_STEP;
export const DBG_STOP_EVENTS: u32 = D.DBG_STOP_EVENTS;
export const DBG_EV_READ: u32 = D.EV_READ;
export const DBG_EV_WRITE: u32 = D.EV_WRITE;
export const DBG_EV_EXC: u32 = D.EV_EXC;
export const DBG_EV_TRAP: u32 = D.EV_TRAP;
export function dbgUpdate(watchChanged: bool): void { D.dbgUpdate(watchChanged); }

// --- The JIT tier (cpu/jit.ts, docs/jit.md): engine selection, counters, and the interface the
// host translator (src/jit/) builds compiled code against: the execution globals compiled code
// reads and writes, the slow paths and interpreter rows it calls, and the decode cache it reads.
import * as J from "./cpu/jit";
import { IT_MASK as IT_MASK_ } from "./cpu/psr";
export const ENGINE_INTERP: u32 = J.ENGINE_INTERP;
export const ENGINE_JIT: u32 = J.ENGINE_JIT;
export const JIT_STAT_COUNT: u32 = J.JIT_STAT_COUNT;
export const LAYOUT_DCACHE: u32 = L.DCACHE;
export const OFF_NF: u32 = L.NF;
export const OFF_ZF: u32 = L.ZF;
export const OFF_CF: u32 = L.CF;
export const OFF_VF: u32 = L.VF;
export const OFF_CPSR_REST: u32 = L.CPSR_REST;
export const LAYOUT_JIT_GEN: u32 = L.JIT_GEN;   // u32 per decode slot: its compiled code's generation (cpu/jit.ts)
export const PSR_IT_MASK: u32 = IT_MASK_;        // ITSTATE's bits in OFF_CPSR_REST (compiled Thumb code tests them)
/** Address of the u64 counter JIT_STAT_<i> (compiled code counts its own chain hops). */
export function jitStatAddr(i: u32): u32 { return J.jitStatAddr(i); }
export function engineSet(e: u32, threshold: u32): void { J.engineSet(e, threshold); }
export function engineGet(): u32 { return J.engine; }
export function jitStat(i: u32): f64 { return <f64>J.jitStat(i); }
/** Decode-cache slots checked after instruction-cache maintenance (cpu/dcache.ts): 0 kept (page
 *  unchanged), 1 dropped (changed behind the CPU's back). */
export function icacheStat(i: u32): u32 { return i == 0 ? icVerified : i == 1 ? icChanged : 0; }
export function jitFlush(): void { J.jitFlush(); }
// The translator keys a block's in-page successors as cpu/jit.ts keyOf does (slot index, offset, ISA).
export function jitSlotIndex(slot: u32): u32 { return slotIndex(slot); }
export { codeHit as jitCodeHit } from "./cpu/jit";
export { jitDecode, jitA32, jitThumb, jitAccessSlow } from "./cpu/run";
export { nextPC as jitNextPC, loopEvent as jitLoopEvent } from "./cpu/state";
export { tlbR as jitTlbR, tlbW as jitTlbW, tlbCW as jitTlbCW, bigData as jitBigData } from "./mmu/tlb";
export const LAYOUT_PAGEMAP: u32 = L.PAGEMAP;   // RAM page -> decode slot + 1 (cpu/dcache.ts)
export const LAYOUT_DEC: u32 = L.DEC;           // per decode slot 32 bytes: its decoded 16-byte granules
export { jitInstall, jitChain } from "./cpu/jit";
