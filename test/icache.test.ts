// Instruction-cache maintenance verifies the decode cache instead of dropping it (assembly/cpu/dcache.ts):
// a page whose bytes did not change keeps its decoded instructions and compiled blocks across ICIALLU;
// a page written behind the CPU's back (a DMA-like host write that tells the core nothing) is decoded
// again after the next maintenance, as ARM ARM B2.2.7 requires. Both engines, the same results.
import { describe, it, expect } from "vitest";
import { Machine, type Engine } from "../src/index.js";
import { words } from "./helpers/elf.js";

const BASE = 0x80010000; // SVC mode, MMU off (Machine.loadRaw)
// r0 counts iterations, r2 sums the target instruction's immediate; every iteration ends with
// ICIALLU (MCR p15, 0, r3, c7, c5, 0), DSB, ISB.
const TARGET = 5; // word index of `add r2, r2, #1`
const PER_ITER = 7;
const code = words(
  0xe3a00000 /* mov r0,#0 */, 0xe3a010c8 /* mov r1,#200 */, 0xe3a02000 /* mov r2,#0 */, 0xe3a03000 /* mov r3,#0 */,
  0xe2800001 /* loop: add r0,r0,#1 */, 0xe2822001 /* target: add r2,r2,#1 */, 0xee073f15 /* mcr p15,0,r3,c7,c5,0: ICIALLU */,
  0xf57ff04f /* dsb */, 0xf57ff06f /* isb */, 0xe2511001 /* subs r1,r1,#1 */, 0x1afffff8 /* bne loop */, 0xeafffffe /* b . */);

async function machine(engine: Engine): Promise<Machine> {
  const m = await Machine.create({ ramMiB: 64, engine, jit: { threshold: 1 } });
  m.loadRaw(code, BASE);
  return m;
}
function runTo(m: Machine, icount: number): void {
  let r = m.run({ maxInsns: icount - m.icount, sliceInsns: 64 });
  while (r.reason === "budget" && m.icount < icount) r = m.run({ maxInsns: icount - m.icount, sliceInsns: 64 });
}
const END = 4 + 200 * PER_ITER + 1; // the loop, then one `b .`

describe("instruction-cache maintenance keeps what did not change and drops what did", () => {
  for (const engine of ["interp", "jit"] as const) {
    it(`${engine}: 200 ICIALLU over an unchanged page keep its decoded instructions (and compiled blocks)`, async () => {
      const m = await machine(engine);
      runTo(m, END);
      expect(m.reg(0)).toBe(200);
      expect(m.reg(2)).toBe(200);
      const ic = m.icacheStats();
      expect(ic.kept).toBeGreaterThanOrEqual(199); // checked again after each ICIALLU, found unchanged
      expect(ic.changed).toBe(0);
      if (engine === "jit") {
        const s = m.jitStats()!;
        expect(s.entries).toBeGreaterThan(0);
        // Each instruction starts at most one block, compiled once; dropping the page at each ICIALLU
        // (what the decode cache did before) compiled the loop's blocks again in every iteration.
        expect(s.compiled).toBeLessThanOrEqual(code.length / 4);
        expect(s.stale).toBe(0);
      }
    });

    it(`${engine}: a write the core is not told of shows after the next ICIALLU, not before`, async () => {
      const m = await machine(engine);
      runTo(m, 4 + 50 * PER_ITER); // 50 whole iterations: at the loop's start
      expect(m.reg(0)).toBe(50);
      // `add r2,r2,#16` written straight into guest RAM, as a DMA engine would (no ramWritten()).
      const { x, k } = m.core;
      new DataView(x.memory.buffer).setUint32(k.LAYOUT_RAM + (BASE - 0x80000000) + TARGET * 4, 0xe2822010, true);
      runTo(m, END);
      expect(m.reg(0)).toBe(200);
      // Iteration 51 still runs the decoded `add #1` (no maintenance since the write); its ICIALLU
      // makes the page be checked, found changed and decoded again: iterations 52-200 add 16.
      expect(m.reg(2)).toBe(51 + 149 * 16);
      expect(m.icacheStats().changed).toBe(1);
    });

    it(`${engine}: a write behind the CPU's back into bytes of the page that hold no decoded instruction changes nothing`, async () => {
      const m = await machine(engine);
      runTo(m, 4 + 50 * PER_ITER);
      // 64 bytes past the loop's last instruction: a granule (16 bytes) nothing was decoded from.
      const { x, k } = m.core;
      new DataView(x.memory.buffer).setUint32(k.LAYOUT_RAM + (BASE - 0x80000000) + 16 * 4, 0xe2822010, true);
      runTo(m, END);
      expect(m.reg(2)).toBe(200);
      // Only the granules holding decoded instructions are compared (a copy of the whole page made
      // this page "changed" and decoded it again).
      expect(m.icacheStats().changed).toBe(0);
      if (engine === "jit") expect(m.jitStats()!.stale).toBe(0);
    });

    it(`${engine}: stores the program makes next to its code (word, halfword, byte) land, and the code stays compiled`, async () => {
      // A table of words at BASE + 0x800 and of bytes at BASE + 0x400, in the code's own page where
      // nothing is decoded: iteration i stores i at word i and byte i, and a halfword before the words.
      const prog = words(0xe3a00000 /* mov r0,#0 */, 0xe3a01f4b /* mov r1,#300 */, 0xe59f601c /* ldr r6,[pc,#28] */,
        0xe59f801c /* ldr r8,[pc,#28] */, 0xe2800001 /* loop: add r0,r0,#1 */, 0xe7860100 /* str r0,[r6,r0,lsl #2] */,
        0xe7c80000 /* strb r0,[r8,r0] */, 0xe14600b2 /* strh r0,[r6,#-2] */, 0xe2511001 /* subs r1,r1,#1 */,
        0x1afffff9 /* bne loop */, 0xeafffffe /* b . */, BASE + 0x800, BASE + 0x400);
      const mm = await Machine.create({ ramMiB: 64, engine, jit: { threshold: 1 } });
      mm.loadRaw(prog, BASE);
      runTo(mm, 4 + 300 * 6 + 1);
      expect(mm.reg(0)).toBe(300);
      for (let i = 1; i <= 300; i++) {
        expect(mm.physRead(BASE + 0x800 + 4 * i, 4), `word ${i}`).toBe(i);
        expect(mm.physRead(BASE + 0x400 + i, 1), `byte ${i}`).toBe(i & 0xff);
      }
      expect(mm.physRead(BASE + 0x7fe, 2)).toBe(300);
      if (engine === "jit") {
        const s = mm.jitStats()!;
        expect(s.stale).toBe(0); // nothing compiled was written
        expect(s.insns).toBeGreaterThan(1000); // most iterations ran compiled
      }
    });
  }
});
