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
import { dcacheFlushAll, dcacheFlushPage } from "./dcache";
import { intcIrq, intcFiq } from "../dev/intc";
import { requestWfi } from "./wfi";

export const MIDR: u32 = 0x413fc082;
export const CTR: u32 = 0x82048004;
export const CLIDR: u32 = 0x0a000023;
export const SCTLR_RESET: u32 = 0x00c50078;
// SCTLR bits that read as one on Cortex-A8 whatever is written (bits 3-6, 16, 18, 22, 23)
const SCTLR_RAO: u32 = 0x00c50078;

export let cpUndef: bool = false; // set by an access that is UNDEFINED

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

export function ccsidr(): u32 {
  switch (reg(CSSELR) & 0xf) {
    case 0: return 0xe00fe01a; // L1 data
    case 1: return 0x200fe01a; // L1 instruction
    case 2: return 0xf03fe03a; // L2 unified
  }
  return 0;
}

// User-mode accessible encodings (B4.1.x): TPIDRURW, TPIDRURO (read), CP15 barriers.
export function userAllowed(k: u32, isRead: bool): bool {
  if (k == key(13, 0, 0, 2)) return true;
  if (k == key(13, 0, 0, 3)) return isRead;
  if (k == key(7, 0, 5, 4) || k == key(7, 0, 10, 4) || k == key(7, 0, 10, 5)) return !isRead;
  if ((k >>> 12) == 9 && ((k >>> 4) & 0xf) >= 12) return (reg(PMUSERENR) & 1) != 0;
  return false;
}

export function cp15Read(crn: u32, op1: u32, crm: u32, op2: u32): u32 {
  cpUndef = false;
  const k = key(crn, op1, crm, op2);
  if (!privileged && !userAllowed(k, true)) { cpUndef = true; return 0; }
  if (crn == 0 && op1 == 0) return idReg(crm, op2);
  switch (k) {
    case 0x0100: return ccsidr();            // CCSIDR (c0, 1, c0, 0)
    case 0x0101: return CLIDR;               // CLIDR
    case 0x0107: return 0;                   // AIDR
    case 0x0200: return reg(CSSELR);
    case 0x1000: return reg(SCTLR);
    case 0x1001: return reg(ACTLR);
    case 0x1002: return reg(CPACR);
    case 0x1010: case 0x1011: case 0x1012: return 0; // SCR, SDER, NSACR: secure-only, RAZ
    case 0x2000: return reg(TTBR0);
    case 0x2001: return reg(TTBR1);
    case 0x2002: return reg(TTBCR);
    case 0x3000: return reg(DACR);
    case 0x5000: return reg(DFSR);
    case 0x5001: return reg(IFSR);
    case 0x5010: return reg(ADFSR);
    case 0x5011: return reg(AIFSR);
    case 0x6000: return reg(DFAR);
    case 0x6002: return reg(IFAR);
    case 0x7040: return reg(PAR);
    case 0xa020: return reg(PRRR);
    case 0xa021: return reg(NMRR);
    case 0xc000: return reg(VBAR);
    case 0xc001: return 0;                   // MVBAR: secure-only, RAZ
    case 0xc010: return (intcIrq() ? 0x80 : 0) | (intcFiq() ? 0x40 : 0); // ISR
    case 0xd000: return 0;                   // FCSEIDR: FCSE not implemented
    case 0xd001: return reg(CONTEXTIDR);
    case 0xd002: return reg(TPIDRURW);
    case 0xd003: return reg(TPIDRURO);
    case 0xd004: return reg(TPIDRPRW);
    case 0x90c0: return 0x41002000 | (reg(PMCR) & 0x3f); // PMCR: implementer 'A', no event counters
    case 0x9102: return reg(L2AUXCR);        // L2 auxiliary control (c9, 1, c0, 2)
  }
  // Performance monitors (c9, c12-c14), lockdown (c9 c0-c1, c10 c0) and c15 implementation
  // defined registers: RAZ for privileged reads.
  if (crn == 9 && crm >= 12) return crm == 14 && op2 == 0 ? reg(PMUSERENR) : 0;
  if (crn == 15 || (crn == 9 && crm <= 2) || (crn == 10 && crm == 0)) return 0;
  cpUndef = true;
  return 0;
}


export function cp15Write(crn: u32, op1: u32, crm: u32, op2: u32, v: u32): void {
  cpUndef = false;
  const k = key(crn, op1, crm, op2);
  if (!privileged && !userAllowed(k, false)) { cpUndef = true; return; }
  switch (k) {
    case 0x0200: setReg(CSSELR, v & 0xf); return;
    case 0x1000: setReg(SCTLR, v | SCTLR_RAO); tlbFlushAll(); breakSlice(); return;
    case 0x1001: setReg(ACTLR, v); return;
    case 0x1002: setReg(CPACR, v & 0x00f00000); return; // cp10/cp11 access only
    case 0x1010: case 0x1011: case 0x1012: return;
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
    case 0x5000: setReg(DFSR, v & 0x1cff); return;
    case 0x5001: setReg(IFSR, v & 0x140f); return;
    case 0x5010: setReg(ADFSR, v); return;
    case 0x5011: setReg(AIFSR, v); return;
    case 0x6000: setReg(DFAR, v); return;
    case 0x6002: setReg(IFAR, v); return;
    case 0x7004: requestWfi(); return;       // CP15 WFI (ARMv6 form, still accepted by Cortex-A8)
    case 0x7040: setReg(PAR, v); return;
    // Instruction cache and branch predictor maintenance (B3.18.6)
    case 0x7050: dcacheFlushAll(); breakSlice(); return;                 // ICIALLU
    case 0x7051: icacheByVA(v); return;                                   // ICIMVAU
    case 0x7054: case 0x7056: case 0x7057: return;                       // CP15ISB, BPIALL, BPIMVA
    // Data cache maintenance and barriers: caches are not modelled, so these only order
    case 0x7061: case 0x7062: case 0x70a1: case 0x70a2: case 0x70b1:
    case 0x70e1: case 0x70e2: case 0x70a4: case 0x70a5: return;
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
    case 0xa020: setReg(PRRR, v); return;
    case 0xa021: setReg(NMRR, v); return;
    case 0xc000: setReg(VBAR, v & 0xffffffe0); return;
    case 0xc001: return;
    case 0xd000: return;
    case 0xd001: setReg(CONTEXTIDR, v); tlbContextChanged(); breakSlice(); return;
    case 0xd002: setReg(TPIDRURW, v); return;
    case 0xd003: setReg(TPIDRURO, v); return;
    case 0xd004: setReg(TPIDRPRW, v); return;
    case 0x9102: setReg(L2AUXCR, v); return;
  }
  if (crn == 9 && crm >= 12) {
    if (k == 0x90c0) setReg(PMCR, v & 0x3f);
    if (crm == 14 && op2 == 0) setReg(PMUSERENR, v & 1);
    return;
  }
  if (crn == 15 || (crn == 9 && crm <= 2) || (crn == 10 && crm == 0)) return;
  cpUndef = true;
}

function icacheByVA(va: u32): void {
  const pa = translate(va, ACC_READ, true);
  if (xlFsr != 0) dcacheFlushAll(); else dcacheFlushPage(pa);
  breakSlice();
}

// PAR on success: PA[31:12] plus attributes (not modelled: 0); on failure bit 0 set and FS in 6:1.
function ats(va: u32, kind: u32, priv: bool): void {
  const pa = translate(va, kind, priv);
  if (xlFsr != 0) {
    const fs = (xlFsr & 0xf) | ((xlFsr >>> 6) & 0x10);
    setReg(PAR, (fs << 1) | 1);
  } else setReg(PAR, pa & 0xfffff000);
}
