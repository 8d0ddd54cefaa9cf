// The execution loop. run(budget) alternates between the outer loop (device events, interrupts,
// WFI, stop requests: once per block) and the inner loop, which executes pre-decoded instructions
// from the physically indexed decode cache until ICOUNT reaches sliceEnd. Anything that changes
// what the inner loop assumed (mode, masks, translation, code) calls breakSlice().
import {
  STATE, ICOUNT, STOP_BUDGET, STOP_IDLE, STOP_YIELD, STOP_HOST, STOP_WFI_WALL, STOP_REASON, STATE_SIZE,
  IFSR, IFAR, RAM, RAM_MAX, PAGEMAP, DCACHE, UART_TX,
} from "./layout";
import {
  curPC, sliceEnd, setCurPC, setNextPC, takeBranch, loopEvent, EV_BRANCH, EV_BREAK, fault, setFault, setSliceEnd,
  setR, getR, getRest, setCPSR, liveStart, liveEnd, blockIc, blockPC,
  syncFromState, setOnModeChange, privileged, getN, getZ, getC, getV, PSR_T, PSR_I, PSR_F, PSR_E,
} from "./state";
import { takeIRQ, takeFIQ, takePrefetchAbort, resetExceptionTracking } from "./exceptions";
import { requestStop, stopPending, clearStop } from "./stop";
import { wfiPending, clearWfi, wfiYield } from "./wfi";
import { cp15Reset } from "./cp15";
import { slotFor, slotPage, slotIndex, decMark, dcacheInit, COPY_BYTES, E_A32, E_T32, E_WIDE, E_COND, E_OP } from "./dcache";
import { decodeA32, execA32 } from "../decode/a32.gen";
import { decodeT16, execT16 } from "../decode/t16.gen";
import { decodeT32, execT32 } from "../decode/t32.gen";
import { itAdvance, IT_MASK, condPassed } from "./psr";
import { translateFetch, xlFsr } from "../mmu/mmu";
import { tlbSelect, tlbFlushAll, tlbInit, bigData } from "../mmu/tlb";
import { busReset, setRamSize, devicesUpdate, ramHost } from "../bus/bus";
import { cycles, nextEventCycle, extraCycles, addCycles, NEVER, wallMode } from "../bus/clock";
import { intcIrq, intcFiq } from "../dev/intc";
import { clearExclusive } from "../isa/ldst";
import { // the VMM's trap points under their VMM-side names (cpu/traps.ts), not an import of vmm/
  trapping as vmmActive, substA32 as vmmSubstA32, substT16 as vmmSubstT16, substT32 as vmmSubstT32,
  ptWin, stepEnd as ptStepEnd, windowEnd as ptWindowEnd,
} from "./traps";
import { dbgStepped, dbgRun, dbgInit } from "../debug/dbg";
import { jitLookup, jitEnter, jitMarkCode, engine, ENGINE_JIT, codeHit } from "./jit";
import { readSlow, writeSlow, writeCodeQuick } from "../mmu/mmu";

export const INIT_OK: u32 = 0;
export const INIT_BAD_SIZE: u32 = 1;
export const INIT_NO_MEMORY: u32 = 2;
export const INIT_LAYOUT: u32 = 3;

// The TLB sets follow the privilege and the data endianness (CPSR.E). Every change of E (SETEND,
// MSR, exception entry from SCTLR.EE, exception return) breaks the slice: run() re-checks it there.
function modeChanged(): void { tlbSelect(privileged, (getRest() & PSR_E) != 0); }

export function coreInit(ramBytes: u32): u32 {
  if (ramBytes == 0 || (ramBytes & 0xfffff) != 0 || ramBytes > RAM_MAX) return INIT_BAD_SIZE;
  if (__heap_base > STATE) return INIT_LAYOUT;
  const need = (RAM + ramBytes + COPY_BYTES) >>> 16; // guest RAM, then the decode cache's page copies (dcache.ts)
  const have = <u32>memory.size();
  if (need > have && memory.grow(need - have) < 0) return INIT_NO_MEMORY;
  setRamSize(ramBytes);
  setOnModeChange(modeChanged);
  memory.fill(STATE, 0, STATE_SIZE);
  memory.fill(UART_TX, 0, 16);
  memory.fill(PAGEMAP, 0, DCACHE - PAGEMAP);
  dcacheInit(ramBytes);
  tlbInit();
  dbgInit();
  coreReset();
  return INIT_OK;
}

// Power-on reset (B1.8.1): SVC mode, A/I/F masked, ARM state, MMU off, PC = 0 (the host then
// points PC at the loaded image's entry).
export function coreReset(): void {
  for (let n: u32 = 0; n < 16; n++) setR(n, 0);
  memory.fill(STATE + 0x060, 0, 0x0c0); // banks
  store<u64>(STATE + ICOUNT, 0);
  store<u64>(STATE, 0, 0x138);
  cp15Reset();
  setCPSR(0x000001d3);
  syncFromState();
  tlbFlushAll();
  clearExclusive();
  clearWfi();
  clearStop();
  resetExceptionTracking();
  busReset();
  setCurPC(0);
}

export function requestHostStop(): void { requestStop(STOP_HOST, 0); }

function prefetchAbort(pc: u32): void {
  store<u32>(STATE + IFSR, xlFsr);
  store<u32>(STATE + IFAR, pc);
  setCurPC(pc);
  takePrefetchAbort();
}

// Cold paths of the inner loop live in their own functions (kept out of line by being reachable
// from the export list too) so the loop itself keeps its few variables in registers.
let fetchHost: u32 = 0;
// Compiled code (cpu/jit.ts) is entered at block starts while the JIT engine is selected and no
// debugger stepping is on; in-page branches then go back to the block start instead of going on.
let jitOn: bool = false;

// Translate a new fetch page: returns its decode slot and sets fetchHost, or takes the prefetch
// abort and returns 0.
export function fetchRefill(pc: u32): u32 {
  const pa = translateFetch(pc);
  if (xlFsr != 0) { prefetchAbort(pc); return 0; }
  fetchHost = ramHost(pa & 0xfffff000);
  return slotFor(pa);
}

// Decode the ARM instruction at pc into entry e; returns the entry's first word.
export function decodeMiss(e: u32, pc: u32): u32 {
  const raw = load<u32>(fetchHost + (pc & 0xffc));
  let cond = raw >>> 28;
  if (cond == 15) cond = 14;
  let op = decodeA32(raw);
  if (vmmActive) op = vmmSubstA32(op, raw); // VMM trap point: sensitive rows -> VMM_TRAP
  const w = op | (cond << 16) | (cond != 14 ? E_COND : 0) | E_A32;
  store<u32>(e, w);
  store<u32>(e, raw, 4);
  decMark(slotIndex(e), pc & 0xffc, 4);
  return w;
}

// Decode the Thumb instruction at pc into entry e (A6.1: a first halfword of 0b11101, 0b11110 or
// 0b11111 starts a 32-bit instruction). Returns the entry's first word (bit 31 Thumb, bit 21 a
// 32-bit instruction, 19:16 the condition of B<c>, else AL; bit 30 stays clear: it is kept for
// "decoded as A32") and leaves the instruction in thumbRaw. A 32-bit
// instruction whose second halfword lies on the next page is not cached: the next page's mapping
// may change without this page's entries being dropped. Returns 0 after a prefetch abort on it.
const T_WIDE: u32 = E_WIDE;
export let thumbRaw: u32 = 0;
export function thumbDecodeMiss(e: u32, pc: u32): u32 {
  const hw1 = <u32>load<u16>(fetchHost + (pc & 0xffe));
  if (hw1 < 0xe800) {
    let cond: u32 = 14;
    if ((hw1 & 0xf000) == 0xd000 && ((hw1 >>> 8) & 0xe) != 0xe) cond = (hw1 >>> 8) & 15;
    let op = decodeT16(hw1);
    if (vmmActive) op = vmmSubstT16(op, hw1); // VMM trap point (as decodeMiss)
    const w = E_T32 | (cond << 16) | op;
    store<u32>(e, w);
    store<u32>(e, hw1, 4);
    decMark(slotIndex(e), pc & 0xffe, 2);
    thumbRaw = hw1;
    return w;
  }
  let hw2: u32;
  const cross = (pc & 0xffe) == 0xffe;
  if (cross) {
    const pa = translateFetch(pc + 2);
    if (xlFsr != 0) {
      store<u32>(STATE + IFSR, xlFsr);
      store<u32>(STATE + IFAR, pc + 2);
      setCurPC(pc);
      takePrefetchAbort();
      return 0;
    }
    hw2 = <u32>load<u16>(ramHost(pa));
  } else hw2 = <u32>load<u16>(fetchHost + (pc & 0xffe) + 2);
  const raw = (hw1 << 16) | hw2;
  let cond: u32 = 14;
  if ((raw & 0xf800_d000) == 0xf000_8000 && ((raw >>> 23) & 7) != 7) cond = (raw >>> 22) & 15;
  let op = decodeT32(raw);
  if (vmmActive) op = vmmSubstT32(op, raw); // VMM trap point (as decodeMiss)
  const w = E_T32 | T_WIDE | (cond << 16) | op;
  if (!cross) { store<u32>(e, w); store<u32>(e, raw, 4); decMark(slotIndex(e), pc & 0xffe, 4); }
  thumbRaw = raw;
  return w;
}

// The translator's view of the decode cache (src/jit/): the entry for pc in decode slot `slot`
// (host address), decoded now if it was not yet (the same decode, VMM substitution included, as
// the run loops'). Returns the entry's first word, or 0 where the loops do not cache an entry (a
// 32-bit Thumb instruction crossing the page end).
export function jitDecode(slot: u32, pc: u32, thumb: u32): u32 {
  const e = slot + ((pc & 0xffe) << 2);
  let w = load<u32>(e);
  fetchHost = ramHost(slotPage(slot));
  if (thumb == 0) {
    if ((w & E_A32) == 0) w = decodeMiss(e, pc);
  } else if ((w & E_T32) == 0) {
    if ((pc & 0xffe) == 0xffe) return 0;
    w = thumbDecodeMiss(e, pc);
  }
  jitMarkCode(slotIndex(slot), pc & 0xfff, thumb == 0 || (w & E_WIDE) != 0 ? 4 : 2);
  return w;
}

// One instruction of each loop, given its decode entry (w, raw): the condition (in Thumb, ITSTATE's
// inside an IT block, which then advances unless the instruction replaced ITSTATE itself or was
// retried: A2.5.2) and the row's handler. The JIT's helpers below are the same step.
@inline function a32Step(w: u32, raw: u32): void {
  if ((w & E_COND) == 0 || condPassed((w >>> 16) & 0xf)) execA32(w & E_OP, raw);
}
@inline function thumbStep(w: u32, raw: u32): void {
  const it = getRest() & IT_MASK;
  const cond = it != 0 ? (getRest() >>> 12) & 15 : (w >>> 16) & 15;
  if (cond >= 14 || condPassed(cond)) {
    if ((w & T_WIDE) != 0) execT32(w & E_OP, raw); else execT16(w & E_OP, raw);
  }
  if (it != 0 && !fault && (getRest() & IT_MASK) == it) itAdvance();
}

// What compiled code (src/jit/) calls for a row it does not inline: one step of the matching loop
// for the instruction at pc. Compiled code has stored ICOUNT (this instruction included) before the
// call and tests loopEvent and codeHit after it.
export function jitA32(w: u32, raw: u32, pc: u32): void { setCurPC(pc); setR(15, pc + 8); a32Step(w, raw); }
export function jitThumb(w: u32, raw: u32, pc: u32): void { setCurPC(pc); setR(15, pc + 4); thumbStep(w, raw); }

// The slow path of a load or store that compiled code inlines (a software TLB miss: a walk, a code
// page, a device, an abort), and the rest of that instruction, in the order of the interpreter's
// handlers (isa/ldst.ts): the access; if it aborted, nothing else (the abort is taken, no register
// is written); else the base register's write-back (wb = the offset address), then a load's
// destination (so a load with Rn = Rt leaves the loaded value). `desc` = size (1, 2, 4) | load << 3
// | signed << 4 | Thumb << 5 | Rt << 8 | Rn << 12 (Rn 15: no write-back). Compiled code has stored
// ICOUNT with this instruction counted. Returns 1 when the block must leave after this instruction
// (an abort, a slice break, a store into compiled code: the loop event path), else 0.
export function jitAccessSlow(va: u32, desc: u32, pc: u32, wb: u32): u32 {
  setCurPC(pc);
  setR(15, pc + ((desc & 0x20) != 0 ? 4 : 8));
  const size = desc & 7, rt = (desc >>> 8) & 15, rn = (desc >>> 12) & 15;
  let v: u32 = 0;
  if ((desc & 8) != 0) {
    v = readSlow(va, size, false);
    if ((desc & 0x10) != 0 && size < 4) { const sh = 32 - (size << 3); v = <u32>(<i32>(v << sh) >> sh); }
  } else if (!writeCodeQuick(va, size, getR(rt))) writeSlow(va, size, getR(rt), false);
  if (fault) return 1;
  if (rn != 15) setR(rn, wb);
  if ((desc & 8) != 0) setR(rt, v);
  return loopEvent != 0 || codeHit != 0 ? 1 : 0;
}

// Thumb inner loop, in blocks like the A32 one below: the budget, slice breaks (interrupts, mode
// and translation changes) and the fetch page are checked once per block; a block ends at a taken
// branch or other loop event, at the end of the page or of the budget. Entries are halfword-
// granular, R15 reads as the address + 4, and inside an IT block the condition of each instruction
// comes from ITSTATE (A2.5.2), which advances after every instruction of the block unless the
// instruction itself replaced it (exception entry or return) or was retried (a VMM shadow fill:
// `fault` set, ITSTATE untouched; the return to it restores it as for an exception return, B1.8.3).
// 16-bit B<c> and T32 B<c> keep their own condition in the entry. Instructions are 2 or 4 bytes,
// so the count cannot be derived from the PC as in A32: ICOUNT is stored after every instruction
// and icount() reads it directly.
function execLoopThumb(): void {
  let pc = curPC;
  let pageVA: u32 = 1;
  let slot: u32 = 0;
  let ic = load<u64>(STATE + ICOUNT);
  while (ic < sliceEnd && (loopEvent & EV_BREAK) == 0) {
    if ((pc & 0xfffff000) != pageVA) {
      slot = fetchRefill(pc);
      if (slot == 0) { pc = takeBranch(); break; } // prefetch abort taken (not counted)
      pageVA = pc & 0xfffff000;
    }
    if (jitOn && (getRest() & IT_MASK) == 0) { // compiled blocks start outside IT blocks
      const f = jitLookup(slot, pc, 1);
      if (f != 0 && ic + <u64>(f >>> 20) <= sliceEnd) {
        pc = jitEnter(f, pc, sliceEnd - ic, ic);
        ic = load<u64>(STATE + ICOUNT);
        continue;
      }
    }
    const stop = sliceEnd;
    for (;;) {
      const e = slot + ((pc & 0xffe) << 2);
      let w = load<u32>(e);
      let raw: u32;
      if ((w & E_T32) == 0) {
        w = thumbDecodeMiss(e, pc);
        if (w == 0) { pc = takeBranch(); break; } // prefetch abort on the second halfword (breaks the slice)
        raw = thumbRaw;
      } else raw = load<u32>(e, 4);
      setCurPC(pc);
      setR(15, pc + 4);
      ic++;
      store<u64>(STATE + ICOUNT, ic);
      thumbStep(w, raw);
      if (loopEvent != 0) {
        if (loopEvent == EV_BRANCH) {
          const t = takeBranch();
          // A plain branch within the page with budget left: next block without leaving the loop.
          if (((t ^ pc) & 0xfffff000) == 0 && ic < stop && !jitOn) { pc = t; continue; }
          pc = t;
        } else pc = (loopEvent & EV_BRANCH) != 0 ? takeBranch() : pc + ((w & T_WIDE) != 0 ? 4 : 2);
        break;
      }
      pc += (w & T_WIDE) != 0 ? 4 : 2;
      if (ic >= stop || (pc & 0xfffff000) != pageVA) break;
    }
  }
  setCurPC(pc);
}

// Inner loop. The instruction set state (T) is fixed for the slice: every change of CPSR.T breaks
// it. The A32 loop runs straight-line blocks: a block ends at a taken branch (or exception), at
// the end of the page, or where the slice's instruction budget runs out, whichever comes first,
// so the per-instruction work is the dispatch, one test of loopEvent and one compare of the PC.
let blockStop: u32 = 0; // address at which the current block ends (page end or budget)

// Start a block at pc with ic instructions retired (ic < sliceEnd).
@inline function startBlock(pc: u32, ic: u64): void {
  const left = sliceEnd - ic;
  const inPage = (0x1000 - (pc & 0xffc)) >>> 2; // (a misaligned pc still ends at the page end)
  // A global, not a local: TurboFan would otherwise recompute it after every instruction.
  blockStop = pc + ((left < <u64>inPage ? <u32>left : inPage) << 2);
  liveStart(pc, ic);
}

function execLoop(): void {
  if ((getRest() & PSR_T) != 0) { execLoopThumb(); return; }
  let pc = curPC;
  let pageVA: u32 = 1;      // virtual page the cached slot belongs to (1 = none)
  let slot: u32 = 0;
  let ic = load<u64>(STATE + ICOUNT);
  while (ic < sliceEnd && (loopEvent & EV_BREAK) == 0) {
    if ((pc & 0xfffff000) != pageVA) {
      store<u64>(STATE + ICOUNT, ic);
      slot = fetchRefill(pc);
      if (slot == 0) { pc = takeBranch(); break; } // prefetch abort taken (not counted)
      pageVA = pc & 0xfffff000;
    }
    if (jitOn) {
      const f = jitLookup(slot, pc, 0);
      if (f != 0 && ic + <u64>(f >>> 20) <= sliceEnd) {
        store<u64>(STATE + ICOUNT, ic);
        pc = jitEnter(f, pc, sliceEnd - ic, ic);
        ic = load<u64>(STATE + ICOUNT);
        continue;
      }
    }
    startBlock(pc, ic);
    for (;;) {
      const e = slot + ((pc & 0xffc) << 2);
      let w = load<u32>(e);
      if ((w & E_A32) == 0) w = decodeMiss(e, pc);
      setCurPC(pc);
      setR(15, pc + 8);
      a32Step(w, load<u32>(e, 4));
      if (loopEvent != 0) {
        ic = blockIc + <u64>((pc - blockPC) >>> 2) + 1;
        if (loopEvent == EV_BRANCH) {
          const t = takeBranch();
          // A plain branch within the page with budget left: next block without leaving the loop.
          if (((t ^ pc) & 0xfffff000) == 0 && ic < sliceEnd && !jitOn) { pc = t; startBlock(pc, ic); continue; }
          pc = t;
        } else pc = (loopEvent & EV_BRANCH) != 0 ? takeBranch() : pc + 4;
        break;
      }
      pc += 4;
      if (pc == blockStop) { ic = blockIc + <u64>((pc - blockPC) >>> 2); break; }
    }
    liveEnd();
  }
  store<u64>(STATE + ICOUNT, ic);
  setCurPC(pc);
}

// Run at most `budget` instructions. Returns the STOP_* reason.
export function run(budget: u32): u32 {
  clearStop();
  const end = load<u64>(STATE + ICOUNT) + <u64>budget;
  while (!stopPending) {
    setFault(false);
    if (((getRest() & PSR_E) != 0) != bigData) modeChanged();
    if (wallMode || cycles() >= nextEventCycle) devicesUpdate();
    // Interrupts are taken between instructions; FIQ has priority (B1.8.6). After one is taken the
    // boundary is checked again: an entry that leaves another interrupt takeable (the VMM's para
    // mode clears the real I bit while the line is still high, and then parks it) is handled here
    // at once, not wherever the next slice happens to start.
    const rest = getRest();
    if (intcFiq() && (rest & PSR_F) == 0) { clearWfi(); takeFIQ(curPC); setCurPC(takeBranch()); setFault(false); continue; }
    if (intcIrq() && (rest & PSR_I) == 0) { clearWfi(); takeIRQ(curPC); setCurPC(takeBranch()); setFault(false); continue; }
    if (wfiPending) {
      if (intcIrq() || intcFiq()) { clearWfi(); continue; } // wakes even when masked
      if (nextEventCycle == NEVER) { requestStop(STOP_IDLE, 0); break; }
      if (wallMode) { requestStop(STOP_WFI_WALL, 0); break; }
      const now = cycles();
      if (wfiYield && nextEventCycle > now) { requestStop(STOP_YIELD, 0); break; } // several guests: the scheduler's
      if (nextEventCycle > now) addCycles(nextEventCycle - now); // fast-forward virtual time
      devicesUpdate();
      continue;
    }
    const ic = load<u64>(STATE + ICOUNT);
    if (ic >= end) { requestStop(STOP_BUDGET, 0); break; }
    let lim = end;
    if (nextEventCycle != NEVER && !wallMode) {
      const extra = extraCycles();
      const evIc = nextEventCycle > extra ? nextEventCycle - extra : 0;
      if (evIc < lim) lim = evIc > ic ? evIc : ic + 1;
    }
    if (ptWin > 0) { // VMM hook: stop where the page-table write windows close (vmm/shadow.ts)
      const w = ptWindowEnd();
      if (w < lim) lim = w > ic ? w : ic + 1;
    }
    setSliceEnd(lim);
    jitOn = engine == ENGINE_JIT && !dbgStepped;
    if (dbgStepped) dbgRun(execLoop); else execLoop(); // breakpoints, steps: one instruction at a time
    if (ptWin > 0) ptStepEnd();
  }
  setR(15, curPC); // the host sees R15 = next instruction to execute
  return load<u32>(STATE + STOP_REASON);
}
