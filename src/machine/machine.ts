// The public API of vm7: one emulated BeagleBoard-xM-like board. Create it, load an image, run it
// for a budget of instructions, read and write registers and memory, stop it. The CLI and the
// tests use exactly this.
import { loadCore, hcStatIndex, type Core, type CoreExports, type CoreConstants } from "./core.js";
import { Jit, type JitOptions, type JitStats } from "../jit/jit.js";
import { Semihosting, type SemihostingOptions, type SemihostingState } from "./semihosting.js";
import { hostFiles, hostEnv } from "./host.js";
import { yieldToHost } from "./yield.js";
import { parseElf, type LoadImage } from "../loaders/elf.js";
import type { Recorder, Replayer } from "../debug/record.js";
import {
  Debugger, type DebugStop, type HookHandle, type HookRange, type MemAccess, type ExceptionEvent, type TrapEvent,
} from "../debug/debugger.js";
import { VirtioTransport, type VirtioDevice } from "../virtio/transport.js";

export const MODE = { usr: 0x10, fiq: 0x11, irq: 0x12, svc: 0x13, abt: 0x17, und: 0x1b, sys: 0x1f } as const;
const MODE_NAMES: Record<number, string> = { 0x10: "usr", 0x11: "fiq", 0x12: "irq", 0x13: "svc", 0x17: "abt", 0x1b: "und", 0x1f: "sys" };

/** How the guest runs: natively (it owns the emulated CPU), or deprivileged under the VMM with
 *  trap-and-emulate ("full") or hypercalls ("para"); docs/vmm.md. */
export type VmMode = "native" | "full" | "para";
export const VM_MODES: readonly VmMode[] = ["native", "full", "para"];

export interface MachineOptions {
  /** Execution mode (default "native"). full/para reserve the top 16 MiB of RAM for the VMM. */
  mode?: VmMode;
  /** VMM cost model overrides, cycles per event (names as in vmmCosts(): trap, emulate, fill, ...). */
  vmmCost?: Record<string, number>;
  /** Guest RAM in MiB at 0x80000000 (default 512, the board's size; 1..1024). */
  ramMiB?: number;
  /** "virtual" (default): guest time follows the instruction count, runs are repeatable.
   *  "wall": the timers follow the host's clock. */
  clock?: "virtual" | "wall";
  /** Nominal core clock for virtual time: instructions per guest second (default 1e9). */
  cpuHz?: number;
  /** ARM semihosting (SVC 0x123456 / SVC 0xAB / BKPT 0xAB), on by default. */
  semihosting?: boolean;
  /** Directory the guest may open files in through semihosting; none when absent. */
  semihostingRoot?: string;
  /** Command line returned by SYS_GET_CMDLINE (argv[0] first, as a C runtime expects). */
  cmdline?: string;
  /** Receives guest console bytes (UART3 and semihosting stdout). Default: kept in `output`. */
  onConsole?: (bytes: Uint8Array) => void;
  /** Receives semihosting stderr bytes. Default: same as onConsole. */
  onConsoleErr?: (bytes: Uint8Array) => void;
  /** This machine is the fresh boot that follows a guest's reset of the previous one (a run that
   *  ended with reason "reset"): the PRM's reset status says so (PRM_RSTST.GLOBAL_SW_RST). */
  rebooted?: boolean;
  /** Several guests on the one VMM (2..8, full or para mode; docs/guests.md): RAM is split into that
   *  many partitions, each guest with its own vCPU, CP15, shadow tables and devices. Guest 0 is
   *  selected; selectGuest() switches (src/machine/guests.ts schedules them). */
  guests?: number;
  /** With `guests`: each guest's own mode ("full" or "para"), a mix allowed; `mode` is then the first's. */
  guestModes?: VmMode[];
  /** Execution engine: "jit" (default, or $VM7_ENGINE), which interprets code until it is hot and then
   *  compiles it to WebAssembly (docs/jit.md), or "interp", the interpreter alone (the reference). Both
   *  retire the same instructions with the same results. */
  engine?: Engine;
  /** JIT tuning (engine "jit"): block entries before compiling, code cache size. */
  jit?: JitOptions;
}

export type Engine = "interp" | "jit";
export const ENGINES: readonly Engine[] = ["interp", "jit"];

export type StopReason =
  | "exit"        // the guest exited through semihosting (exitCode set)
  | "budget"      // maxInsns instructions ran
  | "fatal"       // the guest put the CPU in a state it cannot leave (message says which)
  | "idle"        // WFI with no interrupt source that could ever wake it
  | "wait"        // wall clock: WFI until the next timer event (waitMs says how long)
  | "input"       // the guest waits for console input that has not arrived
  | "bkpt"        // debug breakpoint
  | "host"        // stop() was called (during this run, or before it)
  | "poweroff"    // the guest switched the board off (the power-off latch); the machine stays off
  | "reset"       // the guest reset the board (PRM_RSTCTRL): boot a fresh machine to reboot it
  | "breakpoint"  // a debugger breakpoint (addBreakpoint): the instruction at pc did not run (debug says more)
  | "watchpoint"  // a debugger watchpoint: the instruction at pc was about to access the watched memory
  | "step"        // run({ step: true }) completed its instruction
  | "replay-end"  // a replay (setReplay) reached the end of its recording
  | "yield";      // several guests: this guest idles until its next event, or gave up its slice (HC_YIELD)

export interface RunResult {
  reason: StopReason;
  /** Instructions retired by this call. */
  insns: number;
  exitCode?: number;
  /** One line saying how the run ended. */
  message: string;
  /** For "wait": host milliseconds until the next timer event. */
  waitMs?: number;
  /** For "breakpoint", "watchpoint" and "step": where and why. */
  debug?: DebugStop;
}

export interface RunOptions {
  /** Instruction budget for this call (default: unlimited). */
  maxInsns?: number;
  /** Instructions per call into the core (default 1M): see baselines.md, V8 tiers up between calls. */
  sliceInsns?: number;
  /** Run one instruction (or until an exception moves the PC) and stop with reason "step". */
  step?: boolean;
  /** The caller lets the event loop run after this call returns (runAsync does, and vm7's own run
   *  loops): the JIT then compiles in the background (WebAssembly.compile) and installs the code at
   *  such a yield, while the interpreter goes on. Without it, it compiles synchronously between slices. */
  yields?: boolean;
}

export type Translation = { pa: number } | { fault: number };

/** The host side of a machine's state that a snapshot carries (src/debug/snapshot.ts). */
export interface HostState {
  imageEnd: number;
  semihostPending: boolean;
  semihosting: SemihostingState;
  /** Wall-clock mode: the guest's 32 kHz time when saved (it continues from there). */
  wall32k?: number;
}

export class Machine {
  readonly ramBytes: number;
  readonly ramBase: number;
  /** The RAM the guest owns from ramBase up: ramBytes natively; in full and para mode all but the
   *  top 16 MiB, which the VMM keeps (docs/vmm.md, Memory partition). */
  readonly guestRamBytes: number;
  /** Console bytes, when no onConsole sink was given. */
  output = "";
  private readonly x: CoreExports;
  private readonly k: CoreConstants;
  private readonly semi: Semihosting;
  private readonly onConsole: (b: Uint8Array) => void;
  /** Console output is dropped (reverse execution re-running what the user has already seen). */
  muted = false;
  // Record and replay (src/debug/record.ts): what enters from outside, logged or fed back.
  private recorder: Recorder | undefined;
  private replayer: Replayer | undefined;
  private lastWall = -1;
  private readonly wall: boolean;
  private readonly cpuHz: number;
  private wallStart = 0;
  private semihostPending = false;
  /** Console input waiting for each guest's UART3 (one queue with a single guest). */
  private inputQueues: number[][] = [[]];
  private get inputQueue(): number[] { return this.inputQueues[this.guest] ??= []; }
  /** With several guests: the guest console input goes to (input()); 0 unless changed. */
  inputGuest = 0;
  private inputEnded = false;
  private stopRequested = false;
  /** Set once the guest powered the board off or reset it: the machine runs no more. */
  private ended?: RunResult;
  /** Highest end address of the loaded image (semihosting heap starts above it). */
  imageEnd = 0;
  private readonly modes: VmMode[];
  /** The selected guest's mode (with several guests of mixed modes, each guest's own). */
  get mode(): VmMode { return this.modes.length > 1 ? this.modes[this.guest] : this.modes[0]; }
  /** The execution engine (MachineOptions.engine). */
  readonly engine: Engine;
  private readonly jit: Jit | undefined;
  /** The options this machine was created with (without the callbacks): a snapshot's configuration. */
  readonly config: { mode: VmMode; ramMiB: number; clock: "virtual" | "wall"; cpuHz: number; semihosting: boolean; cmdline: string };
  private readonly vmm: boolean;
  private readonly dbg: Debugger;
  /** The virtio transport of each guest (one entry with a single guest), made at its first device. */
  private virtios: (VirtioTransport | undefined)[] = [];
  private get virtio(): VirtioTransport | undefined { return this.virtios[this.guest]; }
  /** Several guests: what ended each (a guest's power-off ends that guest only), and its image end. */
  private guestEnded: (RunResult | undefined)[] = [undefined];
  private guestImageEnd: number[] = [0];

  private constructor(core: Core, opts: MachineOptions) {
    this.x = core.x;
    this.k = core.k;
    const mib = opts.ramMiB ?? 512;
    if (!Number.isInteger(mib) || mib < 1 || mib > 1024) throw new Error(`ram size ${mib} MiB: must be a whole number from 1 to 1024`);
    this.ramBytes = mib << 20;
    this.ramBase = this.k.LAYOUT_RAM_PHYS;
    const rc = this.x.init(this.ramBytes >>> 0) >>> 0;
    if (rc !== 0) throw new Error(`cannot set up ${mib} MiB of guest RAM (core init error ${rc})`);
    const mode0 = opts.guestModes?.[0] ?? opts.mode ?? "native";
    this.modes = [mode0];
    if (!VM_MODES.includes(mode0)) throw new Error(`mode '${String(mode0)}': must be one of ${VM_MODES.join(", ")}`);
    this.vmm = mode0 !== "native";
    const guests = opts.guests ?? 1;
    if (!Number.isInteger(guests) || guests < 1 || guests > this.k.GUESTS_MAX) throw new Error(`${guests} guests: must be a whole number from 1 to ${this.k.GUESTS_MAX}`);
    if (opts.guestModes !== undefined) {
      if (guests < 2 || opts.guestModes.length !== guests) throw new Error(`guestModes gives ${opts.guestModes.length} mode(s) for ${guests} guest(s): give one per guest, for 2 or more`);
      const bad = opts.guestModes.find((x) => x !== "full" && x !== "para");
      if (bad !== undefined) throw new Error(`guest mode '${String(bad)}': each guest runs under the VMM in full or para mode`);
    }
    if (guests > 1) {
      if (!this.vmm) throw new Error(`${guests} guests need the VMM: give mode full or para (native mode has one guest, which owns the CPU)`);
      const code = (x: VmMode) => x === "full" ? this.k.VMM_MODE_FULL : this.k.VMM_MODE_PARA;
      const rc = (opts.guestModes
        ? this.x.guestsInitModes(guests, opts.guestModes.reduce((a, x, k) => a | (code(x) << (2 * k)), 0))
        : this.x.guestsInit(code(mode0), guests)) >>> 0;
      this.modes = opts.guestModes ? [...opts.guestModes] : [mode0];
      if (rc === 1) throw new Error(`${guests} guests in ${mib} MiB of RAM: each needs a partition of at least 16 MiB plus the VMM's 16 MiB (give --ram ${guests * 32} or more)`);
      if (rc !== 0) throw new Error(`cannot set up ${guests} guests (core error ${rc})`);
      this.guestEnded = new Array(guests).fill(undefined);
      this.guestImageEnd = new Array(guests).fill(0);
    } else if (this.vmm) {
      const rc = this.x.vmmInit(this.mode === "full" ? this.k.VMM_MODE_FULL : this.k.VMM_MODE_PARA) >>> 0;
      if (rc === 1) throw new Error(`${this.mode} mode needs at least 32 MiB of RAM (the VMM reserves the top 16 MiB), got ${mib} MiB`);
      if (rc !== 0) throw new Error(`${this.mode} mode cannot cover ${mib} MiB of RAM (core VMM init error ${rc})`);
    }
    this.guestRamBytes = this.x.guestRamBytes() >>> 0;
    // VM7_ENGINE / VM7_JIT_THRESHOLD / VM7_JIT_BACKGROUND set the defaults (a whole test suite under either engine).
    const envEngine = hostEnv("VM7_ENGINE") || undefined;
    this.engine = opts.engine ?? (envEngine as Engine | undefined) ?? "jit";
    if (!ENGINES.includes(this.engine)) {
      throw new Error(`engine '${String(this.engine)}'${opts.engine === undefined ? " (from $VM7_ENGINE)" : ""}: must be one of ${ENGINES.join(", ")}`);
    }
    const envThreshold = hostEnv("VM7_JIT_THRESHOLD");
    const threshold = envThreshold ? Number(envThreshold) : undefined;
    if (threshold !== undefined && !(Number.isInteger(threshold) && threshold >= 1 && threshold <= 1e6)) {
      throw new Error(`$VM7_JIT_THRESHOLD '${envThreshold}': must be a whole number of block entries from 1 to 1000000`);
    }
    const envBg = hostEnv("VM7_JIT_BACKGROUND");
    if (envBg && envBg !== "0" && envBg !== "1") throw new Error(`$VM7_JIT_BACKGROUND '${envBg}': must be 0 or 1`);
    const background = envBg ? envBg === "1" : undefined;
    const jt = opts.jit?.threshold;
    if (jt !== undefined && !(Number.isInteger(jt) && jt >= 1 && jt <= 1e6)) throw new Error(`jit threshold ${jt}: must be a whole number of block entries from 1 to 1000000`);
    const mb = opts.jit?.maxBlocks;
    if (mb !== undefined && !(Number.isInteger(mb) && mb >= 1)) throw new Error(`jit maxBlocks ${mb}: must be a whole number of blocks, 1 or more`);
    this.jit = this.engine === "jit" ? new Jit(core, { threshold, background, ...opts.jit }) : undefined;
    if (opts.vmmCost) this.setVmmCosts(opts.vmmCost);
    const dec = new TextDecoder();
    const sink = opts.onConsole ?? ((b: Uint8Array) => { this.output += dec.decode(b, { stream: true }); });
    this.onConsole = (b) => { if (!this.muted) sink(b); };
    this.wall = opts.clock === "wall";
    const hz = opts.cpuHz ?? 1e9;
    if (!(hz >= 1e3 && hz <= 1e12)) throw new Error(`cpu clock ${hz} Hz: must be between 1e3 and 1e12`);
    this.cpuHz = hz;
    this.x.setClock(this.wall ? 1 : 0, hz);
    this.config = { mode: this.mode, ramMiB: mib, clock: this.wall ? "wall" : "virtual", cpuHz: hz, semihosting: opts.semihosting !== false, cmdline: opts.cmdline ?? "vm7" };
    this.x.setSemihostingEnabled(opts.semihosting === false ? 0 : 1);
    if (opts.rebooted) this.x.setSoftwareResetBoot();
    const semiOpts: SemihostingOptions = {
      files: opts.semihostingRoot ? hostFiles(opts.semihostingRoot) : undefined,
      cmdline: opts.cmdline ?? "vm7",
      out: this.onConsole,
      err: opts.onConsoleErr ?? this.onConsole,
      readInput: (max) => this.takeInput(max),
      inputEnded: () => this.inputEnded,
      clockCs: () => this.guestCentiseconds(),
      timeS: () => this.wall ? Math.floor(Date.now() / 1000) : Math.floor(this.guestCentiseconds() / 100),
      memInfo: () => ({ ramBase: this.ramBase, ramEnd: this.ramBase + this.guestRamBytes, imageEnd: this.imageEnd }),
    };
    this.semi = new Semihosting(this, semiOpts);
    this.dbg = new Debugger(this, this.x, this.k);
  }

  static async create(opts: MachineOptions = {}): Promise<Machine> { return Machine.createSync(opts); }
  static createSync(opts: MachineOptions = {}): Machine { return new Machine(loadCore(), opts); }

  // --- registers -------------------------------------------------------------------------------
  /** R0-R15 of the current mode; R15 reads as the address of the next instruction to execute. */
  reg(n: number): number { return this.x.regGet(n) >>> 0; }
  setReg(n: number, v: number): void { this.x.regSet(n, v >>> 0); }
  get pc(): number { return this.x.pcGet() >>> 0; }
  set pc(v: number) { this.x.pcSet(v >>> 0); }
  /** Writing the CPSR switches modes and banks exactly like an exception return would. */
  /** In full/para mode these are the guest's virtual CPSR, banks and SPSRs (the real CPU stays in
   *  User mode: see realCpsr). */
  get cpsr(): number { return (this.vmm ? this.x.vmmCpsrGet() : this.x.cpsrGet()) >>> 0; }
  set cpsr(v: number) { if (this.vmm) this.x.vmmCpsrSet(v >>> 0); else this.x.cpsrSet(v >>> 0); }
  /** The real CPU's CPSR (differs from cpsr only in full/para mode). */
  get realCpsr(): number { return this.x.cpsrGet() >>> 0; }
  /** A register as mode `mode` sees it (R8-R14 are banked). */
  banked(mode: number, n: number): number { return (this.vmm ? this.x.vmmBankedGet(mode, n) : this.x.bankedGet(mode, n)) >>> 0; }
  setBanked(mode: number, n: number, v: number): void {
    if (this.vmm) this.x.vmmBankedSet(mode, n, v >>> 0); else this.x.bankedSet(mode, n, v >>> 0);
  }
  spsr(mode: number): number { return (this.vmm ? this.x.vmmSpsrGet(mode) : this.x.spsrGet(mode)) >>> 0; }
  setSpsr(mode: number, v: number): void { if (this.vmm) this.x.vmmSpsrSet(mode, v >>> 0); else this.x.spsrSet(mode, v >>> 0); }
  /** Retired instructions since power-on. */
  get icount(): number { return this.x.icountGet(); }

  cp15Names(): string[] { return Object.keys(this.k.cp15); }
  /** A CP15 register as the guest sees it (the VMM's virtual CP15 in full/para mode). */
  getCp15(name: string): number {
    const off = this.cp15Off(name);
    return this.vmm ? this.x.vmmCp15Get(off) >>> 0 : this.view().getUint32(this.k.LAYOUT_STATE + off, true);
  }
  /** A CP15 register of the real CPU (in full/para mode: the shadow TTBRs, the VMM's DACR...). */
  realCp15(name: string): number { return this.view().getUint32(this.k.LAYOUT_STATE + this.cp15Off(name), true); }
  private cp15Off(name: string): number {
    const off = this.k.cp15[name];
    if (off === undefined) throw new Error(`unknown CP15 register ${name} (known: ${this.cp15Names().join(", ")})`);
    return off;
  }
  /** Write CP15 registers by name, as the host (no side effects but dropping cached translations). */
  setCp15(regs: Record<string, number>): void {
    for (const [name, v] of Object.entries(regs)) {
      const off = this.cp15Off(name);
      if (this.vmm) this.x.vmmCp15Set(off, v >>> 0);
      else this.view().setUint32(this.k.LAYOUT_STATE + off, v >>> 0, true);
    }
    if (!this.vmm) this.x.stateChanged();
  }

  /** Instruction-cache maintenance (ICIALLU, ICIMVAU, HC_ICACHE_SYNC) marks decode-cache pages for
   *  checking: `kept` pages were found unchanged when next executed (their decoded instructions and
   *  compiled code stay), `changed` ones had been written behind the CPU's back and were decoded afresh. */
  icacheStats(): { kept: number; changed: number } { return { kept: this.x.icacheStat(0) >>> 0, changed: this.x.icacheStat(1) >>> 0 }; }

  /** The JIT's counters (engine "jit"), or undefined under the interpreter. */
  jitStats(): JitStats | undefined { return this.jit?.stats(); }

  // --- VMM counters and cost model -------------------------------------------------------------
  /** VMM event counters (all zero in native mode): traps by class (trap_*, exc_*), hypercalls
   *  (total and hc_<name> per number), shadow_fills, shadow_flushes, shadow_reuses,
   *  pt_write_faults, virq_injected, world_switches, vmm_cycles, ... (docs/vmm.md). */
  vmmStats(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, i] of Object.entries(this.k.vmmStats)) out[name] = this.x.vmmStat(i);
    for (const [name, n] of Object.entries(this.k.vmmHypercalls)) out[`hc_${name}`] = this.x.vmmStat(hcStatIndex(this.k, n));
    return out;
  }
  /** What the VMM's shadow paging holds now (all zero in native mode): ctx_valid, ctx_populated
   *  (shadow contexts of 48), l2_in_use, l2_linked (shadow L2 tables of 8192 taken off the free
   *  stack / reachable from a context: equal unless tables leak), tracked (guest frames
   *  write-tracked as page tables), pt_windows (page-table write windows open). */
  vmmGauges(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, i] of Object.entries(this.k.vmmGauges)) out[name] = this.x.vmmGauge(i) >>> 0;
    return out;
  }
  /** Software-TLB entries made since the machine started: each one a refill after a miss (a
   *  measure of what TLB flushes cost, e.g. the VMM's world switches; any mode). */
  tlbRefills(): number { return this.x.tlbRefillCount(); }
  /** The cost model: virtual cycles charged per VMM event. */
  vmmCosts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, i] of Object.entries(this.k.vmmCosts)) out[name] = this.x.vmmCostGet(i) >>> 0;
    return out;
  }
  setVmmCosts(costs: Record<string, number>): void {
    for (const [name, v] of Object.entries(costs)) {
      const i = this.k.vmmCosts[name];
      if (i === undefined) throw new Error(`unknown VMM cost '${name}' (known: ${Object.keys(this.k.vmmCosts).join(", ")})`);
      if (!Number.isInteger(v) || v < 0 || v > 1e6) throw new Error(`VMM cost ${name}=${v}: must be a whole number of cycles from 0 to 1000000`);
      this.x.vmmCostSet(i, v);
    }
  }

  // --- VFP registers (D0-D31, FPSCR, FPEXC at fixed offsets of the state block) ----------------
  /** Dn as a 64-bit pattern. */
  vfpD(n: number): bigint { return this.view().getBigUint64(this.k.LAYOUT_STATE + this.k.OFF_VFP_D + 8 * n, true); }
  setVfpD(n: number, v: bigint): void {
    this.view().setBigUint64(this.k.LAYOUT_STATE + this.k.OFF_VFP_D + 8 * n, BigInt.asUintN(64, v), true);
  }
  /** Sn as a 32-bit pattern (S2n/S2n+1 are the low/high halves of Dn). */
  vfpS(n: number): number { return this.view().getUint32(this.k.LAYOUT_STATE + this.k.OFF_VFP_D + 4 * n, true); }
  setVfpS(n: number, v: number): void { this.view().setUint32(this.k.LAYOUT_STATE + this.k.OFF_VFP_D + 4 * n, v >>> 0, true); }
  get fpscr(): number { return this.view().getUint32(this.k.LAYOUT_STATE + this.k.OFF_FPSCR, true); }
  set fpscr(v: number) { this.view().setUint32(this.k.LAYOUT_STATE + this.k.OFF_FPSCR, v >>> 0, true); }
  /** FPEXC (bit 30 EN enables the VFP; CP15 CPACR bits 23:20 must also grant access). */
  get fpexc(): number { return this.view().getUint32(this.k.LAYOUT_STATE + this.k.OFF_FPEXC, true); }
  set fpexc(v: number) { this.view().setUint32(this.k.LAYOUT_STATE + this.k.OFF_FPEXC, v >>> 0, true); }

  // --- memory ----------------------------------------------------------------------------------
  private view(): DataView { return new DataView(this.x.memory.buffer); }
  private checkPhys(pa: number, size: number, what: string): void {
    if (this.x.physOk() === 0) throw new Error(`${what} ${size * 8}-bit at 0x${hex(pa)}: nothing is mapped there`);
  }
  physRead(pa: number, size: 1 | 2 | 4): number {
    const v = this.x.physRead(pa >>> 0, size) >>> 0;
    this.checkPhys(pa, size, "physical read");
    return v;
  }
  physWrite(pa: number, size: 1 | 2 | 4, v: number): void {
    this.x.physWrite(pa >>> 0, size, v >>> 0);
    this.checkPhys(pa, size, "physical write");
    if (this.isRam(pa, size)) this.x.codeChanged();
  }
  physRead32(pa: number): number { return this.physRead(pa, 4); }
  physWrite32(pa: number, v: number): void { this.physWrite(pa, 4, v); }
  physRead8(pa: number): number { return this.physRead(pa, 1); }
  physWrite8(pa: number, v: number): void { this.physWrite(pa, 1, v); }

  isRam(pa: number, len = 1): boolean { return within(pa, len, this.ramBase, this.ramBytes); }
  /** Whether [pa, pa + len) lies in the RAM the guest owns (see guestRamBytes). */
  isGuestRam(pa: number, len = 1): boolean { return within(pa, len, this.ramBase, this.guestRamBytes); }
  /** Copy bytes into guest RAM (loader path); the range must lie inside RAM. */
  writeRam(pa: number, bytes: Uint8Array): void {
    if (!this.isRam(pa, bytes.length)) throw new Error(`0x${hex(pa)}+${bytes.length}: outside RAM 0x${hex(this.ramBase)}-0x${hex(this.ramBase + this.ramBytes - 1)}`);
    new Uint8Array(this.x.memory.buffer, this.k.LAYOUT_RAM + (pa - this.ramBase), bytes.length).set(bytes);
    this.x.ramWritten(pa >>> 0, bytes.length >>> 0);
  }
  /** Copy bytes into the selected guest's RAM at its guest-physical pa (its partition: with several
   *  guests, guest k's 0x80000000 is machine address guestBase(k)); the range must lie in it. */
  writeGuestRam(pa: number, bytes: Uint8Array): void {
    if (!this.isGuestRam(pa, bytes.length)) throw new Error(`0x${hex(pa)}+${bytes.length}: outside the guest's RAM 0x${hex(this.ramBase)}-0x${hex(this.ramBase + this.guestRamBytes - 1)}`);
    this.writeRam(pa - this.ramBase + this.guestBase(this.guest), bytes);
  }
  readGuestRam(pa: number, len: number): Uint8Array {
    if (!this.isGuestRam(pa, len)) throw new Error(`0x${hex(pa)}+${len}: outside the guest's RAM`);
    return this.readRam(pa - this.ramBase + this.guestBase(this.guest), len);
  }

  // --- several guests (docs/guests.md) ----------------------------------------------------------
  /** How many guests this machine holds (1 unless created with `guests`). */
  get guestCount(): number { return this.x.guestCountGet() >>> 0; }
  /** The selected guest: the one run(), the registers, stats and loaders act on. */
  get guest(): number { return this.x.guestCurrent() >>> 0; }
  /** Machine address where guest k's RAM (its guest-physical 0x80000000) lies. */
  guestBase(k: number): number { return this.guestCount > 1 ? this.x.guestPartBase(k) >>> 0 : this.ramBase; }
  /** Make guest k the selected one (between runs): the VMM switches its CPU, device and VMM state. */
  selectGuest(k: number): void {
    if (!Number.isInteger(k) || k < 0 || k >= this.guestCount) throw new Error(`guest ${k}: this machine has guests 0-${this.guestCount - 1}`);
    if (k === this.guest) return;
    this.drainConsole();
    this.guestEnded[this.guest] = this.ended; this.guestImageEnd[this.guest] = this.imageEnd;
    this.x.guestSwitch(k);
    this.ended = this.guestEnded[k]; this.imageEnd = this.guestImageEnd[k];
    // Input that arrived for it while it was out (frames on the virtual switch) goes in now.
    this.virtios[k]?.serveDeferred();
  }
  /** Guest k waits (WFI/HC_IDLE) until this cycle count; 0: it can run now; -1: only an event channel wakes it. */
  guestWake(k: number): number { return this.x.guestWake(k); }
  /** Every guest idles: move the shared virtual clock forward to `cycle`. */
  idleUntil(cycle: number): void { this.x.guestsIdleUntil(cycle); }
  get cycles(): number { return this.x.cyclesGet(); }

  readRam(pa: number, len: number): Uint8Array {
    if (!this.isRam(pa, len)) throw new Error(`0x${hex(pa)}+${len}: outside RAM`);
    return new Uint8Array(this.x.memory.buffer, this.k.LAYOUT_RAM + (pa - this.ramBase), len).slice();
  }
  /** Read through the current translation without side effects; null where it would fault. */
  readVirt(va: number, len: number): Uint8Array | null {
    const out = new Uint8Array(len);
    for (let i = 0; i < len; i++) {
      out[i] = this.x.virtRead8((va + i) >>> 0);
      if (this.x.virtOk() === 0) return null;
    }
    return out;
  }
  writeVirt(va: number, bytes: Uint8Array): boolean {
    for (let i = 0; i < bytes.length; i++) {
      this.x.virtWrite8((va + i) >>> 0, bytes[i]);
      if (this.x.virtOk() === 0) return false;
    }
    return true;
  }
  /** Walk the translation tables as an access would (kind 0 read, 1 write, 2 execute). */
  translate(va: number, kind: 0 | 1 | 2, privileged: boolean): Translation {
    const pa = this.x.mmuTranslate(va >>> 0, kind, privileged ? 1 : 0) >>> 0;
    const fsr = this.x.mmuFaultStatus() >>> 0;
    return fsr === 0 ? { pa } : { fault: fsr };
  }

  // --- loading ---------------------------------------------------------------------------------
  /** Load an ELF image (PT_LOAD segments at their physical addresses); sets PC to the entry. */
  loadElf(bytes: Uint8Array, name = "image"): LoadImage {
    const img = parseElf(bytes, name);
    this.loadImage(img, name);
    return img;
  }
  /** Load a raw binary at `addr`; entry defaults to `addr`. */
  loadRaw(bytes: Uint8Array, addr: number, entry = addr, name = "image"): LoadImage {
    const img: LoadImage = { entry, segments: [{ index: 0, paddr: addr, data: bytes, memsz: bytes.length }] };
    this.loadImage(img, name);
    return img;
  }
  private loadImage(img: LoadImage, name: string): void {
    const ramEnd = this.ramBase + this.guestRamBytes;
    for (const s of img.segments) {
      if (s.memsz === 0) continue;
      if (!this.isGuestRam(s.paddr, s.memsz)) {
        const vmmNote = this.isRam(s.paddr, s.memsz) ? `; the top ${(this.ramBytes - this.guestRamBytes) >> 20} MiB are the VMM's in ${this.mode} mode` : "";
        throw new Error(`${name}: segment ${s.index} at 0x${hex(s.paddr)}-0x${hex(s.paddr + s.memsz - 1)} lies outside ` +
          `${this.vmm ? "the guest's " : ""}RAM (0x${hex(this.ramBase)}-0x${hex(ramEnd - 1)}${vmmNote}${devicesNote(s.paddr, s.memsz)})`);
      }
    }
    for (const s of img.segments) {
      if (s.memsz === 0) continue;
      this.writeGuestRam(s.paddr, s.data);
      if (s.memsz > s.data.length) this.writeGuestRam(s.paddr + s.data.length, new Uint8Array(s.memsz - s.data.length));
      this.imageEnd = Math.max(this.imageEnd, s.paddr + s.memsz);
    }
    // An entry address with bit 0 set is Thumb code (ARM ELF: the symbol's T bit), as qemu-arm starts it.
    this.cpsr = (this.cpsr & ~0x20) | (img.entry & 1 ? 0x20 : 0);
    this.pc = img.entry & ~1;
  }

  // --- virtio devices (src/virtio) --------------------------------------------------------------
  /**
   * Puts a virtio back end in the first free virtio-mmio window (VIRTIO_BASE + slot * 0x200, INTC line
   * VIRTIO_IRQ0 + slot; fixtures/linux/board.dts describes the windows); returns the slot. Requests
   * are served when the guest writes QueueNotify, at that instruction. `onError` hears why a device
   * was put in DEVICE_NEEDS_RESET (a bad descriptor); default: nothing.
   */
  attachVirtio(dev: VirtioDevice, onError: (msg: string) => void = () => {}): number {
    const k = this.guest;
    if (!this.virtios[k]) {
      // In full and para mode the guest's partition ends below the VMM's reservation; with several
      // guests, guest k's guest-physical RAM lies guestBase(k) - ramBase further up in machine RAM,
      // and its windows are served only while it is selected (input for it waits until then).
      this.virtios[k] = new VirtioTransport(this.x, this.k, this.ramBase, this.guestRamBytes, onError, {
        offset: this.guestBase(k) - this.ramBase, isCurrent: () => this.guest === k,
        wake: () => { if (this.guestCount > 1) this.x.guestKick(k); },
      });
    }
    return this.virtios[k]!.attach(dev);
  }
  /** The features the driver of virtio window `slot` wrote (DriverFeatures, both halves). */
  virtioDriverFeatures(slot = 0): bigint {
    return (BigInt(this.x.virtioDriverFeatures(slot, 1) >>> 0) << 32n) | BigInt(this.x.virtioDriverFeatures(slot, 0) >>> 0);
  }
  /** The selected guest's virtio transport's host side, once a device is attached (lastError, served counts). */
  get virtioTransport(): VirtioTransport | undefined { return this.virtio; }

  // --- console input ---------------------------------------------------------------------------
  /** Bytes typed at the console: they feed UART3's receiver and semihosting reads of stdin. */
  input(bytes: Uint8Array | string): void {
    const b = typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes;
    const k = this.guestCount > 1 ? this.inputGuest : this.guest;
    const q = this.inputQueues[k] ??= [];
    for (const c of b) q.push(c);
    // A guest switched out gets it when it is next switched in: make it runnable now.
    if (b.length > 0 && k !== this.guest) this.x.guestKick(k);
  }
  /** Console input waits for guest k and (k selected) its UART3 has room for some of it now. */
  inputReady(k: number): boolean {
    return (this.inputQueues[k]?.length ?? 0) > 0 && (k !== this.guest || this.x.uartRxFree() > 0);
  }
  /** No more console input will come (stdin closed): semihosting reads see end of file. */
  endInput(): void { this.inputEnded = true; }
  private takeInput(max: number): Uint8Array { return Uint8Array.from(this.inputQueue.splice(0, max)); }

  // --- debugging: breakpoints, watchpoints and hooks (src/debug/debugger.ts) ---------------------
  /** The debugger's tables: GDB-style breakpoints and watchpoints (src/debug/gdbstub.ts uses them). */
  get debugger(): Debugger { return this.dbg; }
  /** The core's exports and constants, for vm7's own snapshot and debug modules (src/debug). */
  get core(): { x: CoreExports; k: CoreConstants } { return { x: this.x, k: this.k }; }
  /** Call `fn(address, size)` before each instruction whose address lies in `range` (every
   *  instruction without one) runs. Instructions run one at a time while any code hook is set. */
  hookCode(range: HookRange | undefined, fn: (address: number, size: number, m: Machine) => void): HookHandle {
    return this.dbg.hookCode(range, fn);
  }
  /** Call `fn` for each guest access of `kind` (one or several of read, write, fetch) to `range`
   *  (virtual addresses through the guest's translation, or physical ones with { physical: true }),
   *  after the accessing instruction completes. Watched pages bypass the software TLB. */
  hookMem(kind: "read" | "write" | "fetch" | Array<"read" | "write" | "fetch">, range: HookRange | undefined,
    fn: (access: MemAccess, m: Machine) => void, opts: { physical?: boolean } = {}): HookHandle {
    return this.dbg.hookMem(Array.isArray(kind) ? kind : [kind], range, fn, opts.physical === true);
  }
  /** Call `fn` for every exception the guest takes (in full/para mode: every one the VMM reflects
   *  into the guest), after its entry. */
  hookInterrupt(fn: (e: ExceptionEvent, m: Machine) => void): HookHandle { return this.dbg.hookInterrupt(fn); }
  /** Call `fn` for every VMM event (full/para mode): trapped instructions, hypercalls, shadow fills,
   *  reflected exceptions, ..., named as the counters of vmmStats(). */
  hookTrap(fn: (e: TrapEvent, m: Machine) => void): HookHandle { return this.dbg.hookTrap(fn); }
  /** Remove a hook (the same as handle.remove()). */
  removeHook(h: HookHandle): void { this.dbg.removeHook(h.id); }

  // --- snapshots (src/debug/snapshot.ts) ---------------------------------------------------------
  /** The host side of the state, for a snapshot. */
  hostState(): HostState {
    return {
      imageEnd: this.imageEnd, semihostPending: this.semihostPending, semihosting: this.semi.saveState(),
      wall32k: this.wall && this.wallStart !== 0 ? this.x.time32kGet() : undefined,
    };
  }
  setHostState(h: HostState): void {
    this.imageEnd = h.imageEnd;
    this.semihostPending = h.semihostPending;
    this.semi.loadState(h.semihosting);
    if (this.wall && h.wall32k !== undefined) this.wallStart = performance.now() - h.wall32k / 32.768;
    this.drainConsole();
  }

  /** Log every console byte the UART receives and (wall clock) every time the core is given. */
  setRecorder(r: Recorder | undefined): void { this.recorder = r; this.lastWall = -1; }
  /** Take the console and the wall clock from a recording instead of the host. */
  setReplay(r: Replayer | undefined): void { this.replayer = r; }

  // Before a call into the core at `budget` instructions: what enters from outside (console bytes,
  // wall-clock time), recorded or replayed. Returns the budget, cut at the replay's next group.
  private inputs(budget: number): number {
    const ic = this.icount;
    const rp = this.replayer;
    if (rp) {
      const g = rp.take(ic);
      if (g) {
        for (const b of g.uart ?? []) this.x.uartRx(b);
        if (g.wall !== undefined) this.x.setWallTime32k(g.wall);
      }
      return Math.max(0, Math.min(budget, rp.nextIc() - ic, rp.end - ic));
    }
    const rec = this.recorder;
    // A program that reads its console through semihosting (newlib's rdimon opens :tt at start-up)
    // gets the input to itself; otherwise it goes to UART3's receiver.
    if (!this.semi.readsConsole) {
      while (this.inputQueue.length > 0 && this.x.uartRxFree() > 0) {
        if (this.x.uartRx(this.inputQueue[0]) === 0) break;
        rec?.uart(ic, this.inputQueue[0]);
        this.inputQueue.shift();
      }
    }
    if (this.wall) {
      const t = Math.floor((performance.now() - this.wallStart) * 32.768);
      if (t !== this.lastWall) { this.x.setWallTime32k(t); this.lastWall = t; rec?.wall(ic, t); }
    }
    rec?.seal();
    return budget;
  }

  // --- running ---------------------------------------------------------------------------------
  /**
   * Ends the current run with reason "host" at its next slice boundary: from a callback that runs
   * during run() (onConsole, semihosting output), or from a timer, an I/O callback or another task
   * while runAsync() is going (it yields between slices). Called with no run going, the next run()
   * or runAsync() returns "host" at once, before executing anything. The machine can run on after.
   */
  stop(): void { this.stopRequested = true; }

  private guestCentiseconds(): number {
    if (this.wall) return Math.floor((performance.now() - this.wallStart) / 10);
    return Math.floor(this.x.cyclesGet() * 100 / this.cpuHz);
  }

  private drainConsole(): void {
    const { LAYOUT_UART_TX: base, LAYOUT_UART_TX_DATA: data, LAYOUT_UART_TX_CAP: cap } = this.k;
    const v = this.view();
    const w = v.getUint32(base, true), r = v.getUint32(base + 4, true);
    const n = (w - r) >>> 0;
    if (n === 0) return;
    const mem = new Uint8Array(this.x.memory.buffer);
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = mem[data + ((r + i) & (cap - 1))];
    v.setUint32(base + 4, w, true);
    this.onConsole(out);
  }

  /** Run until the budget is used up or the guest stops; never throws for anything the guest does. */
  run(opts: RunOptions = {}): RunResult {
    const max = opts.maxInsns ?? Infinity;
    const slice = Math.max(1, Math.min(opts.sliceInsns ?? 1 << 20, 0x7fffffff));
    const start = this.icount;
    if (this.wall && this.wallStart === 0) this.wallStart = performance.now();
    const dbg = this.dbg.active || opts.step === true;
    if (dbg) this.dbg.beginRun(opts.step === true);
    const done = (reason: StopReason, message: string, extra: Partial<RunResult> = {}): RunResult => {
      this.drainConsole();
      if (dbg) this.dbg.endRun();
      return { reason, insns: this.icount - start, message, ...extra };
    };
    if (this.ended) return { ...this.ended, insns: 0 };
    if (this.jit) this.jit.yields = opts.yields === true;
    for (;;) {
      if (this.stopRequested) {
        this.stopRequested = false;
        return done("host", `stopped by the host at pc 0x${hex(this.pc)}`);
      }
      if (this.semihostPending) {
        const r = this.semi.call();
        if (r.kind === "wait") return done("input", "waiting for console input (semihosting read)");
        this.semihostPending = false;
        if (r.kind === "exit") return done("exit", `guest exited with status ${r.code}`, { exitCode: r.code });
      }
      const left = max - (this.icount - start);
      if (left <= 0) return done("budget", `stopped after ${this.icount - start} instructions (--max-insns)`);
      // (The recording's last groups may lie at its end count: their calls into the core run too.)
      if (this.replayer && this.icount >= this.replayer.end && this.replayer.nextIc() === Infinity) {
        return done("replay-end", `the replay reached the end of its recording at ${this.icount} instructions`);
      }
      const stop = this.x.run(this.inputs(Math.min(left, slice))) >>> 0;
      this.jit?.compileQueue(); // blocks that got hot in this slice: compiled code from the next one (or, compiled in the background, from a later one)
      this.drainConsole();
      // QueueNotify writes end the slice (STOP_VIRTIO, or whatever stop came first): serve them now.
      if (this.virtio) this.virtio.serve(this.x.virtioTakePending() >>> 0);
      const k = this.k;
      if (dbg) {
        const d = this.dbg.afterCore(stop);
        if (d) return done(d.kind, debugMessage(d), { debug: d });
        if (stop === k.STOP_DEBUG) continue; // hooks' events only (a hook's stop() ends the run above)
      }
      switch (stop) {
        case k.STOP_BUDGET: case k.STOP_UART_FULL: case k.STOP_NONE: case k.STOP_VIRTIO:
          continue;
        case k.STOP_YIELD:
          return done("yield", `guest ${this.guest} idles or yields at pc 0x${hex(this.pc)}`);
        case k.STOP_SEMIHOST:
          this.semihostPending = true;
          continue;
        case k.STOP_HOST:
          return done("host", `stopped by the host at pc 0x${hex(this.pc)}`);
        case k.STOP_BKPT:
          return done("bkpt", `breakpoint at 0x${hex(this.pc)}`);
        case k.STOP_POWEROFF:
          return this.ended = done("poweroff", "the guest powered the board off");
        case k.STOP_RESET:
          return this.ended = done("reset", "the guest reset the board (PRM_RSTCTRL)");
        case k.STOP_IDLE:
          return done("idle", this.x.consoleInputWakes() !== 0
            ? `guest is idle: WFI at 0x${hex(this.pc)} waiting for console input (UART3 receive interrupt enabled)`
            : `guest is idle: WFI at 0x${hex(this.pc)} with no interrupt source that can wake it`);
        case k.STOP_WFI_WALL: {
          if (this.replayer) continue; // the recording says what time it is next
          const next = this.x.nextEvent32kGet();
          const now = (performance.now() - this.wallStart) * 32.768;
          return done("wait", "waiting for the next timer event", { waitMs: next < 0 ? 10 : Math.max(0, (next - now) / 32.768) });
        }
        case k.STOP_FATAL: {
          const info = this.view().getUint32(k.LAYOUT_STATE + k.OFF_STOP_INFO, true);
          const pc = `pc 0x${hex(this.pc)}`;
          const why = info === k.FATAL_EXC_LOOP
            ? `exception loop: the exception vector itself faults (no handler can run) at ${pc}${this.hypercallNote()}`
            : info === k.FATAL_PARA_CP15
              ? `para mode: the guest's kernel accessed CP15 itself (MCR/MRC p15 at ${pc}) where a paravirtual guest makes a ` +
                "hypercall (docs/hypercalls.md): it is not a para guest; run it with --mode native or --mode full"
              : info === (k.FATAL_VMM | (1 << 8))
                ? `the VMM could not resolve a fault on its shadow page tables at ${pc} (a VMM bug: please report it)`
                : (info & 0xff) === k.FATAL_VMM
                  ? `the VMM's shadow-table bookkeeping is inconsistent (code ${info >>> 8}) at ${pc} (a VMM bug: please report it)`
                  : `unrecoverable CPU state (code ${info}) at ${pc}`;
          return done("fatal", `guest stopped: ${why}`);
        }
        default:
          return done("fatal", `core returned unknown stop reason ${stop}`);
      }
    }
  }

  /**
   * run() in slices of `sliceInsns` (default 1M) that yields to the event loop between them, so that
   * timers, I/O and other tasks go on while the guest runs, and any of them can stop() it. The result
   * is run()'s, with `insns` counting the whole call.
   */
  async runAsync(opts: RunOptions = {}): Promise<RunResult> {
    const max = opts.maxInsns ?? Infinity;
    const slice = Math.max(1, Math.min(opts.sliceInsns ?? 1 << 20, 0x7fffffff));
    let insns = 0;
    for (;;) {
      const r = this.run({ maxInsns: Math.min(max - insns, slice), sliceInsns: slice, yields: true });
      insns += r.insns;
      if (r.reason !== "budget") return { ...r, insns };
      if (insns >= max) return { ...r, insns, message: `stopped after ${insns} instructions (--max-insns)` };
      await yieldToHost();
    }
  }

  /** For an exception loop that began with an UNDEFINED HVC (a hypercall, which only para mode
   *  claims): a note saying so, else "". The Undefined mode's LR and SPSR still hold that exception. */
  private hypercallNote(): string {
    if (this.mode === "para" || (this.spsr(MODE.und) & 0x20) !== 0) return "";
    const at = (this.banked(MODE.und, 14) - 4) >>> 0;
    const w = this.readVirt(at, 4);
    if (!w) return "";
    const raw = (w[0] | (w[1] << 8) | (w[2] << 16) | (w[3] << 24)) >>> 0;
    if (((raw & 0xfff000f0) >>> 0) !== 0xe1400070) return "";
    return `; it began with HVC #${((raw >>> 4) & 0xfff0) | (raw & 0xf)} at 0x${hex(at)}, a hypercall, UNDEFINED outside para mode: ` +
      "a paravirtual kernel runs with --mode para";
  }

  /** The registers as a human reads them (for --dump-regs and fatal stops). */
  dumpRegs(): string {
    const lines: string[] = [];
    const r = (n: number) => `${n < 10 ? " " : ""}r${n}=${hex(this.reg(n))}`;
    for (let row = 0; row < 4; row++) lines.push([0, 1, 2, 3].map((c) => r(row * 4 + c)).join(" "));
    const c = this.cpsr;
    const flags = ["N", "Z", "C", "V"].map((f, i) => (c >>> (31 - i)) & 1 ? f : "-").join("");
    const mode = MODE_NAMES[c & 0x1f] ?? `?${(c & 0x1f).toString(16)}`;
    lines.push(`cpsr=${hex(c)} ${flags} ${mode}${c & 0x20 ? " thumb" : " arm"}${c & 0x80 ? " I" : ""}${c & 0x40 ? " F" : ""}` +
      `  spsr=${(c & 0x1f) === 0x10 || (c & 0x1f) === 0x1f ? "-" : hex(this.spsr(c & 0x1f))}`);
    const cp = ["SCTLR", "TTBR0", "DACR", "DFSR", "DFAR", "IFSR", "IFAR", "VBAR"].map((n) => `${n.toLowerCase()}=${hex(this.getCp15(n))}`);
    lines.push(cp.slice(0, 4).join(" "), cp.slice(4).join(" "));
    if (this.vmm) lines.push(`vmm: ${this.mode} mode, real cpsr=${hex(this.realCpsr)} ttbr0=${hex(this.realCp15("TTBR0"))} ttbr1=${hex(this.realCp15("TTBR1"))}`);
    lines.push(`instructions=${this.icount}`);
    return lines.join("\n");
  }
}

function debugMessage(d: DebugStop): string {
  if (d.kind === "watchpoint") return `watchpoint: ${d.access} of ${d.size} bytes at 0x${hex(d.address ?? 0)} by the instruction at 0x${hex(d.pc)}`;
  return d.kind === "step" ? `stepped to 0x${hex(d.pc)}` : `breakpoint at 0x${hex(d.pc)}`;
}

/** [pa, pa + len) inside [base, base + size). */
function within(pa: number, len: number, base: number, size: number): boolean {
  return pa >= base && len <= size && pa - base <= size - len;
}

export function hex(v: number): string { return (v >>> 0).toString(16).padStart(8, "0"); }

function devicesNote(pa: number, len: number): string {
  const devs: Array<[string, number, number]> = [
    ["INTC", 0x48200000, 0x1000], ["GPTIMER1", 0x48318000, 0x1000], ["32k counter", 0x48320000, 0x1000],
    ["UART3", 0x49020000, 0x400], ["GPTIMER2", 0x49032000, 0x1000], ["PRM", 0x48307200, 0x100], ["power-off latch", 0x3f000000, 4],
    ["virtio-mmio", 0x4a000000, 0x1000],
  ];
  const hit = devs.find(([, b, l]) => pa < b + l && b < pa + len);
  return hit ? `; it overlaps the ${hit[0]} registers at 0x${hex(hit[1])}` : "";
}
