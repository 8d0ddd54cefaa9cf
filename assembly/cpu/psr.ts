// Program status register writes by instructions (ARM ARM B1.3.3 CPSRWriteByInstr, B9.3.x) and
// exception return. These are the "sensitive" operations: the VMM's trap points sit here.
import {
  getCPSR, setCPSR, getSPSR, setSPSR, getRest, setRest, curMode, privileged, setNextPC, breakSlice,
  validMode, MODE_USR, PSR_T, bankOf, getN, getZ, getC, getV,
} from "./state";
import { STATE, NF, ZF, CF, VF } from "./layout";

// byteMask bit 3 = flags (31:24), bit 2 = status (23:16), bit 1 = extension (15:8), bit 0 = control.
export function cpsrWriteByInstr(value: u32, byteMask: u32, isExcReturn: bool): void {
  const old = getCPSR();
  let keep: u32 = 0xffffffff;
  let take: u32 = 0;
  if ((byteMask & 8) != 0) {
    take |= 0xf8000000;                       // N Z C V Q
    if (isExcReturn) take |= 0x07000000;      // IT[1:0], J
  }
  if ((byteMask & 4) != 0) take |= 0x000f0000; // GE[3:0]
  if ((byteMask & 2) != 0) {
    if (isExcReturn) take |= 0x0000fc00;      // IT[7:2]
    take |= 1 << 9;                           // E
    if (privileged) take |= 1 << 8;           // A
  }
  if ((byteMask & 1) != 0) {
    if (privileged) take |= 0xdf;             // I, F, M[4:0]
    if (isExcReturn) take |= PSR_T;
  }
  keep = ~take;
  let nv = (old & keep) | (value & take);
  // An invalid target mode, or entering a mode from User, is UNPREDICTABLE: keep the mode.
  if (!validMode(nv & 0x1f)) nv = (nv & ~0x1f) | (old & 0x1f);
  if ((take & 0x1ff) == 0 && (take & 0xff000000) != 0 && (take & 0x00fffe00) == 0) {
    // Flags only: the common case, no mode or mask change.
    store<u32>(STATE + NF, nv >>> 31);
    store<u32>(STATE + ZF, (nv >>> 30) & 1);
    store<u32>(STATE + CF, (nv >>> 29) & 1);
    store<u32>(STATE + VF, (nv >>> 28) & 1);
    setRest(nv & 0x0fffffff);
    return;
  }
  setCPSR(nv);
}

// SPSRWriteByInstr (B9.3.x): all bits writable per byte mask, only in modes that have an SPSR.
export function spsrWriteByInstr(value: u32, byteMask: u32): void {
  if (bankOf(curMode) <= 0) return; // User/System: UNPREDICTABLE, ignored
  let m: u32 = 0;
  if ((byteMask & 8) != 0) m |= 0xff000000;
  if ((byteMask & 4) != 0) m |= 0x00ff0000;
  if ((byteMask & 2) != 0) m |= 0x0000ff00;
  if ((byteMask & 1) != 0) m |= 0x000000ff;
  m &= ~0x00f00000; // bits 23:20 are reserved in ARMv7 (RAZ/SBZP)
  setSPSR((getSPSR() & ~m) | (value & m));
}

// Exception return (SUBS PC, LR / MOVS PC / LDM ^ with PC / RFE): CPSR <- SPSR, then branch to
// addr aligned for the restored instruction set (A2.3.2, B1.8.x). In User mode this is
// UNPREDICTABLE and we just branch; in System mode SUBS PC reads the CPSR as its SPSR (harmless)
// while RFE legitimately loads a new CPSR.
export function exceptionReturn(addr: u32, spsr: u32): void {
  if (curMode != MODE_USR) cpsrWriteByInstr(spsr, 0xf, true);
  const t = (getRest() & PSR_T) != 0;
  setNextPC(t ? addr & ~1 : addr & ~3);
  breakSlice();
}

// ITSTATE (A2.5.2): IT[7:2] in CPSR 15:10, IT[1:0] in CPSR 26:25.
export const IT_MASK: u32 = 0x0600fc00;
@inline export function itState(): u32 { const r = getRest(); return ((r >>> 8) & 0xfc) | ((r >>> 25) & 3); }
@inline export function setItState(it: u32): void {
  setRest((getRest() & ~IT_MASK) | ((it & 0xfc) << 8) | ((it & 3) << 25));
}
// InITBlock(): IT[3:0] != 0
@inline export function inIT(): bool { return (getRest() & 0x0600_0c00) != 0; }
// ITAdvance(): shift the mask, or leave the block after its last instruction.
export function itAdvance(): void {
  const it = itState();
  if (it == 0) return;
  setItState((it & 7) == 0 ? 0 : (it & 0xe0) | ((it << 1) & 0x1f));
}

// ConditionPassed (A8.3.1) for cond != AL
@inline export function condPassed(c: u32): bool {
  switch (c) {
    case 0: return getZ() != 0;
    case 1: return getZ() == 0;
    case 2: return getC() != 0;
    case 3: return getC() == 0;
    case 4: return getN() != 0;
    case 5: return getN() == 0;
    case 6: return getV() != 0;
    case 7: return getV() == 0;
    case 8: return getC() != 0 && getZ() == 0;
    case 9: return getC() == 0 || getZ() != 0;
    case 10: return getN() == getV();
    case 11: return getN() != getV();
    case 12: return getZ() == 0 && getN() == getV();
    case 13: return getZ() != 0 || getN() != getV();
  }
  return true;
}
