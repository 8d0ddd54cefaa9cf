// Running the tiny kernel's benchmark suites (bench/suites) in a Machine and turning the `BENCH ...`
// lines it prints into results, wherever the Machine runs: suite.ts does it on Node (kernel images
// from fixtures/, Debian's Linux as an alternative guest), the web page in a Web Worker. Each result
// also records what the host paid for it: the guest instructions and host time between the previous
// benchmark's line and its own (so a benchmark's setup and its calibration runs are charged to it),
// measured by running the machine in short slices, and the VMM's event counts over the same span.
import { hex, type Machine, type RunResult } from "../machine/machine.js";
import { guestRamOf, machineRamFor, vmmStatsOf } from "../machine/modes.js";
import { parseExecOutput, type ExecMarkers } from "../linux/initramfs.js";
import { yieldToHost, sleep } from "../machine/yield.js";

export interface BenchmarkInfo { name: string; unit: string; what: string }

/** Every benchmark the kernel knows, in the order it runs them (bench/suites/lmbench.c, all_names). */
export const BENCHMARKS: readonly BenchmarkInfo[] = [
  { name: "dhrystone", unit: "iter/s", what: "dhrystone-style loop iterations per guest second (our own Dhrystone-2.1-like code)" },
  { name: "lat_syscall_null", unit: "us", what: "getppid()" },
  { name: "lat_syscall_write", unit: "us", what: "write() of 1 byte to /dev/null" },
  { name: "lat_ctx_2p_0k", unit: "us", what: "one token hop round a ring of 2 processes over pipes, 0 KiB working set" },
  { name: "lat_ctx_2p_16k", unit: "us", what: "the same, 2 processes, 16 KiB working set each" },
  { name: "lat_ctx_8p_16k", unit: "us", what: "the same, 8 processes, 16 KiB working set each" },
  { name: "lat_pipe", unit: "us", what: "4-byte round trip between two processes over two pipes" },
  { name: "lat_proc_fork", unit: "us", what: "fork() + child exit() + parent wait()" },
  { name: "lat_proc_exec", unit: "us", what: "fork() + child exec(\"true\") + exit + wait()" },
  { name: "lat_pagefault", unit: "us", what: "first touch of one demand-zero page" },
  { name: "lat_mmap", unit: "us", what: "mmap(64 KiB) + touch its 16 pages + munmap" },
  { name: "bw_mem_rd", unit: "MB/s", what: "read (sum) of a 2 MiB buffer, MB = 2^20 bytes" },
  { name: "bw_mem_wr", unit: "MB/s", what: "write of a 2 MiB buffer" },
  { name: "bw_mem_cp", unit: "MB/s", what: "copy of a 2 MiB buffer (bytes copied counted once)" },
  { name: "lat_mem_rd", unit: "ns", what: "one dependent load of a pointer chain over 1 MiB, 64-byte stride" },
];
export const BENCHMARK_NAMES: readonly string[] = BENCHMARKS.map((b) => b.name);

export interface MachineSettings {
  clock: "virtual" | "wall"; cpuHz: number; ramMiB: number;
  /** Execution engine (default: Machine's, jit or $VM7_ENGINE). The guest's figures do not depend on it. */
  engine?: "interp" | "jit";
}

/**
 * The three headline counts from a stats record: the totals (traps_total or traps, hypercalls_total or
 * hypercalls), else the sum of the per-class keys (traps_* / trap_* / exc_*; hc_* except hc_errors).
 */
export function eventCounts(s: Record<string, number>): { traps: number; hypercalls: number; shadow_fills: number } {
  const sum = (keep: (k: string) => boolean) => Object.entries(s).filter(([k]) => keep(k)).reduce((a, [, v]) => a + v, 0);
  return {
    traps: s.traps_total ?? s.traps ?? sum((k) => /^(traps?|exc)_/.test(k)),
    hypercalls: s.hypercalls_total ?? s.hypercalls ?? sum((k) => k.startsWith("hc_") && k !== "hc_errors"),
    shadow_fills: s.shadow_fills ?? 0,
  };
}

/** after - before, key by key (keys only in `after` count from 0). */
export function statsDelta(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const d: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) d[k] = v - (before[k] ?? 0);
  return d;
}

/** Where the host writes the kernel's boot arguments (fixtures/kernel/README.md). */
export const BOOTARGS_ADDR = 0x80007f00;
const BOOTARGS_MAX = 251;

export interface SuiteResult {
  benchmark: string;
  mode: string;
  value: number;
  unit: string;
  /** The value as the kernel printed it (its own precision). */
  text: string;
  guest_instructions: number;
  host_seconds: number;
  /** Host CPU seconds (user + system, this process) over the same span: less disturbed than wall time
   *  by other load on the host. */
  host_cpu_seconds: number;
  guest_mips: number;
  iterations: number;
  guest_ticks_32k: number;
  /** The line's other key=value fields (kind=, overhead_us=, ...). */
  extra: Record<string, string>;
  /** VMM events over the same span as guest_instructions (0 in native mode). */
  traps: number;
  hypercalls: number;
  shadow_fills: number;
  /** Every VMM counter's change over that span (empty in native mode). */
  vmm: Record<string, number>;
}

export interface ParsedBenchLine { name: string; value: number; text: string; unit: string; iterations: number; ticks: number; extra: Record<string, string> }

/** `BENCH <name> <value> <unit> iterations=N ticks=T [key=value ...]`, or null for any other line. */
export function parseBenchLine(line: string): ParsedBenchLine | null {
  const m = /^BENCH (\S+) (-?\d+(?:\.\d+)?) (\S+)((?: \S+=\S*)*)\s*$/.exec(line);
  if (!m) return null;
  const extra: Record<string, string> = {};
  for (const kv of m[4].trim().split(" ").filter(Boolean)) { const i = kv.indexOf("="); extra[kv.slice(0, i)] = kv.slice(i + 1); }
  const iterations = Number(extra.iterations ?? NaN), ticks = Number(extra.ticks ?? NaN);
  delete extra.iterations; delete extra.ticks;
  return { name: m[1], value: Number(m[2]), text: m[2], unit: m[3], iterations, ticks, extra };
}

/** Something the user asked for cannot be done (bad name, missing image): exit status 2. */
export class BenchInputError extends Error {}
/** The kernel did not finish the suites: exit status 3. `tail` holds its last console lines. */
export class BenchRunError extends Error {
  constructor(message: string, readonly tail: string[], readonly how: string, readonly status = 3) { super(message); }
}

export interface SuiteRunOptions {
  /** The mode's name, as results record it. */
  mode: string;
  /** The mode runs under the VMM (its guest gets less RAM; results carry event counts). */
  vmm: boolean;
  /** The kernel image's name, as the run records it. */
  kernel: string;
  quick: boolean;
  /** Benchmarks to run (empty: all). */
  names: string[];
  machine: MachineSettings;
  /** The machine to run in, its console going to `onConsole`. */
  createMachine(onConsole: (b: Uint8Array) => void): Machine;
  /** Puts the guest in the machine, told to run the suites with boot arguments `args` (loadTinyKernel);
   *  a Linux guest returns the markers its command's output and exit status come between. */
  load(m: Machine, args: string): ExecMarkers | undefined;
  /** Host CPU seconds used so far (Node: process.cpuUsage); without it, CPU time is wall time. */
  cpuSeconds?: () => number;
  /** Instructions per Machine.run call: the granularity of the per-benchmark instruction and time figures. */
  sliceInsns?: number;
  /** Stop (as a failure) after this many guest instructions. */
  maxInsns?: number;
  /** Called when each benchmark's line arrives. */
  onResult?: (r: SuiteResult, index: number) => void;
  /** Called after every slice: instructions so far, host seconds so far, and the benchmark now running. */
  onTick?: (insns: number, seconds: number, running: string) => void;
  /** Checked after every slice; true stops the run (reported as interrupted). */
  shouldStop?: () => boolean;
}

export interface SuiteRun {
  mode: string;
  /** The kernel image booted. */
  kernel: string;
  /** The VMM's counters at the end of the run (empty in native mode). */
  vmmStats: Record<string, number>;
  /** The VMM's counters at BENCH-BEGIN (the boot's share). */
  bootVmmStats: Record<string, number>;
  results: SuiteResult[];
  /** The BENCH-BEGIN line's fields (mode=quick|full, clock=..., min_ticks=...). */
  begin: Record<string, string>;
  bootInstructions: number;
  bootSeconds: number;
  /** From the last result to the kernel's exit (what the suites do after it, BENCH-END, shutdown). */
  tailInstructions: number;
  tailSeconds: number;
  totalInstructions: number;
  totalSeconds: number;
}

export function checkNames(names: string[]): void {
  const bad = names.filter((n) => !BENCHMARK_NAMES.includes(n));
  if (bad.length) throw new BenchInputError(`unknown benchmark${bad.length > 1 ? "s" : ""} ${bad.map((n) => `'${n}'`).join(", ")} (valid: ${BENCHMARK_NAMES.join(", ")})`);
}

/** The tiny kernel, with its boot arguments where it reads them. */
export function loadTinyKernel(m: Machine, elf: Uint8Array, name: string, args: string): void {
  m.loadElf(elf, name);
  m.writeRam(BOOTARGS_ADDR, new TextEncoder().encode(`BOOT${args}\0`));
}

export { sleep };

/** Boot the kernel and run the suites; resolves when it prints BENCH-END and exits 0. */
export async function runSuiteOn(o: SuiteRunOptions): Promise<SuiteRun> {
  checkNames(o.names);
  const wanted = o.names.length ? BENCHMARK_NAMES.filter((n) => o.names.includes(n)) : [...BENCHMARK_NAMES];
  // The VMM modes keep the top of RAM for the VMM: the kernel is told what it has (mem=).
  const guestMiB = o.vmm ? guestRamOf("full", o.machine.ramMiB) : o.machine.ramMiB;
  if (guestMiB < 16) throw new BenchInputError(`${o.mode} mode needs --ram ${machineRamFor("full", 16)} or more (the VMM keeps the top of RAM; the kernel needs 16 MiB)`);
  const args = ["bench", ...(o.quick ? ["quick"] : []), ...(o.names.length ? wanted : []),
    ...(guestMiB < 128 ? [`mem=${guestMiB}`] : [])].join(" ");
  if (args.length > BOOTARGS_MAX) throw new BenchInputError(`boot arguments too long (${args.length} > ${BOOTARGS_MAX} bytes)`);

  const results: SuiteResult[] = [];
  const lines: string[] = [];
  let partial = "";
  let begin: Record<string, string> | undefined;
  let ended = false;
  let m: Machine | undefined;
  let t0 = 0, tPrev = 0, iPrev = 0, bootInstructions = 0, bootSeconds = 0;
  let sPrev: Record<string, number> = {}, bootVmmStats: Record<string, number> = {};
  const cpuNow = o.cpuSeconds ?? (() => performance.now() / 1000);
  let cPrev = 0;
  const dec = new TextDecoder();

  const onLine = (line: string) => {
    lines.push(line);
    if (lines.length > 200) lines.splice(0, lines.length - 100);
    const now = performance.now(), icount = m!.icount;
    if (line.startsWith("BENCH-BEGIN")) {
      begin = Object.fromEntries(line.split(" ").slice(1).map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));
      bootInstructions = icount; bootSeconds = (now - t0) / 1000;
      tPrev = now; iPrev = icount; cPrev = cpuNow();
      bootVmmStats = sPrev = vmmStatsOf(m!);
      return;
    }
    if (line.startsWith("BENCH-END")) { ended = true; return; }
    const p = parseBenchLine(line);
    if (!p) return;
    const insns = icount - iPrev, seconds = (now - tPrev) / 1000;
    const stats = vmmStatsOf(m!), vmm = statsDelta(stats, sPrev), cpu = cpuNow();
    const cpuSeconds = cpu - cPrev;
    tPrev = now; iPrev = icount; sPrev = stats; cPrev = cpu;
    const r: SuiteResult = {
      benchmark: p.name, mode: o.mode, value: p.value, unit: p.unit, text: p.text,
      guest_instructions: insns, host_seconds: seconds, host_cpu_seconds: cpuSeconds, guest_mips: seconds > 0 ? insns / seconds / 1e6 : 0,
      iterations: p.iterations, guest_ticks_32k: p.ticks, extra: p.extra,
      ...eventCounts(vmm), vmm: o.vmm ? vmm : {},
    };
    results.push(r);
    o.onResult?.(r, results.length - 1);
  };
  const onConsole = (b: Uint8Array) => {
    const text = dec.decode(b, { stream: true });
    if (markers) transcript += text;
    partial += text;
    let i;
    while ((i = partial.indexOf("\n")) >= 0) { onLine(partial.slice(0, i).replace(/\r$/, "")); partial = partial.slice(i + 1); }
  };

  try {
    m = o.createMachine(onConsole);
  } catch (e) { throw new BenchInputError((e as Error).message); }
  let transcript = "";
  const markers = o.load(m, args);

  const slice = o.sliceInsns ?? 100_000;
  const max = o.maxInsns ?? Infinity;
  const fail = (why: string, how: string, status = 3): never => {
    const tail = (partial ? [...lines, partial] : lines).slice(-15);
    throw new BenchRunError(`the kernel stopped before finishing the suites (${o.mode} mode): ${why}`, tail, how, status);
  };
  t0 = performance.now(); tPrev = t0;
  let r: RunResult;
  let linuxStatus: number | undefined;
  for (;;) {
    const left = max - m.icount;
    if (left <= 0) fail(`instruction limit ${max} reached`, `still running at pc 0x${hex(m.pc)} after ${m.icount} instructions`);
    // One Machine.run call per slice: the console is drained after each, so a BENCH line is timestamped
    // within one slice of when the guest printed it.
    r = m.run({ maxInsns: Math.min(slice, left), sliceInsns: slice, yields: true });
    const running = !begin ? "booting" : ended ? "finishing" : wanted.find((n) => !results.some((x) => x.benchmark === n)) ?? "finishing";
    o.onTick?.(m.icount, (performance.now() - t0) / 1000, running);
    if (o.shouldStop?.()) fail("interrupted", `interrupted at pc 0x${hex(m.pc)} after ${m.icount} instructions`, 130);
    if (markers && transcript.includes(markers.end)) {
      // Linux: vm7bench has ended; /init prints its exit status in the end marker.
      const x = parseExecOutput(transcript, markers);
      if (x) { linuxStatus = x.status; break; }
    }
    if (r.reason === "budget") { await yieldToHost(); continue; }
    if (r.reason === "wait") { await sleep(Math.min(r.waitMs ?? 10, 50)); continue; }
    break;
  }
  if (partial) onLine(partial);
  const totalSeconds = (performance.now() - t0) / 1000;
  if (linuxStatus !== undefined) r = { reason: "exit", insns: 0, exitCode: linuxStatus, message: `vm7bench exited with status ${linuxStatus}` };
  const how = r.reason === "exit" ? `guest exited with status ${r.exitCode} after ${m.icount} instructions` : `${r.message} (after ${m.icount} instructions)`;
  if (r.reason !== "exit") fail(r.message, how);
  if (r.exitCode !== 0) fail(`it exited with status ${r.exitCode}`, how);
  if (!begin) fail("it never printed BENCH-BEGIN (is this the tiny kernel, and did it see the boot arguments at 0x80007F00?)", how);
  if (!ended) fail("it exited without printing BENCH-END", how);
  const missing = wanted.filter((n) => !results.some((x) => x.benchmark === n));
  if (missing.length) fail(`no result for ${missing.join(", ")}`, how);
  return {
    mode: o.mode, kernel: o.kernel, vmmStats: vmmStatsOf(m), bootVmmStats, results, begin: begin!, bootInstructions, bootSeconds,
    tailInstructions: m.icount - iPrev, tailSeconds: (t0 + totalSeconds * 1000 - tPrev) / 1000,
    totalInstructions: m.icount, totalSeconds,
  };
}
