// The host side of the core's debugger support (assembly/debug/dbg.ts): one table of code ranges
// (GDB breakpoints, code hooks, fetch hooks) and one of watch ranges (GDB watchpoints, memory
// hooks), written into the core's DBG area; the Unicorn-shaped hook API of Machine; and the
// dispatch of what the core reports (STOP_DEBUG and its event log) after each call into the core.
// With no breakpoint, watchpoint or hook set the tables are empty and the core runs its fast path.
import type { Machine } from "../machine/machine.js";
import { hcStatIndex, type CoreExports, type CoreConstants } from "../machine/core.js";

/** Addresses begin..end, both included. begin > end (or no range) means every address. */
export interface HookRange { begin: number; end: number }
export interface HookHandle { readonly id: number; remove(): void }

/** A memory access the guest made (hookMem): the accessing instruction's address and count. */
export interface MemAccess {
  kind: "read" | "write" | "fetch";
  /** Virtual address (the guest's, through its current translation). */
  address: number;
  size: number;
  /** The value read or written (for fetch: 0). */
  value: number;
  /** The physical address the access reached (for fetch: 0). */
  physical: number;
  /** Address of the instruction that made the access. */
  pc: number;
  /** Instructions retired before it completes (it counts itself). */
  icount: number;
}
export type ExceptionKind = "reset" | "undef" | "svc" | "pabt" | "dabt" | "irq" | "fiq";
/** An exception the guest takes (hookInterrupt); under the VMM, one it reflects into the guest. */
export interface ExceptionEvent {
  kind: ExceptionKind;
  /** Vector offset (0x04 undef ... 0x1c fiq). */
  vector: number;
  /** The link register value the exception sets (preferred return address + offset). */
  returnAddress: number;
  /** The mode it enters (0x1b und, 0x13 svc, 0x17 abt, 0x12 irq, 0x11 fiq). */
  mode: number;
  /** The instruction that raised it, or for an interrupt the one that did not run yet. */
  pc: number;
  icount: number;
}
/** A VMM event (hookTrap): a trapped instruction, hypercall, shadow fill, reflected exception...
 *  `kind` is the name of the VMM counter it bumps (as in Machine.vmmStats(): trap_mcr, hc_set_ttbrs,
 *  shadow_fills, exc_svc, pt_write_faults, ...). */
export interface TrapEvent { kind: string; pc: number; icount: number }

/** Why a run stopped for the debugger (RunResult.debug). */
export interface DebugStop {
  kind: "breakpoint" | "watchpoint" | "step";
  /** The PC at the stop (the instruction that did not run yet). */
  pc: number;
  /** watchpoint: the data address the instruction was about to access, its size and direction. */
  address?: number;
  size?: number;
  access?: "read" | "write";
  /** watchpoint: the watched range that matched. */
  watch?: { addr: number; len: number; type: WatchType };
}
export type WatchType = "write" | "read" | "access";

type CodeFn = (address: number, size: number, m: Machine) => void;
type MemFn = (a: MemAccess, m: Machine) => void;
type ExcFn = (e: ExceptionEvent, m: Machine) => void;
type TrapFn = (e: TrapEvent, m: Machine) => void;

interface CodeEntry { lo: number; hi: number; bp?: boolean; hook?: { id: number; fn: CodeFn; fetch?: MemFn } }
interface WatchEntry { lo: number; hi: number; flags: number; gdb?: { addr: number; len: number; type: WatchType }; hook?: { id: number; fn: MemFn } }

const EXC_KINDS: Record<number, ExceptionKind> = { 0x00: "reset", 0x04: "undef", 0x08: "svc", 0x0c: "pabt", 0x10: "dabt", 0x18: "irq", 0x1c: "fiq" };

export class Debugger {
  private code: CodeEntry[] = [];
  private watch: WatchEntry[] = [];
  private excHooks = new Map<number, ExcFn>();
  private trapHooks = new Map<number, TrapFn>();
  private nextId = 1;
  private stepping = false;
  /** Where the last debug stop left the machine: resuming there does not stop there again. */
  private stopAt: { ic: number; pc: number } | undefined;
  private trapNames: string[] = [];
  private readonly base: number;

  constructor(private readonly m: Machine, private readonly x: CoreExports, private readonly k: CoreConstants) {
    this.base = k.LAYOUT_DBG;
  }

  /** Anything set that the core must check (tables non-empty or events wanted). */
  get active(): boolean {
    if (this.suspended) return this.stepping;
    return this.code.length > 0 || this.watch.length > 0 || this.excHooks.size > 0 || this.trapHooks.size > 0 || this.stepping;
  }

  // --- GDB breakpoints and watchpoints -----------------------------------------------------------
  addBreakpoint(addr: number): void {
    addr >>>= 0;
    if (this.code.some((e) => e.bp && e.lo === addr)) return;
    if (this.code.length >= this.k.DBG_CODE_MAX) throw new Error(`too many breakpoints and code hooks (at most ${this.k.DBG_CODE_MAX})`);
    this.code.push({ lo: addr, hi: addr, bp: true });
    this.sync(false);
  }
  removeBreakpoint(addr: number): boolean {
    const i = this.code.findIndex((e) => e.bp && e.lo === addr >>> 0);
    if (i < 0) return false;
    this.code.splice(i, 1);
    this.sync(false);
    return true;
  }
  breakpoints(): number[] { return this.code.filter((e) => e.bp).map((e) => e.lo); }

  addWatchpoint(addr: number, len: number, type: WatchType): void {
    addr >>>= 0;
    if (len < 1) throw new Error(`watchpoint length ${len}: must be at least 1`);
    if (this.watch.some((e) => e.gdb && e.gdb.addr === addr && e.gdb.len === len && e.gdb.type === type)) return;
    if (this.watch.length >= this.k.DBG_WATCH_MAX) throw new Error(`too many watchpoints and memory hooks (at most ${this.k.DBG_WATCH_MAX})`);
    const rw = type === "write" ? this.k.DBG_W_WRITE : type === "read" ? this.k.DBG_W_READ : this.k.DBG_W_READ | this.k.DBG_W_WRITE;
    this.watch.push({ lo: addr, hi: (addr + len - 1) >>> 0, flags: rw | this.k.DBG_W_STOP, gdb: { addr, len, type } });
    this.sync(true);
  }
  removeWatchpoint(addr: number, len: number, type: WatchType): boolean {
    const i = this.watch.findIndex((e) => e.gdb && e.gdb.addr === addr >>> 0 && e.gdb.len === len && e.gdb.type === type);
    if (i < 0) return false;
    this.watch.splice(i, 1);
    this.sync(true);
    return true;
  }
  /** Drop every GDB breakpoint and watchpoint (hooks stay). */
  clearBreakpoints(): void {
    const w = this.watch.length;
    this.code = this.code.filter((e) => !e.bp);
    this.watch = this.watch.filter((e) => !e.gdb);
    this.sync(w !== this.watch.length);
  }

  // --- hooks ---------------------------------------------------------------------------------------
  hookCode(range: HookRange | undefined, fn: CodeFn): HookHandle {
    const id = this.nextId++;
    const [lo, hi] = bounds(range);
    if (this.code.length >= this.k.DBG_CODE_MAX) throw new Error(`too many breakpoints and code hooks (at most ${this.k.DBG_CODE_MAX})`);
    this.code.push({ lo, hi, hook: { id, fn } });
    this.sync(false);
    return this.handle(id);
  }
  hookMem(kinds: Array<"read" | "write" | "fetch">, range: HookRange | undefined, fn: MemFn, physical: boolean): HookHandle {
    const id = this.nextId++;
    const [lo, hi] = bounds(range);
    let rw = 0;
    for (const kd of kinds) {
      if (kd === "read") rw |= this.k.DBG_W_READ;
      else if (kd === "write") rw |= this.k.DBG_W_WRITE;
      else if (kd !== "fetch") throw new Error(`hookMem: unknown access kind '${String(kd)}' (read, write, fetch)`);
    }
    if (kinds.includes("fetch")) {
      if (physical) throw new Error("hookMem: fetch hooks take virtual addresses (the PC)");
      if (this.code.length >= this.k.DBG_CODE_MAX) throw new Error(`too many breakpoints and code hooks (at most ${this.k.DBG_CODE_MAX})`);
      this.code.push({ lo, hi, hook: { id, fn: () => {}, fetch: fn } });
    }
    if (rw !== 0) {
      if (this.watch.length >= this.k.DBG_WATCH_MAX) throw new Error(`too many watchpoints and memory hooks (at most ${this.k.DBG_WATCH_MAX})`);
      this.watch.push({ lo, hi, flags: rw | (physical ? this.k.DBG_W_PHYS : 0), hook: { id, fn } });
    }
    this.sync(rw !== 0);
    return this.handle(id);
  }
  hookInterrupt(fn: ExcFn): HookHandle { const id = this.nextId++; this.excHooks.set(id, fn); this.sync(false); return this.handle(id); }
  hookTrap(fn: TrapFn): HookHandle { const id = this.nextId++; this.trapHooks.set(id, fn); this.sync(false); return this.handle(id); }

  removeHook(id: number): void {
    const w = this.watch.length;
    this.code = this.code.filter((e) => e.hook?.id !== id);
    this.watch = this.watch.filter((e) => e.hook?.id !== id);
    this.excHooks.delete(id);
    this.trapHooks.delete(id);
    this.sync(w !== this.watch.length);
  }
  private handle(id: number): HookHandle { return { id, remove: () => this.removeHook(id) }; }

  /** While suspended the core sees empty tables (reverse execution re-running history at full
   *  speed); the host keeps them. */
  private suspended = false;
  suspend(on: boolean): void {
    if (on === this.suspended) return;
    this.suspended = on;
    this.sync(this.watch.length > 0);
  }

  // --- the tables in the core ------------------------------------------------------------------------
  private sync(watchChanged: boolean): void {
    const v = new DataView(this.x.memory.buffer);
    const b = this.base, k = this.k;
    this.code.forEach((e, i) => { v.setUint32(b + k.DBG_CODE + 8 * i, e.lo, true); v.setUint32(b + k.DBG_CODE + 8 * i + 4, e.hi, true); });
    v.setUint32(b + k.DBG_CODE_N, this.suspended ? 0 : this.code.length, true);
    this.watch.forEach((e, i) => {
      const o = b + k.DBG_WATCH + 16 * i;
      v.setUint32(o, e.lo, true); v.setUint32(o + 4, e.hi, true); v.setUint32(o + 8, e.flags, true); v.setUint32(o + 12, 0, true);
    });
    v.setUint32(b + k.DBG_WATCH_N, this.suspended ? 0 : this.watch.length, true);
    let ctrl = 0;
    if (this.excHooks.size > 0 && !this.suspended) ctrl |= k.DBGF_EXC;
    if (this.trapHooks.size > 0 && !this.suspended) ctrl |= k.DBGF_TRAP;
    if (this.stepping) ctrl |= k.DBGF_STEP;
    v.setUint32(b + k.DBG_CTRL, ctrl, true);
    this.x.dbgUpdate(watchChanged ? 1 : 0);
  }

  // --- running -----------------------------------------------------------------------------------------
  /** Before a run: resuming where the last debug stop was does not stop there again; `step` asks
   *  the core to stop after one instruction (or once an exception moves the PC). */
  beginRun(step: boolean): void {
    const v = new DataView(this.x.memory.buffer);
    const b = this.base, k = this.k;
    const ic = this.m.icount, pc = this.m.pc;
    this.skip(this.stopAt && this.stopAt.ic === ic && this.stopAt.pc === pc ? this.stopAt : undefined);
    if (step) {
      v.setBigUint64(b + k.DBG_STEP_IC, BigInt(ic), true);
      v.setUint32(b + k.DBG_STEP_PC, pc >>> 0, true);
    }
    if (step !== this.stepping) { this.stepping = step; this.sync(false); }
  }
  endRun(): void { if (this.stepping) { this.stepping = false; this.sync(false); } }

  /** Stopped at `at` (instruction count and PC): the instruction there neither matches a code range
   *  nor stops at a watchpoint when it runs next; undefined: nothing is skipped. */
  private stoppedAt(at: { ic: number; pc: number }): void { this.stopAt = at; this.skip(at); }
  private skip(at: { ic: number; pc: number } | undefined): void {
    const v = new DataView(this.x.memory.buffer);
    const b = this.base, k = this.k;
    v.setBigUint64(b + k.DBG_SKIP_IC, BigInt.asUintN(64, BigInt(at ? at.ic : -1)), true);
    v.setUint32(b + k.DBG_SKIP_PC, at ? at.pc >>> 0 : 1, true);
  }

  /** After a call into the core that returned `stop`: dispatch the hooks' events; a stop the
   *  debugger owns (breakpoint, watchpoint, step) is returned, anything else is undefined (the run
   *  continues, unless a hook called Machine.stop()). */
  afterCore(stop: number): DebugStop | undefined {
    const k = this.k;
    const v = new DataView(this.x.memory.buffer);
    const b = this.base;
    this.dispatchLog(v);
    if (stop !== k.STOP_DEBUG) return undefined;
    const info = v.getUint32(k.LAYOUT_STATE + k.OFF_STOP_INFO, true);
    const pc = this.m.pc, ic = this.m.icount;
    if (info === k.DBG_STOP_STEP) { this.stoppedAt({ ic, pc }); return { kind: "step", pc }; }
    if (info === k.DBG_STOP_WATCH) {
      const idx = v.getUint32(b + k.DBG_HIT_INDEX, true);
      const e = this.watch[idx];
      this.stoppedAt({ ic, pc });
      return {
        kind: "watchpoint", pc, address: v.getUint32(b + k.DBG_HIT_ADDR, true), size: v.getUint32(b + k.DBG_HIT_SIZE, true),
        access: v.getUint32(b + k.DBG_HIT_WRITE, true) ? "write" : "read", watch: e?.gdb,
      };
    }
    if (info === k.DBG_STOP_CODE) {
      let bp = false;
      const size = this.insnSize(pc);
      for (const e of this.code.slice()) {
        if (pc < e.lo || pc > e.hi) continue;
        if (e.bp) bp = true;
        else if (e.hook?.fetch) e.hook.fetch({ kind: "fetch", address: pc, size, value: this.fetchValue(pc, size), physical: 0, pc, icount: ic }, this.m);
        else e.hook?.fn(pc, size, this.m);
      }
      this.stoppedAt({ ic, pc });
      if (bp) return { kind: "breakpoint", pc };
    }
    return undefined;
  }

  private dispatchLog(v: DataView): void {
    const k = this.k, b = this.base;
    const n = v.getUint32(b + k.DBG_LOG_N, true);
    if (n === 0) return;
    const events: Array<{ kind: number; a: number; bb: number; c: number; d: number; pc: number; ic: number }> = [];
    for (let i = 0; i < n; i++) {
      const o = b + k.DBG_LOG + 32 * i;
      events.push({
        kind: v.getUint32(o, true), a: v.getUint32(o + 4, true), bb: v.getUint32(o + 8, true), c: v.getUint32(o + 12, true),
        d: v.getUint32(o + 16, true), pc: v.getUint32(o + 20, true), ic: Number(v.getBigUint64(o + 24, true)),
      });
    }
    v.setUint32(b + k.DBG_LOG_N, 0, true);
    v.setUint32(b + k.DBG_LOG_LOST, 0, true);
    for (const e of events) {
      if (e.kind === k.DBG_EV_READ || e.kind === k.DBG_EV_WRITE) {
        const write = e.kind === k.DBG_EV_WRITE;
        const flag = write ? k.DBG_W_WRITE : k.DBG_W_READ;
        const acc: MemAccess = { kind: write ? "write" : "read", address: e.a, size: e.c, value: e.bb, physical: e.d, pc: e.pc, icount: e.ic };
        for (const w of this.watch.slice()) {
          if (!w.hook || (w.flags & flag) === 0) continue;
          const at = (w.flags & k.DBG_W_PHYS) !== 0 ? e.d : e.a;
          if (w.lo <= at + e.c - 1 && w.hi >= at) w.hook.fn(acc, this.m);
        }
      } else if (e.kind === k.DBG_EV_EXC) {
        const ev: ExceptionEvent = { kind: EXC_KINDS[e.a] ?? "reset", vector: e.a, returnAddress: e.bb, mode: e.c, pc: e.pc, icount: e.ic };
        for (const f of [...this.excHooks.values()]) f(ev, this.m);
      } else if (e.kind === k.DBG_EV_TRAP) {
        const ev: TrapEvent = { kind: this.trapName(e.a), pc: e.pc, icount: e.ic };
        for (const f of [...this.trapHooks.values()]) f(ev, this.m);
      }
    }
  }

  private trapName(i: number): string {
    if (this.trapNames.length === 0) {
      for (const [name, idx] of Object.entries(this.k.vmmStats)) this.trapNames[idx] = name;
      for (const [name, n] of Object.entries(this.k.vmmHypercalls)) this.trapNames[hcStatIndex(this.k, n)] = `hc_${name}`;
    }
    return this.trapNames[i] ?? `counter_${i}`;
  }

  /** Size of the instruction at pc in the current instruction set (2 or 4). */
  insnSize(pc: number): number {
    if ((this.m.realCpsr & 0x20) === 0) return 4;
    const h = this.m.readVirt(pc, 2);
    return h && ((h[1] << 8) | h[0]) >= 0xe800 ? 4 : 2;
  }
  private fetchValue(pc: number, size: number): number {
    const b = this.m.readVirt(pc, size);
    if (!b) return 0;
    return size === 4 && (this.m.realCpsr & 0x20) !== 0 ? ((b[0] | (b[1] << 8)) << 16 | (b[2] | (b[3] << 8))) >>> 0
      : size === 4 ? (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0 : b[0] | (b[1] << 8);
  }
}

function bounds(r: HookRange | undefined): [number, number] {
  if (!r || (r.begin >>> 0) > (r.end >>> 0)) return [0, 0xffffffff];
  return [r.begin >>> 0, r.end >>> 0];
}
