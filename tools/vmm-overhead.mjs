#!/usr/bin/env node
// Host cost of the VMM on user compute: boots the tiny kernel natively, in full mode and (its para
// build) in para mode with the boot arguments "bench dhrystone", and times only the dhrystone window
// (BENCH-BEGIN to its result line) in host process CPU time and wall time. Modes are interleaved
// and the best of N runs is kept, since this machine is shared (see shared/reference/baselines.md).
//   node tools/vmm-overhead.mjs [runs=6]
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Machine } from "../dist/machine/machine.js";

const at = (p) => fileURLToPath(new URL(`../${p}`, import.meta.url));
const IMAGES = { native: at("fixtures/kernel/kernel.elf"), full: at("fixtures/kernel/kernel.elf"), para: at("fixtures/kernel/kernel-para.elf") };
const runs = Number(process.argv[2] ?? 6);

function once(mode) {
  const m = Machine.createSync({ mode, cmdline: "kernel" });
  m.loadElf(new Uint8Array(readFileSync(IMAGES[mode])), IMAGES[mode]);
  m.writeRam(0x80007f00, new TextEncoder().encode("BOOTbench dhrystone\0"));
  let c0 = null, w0 = 0;
  for (;;) {
    const r = m.run({ maxInsns: 1 << 20 });
    if (c0 === null && m.output.includes("BENCH-BEGIN")) { c0 = process.cpuUsage(); w0 = performance.now(); }
    if (c0 !== null && /BENCH dhrystone .*\n/.test(m.output)) {
      const c = process.cpuUsage(c0);
      return { cpu: (c.user + c.system) / 1e6, wall: (performance.now() - w0) / 1000, line: /BENCH dhrystone [^\n]*/.exec(m.output)[0], stats: m.vmmStats() };
    }
    if (r.reason !== "budget") throw new Error(`${mode}: the kernel stopped before the dhrystone result: ${r.message}`);
  }
}

const best = {};
for (let i = 0; i < runs; i++) {
  for (const mode of Object.keys(IMAGES)) {
    const r = once(mode);
    if (!best[mode] || r.cpu < best[mode].cpu) best[mode] = r;
    if (!best[mode].wallMin || r.wall < best[mode].wallMin) best[mode].wallMin = r.wall;
  }
}
console.log(`dhrystone window, best of ${runs} (host CPU seconds, wall seconds):`);
for (const mode of Object.keys(IMAGES)) {
  const b = best[mode];
  console.log(`${mode.padEnd(7)} cpu ${b.cpu.toFixed(3)} s (${((b.cpu / best.native.cpu - 1) * 100).toFixed(1).padStart(5)}% vs native)  ` +
    `wall ${b.wallMin.toFixed(3)} s (${((b.wallMin / best.native.wallMin - 1) * 100).toFixed(1).padStart(5)}%)  ${b.line.split(" ").slice(1, 4).join(" ")}`);
}
