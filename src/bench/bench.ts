// `vm7 bench`: boot the tiny kernel (fixtures/kernel/kernel.elf), run its dhrystone-style and
// lmbench-style suites, and print one table of what the guest measured next to what emulating it cost
// on this host. `--mips` instead (and a full run in addition) measures the emulator's raw speed on the
// A32 workloads in bench/workloads.
import type { Command } from "commander";
import { Option, InvalidArgumentError } from "commander";
import { readFileSync, statSync, accessSync, writeFileSync, constants as fsc } from "node:fs";
import { dirname, resolve, relative, isAbsolute } from "node:path";
import { fileURLToPath } from "node:url";
import { createHash } from "node:crypto";
import { cpus } from "node:os";
import {
  BENCHMARK_NAMES, MODES, MODE_NAMES, BenchInputError, BenchRunError, runSuite,
  checkKernel, checkNames, type SuiteResult, type SuiteRun, type MachineSettings,
} from "./suite.js";
import { listWorkloads, bestOf, type BenchResult } from "./workloads.js";
import { getKernel } from "../linux/fetch.js";

export { benchImage, type BenchResult } from "./workloads.js";
export { runSuite, parseBenchLine, BENCHMARKS, MODES } from "./suite.js";

const EXIT_BAD_INPUT = 2;
const EXIT_FATAL = 3;

export const defaultKernel = fileURLToPath(new URL("../../fixtures/kernel/kernel.elf", import.meta.url));

function vm7Version(): string {
  try { return JSON.parse(readFileSync(fileURLToPath(new URL("../../package.json", import.meta.url)), "utf8")).version ?? "unknown"; }
  catch { return "unknown"; }
}

interface BenchOpts {
  quick: boolean; json?: string; modes: string; kernel?: string; clock: "virtual" | "wall"; cpuHz: number;
  ram: number; maxInsns?: number; slice: number; mips: boolean; mipsSection: boolean; repeat: number;
  guest: "tiny" | "linux";
}

const num = (what: string, min: number, max: number) => (s: string): number => {
  const t = s.trim().replace(/_/g, "");
  const v = /^0x[0-9a-f]+$/i.test(t) ? parseInt(t, 16) : Number(t);
  if (!/^(0x[0-9a-f]+|\d+(\.\d+)?(e\d+)?)$/i.test(t) || !Number.isFinite(v) || v < min || v > max) {
    throw new InvalidArgumentError(`${what} must be a number from ${min} to ${max}, got '${s}'`);
  }
  return v;
};

function wrap(text: string, width: number, indent: string): string {
  const out: string[] = [];
  let line = "";
  for (const w of text.split(" ")) {
    if (line && line.length + 1 + w.length > width) { out.push(line); line = indent + w; } else line = line ? `${line} ${w}` : w;
  }
  return [...out, line].join("\n");
}

const UNITS_HELP = `
What the table shows (one row per benchmark and mode):
  value, unit    what the guest measured, on its own 32 kHz counter (0x48320010). With --clock virtual
                 (the default) guest time is derived from the instruction count (1 instruction = 1 ns at
                 --cpu-hz 1e9), so the figures are deterministic. Units: us per operation (lat_*),
                 ns per dependent load (lat_mem_rd), MB/s with MB = 2^20 bytes (bw_mem_*), iter/s
                 (dhrystone: our own dhrystone-style loop, not Dhrystone's source).
  guest insns    guest instructions from the previous benchmark's result to this one's (setup and
                 calibration runs included).
  host s         host wall-clock seconds those instructions took here: what emulation cost.
  guest MIPS     guest insns / host s.
  (boot), (after last), (total)  the kernel's boot up to BENCH-BEGIN, what runs after the last result
                 (remaining setup, BENCH-END, exit), and the whole run.

Benchmarks: ${wrap(BENCHMARK_NAMES.join(", ") + ".", 100, "  ")}
Modes: ${MODE_NAMES.map((m) => `${m} (${MODES[m].description})`).join("; ")}; the VMM's full and para modes come later.

Emulator speed: --mips runs the A32 workloads in bench/workloads (e.g. a32mix) to their exit and reports
guest MIPS (one warm-up run, then the best of --repeat). A full run (no --quick, no names) prints this
section after the table too.

Progress goes to stderr: a line per finished benchmark, and a live status line when stderr is a terminal.
Exit status: 0 done; 2 bad input (unknown benchmark or mode, missing kernel image, --json not writable);
3 the kernel stopped without finishing the suites (its last console lines are shown); 130 interrupted.`;

export function benchCommand(program: Command, setStatus: (s: number) => void): void {
  program.command("bench")
    .description("boot the tiny kernel (fixtures/kernel) and run its dhrystone-style and lmbench-style suites;\n" +
      "prints one table: each benchmark as the guest measured it, with the guest instructions and host\n" +
      "wall time it took. --mips measures guest MIPS on the A32 workloads in bench/workloads instead.")
    .argument("[name...]", `benchmarks to run (default: all); with --mips, workload names (default: all)`)
    .option("--quick", "short version: each measurement spans ~1 ms of guest time instead of ~50 ms", false)
    .option("--json <file>", "also write the results as JSON to FILE")
    .option("--modes <list>", `comma-separated execution modes (have: ${MODE_NAMES.join(", ")})`, "native")
    .option("--kernel <image>", "kernel image to boot (default: fixtures/kernel/kernel.elf)")
    .addOption(new Option("--guest <kind>", "what runs the suites: 'tiny' (the tiny kernel) or 'linux' (Debian's Linux 6.1 " +
      "running bench/linux/bin/vm7bench from a busybox initramfs, as `vm7 linux` boots it)").choices(["tiny", "linux"]).default("tiny"))
    .addOption(new Option("--clock <kind>", "guest time source: 'virtual' (deterministic, from the instruction count) or 'wall' (host clock)")
      .choices(["virtual", "wall"]).default("virtual"))
    .option("--cpu-hz <hz>", "virtual clock: guest instructions per guest second", num("--cpu-hz", 1e3, 1e12), 1e9)
    .option("--ram <MiB>", "guest RAM in MiB (the kernel needs 16 or more)", num("--ram", 16, 1024), 512)
    .option("--max-insns <n>", "give up (exit status 3) after this many guest instructions per mode", num("--max-insns", 1, Number.MAX_SAFE_INTEGER))
    .option("--slice <n>", "guest instructions per run slice (granularity of the per-benchmark figures)", num("--slice", 1000, 1e9), 100_000)
    .option("--mips", "measure emulator speed only: guest MIPS of bench/workloads/*.elf", false)
    .option("--no-mips-section", "in a full run, skip the emulator speed section after the table")
    .option("--repeat <n>", "emulator speed: timed runs per workload after one warm-up run; the best is reported", num("--repeat", 1, 100), 3)
    .addHelpText("after", UNITS_HELP)
    .action(async (names: string[], o: BenchOpts) => {
      try {
        setStatus(o.mips ? mipsOnly(names, o) : await suites(names, o));
      } catch (e) {
        if (e instanceof BenchInputError) { clearStatus(); process.stderr.write(`vm7 bench: ${e.message}\n`); setStatus(EXIT_BAD_INPUT); return; }
        if (e instanceof BenchRunError) {
          clearStatus();
          process.stderr.write(`vm7 bench: ${e.message}\n`);
          if (e.tail.length) process.stderr.write(`vm7 bench: last console lines:\n${e.tail.map((l) => `  | ${l}\n`).join("")}`);
          process.stderr.write(`vm7 bench: ${e.how}\n`);
          setStatus(e.status);
          return;
        }
        throw e;
      }
    });
}

// --- progress on stderr ---------------------------------------------------------------------------
const tty = () => process.stderr.isTTY === true;
let statusShown = false;
function showStatus(s: string): void {
  if (!tty()) return;
  const w = (process.stderr.columns || 80) - 1;
  process.stderr.write(`\r\x1b[K${s.slice(0, w)}`);
  statusShown = true;
}
function clearStatus(): void { if (statusShown) { process.stderr.write("\r\x1b[K"); statusShown = false; } }
function progress(line: string): void { clearStatus(); process.stderr.write(`${line}\n`); }
/** A message worth a line only when someone watches (stderr is a terminal). */
function note(line: string): void { if (tty()) progress(line); }

// --- formatting --------------------------------------------------------------------------------------
const grouped = (n: number) => Math.round(n).toLocaleString("en-US");
const secs = (s: number) => s < 10 ? s.toFixed(3) : s.toFixed(2);
const mips = (v: number) => v.toFixed(1);
const shortPath = (p: string) => { const r = relative(process.cwd(), p); return r && !r.startsWith("..") && !isAbsolute(r) ? r : p; };

function table(rows: string[][], rightAlign: boolean[]): string {
  const w = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => rightAlign[c] ? cell.padStart(w[c]) : cell.padEnd(w[c])).join("  ").trimEnd()).join("\n") + "\n";
}

// --- the suites --------------------------------------------------------------------------------------
function checkJsonPath(file: string): string {
  const p = resolve(file);
  let st;
  try { st = statSync(p); } catch { /* does not exist yet */ }
  if (st?.isDirectory()) throw new BenchInputError(`--json ${file}: is a directory; give a file name`);
  const dir = dirname(p);
  let dst;
  try { dst = statSync(dir); } catch { throw new BenchInputError(`--json ${file}: directory ${dir} does not exist`); }
  if (!dst.isDirectory()) throw new BenchInputError(`--json ${file}: ${dir} is not a directory`);
  try { accessSync(st ? p : dir, fsc.W_OK); } catch { throw new BenchInputError(`--json ${file}: ${st ? "file" : "directory " + dir} is not writable`); }
  return p;
}

async function suites(names: string[], o: BenchOpts): Promise<number> {
  let kernel = resolve(o.kernel ?? defaultKernel);
  if (o.guest === "linux") {
    if (o.kernel) throw new BenchInputError("--kernel applies to the tiny kernel; --guest linux boots Debian's kernel (see vm7 linux)");
    try { kernel = getKernel((s) => note(`vm7 bench: ${s}`)).image; } catch (e) { throw new BenchInputError((e as Error).message); }
  }
  const modes = o.modes.split(",").map((s) => s.trim()).filter(Boolean);
  const badModes = modes.filter((m) => !MODE_NAMES.includes(m));
  if (!modes.length || badModes.length) throw new BenchInputError(`unknown mode${badModes.length > 1 ? "s" : ""} ${badModes.map((m) => `'${m}'`).join(", ") || "''"} (valid: ${MODE_NAMES.join(", ")}; full and para need the VMM)`);
  checkNames(names);
  checkKernel(kernel);
  const jsonPath = o.json !== undefined ? checkJsonPath(o.json) : undefined;
  const machine: MachineSettings = { clock: o.clock, cpuHz: o.cpuHz, ramMiB: o.ram };
  const total = names.length ? new Set(names).size : BENCHMARK_NAMES.length;
  const quick = o.quick;

  let stop = false;
  const onSigint = () => { stop = true; };
  process.on("SIGINT", onSigint);
  const runs: SuiteRun[] = [];
  const done: SuiteResult[] = [];
  try {
    for (const mode of modes) {
      let lastDraw = 0;
      note(`vm7 bench: ${mode} mode: booting ${shortPath(kernel)} (${quick ? "quick" : "full"} suites, ${total} benchmark${total > 1 ? "s" : ""})`);
      runs.push(await runSuite({
        kernel, guest: o.guest, mode, quick, names, machine, sliceInsns: o.slice, maxInsns: o.maxInsns,
        shouldStop: () => stop,
        onResult: (r, i) => {
          done.push(r);
          progress(`vm7 bench: [${String(i + 1).padStart(String(total).length)}/${total}] ${mode} ${r.benchmark} ${r.text} ${r.unit}` +
            `  (${grouped(r.guest_instructions)} insns, ${secs(r.host_seconds)} s, ${mips(r.guest_mips)} MIPS)`);
        },
        onTick: (insns, s, running) => {
          if (!tty() || s - lastDraw < 0.2) return;
          lastDraw = s;
          showStatus(`  ${mode}: ${BENCHMARK_NAMES.includes(running) ? `running ${running}` : running}  ${(insns / 1e6).toFixed(1)}M insns  ${s.toFixed(1)} s`);
        },
      }));
    }
  } catch (e) {
    // Show what did finish before saying why the rest did not.
    if (e instanceof BenchRunError && done.length) {
      clearStatus();
      const rows = [["benchmark", "mode", "value", "unit", "guest insns", "host s", "guest MIPS"]];
      for (const r of done) rows.push([r.benchmark, r.mode, r.text, r.unit, grouped(r.guest_instructions), secs(r.host_seconds), mips(r.guest_mips)]);
      process.stdout.write(`vm7 bench: partial results (the run did not finish)\n\n${table(rows, [false, false, true, false, true, true, true])}`);
    }
    throw e;
  } finally {
    process.off("SIGINT", onSigint);
    clearStatus();
  }

  const results = runs.flatMap((r) => r.results);
  const order = (r: SuiteResult) => BENCHMARK_NAMES.indexOf(r.benchmark) * 100 + modes.indexOf(r.mode);
  results.sort((a, b) => order(a) - order(b));
  const rows = [["benchmark", "mode", "value", "unit", "guest insns", "host s", "guest MIPS"]];
  for (const r of results) rows.push([r.benchmark, r.mode, r.text, r.unit, grouped(r.guest_instructions), secs(r.host_seconds), mips(r.guest_mips)]);
  for (const run of runs) {
    rows.push([`(boot)`, run.mode, "", "", grouped(run.bootInstructions), secs(run.bootSeconds), mips(run.bootInstructions / run.bootSeconds / 1e6)]);
    rows.push([`(after last)`, run.mode, "", "", grouped(run.tailInstructions), secs(run.tailSeconds), mips(run.tailInstructions / run.tailSeconds / 1e6)]);
    rows.push([`(total)`, run.mode, "", "", grouped(run.totalInstructions), secs(run.totalSeconds), mips(run.totalInstructions / run.totalSeconds / 1e6)]);
  }
  const clockNote = o.clock === "virtual" ? `virtual clock, ${o.cpuHz.toExponential().replace("e+", "e")} instructions per guest second` : "wall clock (host time)";
  process.stdout.write(`vm7 bench: ${quick ? "quick" : "full"} suites of ${shortPath(kernel)}; values measured by the guest (32 kHz counter, ${clockNote}); ` +
    `guest insns and host s per benchmark include its setup\n\n`);
  process.stdout.write(table(rows, [false, false, true, false, true, true, true]));

  let speed: BenchResult[] = [];
  if (!quick && !names.length && o.mipsSection) {
    const w = listWorkloads();
    if (w.length) {
      note(`vm7 bench: emulator speed: ${w.join(", ")} (1 warm-up + best of ${o.repeat})`);
      speed = w.map((n) => bestOf(n, o.repeat));
      process.stdout.write("\nEmulator speed (bench/workloads, A32, run to exit; best of " + o.repeat + ")\n\n");
      process.stdout.write(mipsTable(speed));
    }
  }

  if (jsonPath) {
    const doc = {
      vm7_version: vm7Version(),
      kernel: shortPath(kernel),
      kernel_sha256: createHash("sha256").update(readFileSync(kernel)).digest("hex"),
      clock: o.clock,
      cpu_hz: o.cpuHz,
      suite: quick ? "quick" : "full",
      modes,
      date: new Date().toISOString(),
      host: { node: process.version, platform: process.platform, arch: process.arch, cpu: cpus()[0]?.model ?? "unknown" },
      results: results.map((r) => ({
        benchmark: r.benchmark, mode: r.mode, value: r.value, unit: r.unit,
        guest_instructions: r.guest_instructions, host_seconds: round(r.host_seconds, 6), guest_mips: round(r.guest_mips, 3),
        iterations: r.iterations, guest_ticks_32k: r.guest_ticks_32k, details: r.extra,
      })),
      runs: runs.map((r) => ({
        mode: r.mode, begin: r.begin, boot_instructions: r.bootInstructions, boot_seconds: round(r.bootSeconds, 6),
        after_last_instructions: r.tailInstructions, after_last_seconds: round(r.tailSeconds, 6),
        total_instructions: r.totalInstructions, total_seconds: round(r.totalSeconds, 6),
      })),
      ...(speed.length ? { emulator_speed: speed.map((s) => ({ workload: s.name, guest_instructions: s.insns, host_seconds: round(s.seconds, 6), guest_mips: round(s.mips, 3), output: s.output.split("\n").pop() })) } : {}),
    };
    try { writeFileSync(jsonPath, JSON.stringify(doc, null, 2) + "\n"); }
    catch (e) { throw new BenchInputError(`--json ${o.json}: cannot write: ${(e as Error).message}`); }
    note(`vm7 bench: wrote ${o.json}`);
  }
  return 0;
}

const round = (v: number, d: number) => Math.round(v * 10 ** d) / 10 ** d;

// --- emulator speed ----------------------------------------------------------------------------------
function mipsTable(rs: BenchResult[]): string {
  const rows = [["workload", "guest insns", "host s", "guest MIPS", "output"]];
  for (const b of rs) rows.push([b.name, grouped(b.insns), secs(b.seconds), mips(b.mips), b.output.split("\n").pop() ?? ""]);
  return table(rows, [false, true, true, true, false]);
}

function mipsOnly(names: string[], o: BenchOpts): number {
  const all = listWorkloads();
  if (!all.length) throw new BenchInputError(`no workloads in bench/workloads (run 'npm run fixtures' or check your checkout)`);
  const bad = names.filter((n) => !all.includes(n));
  if (bad.length) throw new BenchInputError(`no workload ${bad.map((n) => `'${n}'`).join(", ")} (have: ${all.join(", ")})`);
  const chosen = names.length ? names : all;
  const rs: BenchResult[] = [];
  for (const n of chosen) {
    const r = bestOf(n, o.repeat);
    rs.push(r);
    note(`vm7 bench: ${n}: ${mips(r.mips)} MIPS`);
  }
  process.stdout.write(mipsTable(rs));
  return 0;
}
