// Trap-and-emulate of the sensitive A32 instructions (full mode). When a guest runs deprivileged,
// the decode-cache fill (cpu/run.ts decodeMiss) replaces the rows listed in vmmSubstA32 by the
// VMM_TRAP row, whose handler is vmmTrap: the ISA handlers themselves never test for the VMM.
// On a real ARMv7 CPU several of these do not trap from User mode (MRS, CPS and MSR to the control
// bits are silently User-mode operations, LDM/STM ^ and SUBS PC,LR are UNPREDICTABLE); our CPU
// makes them trap in full mode, as a VMM on ARMv7 without the Virtualization Extensions would need
// (docs/vmm.md). Each emulation follows the instruction's ARM ARM page against the virtual CPU.
import {
  A32_MRS, A32_MSR_reg, A32_MSR_imm, A32_CPS, A32_SRS, A32_RFE, A32_LDM_usr, A32_STM_usr,
  A32_MCR, A32_MRC, A32_VMRS, A32_VMSR, A32_HINT, A32_UNDEFINED, A32_VMM_TRAP,
  A32_AND_rr, A32_MVN_ri, A32_AND_i, A32_MVN_i, decodeA32,
  A32_STRT_i, A32_LDRT_i, A32_STRBT_i, A32_LDRBT_i, A32_STRT_r, A32_LDRT_r, A32_STRBT_r, A32_LDRBT_r,
  A32_STRHT, A32_LDRHT, A32_LDRSBT, A32_LDRSHT,
} from "../decode/a32.gen";
import { T16_CPS, T16_HINT, T16_VMM_TRAP } from "../decode/t16.gen";
import {
  T32_SRS_db, T32_SRS_ia, T32_RFE_db, T32_RFE_ia, T32_MSR, T32_CPS, T32_SUBS_PC_LR, T32_MRS, T32_MCR, T32_MRC,
  T32_VMSR, T32_VMRS, T32_HINT, T32_VMM_TRAP, decodeT32,
  T32_STRB, T32_STRH, T32_STR, T32_LDRB, T32_LDRSB, T32_LDRH, T32_LDRSH, T32_LDR,
} from "../decode/t32.gen";
import { t32Ldst, t32MsrA32, t32MrsA32, t32CpsA32, t32SrsA32, t32RfeA32 } from "../isa/t32";
import { t16CpsA32 } from "../isa/thumb";
import { rfeLoad, rfePC, rfePSR, srsStore, srsWriteback } from "../isa/system";
import { getR, setR, fault, setFault, validMode, curPC, MODE_USR, MODE_SYS } from "../cpu/state";
import { ldstImm, ldstReg, ldstExtra } from "../isa/ldst";
import { gwalk, gFsr, ptTrapEntry, ptWindowEnd, ptStepEnd } from "./shadow";
import { ptWin, setTraps } from "../cpu/traps";
import { STATE, NF, ZF, CF, VF, FPEXC, CPACR } from "../cpu/layout";
import { takeUndef } from "../cpu/exceptions";
import { requestWfi } from "../cpu/wfi";
import { checkAligned } from "../mmu/mmu";
import { expandImm } from "../isa/alu";
import { startAddr, ldmSlow, ldmPC, stmSlow } from "../isa/ldm";
import { dpResultA32 } from "../isa/dp";
import { vfpVmrsVmsr, FPSID_VALUE, MVFR0_VALUE, MVFR1_VALUE } from "../isa/vfp";
import { MODE_NATIVE, MODE_PARA, V_SHARED } from "./layout";
import {
  vmmException, vmmMode, vpriv, vmode, retried, clearRetried, reflectDabt, vGetCPSR, vWriteCPSR, vGetSPSR, vSetSPSR, vGetBanked, vSetBanked, vExceptionReturn,
} from "./vcpu";
import { vcp15Read, vcp15Write, vcpUndef } from "./vcp15";
import { hypercall } from "./hypercall";
import {
  count, charge, S_TRAPS, S_TRAP_MRS, S_TRAP_MSR, S_TRAP_CPS, S_TRAP_SRS, S_TRAP_RFE, S_TRAP_LDM_USER,
  S_TRAP_STM_USER, S_TRAP_ERET, S_TRAP_MCR, S_TRAP_MRC, S_TRAP_VFP, S_TRAP_WFI, C_TRAP, C_EMULATE,
  S_TRAP_LDST_USER,
} from "./stats";

// The VMM's handlers at the CPU's trap points (cpu/traps.ts), installed when a guest starts (vcpu.ts).
export function attachTraps(): void {
  setTraps(vmmException, vmmSubstA32, vmmSubstT16, vmmSubstT32, vmmTrap, vmmTrapT16, vmmTrapT32, ptWindowEnd, ptStepEnd);
}

// HVC #imm16 (ARMv7 Virtualization Extensions encoding, A1): UNDEFINED on Cortex-A8.
@inline export function isHvc(raw: u32): bool { return (raw & 0x0ff000f0) == 0x01400070; }

@inline function isDp(op: u32): bool { return (op >= A32_AND_rr && op <= A32_MVN_ri) || (op >= A32_AND_i && op <= A32_MVN_i); }

// MRC p15, 0, Rt, c13, c0, {2,3}: reads of TPIDRURW/TPIDRURO, which User mode may read on real
// hardware too (B4.1.150-151), and the TPIDRURW write User mode may make (below). The real
// registers are the guest's (a TPIDRURO write traps, vcp15.ts, or goes through HC_SET_REG), so
// these run untrapped (Linux reads `current` from TPIDRURO this way). The low 28 bits are the same
// in A32 and T32.
@inline function userTid(raw: u32): bool { return (raw & 0x00ff0fdf) == 0x001d0f50 || userTpidrurwWrite(raw); }

// MCR p15, 0, Rt, c13, c0, 2: a write of TPIDRURW, which PL0 may do on real hardware (B4.1.150:
// "User Read/Write Thread ID Register", accessible at PL0 for reads and writes). It is not a
// sensitive instruction: the real register is the guest's (the VMM keeps no copy of its own: its
// virtual block's TPIDRURW is never read, vmmCp15Get reads the real one), so it runs untrapped in
// full and para mode (Linux's set_tls in every context switch). TPIDRURO (opc2 3) stays trapped:
// PL0 may only read it.
@inline function userTpidrurwWrite(raw: u32): bool { return (raw & 0x00ff0fff) == 0x000d0f50; }

// VMRS/VMSR of FPSCR (reg field 0b0001, bits 19:16 in A32 and T32): FPSCR is a User-mode register
// (ARM ARM B4.1.58 "FPSCR", VMRS/VMSR A8.8.348-349: only FPSID, FPEXC, MVFR0/1 need PL1). Its
// access checks (CPACR, FPEXC.EN) are the real CPU's, whose CPACR and FPEXC are the guest's
// (vcpu.ts realCpacr; FPEXC is written only by the trapped VMSR and HC_SET_REG), so it runs
// untrapped: Linux reads and writes it in every VFP save and restore.
@inline function isFpscr(raw: u32): bool { return ((raw >>> 16) & 15) == 1; }

// Decode-time substitution: the row the decode cache should hold for `raw` decoded as `op`.
export function vmmSubstA32(op: u32, raw: u32): u32 {
  // Para mode claims HVC. Once the guest has registered its shared page (a para guest: Linux's
  // port does so right after HC_VERSION), it also traps and emulates, as full mode does, the
  // sensitive instructions the guest still executes, so a kernel can be ported one operation at a
  // time (docs/vmm.md). Before that, a kernel's CP15 access is the "not a para guest" stop.
  if (vmmMode == MODE_PARA) {
    if (op == A32_UNDEFINED && isHvc(raw)) return A32_VMM_TRAP;
    if (load<u32>(V_SHARED) == 0) return op;
  }
  if (vmmMode == MODE_NATIVE) return op;
  switch (op) {
    case A32_MRS: case A32_MSR_reg: case A32_MSR_imm: case A32_CPS: case A32_SRS: case A32_RFE:
    case A32_LDM_usr: case A32_STM_usr:
      return A32_VMM_TRAP;
    case A32_VMRS: case A32_VMSR:
      return isFpscr(raw) ? op : A32_VMM_TRAP;
    case A32_MCR: case A32_MRC:
      return ((raw >>> 8) & 15) == 15 && !userTid(raw) ? A32_VMM_TRAP : op;
    case A32_STRT_i: case A32_LDRT_i: case A32_STRBT_i: case A32_LDRBT_i:
    case A32_STRT_r: case A32_LDRT_r: case A32_STRBT_r: case A32_LDRBT_r:
    case A32_STRHT: case A32_LDRHT: case A32_LDRSBT: case A32_LDRSHT:
      return A32_VMM_TRAP; // unprivileged loads/stores: the guest kernel's must be checked as User
    case A32_HINT:
      return (raw & 0xff) == 3 ? A32_VMM_TRAP : op; // WFI
  }
  // Data-processing with S = 1 and Rd = PC (SUBS PC, LR / MOVS PC, ...): exception return.
  // TST/TEQ/CMP/CMN (opcode 10xx) write no register.
  if (isDp(op) && (raw & (1 << 20)) != 0 && ((raw >>> 12) & 15) == 15 && ((raw >>> 23) & 3) != 2) return A32_VMM_TRAP;
  return op;
}

// Thumb (full mode): the T16/T32 rows of the same sensitive instructions. There is no T32 LDM/STM
// with user registers or exception return; SUBS PC, LR, #imm8 is the T32 exception return.
export function vmmSubstT16(op: u32, raw: u32): u32 {
  if (vmmMode == MODE_NATIVE || (vmmMode == MODE_PARA && load<u32>(V_SHARED) == 0)) return op;
  if (op == T16_CPS) return T16_VMM_TRAP;
  if (op == T16_HINT && ((raw >>> 4) & 15) == 3) return T16_VMM_TRAP; // WFI
  return op;
}
export function vmmSubstT32(op: u32, raw: u32): u32 {
  if (vmmMode == MODE_NATIVE || (vmmMode == MODE_PARA && load<u32>(V_SHARED) == 0)) return op;
  switch (op) {
    case T32_SRS_db: case T32_SRS_ia: case T32_RFE_db: case T32_RFE_ia: case T32_MSR: case T32_CPS:
    case T32_SUBS_PC_LR: case T32_MRS:
      return T32_VMM_TRAP;
    case T32_VMSR: case T32_VMRS:
      return isFpscr(raw) ? op : T32_VMM_TRAP;
    case T32_MCR: case T32_MRC:
      return ((raw >>> 8) & 15) == 15 && !userTid(raw) ? T32_VMM_TRAP : op;
    case T32_HINT:
      return (raw & 0xff) == 3 ? T32_VMM_TRAP : op; // WFI
    case T32_STRB: case T32_STRH: case T32_STR: case T32_LDRB: case T32_LDRSB: case T32_LDRH: case T32_LDRSH: case T32_LDR:
      // the unprivileged T forms (LDRT, STRT, ...): imm8 with P U W = 1 1 0, Rn != PC
      return (raw & 0x00800f00) == 0x00000e00 && ((raw >>> 16) & 15) != 15 ? T32_VMM_TRAP : op;
  }
  return op;
}

// A trapped Thumb instruction is emulated as the A32 instruction with the same operation and
// operands (the fields are moved to their A32 places; the condition was checked by the IT logic).
// The re-encodings are the ISA's own (isa/t32.ts, isa/thumb.ts: the T32/T16 handlers execute the
// same A32 words).
export function vmmTrapT16(i: u32): void {
  let a: u32;
  if (((i >>> 4) & 0xfff) == 0xb66 || ((i >>> 4) & 0xfff) == 0xb67) a = t16CpsA32(i); // CPS (A8.8.39 T1)
  else a = 0xe320f003; // WFI
  trapA32(a);
}
export function vmmTrapT32(i: u32): void {
  let a: u32;
  const op = decodeT32(i);
  switch (op) {
    case T32_STRB: trapT32Ldst(i, false, 1, false); return;
    case T32_STRH: trapT32Ldst(i, false, 2, false); return;
    case T32_STR: trapT32Ldst(i, false, 4, false); return;
    case T32_LDRB: trapT32Ldst(i, true, 1, false); return;
    case T32_LDRSB: trapT32Ldst(i, true, 1, true); return;
    case T32_LDRH: trapT32Ldst(i, true, 2, false); return;
    case T32_LDRSH: trapT32Ldst(i, true, 2, true); return;
    case T32_LDR: trapT32Ldst(i, true, 4, false); return;
    case T32_SRS_db: case T32_SRS_ia: a = t32SrsA32(i); break; // B9.3.16 T1/T2
    case T32_RFE_db: case T32_RFE_ia: a = t32RfeA32(i); break;
    case T32_MRS: a = t32MrsA32(i); break;
    case T32_MSR: a = t32MsrA32(i); break;
    case T32_CPS: a = t32CpsA32(i); break;
    case T32_SUBS_PC_LR: a = 0xe25ef000 | (i & 0xff); break;
    case T32_HINT: a = 0xe320f003; break;
    default: a = 0xe0000000 | (i & 0x0fffffff); // MCR/MRC, VMRS/VMSR: the low 28 bits are the A32 ones
  }
  trapA32(a);
}

// T32 LDRT/STRT/...: offset addressing, Rn + imm8, no writeback (A8.8.x T1).
function trapT32Ldst(i: u32, load: bool, size: u32, signed: bool): void {
  if (ptWin > 0) ptTrapEntry();
  clearRetried();
  emLdstUserAt(getR((i >>> 16) & 15) + (i & 0xff), load, size, curPC + 8);
  if (!fault) t32Ldst(i, load, size, signed);
  if (retried) return;
  count(S_TRAPS); count(S_TRAP_LDST_USER);
  charge(C_TRAP);
  charge(C_EMULATE);
}

export function vmmTrap(i: u32): void {
  if (vmmMode == MODE_PARA && isHvc(i)) { hypercall(i); return; }
  trapA32(i);
}

function trapA32(i: u32): void {
  if (ptWin > 0) ptTrapEntry();
  clearRetried();
  const st = emulate(i);
  // An instruction whose memory access needed a shadow fill is retried and traps again: it is
  // counted (and charged) once, by the attempt that completes or delivers a guest exception.
  if (retried) return;
  count(S_TRAPS); if (st != S_TRAPS) count(st);
  charge(C_TRAP);
  charge(C_EMULATE);
}

// Emulate the trapped instruction; returns its counter.
function emulate(i: u32): u32 {
  const op = decodeA32(i);
  switch (op) {
    case A32_MRS: emMrs(i); return S_TRAP_MRS;
    case A32_MSR_reg: emMsr(i, getR(i & 15)); return S_TRAP_MSR;
    case A32_MSR_imm: emMsr(i, expandImm(i)); return S_TRAP_MSR;
    case A32_CPS: emCps(i); return S_TRAP_CPS;
    case A32_SRS: emSrs(i); return S_TRAP_SRS;
    case A32_RFE: emRfe(i); return S_TRAP_RFE;
    case A32_LDM_usr: emLdmUser(i); return (i & 0x8000) != 0 ? S_TRAP_ERET : S_TRAP_LDM_USER;
    case A32_STM_usr: emStmUser(i); return S_TRAP_STM_USER;
    case A32_MCR: emMcr(i); return S_TRAP_MCR;
    case A32_MRC: emMrc(i); return S_TRAP_MRC;
    case A32_VMRS: case A32_VMSR: emVfpSys(i, op == A32_VMRS); return S_TRAP_VFP;
    case A32_HINT: requestWfi(); return S_TRAP_WFI;
    case A32_STRT_i: emLdstUser(i, false, 4); if (!fault) ldstImm(i, false, false, true); return S_TRAP_LDST_USER;
    case A32_LDRT_i: emLdstUser(i, true, 4); if (!fault) ldstImm(i, true, false, true); return S_TRAP_LDST_USER;
    case A32_STRBT_i: emLdstUser(i, false, 1); if (!fault) ldstImm(i, false, true, true); return S_TRAP_LDST_USER;
    case A32_LDRBT_i: emLdstUser(i, true, 1); if (!fault) ldstImm(i, true, true, true); return S_TRAP_LDST_USER;
    case A32_STRT_r: emLdstUser(i, false, 4); if (!fault) ldstReg(i, false, false, true); return S_TRAP_LDST_USER;
    case A32_LDRT_r: emLdstUser(i, true, 4); if (!fault) ldstReg(i, true, false, true); return S_TRAP_LDST_USER;
    case A32_STRBT_r: emLdstUser(i, false, 1); if (!fault) ldstReg(i, false, true, true); return S_TRAP_LDST_USER;
    case A32_LDRBT_r: emLdstUser(i, true, 1); if (!fault) ldstReg(i, true, true, true); return S_TRAP_LDST_USER;
    case A32_STRHT: emLdstUser(i, false, 2); if (!fault) ldstExtra(i, 0, true); return S_TRAP_LDST_USER;
    case A32_LDRHT: emLdstUser(i, true, 2); if (!fault) ldstExtra(i, 1, true); return S_TRAP_LDST_USER;
    case A32_LDRSBT: emLdstUser(i, true, 1); if (!fault) ldstExtra(i, 3, true); return S_TRAP_LDST_USER;
    case A32_LDRSHT: emLdstUser(i, true, 2); if (!fault) ldstExtra(i, 5, true); return S_TRAP_LDST_USER;
  }
  if (isDp(op)) { emDpPc(i); return S_TRAP_ERET; }
  takeUndef(); // not a row we substitute: cannot happen, but never run it unemulated
  return S_TRAPS;
}

// A8.8.x LDRT/STRT, LDRBT/STRBT, LDRHT/STRHT, LDRSBT/LDRSHT: "the memory access is restricted as if
// the processor were running in User mode" (A8.8.88 etc.). All A32 forms are post-indexed: the
// access is at Rn. From a virtual privileged mode the guest's own tables are checked with User
// permissions (both ends of the access); a refusal is the guest's Data Abort as its MMU would give
// it. Then the ordinary handler performs the access through the guest kernel's shadow view, which
// allows at least what User may (the same translation; guest-User permissions are a subset of the
// privileged ones). Sets `fault` when it delivered the abort.
function emLdstUser(i: u32, load: bool, size: u32): void {
  emLdstUserAt(getR((i >>> 16) & 15), load, size, curPC + 8);
}
function emLdstUserAt(a: u32, load: bool, size: u32, lr: u32): void {
  setFault(false);
  if (!vpriv) return; // virtual User mode: the user view already checks as User
  gwalk(a, load ? 0 : 1, false);
  let fsr = gFsr, far = a;
  if (fsr == 0 && size > 1 && ((a ^ (a + size - 1)) & 0xfffff000) != 0) {
    gwalk(a + size - 1, load ? 0 : 1, false);
    fsr = gFsr; far = a + size - 1;
  }
  if (fsr == 0) return;
  reflectDabt(fsr | (load ? 0 : 1 << 11), far, lr);
}

// B9.3.9 MRS: the execution state bits read as zero.
function emMrs(i: u32): void {
  const d = (i >>> 12) & 15;
  setR(d, (i & (1 << 22)) != 0 ? vGetSPSR() : vGetCPSR() & 0xf8ff03df);
}

// B9.3.11/12 MSR (immediate/register, system level): CPSRWriteByInstr / SPSRWriteByInstr.
function emMsr(i: u32, v: u32): void {
  const mask = (i >>> 16) & 15;
  if ((i & (1 << 22)) != 0) {
    if (vmode == MODE_USR || vmode == MODE_SYS) return; // UNPREDICTABLE: ignored, as natively
    let m: u32 = 0;
    if ((mask & 8) != 0) m |= 0xff000000;
    if ((mask & 4) != 0) m |= 0x00ff0000;
    if ((mask & 2) != 0) m |= 0x0000ff00;
    if ((mask & 1) != 0) m |= 0x000000ff;
    m &= ~0x00f00000;
    vSetSPSR((vGetSPSR() & ~m) | (v & m));
    return;
  }
  let take: u32 = 0;
  if ((mask & 8) != 0) take |= 0xf8000000;
  if ((mask & 4) != 0) take |= 0x000f0000;
  if ((mask & 2) != 0) { take |= 1 << 9; if (vpriv) take |= 1 << 8; }
  if ((mask & 1) != 0 && vpriv) take |= 0xdf;
  const old = vGetCPSR();
  let nv = (old & ~take) | (v & take);
  if (!validMode(nv & 0x1f)) nv = (nv & ~0x1f) | (old & 0x1f);
  vWriteCPSR(nv);
}

// B9.3.2 CPS: a NOP in (virtual) User mode.
function emCps(i: u32): void {
  if (!vpriv) return;
  const imod = (i >>> 18) & 3;
  let v = vGetCPSR();
  const bits = i & 0x1c0;
  if (imod == 2) v &= ~bits; else if (imod == 3) v |= bits;
  if ((i & (1 << 17)) != 0 && validMode(i & 0x1f)) v = (v & ~0x1f) | (i & 0x1f);
  vWriteCPSR(v);
}

// B9.3.16 SRS: store LR and SPSR of the current mode on the stack of mode m.
function emSrs(i: u32): void {
  if (vmode == MODE_USR || vmode == MODE_SYS) { takeUndef(); return; }
  const mode = i & 0x1f;
  if (!validMode(mode)) { takeUndef(); return; }
  const sp = vGetBanked(mode, 13);
  if (srsStore(i, sp, vGetSPSR()) && (i & (1 << 21)) != 0) vSetBanked(mode, 13, srsWriteback(i, sp));
}

// B9.3.13 RFE: UNDEFINED-like in User mode (as natively).
function emRfe(i: u32): void {
  if (vmode == MODE_USR) { takeUndef(); return; }
  if (rfeLoad(i)) vExceptionReturn(rfePC, rfePSR);
}

const SCR: u32 = STATE + 0x900; // scratch words (the CPU's own scratch area is at 0x800)

function vSetUser(r: u32, v: u32): void { vSetBanked(MODE_USR, r, v); }
function vGetUser(r: u32): u32 { return vGetBanked(MODE_USR, r); }

@inline function blockAddr(i: u32): u32 { return startAddr(i, getR((i >>> 16) & 15), <u32>popcnt<u32>(i & 0xffff)); }

// B9.3.5 LDM (user registers) and B9.3.7 LDM (exception return): the ISA's LDM (isa/ldm.ts) over
// the virtual User bank, returning to the virtual SPSR.
function emLdmUser(i: u32): void {
  const addr = blockAddr(i);
  if (!checkAligned(addr, 3, false)) return;
  if (ldmSlow(i, addr, SCR, vSetUser) && (i & 0x8000) != 0) vExceptionReturn(ldmPC, vGetSPSR());
}

// B9.3.6 STM (user registers): the ISA's STM (isa/ldm.ts) over the virtual User bank.
function emStmUser(i: u32): void {
  const addr = blockAddr(i);
  if (!checkAligned(addr, 3, true)) return;
  stmSlow(i, addr, vGetUser);
}

// B9.3.20 SUBS PC, LR and related: the data-processing result (isa/dp.ts) is the return address,
// CPSR <- SPSR.
function emDpPc(i: u32): void {
  vExceptionReturn(dpResultA32(i), vGetSPSR());
}

// B9.3.x MCR/MRC to CP15 against the virtual CP15.
function emMcr(i: u32): void {
  const crn = (i >>> 16) & 15, op1 = (i >>> 21) & 7, crm = i & 15, op2 = (i >>> 5) & 7;
  vcp15Write(crn, op1, crm, op2, getR((i >>> 12) & 15));
  if (vcpUndef) takeUndef();
}
function emMrc(i: u32): void {
  const crn = (i >>> 16) & 15, op1 = (i >>> 21) & 7, crm = i & 15, op2 = (i >>> 5) & 7;
  const t = (i >>> 12) & 15;
  const v = vcp15Read(crn, op1, crm, op2);
  if (vcpUndef) { takeUndef(); return; }
  if (t == 15) {
    store<u32>(STATE + NF, v >>> 31); store<u32>(STATE + ZF, (v >>> 30) & 1);
    store<u32>(STATE + CF, (v >>> 29) & 1); store<u32>(STATE + VF, (v >>> 28) & 1);
  } else setR(t, v);
}

// VMRS/VMSR (B4.1 FPSID, FPEXC, MVFRx): the system registers need the virtual privilege; FPSCR
// is an ordinary User-mode register and runs natively.
function emVfpSys(i: u32, isRead: bool): void {
  const reg = (i >>> 16) & 15;
  if (reg == 1) { vfpVmrsVmsr(i); return; }
  if (!vpriv || (load<u32>(STATE + CPACR) & 0x00f00000) != 0x00f00000) { takeUndef(); return; }
  const t = (i >>> 12) & 15;
  if (isRead) {
    let v: u32;
    switch (reg) {
      case 0: v = FPSID_VALUE; break;
      case 6: v = MVFR1_VALUE; break;
      case 7: v = MVFR0_VALUE; break;
      case 8: v = load<u32>(STATE + FPEXC); break;
      default: takeUndef(); return;
    }
    if (t != 15) setR(t, v); else takeUndef();
    return;
  }
  if (reg == 8) store<u32>(STATE + FPEXC, getR(t) & (1 << 30));
  else if (reg != 0) takeUndef();
}
