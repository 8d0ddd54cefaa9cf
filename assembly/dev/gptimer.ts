// GPTIMER1 (IRQ 37) and GPTIMER2 (IRQ 38), DM3730 TRM ch. 16 "Timers", v1 register layout
// (TIDR bits 31:16 = 0). Both count up from sys_32k_ck, divided by 2^(PTV+1) when TCLR.PRE is set.
// The counter is never ticked: each timer remembers the 32 kHz tick `t0` at which it last held
// the value `c0`, and its value at any later time follows from now32k(). gptUpdate() brings the
// status flags (overflow, match) up to the current time, any number of periods at once;
// gptNextEvent() says when the next enabled interrupt is due so the run loop can stop there.
import { now32k, NEVER } from "../bus/clock";
import { intcSetLine } from "./intc";

const TIDR: u32 = 0x00000013; // revision 1.3; bits 31:16 = 0 select the v1 register map
const IRQ_BASE: u32 = 37;     // GPTIMER1 = 37, GPTIMER2 = 38

// TISR / TIER bits
const MAT: u32 = 1;
const OVF: u32 = 2;
// TCLR bits
const ST: u32 = 1;
const AR: u32 = 2;
const PRE: u32 = 1 << 5;
const CE: u32 = 1 << 6;

const WRAP: u64 = 0x1_0000_0000;

// Registers per timer, u32 each, at REGS + idx * 0x80 + offset (the hardware offsets 0x00-0x58)
const REGS: u32 = <u32>memory.data(2 * 0x80);
// Counter time base per timer: c0 (u64, the value at t0) and t0 (u64, a 32 kHz tick)
const BASE: u32 = <u32>memory.data(2 * 16);

@inline function reg(idx: u32, off: u32): u32 { return load<u32>(REGS + (idx << 7) + off); }
@inline function setReg(idx: u32, off: u32, v: u32): void { store<u32>(REGS + (idx << 7) + off, v); }
@inline function c0(idx: u32): u64 { return load<u64>(BASE + (idx << 4)); }
@inline function t0(idx: u32): u64 { return load<u64>(BASE + (idx << 4), 8); }
@inline function setBase(idx: u32, c: u64, t: u64): void {
  store<u64>(BASE + (idx << 4), c & 0xffffffff);
  store<u64>(BASE + (idx << 4), t, 8);
}

const R_TIOCP: u32 = 0x10;
const R_TISR: u32 = 0x18;
const R_TIER: u32 = 0x1c;
const R_TCLR: u32 = 0x24;
const R_TCRR: u32 = 0x28; // only meaningful while stopped; running value comes from BASE
const R_TLDR: u32 = 0x2c;
const R_TMAR: u32 = 0x38;

// 32 kHz ticks per count: 1, or 2^(PTV+1) with the prescaler.
@inline function divider(tclr: u32): u64 {
  return (tclr & PRE) != 0 ? <u64>1 << (((tclr >>> 2) & 7) + 1) : 1;
}

function irqLine(idx: u32): void {
  intcSetLine(IRQ_BASE + idx, (reg(idx, R_TISR) & reg(idx, R_TIER) & 7) != 0);
}

function setStatus(idx: u32, bits: u32): void {
  setReg(idx, R_TISR, reg(idx, R_TISR) | bits);
}

// Counts from value c to the increment that makes the counter equal TMAR before the overflow,
// 0 when no match happens before the counter wraps (or compare is off).
function countsToMatch(idx: u32, c: u64): u64 {
  if ((reg(idx, R_TCLR) & CE) == 0) return 0;
  const m = <u64>reg(idx, R_TMAR);
  return m > c ? m - c : 0;
}

// Bring TISR and the counter base of a running timer up to time `now`.
function advance(idx: u32, now: u64): void {
  const tclr = reg(idx, R_TCLR);
  if ((tclr & ST) == 0) return;
  const div = divider(tclr);
  let c = c0(idx), t = t0(idx);
  if (now <= t) return;
  let steps = (now - t) / div;
  let flags: u32 = 0;
  const toMatch = countsToMatch(idx, c);
  if (toMatch != 0 && toMatch <= steps) flags |= MAT;
  const toOvf = WRAP - c;
  if (toOvf > steps) {
    // Rebase on the last whole count (keeping the prescaler phase) so a match is seen once.
    if (steps != 0) setBase(idx, c + steps, t + steps * div);
    if (flags != 0) setStatus(idx, flags);
    return;
  }
  // The counter passed 0xFFFFFFFF.
  flags |= OVF;
  if ((tclr & AR) == 0) {
    // One-shot: the timer stops at the overflow and holds 0.
    setReg(idx, R_TCLR, tclr & ~ST);
    setReg(idx, R_TCRR, 0);
    setBase(idx, 0, t + toOvf * div);
    setStatus(idx, flags);
    return;
  }
  // Autoreload: period = 2^32 - TLDR counts; skip whole periods at once.
  const ldr = <u64>reg(idx, R_TLDR);
  const period = WRAP - ldr;
  t += toOvf * div;
  steps -= toOvf;
  const whole = steps / period;
  const mInPeriod = countsToMatch(idx, ldr);
  if (whole > 0 && mInPeriod != 0) flags |= MAT;
  t += whole * period * div;
  steps -= whole * period;
  if (mInPeriod != 0 && mInPeriod <= steps) flags |= MAT;
  setBase(idx, ldr + steps, t + steps * div);
  setStatus(idx, flags);
}

// Counter value at time now (after advance(idx, now)).
function counterAt(idx: u32, now: u64): u32 {
  const tclr = reg(idx, R_TCLR);
  if ((tclr & ST) == 0) return reg(idx, R_TCRR);
  const t = t0(idx);
  const steps = now > t ? (now - t) / divider(tclr) : 0;
  return <u32>(c0(idx) + steps);
}

export function gptUpdate(idx: u32): void {
  advance(idx, now32k());
  irqLine(idx);
}

// The 32 kHz tick at which the next enabled interrupt condition arises, NEVER if none can.
export function gptNextEvent(idx: u32): u64 {
  const tclr = reg(idx, R_TCLR);
  if ((tclr & ST) == 0) return NEVER;
  const want = reg(idx, R_TIER) & ~reg(idx, R_TISR) & (MAT | OVF);
  if (want == 0) return NEVER;
  const div = divider(tclr);
  const c = c0(idx), t = t0(idx);
  let next = NEVER;
  if ((want & MAT) != 0) {
    const m = countsToMatch(idx, c);
    if (m != 0) next = t + m * div;
  }
  // The overflow raises OVF, and with autoreload starts the period in which the next match lies:
  // only when a match lies in the reloaded period (compare on, TMAR above TLDR), else a run loop
  // waiting in WFI for MAT would fast-forward from overflow to overflow for ever.
  const matchLater = (want & MAT) != 0 && (tclr & AR) != 0 && next == NEVER && countsToMatch(idx, <u64>reg(idx, R_TLDR)) != 0;
  if ((want & OVF) != 0 || matchLater) {
    const o = t + (WRAP - c) * div;
    if (o < next) next = o;
  }
  return next;
}

function softReset(idx: u32): void {
  memory.fill(REGS + (idx << 7), 0, 0x80);
  setBase(idx, 0, 0);
  irqLine(idx);
}

export function gptReset(): void { softReset(0); softReset(1); }

function read32(idx: u32, off: u32): u32 {
  switch (off) {
    case 0x00: return TIDR;
    case 0x14: return 1;  // TISTAT.RESETDONE
    case 0x34: return 0;  // TWPS: writes are never pending
    case 0x18: gptUpdate(idx); return reg(idx, R_TISR);
    case 0x28: { const now = now32k(); advance(idx, now); irqLine(idx); return counterAt(idx, now); }
  }
  if (off <= 0x58) return reg(idx, off);
  return 0;
}

function write32(idx: u32, off: u32, v: u32): void {
  const now = now32k();
  advance(idx, now); // everything below acts at the current time
  switch (off) {
    case 0x10:
      if ((v & 2) != 0) { softReset(idx); return; } // SOFTRESET completes at once, reads back 0
      setReg(idx, R_TIOCP, v & 0x33d);
      return;
    case 0x18: setReg(idx, R_TISR, reg(idx, R_TISR) & ~(v & 7)); break;
    case 0x1c: setReg(idx, R_TIER, v & 7); break;
    case 0x20: setReg(idx, off, v & 7); break; // TWER
    case 0x24: {
      const cur = counterAt(idx, now);
      setReg(idx, R_TCLR, v & 0x7fff);
      setReg(idx, R_TCRR, cur);
      setBase(idx, cur, now); // (re)start or freeze at the current value
      break;
    }
    case 0x28: setReg(idx, R_TCRR, v); setBase(idx, v, now); break;
    case 0x30: { const l = reg(idx, R_TLDR); setReg(idx, R_TCRR, l); setBase(idx, l, now); break; } // TTGR
    // Plain storage: TLDR, TMAR, TSICR, and the 1 ms tick registers TPIR, TNIR, TCVR, TOCR, TOWR
    case 0x2c: case 0x38: case 0x40: case 0x48: case 0x4c: case 0x50: case 0x54: case 0x58:
      setReg(idx, off, v);
      return;
    default: return; // TIDR, TISTAT, TWPS, TCAR1/2 are read-only; reserved offsets ignore writes
  }
  irqLine(idx);
}

export function gptRead(idx: u32, off: u32, size: u32): u32 {
  const w = read32(idx, off & 0xffc);
  if (size == 4) return w;
  const sh = (off & 3) << 3;
  return (w >>> sh) & (size == 2 ? 0xffff : 0xff);
}

export function gptWrite(idx: u32, off: u32, size: u32, v: u32): void {
  if (size != 4) v = v << ((off & 3) << 3);
  write32(idx, off & 0xffc, v);
}
