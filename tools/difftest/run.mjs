#!/usr/bin/env node
// npm run difftest -- --count N --seed S [--isa a32|t32|all] [--engine interp|jit] [--smc] [--batch B] [--jobs J] [--no-shrink] [--shrink-max K]
//                     [--only NAME,NAME] [--skip NAME,NAME] [--show K] [--print INDEX]
// Random A32 sequences in vm7 and in qemu-arm -cpu cortex-a8; prints the mismatches grouped by
// the instruction patterns left after shrinking, with one reproducer per group. Needs `npm run
// build` first (it imports the compiled host from dist/). Exit status 1 when anything differs.
import { difftest, qemuAvailable, reproducer, generateAny } from "./lib.mjs";
import { POOL } from "./gen.mjs";
import { TPOOL } from "./tgen.mjs";
import { SEQ } from "./layout.mjs";
import { disasmA32 } from "../../dist/disasm/a32.js";

const args = process.argv.slice(2);
const opt = (name, dflt) => { const k = args.indexOf(name); return k >= 0 ? args[k + 1] : dflt; };
const count = Number(opt("--count", "2000"));
const isa = opt("--isa", "all");
if (!["a32", "t32", "all"].includes(isa)) { console.error(`--isa ${isa}: a32, t32 or all`); process.exit(2); }
const seed = Number(opt("--seed", "1"));
const engine = opt("--engine", "interp");
if (args.includes("--smc") && isa !== "a32") { console.error("--smc: self-modifying stores are A32 sequences: give --isa a32"); process.exit(2); }
if (!["interp", "jit"].includes(engine)) { console.error(`--engine ${engine}: interp or jit`); process.exit(2); }
const batch = Number(opt("--batch", "5000"));
const show = Number(opt("--show", "1000"));
const only = opt("--only", null);
const shrinkMax = Number(opt("--shrink-max", "Infinity"));
const skip = (opt("--skip", "") || "").split(",").filter(Boolean);
// --only / --skip take A32 pool names (ADD_i, LDRD, ...) and Thumb ones (t16:ADD_rrr, t32:LDRD_pre, IT, ...)
for (const n of [...(only ? only.split(",") : []), ...skip]) {
  if (!POOL.includes(n) && !TPOOL.includes(n)) { console.error(`${n} is not in the generators' pools (${POOL.join(" ")} ${TPOOL.join(" ")})`); process.exit(2); }
}
const sel = (all) => { const o = only ? only.split(",").filter((n) => all.includes(n)) : all; return o.filter((n) => !skip.includes(n)); };
const pool = only || skip.length ? sel(POOL) : undefined;
const tpool = only || skip.length ? sel(TPOOL) : undefined;
if (pool && pool.length === 0 && isa !== "t32") { console.error("no A32 pattern left: use --isa t32"); process.exit(2); }
if (tpool && tpool.length === 0 && isa !== "a32") { console.error("no Thumb pattern left: use --isa a32"); process.exit(2); }

if (args.includes("--print")) { // print a test without running it
  const idx = Number(opt("--print", "0"));
  const t = generateAny(seed, idx, { pool, tpool, isa, smc: args.includes("--smc") });
  let at = SEQ;
  if (t.thumb) for (const u of t.units) { console.log(`${at.toString(16)}: ${u.words.map((h) => h.toString(16).padStart(4, "0")).join(" ")} ; ${u.name}`); at += 2 * u.words.length; }
  else for (const u of t.units) for (const w of u.words) { console.log(`${at.toString(16)}: ${w.toString(16).padStart(8, "0")}  ${disasmA32(w, at).padEnd(40)} ; ${u.name}`); at += 4; }
  console.log(`regs ${t.regs.map((v) => v.toString(16)).join(" ")}  apsr ${t.apsr.toString(16)}  scratch seed ${t.scratchSeed.toString(16)}`);
  process.exit(0);
}
if (!qemuAvailable()) { console.error("qemu-arm not found (set QEMU_ARM to its path)"); process.exit(2); }

const jobs = Number(opt("--jobs", "2"));
const res = await difftest({
  count, seed, batch, pool, tpool, isa, shrinkMax, jobs, engine, smc: args.includes("--smc"), shrink: !args.includes("--no-shrink"),
  onProgress: (n, f) => process.stderr.write(`\r${n}/${count} run, ${f} differ`),
});
process.stderr.write("\n");
console.log(`${res.count} sequences (seed ${seed}) in ${res.runSeconds.toFixed(1)} s ` +
  `(${Math.round(res.count / res.runSeconds)}/s), ${res.fails} differ; ${res.seconds.toFixed(1)} s with shrinking`);
if (res.jit) console.log(`  engine jit (each sequence run twice, the second time compiled): ${res.jit.compiled} blocks compiled, ` +
  `${res.jit.entries} entries into compiled code, ${res.jit.refused} refused, ${res.jit.stale} found stale, ${res.jit.flushes} code cache flushes, ${(res.jit.compileMs / 1000).toFixed(1)} s compiling`);
console.log(`  A32 ${res.counts.a32} (${res.counts.a32vfp} with VFP), Thumb ${res.counts.t32} (${res.counts.t32vfp} with VFP)`);
if (res.unshrunk) console.log(`  (${res.unshrunk} further failures not shrunk: --shrink-max)`);
for (const g of res.groups) console.log(`  ${String(g.count).padStart(6)}  ${g.key}`);
for (const g of res.groups.slice(0, show)) console.log(`\n== ${g.key} (${g.count})\n${reproducer(g.example)}`);
process.exit(res.fails ? 1 : 0);
