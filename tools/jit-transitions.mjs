#!/usr/bin/env node
// What a transition between compiled blocks costs (docs/jit.md, "session 6"). Two A32 loops call a
// two-instruction function 5 M times: "near" has the function in the loop's page (the call and the
// return are chained hops: a linked exit and jitChain for BX LR), "far" in the next page (each
// iteration enters compiled code from the run loop twice: at the function and back at the loop).
// Best of N wall times of Machine.run per engine, in ns per iteration; the JIT's counters once.
//   node tools/jit-transitions.mjs [--reps N] [--iters N]
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i < 0 ? dflt : Number(args[i + 1]); };
const reps = opt("--reps", 5), iters = opt("--iters", 5_000_000);
if (!(reps >= 1) || !(iters >= 1 && iters < 2 ** 31)) { console.error("usage: node tools/jit-transitions.mjs [--reps N] [--iters N]"); process.exit(2); }
const { Machine } = await import(pathToFileURL(resolve(import.meta.dirname, "../dist/index.js")).href);

const BASE = 0x80010000;
const bl = (from, to) => (0xeb000000 | (((to - from - 8) >> 2) & 0xffffff)) >>> 0;
function program(fnOff) {
  const w = new Map([
    [0x00, 0xe59f4010],            // ldr r4, [pc, #16]  (the count at 0x18)
    [0x04, bl(0x04, fnOff)],       // loop: bl fn
    [0x08, 0xe2544001],            // subs r4, r4, #1
    [0x0c, 0x1afffffc],            // bne loop
    [0x10, 0xeafffffe],            // b .
    [0x14, 0xe320f000],            // nop
    [0x18, iters],
    [fnOff, 0xe2855001],           // fn: add r5, r5, #1
    [fnOff + 4, 0xe12fff1e],       //     bx lr
  ]);
  const bytes = new Uint8Array(fnOff + 8);
  const dv = new DataView(bytes.buffer);
  for (const [o, v] of w) dv.setUint32(o, v >>> 0, true);
  return bytes;
}
const insns = 1 + 5 * iters; // ldr, then bl, add, bx, subs, bne per iteration
const cases = [["near", program(0x20)], ["far", program(0x1000)]];
const best = new Map();
for (let r = 0; r < reps; r++) {
  for (const [name, code] of cases) {
    for (const engine of ["interp", "jit"]) {
      const m = await Machine.create({ ramMiB: 64, engine });
      m.loadRaw(code, BASE);
      const t0 = performance.now();
      m.run({ maxInsns: insns });
      const dt = performance.now() - t0;
      if (m.reg(5) !== iters) throw new Error(`${name} ${engine}: r5 = ${m.reg(5)}, expected ${iters}`);
      const k = `${name} ${engine}`;
      if (!best.has(k) || dt < best.get(k).dt) best.set(k, { dt, st: m.jitStats() });
    }
  }
}
for (const [k, { dt, st }] of best) {
  const extra = st ? `  (entries ${st.entries}, chained ${st.chained}, linked exits ${st.linked})` : "";
  console.log(`${k.padEnd(12)} ${(dt * 1e6 / iters).toFixed(1).padStart(6)} ns/iteration${extra}`);
}
