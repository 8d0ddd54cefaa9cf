// The vm7 side: one Machine reused for every test. The sequence runs in User mode with the MMU off
// and the VFP enabled as an OS would (CPACR cp10/cp11 full access, FPEXC.EN) from SEQ-4, where a
// CLREX opens the exclusive monitor as the harness's does (a Thumb test starts at SEQ: its CLREX
// is the 32-bit one at SEQ-4). The word after the sequence is `b .`, so the run stops there
// however many instructions the branches skipped.
import { Machine } from "../../dist/machine/machine.js";
import { SEQ, SCRATCH, SCRATCH_BYTES, VECTORS, CPSR_MASK, T_BIT, scratchFill } from "./layout.mjs";
import { codeWords } from "./qemu.mjs";

const CLREX = 0xf57ff01f, B_SELF = 0xeafffffe, USR = 0x10;
const T32_CLREX = 0x8f2ff3bf, T16_B_SELF = 0xe7fe; // f3bf 8f2f as two halfwords, little-endian
const FPEXC_EN = 0x40000000;
const MODES = { 0x10: "usr", 0x11: "fiq", 0x12: "irq", 0x13: "svc", 0x17: "abt", 0x1b: "und", 0x1f: "sys" };
const words = (a) => new Uint8Array(Uint32Array.from(a).buffer);

export class Vm7Runner {
  /** engine "jit": every sequence runs twice from the same inputs; the first run (interpreted)
   *  makes its blocks known to the JIT (threshold 1), the second enters them compiled, and its
   *  result is the one compared. jitStats() says how much compiled code ran. */
  constructor({ engine = "interp" } = {}) {
    this.engine = engine;
    this.m = Machine.createSync({ ramMiB: 16, semihosting: false, engine, ...(engine === "jit" ? { jit: { threshold: 1 } } : {}) });
    this.m.setCp15({ VBAR: VECTORS, CPACR: 0x00f00000 });
    this.m.fpexc = FPEXC_EN;
    this.m.writeRam(VECTORS, words(new Array(8).fill(B_SELF)));
  }

  /** Run one test; returns { status, regs[15], apsr (CPSR_MASK bits), fpscr, d[64], mem: Map(offset -> word) }. */
  run(test) {
    const m = this.m;
    const fill = scratchFill(test.scratchSeed);
    if (test.thumb) {
      const code = codeWords({ thumb: true, words: [...test.words, T16_B_SELF, T16_B_SELF] });
      m.writeRam(SEQ - 4, words([T32_CLREX, ...code]));
    } else m.writeRam(SEQ - 4, words([CLREX, ...test.words, B_SELF]));
    if (this.engine === "jit") {
      const code = m.readRam(SEQ - 4, 4 * (test.words.length + 2));
      // A sequence that stored into its own code gets it back through the guest's store path (a
      // host writeRam would drop the page's blocks from the JIT's map), so the compiled run starts
      // from qemu's code. The store made the blocks translated in the first run stale: one more run
      // (and restore) makes them hot again, and they are compiled before the compared run.
      const restore = () => {
        const now = m.readRam(SEQ - 4, code.length);
        let changed = false;
        for (let k = 0; k < code.length; k++) if (now[k] !== code[k]) { m.writeVirt(SEQ - 4 + k, code.subarray(k, k + 1)); changed = true; }
        return changed;
      };
      this.once(test, fill);
      if (restore()) { this.once(test, fill); restore(); }
    }
    return this.once(test, fill);
  }

  once(test, fill) {
    const m = this.m;
    m.writeRam(SCRATCH, new Uint8Array(fill.buffer));
    m.cpsr = (USR | (test.apsr & CPSR_MASK) | (test.thumb ? T_BIT : 0)) >>> 0;
    for (let k = 0; k < 15; k++) m.setReg(k, test.regs[k]);
    for (let k = 0; k < 32; k++) m.setVfpD(k, (BigInt(test.d[2 * k + 1]) << 32n) | BigInt(test.d[2 * k]));
    m.fpscr = test.fpscr;
    m.pc = SEQ - 4;
    const end = SEQ + test.nbytes;
    const rr = m.run({ maxInsns: 2 * test.words.length + 8 }); // A32 tests may hold Thumb islands (two T16 per word)
    const mode = m.cpsr & 0x1f;
    let status = "ok", apsr = m.cpsr;
    if (mode !== USR) {
      // each vector is `b .`, so the pc says which exception was taken; the preferred return
      // addresses (B1.8.3): UNDEF lr-4 (A32) / lr-2 (Thumb), prefetch abort lr-4, data abort lr-8
      const lr = m.banked(mode, 14), vec = m.pc - VECTORS;
      apsr = m.spsr(mode);
      const t = (apsr & T_BIT) !== 0;
      if (vec === 0x04) status = `undefined instruction at ${hex(lr - (t ? 2 : 4))}`;
      else if (vec === 0x0c) status = `abort at ${hex(lr - 4)}`;
      else if (vec === 0x10) status = `abort at ${hex(lr - 8)}`;
      else status = `exception: ${MODES[mode] ?? mode} mode, pc ${hex(m.pc)}, lr ${hex(lr)}`;
    } else if (m.pc !== end) status = `stopped at pc ${hex(m.pc)}, not the end ${hex(end)} (${rr.message})`;
    const regs = Array.from({ length: 15 }, (_, k) => m.banked(USR, k));
    const d = [];
    for (let k = 0; k < 32; k++) { const v = m.vfpD(k); d.push(Number(v & 0xffffffffn), Number(v >> 32n)); }
    const after = new Uint32Array(m.readRam(SCRATCH, SCRATCH_BYTES).buffer);
    const mem = new Map();
    for (let k = 0; k < after.length; k++) if (after[k] !== fill[k]) mem.set(4 * k, after[k]);
    return { status, regs, apsr: (apsr & CPSR_MASK) >>> 0, fpscr: m.fpscr >>> 0, d, mem };
  }
}

export const hex = (v) => "0x" + (v >>> 0).toString(16).padStart(8, "0");
