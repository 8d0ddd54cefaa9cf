// Debugger support for the GDB stub and the Machine hook API (src/debug): code breakpoints and code
// hooks (PC ranges), watchpoints and memory hooks (address ranges), single steps, and event hooks
// (exceptions, VMM traps and hypercalls). The host writes the tables at DBG (cpu/layout.ts) and
// calls dbgUpdate(); the core reports through STOP_DEBUG and the event log. Nothing here runs while
// the tables are empty: the run loop tests one flag per slice (dbgStepped), the MMU's slow path one
// flag per TLB miss (dbgWatchOn), exception entry and the VMM's counters one flag each.
//
// - Code ranges: while any is set (or a step is asked for), run() executes its slices one
//   instruction at a time through dbgRun, which stops before an instruction whose address lies in a
//   range (STOP_DEBUG, DBG_CODE; the host decides whose range it was).
// - Watch ranges: data pages overlapping one never enter the software TLB (tlbInsert asks
//   dbgNoTlb), so every access to them takes mmu.ts accessPage, the path the guest's own accesses
//   take, which calls dbgAccess after translation. A stopping range (a GDB watchpoint) aborts the
//   access like a hidden data abort: the instruction does not retire and is retried on resume, so
//   GDB sees the PC at the accessing instruction with memory unchanged (ARM watchpoints are not
//   steppable: GDB steps over it). A logging range (a hook) lets the access happen and logs it.
// - Events (hooks): log entries; the core stops after the instruction (STOP_DEBUG, DBG_EVENTS).
// Breakpoints and steps never change what the guest computes: slices may be cut anywhere
// (test/run-blocks.test.ts), and an aborted access leaves the state as it was before the instruction.
import { DBG, STOP_DEBUG, RAM, RAM_PHYS } from "../cpu/layout";
import {
  curPC, icount, setNextPC, setFault, breakSlice, uncountCurrent, sliceEnd, setSliceEnd,
} from "../cpu/state";
import { requestStop } from "../cpu/stop";
import { tlbFlushAll } from "../mmu/tlb";

// --- layout of DBG (offsets) ------------------------------------------------------------------
export const DBG_CTRL: u32 = 0x000;      // host -> core: DBGF_* bits
export const DBG_CODE_N: u32 = 0x004;    // entries in the code table
export const DBG_WATCH_N: u32 = 0x008;   // entries in the watch table
export const DBG_STEP_IC: u32 = 0x010;   // u64: with DBGF_STEP, stop once ICOUNT or the PC differ from these
export const DBG_STEP_PC: u32 = 0x018;
export const DBG_SKIP_IC: u32 = 0x020;   // u64: resuming from a stop at (SKIP_IC, SKIP_PC): that instruction
export const DBG_SKIP_PC: u32 = 0x028;   //   neither matches a code range nor aborts at a stopping watch range
export const DBG_HIT_PC: u32 = 0x030;    // core -> host: the PC of the last code match / watch hit
export const DBG_HIT_ADDR: u32 = 0x034;  //   the watch hit: virtual address, size, 1 = write, index
export const DBG_HIT_SIZE: u32 = 0x038;
export const DBG_HIT_WRITE: u32 = 0x03c;
export const DBG_HIT_INDEX: u32 = 0x040;
export const DBG_LOG_N: u32 = 0x044;     // entries in the event log (the host empties it)
export const DBG_LOG_LOST: u32 = 0x048;  // events not logged because the log was full
export const DBG_CODE: u32 = 0x100;      // DBG_CODE_MAX x { u32 lo, u32 hi } (inclusive)
export const DBG_CODE_MAX: u32 = 128;
export const DBG_WATCH: u32 = 0x500;     // DBG_WATCH_MAX x { u32 lo, u32 hi (inclusive), u32 flags, u32 0 }
export const DBG_WATCH_MAX: u32 = 64;
export const DBG_LOG: u32 = 0x900;       // DBG_LOG_MAX x 32 bytes: { kind, a, b, c, d, pc, u64 icount }
export const DBG_LOG_MAX: u32 = 128;
export const DBG_BYTES: u32 = 0x1900;

// DBG_CTRL bits
export const DBGF_EXC: u32 = 1;          // log exceptions the guest takes (native: entry; full/para: reflection)
export const DBGF_TRAP: u32 = 2;         // log VMM events (every counter increment of vmm/stats.ts)
export const DBGF_STEP: u32 = 4;         // stop after one instruction (or when an exception changes the PC)

// Watch entry flags
export const W_READ: u32 = 1;
export const W_WRITE: u32 = 2;
export const W_PHYS: u32 = 4;            // lo/hi are physical addresses
export const W_STOP: u32 = 8;            // a GDB watchpoint: abort the access and stop before the instruction

// STOP_DEBUG infos
export const DBG_STOP_CODE: u32 = 1;
export const DBG_STOP_WATCH: u32 = 2;
export const DBG_STOP_STEP: u32 = 3;
export const DBG_STOP_EVENTS: u32 = 4;

// Log entry kinds
export const EV_READ: u32 = 1;           // a: va, b: value, c: size, d: pa
export const EV_WRITE: u32 = 2;
export const EV_EXC: u32 = 3;            // a: vector offset, b: return address (LR), c: mode
export const EV_TRAP: u32 = 4;           // a: vmm/stats.ts counter index

// --- state derived by dbgUpdate ------------------------------------------------------------------
export let dbgStepped: bool = false;     // run() diverts its slices to dbgRun
export let dbgWatchOn: bool = false;
export let dbgExcOn: bool = false;
export let dbgTrapOn: bool = false;
let codeLo: u32 = 0xffffffff;            // bounds of all code ranges: a quick first test
let codeHi: u32 = 0;

@inline function ctl(off: u32): u32 { return load<u32>(DBG + off); }

export function dbgInit(): void { memory.fill(DBG, 0, DBG_BYTES); dbgUpdate(false); }

// The host changed the tables or DBG_CTRL (watchChanged: the watch table).
export function dbgUpdate(watchChanged: bool): void {
  const c = ctl(DBG_CTRL);
  let n = ctl(DBG_CODE_N);
  if (n > DBG_CODE_MAX) { n = DBG_CODE_MAX; store<u32>(DBG + DBG_CODE_N, n); }
  codeLo = 0xffffffff; codeHi = 0;
  for (let i: u32 = 0; i < n; i++) {
    const lo = load<u32>(DBG + DBG_CODE + (i << 3)), hi = load<u32>(DBG + DBG_CODE + (i << 3), 4);
    if (lo < codeLo) codeLo = lo;
    if (hi > codeHi) codeHi = hi;
  }
  dbgStepped = n != 0 || (c & DBGF_STEP) != 0;
  let w = ctl(DBG_WATCH_N);
  if (w > DBG_WATCH_MAX) { w = DBG_WATCH_MAX; store<u32>(DBG + DBG_WATCH_N, w); }
  dbgWatchOn = w != 0;
  dbgExcOn = (c & DBGF_EXC) != 0;
  dbgTrapOn = (c & DBGF_TRAP) != 0;
  // Pages now watched must leave the TLB (pages no longer watched may enter it again).
  if (watchChanged) tlbFlushAll();
  breakSlice();
}

// --- code ranges and steps --------------------------------------------------------------------

function codeMatch(pc: u32): bool {
  if (pc < codeLo || pc > codeHi) return false;
  const n = ctl(DBG_CODE_N);
  for (let i: u32 = 0; i < n; i++) {
    const e = DBG + DBG_CODE + (i << 3);
    if (pc >= load<u32>(e) && pc <= load<u32>(e, 4)) return true;
  }
  return false;
}

// The run loop's debug path (cpu/run.ts, while dbgStepped): the slice up to sliceEnd, one
// instruction at a time through `exec` (the run loop's own inner loop, given a one-instruction
// slice), stopping before an instruction in a code range and after a requested step. Returns
// early when the instruction broke the slice (interrupt, mode change, stop...): run() handles that
// as after any slice, then calls here again.
export function dbgRun(exec: () => void): void {
  const end = sliceEnd;
  const step = (ctl(DBG_CTRL) & DBGF_STEP) != 0;
  for (;;) {
    const ic = icount();
    if (ic >= end) return;
    const pc = curPC;
    if (step && (ic != load<u64>(DBG + DBG_STEP_IC) || pc != load<u32>(DBG + DBG_STEP_PC))) {
      requestStop(STOP_DEBUG, DBG_STOP_STEP);
      return;
    }
    if (codeMatch(pc) && !(ic == load<u64>(DBG + DBG_SKIP_IC) && pc == load<u32>(DBG + DBG_SKIP_PC))) {
      store<u32>(DBG + DBG_HIT_PC, pc);
      requestStop(STOP_DEBUG, DBG_STOP_CODE);
      return;
    }
    setSliceEnd(ic + 1);
    exec();
    if (sliceEnd == 0) return; // the slice was broken
    setSliceEnd(end);
  }
}

// --- watch ranges -------------------------------------------------------------------------------

// A data page (virtual va, physical pa) may not enter the software TLB: a watch range overlaps it.
export function dbgNoTlb(va: u32, pa: u32): bool {
  const n = ctl(DBG_WATCH_N);
  const vp = va & 0xfffff000, pp = pa & 0xfffff000;
  for (let i: u32 = 0; i < n; i++) {
    const e = DBG + DBG_WATCH + (i << 4);
    const p = (load<u32>(e, 8) & W_PHYS) != 0 ? pp : vp;
    if (load<u32>(e) <= p + 0xfff && load<u32>(e, 4) >= p) return true;
  }
  return false;
}

// Physical address of a TLB entry's page: data sets hold host addends (tlb.ts).
@inline export function dbgTlbPA(va: u32, addend: u32): u32 { return va + addend - RAM + RAM_PHYS; }

// An access of `size` bytes at va (physical pa) the guest is about to make (mmu.ts accessPage),
// `v` the value of a write. Returns -1 when a stopping range aborted it (the caller returns at once:
// `fault` is set and the instruction will be retried), 1 when a logging range wants the read's
// value afterwards (dbgLogRead), 0 otherwise. Writes are logged here.
export let onDebugRetry: () => void = noop; // the VMM marks its trapped instruction as retried
function noop(): void {}
export function setOnDebugRetry(f: () => void): void { onDebugRetry = f; }

export function dbgAccess(va: u32, pa: u32, size: u32, write: bool, v: u32): i32 {
  const n = ctl(DBG_WATCH_N);
  const want = write ? W_WRITE : W_READ;
  let logRead = false;
  for (let i: u32 = 0; i < n; i++) {
    const e = DBG + DBG_WATCH + (i << 4);
    const f = load<u32>(e, 8);
    if ((f & want) == 0) continue;
    const a = (f & W_PHYS) != 0 ? pa : va;
    if (load<u32>(e) > a + size - 1 || load<u32>(e, 4) < a) continue;
    if ((f & W_STOP) != 0) {
      const ic = icount(); // counts the instruction being executed
      if (ic == load<u64>(DBG + DBG_SKIP_IC) + 1 && curPC == load<u32>(DBG + DBG_SKIP_PC)) continue;
      store<u32>(DBG + DBG_HIT_PC, curPC);
      store<u32>(DBG + DBG_HIT_ADDR, va);
      store<u32>(DBG + DBG_HIT_SIZE, size);
      store<u32>(DBG + DBG_HIT_WRITE, write ? 1 : 0);
      store<u32>(DBG + DBG_HIT_INDEX, i);
      // As a hidden data abort (vmm/vcpu.ts retry): the instruction does not retire and runs again.
      setNextPC(curPC); setFault(true); breakSlice(); uncountCurrent();
      onDebugRetry();
      requestStop(STOP_DEBUG, DBG_STOP_WATCH);
      return -1;
    }
    if (write) { dbgEvent(EV_WRITE, va, v, size, pa); return 0; } // one entry per access
    logRead = true;
  }
  return logRead ? 1 : 0;
}

export function dbgLogRead(va: u32, pa: u32, size: u32, v: u32): void { dbgEvent(EV_READ, va, v, size, pa); }

// --- the event log --------------------------------------------------------------------------------

export function dbgEvent(kind: u32, a: u32, b: u32, c: u32, d: u32): void {
  const n = ctl(DBG_LOG_N);
  if (n >= DBG_LOG_MAX) store<u32>(DBG + DBG_LOG_LOST, ctl(DBG_LOG_LOST) + 1);
  else {
    const e = DBG + DBG_LOG + (n << 5);
    store<u32>(e, kind); store<u32>(e, a, 4); store<u32>(e, b, 8); store<u32>(e, c, 12); store<u32>(e, d, 16);
    store<u32>(e, curPC, 20); store<u64>(e, icount(), 24);
    store<u32>(DBG + DBG_LOG_N, n + 1);
  }
  requestStop(STOP_DEBUG, DBG_STOP_EVENTS);
}
