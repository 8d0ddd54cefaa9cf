// Para-virtual hypercalls (docs/hypercalls.md): HVC #imm16 from the guest's virtual privileged
// mode; number = imm16, arguments r0-r3, result r0 (negative = error). HVC is UNDEFINED on
// Cortex-A8, so only a para machine's decode cache maps it here; from virtual User mode it is
// reflected as the UNDEFINED instruction it is. A malformed or unknown call returns an error.
import { getR, setR, fault, validMode, MODE_USR, MODE_SVC, getRest, setRest, breakSlice, PSR_I } from "../cpu/state";
import {
  RAM, RAM_PHYS, STATE, SCTLR, CPACR, FPEXC, TPIDRURO, DFSR, DFAR, IFSR, IFAR, TTBR0, TTBR1, TTBCR, DACR, CONTEXTIDR, VBAR, STOP_UART_FULL, STOP_YIELD,
} from "../cpu/layout";
import { takeUndef } from "../cpu/exceptions";
import { requestWfi } from "../cpu/wfi";
import { dcacheFlushAll, dcacheFlushPage, icacheInvalidateAll } from "../cpu/dcache";
import { read32, write32 } from "../mmu/mmu";
import { uartWrite, uartTxRoom } from "../dev/uart";
import { requestStop } from "../cpu/stop";
import { now32k } from "../bus/clock";
import { V_SHARED, V_CPSR, V_KRET_ON, V_KRET_TP, V_KRET_DACR, V_RETFILL_VA, V_RETFILL_KIND, V_RETFILL_CTX } from "./layout";
import {
  vpriv, vmode, vreg, setVreg, vGetCPSR, vGetBanked, vSetBanked, vSetMode, vGetSPSR, vExceptionReturn, inPartition,
  clearParked, SH_PENDING, SH_MASK, SH_DACR, SH_BYTES, SH_ID, SH_FPSID, SH_MVFR0, SH_MVFR1, SH_CCSIDR_L1D, SH_CCSIDR_L1I, sharedAt, retried, clearRetried, retryInstruction,
} from "./vcpu";
import { vcp15Write, vcp15Read, vcpUndef } from "./vcp15";
import { FPSID_VALUE, MVFR0_VALUE, MVFR1_VALUE } from "../isa/vfp";
import { ccsidr } from "../cpu/cp15";
import { gwalk, gFsr, gW, shadowInvalPage, shadowInvalRange, shadowPrefault, gHost, gMachine } from "./shadow";
import { guestCur, guestCount, evtBind, evtSend, evtTake, grantAdd, grantRevoke, grantHost } from "./guests";
import { count, charge, S_HYPERCALLS, S_HC_ERRORS, S_HC_BASE, S_HC_HI_BASE, S_HC_HI_N, C_HYPERCALL, C_EMULATE } from "./stats";

export const HC_VERSION: u32 = 0;
export const HC_EXC_RETURN: u32 = 1;
export const HC_EXC_ENTER: u32 = 2;
export const HC_SET_VBAR: u32 = 3;
export const HC_SET_TTBRS: u32 = 4;
export const HC_SET_DACR: u32 = 5;
export const HC_SET_SCTLR: u32 = 6;
export const HC_SWITCH_MM: u32 = 7;
export const HC_TLB_FLUSH_ALL: u32 = 8;
export const HC_TLB_FLUSH_ASID: u32 = 9;
export const HC_TLB_FLUSH_PAGE: u32 = 10;
export const HC_ICACHE_SYNC: u32 = 11;
export const HC_SHARED_PAGE: u32 = 12;
export const HC_IRQ_CHECK: u32 = 13;
export const HC_IDLE: u32 = 14;
export const HC_SET_MODE_SP: u32 = 15;
export const HC_PT_UPDATE: u32 = 16;
export const HC_CONSOLE_WRITE: u32 = 17;
export const HC_TIME: u32 = 18;
export const HC_GET_REG: u32 = 19;
// Several guests (docs/hypercalls.md, "Several guests"; vmm/guests.ts)
export const HC_GUEST_INFO: u32 = 20;
export const HC_YIELD: u32 = 21;
export const HC_EVTCHN_BIND: u32 = 22;
export const HC_EVTCHN_SEND: u32 = 23;
export const HC_EVTCHN_PENDING: u32 = 24;
export const HC_GRANT: u32 = 25;
export const HC_GRANT_REVOKE: u32 = 26;
export const HC_GRANT_COPY: u32 = 27;
// Linux's exception return (ABI 1.3; docs/hypercalls.md "Linux's paravirtual port")
export const HC_RET_USER: u32 = 28;
export const HC_ENTER_SVC: u32 = 29;
export const HC_RET_KERNEL: u32 = 30;
// Linux's range TLB maintenance (ABI 1.4)
export const HC_TLB_FLUSH_RANGE: u32 = 31;
// Linux's context switch and lazy VFP switching (ABI 1.5): TPIDRURO and FPEXC writes
export const HC_SET_REG: u32 = 32;
export const HC_COUNT: u32 = 33;

export const HV_ENOSYS: i32 = -1;   // unknown hypercall number
export const HV_EINVAL: i32 = -2;   // bad argument
export const HV_EFAULT: i32 = -3;   // bad guest address
export const HV_EPERM: i32 = -4;    // not permitted (e.g. shared page outside the partition)
export const HV_EAGAIN: i32 = -5;   // the other guest is not ready (an event channel's peer has not bound its end)
export const HV_ENOSPC: i32 = -6;   // no free entry (grant table full)

// 1.1: the several-guest calls (20-27); 1.2: the shared page's dacr word; 1.3: HC_RET_USER,
// HC_ENTER_SVC, HC_RET_KERNEL (28-30) and the shared page's spsr, usr_sp, usr_lr words;
// 1.4: HC_TLB_FLUSH_RANGE (31); 1.5: HC_SET_REG (32), HC_GET_REG's ids 11 (FPEXC) and 12 (TPIDRURO);
// 1.6: the shared page's und_insn/und_size words and identification block, id 13 (CPACR)
export const VERSION: u32 = 0x00010006;
const FRAME_WORDS: u32 = 18;        // r0-r12, sp_usr, lr_usr, lr_svc, pc, cpsr (the kernel's frame)
const PT_BATCH_MAX: u32 = 256;

@inline function ret(v: i32): void { setR(0, <u32>v); if (v < 0) count(S_HC_ERRORS); }

export function hypercall(i: u32): void {
  if (!vpriv) { takeUndef(); return; }
  const n = ((i >>> 4) & 0xfff0) | (i & 0xf);
  clearRetried();
  call(n);
  // A call whose guest-memory access needed a shadow fill is retried: counted once, when it completes.
  if (retried) return;
  count(S_HYPERCALLS);
  if (n < 32) count(S_HC_BASE + n);
  else if (n < 32 + S_HC_HI_N) count(S_HC_HI_BASE + n - 32);
  charge(C_HYPERCALL);
}

function call(n: u32): void {
  const a0 = getR(0), a1 = getR(1), a2 = getR(2);
  switch (n) {
    case HC_VERSION: ret(<i32>VERSION); return;
    case HC_EXC_RETURN: excReturn(); return;
    case HC_EXC_ENTER: excEnter(); return;
    case HC_SET_VBAR: vcp15Write(12, 0, 0, 0, a0); ret(0); return;
    case HC_SET_TTBRS:
      if ((a2 & ~0x37) != 0) { ret(HV_EINVAL); return; }
      vcp15Write(2, 0, 0, 2, a2); vcp15Write(2, 0, 0, 1, a1); vcp15Write(2, 0, 0, 0, a0);
      ret(0); return;
    case HC_SET_DACR: vcp15Write(3, 0, 0, 0, a0); ret(0); return;
    case HC_SET_SCTLR: { const old = vreg(SCTLR); vcp15Write(1, 0, 0, 0, a0); ret(<i32>old); return; }
    case HC_SWITCH_MM:
      if (a1 > 0xff) { ret(HV_EINVAL); return; }
      setVreg(CONTEXTIDR, a1);     // both together: one shadow selection
      vcp15Write(2, 0, 0, 0, a0);
      ret(0); return;
    case HC_TLB_FLUSH_ALL: vcp15Write(8, 0, 7, 0, 0); ret(0); return;
    case HC_TLB_FLUSH_ASID:
      if (a0 > 0xff) { ret(HV_EINVAL); return; }
      vcp15Write(8, 0, 7, 2, a0); ret(0); return;
    case HC_TLB_FLUSH_PAGE: vcp15Write(8, 0, 7, 1, (a0 & 0xfffff000) | (a1 & 0xff)); ret(0); return;
    case HC_TLB_FLUSH_RANGE: tlbFlushRange(a0, a1, a2); return;
    case HC_ICACHE_SYNC: icacheInvalidateAll(); breakSlice(); ret(0); return; // as ICIALLU (cpu/dcache.ts)
    case HC_SHARED_PAGE:
      if ((a0 & 0xfff) != 0) { ret(HV_EINVAL); return; }
      if (a0 != 0 && !inPartition(a0)) { ret(HV_EPERM); return; }
      store<u32>(V_SHARED, a0);
      // The decode cache holds rows substituted for the old state: with a shared page, para mode
      // traps the sensitive instructions the guest still executes (trap.ts vmmSubstA32).
      dcacheFlushAll();
      breakSlice();
      if (a0 != 0) {
        memory.fill(gHost(a0), 0, SH_BYTES);
        store<u32>(gHost(a0) + SH_DACR, vreg(DACR));
        store<u32>(gHost(a0) + SH_MASK, (load<u32>(V_CPSR) & PSR_I) != 0 ? 1 : 0); // the current virtual I
        idBlock(gHost(a0));
        clearParked();
        setRest(getRest() & ~PSR_I); // from now on interrupts reach the VMM, which parks them while masked
        breakSlice();
      }
      ret(0); return;
    case HC_IRQ_CHECK: {
      clearParked();
      const p = sharedAt(SH_PENDING);
      if (p != 0) store<u32>(p, 0);
      setRest(getRest() & ~PSR_I);  // a still-pending interrupt is taken (or parked) at once
      breakSlice();
      ret(0); return;
    }
    case HC_IDLE: requestWfi(); ret(0); return;
    case HC_SET_MODE_SP:
      if (!validMode(a0) || a0 == MODE_USR) { ret(HV_EINVAL); return; }
      vSetBanked(a0, 13, a1); ret(0); return;
    case HC_PT_UPDATE: ptUpdate(a0, a1); return;
    case HC_CONSOLE_WRITE: consoleWrite(a0, a1); return;
    case HC_TIME: setR(0, <u32>now32k()); setR(1, 0); return;
    case HC_GET_REG: getReg(a0); return;
    case HC_SET_REG: ret(setReg(a0, a1)); return;
    case HC_GUEST_INFO: setR(0, guestCur); setR(1, guestCount); return;
    case HC_YIELD: if (guestCount > 1) requestStop(STOP_YIELD, 0); ret(0); return;
    case HC_EVTCHN_BIND: ret(evtBind(a0, a1)); return;
    case HC_EVTCHN_SEND: ret(evtSend(a0)); return;
    case HC_EVTCHN_PENDING: setR(0, evtTake()); return;
    case HC_GRANT:
      if ((a2 & ~1) != 0) { ret(HV_EINVAL); return; }
      ret(grantAdd(a0, a1, (a2 & 1) != 0)); return;
    case HC_GRANT_REVOKE: ret(grantRevoke(a0)); return;
    case HC_GRANT_COPY: grantCopy(a0, a1, a2); return;
    case HC_RET_USER: retUser(a0, a1, a2); return;
    case HC_RET_KERNEL: retKernel(a0, a1); return;
    case HC_ENTER_SVC:
      // Linux's vector stubs: MSR SPSR_cxsf (the CPSR with mode SVC) + MOVS PC, LR in one call.
      // Every register is preserved (r0 carries the stub's save area); the masks do not change.
      vExceptionReturn(getR(14), (vGetCPSR() & ~0x1f) | MODE_SVC);
      return;
  }
  ret(HV_ENOSYS);
}

// HC_EXC_ENTER: from the exception mode the VMM reflected into, push {lr, spsr} on the SVC stack
// (SRSDB sp!, #SVC), enter SVC mode and store the kernel's frame (r0-r12, User sp/lr, lr_svc)
// below them; r0 = frame address. All stores happen before any register changes, so a shadow
// fault part-way simply retries the call.
function excEnter(): void {
  const sp = vGetBanked(MODE_SVC, 13);
  const f = sp - (FRAME_WORDS << 2);
  const lrSvc = vmode == MODE_SVC ? getR(14) : vGetBanked(MODE_SVC, 14);
  for (let r: u32 = 0; r < 13; r++) { write32(f + (r << 2), getR(r)); if (fault) return; }
  write32(f + 52, vGetBanked(MODE_USR, 13)); if (fault) return;
  write32(f + 56, vGetBanked(MODE_USR, 14)); if (fault) return;
  write32(f + 60, lrSvc); if (fault) return;
  write32(f + 64, getR(14)); if (fault) return;
  write32(f + 68, vGetSPSR()); if (fault) return;
  vSetMode(MODE_SVC);
  // CPS #SVC: the virtual CPSR's mode follows (vmode alone would be lost where the VMM re-derives it
  // from V_CPSR: a snapshot's restore, a guest switch)
  store<u32>(V_CPSR, (load<u32>(V_CPSR) & ~0x1f) | MODE_SVC);
  setR(13, f);
  setR(0, f);
}

// HC_EXC_RETURN: pop the frame at the SVC sp and return from the exception (CPSR <- frame.cpsr).
const SCR: u32 = STATE + 0x980; // scratch words in the CPU state block, after trap.ts's
function excReturn(): void {
  if (vmode != MODE_SVC) { ret(HV_EPERM); return; }
  const f = getR(13);
  if ((f & 3) != 0) { ret(HV_EFAULT); return; }
  for (let k: u32 = 0; k < FRAME_WORDS; k++) {
    const v = read32(f + (k << 2));
    if (fault) return;
    store<u32>(SCR + (k << 2), v);
  }
  vSetBanked(MODE_USR, 13, load<u32>(SCR + 52));
  vSetBanked(MODE_USR, 14, load<u32>(SCR + 56));
  for (let r: u32 = 0; r < 13; r++) setR(r, load<u32>(SCR + (r << 2)));
  setR(14, load<u32>(SCR + 60));
  setR(13, f + (FRAME_WORDS << 2));
  vExceptionReturn(load<u32>(SCR + 64), load<u32>(SCR + 68));
}

// HC_RET_USER(frame, tpidruro, dacr): return to User mode from a Linux pt_regs (r0-r12, sp, lr, pc,
// cpsr, ORIG_r0: 18 words at `frame`, which the kernel has already popped off its stack) in one call,
// instead of MRC/MCR TPIDRURO, MCR DACR, MSR SPSR, LDM ^ and MOVS PC, LR (ARM ARM B1.8.10 exception
// return; the frame's cpsr is the SPSR it would have written: B9.3.12 MSR (SPSR), B9.3.7 LDM (exception return)). The
// frame is read through the guest's tables as its kernel (never a shadow or another partition's
// RAM); nothing changes unless the whole call is valid: EINVAL for a misaligned frame or a cpsr that
// is not User mode with A, I and F clear (a User-mode return cannot mask or leave the virtual CPU
// privileged; J is cleared), EFAULT for a frame word that does not translate to the guest's RAM, EPERM
// outside virtual SVC mode. The kernel's TPIDRURO and DACR at the call come back when the next
// exception taken in that User mode is reflected (vcpu.ts reflect).
const RET_CPSR_BAD: u32 = 0x1c0 | 0x1f; // A, I, F and the mode field (which must be User)
function retUser(f: u32, tp: u32, dacr: u32): void {
  if (vmode != MODE_SVC) { ret(HV_EPERM); return; }
  if (!readFrame(f, FRAME_WORDS)) return;
  // J is cleared, not refused: Cortex-A8's Jazelle is the trivial one (no Jazelle state to return to),
  // and Linux's valid_user_regs() lets a sigreturn frame through with it set
  const cpsr = load<u32>(SCR + 64) & ~(1 << 24);
  if ((cpsr & RET_CPSR_BAD) != MODE_USR) { ret(HV_EINVAL); return; }
  const ktp = vreg(TPIDRURO), kdacr = vreg(DACR);
  vcp15Write(3, 0, 0, 0, dacr);
  vcp15Write(13, 0, 0, 3, tp);
  vSetBanked(MODE_USR, 13, load<u32>(SCR + 52));
  vSetBanked(MODE_USR, 14, load<u32>(SCR + 56));
  for (let r: u32 = 0; r < 13; r++) setR(r, load<u32>(SCR + (r << 2)));
  vExceptionReturn(load<u32>(SCR + 60), cpsr);
  store<u32>(V_KRET_TP, ktp);
  store<u32>(V_KRET_DACR, kdacr);
  store<u32>(V_KRET_ON, 1);
  // the User access whose abort was reflected last, if the kernel has mapped it (shadow.ts)
  const k = load<u32>(V_RETFILL_KIND);
  if (k != 0) {
    store<u32>(V_RETFILL_KIND, 0);
    if (load<u32>(V_RETFILL_CTX) == vreg(CONTEXTIDR)) shadowPrefault(load<u32>(V_RETFILL_VA), k - 1);
  }
}

// HC_RET_KERNEL(frame, cpsr): Linux's svc_exit, the return from an exception taken in the kernel:
// MSR SPSR_cxsf, cpsr + LDMIA frame, {r0-pc}^ in one call (B9.3.12 MSR, B9.3.7 LDM (exception return)): r0-r12,
// sp, lr and pc of SVC mode from the first 16 words at `frame`, CPSR <- cpsr, which must ask for SVC
// mode (EINVAL otherwise: the kernel falls back to the trapped instructions; J is cleared). Frame
// checks and errors as HC_RET_USER; nothing changes unless the call is valid.
function retKernel(f: u32, cpsr: u32): void {
  if (vmode != MODE_SVC) { ret(HV_EPERM); return; }
  cpsr &= ~(1 << 24);
  if ((cpsr & 0x1f) != MODE_SVC) { ret(HV_EINVAL); return; }
  if (!readFrame(f, 16)) return;
  for (let r: u32 = 0; r < 15; r++) setR(r, load<u32>(SCR + (r << 2)));
  vExceptionReturn(load<u32>(SCR + 60), cpsr);
}

// Copy `n` words of a frame at guest VA f into SCR, read through the guest's own tables as its
// kernel; false (with the hypercall's error set) if f is misaligned or a word does not translate to
// the guest's RAM. No shadow fault and no guest abort: a bad pointer is an error, never VMM memory.
function readFrame(f: u32, n: u32): bool {
  if ((f & 3) != 0) { ret(HV_EINVAL); return false; }
  if (f > 0xffffffff - (n << 2) + 1) { ret(HV_EFAULT); return false; } // would wrap past 4 GiB
  let h: u32 = 0;   // host address of the current word; walked again at the frame's start and at a page boundary
  for (let k: u32 = 0; k < n; k++) {
    const va = f + (k << 2);
    if (k == 0 || (va & 0xfff) == 0) {
      const pa = gwalk(va, 0, true);
      if (gFsr != 0 || !inPartition(pa)) { ret(HV_EFAULT); return false; }
      h = gHost(pa);
    }
    store<u32>(SCR + (k << 2), load<u32>(h));
    h += 4;
  }
  return true;
}

// HC_PT_UPDATE(list, n): n entries of {descriptor VA, new value, mapped VA | ASID}; each write
// must hit guest RAM the guest kernel may write. Returns the number applied, or an error.
function ptUpdate(list: u32, n: u32): void {
  if (n > PT_BATCH_MAX || (list & 3) != 0) { ret(HV_EINVAL); return; }
  for (let k: u32 = 0; k < n; k++) {
    const e = list + k * 12;
    const dva = gpa(e, false), vva = gpa(e + 4, false), mva = gpa(e + 8, false);
    if (dva == 0 || vva == 0 || mva == 0) { ret(k == 0 ? HV_EFAULT : <i32>k); return; }
    const d = load<u32>(gHost(dva));
    if ((d & 3) != 0) { ret(k == 0 ? HV_EFAULT : <i32>k); return; }
    const pa = gpa(d, true);
    if (pa == 0) { ret(k == 0 ? HV_EFAULT : <i32>k); return; }
    store<u32>(gHost(pa), load<u32>(gHost(vva)));
    shadowInvalPage(load<u32>(gHost(mva)) & 0xfffff000);
  }
  ret(<i32>n);
}

// HC_TLB_FLUSH_RANGE(start, end, asid): TLBIMVA (B4.2.2; vcp15.ts 0x8071) of every page that
// overlaps [start, end), in one call: Linux's v7wbi_flush_user_tlb_range / _kern_tlb_range loops.
// end is exclusive (0 = the top of the address space); start = end is an empty range (0 pages).
// Like a trapped TLBIMVA here, the shadow entries of those pages go from every address space (more
// than asked, which is always allowed); the ASID must still be a valid one. Charged one `emulate`
// per MiB of the range on top of the call: the VMM visits each MiB's shadow L1 entries.
function tlbFlushRange(start: u32, end: u32, asid: u32): void {
  const e: u64 = end == 0 ? 0x1_0000_0000 : <u64>end;
  if (asid > 0xff || e < <u64>start) { ret(HV_EINVAL); return; }
  const s = start & 0xfffff000;
  if (e > <u64>s) {
    const mibs = shadowInvalRange(s, (e + 0xfff) & ~(<u64>0xfff));
    for (let k: u32 = 0; k < mibs; k++) charge(C_EMULATE);
  }
  ret(0);
}

// Guest-physical address of a word at guest-virtual va (aligned, in the partition), 0 if none.
function gpa(va: u32, write: bool): u32 {
  if ((va & 3) != 0) return 0;
  const pa = gwalk(va, write ? 1 : 0, true);
  if (gFsr != 0 || !inPartition(pa) || (write && !gW)) return 0;
  return pa;
}

// HC_CONSOLE_WRITE(va, len): up to 4096 bytes to the console. The console ring is drained by the
// host between slices; a call that would not fit in what is left of it writes nothing: the slice
// ends for the host to drain, and the call is retried (counted once, when it completes). Drained,
// the ring always has room for 4096 bytes, so the retry completes.
function consoleWrite(va: u32, len: u32): void {
  if (len > 4096) { ret(HV_EINVAL); return; }
  if (!uartTxRoom(len)) { requestStop(STOP_UART_FULL, 0); retryInstruction(); return; }
  for (let k: u32 = 0; k < len; k++) {
    const pa = gwalk(va + k, 0, true);
    if (gFsr != 0 || !inPartition(pa)) { ret(k == 0 ? HV_EFAULT : <i32>k); return; }
    uartWrite(0, 1, <u32>load<u8>(gHost(pa)));
  }
  ret(<i32>len);
}

// ABI 1.6: the shared page's identification block (vcpu.ts SH_ID): what a privileged MRC of CP15 c0
// (op1 0, crm 0-2: B4.1.105 MIDR, B4.1.41 CTR, B4.1.106 MPIDR, B4.1.89-99 ID_PFR/DFR/AFR/MMFR/ISAR)
// and VMRS of FPSID, MVFR0, MVFR1 (B4.1.60, B4.1.101-102) return on the virtual CPU, and CCSIDR
// (B4.1.19) for CSSELR 0 and 1 (L1 data and instruction cache); an encoding that is UNDEFINED there
// reads as 0.
function idBlock(h: u32): void {
  for (let crm: u32 = 0; crm < 3; crm++) {
    for (let op2: u32 = 0; op2 < 8; op2++) {
      const v = vcp15Read(0, 0, crm, op2);
      store<u32>(h + SH_ID + ((crm * 8 + op2) << 2), vcpUndef ? 0 : v);
    }
  }
  store<u32>(h + SH_FPSID, FPSID_VALUE);
  store<u32>(h + SH_MVFR0, MVFR0_VALUE);
  store<u32>(h + SH_MVFR1, MVFR1_VALUE);
  store<u32>(h + SH_CCSIDR_L1D, ccsidr(0));
  store<u32>(h + SH_CCSIDR_L1I, ccsidr(1));
}

function getReg(id: u32): void {
  let v: u32;
  switch (id) {
    case 0: v = vreg(SCTLR); break;
    case 1: v = vreg(DFSR); break;
    case 2: v = vreg(DFAR); break;
    case 3: v = vreg(IFSR); break;
    case 4: v = vreg(IFAR); break;
    case 5: v = vreg(TTBR0); break;
    case 6: v = vreg(TTBR1); break;
    case 7: v = vreg(TTBCR); break;
    case 8: v = vreg(DACR); break;
    case 9: v = vreg(CONTEXTIDR); break;
    case 10: v = vreg(VBAR); break;
    case 11:
      if (!fpexcAccess()) { setR(0, 0); setR(1, <u32>HV_EPERM); count(S_HC_ERRORS); return; }
      v = load<u32>(STATE + FPEXC); break;
    case 12: v = vreg(TPIDRURO); break;
    case 13: v = vreg(CPACR); break;
    default: setR(0, 0); setR(1, <u32>HV_EINVAL); count(S_HC_ERRORS); return;
  }
  setR(0, v); setR(1, 0);
}

// FPEXC is reachable as a trapped VMRS/VMSR would reach it (trap.ts emVfpSys, ARM ARM B4.1.57 and
// the CPACR's B4.1.40): the guest's CPACR must give full access to cp10 and cp11 (the real CPACR
// follows the virtual one, vcpu.ts realCpacr).
@inline function fpexcAccess(): bool { return (load<u32>(STATE + CPACR) & 0x00f00000) == 0x00f00000; }

// HC_SET_REG(id, value) (ABI 1.5): the writes Linux's context switch and lazy VFP switching make,
// instead of a trapped MCR TPIDRURO (set_current in __switch_to) and VMSR FPEXC (vfp_notifier,
// vfp_support_entry). The ids are HC_GET_REG's; only these two are writable here (the others have
// their own calls: HC_SET_SCTLR, HC_SET_TTBRS, HC_SET_DACR, HC_SET_VBAR, HC_SWITCH_MM).
//   11 FPEXC: as VMSR FPEXC, only EN (bit 30) is kept (vm7's VFP has no exceptional state);
//             EPERM if the guest's CPACR does not give full access to cp10/cp11.
//   12 TPIDRURO: the virtual register and the real one (PL0 reads it untrapped, trap.ts userTid).
//   13 CPACR (ABI 1.6): as MCR CPACR (B4.1.40): only cp10 and cp11's fields are kept (vm7 has no
//             other coprocessor), and the real CPACR follows (vcpu.ts realCpacr). Linux's vfp_enable.
function setReg(id: u32, v: u32): i32 {
  switch (id) {
    case 11:
      if (!fpexcAccess()) return HV_EPERM;
      store<u32>(STATE + FPEXC, v & (1 << 30));
      return 0;
    case 12: vcp15Write(13, 0, 0, 3, v); return 0;
    case 13: vcp15Write(1, 0, 0, 2, v); return 0;
  }
  return HV_EINVAL;
}

// HC_GRANT_COPY(owner << 16 | ref, va, dir << 31 | off << 16 | len): copy len bytes between byte off of
// the page guest `owner` granted the caller under `ref` and the caller's own virtual address va
// (dir 0: from the granted page to va; 1: from va into the granted page, which the grant must allow).
// Every byte of va must translate, for the guest kernel, to its own partition (writable for dir 0).
// Checked in full before anything is copied: a failing call copies nothing.
function grantCopy(a0: u32, va: u32, a2: u32): void {
  const owner = a0 >>> 16, ref = a0 & 0xffff;
  const toGrant = (a2 >>> 31) != 0, off = (a2 >>> 16) & 0x7fff, len = a2 & 0xffff;
  if (len == 0 || len > 4096 || (a2 & 0x8000) != 0) { ret(HV_EINVAL); return; }
  const g = grantHost(owner, ref, off, len, toGrant);
  if (g == 0) { ret(HV_EPERM); return; }
  for (let k: u32 = 0; k < len; k++) {
    if (k != 0 && ((va + k) & 0xfff) != 0) continue;
    const pa = gwalk(va + k, toGrant ? 0 : 1, true);
    if (gFsr != 0 || !inPartition(pa)) { ret(HV_EFAULT); return; }
  }
  for (let k: u32 = 0; k < len; k++) {
    const h = gHost(gwalk(va + k, toGrant ? 0 : 1, true));
    if (toGrant) store<u8>(g + k, load<u8>(h)); else store<u8>(h, load<u8>(g + k));
  }
  // the copy may have written code: drop the decoded instructions of the pages written
  const dst = toGrant ? g : gHost(gwalk(va, 1, true));
  dcacheFlushPage(RAM_PHYS + (dst - RAM)); dcacheFlushPage(RAM_PHYS + (dst + len - 1 - RAM));
  if (!toGrant) { const e = gwalk(va + len - 1, 1, true); dcacheFlushPage(gMachine(e)); }
  ret(<i32>len);
}
