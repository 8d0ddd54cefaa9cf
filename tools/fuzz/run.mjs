#!/usr/bin/env node
// npm run fuzz -- [--seed S] [--minutes M] [--quick] [--modes native,full,para] [--engines LIST]
//                 [--stages core,loaders,cli] [--loaders elf,raw,zimage,dtb,initrd,cmdline] [--jobs J]
// vm7's fuzzer (docs/fuzzing.md): random and mutated system-level instruction streams in every
// mode and engine (core.mjs), mutated inputs for every loader in-process (loaders.mjs), a sample
// through the real command line in child processes (cli.mjs), and, where qemu-arm is installed,
// random user-level sequences compared with QEMU (tools/difftest). Each job runs in its own
// process with a watchdog, so a hang is pinned to its input. Exit status 0 when nothing failed.
import { fork } from "node:child_process";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Machine } from "../../dist/machine/machine.js";
import { modeSupport } from "../../dist/machine/modes.js";
import { VM_MODES as EXEC_MODES } from "../../dist/machine/machine.js";
import { linuxCached } from "./cli.mjs";

const HELP = `usage: npm run fuzz -- [options]
  --seed S          seed (default: 1); case i of seed S is always the same input
  --minutes M       keep fuzzing for M minutes (each job gets its share; default: until the goals below)
  --quick           the test suite's short version (a few seconds)
  --modes LIST      execution modes for the core fuzzer (default: every mode this build runs: native,full,para)
  --engines LIST    execution engines (default: every engine the Machine API offers)
  --stages LIST     core, loaders, cli, qemu (default: all)
  --loaders LIST    elf, raw, zimage, dtb, initrd, cmdline (default: all)
  --insns N         core: guest instructions per mode and engine (default 10000000)
  --inputs N        loaders: mutated inputs per loader (default 10000)
  --cli N           child-process runs of the real CLI (default 60; Linux boots among them where cached)
  --qemu N          user-level sequences compared with qemu-arm (default 20000; skipped without qemu-arm)
  --jobs J          processes at a time (default: the CPU count)
  --start I         first case index (to resume or reproduce)
  --only STAGE:NAME:INDEX   run one input again, e.g. core:full:37 or loader:initrd:1777 (with --seed)
Goal of a default run: >= 10 M guest instructions per mode and engine, 10,000 inputs per loader, 0 failures.`;

const args = process.argv.slice(2);
if (args.includes("--help") || args.includes("-h")) { console.log(HELP); process.exit(0); }
const opt = (name, dflt) => { const k = args.indexOf(name); return k >= 0 ? args[k + 1] : dflt; };
const list = (name, dflt) => (opt(name, undefined)?.split(",").map((s) => s.trim()).filter(Boolean) ?? dflt);
const num = (name, dflt) => { const v = Number(opt(name, dflt)); if (!Number.isFinite(v) || v < 0) { console.error(`fuzz: ${name} wants a number`); process.exit(2); } return v; };
const known = ["--seed", "--minutes", "--quick", "--modes", "--engines", "--stages", "--loaders", "--insns", "--inputs", "--cli", "--qemu", "--jobs", "--start", "--only"];
for (const a of args) if (a.startsWith("--") && !known.includes(a)) { console.error(`fuzz: unknown option ${a}\n${HELP}`); process.exit(2); }

const quick = args.includes("--quick");
const seed = num("--seed", 1) >>> 0;
const minutes = opt("--minutes", undefined) !== undefined ? num("--minutes", 0) : undefined;
const ALL_LOADERS = ["elf", "raw", "zimage", "dtb", "initrd", "cmdline"];

/** The engines this build's Machine offers: `interp`, plus any `Machine.create({ engine })` accepts. */
function supportedEngines() {
  const declared = Machine.ENGINES ?? Machine.engines;
  if (Array.isArray(declared) && declared.length) return [...declared];
  const out = ["interp"];
  for (const e of ["jit"]) {
    try {
      const m = Machine.createSync({ ramMiB: 1, engine: e });
      if (m.engine === e) out.push(e);
    } catch { /* not offered */ }
  }
  return out;
}

const modes = list("--modes", EXEC_MODES.filter((m) => modeSupport(m) === undefined));
for (const m of modes) { const why = modeSupport(m); if (why) { console.error(`fuzz: --modes ${m}: ${why}`); process.exit(2); } }
const engines = list("--engines", supportedEngines());
const offered = supportedEngines();
for (const e of engines) if (!offered.includes(e)) { console.error(`fuzz: --engines ${e}: this build offers ${offered.join(", ")}`); process.exit(2); }
const stages = list("--stages", ["core", "loaders", "cli", "qemu"]);
const loaders = list("--loaders", ALL_LOADERS);
for (const l of loaders) if (!ALL_LOADERS.includes(l)) { console.error(`fuzz: --loaders ${l}: one of ${ALL_LOADERS.join(", ")}`); process.exit(2); }
const targetInsns = num("--insns", quick ? 100_000 : 10_000_000);
const targetInputs = num("--inputs", quick ? 40 : 10_000);
const cliCount = num("--cli", quick ? 2 : 60);
const qemuCount = num("--qemu", quick ? 0 : 20_000);
const jobsAtOnce = Math.max(1, num("--jobs", availableParallelism()));
const start = num("--start", 0);

// ---- the jobs ---------------------------------------------------------------------------------------
const jobs = [];
const only = opt("--only", undefined);
if (only) {
  const [stage, name, index] = only.split(":");
  if (stage === "core") jobs.push({ stage: "core", mode: name, engine: engines[0], seed, start: Number(index), targetInsns: 1, quick });
  else if (stage === "loader") jobs.push({ stage: "loader", loader: name, seed, start: Number(index), targetInputs: 1 });
  else if (stage === "cli") jobs.push({ stage: "cli", seed, start: Number(index), count: 1, linux: linuxCached() });
  else { console.error(`fuzz: --only ${only}: core:MODE:INDEX, loader:NAME:INDEX or cli:-:INDEX`); process.exit(2); }
} else {
  if (stages.includes("core")) for (const mode of modes) for (const engine of engines) jobs.push({ stage: "core", mode, engine, seed, start, targetInsns, quick });
  if (stages.includes("loaders")) for (const loader of loaders) jobs.push({ stage: "loader", loader, seed, start, targetInputs });
  if (stages.includes("cli") && cliCount > 0) jobs.push({ stage: "cli", seed, start, count: cliCount, linux: !quick && linuxCached() });
}
// --minutes: every job runs at least its share of the time (and still meets its goal)
const share = minutes !== undefined ? (minutes * 60) / Math.max(1, Math.ceil(jobs.length / jobsAtOnce)) : 0;
const WATCHDOG_MS = 60_000;

const name = (j) => j.stage === "core" ? `core ${j.mode}${engines.length > 1 || j.engine !== "interp" ? `/${j.engine}` : ""}` : j.stage === "loader" ? `loader ${j.loader}` : "cli";

/** Runs a group of jobs in one process; calls back with each job's result. */
function runGroup(group, onResult) {
  return new Promise((resolve) => {
    const list = group.map((j) => ({ ...j, minUntil: Date.now() + share * 1000, maxSeconds: minutes !== undefined ? share + 600 : 3600 }));
    const child = fork(fileURLToPath(new URL("./worker.mjs", import.meta.url)), [JSON.stringify(list)], { stdio: ["ignore", "ignore", "pipe", "ipc"], execArgv: ["--max-old-space-size=2048"] });
    let k = 0, at = group[0].start ?? 0, lastMsg = Date.now(), stderr = "", js = performance.now();
    child.stderr.on("data", (b) => { stderr += b; if (stderr.length > 20000) stderr = stderr.slice(-10000); });
    const dog = setInterval(() => {
      if (Date.now() - lastMsg > WATCHDOG_MS) { child.kill("SIGKILL"); stderr += `\n(watchdog: no progress for ${WATCHDOG_MS / 1000} s)`; }
    }, 1000);
    child.on("message", (m) => {
      lastMsg = Date.now();
      if (m.type === "at") at = m.index;
      else if (m.type === "done") {
        m.result.seconds = (performance.now() - js) / 1000;
        onResult(m.result);
        k++; js = performance.now(); at = group[k]?.start ?? 0;
      }
    });
    child.on("exit", (code, signal) => {
      clearInterval(dog);
      for (; k < group.length; k++) {
        const result = { job: group[k], cases: 0, insns: 0, inputs: 0, outcomes: {}, failures: [], seconds: (performance.now() - js) / 1000 };
        result.failures.push({ index: at, what: signal === "SIGKILL" ? `hang: no progress for ${WATCHDOG_MS / 1000} s (the input that hung)` : `the job's process died (status ${code}, signal ${signal}): a host crash or out of memory`, detail: stderr.slice(-2000) });
        onResult(result);
        at = group[k + 1]?.start ?? 0;
      }
      resolve();
    });
  });
}

const t0 = performance.now();
console.log(`fuzz: seed ${seed}${quick ? ", quick" : ""}; modes ${modes.join(",")}; engines ${engines.join(",")}; ` +
  `${jobs.length} jobs, ${jobsAtOnce} at a time${minutes !== undefined ? `, ${minutes} min` : ""}`);
const results = [];
const report = (r) => {
  results.push(r);
  const j = r.job;
  const top = Object.entries(r.outcomes).sort((a, b) => b[1] - a[1]).slice(0, j.stage === "cli" ? 12 : 4).map(([k, v]) => `${k.replace(/^fatal: guest stopped: /, "fatal: ").slice(0, 48)} ${v}`).join("; ");
  console.log(`  ${name(j).padEnd(16)} ${j.stage === "core" ? `${r.cases} cases, ${(r.insns / 1e6).toFixed(1)} M instructions` : `${r.inputs} inputs${r.insns ? `, ${(r.insns / 1e6).toFixed(1)} M instructions` : ""}`}` +
    ` in ${r.seconds.toFixed(1)} s; ${r.failures.length} failures  [${top}]`);
};
// --quick: the jobs split over `jobsAtOnce` processes; otherwise one process per job, `jobsAtOnce` at a time.
const groups = quick ? Array.from({ length: Math.min(jobsAtOnce, jobs.length) }, (_, g) => jobs.filter((_, k) => k % jobsAtOnce === g)) : jobs.map((j) => [j]);
async function lane() {
  while (groups.length) await runGroup(groups.shift(), report);
}
const qemu = stages.includes("qemu") && qemuCount > 0 && !only ? runQemu() : Promise.resolve(undefined);
await Promise.all(Array.from({ length: Math.min(jobsAtOnce, groups.length) }, lane));
const q = await qemu;

// ---- report -------------------------------------------------------------------------------------------
const failures = results.flatMap((r) => r.failures.map((f) => ({ job: name(r.job), ...f })));
if (q?.fails) failures.push({ job: "qemu", index: "-", what: `${q.fails} user-level sequences differ from qemu-arm`, detail: q.groups.map((g) => `${g.count} x ${g.key}`).join("\n") });
const coreBy = new Map();
for (const r of results.filter((x) => x.job.stage === "core")) coreBy.set(`${r.job.mode}/${r.job.engine}`, (coreBy.get(`${r.job.mode}/${r.job.engine}`) ?? 0) + r.insns);
const loaderBy = new Map();
for (const r of results.filter((x) => x.job.stage === "loader")) loaderBy.set(r.job.loader, (loaderBy.get(r.job.loader) ?? 0) + r.inputs);
const cli = results.find((r) => r.job.stage === "cli");
console.log(`fuzz: ${((performance.now() - t0) / 1000).toFixed(1)} s; core: ${[...coreBy].map(([k, v]) => `${k} ${(v / 1e6).toFixed(1)} M`).join(", ") || "-"} instructions; ` +
  `loaders: ${[...loaderBy].map(([k, v]) => `${k} ${v}`).join(", ") || "-"} inputs; cli: ${cli ? `${cli.inputs} runs` : "-"}; ` +
  `qemu: ${q ? (q.skipped ? q.skipped : `${q.count} sequences, ${q.fails} differ`) : "-"}; ${failures.length} failures`);
for (const f of failures) {
  console.log(`FAIL ${f.job} #${f.index} (seed ${seed}): ${f.what}${f.pc !== undefined ? ` at pc 0x${(f.pc >>> 0).toString(16)}` : ""}`);
  if (f.detail) console.log(f.detail.split("\n").map((l) => `    ${l}`).join("\n"));
  const again = f.job.startsWith("core") ? `core:${f.job.split(" ")[1].split("/")[0]}:${f.index}` : f.job.startsWith("loader") ? `loader:${f.job.split(" ")[1]}:${f.index}` : f.job === "cli" ? `cli:-:${f.index}` : undefined;
  if (again) console.log(`    again: npm run fuzz -- --seed ${seed} --only ${again}`);
}
const short = [...coreBy.values()].some((v) => v < targetInsns) || [...loaderBy.values()].some((v) => v < targetInputs);
if (short && !only) console.log("fuzz: note: a job stopped before its goal (time limit or failures)");
process.exit(failures.length ? 1 : 0);

async function runQemu() {
  const { difftest, qemuAvailable } = await import("../difftest/lib.mjs");
  if (!qemuAvailable()) return { skipped: "skipped (no qemu-arm)" };
  // its own seed space: the difftest suite uses small seeds
  return difftest({ count: qemuCount, seed: (seed * 1000 + 7) >>> 0, jobs: 1, shrinkMax: 20 });
}
