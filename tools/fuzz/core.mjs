// The core fuzzer: random and mutated system-level programs run on a Machine in native, full or
// para mode. A case is one machine and a few episodes; each episode writes fresh code (A32 or
// Thumb-2 units from the difftest generators, system instructions: MRS/MSR, CPS, SRS/RFE, LDM/STM ^,
// exception returns, CP15 MCR/MRC incl. TLB and cache maintenance and address translation, VFP
// control registers, WFI, SVC/BKPT/semihosting calls, HVC hypercalls with random numbers and
// arguments, device-register accesses, page-table writes), random vectors and handlers, random
// translation tables (sections, supersections, pages, faults, domains, TEX remap) and a random
// start state, then runs it for a budget of instructions. Some words are mutated (bit flips,
// random words). Case i of seed s is always the same program.
//
// The oracle (check()): no host exception, a documented stop reason, no VMM-internal fatal stop,
// the VMM's gauges consistent (shadow L2 tables off the free stack = linked from contexts).
import { rngFor, randValue, generate } from "../difftest/gen.mjs";
import { generateThumb } from "../difftest/tgen.mjs";
import { codeWords } from "../difftest/qemu.mjs";
import { createMachineIn, machineRamFor } from "../../dist/machine/modes.js";

export const RAM = 0x80000000;
const VEC = RAM;                  // vectors (VBAR) ...
const HANDLERS = RAM + 0x1000;    // ... and a handler per exception, 0x200 bytes each
const CODE = RAM + 0x10000;       // the episode's code (up to 48 KiB)
const L1 = RAM + 0x100000;        // translation tables: L1 (16 KiB), then 16 L2 tables of 1 KiB
const L2 = L1 + 0x4000;
const SCRATCH = RAM + 0x200000;   // data the code loads and stores (64 KiB)
const STACKS = RAM + 0x300000;    // a stack per mode
const GUEST_MIB = 48;
export const DEVICES = [0x48200000, 0x48318000, 0x48320000, 0x49020000, 0x49032000];
const DEV_HOLES = [0x48000000, 0x48328000, 0x49000000, 0x49040000, 0x50000000, 0x40200000, 0x00000000, 0xfffff000];
const MODES = [0x10, 0x11, 0x12, 0x13, 0x17, 0x1b, 0x1f];
const STOP_REASONS = new Set(["exit", "budget", "fatal", "idle", "wait", "input", "bkpt", "host"]);

// ---- encoders (ARM ARM A8; A32 with cond, T32 as the two halfwords hi:lo in one number) ----------
const AL = 0xe0000000;
const a32 = {
  movw: (d, v) => (AL | 0x03000000 | ((v >>> 12) & 15) << 16 | d << 12 | (v & 0xfff)) >>> 0,
  movt: (d, v) => (AL | 0x03400000 | ((v >>> 28) & 15) << 16 | d << 12 | ((v >>> 16) & 0xfff)) >>> 0,
  mrs: (d, spsr) => (AL | 0x010f0000 | (spsr ? 1 << 22 : 0) | d << 12) >>> 0,
  msrR: (mask, n, spsr) => (AL | 0x0120f000 | (spsr ? 1 << 22 : 0) | mask << 16 | n) >>> 0,
  msrI: (mask, rot, imm, spsr) => (AL | 0x0320f000 | (spsr ? 1 << 22 : 0) | mask << 16 | rot << 8 | imm) >>> 0,
  cps: (imod, m, aif, mode) => (0xf1000000 | imod << 18 | m << 17 | aif << 6 | mode) >>> 0,
  srs: (p, u, w, mode) => (0xf84d0500 | p << 24 | u << 23 | w << 21 | mode) >>> 0,
  rfe: (p, u, w, n) => (0xf8100a00 | p << 24 | u << 23 | w << 21 | n << 16) >>> 0,
  ldmUser: (p, u, n, list) => (AL | 0x08500000 | p << 24 | u << 23 | n << 16 | list) >>> 0,
  stmUser: (p, u, n, list) => (AL | 0x08400000 | p << 24 | u << 23 | n << 16 | list) >>> 0,
  mcr: (l, opc1, crn, t, opc2, crm, cp = 15) => (AL | 0x0e000010 | opc1 << 21 | l << 20 | crn << 16 | t << 12 | cp << 8 | opc2 << 5 | crm) >>> 0,
  ldr: (size, load, t, n, off) => {
    if (size === 4 || size === 1) return (AL | 0x05800000 | (load ? 1 << 20 : 0) | (size === 1 ? 1 << 22 : 0) | n << 16 | t << 12 | (off & 0xfff)) >>> 0;
    return (AL | 0x01c000b0 | (load ? 1 << 20 : 0) | n << 16 | t << 12 | ((off >>> 4) & 15) << 8 | (off & 15)) >>> 0;
  },
  b: (from, to, link = false) => (AL | (link ? 0x0b000000 : 0x0a000000) | (((to - from - 8) >> 2) & 0xffffff)) >>> 0,
  svc: (imm) => (AL | 0x0f000000 | (imm & 0xffffff)) >>> 0,
  bkpt: (imm) => (AL | 0x01200070 | ((imm >>> 4) & 0xfff) << 8 | (imm & 15)) >>> 0,
  hvc: (imm) => (AL | 0x01400070 | ((imm >>> 4) & 0xfff) << 8 | (imm & 15)) >>> 0,
  vmsr: (reg, t) => (AL | 0x0ee00a10 | reg << 16 | t << 12) >>> 0,
  vmrs: (reg, t) => (AL | 0x0ef00a10 | reg << 16 | t << 12) >>> 0,
};
const t32 = {
  movw: (d, v) => (0xf2400000 | ((v >>> 11) & 1) << 26 | ((v >>> 12) & 15) << 16 | ((v >>> 8) & 7) << 12 | d << 8 | (v & 0xff)) >>> 0,
  movt: (d, v) => t32.movw(d, v >>> 16) | 0x00800000,
  ldr: (size, load, t, n, off) => (0xf8800000 | (size === 4 ? 2 : size === 2 ? 1 : 0) << 21 | (load ? 1 << 20 : 0) | n << 16 | t << 12 | (off & 0xfff)) >>> 0,
  srs: (ia, w, mode) => ((ia ? 0xe98dc000 : 0xe80dc000) | w << 21 | mode) >>> 0,
  rfe: (ia, w, n) => ((ia ? 0xe990c000 : 0xe810c000) | w << 21 | n << 16) >>> 0,
  subsPcLr: (imm) => (0xf3de8f00 | (imm & 0xff)) >>> 0,
  mrs: (d, spsr) => (0xf3ef8000 | (spsr ? 1 << 20 : 0) | d << 8) >>> 0,
  msr: (mask, n, spsr) => (0xf3808000 | (spsr ? 1 << 20 : 0) | n << 16 | mask << 8) >>> 0,
};
// Coprocessor and VFP encodings are the same in T32 with cond = AL (1110): the A32 word is hw1:hw2.

// CP15 registers and operations (CRn, opc1, CRm, opc2) the code reads and writes.
const CP15 = [
  [0, 0, 0, 0], [0, 0, 0, 1], [0, 0, 0, 3], [0, 0, 0, 5], [0, 0, 1, 0], [0, 0, 1, 4], [0, 0, 2, 0], [0, 1, 0, 0], [0, 1, 0, 1], [0, 2, 0, 0],
  [1, 0, 0, 0], [1, 0, 0, 0], [1, 0, 0, 1], [1, 0, 0, 2], [2, 0, 0, 0], [2, 0, 0, 0], [2, 0, 0, 1], [2, 0, 0, 2], [3, 0, 0, 0], [3, 0, 0, 0],
  [5, 0, 0, 0], [5, 0, 0, 1], [5, 0, 1, 0], [6, 0, 0, 0], [6, 0, 0, 2], [7, 0, 4, 0], [7, 0, 5, 0], [7, 0, 5, 1], [7, 0, 5, 4], [7, 0, 5, 6],
  [7, 0, 6, 1], [7, 0, 6, 2], [7, 0, 8, 0], [7, 0, 8, 1], [7, 0, 8, 2], [7, 0, 8, 3], [7, 0, 10, 1], [7, 0, 10, 4], [7, 0, 10, 5], [7, 0, 14, 1],
  [8, 0, 7, 0], [8, 0, 7, 1], [8, 0, 7, 2], [8, 0, 7, 3], [8, 0, 5, 0], [8, 0, 6, 1], [8, 0, 3, 0], [10, 0, 2, 0], [10, 0, 2, 1], [12, 0, 0, 0],
  [12, 0, 1, 0], [13, 0, 0, 0], [13, 0, 0, 1], [13, 0, 0, 1], [13, 0, 0, 2], [13, 0, 0, 3], [13, 0, 0, 4], [9, 0, 12, 0], [15, 0, 0, 0],
];

// ---- translation tables ---------------------------------------------------------------------------
function randL1(r, va) {
  const pa = va & 0xfff00000;
  const ap = r.chance(0.8) ? 3 : r.int(4), apx = r.chance(0.1) ? 1 : 0;
  const dom = r.chance(0.8) ? 0 : r.int(16);
  const k = r.int(20);
  if (k === 0) return 0;                                                          // fault
  if (k === 1) return r.u32() >>> 0;                                              // anything
  if (k <= 3) return (L2 + (r.int(16) << 10) | dom << 5 | 1) >>> 0;                 // coarse table
  if (k === 4) return ((r.chance(0.5) ? pa & 0xff000000 : r.u32() & 0xff000000) | 0x40002 | ap << 10 | apx << 15 | r.int(8) << 12 | (r.u32() & 0x1000c)) >>> 0; // supersection
  const xn = r.chance(0.1) ? 0x10 : 0, ng = r.chance(0.2) ? 0x20000 : 0;
  return (pa | ap << 10 | apx << 15 | dom << 5 | xn | ng | (r.chance(0.3) ? r.int(8) << 12 | (r.u32() & 0x1000c) : 0) | 2) >>> 0;
}
function randL2(r, base) {
  const k = r.int(12);
  const pa = r.chance(0.7) ? base : r.chance(0.5) ? RAM + (r.int(GUEST_MIB << 8) << 12) : r.u32() & 0xfffff000;
  const ap = r.chance(0.75) ? 3 : r.int(4), apx = r.chance(0.1) ? 1 : 0, ng = r.chance(0.2) ? 0x800 : 0;
  if (k === 0) return 0;
  if (k === 1) return r.u32() >>> 0;
  if (k === 2) return ((pa & 0xffff0000) | 1 | ap << 4 | apx << 9 | ng | (r.chance(0.1) ? 0x8000 : 0)) >>> 0;     // large page
  return ((pa & 0xfffff000) | 2 | ap << 4 | apx << 9 | ng | (r.chance(0.1) ? 1 : 0) | (r.u32() & 0x1cc)) >>> 0; // small page
}
function tables(r) {
  const l1 = new Uint32Array(4096);
  for (let i = 0; i < 4096; i++) {
    const va = i << 20;
    if (va >= RAM && va < RAM + (GUEST_MIB << 20)) l1[i] = r.chance(0.9) && va < RAM + 0x400000 ? (va | 0xc02) >>> 0 : randL1(r, va);
    else if (DEVICES.some((d) => (d & 0xfff00000) === va)) l1[i] = r.chance(0.9) ? (va | 0xc02 | 0x10) >>> 0 : randL1(r, va);
    else if (r.chance(0.01)) l1[i] = randL1(r, va);
  }
  // The code and its tables usually stay reachable; sometimes they do not (the walk or the fetch faults).
  if (r.chance(0.85)) l1[RAM >>> 20] = (RAM | 0xc02) >>> 0;
  else if (r.chance(0.5)) l1[RAM >>> 20] = (L2 | 1) >>> 0;
  const l2 = new Uint32Array(16 * 256);
  for (let t = 0; t < 16; t++) {
    const mib = t === 0 ? RAM : RAM + (r.int(GUEST_MIB) << 20);
    for (let k = 0; k < 256; k++) l2[t * 256 + k] = randL2(r, mib + (k << 12));
  }
  return { l1, l2 };
}

// ---- code ---------------------------------------------------------------------------------------
/** A system-level unit: A32 words (thumb = false) or T32/T16 items ({ h16 } / { w32 }). */
function sysUnit(r, thumb, mode) {
  const out = [];
  const reg = () => r.int(13);
  const w = (x) => out.push(thumb ? { w32: x >>> 0 } : x >>> 0);
  const h = (x) => out.push({ h16: x & 0xffff });
  const addr = (n, v) => { if (thumb) { w(t32.movw(n, v & 0xffff)); w(t32.movt(n, v)); } else { w(a32.movw(n, v & 0xffff)); w(a32.movt(n, v)); } };
  // para guests call the VMM by hypercall (ARM state only): more of them there
  const k = !thumb && mode === "para" && r.chance(0.15) ? 15 : r.int(thumb ? 15 : 19);
  switch (k) {
    case 0: { // MRS / MSR
      const spsr = r.chance(0.3);
      if (r.chance(0.5)) w(thumb ? t32.mrs(reg(), spsr) : a32.mrs(reg(), spsr));
      else if (thumb) { const n = reg(); addr(n, r.chance(0.5) ? r.pick(MODES) | (r.u32() & 0xf80f01c0) : r.u32()); w(t32.msr(1 + r.int(15), n, spsr)); }
      else if (r.chance(0.5)) { const n = reg(); addr(n, r.chance(0.5) ? r.pick(MODES) | (r.u32() & 0xf80f01c0) : r.u32()); w(a32.msrR(1 + r.int(15), n, spsr)); }
      else w(a32.msrI(1 + r.int(15), r.int(16), r.int(256), spsr));
      break;
    }
    case 1: // CPS
      if (thumb) h(0xb660 | (r.int(2) << 4) | r.int(8));
      else w(a32.cps(r.pick([0, 2, 3, 1]), r.int(2), r.int(8), r.chance(0.8) ? r.pick(MODES) : r.int(32)));
      break;
    case 2: { // SRS / RFE (through a stack pointer or a scratch base)
      const n = reg();
      addr(n, SCRATCH + 0x100 + (r.int(64) << 3));
      if (r.chance(0.5)) w(thumb ? t32.srs(r.int(2), r.int(2), r.pick(MODES)) : a32.srs(r.int(2), r.int(2), r.int(2), r.chance(0.8) ? r.pick(MODES) : r.int(32)));
      else w(thumb ? t32.rfe(r.int(2), r.int(2), n) : a32.rfe(r.int(2), r.int(2), r.int(2), n));
      break;
    }
    case 3: { // MCR / MRC CP15
      const [crn, opc1, crm, opc2] = r.chance(0.95) ? r.pick(CP15) : [r.int(16), r.int(8), r.int(16), r.int(8)];
      const t = reg();
      const load = r.chance(0.5) ? 1 : 0;
      if (!load && r.chance(0.7)) addr(t, cp15Value(r, crn, opc2));
      w(a32.mcr(load, opc1, crn, t, opc2, crm, r.chance(0.97) ? 15 : r.int(16)));
      break;
    }
    case 4: { // device register access
      const n = reg(), t = reg();
      const base = r.chance(0.85) ? r.pick(DEVICES) : r.pick(DEV_HOLES);
      const off = r.chance(0.8) ? r.int(0x100) & ~3 : r.int(0x1000);
      addr(n, base);
      if (r.chance(0.5)) addr(t, r.chance(0.5) ? r.int(256) : r.u32());
      const size = r.pick([4, 4, 4, 2, 1]);
      w(thumb ? t32.ldr(size, r.chance(0.5), t, n, off) : a32.ldr(size, r.chance(0.5), t, n, size === 2 ? off & 0xff : off));
      break;
    }
    case 5: { // page-table write (a random descriptor into the L1 or an L2 table)
      const n = reg(), t = reg();
      addr(n, r.chance(0.6) ? L1 + (r.int(4096) << 2) : L2 + (r.int(4096) << 2));
      addr(t, r.chance(0.5) ? randL1(r, RAM + (r.int(64) << 20)) : randL2(r, RAM + (r.int(1 << 14) << 12)));
      w(thumb ? t32.ldr(4, false, t, n, 0) : a32.ldr(4, false, t, n, 0));
      break;
    }
    case 6: { // LDM/STM (user registers) and exception returns
      if (thumb) { w(t32.subsPcLr(r.int(9) & ~1)); break; }
      const n = reg();
      addr(n, SCRATCH + 0x800 + (r.int(64) << 2));
      const j = r.int(4);
      if (j === 0) w(a32.ldmUser(r.int(2), r.int(2), n, r.u32() & 0x7fff | 1));
      else if (j === 1) w(a32.stmUser(r.int(2), r.int(2), n, r.u32() & 0xffff | 1));
      else if (j === 2) w(a32.ldmUser(r.int(2), r.int(2), n, r.u32() & 0x7fff | 0x8000) | (r.chance(0.5) ? 1 << 21 : 0));
      else w(r.chance(0.5) ? 0xe1b0f00e : (0xe25ef000 | r.pick([0, 4, 8])) >>> 0); // MOVS PC, LR / SUBS PC, LR, #n
      break;
    }
    case 7: // VFP control registers
      w(r.chance(0.5) ? a32.vmsr(r.pick([1, 8, 0, 6, 7]), reg()) : a32.vmrs(r.pick([1, 8, 0, 6, 7]), r.chance(0.1) ? 15 : reg()));
      break;
    case 8: // WFI / WFE / SEV / NOP hints, barriers
      if (thumb) h(r.pick([0xbf30, 0xbf20, 0xbf40, 0xbf00, 0xbf10]));
      else w(r.pick([0xe320f003, 0xe320f002, 0xe320f004, 0xe320f000, 0xf57ff04f, 0xf57ff05f, 0xf57ff06f, 0xf57ff01f]));
      break;
    case 9: { // SVC, BKPT, semihosting calls with random parameter blocks
      const j = r.int(4);
      if (j === 0) { if (thumb) h(0xdf00 | r.int(256)); else w(a32.svc(r.u32())); break; }
      if (j === 1) { if (thumb) h(0xbe00 | r.int(256)); else w(a32.bkpt(r.int(0x10000))); break; }
      addr(0, r.chance(0.8) ? 1 + r.int(0x31) : r.u32());
      addr(1, r.chance(0.7) ? SCRATCH + (r.int(256) << 2) : r.chance(0.5) ? randValue(r) : r.pick(DEVICES));
      if (thumb) h(r.chance(0.5) ? 0xdfab : 0xbeab);
      else w(r.chance(0.5) ? a32.svc(0x123456) : a32.bkpt(0xab));
      break;
    }
    case 10: { // interrupts: unmask a source at the INTC, start a timer, let IRQs in
      const n = reg(), t = reg();
      const timer = r.pick([0x48318000, 0x49032000]);
      addr(n, 0x48200000);
      addr(t, r.u32() & ~(1 << (timer === 0x48318000 ? 5 : 6)));
      w(thumb ? t32.ldr(4, false, t, n, 0x8c) : a32.ldr(4, false, t, n, 0x8c));   // INTC_MIR1 (GPTIMER1/2 = IRQ 37/38)
      addr(n, timer);
      addr(t, 0xffffff00 + r.int(256));
      w(thumb ? t32.ldr(4, false, t, n, 0x28) : a32.ldr(4, false, t, n, 0x28));   // TCRR
      addr(t, r.int(8));
      w(thumb ? t32.ldr(4, false, t, n, 0x1c) : a32.ldr(4, false, t, n, 0x1c));   // TIER
      addr(t, 3);
      w(thumb ? t32.ldr(4, false, t, n, 0x24) : a32.ldr(4, false, t, n, 0x24));   // TCLR: start, auto-reload
      if (thumb) h(0xb662); else w(a32.cps(2, 0, r.int(8) | 2, 0));             // CPSIE i
      break;
    }
    case 11: case 12: // raw words: anything at all
      if (thumb) { if (r.chance(0.5)) h(r.u32()); else w(r.u32()); } else w(r.u32());
      break;
    case 13: { // MCR to SCTLR / TTBCR / DACR with interesting values (MMU on/off, high vectors, TEX remap, ...)
      const t = reg();
      const which = r.int(3);
      const v = which === 0 ? (0x00c50078 | (r.u32() & 0x30003887)) : which === 1 ? r.int(8) | (r.chance(0.2) ? 0x30 : 0) : r.pick([0x55555555, 0xffffffff, 0, r.u32(), 0x55555557, 0x5555555d]);
      addr(t, v >>> 0);
      w(a32.mcr(0, 0, [1, 2, 3][which], t, which === 1 ? 2 : 0, 0));
      break;
    }
    case 14: { // a branch back or forward in the code (loops)
      if (thumb) { h(0xe000 | (r.int(0x800))); break; }
      w((AL | (r.chance(0.5) ? 0x0a000000 : 0x0b000000) | ((r.chance(0.7) ? -(1 + r.int(40)) : 1 + r.int(40)) & 0xffffff)) >>> 0);
      break;
    }
    case 15: case 16: // hypercalls: a known number (0-21) or any, with random arguments
      for (let a = 0; a < 3; a++) if (r.chance(0.7)) addr(a, r.chance(0.4) ? SCRATCH + (r.int(1024) << 2) : r.chance(0.3) ? RAM + (r.int(GUEST_MIB << 8) << 12) : randValue(r));
      w(a32.hvc(r.chance(0.8) ? r.int(24) : r.int(0x10000)));
      break;
    case 17: { // a mode change with the stack of that mode
      const m = r.pick(MODES);
      w(a32.cps(2, 1, r.int(8), m));
      addr(13, STACKS + 0x1000 * MODES.indexOf(m) + 0xff0);
      break;
    }
    default: { // a store into the code region ahead (self-modifying code)
      const n = reg(), t = reg();
      addr(n, CODE + (r.int(0x400) << 2));
      addr(t, r.u32());
      w(a32.ldr(4, false, t, n, 0));
    }
  }
  return out;
}

function cp15Value(r, crn, opc2) {
  if (crn === 1 && opc2 === 0) return (0x00c50078 | (r.u32() & 0x30003887)) >>> 0;                     // SCTLR
  if (crn === 1 && opc2 === 2) return r.chance(0.7) ? 0x00f00000 : r.u32();                             // CPACR
  if (crn === 2 && opc2 < 2) return r.chance(0.8) ? (L1 | (r.u32() & 0x7b)) >>> 0 : r.u32();            // TTBR0/1
  if (crn === 2) return r.chance(0.7) ? r.int(8) : r.u32();                                             // TTBCR
  if (crn === 3) return r.pick([0x55555555, 0xffffffff, 0x55555554, 0x5555555f, r.u32()]) >>> 0;      // DACR
  if (crn === 12) return r.chance(0.8) ? (RAM | (r.int(64) << 5)) >>> 0 : r.u32();                      // VBAR
  if (crn === 8 || crn === 7) return r.chance(0.6) ? (RAM + (r.int(1 << 14) << 8)) >>> 0 : r.u32();    // MVA operands
  return r.chance(0.5) ? randValue(r) : r.u32();
}

/** An episode's code: A32 or Thumb, difftest units mixed with system units; some words mutated. */
function episodeCode(r, seed, index, ep, mode) {
  const thumb = r.chance(0.3);
  const parts = [];
  const nUnits = 8 + r.int(56);
  let gi = 0;
  for (let u = 0; u < nUnits; u++) {
    if (r.chance(0.45)) {
      // a user-level difftest sequence (A32, or T16/T32 with IT blocks; VFP in some)
      const sub = (seed * 7919 + index * 131 + ep * 17 + gi++) >>> 0;
      const t = thumb ? generateThumb(sub, u) : generate(sub, u);
      if (thumb) parts.push(...t.words.map((x) => ({ h16: x })));
      else parts.push(...t.words);
    } else parts.push(...sysUnit(r, thumb, mode));
  }
  // bytes, with an ending that jumps back to the start (so the budget, not the end of the code, ends the run)
  const bytes = [];
  const push16 = (x) => { bytes.push(x & 0xff, (x >>> 8) & 0xff); };
  const push32 = (x) => { push16(x & 0xffff); push16(x >>> 16); };
  for (const p of parts) {
    if (typeof p === "number") push32(p);
    else if (p.h16 !== undefined) push16(p.h16);
    else { push16(p.w32 >>> 16); push16(p.w32 & 0xffff); }
  }
  if (thumb) { while (bytes.length % 4) push16(0xbf00); push16(0xe7fe); push16(0xbf00); } // B .
  else push32(a32.b(CODE + bytes.length, CODE));
  const code = new Uint8Array(bytes);
  // mutation: flip bits in a few words, or overwrite some
  const nm = r.chance(0.5) ? r.int(1 + (code.length >>> 6)) : 0;
  for (let k = 0; k < nm; k++) {
    const at = r.int(code.length);
    if (r.chance(0.7)) code[at] ^= 1 << r.int(8); else code[at] = r.int(256);
  }
  return { code: code.subarray(0, Math.min(code.length, 0xc000)), thumb };
}

function vectors(r) {
  const words = [];
  for (let v = 0; v < 8; v++) {
    const k = r.int(10);
    if (k < 7) words.push(a32.b(VEC + 4 * v, HANDLERS + 0x200 * v));
    else if (k === 7) words.push(0xeafffffe);                        // b .
    else if (k === 8) words.push(r.pick([0xe1b0f00e, 0xe25ef004, 0xe25ef008]));
    else words.push(r.u32());
  }
  return words;
}

// Each handler: a few random system units, optionally acknowledging the timers, then its return.
function handler(r, v, mode) {
  const out = [];
  const n = r.int(4);
  for (let k = 0; k < n; k++) for (const x of sysUnit(r, false, mode)) if (typeof x === "number") out.push(x);
  if (v === 6 && r.chance(0.7)) {
    for (const base of [0x48318000, 0x49032000]) { out.push(a32.movw(1, base & 0xffff), a32.movt(1, base), a32.movw(2, 7), a32.ldr(4, false, 2, 1, 0x18)); }
    out.push(a32.movw(1, 0), a32.movt(1, 0x48200000), a32.movw(2, 1), a32.ldr(4, false, 2, 1, 0x48)); // INTC_CONTROL NEWIRQAGR
  }
  // UNDEF/SVC return past the instruction; aborts and interrupts to the preferred return address or past it
  const ret = { 1: [0xe1b0f00e], 2: [0xe1b0f00e], 3: [0xe25ef004, 0xe1b0f00e], 4: [0xe25ef004, 0xe25ef008], 6: [0xe25ef004], 7: [0xe25ef004] }[v] ?? [0xe1b0f00e];
  out.push(r.chance(0.9) ? r.pick(ret) : r.u32());
  return out.slice(0, 0x80);
}

const u8 = (words) => new Uint8Array(Uint32Array.from(words).buffer);

/** Set a machine up for episode `ep` of case (seed, index). */
function setupEpisode(m, r, seed, index, ep, mode) {
  if (ep === 0) {
    const { l1, l2 } = tables(r);
    m.writeRam(L1, new Uint8Array(l1.buffer));
    m.writeRam(L2, new Uint8Array(l2.buffer));
    const scratch = new Uint32Array(0x4000);
    for (let k = 0; k < scratch.length; k++) scratch[k] = r.chance(0.3) ? randValue(r) : r.chance(0.5) ? SCRATCH + (r.int(0x4000) << 2) : r.u32();
    m.writeRam(SCRATCH, new Uint8Array(scratch.buffer));
  }
  m.writeRam(VEC, u8(vectors(r)));
  for (let v = 0; v < 8; v++) m.writeRam(HANDLERS + 0x200 * v, u8(handler(r, v, mode)));
  const { code, thumb } = episodeCode(r, seed, index, ep, mode);
  m.writeRam(CODE, code);
  // CP15: MMU on or off, the tables, domains, vectors
  const mmu = r.chance(0.6);
  const sctlr = (0x00c50078 | (mmu ? 1 : 0) | (r.chance(0.1) ? 2 : 0) | (r.chance(0.05) ? 0x2000 : 0) | (r.chance(0.1) ? 0x40000000 : 0) |
    (r.chance(0.1) ? 0x10000000 : 0) | (r.chance(0.1) ? 0x20000000 : 0) | (r.chance(0.3) ? 0x1804 : 0)) >>> 0;
  m.setCp15({
    TTBR0: (L1 | (r.chance(0.3) ? r.u32() & 0x7b : 0)) >>> 0, TTBR1: L1, TTBCR: r.chance(0.8) ? 0 : r.int(8),
    DACR: r.chance(0.7) ? 0x55555555 : r.pick([0xffffffff, 0x55555557, r.u32() | 1]) >>> 0,
    VBAR: r.chance(0.9) ? VEC : (RAM + (r.int(64) << 5)) >>> 0,
    CPACR: r.chance(0.8) ? 0x00f00000 : r.u32() >>> 0,
    CONTEXTIDR: r.int(256),
    SCTLR: sctlr,
  });
  m.fpexc = r.chance(0.8) ? 0x40000000 : r.u32();
  m.fpscr = r.u32() & 0xfff7009f;
  for (let k = 0; k < 32; k++) if (r.chance(0.3)) m.setVfpD(k, (BigInt(r.u32()) << 32n) | BigInt(r.u32()));
  // registers: boundary values, scratch pointers, device bases, table addresses
  const start = r.chance(0.85) ? 0x13 : r.pick(MODES);
  for (const md of MODES) if (md !== 0x10) m.setBanked(md, 13, STACKS + 0x1000 * MODES.indexOf(md) + 0xff0);
  m.cpsr = (start | 0xc0 | (thumb ? 0x20 : 0) | (r.u32() & 0xf80f0000)) >>> 0;
  for (let k = 0; k < 13; k++) {
    const j = r.int(5);
    m.setReg(k, j === 0 ? randValue(r) : j === 1 ? SCRATCH + (r.int(0x4000) << 2) : j === 2 ? r.pick(DEVICES) + (r.int(64) << 2) : j === 3 ? L1 + (r.int(4096) << 2) : r.u32());
  }
  m.setReg(13, STACKS + 0x1000 * MODES.indexOf(start) + 0xff0);
  m.setReg(14, CODE);
  if (mode !== "native" && r.chance(0.2)) m.setVmmCosts({ trap: r.int(500), fill: r.int(500), flush: r.int(2000) });
  m.pc = CODE;
}

/** The number of episodes and the budget of each, for case (seed, index). */
export function caseShape(seed, index, quick) {
  const r = rngFor(seed ^ 0x5eed, index);
  const episodes = 1 + r.int(quick ? 3 : 6);
  return { episodes, budget: () => (r.chance(0.3) ? 2000 + r.int(20000) : 20000 + r.int(180000)) };
}

/**
 * Runs case (seed, index) in `mode` with `engine`; returns { insns, outcomes: [reason...], failure? }.
 * failure = { what, detail } when the oracle saw a problem.
 */
export function runCase(seed, index, mode, engine, { quick = false } = {}) {
  const r = rngFor(seed, index * 3 + ["native", "full", "para"].indexOf(mode));
  const shape = caseShape(seed, index, quick);
  let m;
  const opts = { ramMiB: machineRamFor(mode, GUEST_MIB), semihosting: r.chance(0.7), clock: "virtual", cmdline: "fuzz" };
  if (engine && engine !== "interp") opts.engine = engine;
  try { m = createMachineIn(mode, opts); } catch (e) { return { insns: 0, outcomes: [], failure: { what: "host exception creating the machine", detail: stack(e) } }; }
  let insns = 0;
  const outcomes = [];
  for (let ep = 0; ep < shape.episodes; ep++) {
    const budget = shape.budget();
    let res;
    try {
      setupEpisode(m, r, seed, index, ep, mode);
      res = m.run({ maxInsns: budget, sliceInsns: r.chance(0.2) ? 1 + r.int(5000) : undefined });
      if (res.reason === "input") { m.endInput(); res = m.run({ maxInsns: 1000 }); }
    } catch (e) {
      return { insns, outcomes, failure: { what: `host exception in episode ${ep}`, detail: stack(e), pc: safe(() => m.pc) } };
    }
    insns += res.insns;
    outcomes.push(res.reason === "fatal" ? `fatal: ${res.message.replace(/ at pc 0x[0-9a-f]+$/, "")}` : res.reason);
    const bad = check(m, mode, res, budget);
    if (bad) return { insns, outcomes, failure: { what: `${bad} (episode ${ep})`, detail: res.message, pc: safe(() => m.pc) } };
  }
  return { insns, outcomes };
}

function check(m, mode, res, budget) {
  if (!STOP_REASONS.has(res.reason)) return `undocumented stop reason '${res.reason}'`;
  if (typeof res.message !== "string" || res.message.includes("\n") || res.message.length === 0) return "stop message not one line";
  if (/VMM bug|unknown stop reason|unrecoverable CPU state/.test(res.message)) return `internal stop: ${res.message}`;
  if (!(res.insns >= 0 && res.insns <= budget + 1000)) return `ran ${res.insns} instructions on a budget of ${budget}`;
  try { m.dumpRegs(); } catch (e) { return `dumpRegs threw ${stack(e)}`; }
  if (mode !== "native") {
    const g = m.vmmGauges();
    if (g.l2_in_use !== g.l2_linked) return `shadow L2 tables: ${g.l2_in_use} in use but ${g.l2_linked} linked`;
    if (g.ctx_valid > 48 || g.ctx_populated > g.ctx_valid || g.pt_windows > 4) return `gauges out of range ${JSON.stringify(g)}`;
  }
  return undefined;
}

const stack = (e) => (e instanceof Error ? `${e.constructor.name}: ${e.message}\n${(e.stack ?? "").split("\n").slice(1, 6).join("\n")}` : String(e));
const safe = (f) => { try { return f(); } catch { return undefined; } };
