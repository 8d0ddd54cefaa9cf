// CP15 system control coprocessor of a Cortex-A8 r3p2 (ARM ARM B4.1/B3.18, Cortex-A8 TRM ch. 3),
// with the identification values of board.md. Accesses are keyed by (CRn, opc1, CRm, opc2).
// Unknown registers are UNDEFINED; unimplemented ID registers (CRn = 0, opc1 = 0, CRm >= 3)
// read as zero. Writes that change translation flush the software TLB; instruction-cache
// maintenance drops decoded instructions.
import {
  STATE, SCTLR, ACTLR, CPACR, TTBR0, TTBR1, TTBCR, DACR, DFSR, IFSR, DFAR, IFAR, PRRR, NMRR,
  CONTEXTIDR, TPIDRURW, TPIDRURO, TPIDRPRW, VBAR, CSSELR, PAR, ADFSR, AIFSR, L2AUXCR, PMUSERENR, PMCR,
} from "./layout";
import { privileged, breakSlice } from "./state";
import { tlbFlushAll, tlbFlushPage, tlbDacrChanged, tlbContextChanged, tlbFlushAsid } from "../mmu/tlb";
import { translate, xlFsr, ACC_READ, ACC_WRITE } from "../mmu/mmu";
import { icacheInvalidateAll, icacheInvalidatePage } from "./dcache";
import { intcIrq, intcFiq } from "../dev/intc";
import { requestWfi } from "./wfi";

export const MIDR: u32 = 0x413fc082;
export const CTR: u32 = 0x82048004;
export const CLIDR: u32 = 0x0a000023;
export const SCTLR_RESET: u32 = 0x00c50078;
// SCTLR bits that read as one on Cortex-A8 whatever is written (bits 3-6, 16, 18, 22, 23)
const SCTLR_RAO: u32 = 0x00c50078;

export let cpUndef: bool = false; // set by an access that is UNDEFINED (cp15Read/cp15Write)
export let undef: bool = false;   // set by an UNDEFINED cp15ReadAt

@inline function key(crn: u32, op1: u32, crm: u32, op2: u32): u32 { return (crn << 12) | (op1 << 8) | (crm << 4) | op2; }
@inline function reg(off: u32): u32 { return load<u32>(STATE + off); }
@inline function setReg(off: u32, v: u32): void { store<u32>(STATE + off, v); }

export function cp15Reset(): void {
  for (let o: u32 = SCTLR; o < SCTLR + 0x100; o += 4) store<u32>(STATE + o, 0);
  setReg(SCTLR, SCTLR_RESET);
  setReg(L2AUXCR, 0x00000042);
  setReg(PRRR, 0x00098aa4); // Cortex-A8 reset values of the TEX remap registers
  setReg(NMRR, 0x44e048e0);
}

export function idReg(crm: u32, op2: u32): u32 {
  if (crm == 0) {
    switch (op2) {
      case 0: return MIDR;
      case 1: return CTR;
      case 5: return 0;       // MPIDR: uniprocessor (Linux patches SMP code to UP)
      default: return op2 == 4 || op2 == 7 ? MIDR : 0; // aliases of MIDR; TCMTR/TLBTR/REVIDR zero
    }
  }
  if (crm == 1) {
    switch (op2) {
      case 0: return 0x00001031; // ID_PFR0 (ThumbEE advertised: TEECR/TEEHBR exist in cp14)
      case 1: return 0x00000011; // ID_PFR1
      case 2: return 0x00000400; // ID_DFR0
      case 3: return 0;          // ID_AFR0
      case 4: return 0x31100003; // ID_MMFR0
      case 5: return 0x20000000; // ID_MMFR1
      case 6: return 0x01202000; // ID_MMFR2
      case 7: return 0x00000011; // ID_MMFR3
    }
  }
  if (crm == 2) {
    switch (op2) {
      case 0: return 0x00101111; // ID_ISAR0: no hardware divide
      case 1: return 0x12112111;
      case 2: return 0x21232031;
      case 3: return 0x11112131;
      case 4: return 0x00111142;
      default: return 0;         // ID_ISAR5 and reserved
    }
  }
  return 0;
}

export function ccsidr(csselr: u32): u32 {
  switch (csselr & 0xf) {
    case 0: return 0xe00fe01a; // L1 data
    case 1: return 0x200fe01a; // L1 instruction
    case 2: return 0xf03fe03a; // L2 unified
  }
  return 0;
}

// One CP15 register model for the real CPU (block at STATE) and the VMM's virtual CPU (vmm/vcp15.ts,
// block at V_CP15): `base` is added to the layout offsets (SCTLR, TTBR0, ...) to reach a register.
@inline function at(base: u32, off: u32): u32 { return load<u32>(base + off); }
@inline function setAt(base: u32, off: u32, v: u32): void { store<u32>(base + off, v); }

// User-mode accessible encodings (B4.1.x): TPIDRURW, TPIDRURO (read), CP15 barriers, and the
// performance monitors when the block's PMUSERENR.EN is set.
export function userAllowed(base: u32, k: u32, isRead: bool): bool {
  if (k == key(13, 0, 0, 2)) return true;
  if (k == key(13, 0, 0, 3)) return isRead;
  if (k == key(7, 0, 5, 4) || k == key(7, 0, 10, 4) || k == key(7, 0, 10, 5)) return !isRead;
  if ((k >>> 12) == 9 && ((k >>> 4) & 0xf) >= 12) return (at(base, PMUSERENR) & 1) != 0;
  return false;
}

// Implementation defined and lockdown space: performance monitors (c9, c12-c14), lockdown
// (c9 c0-c1, c10 c0) and c15 registers, RAZ/WI apart from PMCR and PMUSERENR.
@inline function implDefined(crn: u32, crm: u32): bool {
  return crn == 15 || (crn == 9 && crm <= 2) || (crn == 10 && crm == 0);
}

// MRC p15 from the registers at `base`, `priv` the reader's privilege. Sets undef on an
// UNDEFINED access (returns 0 then). Every register read is a plain read of the block.
export function cp15ReadAt(base: u32, priv: bool, crn: u32, op1: u32, crm: u32, op2: u32): u32 {
  undef = false;
  const k = key(crn, op1, crm, op2);
  if (!priv && !userAllowed(base, k, true)) { undef = true; return 0; }
  if (crn == 0 && op1 == 0) return idReg(crm, op2);
  switch (k) {
    case 0x0100: return ccsidr(at(base, CSSELR)); // CCSIDR (c0, 1, c0, 0)
    case 0x0101: return CLIDR;               // CLIDR
    case 0x0107: return 0;                   // AIDR
    case 0x0200: return at(base, CSSELR);
    case 0x1000: return at(base, SCTLR);
    case 0x1001: return at(base, ACTLR);
    case 0x1002: return at(base, CPACR);
    case 0x1010: case 0x1011: case 0x1012: return 0; // SCR, SDER, NSACR: secure-only, RAZ
    case 0x2000: return at(base, TTBR0);
    case 0x2001: return at(base, TTBR1);
    case 0x2002: return at(base, TTBCR);
    case 0x3000: return at(base, DACR);
    case 0x5000: return at(base, DFSR);
    case 0x5001: return at(base, IFSR);
    case 0x5010: return at(base, ADFSR);
    case 0x5011: return at(base, AIFSR);
    case 0x6000: return at(base, DFAR);
    case 0x6002: return at(base, IFAR);
    case 0x7040: return at(base, PAR);
    case 0xa020: return at(base, PRRR);
    case 0xa021: return at(base, NMRR);
    case 0xc000: return at(base, VBAR);
    case 0xc001: return 0;                   // MVBAR: secure-only, RAZ
    case 0xc010: return (intcIrq() ? 0x80 : 0) | (intcFiq() ? 0x40 : 0); // ISR
    case 0xd000: return 0;                   // FCSEIDR: FCSE not implemented
    case 0xd001: return at(base, CONTEXTIDR);
    case 0xd002: return at(base, TPIDRURW);
    case 0xd003: return at(base, TPIDRURO);
    case 0xd004: return at(base, TPIDRPRW);
    case 0x90c0: return 0x41002000 | (at(base, PMCR) & 0x3f); // PMCR: implementer 'A', no event counters
    case 0x9102: return at(base, L2AUXCR);   // L2 auxiliary control (c9, 1, c0, 2)
  }
  if (crn == 9 && crm >= 12) return crm == 14 && op2 == 0 ? at(base, PMUSERENR) : 0;
  if (implDefined(crn, crm)) return 0;
  undef = true;
  return 0;
}

// The MCR p15 writes that only store into the block (with the register's write mask) or only order,
// the same for the real and the virtual CPU. Returns false for the ones with side effects on
// translation or caches (SCTLR, CPACR, TTBRs, TTBCR, DACR, CONTEXTIDR, TPIDRURW/URO, ICIMVAU,
// ATS, TLB maintenance), which the caller handles, and for unknown encodings.
export function cp15StorePlain(base: u32, crn: u32, crm: u32, op2: u32, k: u32, v: u32): bool {
  switch (k) {
    case 0x0200: setAt(base, CSSELR, v & 0xf); return true;
    case 0x1001: setAt(base, ACTLR, v); return true;
    case 0x1010: case 0x1011: case 0x1012: return true;
    case 0x5000: setAt(base, DFSR, v & 0x1cff); return true;
    case 0x5001: setAt(base, IFSR, v & 0x140f); return true;
    case 0x5010: setAt(base, ADFSR, v); return true;
    case 0x5011: setAt(base, AIFSR, v); return true;
    case 0x6000: setAt(base, DFAR, v); return true;
    case 0x6002: setAt(base, IFAR, v); return true;
    case 0x7004: requestWfi(); return true;  // CP15 WFI (ARMv6 form, still accepted by Cortex-A8)
    case 0x7040: setAt(base, PAR, v); return true;
    // Instruction cache and branch predictor maintenance (B3.18.6)
    case 0x7050: icacheInvalidateAll(); breakSlice(); return true;        // ICIALLU (dcache.ts: verified, not dropped)
    case 0x7054: case 0x7056: case 0x7057: return true;                   // CP15ISB, BPIALL, BPIMVA
    // Data cache maintenance and barriers: caches are not modelled, so these only order
    case 0x7061: case 0x7062: case 0x70a1: case 0x70a2: case 0x70b1:
    case 0x70e1: case 0x70e2: case 0x70a4: case 0x70a5: return true;
    case 0xa020: setAt(base, PRRR, v); return true;
    case 0xa021: setAt(base, NMRR, v); return true;
    case 0xc000: setAt(base, VBAR, v & 0xffffffe0); return true;
    case 0xc001: return true;
    case 0xd000: return true;
    case 0xd004: setAt(base, TPIDRPRW, v); return true;
    case 0x9102: setAt(base, L2AUXCR, v); return true;
  }
  if (crn == 9 && crm >= 12) {
    if (k == 0x90c0) setAt(base, PMCR, v & 0x3f);
    if (crm == 14 && op2 == 0) setAt(base, PMUSERENR, v & 1);
    return true;
  }
  return implDefined(crn, crm);
}

// ICIMVAU after translating its VA: the page's decoded instructions go (all of them if the VA
// does not translate).
export function icacheInvalPa(pa: u32, fsr: u32): void {
  if (fsr != 0) icacheInvalidateAll(); else icacheInvalidatePage(pa);
  breakSlice();
}

// PAR after an ATS operation (B4.1.112): on success PA[31:12] plus attributes (not modelled: 0);
// on failure bit 0 set and FS in 6:1.
export function parValue(pa: u32, fsr: u32): u32 {
  if (fsr != 0) return ((((fsr & 0xf) | ((fsr >>> 6) & 0x10))) << 1) | 1;
  return pa & 0xfffff000;
}

export function cp15Read(crn: u32, op1: u32, crm: u32, op2: u32): u32 {
  const v = cp15ReadAt(STATE, privileged, crn, op1, crm, op2);
  cpUndef = undef;
  return v;
}

export function cp15Write(crn: u32, op1: u32, crm: u32, op2: u32, v: u32): void {
  cpUndef = false;
  const k = key(crn, op1, crm, op2);
  if (!privileged && !userAllowed(STATE, k, false)) { cpUndef = true; return; }
  switch (k) {
    case 0x1000: setReg(SCTLR, v | SCTLR_RAO); tlbFlushAll(); breakSlice(); return;
    case 0x1002: setReg(CPACR, v & 0x00f00000); return; // cp10/cp11 access only
    // A new translation context (ASID and tables) selects its own software TLB bank (mmu/tlb.ts)
    case 0x2000: setReg(TTBR0, v); tlbContextChanged(); breakSlice(); return;
    case 0x2001: setReg(TTBR1, v); tlbContextChanged(); breakSlice(); return;
    case 0x2002: setReg(TTBCR, v & 0x37); tlbContextChanged(); breakSlice(); return;
    case 0x3000: {
      const old = reg(DACR);
      setReg(DACR, v);
      tlbDacrChanged(old, v, privileged); // drops only what lost access (mmu/tlb.ts)
      breakSlice();
      return;
    }
    case 0x7051: {                           // ICIMVAU
      const pa = translate(v, ACC_READ, true);
      icacheInvalPa(pa, xlFsr);
      return;
    }
    // VA to PA translation (B4.2.x ATS1C{P,U}{R,W}): result in PAR
    case 0x7080: ats(v, ACC_READ, true); return;
    case 0x7081: ats(v, ACC_WRITE, true); return;
    case 0x7082: ats(v, ACC_READ, false); return;
    case 0x7083: ats(v, ACC_WRITE, false); return;
    // TLB maintenance (B4.2.3): unified, instruction and data variants all flush our TLB
    case 0x8070: case 0x8050: case 0x8060:                               // TLBIALL
      tlbFlushAll(); breakSlice(); return;
    case 0x8072: case 0x8052: case 0x8062:                               // TLBIASID: ASID in bits 7:0
      tlbFlushAsid(v & 0xff); breakSlice(); return;
    case 0x8071: case 0x8051: case 0x8061:                               // TLBIMVA
      tlbFlushPage(v); breakSlice(); return;
    case 0xd001: setReg(CONTEXTIDR, v); tlbContextChanged(); breakSlice(); return;
    case 0xd002: setReg(TPIDRURW, v); return;
    case 0xd003: setReg(TPIDRURO, v); return;
  }
  if (!cp15StorePlain(STATE, crn, crm, op2, k, v)) cpUndef = true;
}

function ats(va: u32, kind: u32, priv: bool): void {
  const pa = translate(va, kind, priv);
  setReg(PAR, parValue(pa, xlFsr));
}
