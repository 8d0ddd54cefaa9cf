// The guest's virtual CP15 (ARM ARM B4.1, B3.18): MCR/MRC from the deprivileged guest land here.
// Plain registers are kept at V_CP15 (same layout as the real block); the ones that change
// translation re-select or flush the shadow tables; TLB maintenance drops shadow entries;
// identification registers read the real CPU's values (cpu/cp15.ts).
import {
  SCTLR, ACTLR, CPACR, TTBR0, TTBR1, TTBCR, DACR, DFSR, IFSR, DFAR, IFAR, PRRR, NMRR, CONTEXTIDR,
  TPIDRURW, TPIDRURO, TPIDRPRW, VBAR, CSSELR, PAR, ADFSR, AIFSR, L2AUXCR, PMUSERENR, PMCR, STATE,
} from "../cpu/layout";
import { idReg, ccsidr, userAllowed, CLIDR, SCTLR_RESET } from "../cpu/cp15";
import { breakSlice } from "../cpu/state";
import { requestWfi } from "../cpu/wfi";
import { dcacheFlushAll, dcacheFlushPage } from "../cpu/dcache";
import { intcIrq, intcFiq } from "../dev/intc";
import { vpriv, vreg, setVreg, realCpacr } from "./vcpu";
import { shadowSelect, shadowFlushAll, shadowFlushAsid, shadowInvalPage, shadowDacr, gwalk, gFsr } from "./shadow";

export let vcpUndef: bool = false;

@inline function key(crn: u32, op1: u32, crm: u32, op2: u32): u32 { return (crn << 12) | (op1 << 8) | (crm << 4) | op2; }

export function vcp15Read(crn: u32, op1: u32, crm: u32, op2: u32): u32 {
  vcpUndef = false;
  const k = key(crn, op1, crm, op2);
  if (!vpriv && !userAllowed(k, true)) { vcpUndef = true; return 0; }
  if (crn == 0 && op1 == 0) return idReg(crm, op2);
  switch (k) {
    case 0x0100: return ccsidr2();
    case 0x0101: return CLIDR;
    case 0x0107: return 0;
    case 0x0200: return vreg(CSSELR);
    case 0x1000: return vreg(SCTLR);
    case 0x1001: return vreg(ACTLR);
    case 0x1002: return vreg(CPACR);
    case 0x1010: case 0x1011: case 0x1012: return 0;
    case 0x2000: return vreg(TTBR0);
    case 0x2001: return vreg(TTBR1);
    case 0x2002: return vreg(TTBCR);
    case 0x3000: return vreg(DACR);
    case 0x5000: return vreg(DFSR);
    case 0x5001: return vreg(IFSR);
    case 0x5010: return vreg(ADFSR);
    case 0x5011: return vreg(AIFSR);
    case 0x6000: return vreg(DFAR);
    case 0x6002: return vreg(IFAR);
    case 0x7040: return vreg(PAR);
    case 0xa020: return vreg(PRRR);
    case 0xa021: return vreg(NMRR);
    case 0xc000: return vreg(VBAR);
    case 0xc001: return 0;
    case 0xc010: return (intcIrq() ? 0x80 : 0) | (intcFiq() ? 0x40 : 0);
    case 0xd000: return 0;
    case 0xd001: return vreg(CONTEXTIDR);
    case 0xd002: return vreg(TPIDRURW);
    case 0xd003: return vreg(TPIDRURO);
    case 0xd004: return vreg(TPIDRPRW);
    case 0x90c0: return 0x41002000 | (vreg(PMCR) & 0x3f);
    case 0x9102: return vreg(L2AUXCR);
  }
  if (crn == 9 && crm >= 12) return crm == 14 && op2 == 0 ? vreg(PMUSERENR) : 0;
  if (crn == 15 || (crn == 9 && crm <= 2) || (crn == 10 && crm == 0)) return 0;
  vcpUndef = true;
  return 0;
}

// CCSIDR depends on CSSELR: evaluate against the virtual CSSELR.
function ccsidr2(): u32 {
  const real = load<u32>(STATE + CSSELR);
  store<u32>(STATE + CSSELR, vreg(CSSELR));
  const v = ccsidr();
  store<u32>(STATE + CSSELR, real);
  return v;
}

export function vcp15Write(crn: u32, op1: u32, crm: u32, op2: u32, v: u32): void {
  vcpUndef = false;
  const k = key(crn, op1, crm, op2);
  if (!vpriv && !userAllowed(k, false)) { vcpUndef = true; return; }
  switch (k) {
    case 0x0200: setVreg(CSSELR, v & 0xf); return;
    case 0x1000: {
      const old = vreg(SCTLR);
      const nv = v | SCTLR_RESET;
      setVreg(SCTLR, nv);
      // The real SCTLR keeps the MMU on (shadow tables) and follows the guest's alignment check.
      store<u32>(STATE + SCTLR, (load<u32>(STATE + SCTLR) & ~2) | (nv & 2) | 1);
      if (((old ^ nv) & 1) != 0) shadowFlushAll();
      breakSlice();
      return;
    }
    case 0x1001: setVreg(ACTLR, v); return;
    case 0x1002: setVreg(CPACR, v & 0x00f00000); realCpacr(); return;
    case 0x1010: case 0x1011: case 0x1012: return;
    case 0x2000: setVreg(TTBR0, v); shadowSelect(true); return;
    case 0x2001: if (vreg(TTBR1) != v) { setVreg(TTBR1, v); shadowFlushAll(); } return;
    case 0x2002: if (vreg(TTBCR) != (v & 0x37)) { setVreg(TTBCR, v & 0x37); shadowFlushAll(); } return;
    case 0x3000: if (vreg(DACR) != v) { const old = vreg(DACR); setVreg(DACR, v); shadowDacr(old, v); } return;
    case 0x5000: setVreg(DFSR, v & 0x1cff); return;
    case 0x5001: setVreg(IFSR, v & 0x140f); return;
    case 0x5010: setVreg(ADFSR, v); return;
    case 0x5011: setVreg(AIFSR, v); return;
    case 0x6000: setVreg(DFAR, v); return;
    case 0x6002: setVreg(IFAR, v); return;
    case 0x7004: requestWfi(); return;
    case 0x7040: setVreg(PAR, v); return;
    case 0x7050: dcacheFlushAll(); breakSlice(); return;
    case 0x7051: {
      const pa = gwalk(v, 0, true);
      if (gFsr != 0) dcacheFlushAll(); else dcacheFlushPage(pa);
      breakSlice();
      return;
    }
    case 0x7054: case 0x7056: case 0x7057: return;
    case 0x7061: case 0x7062: case 0x70a1: case 0x70a2: case 0x70b1:
    case 0x70e1: case 0x70e2: case 0x70a4: case 0x70a5: return;
    case 0x7080: ats(v, 0, true); return;
    case 0x7081: ats(v, 1, true); return;
    case 0x7082: ats(v, 0, false); return;
    case 0x7083: ats(v, 1, false); return;
    case 0x8070: case 0x8050: case 0x8060: shadowFlushAll(); return;                 // TLBIALL
    case 0x8072: case 0x8052: case 0x8062: shadowFlushAsid(v & 0xff); return;        // TLBIASID
    case 0x8071: case 0x8051: case 0x8061: case 0x8073: case 0x8053: case 0x8063:    // TLBIMVA(A)
      shadowInvalPage(v & 0xfffff000); return;
    case 0xa020: setVreg(PRRR, v); return;
    case 0xa021: setVreg(NMRR, v); return;
    case 0xc000: setVreg(VBAR, v & 0xffffffe0); return;
    case 0xc001: return;
    case 0xd000: return;
    case 0xd001: if (vreg(CONTEXTIDR) != v) { setVreg(CONTEXTIDR, v); shadowSelect(true); } return;
    // The thread ID registers user code reads directly (B4.1.150-151): the guest's User-mode code runs
    // on the real CPU without trapping, so the real registers must hold the guest's values too.
    case 0xd002: setVreg(TPIDRURW, v); store<u32>(STATE + TPIDRURW, v); return;
    case 0xd003: setVreg(TPIDRURO, v); store<u32>(STATE + TPIDRURO, v); return;
    case 0xd004: setVreg(TPIDRPRW, v); return;
    case 0x9102: setVreg(L2AUXCR, v); return;
  }
  if (crn == 9 && crm >= 12) {
    if (k == 0x90c0) setVreg(PMCR, v & 0x3f);
    if (crm == 14 && op2 == 0) setVreg(PMUSERENR, v & 1);
    return;
  }
  if (crn == 15 || (crn == 9 && crm <= 2) || (crn == 10 && crm == 0)) return;
  vcpUndef = true;
}

function ats(va: u32, kind: u32, priv: bool): void {
  const pa = gwalk(va, kind, priv);
  if (gFsr != 0) {
    const fs = (gFsr & 0xf) | ((gFsr >>> 6) & 0x10);
    setVreg(PAR, (fs << 1) | 1);
  } else setVreg(PAR, pa & 0xfffff000);
}
