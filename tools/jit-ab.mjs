#!/usr/bin/env node
// Interleaved A/B of the JIT: this checkout's build against another checkout's (or the interpreter),
// in one process, best of N, so that a shared host's load drifts over both alike (docs/jit.md,
// "session 3"). Guest MIPS from host wall time of Machine.run() (compiling included).
//   node tools/jit-ab.mjs [--other DIR] [--reps N] [--rounds N] ELF...
// DIR: another checkout with `npm run build` done (e.g. `git worktree add /tmp/old <rev>`, linked
// node_modules, `npm run build`). Columns: interp (this build), other (DIR's JIT, when given), jit
// (this build), jit-nochain (this build, JitOptions.chain false).
import { readFileSync } from "node:fs";
import { resolve, basename } from "node:path";
import { pathToFileURL } from "node:url";

const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); if (i < 0) return dflt; const v = args[i + 1]; args.splice(i, 2); return v; };
const other = opt("--other", undefined);
const reps = Number(opt("--reps", "6"));
const rounds = opt("--rounds", undefined);
if (!args.length || !(reps >= 1)) { console.error("usage: node tools/jit-ab.mjs [--other DIR] [--reps N] [--rounds N] ELF..."); process.exit(2); }
const here = resolve(import.meta.dirname, "..");
const load = async (dir) => (await import(pathToFileURL(resolve(dir, "dist/index.js")).href));
const B = await load(here);
const A = other ? await load(other) : undefined;
const { elfSymbols } = await import(pathToFileURL(resolve(here, "dist/loaders/elf.js")).href);

const cfgs = [["interp", B.Machine, { engine: "interp" }]];
if (A) cfgs.push(["other", A.Machine, { engine: "jit" }]);
cfgs.push(["jit", B.Machine, { engine: "jit" }], ["jit-nochain", B.Machine, { engine: "jit", jit: { chain: false } }]);
for (const f of args) {
  const bytes = new Uint8Array(readFileSync(f));
  const sym = rounds !== undefined ? elfSymbols(bytes).find((s) => s.name === "bench_rounds") : undefined;
  if (rounds !== undefined && !sym) { console.error(`${f}: no bench_rounds symbol for --rounds`); process.exit(2); }
  const best = new Map();
  let insns = 0;
  for (let r = 0; r < reps; r++) {
    for (const [name, M, o] of cfgs) {
      const m = await M.create({ ramMiB: 64, ...o });
      m.loadElf(bytes, f);
      if (sym) m.physWrite(sym.addr, 4, Number(rounds));
      const t0 = performance.now();
      let res = m.run({ maxInsns: 2 ** 31 });
      while (res.reason === "budget") res = m.run({ maxInsns: 2 ** 31 });
      const dt = performance.now() - t0;
      if (res.reason !== "exit") { console.error(`${f} (${name}): ${res.message}`); process.exit(3); }
      if (insns && m.icount !== insns) { console.error(`${f}: ${name} retired ${m.icount} instructions, not ${insns}`); process.exit(3); }
      insns = m.icount;
      best.set(name, Math.min(best.get(name) ?? Infinity, dt));
    }
  }
  const mips = (n) => (insns / best.get(n) / 1000).toFixed(0);
  console.log(`${basename(f)} (${insns.toLocaleString("en")} insns, best of ${reps}): ` + cfgs.map(([n]) => `${n} ${mips(n)}`).join("  ") + " MIPS" +
    `  jit/interp ${(best.get("interp") / best.get("jit")).toFixed(2)}x` + (A ? `  jit/other ${(best.get("other") / best.get("jit")).toFixed(2)}x` : ""));
}
