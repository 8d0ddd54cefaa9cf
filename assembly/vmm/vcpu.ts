// The virtual CPU of a deprivileged guest (full and para modes). The real CPU always runs in User
// mode; the guest's mode and A/I/F masks live in V_CPSR, the banked R13/R14/SPSR of the modes that
// are not current in V_BANKS, and everything else of the CPSR (flags, GE, IT, E, T) stays in the
// real CPSR. The real I and F bits follow the virtual ones (full mode), so a physical interrupt only
// reaches the VMM when the guest could take it; in para mode the guest masks through the shared
// page and the VMM parks interrupts that arrive while it is masked.
// Exception entry and return follow ARM ARM B1.8 (entry: B1.8.3; return: B1.8.10 and the
// CPSRWriteByInstr/exception-return pseudocode of B9.3).
import {
  STATE, SCTLR, VBAR, STOP_FATAL, RAM_PHYS, RAM_MAX, DFSR, DFAR, IFSR, IFAR, BANKS, CPACR,
} from "../cpu/layout";
import {
  getR, setR, getCPSR, setCPSR, getRest, setRest, setNextPC, setFault, breakSlice, bankOf, validMode, uncountCurrent,
  curPC, MODE_USR, MODE_SVC, MODE_IRQ, MODE_ABT, PSR_I, PSR_F, PSR_A, PSR_T, PSR_E,
  bankSwitch, bankedRead, bankedWrite, bankSpsr, setBankSpsr, BANK_FIQ_R8, BANK_USR_R8,
} from "../cpu/state";
import { VEC_UNDEF, VEC_SVC, VEC_PABT, VEC_DABT, VEC_IRQ, VEC_FIQ } from "../cpu/exceptions";
import { requestStop } from "../cpu/stop";
import { dcacheFlushAll } from "../cpu/dcache";
import { tlbAsidTagged } from "../mmu/tlb";
import { intcIrq } from "../dev/intc";

import {
  V_MODE, V_CPSR, V_RAMSIZE, V_SHARED, V_BANKS, V_FIQ_R8, V_USR_R8, V_CP15, V_STATS, vcp,
  MODE_NATIVE, MODE_PARA, RESERVED_BYTES, V_RESERVED, V_PBASE, V_KRET_ON, V_KRET_TP, V_KRET_DACR,
  V_RETFILL_VA, V_RETFILL_KIND, V_RETFILL_CTX,
} from "./layout";
import { CONTEXTIDR } from "../cpu/layout";
import {
  count, charge, costDefaults, S_TRAPS, S_EXC_SVC, S_EXC_UNDEF, S_EXC_PABT, S_EXC_DABT, S_EXC_IRQ, S_EXC_FIQ,
  S_VIRQ_INJECTED, S_WORLD_SWITCHES, S_SHADOW_FAULTS, C_TRAP, C_REFLECT, C_VIRQ, C_WORLD_SWITCH, S_COUNT,
} from "./stats";
import { dbgExcOn, dbgEvent, EV_EXC, setOnDebugRetry } from "../debug/dbg";
import { shadowInit, shadowSelect, shadowFault, gwalk, gFsr, ptClose, shadowSave, shadowLoad, gHost, loadPbase } from "./shadow";
import { ptWin, setTrapping } from "../cpu/traps";
import { attachTraps } from "./trap";
import { vcp15Write } from "./vcp15";

export const FATAL_VMM: u32 = 3;           // the VMM met a state it cannot resolve (see STOP_INFO)
export const FATAL_PARA_CP15: u32 = 4;     // para mode: the guest kernel accessed CP15 itself (not a para guest)

export let vmmMode: u32 = MODE_NATIVE;
export let vmmActive: bool = false;        // full or para: exceptions and interrupts go to the VMM
export let vmode: u32 = MODE_SVC;          // virtual mode (mirrors V_CPSR[4:0])
export let vpriv: bool = true;             // virtual mode is privileged
export let parked: bool = false;           // para: a physical IRQ arrived while the guest masked
export let retried: bool = false;          // the current instruction will be retried (a hidden shadow fault)
export function clearRetried(): void { retried = false; }
function markRetried(): void { retried = true; } // a debugger's watchpoint aborted the access (debug/dbg.ts)

// Shared page (para): word offsets
export const SH_MASK: u32 = 0;     // 1 = virtual IRQs masked (the guest writes it; the VMM on entry/return)
export const SH_PENDING: u32 = 4;  // 1 = an interrupt is pending: unmasking should be followed by HC_IRQ_CHECK
export const SH_DFSR: u32 = 8;     // fault registers of the last reflected abort
export const SH_DFAR: u32 = 12;
export const SH_IFSR: u32 = 16;
export const SH_IFAR: u32 = 20;
export const SH_DACR: u32 = 24;    // ABI 1.2: the virtual DACR, kept by the VMM (the guest reads it without a trap)
// ABI 1.3: written at every exception the VMM delivers, so the guest's vectors load them instead of
// a trapped MRS SPSR and STM ^ (Linux's vector_swi, usr_entry: docs/hypercalls.md)
export const SH_SPSR: u32 = 28;    // the SPSR of the exception (the interrupted virtual CPSR)
export const SH_USR_SP: u32 = 32;  // the User-mode sp and lr at the exception
export const SH_USR_LR: u32 = 36;
// ABI 1.6: the instruction of the last Undefined Instruction exception reflected from virtual User
// mode, read as that User mode would read it (Linux's __und_usr loads it instead of a trapped LDRT)
export const SH_UND_INSN: u32 = 40; // A32 word, T16 halfword, or T32 first halfword << 16 | second
export const SH_UND_SIZE: u32 = 44; // its size in bytes (4 A32/T32, 2 T16), 0: not readable as User
// ABI 1.6: identification registers, written at registration and never changed (the guest loads them
// instead of a trapped MRC/VMRS): CP15 c0 with op1 0, crm 0-2, op2 0-7 at SH_ID + (crm * 8 + op2) * 4
// (MIDR, CTR, ..., MPIDR, ..., ID_PFR0, ..., ID_MMFR0-3, ID_ISAR0-5), then FPSID, MVFR0, MVFR1 and
// the CCSIDR of the L1 data and instruction caches (CSSELR 0 and 1)
export const SH_ID: u32 = 64;
export const SH_FPSID: u32 = 160;
export const SH_MVFR0: u32 = 164;
export const SH_MVFR1: u32 = 168;
export const SH_CCSIDR_L1D: u32 = 172;
export const SH_CCSIDR_L1I: u32 = 176;
export const SH_BYTES: u32 = 180;  // the words the VMM initialises at registration

@inline export function vreg(off: u32): u32 { return load<u32>(vcp(off)); }
@inline export function setVreg(off: u32, v: u32): void { store<u32>(vcp(off), v); }
@inline export function partitionBytes(): u32 { return load<u32>(V_RAMSIZE); }
@inline export function inPartition(pa: u32): bool { return pa - RAM_PHYS < partitionBytes(); }

// Host address of a shared-page word, or 0 when no shared page is registered.
@inline export function sharedAt(off: u32): u32 {
  const pa = load<u32>(V_SHARED);
  return pa == 0 ? 0 : gHost(pa) + off;
}
export function clearParked(): void { parked = false; }

// Switch this machine into `mode` (MODE_FULL or MODE_PARA) with `ramBytes` of physical RAM, taking
// the current (reset) CPU state as the guest's. Returns 0, 1 if RAM is too small to reserve, 2 if it
// is larger than the VMM's structures can cover (RAM_MAX: the page-table tracking bitmap).
export function vmmInit(mode: u32, ramBytes: u32): u32 {
  if (mode != MODE_NATIVE) {
    if (ramBytes < 2 * RESERVED_BYTES) return 1;
    if (ramBytes > RAM_MAX) return 2;
  }
  return vmmInitPart(mode, 0, ramBytes - RESERVED_BYTES);
}

// The same for a guest whose partition of `partBytes` starts `pbase` bytes into RAM, its VMM-reserved
// RAM right above it (vmm/guests.ts: guest k of several; vmmInit: the one guest, pbase 0).
export function vmmInitPart(mode: u32, pbase: u32, partBytes: u32): u32 {
  const ramBytes = partBytes + RESERVED_BYTES;
  memory.fill(V_MODE, 0, 0x100);
  memory.fill(V_STATS, 0, S_COUNT << 3);
  costDefaults();
  vmmMode = mode;
  store<u32>(V_MODE, mode);
  vmmActive = mode != MODE_NATIVE;
  attachTraps(); setTrapping(vmmActive); tlbAsidTagged(vmmActive);
  if (!vmmActive) return 0;
  store<u32>(V_RAMSIZE, ramBytes - RESERVED_BYTES);
  store<u32>(V_RESERVED, RAM_PHYS + pbase + ramBytes - RESERVED_BYTES);
  store<u32>(V_PBASE, pbase);
  loadPbase();
  memory.copy(V_CP15, STATE + SCTLR, 0x100);
  setOnDebugRetry(markRetried);
  vmmTakeState();
  shadowInit();
  dcacheFlushAll(); // the decode cache must now substitute the sensitive rows
  return 0;
}

// Re-derive the VMM's globals from its state block (after the host restored memory, e.g. a snapshot).
export function vmmResync(): void {
  vmmMode = load<u32>(V_MODE);
  vmmActive = vmmMode != MODE_NATIVE;
  attachTraps(); setTrapping(vmmActive); tlbAsidTagged(vmmActive);
  if (!vmmActive) return;
  loadPbase();
  vmode = load<u32>(V_CPSR) & 0x1f;
  vpriv = vmode != MODE_USR;
  parked = false;
  shadowInit();
}

// Snapshots (snapshot.ts): the VMM's globals at p (0x100 bytes); mode and virtual mode are
// re-derived from the VMM block, which the host copies.
export function vmmSave(p: u32): void {
  store<u32>(p, parked ? 1 : 0);
  if (vmmActive) shadowSave(p + 0x10);
}
export function vmmLoad(p: u32): void {
  vmmMode = load<u32>(V_MODE);
  vmmActive = vmmMode != MODE_NATIVE;
  parked = load<u32>(p) != 0;
  retried = false;
  tlbAsidTagged(vmmActive);
  if (!vmmActive) return;
  loadPbase();
  vmode = load<u32>(V_CPSR) & 0x1f;
  vpriv = vmode != MODE_USR;
  shadowLoad(p + 0x10);
}

// Take the real CPU's current architectural state as the guest's virtual state and drop the real
// CPU to User mode (used at init, and when the host sets the CPSR of a guest).
export function vmmTakeState(): void {
  const cpsr = getCPSR();
  const r13 = getR(13), r14 = getR(14);
  // the other modes' banks become virtual banks
  memory.copy(V_BANKS, STATE + BANKS, 0x70);
  vmode = cpsr & 0x1f;
  vpriv = vmode != MODE_USR;
  store<u32>(V_CPSR, cpsr & 0x1df);
  setCPSR((cpsr & ~0x1f) | MODE_USR);
  setR(13, r13); setR(14, r14);
  parked = false;
}

// --- virtual CPSR --------------------------------------------------------------------------------

// The I bit as the guest sees it: the shared page's mask when one is registered (para).
export function vIMasked(): bool {
  const sh = sharedAt(SH_MASK);
  if (sh != 0) return load<u32>(sh) != 0;
  return (load<u32>(V_CPSR) & PSR_I) != 0;
}

export function vGetCPSR(): u32 {
  let v = (getCPSR() & ~0x1df) | (load<u32>(V_CPSR) & 0x1df);
  const sh = sharedAt(SH_MASK);
  if (sh != 0) v = load<u32>(sh) != 0 ? v | PSR_I : v & ~PSR_I;
  return v;
}

// Real I/F/A bits for a virtual mask state: full mode mirrors them; in para mode with a shared
// page the real I stays clear (so interrupts reach the VMM) unless one is parked.
function realMasks(v: u32): u32 {
  let m = v & (PSR_A | PSR_I | PSR_F);
  if (sharedAt(0) != 0) { m &= ~PSR_I; if (parked) m |= PSR_I; }
  return m;
}

// Write the whole virtual CPSR (exception return, MSR with the control byte in a privileged mode).
export function vWriteCPSR(v: u32): void {
  let m = v & 0x1f;
  if (!validMode(m)) m = vmode;
  // User mode entered by anything but HC_RET_USER (which sets it again) has no kernel values to put back
  if (m == MODE_USR) store<u32>(V_KRET_ON, 0);
  vSetMode(m);
  store<u32>(V_CPSR, (v & 0x1c0) | m);
  const sh = sharedAt(SH_MASK);
  if (sh != 0) {
    store<u32>(sh, (v & PSR_I) != 0 ? 1 : 0);
    if ((v & PSR_I) == 0 && parked) parked = false; // unmasked by return: let the interrupt in
  }
  setCPSR((v & ~0x1df) | realMasks(v) | MODE_USR);
}

// Update only the mask bits (CPS, MSR c byte): keeps mode handling in one place.
export function vSetMasks(aif: u32): void {
  vWriteCPSR((vGetCPSR() & ~(PSR_A | PSR_I | PSR_F)) | (aif & (PSR_A | PSR_I | PSR_F)));
}

// --- banked registers ----------------------------------------------------------------------------
// The virtual banks have the real block's layout (cpu/state.ts bankSwitch and friends, over V_BANKS).
// @ts-ignore: AssemblyScript builtin (compile-time check)
if (V_FIQ_R8 != V_BANKS + BANK_FIQ_R8 || V_USR_R8 != V_BANKS + BANK_USR_R8) ERROR("vmm/layout.ts: V_FIQ_R8/V_USR_R8 must follow V_BANKS as FIQ_R8/USR_R8 follow BANKS");

export function vSetMode(m: u32): void {
  const from = vmode;
  if (from == m) return;
  bankSwitch(V_BANKS, from, m);
  vmode = m;
  const p = m != MODE_USR;
  if (p != vpriv) {
    vpriv = p;
    count(S_WORLD_SWITCHES);
    charge(C_WORLD_SWITCH);
    shadowSelect(false);
    realCpacr();
  }
}

// R8-R14 as virtual mode `mode` sees them (a mode with no bank: 0, writes ignored).
export function vGetBanked(mode: u32, n: u32): u32 { return bankedRead(V_BANKS, vmode, mode, n); }
export function vSetBanked(mode: u32, n: u32, v: u32): void { bankedWrite(V_BANKS, vmode, mode, n, v); }
export function vGetSPSR(): u32 { return bankOf(vmode) <= 0 ? vGetCPSR() : bankSpsr(V_BANKS, vmode); }
export function vSetSPSR(v: u32): void { setBankSpsr(V_BANKS, vmode, v); }
export function vGetSPSRof(mode: u32): u32 { return bankSpsr(V_BANKS, mode); }
export function vSetSPSRof(mode: u32, v: u32): void { setBankSpsr(V_BANKS, mode, v); }

// The real CPACR grants User-mode VFP access where the guest granted its privileged mode access
// (cp10/cp11 = 01 or 11): the deprivileged guest kernel must reach the VFP it enabled.
export function realCpacr(): void {
  let c = vreg(CPACR) & 0x00f00000;
  const lo = c & 0x00500000;
  c |= lo << 1;
  store<u32>(STATE + CPACR, c);
}

// --- exceptions ----------------------------------------------------------------------------------

export function vVectorBase(): u32 {
  return (vreg(SCTLR) & (1 << 13)) != 0 ? 0xffff0000 : vreg(VBAR) & 0xffffffe0;
}

// Reflect an exception into the guest's vectors (B1.8.3 exception entry against the virtual CPU).
export function reflect(mode: u32, vector: u32, lr: u32, setA: bool, setF: bool): void {
  if (ptWin > 0) ptClose(); // the windowed store did not complete: close before the guest runs on
  if (dbgExcOn) dbgEvent(EV_EXC, vector, lr, mode, 0); // a debugger's hook sees the guest's exceptions
  const spsr = vGetCPSR();
  const fromUser = vmode == MODE_USR;
  vSetMode(mode);
  vSetSPSR(spsr);
  setR(14, lr);
  // Taken in the User mode HC_RET_USER entered: the kernel's TPIDRURO and DACR of that call come back
  // (hypercall.ts retUser), as its own entry code would write them (Linux: reload_current, uaccess_disable)
  if (fromUser && load<u32>(V_KRET_ON) != 0) {
    store<u32>(V_KRET_ON, 0);
    vcp15Write(13, 0, 0, 3, load<u32>(V_KRET_TP));
    vcp15Write(3, 0, 0, 0, load<u32>(V_KRET_DACR));
  }
  let vc = (spsr & 0x1c0) | PSR_I | mode;
  if (setA) vc |= PSR_A;
  if (setF) vc |= PSR_F;
  store<u32>(V_CPSR, vc);
  const sh = sharedAt(SH_MASK);
  if (sh != 0) {
    store<u32>(sh, 1);
    store<u32>(sh + SH_SPSR, spsr);
    store<u32>(sh + SH_USR_SP, vGetBanked(MODE_USR, 13));
    store<u32>(sh + SH_USR_LR, vGetBanked(MODE_USR, 14));
  }
  const sc = vreg(SCTLR);
  let rest = (getRest() & ~(0x0600fc00 | PSR_T | PSR_E | (1 << 24) | 0x1df)) | MODE_USR | realMasks(vc);
  if ((sc & (1 << 30)) != 0) rest |= PSR_T;
  if ((sc & (1 << 25)) != 0) rest |= PSR_E;
  setRest(rest);
  setNextPC(vVectorBase() + vector);
  setFault(true);
  breakSlice();
  charge(C_REFLECT);
}

// Exception return against the virtual CPU: CPSR <- spsr, branch to addr (B9.3.x exception return).
// From virtual User mode it is UNPREDICTABLE; like the real CPU we just branch.
export function vExceptionReturn(addr: u32, spsr: u32): void {
  if (vmode != MODE_USR) vWriteCPSR(spsr);
  const t = (getRest() & PSR_T) != 0;
  setNextPC(t ? addr & ~1 : addr & ~3);
  breakSlice();
}

// Retry the current instruction after a hidden shadow fault. A data access aborted inside an
// instruction that therefore did not retire: the instruction count (the virtual clock) goes back by
// one (the slice ends here, so the run loop re-reads it). A fetch abort comes before the count.
function retry(executing: bool): void {
  retried = true;
  setNextPC(curPC); setFault(true); breakSlice();
  if (executing) uncountCurrent();
}

// Retry the current (trapped) instruction once the run loop has come back: it did not complete
// and is not counted (a hypercall waiting for the host to drain the console).
export function retryInstruction(): void { retry(true); }

// Hook from cpu/exceptions.ts: every exception the real CPU takes while a guest runs
// deprivileged comes here instead of changing the real mode.
export function vmmException(mode: u32, vector: u32, lr: u32, setA: bool, setF: bool): void {
  count(S_TRAPS);
  charge(C_TRAP);
  if (vector == VEC_IRQ) {
    if (vIMasked()) { // para: the guest masked through the shared page; park until it checks
      parked = true;
      const p = sharedAt(SH_PENDING);
      if (p != 0) store<u32>(p, 1);
      setRest(getRest() | PSR_I);
      setNextPC(lr - 4);
      setFault(true);
      breakSlice();
      return;
    }
    count(S_EXC_IRQ); count(S_VIRQ_INJECTED); charge(C_VIRQ);
    injectIrq(lr);
    return;
  }
  if (vector == VEC_FIQ) { count(S_EXC_FIQ); reflect(mode, vector, lr, setA, setF); return; }
  if (vector == VEC_SVC) { count(S_EXC_SVC); reflect(mode, vector, lr, setA, setF); return; }
  if (vector == VEC_UNDEF) {
    // A paravirtual kernel asks the VMM by hypercall. One that reaches for CP15 itself (MCR/MRC are
    // UNDEFINED in real User mode) was written for a CPU of its own: stop and say so, rather than
    // reflect an exception its vectors cannot take (setting VBAR or SCTLR.V is a CP15 write too).
    if (vmmMode == MODE_PARA && vpriv && isCp15Access(curPC)) {
      requestStop(STOP_FATAL, FATAL_PARA_CP15);
      setNextPC(curPC); setFault(true); breakSlice(); // the pc stays on the instruction
      return;
    }
    if (!vpriv) undefInsn();
    count(S_EXC_UNDEF); reflect(mode, vector, lr, setA, setF); return;
  }
  if (vector == VEC_DABT || vector == VEC_PABT) {
    const fetch = vector == VEC_PABT;
    const fsr = load<u32>(STATE + (fetch ? IFSR : DFSR));
    const far = load<u32>(STATE + (fetch ? IFAR : DFAR));
    const fs = (fsr & 0xf) | ((fsr >>> 6) & 0x10);
    let gfsr = fsr;
    // Translation, domain and permission faults come from the shadow tables: resolve or reflect.
    if (fs == 0x05 || fs == 0x07 || fs == 0x09 || fs == 0x0b || fs == 0x0d || fs == 0x0f) {
      count(S_SHADOW_FAULTS);
      const kind: u32 = fetch ? 2 : ((fsr & (1 << 11)) != 0 ? 1 : 0);
      const r = shadowFault(far, kind);
      if (r > 0) { retry(!fetch); return; }
      if (r < 0) { retry(false); return; } // the machine is stopping (vmmFatal)
      gfsr = gFsr | (fetch ? 0 : fsr & (1 << 11));
      if (!vpriv && vmmMode == MODE_PARA) {   // for HC_RET_USER's fill (shadow.ts shadowPrefault)
        store<u32>(V_RETFILL_VA, far); store<u32>(V_RETFILL_KIND, kind + 1); store<u32>(V_RETFILL_CTX, vreg(CONTEXTIDR));
      }
    }
    if (fetch) {
      count(S_EXC_PABT);
      setVreg(IFSR, gfsr); setVreg(IFAR, far);
      const sh = sharedAt(SH_IFSR);
      if (sh != 0) { store<u32>(sh, gfsr); store<u32>(sh, far, 4); }
      reflect(mode, vector, lr, setA, setF);
    } else reflectDabt(gfsr, far, lr);
    return;
  }
  reflect(mode, vector, lr, setA, setF); // reset
}

// Deliver the guest's own Data Abort (guest DFSR layout, fault address; lr = preferred return + 8).
export function reflectDabt(fsr: u32, far: u32, lr: u32): void {
  count(S_EXC_DABT);
  setVreg(DFSR, fsr); setVreg(DFAR, far);
  const sh = sharedAt(SH_DFSR);
  if (sh != 0) { store<u32>(sh, fsr); store<u32>(sh, far, 4); }
  reflect(MODE_ABT, VEC_DABT, lr, true, false);
}

// Deliver a virtual IRQ whose preferred return address is lr - 4.
export function injectIrq(lr: u32): void {
  parked = false;
  const p = sharedAt(SH_PENDING);
  if (p != 0) store<u32>(p, 0);
  reflect(MODE_IRQ, VEC_IRQ, lr, true, false);
}

// ABI 1.6: an Undefined Instruction exception from virtual User mode puts the instruction at curPC in
// the shared page (SH_UND_INSN, SH_UND_SIZE), read through the guest's tables with User permissions,
// as an LDRT/LDRHT of the guest kernel would read it (ARM ARM A8.8.92 LDRT, A8.8.83 LDRHT: "as if
// the processor were running in User mode"). A 32-bit Thumb instruction (first halfword 0b11101,
// 0b11110 or 0b11111 in bits 15:11, A6.1) is first << 16 | second, the form Linux's __und_usr builds.
// An instruction the User mode cannot read (it was fetched, so it can, unless the guest changed its
// tables since) gives size 0: Linux then retries it, as its LDRT fixup does.
function undefInsn(): void {
  const sh = sharedAt(SH_UND_INSN);
  if (sh == 0) return;
  let insn: u32 = 0, size: u32 = 0;
  if ((getRest() & PSR_T) == 0) {
    const pa = gwalk(curPC, 0, false);
    if (gFsr == 0 && inPartition(pa) && inPartition(pa + 3)) { insn = load<u32>(gHost(pa)); size = 4; }
  } else {
    const pa1 = gwalk(curPC, 0, false);
    if (gFsr == 0 && inPartition(pa1) && inPartition(pa1 + 1)) {
      const hw1 = <u32>load<u16>(gHost(pa1));
      if (hw1 < 0xe800) { insn = hw1; size = 2; }
      else {
        const pa2 = gwalk(curPC + 2, 0, false);
        if (gFsr == 0 && inPartition(pa2) && inPartition(pa2 + 1)) { insn = (hw1 << 16) | <u32>load<u16>(gHost(pa2)); size = 4; }
      }
    }
  }
  store<u32>(sh, insn);
  store<u32>(sh + (SH_UND_SIZE - SH_UND_INSN), size);
}

// MCR/MRC with coprocessor 15 at the guest's `pc` (A32 A1/A2, T32 T1/T2: coproc 1111, bit 4 set).
function isCp15Access(pc: u32): bool {
  if ((getRest() & PSR_T) == 0) {
    const pa = gwalk(pc, 0, vpriv);
    return gFsr == 0 && inPartition(pa) && (load<u32>(gHost(pa)) & 0x0f000f10) == 0x0e000f10;
  }
  const pa1 = gwalk(pc, 0, vpriv);
  if (gFsr != 0 || !inPartition(pa1)) return false;
  const pa2 = gwalk(pc + 2, 0, vpriv);
  if (gFsr != 0 || !inPartition(pa2)) return false;
  const t: u32 = (<u32>load<u16>(gHost(pa1)) << 16) | <u32>load<u16>(gHost(pa2));
  return (t & 0xef000f10) == 0xee000f10;
}

export function vmmFatal(why: u32): void { requestStop(STOP_FATAL, FATAL_VMM | (why << 8)); }

// A pending physical interrupt the guest can take now (para irq check).
export function irqDeliverable(): bool { return intcIrq() && !vIMasked(); }
