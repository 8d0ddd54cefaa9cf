// The vm7 side: one Machine reused for every test. The sequence runs in User mode with the MMU off
// from SEQ-4, where a CLREX opens the exclusive monitor as the harness's does; the word after the
// sequence is `b .`, so the run stops there however many instructions the branches skipped.
import { Machine } from "../../dist/machine/machine.js";
import { SEQ, SCRATCH, SCRATCH_BYTES, VECTORS, APSR_MASK, scratchFill } from "./layout.mjs";

const CLREX = 0xf57ff01f, B_SELF = 0xeafffffe, USR = 0x10;
const MODES = { 0x10: "usr", 0x11: "fiq", 0x12: "irq", 0x13: "svc", 0x17: "abt", 0x1b: "und", 0x1f: "sys" };
const words = (a) => new Uint8Array(Uint32Array.from(a).buffer);

export class Vm7Runner {
  constructor() {
    this.m = Machine.createSync({ ramMiB: 16, semihosting: false });
    this.m.setCp15({ VBAR: VECTORS });
    this.m.writeRam(VECTORS, words(new Array(8).fill(B_SELF)));
  }

  /** Run one test; returns { status, regs[15], apsr, mem: Map(offset -> word) }. */
  run(test) {
    const m = this.m;
    const fill = scratchFill(test.scratchSeed);
    m.writeRam(SEQ - 4, words([CLREX, ...test.words, B_SELF]));
    m.writeRam(SCRATCH, new Uint8Array(fill.buffer));
    m.cpsr = (USR | (test.apsr & APSR_MASK)) >>> 0;
    for (let k = 0; k < 15; k++) m.setReg(k, test.regs[k]);
    m.pc = SEQ - 4;
    const end = SEQ + 4 * test.words.length;
    const rr = m.run({ maxInsns: test.words.length + 4 });
    const mode = m.cpsr & 0x1f;
    let status = "ok", apsr = m.cpsr;
    if (mode !== USR) {
      // each vector is `b .`, so the pc says which exception was taken
      const lr = m.banked(mode, 14), vec = m.pc - VECTORS;
      apsr = m.spsr(mode);
      if (vec === 0x04) status = `undefined instruction at ${hex(lr - 4)}`;
      else if (vec === 0x0c) status = `abort at ${hex(lr - 4)}`;
      else if (vec === 0x10) status = `abort at ${hex(lr - 8)}`;
      else status = `exception: ${MODES[mode] ?? mode} mode, pc ${hex(m.pc)}, lr ${hex(lr)}`;
    } else if (m.pc !== end) status = `stopped at pc ${hex(m.pc)}, not the end ${hex(end)} (${rr.message})`;
    const regs = Array.from({ length: 15 }, (_, k) => m.banked(USR, k));
    const after = new Uint32Array(m.readRam(SCRATCH, SCRATCH_BYTES).buffer);
    const mem = new Map();
    for (let k = 0; k < after.length; k++) if (after[k] !== fill[k]) mem.set(4 * k, after[k]);
    return { status, regs, apsr: (apsr & APSR_MASK) >>> 0, mem };
  }
}

export const hex = (v) => "0x" + (v >>> 0).toString(16).padStart(8, "0");
