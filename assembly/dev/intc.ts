// MPU INTC, the Cortex-A8's interrupt controller (DM3730 TRM ch. 12 "Interrupt Controller"):
// 96 level-sensitive lines in three banks of 32. A line is raw-active when its device drives it
// (intcSetLine) or software set it (ISR_SETn); pending = raw & ~MIRn, routed to IRQ or FIQ by
// ILRm.FIQnIRQ. SIR_IRQ/SIR_FIQ name the highest-priority pending line (ILRm.PRIORITY, 0 highest;
// the lowest line number on ties). The IRQ/FIQ outputs are kept as cached booleans, recomputed on
// every change, because the run loop asks for them once per block.
import { breakSlice } from "../cpu/state";
import { STATE, DEV_INTC } from "../cpu/layout";

const NLINES: u32 = 96;
const REVISION: u32 = 0x40;      // IP revision 4.0, as the DM3730 reports
const SPURIOUS: u32 = 0xffffff80; // SIR_*/..._PRIORITY bits 31:7 when no line is active

// State in the state block (cpu/layout.ts DEV_INTC): per-bank words (3 x u32), per-line ILRs
// (96 x u32) and the scalar registers.
const DEV: u32 = STATE + DEV_INTC;         // levels driven by devices
const SWI: u32 = DEV + 12;                 // ISR_SETn software bits
const MIR: u32 = DEV + 24;                 // masks, 1 = masked
const FIQSEL: u32 = DEV + 36;              // ILRm.FIQnIRQ collected per bank, 1 = routed to FIQ
const ILR: u32 = DEV + 48;
const SYSCONFIG: u32 = ILR + NLINES * 4;
const PROTECTION: u32 = SYSCONFIG + 4;
const IDLE: u32 = SYSCONFIG + 8;
const THRESHOLD: u32 = SYSCONFIG + 12;
const IRQ_OUT: u32 = SYSCONFIG + 16;       // the outputs, recomputed on every change (u32 0/1)
const FIQ_OUT: u32 = SYSCONFIG + 20;

@inline function bank(p: u32, n: u32): u32 { return load<u32>(p + (n << 2)); }
@inline function setBank(p: u32, n: u32, v: u32): void { store<u32>(p + (n << 2), v); }
@inline function threshold(): u32 { return load<u32>(THRESHOLD); }
@inline function raw(n: u32): u32 { return bank(DEV, n) | bank(SWI, n); }
// Pending lines of bank n of one type (fiq = false: IRQ lines).
@inline function pending(n: u32, fiq: bool): u32 {
  const p = raw(n) & ~bank(MIR, n);
  return fiq ? p & bank(FIQSEL, n) : p & ~bank(FIQSEL, n);
}

// Highest-priority pending line of one type that passes the priority threshold, or -1.
function activeLine(fiq: bool): i32 {
  let best: i32 = -1;
  let bestPrio: u32 = 0x100;
  for (let n: u32 = 0; n < 3; n++) {
    let p = pending(n, fiq);
    while (p != 0) {
      const b = <u32>ctz(p);
      p &= p - 1;
      const line = (n << 5) + b;
      const prio = (load<u32>(ILR + (line << 2)) >>> 2) & 0x3f;
      if (prio < bestPrio) { bestPrio = prio; best = <i32>line; } // ascending scan: ties keep the lowest
    }
  }
  // THRESHOLD: only priorities strictly above (numerically below) it are signalled; 0xFF disables it.
  const th = threshold();
  if (best >= 0 && th != 0xff && bestPrio >= th) return -1;
  return best;
}

function anyPending(fiq: bool): bool {
  if (threshold() == 0xff) return (pending(0, fiq) | pending(1, fiq) | pending(2, fiq)) != 0;
  return activeLine(fiq) >= 0;
}

// Recompute the outputs; a rising output ends the CPU's slice so the interrupt is seen promptly.
function update(): void {
  const irq = anyPending(false), fiq = anyPending(true);
  if ((irq && !intcIrq()) || (fiq && !intcFiq())) breakSlice();
  store<u32>(IRQ_OUT, irq ? 1 : 0);
  store<u32>(FIQ_OUT, fiq ? 1 : 0);
}

// Module reset (power-on or SYSCONFIG.SOFTRESET): masks all set, ILRs cleared, software
// interrupts cleared. Device input levels are not state of the INTC and stay.
function softReset(): void {
  for (let n: u32 = 0; n < 3; n++) { setBank(SWI, n, 0); setBank(MIR, n, 0xffffffff); setBank(FIQSEL, n, 0); }
  memory.fill(ILR, 0, NLINES * 4);
  store<u32>(SYSCONFIG, 0); store<u32>(PROTECTION, 0); store<u32>(IDLE, 0); store<u32>(THRESHOLD, 0xff);
  update();
}

export function intcReset(): void {
  for (let n: u32 = 0; n < 3; n++) setBank(DEV, n, 0);
  softReset();
}

@inline export function intcIrq(): bool { return load<u32>(IRQ_OUT) != 0; }
// Line `irq` is unmasked (its device could interrupt the CPU).
export function intcEnabled(irq: u32): bool { return irq < NLINES && (bank(MIR, irq >>> 5) & (1 << (irq & 31))) == 0; }
@inline export function intcFiq(): bool { return load<u32>(FIQ_OUT) != 0; }

// A device drives its interrupt line (level-sensitive).
export function intcSetLine(irq: u32, level: bool): void {
  if (irq >= NLINES) return;
  const n = irq >>> 5, bit: u32 = 1 << (irq & 31);
  const old = bank(DEV, n);
  const v = level ? old | bit : old & ~bit;
  if (v == old) return;
  setBank(DEV, n, v);
  update();
}

function read32(off: u32): u32 {
  if (off >= 0x100) {
    const m = (off - 0x100) >>> 2;
    return m < NLINES ? load<u32>(ILR + (m << 2)) : 0;
  }
  if (off >= 0x80) {
    const n = (off - 0x80) >>> 5;
    if (n >= 3) return 0;
    switch (off & 0x1f) {
      case 0x00: return raw(n);            // ITRn
      case 0x04: return bank(MIR, n);      // MIRn
      case 0x10: return bank(SWI, n);      // ISR_SETn
      case 0x18: return pending(n, false); // PENDING_IRQn
      case 0x1c: return pending(n, true);  // PENDING_FIQn
    }
    return 0; // MIR_CLEAR/MIR_SET/ISR_CLEAR are write-only
  }
  switch (off) {
    case 0x00: return REVISION;
    case 0x10: return load<u32>(SYSCONFIG);
    case 0x14: return 1; // SYSSTATUS.RESETDONE
    case 0x40: { const l = activeLine(false); return l < 0 ? SPURIOUS : <u32>l; }
    case 0x44: { const l = activeLine(true); return l < 0 ? SPURIOUS : <u32>l; }
    case 0x4c: return load<u32>(PROTECTION);
    case 0x50: return load<u32>(IDLE);
    case 0x60: { const l = activeLine(false); return l < 0 ? SPURIOUS : (load<u32>(ILR + (<u32>l << 2)) >>> 2) & 0x3f; }
    case 0x64: { const l = activeLine(true); return l < 0 ? SPURIOUS : (load<u32>(ILR + (<u32>l << 2)) >>> 2) & 0x3f; }
    case 0x68: return threshold();
  }
  return 0;
}

function write32(off: u32, v: u32): void {
  if (off >= 0x100) {
    const m = (off - 0x100) >>> 2;
    if (m >= NLINES) return;
    store<u32>(ILR + (m << 2), v & 0xfd);
    const n = m >>> 5, bit: u32 = 1 << (m & 31);
    const f = bank(FIQSEL, n);
    setBank(FIQSEL, n, (v & 1) != 0 ? f | bit : f & ~bit);
    update();
    return;
  }
  if (off >= 0x80) {
    const n = (off - 0x80) >>> 5;
    if (n >= 3) return;
    switch (off & 0x1f) {
      case 0x04: setBank(MIR, n, v); break;
      case 0x08: setBank(MIR, n, bank(MIR, n) & ~v); break; // MIR_CLEARn
      case 0x0c: setBank(MIR, n, bank(MIR, n) | v); break;  // MIR_SETn
      case 0x10: setBank(SWI, n, bank(SWI, n) | v); break;  // ISR_SETn
      case 0x14: setBank(SWI, n, bank(SWI, n) & ~v); break; // ISR_CLEARn
      default: return;
    }
    update();
    return;
  }
  switch (off) {
    case 0x10:
      if ((v & 2) != 0) softReset(); // SOFTRESET completes at once and reads back 0
      store<u32>(SYSCONFIG, v & 1);  // AUTOIDLE
      break;
    case 0x48: break; // CONTROL.NEWIRQAGR/NEWFIQAGR: SIR is recomputed on every read, nothing to restart
    case 0x4c: store<u32>(PROTECTION, v & 1); break;
    case 0x50: store<u32>(IDLE, v & 3); break;
    case 0x68: store<u32>(THRESHOLD, v & 0xff); update(); break;
  }
}

// Registers are 32-bit; narrower accesses see or replace the addressed bytes of the word.
export function intcRead(off: u32, size: u32): u32 {
  const w = read32(off & 0xffc);
  if (size == 4) return w;
  const sh = (off & 3) << 3;
  return (w >>> sh) & (size == 2 ? 0xffff : 0xff);
}

export function intcWrite(off: u32, size: u32, v: u32): void {
  if (size != 4) v = v << ((off & 3) << 3);
  write32(off & 0xffc, v);
}
