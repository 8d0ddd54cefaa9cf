// Loads the WebAssembly core (build/vm7-core.wasm, built from assembly/ by `npm run build:core`)
// and gives it a typed face. The module is compiled once per process and instantiated per machine.
// Where the module comes from depends on the host: Node reads the file (host.ts), a browser page
// compiles it from a fetch and hands it over with setCoreModule (host-browser.ts says so otherwise).
import { defaultCoreModule } from "./host.js";

/** The core's exports (assembly/index.ts). u32 results arrive as signed numbers: use `>>> 0`. */
export interface CoreExports {
  memory: WebAssembly.Memory;
  init(ramBytes: number): number;
  reset(): void;
  setSoftwareResetBoot(): void;
  run(budget: number): number;
  stop(): void;
  regGet(n: number): number;
  regSet(n: number, v: number): void;
  cpsrGet(): number;
  cpsrSet(v: number): void;
  bankedGet(mode: number, n: number): number;
  bankedSet(mode: number, n: number, v: number): void;
  spsrGet(mode: number): number;
  spsrSet(mode: number, v: number): void;
  pcGet(): number;
  pcSet(v: number): void;
  stateChanged(): void;
  icountGet(): number;
  cyclesGet(): number;
  time32kGet(): number;
  nextEvent32kGet(): number;
  setClock(wall: number, cpuHz: number): void;
  setWallTime32k(t: number): void;
  setSemihostingEnabled(on: number): void;
  physRead(pa: number, size: number): number;
  physWrite(pa: number, size: number, v: number): void;
  physOk(): number;
  virtRead8(va: number): number;
  virtWrite8(va: number, v: number): void;
  virtOk(): number;
  mmuTranslate(va: number, kind: number, priv: number): number;
  mmuFaultStatus(): number;
  codeChanged(): void;
  icacheStat(i: number): number;
  ramWritten(pa: number, len: number): void;
  virtioSetup(slot: number, deviceId: number, nQueues: number, qMax: number, featLo: number, featHi: number): number;
  virtioConfigSet(slot: number, off: number, b: number): void;
  virtioQueueGet(slot: number, q: number, field: number): number;
  virtioLastAvailSet(slot: number, q: number, v: number): void;
  virtioStatus(slot: number): number;
  virtioDriverFeatures(slot: number, hi: number): number;
  virtioTakePending(): number;
  virtioUsed(slot: number): void;
  virtioNeedsReset(slot: number): void;
  uartRx(b: number): number;
  uartRxFree(): number;
  consoleInputWakes(): number;
  vmmInit(mode: number): number;
  guestsInit(mode: number, n: number): number;
  guestsInitModes(n: number, modes: number): number;
  guestSwitch(k: number): void;
  guestCurrent(): number;
  guestCountGet(): number;
  guestPartBase(k: number): number;
  guestKick(k: number): void;
  guestWake(k: number): number;
  guestsIdleUntil(cycle: number): void;
  vmmMode(): number;
  guestRamBytes(): number;
  vmmStat(i: number): number;
  vmmGauge(i: number): number;
  tlbRefillCount(): number;
  vmmCostGet(i: number): number;
  vmmCostSet(i: number, v: number): void;
  vmmCpsrGet(): number;
  vmmCpsrSet(v: number): void;
  vmmBankedGet(mode: number, n: number): number;
  vmmBankedSet(mode: number, n: number, v: number): void;
  vmmSpsrGet(mode: number): number;
  vmmSpsrSet(mode: number, v: number): void;
  vmmCp15Get(off: number): number;
  vmmCp15Set(off: number, v: number): void;
  vmmGuestTranslate(va: number, kind: number, priv: number): number;
  vmmGuestFault(): number;
  snapSave(): void;
  snapLoad(): void;
  dbgUpdate(watchChanged: number): void;
}

/** Constants exported by the core (layout offsets, stop reasons, CP15 register offsets). */
export interface CoreConstants {
  LAYOUT_STATE: number;
  LAYOUT_RAM: number;
  LAYOUT_RAM_PHYS: number;
  LAYOUT_UART_TX: number;
  LAYOUT_UART_TX_DATA: number;
  LAYOUT_UART_TX_CAP: number;
  OFF_R: number;
  OFF_ICOUNT: number;
  OFF_STOP_REASON: number;
  OFF_STOP_INFO: number;
  OFF_VFP_D: number;
  OFF_FPSCR: number;
  OFF_FPEXC: number;
  STATE_SIZE: number;
  OFF_DEV: number;
  OFF_DEV_END: number;
  OFF_SAVED: number;
  LAYOUT_VMM: number;
  LAYOUT_VMM_BYTES: number;
  LAYOUT_TLB: number;
  LAYOUT_TLB_SETS: number;
  LAYOUT_TLB_ENTRIES: number;
  STOP_NONE: number;
  STOP_BUDGET: number;
  STOP_SEMIHOST: number;
  STOP_UART_FULL: number;
  STOP_BKPT: number;
  STOP_FATAL: number;
  STOP_IDLE: number;
  STOP_HOST: number;
  STOP_WFI_WALL: number;
  STOP_POWEROFF: number;
  STOP_RESET: number;
  STOP_DEBUG: number;
  STOP_VIRTIO: number;
  STOP_YIELD: number;
  GUESTS_MAX: number;
  VIRTIO_BASE: number;
  VIRTIO_SLOTS: number;
  VIRTIO_STRIDE: number;
  VIRTIO_IRQ0: number;
  FATAL_EXC_LOOP: number;
  FATAL_BAD_MODE: number;
  FATAL_VMM: number;
  FATAL_PARA_CP15: number;
  /** CP15 register name -> offset from LAYOUT_STATE (every export named CP15_*). */
  cp15: Record<string, number>;
  /** VMM counter name (snake_case) -> index for vmmStat (every export named VMM_STAT_*). */
  vmmStats: Record<string, number>;
  /** VMM cost name (snake_case) -> index for vmmCostGet/Set (every export named VMM_COST_*). */
  vmmCosts: Record<string, number>;
  /** VMM gauge name (snake_case) -> index for vmmGauge (every export named VMM_GAUGE_*). */
  vmmGauges: Record<string, number>;
  /** Hypercall name (snake_case) -> number (every export named VMM_HC_*). */
  vmmHypercalls: Record<string, number>;
  VMM_STAT_HC_BASE: number;
  /** Counters of hypercalls 32 and up (assembly/vmm/stats.ts S_HC_HI_BASE): see hcStatIndex. */
  VMM_STAT_HC_HI_BASE: number;
  VMM_MODE_NATIVE: number;
  VMM_MODE_FULL: number;
  VMM_MODE_PARA: number;
  VMM_HC_COUNT: number;
  /** The debugger's area (assembly/debug/dbg.ts) and its offsets, flags and codes. */
  LAYOUT_DBG: number;
  DBG_CTRL: number; DBG_CODE_N: number; DBG_WATCH_N: number; DBG_STEP_IC: number; DBG_STEP_PC: number;
  DBG_SKIP_IC: number; DBG_SKIP_PC: number; DBG_HIT_PC: number; DBG_HIT_ADDR: number; DBG_HIT_SIZE: number;
  DBG_HIT_WRITE: number; DBG_HIT_INDEX: number; DBG_LOG_N: number; DBG_LOG_LOST: number;
  DBG_CODE: number; DBG_CODE_MAX: number; DBG_WATCH: number; DBG_WATCH_MAX: number; DBG_LOG: number; DBG_LOG_MAX: number;
  DBGF_EXC: number; DBGF_TRAP: number; DBGF_STEP: number;
  DBG_W_READ: number; DBG_W_WRITE: number; DBG_W_PHYS: number; DBG_W_STOP: number;
  DBG_STOP_CODE: number; DBG_STOP_WATCH: number; DBG_STOP_STEP: number; DBG_STOP_EVENTS: number;
  DBG_EV_READ: number; DBG_EV_WRITE: number; DBG_EV_EXC: number; DBG_EV_TRAP: number;
}

/** What the core asks of the host while it runs (the JIT engine sets these: src/jit/jit.ts). */
export interface CoreHooks {
  /** Compile the hot block at pc of a decode slot: table index | instructions << 20, or 0. */
  compile(slot: number, pc: number, thumb: number): number;
  /** A compiled block's table index is no longer referred to by the core. */
  release(fn: number): void;
  /** Compile the queued blocks now (queued blocks keep being entered). */
  compileQueue(): void;
}

export interface Core {
  x: CoreExports;
  k: CoreConstants;
  hooks: CoreHooks;
}

let compiled: WebAssembly.Module | undefined;

/** Use this compiled core for every machine created from now on (a browser page compiles it itself). */
export function setCoreModule(mod: WebAssembly.Module): void { compiled = mod; }

export function loadCore(): Core {
  compiled ??= defaultCoreModule();
  return instantiateCore(compiled);
}

/** An instance of the core with its constants read from the exported globals. */
export function instantiateCore(mod: WebAssembly.Module): Core {
  const hooks: CoreHooks = { compile: () => 0, release: () => {}, compileQueue: () => {} };
  const inst = new WebAssembly.Instance(mod, {
    vm7: {
      jitCompile: (slot: number, pc: number, thumb: number) => hooks.compile(slot, pc, thumb),
      jitRelease: (fn: number) => hooks.release(fn),
      jitCompileQueue: () => hooks.compileQueue(),
    },
  });
  const ex = inst.exports as Record<string, unknown>;
  // asconfig.json sets exportStart: the module's globals are initialised by calling _start.
  (ex._start as () => void)();
  const k: Record<string, unknown> = { cp15: {} as Record<string, number>, vmmStats: {}, vmmCosts: {}, vmmHypercalls: {}, vmmGauges: {} };
  for (const [name, v] of Object.entries(ex)) {
    if (!(v instanceof WebAssembly.Global)) continue;
    const val = (v.value as number) >>> 0;
    if (name.startsWith("CP15_")) (k.cp15 as Record<string, number>)[name.slice(5)] = val;
    else if (name.startsWith("VMM_STAT_") && name !== "VMM_STAT_HC_BASE" && name !== "VMM_STAT_HC_HI_BASE") (k.vmmStats as Record<string, number>)[name.slice(9).toLowerCase()] = val;
    else if (name.startsWith("VMM_HC_") && name !== "VMM_HC_COUNT") (k.vmmHypercalls as Record<string, number>)[name.slice(7).toLowerCase()] = val;
    else if (name.startsWith("VMM_GAUGE_")) (k.vmmGauges as Record<string, number>)[name.slice(10).toLowerCase()] = val;
    else if (name.startsWith("VMM_COST_")) (k.vmmCosts as Record<string, number>)[name.slice(9).toLowerCase()] = val;
    else k[name] = val;
  }
  return { x: ex as unknown as CoreExports, k: k as unknown as CoreConstants, hooks };
}

/** The VMM counter index of hypercall number n: calls 0-31 at VMM_STAT_HC_BASE + n, calls 32 and up
 *  at VMM_STAT_HC_HI_BASE + n - 32 (assembly/vmm/stats.ts). */
export function hcStatIndex(k: { VMM_STAT_HC_BASE: number; VMM_STAT_HC_HI_BASE: number }, n: number): number {
  return n < 32 ? k.VMM_STAT_HC_BASE + n : k.VMM_STAT_HC_HI_BASE + n - 32;
}
