// Several guests (docs/guests.md, Figures): the host cost of one guest switch, and an event-channel
// ping-pong between two para guests (the tiny kernel's ring demo with "ringbench").
//   node tools/guests-bench.mjs            (after npm run build)
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Machine } from "../dist/machine/machine.js";
import { Guests } from "../dist/machine/guests.js";

const root = join(import.meta.dirname, "..");
for (const mode of ["para", "full"]) {
  const m = Machine.createSync({ mode, guests: 2 });
  const x = m.core.x;
  let best = Infinity;
  for (let rep = 0; rep < 5; rep++) {
    const t0 = performance.now();
    for (let i = 0; i < 20000; i++) x.guestSwitch(i & 1 ? 0 : 1);
    best = Math.min(best, (performance.now() - t0) / 20000 * 1000);
  }
  console.log(`${mode}: guest switch, host time: ${best.toFixed(2)} us (20,000 switches, best of 5)`);
}
const img = readFileSync(join(root, "fixtures/kernel/kernel-para.elf"));
async function ring(cmdline, cost) {
  const lines = [];
  const g = new Guests({ mode: "para", cmdline, vmmCost: cost, guests: [0, 1].map((k) => ({ image: img, name: `g${k}` })), onLine: (k, l) => lines.push(l) });
  const t0 = process.cpuUsage();
  const r = await g.run({ maxInsns: 1e9 });
  const u = process.cpuUsage(t0);
  return { ms: (u.user + u.system) / 1000, switches: r.switches, insns: r.guests[0].insns + r.guests[1].insns, trip: lines.find((l) => /round trips/.test(l)) };
}
for (const cost of [{}, { guest_switch: 0 }]) {
  const best = async (c) => { let b; for (let i = 0; i < 5; i++) { const r = await ring(c, cost); if (!b || r.ms < b.ms) b = r; } return b; };
  const a = await best("kernel ring"), b = await best("kernel ring ringbench");
  console.log(`ping-pong ${JSON.stringify(cost)}: ${((b.insns - a.insns) / 1000).toFixed(1)} guest instructions per round trip; ` +
    `${b.trip.replace(/^ring: guest \d: /, "")}; host ${((b.ms - a.ms) / (b.switches - a.switches) * 1000).toFixed(2)} us per switch (process CPU, best of 5)`);
}
