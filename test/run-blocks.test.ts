// The block-based A32 and Thumb loops (assembly/cpu/run.ts): a block ends at a taken branch, an
// exception, the end of a page or the end of the budget, and the instruction count is kept per
// block. Random instruction streams run in one call and in many small slices must end in the same
// state with the same count, whatever the slice boundaries cut (mid-block, on a branch, on an
// abort, inside an IT block).
import { describe, it, expect } from "vitest";
import { breathe } from "./helpers/run.js";
import { Machine } from "../src/machine/machine.js";

const BASE = 0x80008000, DATA = 0x80100000, VECTORS = 0x80000000;

function xorshift(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s; };
}

// A page of random A32 words biased towards what the fast paths handle: data processing,
// LDR/STR (bases mostly r12/r13 pointing at DATA), B/BL, LDM/STM, random conditions.
function machine(seed: number): Machine {
  const rnd = xorshift(seed * 2654435761);
  const m = Machine.createSync({ ramMiB: 4 });
  m.setCp15({ VBAR: VECTORS });
  for (let v = 0; v < 8; v++) m.physWrite32(VECTORS + 4 * v, 0xe1b0f00e); // MOVS PC, LR
  for (let k = 0; k < 1024; k++) {
    let w = rnd();
    const cls = rnd() % 16;
    const cond = rnd() % 4 === 0 ? rnd() % 15 : 14;
    if (cls < 8) { // data processing (and the misc/multiply encodings among them); Rd = PC rarely
      w = ((w & 0x01ffffff) | (rnd() & 1 ? 0x02000000 : 0)) >>> 0;
      if ((w & 0xf000) === 0xf000 && rnd() % 8) w = (w & ~0xf000) >>> 0;
    } else if (cls < 12) { // LDR/STR(B), immediate or register offset; Rt = PC rarely
      w = ((w & 0x03ffffff) | 0x04000000) >>> 0;
      if ((w & 0xf000) === 0xf000 && rnd() % 8) w = (w & ~0xf000) >>> 0;
    } else if (cls < 13) { // B/BL to anywhere in the page (mostly nearby)
      const to = rnd() % 4 ? Math.max(0, Math.min(1023, k + (rnd() % 64) - 32)) : rnd() % 1024;
      w = (((to - k - 2) & 0x00ffffff) | 0x0a000000 | (rnd() & 0x01000000)) >>> 0;
    } else if (cls < 14) { // LDM/STM; loading the PC rarely
      w = ((w & 0x01ffffff) | 0x08000000) >>> 0;
      if ((w & 0x00108000) === 0x00108000 && rnd() % 8) w = (w & ~0x8000) >>> 0;
    } else w = (w & 0x0fffffff) >>> 0; // anything (coprocessor, SVC, media, UNDEFINED...)
    w = ((w & 0x0fffffff) | (cond << 28)) >>> 0;
    if (cls >= 8 && cls < 14 && cls !== 12 && rnd() % 4) w = ((w & 0xfff0ffff) | ((12 + (rnd() & 1)) << 16)) >>> 0;
    m.physWrite32(BASE + 4 * k, w);
  }
  m.physWrite32(BASE + 4 * 1023, 0xea000000 | ((-1025) & 0x00ffffff)); // last word: b BASE
  for (let r = 0; r < 12; r++) m.setReg(r, rnd());
  m.setReg(12, DATA);
  m.setReg(13, DATA + 0x1000);
  m.setReg(14, BASE + 4 * (rnd() % 1024));
  m.cpsr = 0x1d3 | (rnd() & 0xf0000000);
  m.pc = BASE;
  return m;
}

// A page of random Thumb code: T16 halfwords (with loads/stores off r7 = DATA), IT instructions,
// random T32 pairs (branches out of the page, BX and POP {pc} made rare); the last four bytes are B.W to the page start. Exceptions (SCTLR.TE = 0) run
// ARM vectors that return with MOVS PC, LR; the prefetch abort handler instead resumes at the page
// start in Thumb state, so a branch out of RAM does not repeat the abort until the
// exception-loop guard stops the run.
function thumbMachine(seed: number): Machine {
  const rnd = xorshift(seed * 2246822519);
  const m = Machine.createSync({ ramMiB: 4 });
  m.setCp15({ VBAR: VECTORS });
  for (let v = 0; v < 8; v++) m.physWrite32(VECTORS + 4 * v, 0xe1b0f00e); // MOVS PC, LR
  m.physWrite32(VECTORS + 0x0c, 0xea00003b); // b VECTORS + 0x100
  const pabt = [0xe14fe000, 0xe38ee020, 0xe3cee406, 0xe3cee0fc, 0xe3ceec0f, 0xe16ff00e, // mrs lr, spsr;
    // orr lr, #0x20; bic lr, #0x06000000; bic lr, #0xfc; bic lr, #0xf00; msr spsr_cxsf, lr (T set, IT clear)
    0xe3000000 | ((BASE & 0xf000) << 4) | (BASE & 0xfff) | (14 << 12) | 1, // movw lr, #(BASE & 0xffff) | 1
    0xe3400000 | ((BASE >>> 12) & 0xf0000) | ((BASE >>> 16) & 0xfff) | (14 << 12), // movt lr, #BASE >> 16
    0xe1b0f00e]; // movs pc, lr
  pabt.forEach((w, k) => m.physWrite32(VECTORS + 0x100 + 4 * k, w >>> 0));
  const hw: number[] = [];
  while (hw.length < 2046) {
    const cls = rnd() % 16;
    let h = rnd() & 0xffff;
    if (cls < 9) { // T16
      if (h >= 0xe800) h -= 0x4000;
      if ((h & 0xffef) === 0xbf20) h = 0xbf00; // no WFE/WFI (an idle stop ends the run early)
      // BX/BLX and POP {..., pc} leave the page for random addresses: rarely
      if (((h & 0xff00) === 0x4700 || (h & 0xff00) === 0xbd00) && rnd() % 8) h &= 0xf6ff;
      hw.push(h);
    } else if (cls < 11) { // LDR/STR/LDRB/STRB (immediate) off r7
      hw.push((0x6000 | (rnd() & 0x1800) | (h & 0x07c0) | (7 << 3) | (h & 7)) >>> 0);
    } else if (cls < 13) { // IT with a random first condition and mask
      hw.push(0xbf00 | ((rnd() % 14) << 4) | (1 + (rnd() % 15)));
    } else if (cls < 14) { // B<c> / B nearby
      hw.push(rnd() & 1 ? 0xd000 | ((rnd() % 14) << 8) | (rnd() & 0xff) : 0xe000 | (rnd() & 0x7ff));
    } else { // T32
      const h1 = 0xe800 + (rnd() % 0x1800);
      let h2 = rnd() & 0xffff;
      if ((h1 & 0xf800) === 0xf000 && (h2 & 0x8000) && rnd() % 8) h2 &= 0x7fff; // B.W/BL/BLX: rarely
      hw.push(h1, h2);
    }
  }
  hw.length = 2046;
  hw.push(0xf7ff, 0xb800); // b.w BASE
  for (let k = 0; k < 2048; k += 2) m.physWrite32(BASE + 2 * k, (hw[k] | (hw[k + 1] << 16)) >>> 0);
  // The page before: B +2046 everywhere, so backward branches come back to the page quickly.
  for (let a = BASE - 0x1000; a < BASE; a += 4) m.physWrite32(a, 0xe3ffe3ff);
  for (let r = 0; r < 7; r++) m.setReg(r, rnd() & 1 ? DATA + (rnd() & 0xffc) : rnd());
  m.setReg(7, DATA);
  for (let r = 8; r < 13; r++) m.setReg(r, rnd());
  m.setReg(13, DATA + 0x1000);
  m.setReg(14, BASE + 2 * (rnd() % 2048) + 1);
  m.cpsr = 0x1f3 | (rnd() & 0xf0000000); // SVC, Thumb
  m.pc = BASE;
  return m;
}

function state(m: Machine): string {
  const regs = Array.from({ length: 16 }, (_, i) => m.reg(i).toString(16));
  let h = 0;
  for (const b of m.readRam(DATA - 0x1000, 0x3000)) h = (h * 31 + b) >>> 0;
  return `ic=${m.icount} cpsr=${m.cpsr.toString(16)} ${regs.join(",")} mem=${h.toString(16)}`;
}

describe("block-based execution loop", () => {
  function slices(make: (seed: number) => Machine, seed: number, total: number): void {
    const a = make(seed);
    const ra = a.run({ maxInsns: total });
    const b = make(seed);
    const next = xorshift(seed + 99);
    let done = 0;
    let rb = ra;
    while (done < total) {
      const k = Math.min(total - done, 1 + (next() % 37));
      rb = b.run({ maxInsns: k });
      expect(rb.insns).toBe(k);
      done += k;
    }
    expect(rb.reason).toBe(ra.reason);
    expect(ra.insns).toBe(total);
    expect(state(b)).toBe(state(a));
  }

  it("gives the same state and count in one run as in random slices of 1-37 instructions", async () => {
    for (let seed = 1; seed <= 60; seed++) { slices(machine, seed, 2000 + seed * 17); await breathe(); }
  });

  it("gives the same state and count in one run as in random slices, in Thumb state", async () => {
    for (let seed = 1; seed <= 60; seed++) { slices(thumbMachine, seed, 2000 + seed * 17); await breathe(); }
  });

  it("stops exactly at a budget that ends on a taken branch, in a same-page loop and across a page", () => {
    // same page: add r0, r0, #1 ; b back. Across: the same two adds before a page end, the branch after it.
    for (const [start, words] of [[0x80008000, [0xe2800001, 0xe2800001, 0xeafffffc]],
      [0x80008ff8, [0xe2800001, 0xe2800001, 0xeafffffc]]] as const) {
      const m = Machine.createSync({ ramMiB: 4 });
      words.forEach((w, k) => m.physWrite32(start + 4 * k, w));
      m.pc = start;
      let total = 0;
      for (const n of [1, 1, 1, 2, 3, 4, 5, 6, 7, 100, 1001, 2, 3]) {
        const r = m.run({ maxInsns: n });
        expect(r.insns).toBe(n);
        total += n;
        expect(m.icount).toBe(total);
      }
      // every third instruction is the branch: two adds per three instructions
      expect(m.reg(0)).toBe(Math.floor(total / 3) * 2 + Math.min(total % 3, 2));
      expect(m.pc).toBe(start + 4 * (total % 3));
    }
  });

  it("keeps decoded code coherent with repeated stores into the page it runs from", () => {
    // Each iteration rewrites the ADD just ahead with a larger immediate, then executes it: the
    // first store walks the tables, the later ones use the code-page write TLB set.
    const m = Machine.createSync({ ramMiB: 4 });
    const code = [0xe3a00000, 0xe3a0300a, 0xe59f2004, 0xe2822001, 0xe50f2004, 0xe2800001, 0xe2533001,
      0x1afffff9, 0xeafffffe]; // mov r0,#0; mov r3,#10; 1: ldr r2,[pc,#4]; add r2,r2,#1; str r2,[pc,#-4];
    //                           add r0,r0,#1; subs r3,r3,#1; bne 1b; b .
    code.forEach((w, k) => m.physWrite32(BASE + 4 * k, w));
    m.pc = BASE;
    m.run({ maxInsns: 2 + 10 * 6 });
    expect(m.reg(0)).toBe(65); // 2 + 3 + ... + 11
    expect(m.physRead(BASE + 0x14, 4)).toBe(0xe280000b);
    for (let k = 0; k < 3; k++) { // and again from the host, which writes behind the core's back
      m.physWrite32(BASE + 0x14, 0xe2800001);
      m.setReg(3, 1);
      m.pc = BASE + 8;
      m.run({ maxInsns: 6 });
      expect(m.reg(0)).toBe(65 + 2 * (k + 1));
    }
  });
});
