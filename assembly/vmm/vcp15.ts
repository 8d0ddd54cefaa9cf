// The guest's virtual CP15 (ARM ARM B4.1, B3.18): MCR/MRC from the deprivileged guest land here.
// The registers are kept at V_CP15 (same layout as the real block) and use the one register model
// of cpu/cp15.ts over that block; only the writes that change translation differ: they re-select
// or flush the shadow tables, and TLB maintenance drops shadow entries.
import {
  SCTLR, CPACR, TTBR0, TTBR1, TTBCR, DACR, PAR, CONTEXTIDR, TPIDRURW, TPIDRURO, STATE, CP15,
} from "../cpu/layout";
import { cp15ReadAt, cp15StorePlain, userAllowed, undef, icacheInvalPa, parValue, SCTLR_RESET } from "../cpu/cp15";
import { breakSlice } from "../cpu/state";
import { V_CP15 } from "./layout";
import { vpriv, vreg, setVreg, realCpacr, sharedAt, SH_DACR } from "./vcpu";
import { shadowSelect, shadowFlushAll, shadowFlushAsid, shadowInvalPage, shadowDacr, gwalk, gFsr } from "./shadow";

export let vcpUndef: bool = false;

// The virtual block: layout offsets (SCTLR, ...) plus VB address the guest's register (vcpu.ts vcp).
const VB: u32 = V_CP15 - CP15;

@inline function key(crn: u32, op1: u32, crm: u32, op2: u32): u32 { return (crn << 12) | (op1 << 8) | (crm << 4) | op2; }

// Reads are the real model's over the virtual block (cpu/cp15.ts cp15ReadAt).
export function vcp15Read(crn: u32, op1: u32, crm: u32, op2: u32): u32 {
  const v = cp15ReadAt(VB, vpriv, crn, op1, crm, op2);
  vcpUndef = undef;
  return v;
}

// Writes that change translation act on the shadow tables instead of the software TLB; the rest
// are the real model's over the virtual block (cpu/cp15.ts cp15StorePlain).
export function vcp15Write(crn: u32, op1: u32, crm: u32, op2: u32, v: u32): void {
  vcpUndef = false;
  const k = key(crn, op1, crm, op2);
  if (!vpriv && !userAllowed(VB, k, false)) { vcpUndef = true; return; }
  switch (k) {
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
    case 0x1002: setVreg(CPACR, v & 0x00f00000); realCpacr(); return;
    case 0x2000: setVreg(TTBR0, v); shadowSelect(true); return;
    case 0x2001: if (vreg(TTBR1) != v) { setVreg(TTBR1, v); shadowFlushAll(); } return;
    case 0x2002: if (vreg(TTBCR) != (v & 0x37)) { setVreg(TTBCR, v & 0x37); shadowFlushAll(); } return;
    case 0x3000: {
      if (vreg(DACR) != v) { const old = vreg(DACR); setVreg(DACR, v); shadowDacr(old, v); }
      const sh = sharedAt(SH_DACR); // para: the shared page's copy (hypercalls.md, ABI 1.2)
      if (sh != 0) store<u32>(sh, v);
      return;
    }
    case 0x7051: {                                                                   // ICIMVAU
      const pa = gwalk(v, 0, true);
      icacheInvalPa(pa, gFsr);
      return;
    }
    case 0x7080: ats(v, 0, true); return;
    case 0x7081: ats(v, 1, true); return;
    case 0x7082: ats(v, 0, false); return;
    case 0x7083: ats(v, 1, false); return;
    case 0x8070: case 0x8050: case 0x8060: shadowFlushAll(); return;                 // TLBIALL
    case 0x8072: case 0x8052: case 0x8062: shadowFlushAsid(v & 0xff); return;        // TLBIASID
    case 0x8071: case 0x8051: case 0x8061: case 0x8073: case 0x8053: case 0x8063:    // TLBIMVA(A)
      shadowInvalPage(v & 0xfffff000); return;
    case 0xd001: if (vreg(CONTEXTIDR) != v) { setVreg(CONTEXTIDR, v); shadowSelect(true); } return;
    // The thread ID registers user code reads directly (B4.1.150-151): the guest's User-mode code runs
    // on the real CPU without trapping, so the real registers must hold the guest's values too.
    case 0xd002: setVreg(TPIDRURW, v); store<u32>(STATE + TPIDRURW, v); return;
    case 0xd003: setVreg(TPIDRURO, v); store<u32>(STATE + TPIDRURO, v); return;
  }
  if (!cp15StorePlain(VB, crn, crm, op2, k, v)) vcpUndef = true;
}

function ats(va: u32, kind: u32, priv: bool): void {
  const pa = gwalk(va, kind, priv);
  setVreg(PAR, parValue(pa, gFsr));
}
