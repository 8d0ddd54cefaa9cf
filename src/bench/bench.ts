// `vm7 bench`: boot the tiny kernel (fixtures/kernel/kernel.elf), run its dhrystone-style and
// lmbench-style suites, and print one table of what the guest measured next to what emulating it cost
// on this host. `--mips` instead (and a full run in addition) measures the emulator's raw speed on the
// A32 workloads in bench/workloads.
import type { Command } from "commander";
import { Option } from "commander";
import { EXIT_BAD_INPUT, EXIT_FATAL, parseNumber, engineOption, ENGINES, type Engine } from "../cli/common.js";
import { helpWidth, reflow } from "../cli/help.js";
import { version as vm7Version } from "../images.js";
import { readFileSync, statSync, accessSync, writeFileSync, constants as fsc } from "node:fs";
import { dirname, resolve, relative, isAbsolute } from "node:path";
import { fileURLToPath } from "node:url";
import { createHash } from "node:crypto";
import { cpus } from "node:os";
import {
  BENCHMARK_NAMES, MODES, MODE_NAMES, BenchInputError, BenchRunError, runSuite, modeAvailability,
  checkKernel, checkNames, type SuiteResult, type SuiteRun, type MachineSettings,
} from "./suite.js";
import {
  resultsTable, jsonEntries, rateResults, chartPathFor, table, grouped, secs, mipsText as mips, round, vmmGoals, goalsText, type OverheadSample,
} from "./report.js";
import { ratioChart } from "./chart.js";
import { listWorkloads, bestOf, DEFAULT_ROUNDS, IMAGE_ROUNDS, type BenchResult } from "./workloads.js";
import { KERNEL_BUILDS, bootKernel, kernelBuildRefusal, type BootKernel, type KernelBuild } from "../linux/builds.js";

export { benchImage, type BenchResult } from "./workloads.js";
export { runSuite, parseBenchLine, BENCHMARKS, MODES } from "./suite.js";


export const defaultKernel = fileURLToPath(new URL("../../fixtures/kernel/kernel.elf", import.meta.url));

interface BenchOpts {
  quick: boolean; json?: string; modes?: string; kernel?: string; paraKernel?: string; clock: "virtual" | "wall"; cpuHz: number;
  ram: number; maxInsns?: number; slice: number; mips: boolean; mipsSection: boolean; repeat: number; warmup: boolean; rounds: number;
  guest: "tiny" | "linux"; engine?: Engine; kernelBuild?: KernelBuild; io: boolean;
}

const UNITS_HELP = `
What the table shows (one row per benchmark and mode, the modes of a benchmark together):
  value, unit    what the guest measured, on its own 32 kHz counter (0x48320010). With --clock virtual
                 (the default) guest time is derived from the instruction count (1 instruction = 1 ns at
                 --cpu-hz 1e9), so the figures are deterministic. Units: us per operation (lat_*),
                 ns per dependent load (lat_mem_rd), MB/s with MB = 2^20 bytes (bw_mem_*), iter/s
                 (dhrystone: our own dhrystone-style loop, not Dhrystone's source).
  x native       guest time per operation in this mode / in native mode (value ratio for us and ns,
                 inverse value ratio for iter/s and MB/s): 1.00x = as fast as native, 2.00x = twice as
                 slow. Shown when native and another mode ran.
  guest insns    guest instructions from the previous benchmark's result to this one's (setup and
                 calibration runs included).
  host s         host wall-clock seconds those instructions took here: what emulation cost.
  host x         host s / native host s for the same benchmark.
  guest MIPS     guest insns / host s.
  traps, hypercalls, shadow fills
                 what the VMM did over the same span (its counters traps, hypercalls, shadow_fills:
                 docs/vmm.md); '-' in native mode, which has no VMM.
  (boot), (after last), (total)  the kernel's boot up to BENCH-BEGIN, what runs after the last result
                 (remaining setup, BENCH-END, exit), and the whole run.

Benchmarks: ${BENCHMARK_NAMES.join(", ")}.
Modes:
${MODE_NAMES.map((m) => `  ${m.padEnd(8)}${MODES[m].description}`).join("\n")}
  The default is every mode this build can run (full and para need a build with the VMM; without it
  native runs alone, with a note on stderr). native and full boot --kernel (default
  fixtures/kernel/kernel.elf), para --para-kernel (default fixtures/kernel/kernel-para.elf).

When full or para ran, "VMM goals" follow the table: full mode's host time per guest instruction on
dhrystone within 5% of native (best of --repeat dhrystone runs per mode after the table's runs, in
the order native full, full native, ... so that neither mode always runs second; decided on this
process's CPU time, which other load on the host disturbs less than wall time; both shown); para
faster than full (guest time) on lat_syscall_*, lat_ctx_* and lat_pagefault;
shadow tables reused (full mode's shadow_reuses). --json has them as vmm_goals. With several modes,
each mode first gets an untimed warm-up run (--no-warmup skips it).

--json FILE also writes FILE with .svg instead of .json: a bar chart of every benchmark's "x native"
ratio per mode (log scale when the ratios span more than 8x, else linear; the axis says which).

Emulator speed: --mips runs the workloads in bench/workloads (a32mix: A32, t32mix: Thumb-2) to their exit
under each engine and reports guest MIPS (one warm-up run, then the best of --repeat) and the JIT's
speed-up over the interpreter; both engines must retire the same instructions and print the same
checksum (exit status 3 otherwise). --rounds sets the workloads' length (default 300 rounds, about
93 M instructions; the JIT's time includes translating and compiling). With --engine, only that engine runs. A full run (no --quick, no
names) prints this section after the table too.

Engines: --engine interp|jit (default jit, or $VM7_ENGINE) runs the suites under that engine. The
guest's figures (value, guest insns) are identical under both: the virtual clock counts instructions,
and the JIT retires the same ones; only host s and guest MIPS change.

Progress goes to stderr: a line per finished benchmark, and a live status line when stderr is a terminal.
Exit status: 0 done; 2 bad input (unknown benchmark or mode, missing kernel image, --json not writable);
3 the kernel stopped without finishing the suites (its last console lines are shown); 130 interrupted.`;

export function benchCommand(program: Command, setStatus: (s: number) => void): void {
  program.command("bench")
    .description("boot the tiny kernel (fixtures/kernel) and run its dhrystone-style and lmbench-style suites; " +
      "prints one table: each benchmark as the guest measured it, with the guest instructions and host " +
      "wall time it took. --mips measures guest MIPS on the A32 workloads in bench/workloads instead.")
    .argument("[name...]", `benchmarks to run (default: all); with --mips, workload names (default: all)`)
    .option("--quick", "short version: each measurement spans ~1 ms of guest time instead of ~50 ms", false)
    .option("--json <file>", "also write the results as JSON to FILE")
    .option("--modes <list>", `comma-separated execution modes (${MODE_NAMES.join(", ")}) or 'all' (default: every mode this build can run)`)
    .option("--kernel <image>", "kernel image native and full mode boot (default: fixtures/kernel/kernel.elf)")
    .option("--para-kernel <image>", "kernel image para mode boots (default: fixtures/kernel/kernel-para.elf)")
    .addOption(new Option("--guest <kind>", "what runs the suites: 'tiny' (the tiny kernel) or 'linux' (Debian's Linux 6.1 " +
      "running bench/linux/bin/vm7bench from a busybox initramfs, as `vm7 linux` boots it)").choices(["tiny", "linux"]).default("tiny"))
    .addOption(new Option("--kernel-build <build>", "--guest linux: 'debian' (Debian's armmp binary; native and full mode) or 'vm7' " +
      "(vm7's build of the same source, fixtures/linux-kernel: the plain one natively and in full mode, the paravirtual one in " +
      "para mode) (default: vm7 when para is among the modes, else debian)").choices(KERNEL_BUILDS as unknown as string[]))
    .addOption(new Option("--clock <kind>", "guest time source: 'virtual' (deterministic, from the instruction count) or 'wall' (host clock)")
      .choices(["virtual", "wall"]).default("virtual"))
    .option("--cpu-hz <hz>", "virtual clock: guest instructions per guest second", parseNumber("--cpu-hz", { min: 1e3, max: 1e12 }), 1e9)
    .option("--ram <MiB>", "guest RAM in MiB (the kernel needs 16 or more)", parseNumber("--ram", { min: 16, max: 1024 }), 512)
    .option("--max-insns <n>", "give up (exit status 3) after this many guest instructions per mode", parseNumber("--max-insns", { min: 1 }))
    .option("--slice <n>", "guest instructions per run slice (granularity of the per-benchmark figures)", parseNumber("--slice", { min: 1000, max: 1e9 }), 100_000)
    .option("--mips", "measure emulator speed only: guest MIPS of bench/workloads/*.elf under each engine (interp, jit) side by " +
      "side with the JIT's speed-up (only the --engine given, if one is)", false)
    .addOption(engineOption())
    .option("--no-mips-section", "in a full run, skip the emulator speed section after the table")
    .option("--rounds <n>", `emulator speed: rounds of each workload's main loop (the images' own count is ${IMAGE_ROUNDS}, ` +
      `about 18.7 M instructions; the default, ${DEFAULT_ROUNDS}, makes a run long enough that the JIT's figure is its compiled ` +
      "code's speed more than its start-up)", parseNumber("--rounds", { min: 1, max: 100_000 }), DEFAULT_ROUNDS)
    .option("--no-warmup", "with several modes: skip the untimed warm-up run in each mode before the first timed one")
    .option("--repeat <n>", "emulator speed: timed runs per workload after one warm-up run, the best reported; with native and full: " +
      "alternating dhrystone runs per mode for the host-overhead goal", parseNumber("--repeat", { min: 1, max: 100 }), 3)
    .option("--io", "with --guest linux: the I/O rows instead of the suites: disk write and read bandwidth (dd to and from " +
      "/dev/vda), ping round trip to the switch's peer and between two guests, TCP bandwidth between two guests (busybox nc), " +
      "lat_ctx inside one guest and the hand-off between two; two guests in full mode with Debian's kernel by default; " +
      "--modes full,para (or para) runs them in each mode side by side, and then full mode boots vm7's zImage-vm7, para mode " +
      "zImage-para (like with like: one source, one configuration) (docs/guests.md)", false)
    .addHelpText("after", () => reflow(UNITS_HELP, helpWidth()))
    .action(async (names: string[], o: BenchOpts) => {
      try {
        setStatus(o.io ? await ioOnly(names, o) : o.mips ? mipsOnly(names, o) : await suites(names, o));
      } catch (e) {
        if (e instanceof BenchInputError) { clearStatus(); process.stderr.write(`vm7 bench: ${e.message}\n`); setStatus(EXIT_BAD_INPUT); return; }
        if (e instanceof EnginesDisagree) { clearStatus(); process.stderr.write(`vm7 bench: ${e.message}\n`); setStatus(EXIT_FATAL); return; }
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
const shortPath = (p: string) => { const r = relative(process.cwd(), p); return r && !r.startsWith("..") && !isAbsolute(r) ? r : p; };


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

/**
 * The modes to run: --modes as given (each must be available), or every available one. A mode is
 * unavailable when this build cannot run it, or when its own default image is missing (kernel-para.elf
 * comes with the VMM); a kernel image the user named must exist (checkKernel says so otherwise).
 */
function chooseModes(o: BenchOpts): { modes: string[]; note?: string } {
  const userKernel = (m: string) => m === "para" ? o.paraKernel !== undefined : o.kernel !== undefined;
  const why = (m: string) => MODES[m].unavailable() ?? (userKernel(m) ? undefined : modeAvailability(m));
  if (o.modes === undefined || o.modes.trim() === "all") {
    const missing = MODE_NAMES.filter((m) => m !== "native" && why(m) !== undefined);
    const modes = MODE_NAMES.filter((m) => !missing.includes(m));
    const reasons = [...new Set(missing.map((m) => why(m)!))];
    const because = reasons.length === 1 ? reasons[0] : missing.map((m) => `${m}: ${why(m)}`).join("; ");
    return { modes, note: missing.length ? `${missing.join(" and ")} mode${missing.length > 1 ? "s are" : " is"} not available in this build (${because}); running ${modes.join(", ")} only` : undefined };
  }
  // In the canonical order (native first: the others are compared with it).
  const asked = new Set(o.modes.split(",").map((s) => s.trim()).filter(Boolean));
  const modes = [...MODE_NAMES.filter((m) => asked.has(m)), ...[...asked].filter((m) => !MODE_NAMES.includes(m))];
  const badModes = modes.filter((m) => !MODE_NAMES.includes(m));
  if (!modes.length || badModes.length) throw new BenchInputError(`unknown mode${badModes.length > 1 ? "s" : ""} ${badModes.map((m) => `'${m}'`).join(", ") || "''"} (valid: ${MODE_NAMES.join(", ")}, or all)`);
  for (const m of modes) {
    const w = why(m);
    if (w) throw new BenchInputError(`mode ${m} is not available in this build (${w})`);
  }
  return { modes };
}

/**
 * Host time per guest instruction of the dhrystone benchmark in native and full mode, the modes
 * alternating `repeat` times and the best of each kept: on a shared host one run of each is too noisy
 * to tell 5% apart.
 */
async function dhrystoneOverhead(kernelOf: (m: string) => string, machine: MachineSettings, quick: boolean, repeat: number, slice: number, guest: "tiny" | "linux"): Promise<OverheadSample> {
  const best: Record<string, number> = { native: Infinity, full: Infinity, nativeCpu: Infinity, fullCpu: Infinity };
  // The order alternates (native full, full native, ...): whichever of two fresh machines runs
  // second measured a few per cent faster on this host (the first one's memory being released
  // meanwhile), which a fixed order turns into a bias of that size for one mode.
  for (let k = 0; k < repeat; k++) {
    for (const mode of k % 2 === 0 ? ["native", "full"] : ["full", "native"]) {
      const run = await runSuite({ kernel: kernelOf(mode), guest, mode, quick, names: ["dhrystone"], machine, sliceInsns: slice });
      const d = run.results[0];
      if (d.guest_instructions <= 0) continue;
      best[mode] = Math.min(best[mode], d.host_seconds / d.guest_instructions);
      best[`${mode}Cpu`] = Math.min(best[`${mode}Cpu`], d.host_cpu_seconds / d.guest_instructions);
    }
  }
  return { native: best.native, full: best.full, nativeCpu: best.nativeCpu, fullCpu: best.fullCpu, repeats: repeat };
}

/** --io: the Linux I/O rows (src/bench/io.ts). */
async function ioOnly(names: string[], o: BenchOpts): Promise<number> {
  if (o.guest !== "linux") throw new BenchInputError("--io applies to --guest linux (the I/O rows run Linux guests)");
  if (o.mips) throw new BenchInputError("--io and --mips: give one");
  if (names.length) throw new BenchInputError(`--io runs its own rows; benchmark names (${names.join(" ")}) do not apply`);
  const { runIo, ioTable, IO_MODES } = await import("./io.js");
  // Default: full mode alone, Debian's kernel (the reference); --modes full,para: both, side by side.
  const asked = o.modes === undefined ? ["full"] : o.modes.trim() === "all" ? [...IO_MODES] : [...new Set(o.modes.split(",").map((m) => m.trim()).filter(Boolean))];
  const bad = asked.filter((m) => !(IO_MODES as readonly string[]).includes(m));
  if (!asked.length || bad.length) {
    throw new BenchInputError(`--io --modes ${o.modes}: the I/O rows run two guests under the VMM, in full and/or para mode` +
      (bad.includes("native") ? " (native mode has one guest, which owns the CPU)" : ` ('${bad[0] ?? ""}' is not one of them)`));
  }
  const modes = IO_MODES.filter((m) => asked.includes(m));
  if (o.kernelBuild === "debian" && modes.includes("para")) throw new BenchInputError(`--io --kernel-build debian: ${kernelBuildRefusal("debian", "para")}`);
  if (o.clock === "wall") throw new BenchInputError("--io: several guests run on virtual time only");
  if (o.engine === "jit") throw new BenchInputError("--io: several guests run on the interpreter (--engine jit does not apply)");
  const jsonPath = o.json !== undefined ? checkJsonPath(o.json) : undefined;
  const r = await runIo({ modes, kernelBuild: o.kernelBuild, quick: o.quick, cpuHz: o.cpuHz, ram: o.ram, maxInsns: o.maxInsns, note: progress });
  process.stdout.write(ioTable(r));
  if (jsonPath !== undefined) {
    writeFileSync(jsonPath, JSON.stringify({
      vm7: vm7Version,
      io: Object.fromEntries(r.modes.map((m) => [m.mode, { kernel: m.kernel, rows: m.rows, host_seconds: m.hostSeconds, switches: m.switches, guest_instructions: m.insns }])),
      event_channel: r.ring, host_seconds_all: r.hostSecondsAll,
    }, null, 2) + "\n");
  }
  return 0;
}

/** What the warm-up runs: user compute and the kernel paths the VMM modes differ on. */
const WARMUP = ["dhrystone", "lat_syscall_null", "lat_ctx_2p_0k", "lat_pagefault"];

async function suites(names: string[], o: BenchOpts): Promise<number> {
  const linuxKernels = new Map<string, BootKernel>();
  if (o.guest !== "linux" && o.kernelBuild) throw new BenchInputError("--kernel-build applies to --guest linux");
  if (o.guest === "linux" && (o.kernel || o.paraKernel)) throw new BenchInputError("--kernel/--para-kernel apply to the tiny kernel; --guest linux boots Linux (--kernel-build; see vm7 linux)");
  const chosen = chooseModes(o);
  const modesNote = chosen.note;
  let modes = chosen.modes;
  let linuxBuild: KernelBuild | undefined;
  if (o.guest === "linux") {
    // Like with like: with para among the modes, every mode boots vm7's build of one source.
    linuxBuild = o.kernelBuild ?? (modes.includes("para") ? "vm7" : "debian");
    if (linuxBuild === "debian") {
      if (o.modes !== undefined && modes.includes("para")) throw new BenchInputError(`--guest linux --modes ${o.modes}: ${kernelBuildRefusal("debian", "para")}`);
      modes = modes.filter((m) => m !== "para");
    }
    try {
      for (const m of modes) linuxKernels.set(m, bootKernel(linuxBuild, m, (s) => note(`vm7 bench: ${s}`)));
    } catch (e) { throw new BenchInputError((e as Error).message); }
  }
  const kernelOf = (mode: string) => linuxKernels.get(mode)?.imagePath ?? (mode === "para"
    ? resolve(o.paraKernel ?? MODES.para.kernel)
    : resolve(o.kernel ?? MODES[mode]?.kernel ?? defaultKernel));
  // What the notes and the table's heading call a mode's kernel: Linux by its zImage (the raw Image
  // it boots is a cache file named by its hash), the tiny kernel by its ELF.
  const kernelLabel = (mode: string) => shortPath(linuxKernels.get(mode)?.zimagePath ?? kernelOf(mode));
  checkNames(names);
  for (const m of modes) checkKernel(kernelOf(m));
  const kernel = kernelOf(modes[0]);
  const jsonPath = o.json !== undefined ? checkJsonPath(o.json) : undefined;
  const machine: MachineSettings = { clock: o.clock, cpuHz: o.cpuHz, ramMiB: o.ram, ...(o.engine ? { engine: o.engine } : {}) };
  const total = names.length ? new Set(names).size : BENCHMARK_NAMES.length;
  const quick = o.quick;
  if (modesNote) process.stderr.write(`vm7 bench: ${modesNote}\n`);

  let stop = false;
  const onSigint = () => { stop = true; };
  process.on("SIGINT", onSigint);
  const runs: SuiteRun[] = [];
  const done: SuiteResult[] = [];
  try {
    // V8 tiers the WebAssembly core up while it runs, and the optimised code serves every later machine:
    // without a warm-up, the first mode would pay for it and look slower in host time than the others.
    if (o.warmup && modes.length > 1) {
      for (const mode of modes) {
        note(`vm7 bench: ${mode} mode: warm-up run (untimed)`);
        await runSuite({ kernel: kernelOf(mode), guest: o.guest, mode, quick: true, names: WARMUP, machine, sliceInsns: o.slice, shouldStop: () => stop });
      }
    }
    for (const mode of modes) {
      let lastDraw = 0;
      note(`vm7 bench: ${mode} mode: booting ${kernelLabel(mode)} (${quick ? "quick" : "full"} suites, ${total} benchmark${total > 1 ? "s" : ""})`);
      runs.push(await runSuite({
        kernel: kernelOf(mode), guest: o.guest, mode, quick, names, machine, sliceInsns: o.slice, maxInsns: o.maxInsns,
        shouldStop: () => stop,
        onResult: (r, i) => {
          done.push(r);
          const ev = MODES[mode].vmm ? `, ${grouped(r.traps)} traps, ${grouped(r.hypercalls)} hypercalls, ${grouped(r.shadow_fills)} shadow fills` : "";
          progress(`vm7 bench: [${String(i + 1).padStart(String(total).length)}/${total}] ${mode} ${r.benchmark} ${r.text} ${r.unit}` +
            `  (${grouped(r.guest_instructions)} insns, ${secs(r.host_seconds)} s, ${mips(r.guest_mips)} MIPS${ev})`);
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
      process.stdout.write(`vm7 bench: partial results (the run did not finish)\n\n${resultsTable(done, BENCHMARK_NAMES, modes)}`);
    }
    throw e;
  } finally {
    process.off("SIGINT", onSigint);
    clearStatus();
  }

  const results = runs.flatMap((r) => r.results);
  const clockNote = o.clock === "virtual" ? `virtual clock, ${o.cpuHz.toExponential().replace("e+", "e")} instructions per guest second` : "wall clock (host time)";
  const kernels = [...new Set(modes.map(kernelLabel))].join(" and ");
  process.stdout.write(`vm7 bench: ${quick ? "quick" : "full"} suites of ${kernels} in ${modes.join(", ")} mode (engine ${o.engine ?? (process.env.VM7_ENGINE || "jit")}); values measured by the guest (32 kHz counter, ${clockNote}); ` +
    `guest insns and host s per benchmark include its setup\n\n`);
  process.stdout.write(resultsTable(results, BENCHMARK_NAMES, modes, runs));
  let overhead: OverheadSample | undefined;
  if (modes.includes("native") && modes.includes("full") && (!names.length || names.includes("dhrystone"))) {
    note(`vm7 bench: dhrystone host overhead: best of ${o.repeat} runs per mode (native full, full native, ...)`);
    overhead = await dhrystoneOverhead(kernelOf, machine, quick, o.repeat, o.slice, o.guest);
  }
  const goals = modes.some((m) => MODES[m].vmm) ? vmmGoals(results, runs, overhead) : [];
  if (goals.length) {
    process.stdout.write(`\nVMM goals (guest-measured unless said otherwise${quick ? "; quick suite: host times of a few ms are noise, run the full suite for these" : ""})\n${goalsText(goals)}`);
  }

  let speed: BenchResult[] = [];
  if (!quick && !names.length && o.mipsSection) {
    const w = listWorkloads();
    if (w.length) {
      note(`vm7 bench: emulator speed: ${w.join(", ")} (1 warm-up + best of ${o.repeat} per engine)`);
      const engines = o.engine ? [o.engine] : ENGINES;
      speed = w.flatMap((n) => engines.map((e) => bestOf(n, o.repeat, undefined, e, o.rounds)));
      process.stdout.write("\nEmulator speed (bench/workloads, " + o.rounds + " rounds, run to exit; best of " + o.repeat + ")\n\n");
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
      kernels: Object.fromEntries(modes.map((m) => [m, shortPath(kernelOf(m))])),
      date: new Date().toISOString(),
      host: { node: process.version, platform: process.platform, arch: process.arch, cpu: cpus()[0]?.model ?? "unknown" },
      results: jsonEntries(results, BENCHMARK_NAMES, modes),
      runs: runs.map((r) => ({
        mode: r.mode, kernel: shortPath(r.kernel), kernel_sha256: createHash("sha256").update(readFileSync(r.kernel)).digest("hex"), begin: r.begin, boot_instructions: r.bootInstructions, boot_seconds: round(r.bootSeconds, 6),
        after_last_instructions: r.tailInstructions, after_last_seconds: round(r.tailSeconds, 6),
        total_instructions: r.totalInstructions, total_seconds: round(r.totalSeconds, 6),
        ...(MODES[r.mode].vmm ? { vmm_stats: r.vmmStats } : {}),
      })),
      ...(goals.length ? { vmm_goals: goals } : {}),
      ...(overhead ? {
        dhrystone_overhead: {
          native_host_s_per_insn: overhead.native, full_host_s_per_insn: overhead.full,
          native_host_cpu_s_per_insn: overhead.nativeCpu, full_host_cpu_s_per_insn: overhead.fullCpu, repeats: overhead.repeats,
        },
      } : {}),
      ...(speed.length ? { emulator_speed: speed.map((s) => ({ workload: s.name, engine: s.engine, rounds: s.rounds, guest_instructions: s.insns, host_seconds: round(s.seconds, 6), guest_mips: round(s.mips, 3), output: s.output.split("\n").pop() })) } : {}),
    };
    try { writeFileSync(jsonPath, JSON.stringify(doc, null, 2) + "\n"); }
    catch (e) { throw new BenchInputError(`--json ${o.json}: cannot write: ${(e as Error).message}`); }
    note(`vm7 bench: wrote ${o.json}`);
    const svgPath = chartPathFor(jsonPath);
    if (!modes.includes("native")) {
      progress(`vm7 bench: no chart (${shortPath(svgPath)}): it shows ratios to native mode, and native did not run`);
    } else {
      const bars = rateResults(results, BENCHMARK_NAMES, modes).map((r) => ({ benchmark: r.benchmark, mode: r.mode, ratio: r.ratio }));
      const svg = ratioChart(bars, BENCHMARK_NAMES, modes, {
        subtitle: `vm7 ${vm7Version()} bench, ${quick ? "quick" : "full"} suites, ${o.clock} clock; ${modes.join(", ")}; iter/s and MB/s inverted so that higher is slower`,
      });
      try { writeFileSync(svgPath, svg); }
      catch (e) { throw new BenchInputError(`--json ${o.json}: cannot write the chart ${svgPath}: ${(e as Error).message}`); }
      note(`vm7 bench: wrote ${shortPath(svgPath)}`);
    }
  }
  return 0;
}


// --- emulator speed ----------------------------------------------------------------------------------
/** Both engines ran a workload and disagree on what it retired or printed: a JIT bug (exit status 3). */
class EnginesDisagree extends Error {}

/** One row per workload: guest instructions, then host s and MIPS per engine that ran, and with both
 *  engines the JIT's speed-up (jit MIPS / interp MIPS). The engines must agree on the instructions
 *  retired and the output (the checksum the workload prints). */
export function mipsTable(rs: BenchResult[]): string {
  const names = [...new Set(rs.map((r) => r.name))];
  const engines = ENGINES.filter((e) => rs.some((r) => r.engine === e));
  const both = engines.length === 2;
  const rows = [["workload", "guest insns", ...engines.flatMap((e) => [`${e} s`, `${e} MIPS`]), ...(both ? ["jit speed-up"] : []), "output"]];
  for (const n of names) {
    const per = engines.map((e) => rs.find((r) => r.name === n && r.engine === e)!);
    const [a, b] = per;
    if (b && (a.insns !== b.insns || a.output !== b.output || a.exitCode !== b.exitCode)) {
      throw new EnginesDisagree(`${n}: the engines disagree: interp retired ${a.insns} instructions and printed '${a.output.split("\n").pop()}', ` +
        `jit ${b.insns} and '${b.output.split("\n").pop()}' (a JIT bug: please report it)`);
    }
    rows.push([n, grouped(a.insns), ...per.flatMap((r) => [secs(r.seconds), mips(r.mips)]), ...(both ? [`${(b.mips / a.mips).toFixed(2)}x`] : []),
      a.output.split("\n").pop() ?? ""]);
  }
  return table(rows, [false, true, ...engines.flatMap(() => [true, true]), ...(both ? [true] : []), false]);
}

function mipsOnly(names: string[], o: BenchOpts): number {
  const all = listWorkloads();
  if (!all.length) throw new BenchInputError(`no workloads in bench/workloads (run 'npm run fixtures' or check your checkout)`);
  const bad = names.filter((n) => !all.includes(n));
  if (bad.length) throw new BenchInputError(`no workload ${bad.map((n) => `'${n}'`).join(", ")} (have: ${all.join(", ")})`);
  const chosen = names.length ? names : all;
  const engines = o.engine ? [o.engine] : ENGINES;
  const rs: BenchResult[] = [];
  for (const n of chosen) {
    for (const e of engines) {
      const r = bestOf(n, o.repeat, undefined, e, o.rounds);
      rs.push(r);
      note(`vm7 bench: ${n} (${e}): ${mips(r.mips)} MIPS`);
    }
  }
  process.stdout.write(`vm7 bench: emulator speed, bench/workloads run to exit (${o.rounds} rounds), best of ${o.repeat} after one ` +
    `warm-up run per engine; MIPS = guest instructions / host wall seconds, compiling included\n\n`);
  process.stdout.write(mipsTable(rs));
  return 0;
}
