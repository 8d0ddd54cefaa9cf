// System and control instructions (ARM ARM A5.2.11-12, A5.6, A5.7, B9.3): status register moves,
// CPS, SRS/RFE, SVC/BKPT/UDF, hints and barriers, coprocessor transfers (CP15, CP14), semihosting.
import {
  getR, setR, getCPSR, getSPSR, curMode, privileged, getBankedR, setBankedR, curPC, fault,
  MODE_USR, MODE_SYS, validMode, thumb,
} from "../cpu/state";
import { STATE, NF, ZF, CF, VF, IFSR, IFAR, TEECR, TEEHBR, STOP_SEMIHOST } from "../cpu/layout";
import { cpsrWriteByInstr, spsrWriteByInstr, exceptionReturn } from "../cpu/psr";
import { takeUndef, takeSVC, takePrefetchAbort } from "../cpu/exceptions";
import { expandImm } from "./alu";
import { read32, write32, checkAligned } from "../mmu/mmu";
import { cp15Read, cp15Write, cpUndef } from "../cpu/cp15";
import { requestWfi } from "../cpu/wfi";
import { requestStop } from "../cpu/stop";
import { clearExclusive } from "./ldst";

export let semihosting: bool = true;
export function setSemihosting(on: bool): void { semihosting = on; }

// A8.8.109 MRS / B9.3.9 MRS (SPSR): cccc 0001 0R00 1111 dddd 0000 0000 0000.
// The execution state bits (IT, J, T) read as zero from the CPSR (B1.3.3).
export function mrs(i: u32): void {
  const d = (i >>> 12) & 15;
  if ((i & (1 << 22)) != 0) setR(d, getSPSR());
  else setR(d, getCPSR() & 0xf8ff03df);
}

// A8.8.112 MSR (register), B9.3.12 MSR (register, system level)
export function msrReg(i: u32): void {
  const v = getR(i & 15), mask = (i >>> 16) & 15;
  if ((i & (1 << 22)) != 0) spsrWriteByInstr(v, mask); else cpsrWriteByInstr(v, mask, false);
}

// A8.8.111 / B9.3.11 MSR (immediate)
export function msrImm(i: u32): void {
  const v = expandImm(i), mask = (i >>> 16) & 15;
  if ((i & (1 << 22)) != 0) spsrWriteByInstr(v, mask); else cpsrWriteByInstr(v, mask, false);
}

// A8.8.x hints: NOP (0), YIELD (1), WFE (2), WFI (3), SEV (4), DBG (0xFx). WFE is treated as a
// hint that may complete at once (allowed: the event register can be set spuriously).
export function hint(i: u32): void {
  if ((i & 0xff) == 3) requestWfi();
}

// B9.3.2 CPS: imod (19:18) 10 enable / 11 disable A, I, F; M (17) changes mode. NOP in User mode.
export function cps(i: u32): void {
  if (!privileged) return;
  const imod = (i >>> 18) & 3;
  let v = getCPSR();
  const bits = i & 0x1c0;
  if (imod == 2) v &= ~bits; else if (imod == 3) v |= bits;
  let mask: u32 = 0;
  if (imod >= 2) mask |= 1 | 2; // A is in the x byte, I and F in the c byte
  if ((i & (1 << 17)) != 0) { v = (v & ~0x1f) | (i & 0x1f); mask |= 1; }
  if (mask != 0) cpsrWriteByInstr(v, mask, false);
}

// A8.8.138 SETEND: CPSR.E selects the endianness of data accesses (mmu.ts readSlow/writeSlow);
// the write breaks the slice (setCPSR), where the run loop switches the TLB sets.
export function setend(i: u32): void {
  cpsrWriteByInstr((i & (1 << 9)) != 0 ? getCPSR() | (1 << 9) : getCPSR() & ~(1 << 9), 2, false);
}

// B9.3.16 SRS: store LR and SPSR of the current mode to the stack of mode m (bits 4:0).
export function srs(i: u32): void {
  if (curMode == MODE_USR || curMode == MODE_SYS) { takeUndef(); return; } // UNPREDICTABLE
  const mode = i & 0x1f;
  if (!validMode(mode)) { takeUndef(); return; }
  const sp = getBankedR(mode, 13);
  if (srsStore(i, sp, getSPSR()) && (i & (1 << 21)) != 0) setBankedR(mode, 13, srsWriteback(i, sp));
}

// SRS's memory part, shared with the VMM's emulation (vmm/trap.ts): LR and `spsr` stored on the
// stack `sp` of the target mode per the addressing mode; false after an alignment or data abort.
export function srsStore(i: u32, sp: u32, spsr: u32): bool {
  const p = (i >>> 24) & 1, u = (i >>> 23) & 1;
  let addr = u != 0 ? sp : sp - 8;
  if (p == u) addr += 4;
  if (!checkAligned(addr, 3, true)) return false;
  write32(addr, getR(14));
  if (fault) return false;
  write32(addr + 4, spsr);
  return !fault;
}
// The target mode's SP after SRS with writeback (W).
@inline export function srsWriteback(i: u32, sp: u32): u32 { return (i & (1 << 23)) != 0 ? sp + 8 : sp - 8; }

// B9.3.13 RFE: load PC and CPSR from memory at Rn (UNPREDICTABLE in User mode).
export function rfe(i: u32): void {
  if (curMode == MODE_USR) { takeUndef(); return; }
  if (rfeLoad(i)) exceptionReturn(rfePC, rfePSR);
}

// RFE's memory part, shared with the VMM's emulation (vmm/trap.ts): the two words at Rn per the
// addressing mode into rfePC/rfePSR, and Rn written back; false after an alignment or data abort
// (nothing written back).
export let rfePC: u32 = 0;
export let rfePSR: u32 = 0;
export function rfeLoad(i: u32): bool {
  const n = (i >>> 16) & 15;
  const p = (i >>> 24) & 1, u = (i >>> 23) & 1;
  const base = getR(n);
  let addr = u != 0 ? base : base - 8;
  if (p == u) addr += 4;
  if (!checkAligned(addr, 3, false)) return false;
  const pc = read32(addr);
  if (fault) return false;
  const psr = read32(addr + 4);
  if (fault) return false;
  if ((i & (1 << 21)) != 0) setR(n, u != 0 ? base + 8 : base - 8);
  rfePC = pc; rfePSR = psr;
  return true;
}

// A8.8.228 SVC. ARM semihosting uses SVC 0x123456 (ARM) and SVC 0xAB (Thumb): the host services it.
export function svc(i: u32): void {
  const imm = thumb() ? i & 0xff : i & 0xffffff;
  if (semihosting && imm == (thumb() ? 0xab : 0x123456)) { requestStop(STOP_SEMIHOST, 0); return; }
  takeSVC();
}

// A8.8.24 BKPT: a debug event taken as a Prefetch Abort (IFSR = 0b00010, debug event) when no
// debugger is attached. BKPT 0xAB is the semihosting trap.
export function bkpt(i: u32): void {
  const imm = thumb() ? i & 0xff : ((i >>> 4) & 0xfff0) | (i & 0xf);
  if (semihosting && imm == 0xab) { requestStop(STOP_SEMIHOST, 0); return; }
  store<u32>(STATE + IFSR, 0x2);
  store<u32>(STATE + IFAR, curPC);
  takePrefetchAbort();
}

export function undef(i: u32): void { takeUndef(); }
export function nop(i: u32): void {}
// A8.8.43/44/54 DMB, DSB, ISB: a single in-order core with no caches modelled needs no action.
export function barrier(i: u32): void {}
// A8.8.32 CLREX
export function clrex(i: u32): void { clearExclusive(); }

// A8.8.98 MCR / A8.8.107 MRC: cccc 1110 ooo L nnnn tttt pppp ooo1 mmmm
export function mcr(i: u32): void {
  const cp = (i >>> 8) & 15;
  const crn = (i >>> 16) & 15, op1 = (i >>> 21) & 7, crm = i & 15, op2 = (i >>> 5) & 7;
  const v = getR((i >>> 12) & 15);
  if (cp == 15) { cp15Write(crn, op1, crm, op2, v); if (cpUndef) takeUndef(); return; }
  if (cp == 14) { cp14Write(crn, op1, crm, op2, v); return; }
  takeUndef(); // cp10/cp11 (VFP) and the rest: not implemented yet / absent
}

export function mrc(i: u32): void {
  const cp = (i >>> 8) & 15;
  const crn = (i >>> 16) & 15, op1 = (i >>> 21) & 7, crm = i & 15, op2 = (i >>> 5) & 7;
  const t = (i >>> 12) & 15;
  let v: u32;
  if (cp == 15) { v = cp15Read(crn, op1, crm, op2); if (cpUndef) { takeUndef(); return; } }
  else if (cp == 14) { v = cp14Read(crn, op1, crm, op2); if (cpUndef14) { takeUndef(); return; } }
  else { takeUndef(); return; }
  if (t == 15) { // APSR_nzcv form
    store<u32>(STATE + NF, v >>> 31); store<u32>(STATE + ZF, (v >>> 30) & 1);
    store<u32>(STATE + CF, (v >>> 29) & 1); store<u32>(STATE + VF, (v >>> 28) & 1);
  } else setR(t, v);
}

// CP14: debug registers read as zero (no debug architecture advertised: Linux skips hardware
// breakpoints); ThumbEE TEECR/TEEHBR are plain storage (ID_PFR0 advertises ThumbEE); Jazelle
// ID registers read as zero.
let cpUndef14: bool = false;
function cp14Read(crn: u32, op1: u32, crm: u32, op2: u32): u32 {
  cpUndef14 = false;
  if (op1 == 6 && crm == 0 && op2 == 0) {
    if (crn == 0) return load<u32>(STATE + TEECR);
    if (crn == 1) {
      if (!privileged && (load<u32>(STATE + TEECR) & 1) != 0) { cpUndef14 = true; return 0; }
      return load<u32>(STATE + TEEHBR);
    }
  }
  if (op1 == 0 || op1 == 7) {
    if (!privileged && !(op1 == 0 && crn == 0 && (crm == 0 || crm == 1) && op2 == 0)) { cpUndef14 = true; return 0; }
    return 0;
  }
  cpUndef14 = true;
  return 0;
}
function cp14Write(crn: u32, op1: u32, crm: u32, op2: u32, v: u32): void {
  if (op1 == 6 && crm == 0 && op2 == 0) {
    if (crn == 0) { if (privileged) store<u32>(STATE + TEECR, v & 1); else takeUndef(); return; }
    if (crn == 1) { store<u32>(STATE + TEEHBR, v & ~3); return; }
  }
  if ((op1 == 0 || op1 == 7) && privileged) return;
  takeUndef();
}

// LDC/STC/MCRR/MRRC/CDP: no coprocessor implements them yet (VFP arrives with the VFP work).
export function coproc(i: u32): void { takeUndef(); }
