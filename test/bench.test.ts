// `vm7 bench` end to end: the tiny kernel's quick suites through the bench runner (table on stdout,
// per-benchmark progress on stderr, --json results), its input errors, and the emulator-speed mode.
import { describe, it, expect, beforeAll } from "vitest";
import { vm7 as cli } from "./helpers/run.js";
import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseBenchLine, BENCHMARK_NAMES, MODES, runSuite, modeAvailability, type ModeSpec } from "../src/bench/suite.js";

const root = join(import.meta.dirname, "..");
const UNITS: Record<string, string> = {
  dhrystone: "iter/s", lat_syscall_null: "us", lat_syscall_write: "us", lat_ctx_2p_0k: "us", lat_ctx_2p_16k: "us",
  lat_ctx_8p_16k: "us", lat_pipe: "us", lat_proc_fork: "us", lat_proc_exec: "us", lat_pagefault: "us", lat_mmap: "us",
  bw_mem_rd: "MB/s", bw_mem_wr: "MB/s", bw_mem_cp: "MB/s", lat_mem_rd: "ns",
};
const NAMES = Object.keys(UNITS);
let dir = "";

async function vm7(args: string[]) {
  const r = await cli(args, { timeoutMs: 50_000 });
  return { out: r.stdout ?? "", err: r.stderr ?? "", status: r.status };
}
const noTrace = (err: string) => { expect(err).not.toMatch(/\n\s+at |Error:|wasm/); };
// The VMM modes are feature-detected: a build without the VMM runs native only.
const fullWhy = modeAvailability("full"), paraWhy = modeAvailability("para");
const vmm = fullWhy === undefined && paraWhy === undefined;

beforeAll(() => { dir = mkdtempSync(join(tmpdir(), "vm7-bench-")); });

describe("BENCH line parser", () => {
  it("reads name, value, unit, iterations, ticks and the extra fields", () => {
    expect(parseBenchLine("BENCH lat_ctx_2p_0k 1.072 us iterations=1024 ticks=36 procs=2 ws_kb=0 overhead_us=0.819")).toEqual({
      name: "lat_ctx_2p_0k", value: 1.072, text: "1.072", unit: "us", iterations: 1024, ticks: 36,
      extra: { procs: "2", ws_kb: "0", overhead_us: "0.819" },
    });
    expect(parseBenchLine("BENCH-BEGIN mode=quick clock=32768Hz min_ticks=33")).toBeNull();
    expect(parseBenchLine("PASS fork")).toBeNull();
  });
  it("knows the 15 benchmarks of the issue", () => { expect([...BENCHMARK_NAMES].sort()).toEqual([...NAMES].sort()); });
});

describe("vm7 bench (tiny kernel suites)", () => {
  it("--quick --json: every benchmark in native mode, a table on stdout, a progress line per benchmark, a chart", async () => {
    const json = join(dir, "out.json");
    const r = await vm7(["bench", "--quick", "--modes", "native", "--json", json]);
    expect(r.status, r.err).toBe(0);
    noTrace(r.err);
    const doc = JSON.parse(readFileSync(json, "utf8"));
    expect(doc.vm7_version).toMatch(/^\d+\.\d+\.\d+/);
    expect(doc.kernel).toMatch(/kernel\.elf$/);
    expect(doc.clock).toBe("virtual");
    expect(doc.suite).toBe("quick");
    expect(Number.isNaN(Date.parse(doc.date))).toBe(false);
    expect(doc.results).toHaveLength(NAMES.length);
    for (const name of NAMES) {
      const e = doc.results.find((x: { benchmark: string }) => x.benchmark === name);
      expect(e, `missing ${name}`).toBeDefined();
      expect(e.mode).toBe("native");
      expect(typeof e.value).toBe("number");
      expect(e.value, name).toBeGreaterThan(0);
      expect(e.unit, name).toBe(UNITS[name]);
      expect(e.host_seconds, name).toBeGreaterThan(0);
      expect(e.host_cpu_seconds, name).toBeGreaterThanOrEqual(0);
      expect(e.guest_instructions, name).toBeGreaterThan(0);
      expect(e.guest_mips, name).toBeGreaterThan(0);
      expect(e.ratio_to_native, name).toBe(1);
      expect([e.traps, e.hypercalls, e.shadow_fills], name).toEqual([0, 0, 0]);
    }
    expect(doc.runs.map((x: { mode: string; kernel: string }) => [x.mode, x.kernel])).toEqual([["native", "fixtures/kernel/kernel.elf"]]);
    // The chart next to the JSON: one bar per benchmark, all at 1x native.
    const svg = readFileSync(join(dir, "out.svg"), "utf8");
    expect(svg).toMatch(/^<\?xml[^]*<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[^]*<\/svg>\n$/);
    const bars = [...svg.matchAll(/<rect class="bar" data-benchmark="(\w+)" data-mode="native" data-ratio="1"/g)].map((m) => m[1]);
    expect(bars).toEqual(NAMES);
    // The table: a header and one row per benchmark with its mode, value and unit.
    expect(r.out).toMatch(/^benchmark\s+mode\s+value\s+unit\s+guest insns\s+host s\s+guest MIPS$/m);
    for (const name of NAMES) expect(r.out).toMatch(new RegExp(`^${name}\\s+native\\s+\\d+\\.\\d+\\s+${UNITS[name].replace("/", "\\/")}\\s+[\\d,]+\\s+\\d+\\.\\d+\\s+\\d+\\.\\d+$`, "m"));
    // Progress (stderr is not a terminal here): one line per finished benchmark, no status-line noise.
    expect(r.err.match(/^vm7 bench: \[\s*\d+\/15\] native /gm)).toHaveLength(15);
    expect(r.err).not.toContain("\r");
  }, 60_000);

  it("runs only the benchmarks named", async () => {
    const json = join(dir, "some.json");
    const r = await vm7(["bench", "--quick", "--modes", "native", "--json", json, "lat_pipe", "dhrystone"]);
    expect(r.status, r.err).toBe(0);
    const doc = JSON.parse(readFileSync(json, "utf8"));
    expect(doc.results.map((x: { benchmark: string }) => x.benchmark)).toEqual(["dhrystone", "lat_pipe"]);
  }, 30_000);

  it("refuses unknown benchmark names with status 2 and one line listing the valid ones", async () => {
    const r = await vm7(["bench", "--quick", "lat_pipe", "lat_nope"]);
    expect(r.status).toBe(2);
    expect(r.out).toBe("");
    expect(r.err.trim().split("\n")).toHaveLength(1);
    expect(r.err).toContain("'lat_nope'");
    for (const name of NAMES) expect(r.err).toContain(name);
  });

  it("refuses unknown modes with status 2 and one line listing the valid ones", async () => {
    const r = await vm7(["bench", "--quick", "--modes", "native,turbo"]);
    expect(r.status).toBe(2);
    expect(r.out).toBe("");
    expect(r.err.trim().split("\n")).toHaveLength(1);
    expect(r.err).toMatch(/unknown mode 'turbo' \(valid: native, full, para, or all\)/);
  });

  it.skipIf(vmm)(`without the VMM: --modes full fails in one line; the default runs native with a note (${fullWhy ?? "VMM present"})`, async () => {
    const r = await vm7(["bench", "--quick", "--modes", "native,full"]);
    expect(r.status).toBe(2);
    expect(r.out).toBe("");
    expect(r.err.trim().split("\n")).toHaveLength(1);
    expect(r.err).toMatch(/^vm7 bench: mode full is not available in this build \(.+\)$/m);
    noTrace(r.err);
    const d = await vm7(["bench", "--quick", "lat_syscall_null"]);
    expect(d.status, d.err).toBe(0);
    expect(d.err).toMatch(/^vm7 bench: full and para modes are not available in this build \(.+\); running native only$/m);
    expect(d.out).toMatch(/^lat_syscall_null\s+native\s/m);
  });

  it.skipIf(!vmm)(`with the VMM: --modes native,full,para gives one table, ratios, counts and a chart (${fullWhy ?? paraWhy ?? "VMM present"})`, async () => {
    const json = join(dir, "three.json");
    const r = await vm7(["bench", "--quick", "--modes", "native,full,para", "--json", json]);
    expect(r.status, r.err).toBe(0);
    noTrace(r.err);
    expect(r.out).toMatch(/^benchmark\s+mode\s+value\s+unit\s+x native\s+guest insns\s+host s\s+host x\s+guest MIPS\s+traps\s+hypercalls\s+shadow fills$/m);
    const doc = JSON.parse(readFileSync(json, "utf8"));
    expect(doc.results).toHaveLength(3 * NAMES.length);
    for (const name of NAMES) {
      const e = (m: string) => doc.results.find((x: { benchmark: string; mode: string }) => x.benchmark === name && x.mode === m);
      expect(e("native").ratio_to_native).toBe(1);
      for (const m of ["full", "para"]) {
        expect(e(m).value, `${name} ${m}`).toBeGreaterThan(0);
        expect(e(m).ratio_to_native, `${name} ${m}`).toBeGreaterThan(0);
        for (const k of ["traps", "hypercalls", "shadow_fills"]) expect(Number.isInteger(e(m)[k]), `${name} ${m} ${k}`).toBe(true);
      }
      for (const m of ["native", "full", "para"]) expect(r.out).toMatch(new RegExp(`^${name}\\s+${m}\\s`, "m"));
    }
    // The VMM's costs show in what the guest measures: a null system call is dearer under full
    // virtualization (several traps per call) than under para (one hypercall in, one out).
    const sys = (m: string) => doc.results.find((x: { benchmark: string; mode: string }) => x.benchmark === "lat_syscall_null" && x.mode === m).value;
    expect(sys("full")).toBeGreaterThan(sys("para"));
    expect(sys("para")).toBeGreaterThan(sys("native"));
    // Full mode traps; para mode makes hypercalls and boots the paravirtual kernel.
    expect(doc.results.filter((x: { mode: string }) => x.mode === "full").reduce((a: number, x: { traps: number }) => a + x.traps, 0)).toBeGreaterThan(0);
    expect(doc.results.filter((x: { mode: string }) => x.mode === "para").reduce((a: number, x: { hypercalls: number }) => a + x.hypercalls, 0)).toBeGreaterThan(0);
    expect(doc.runs.find((x: { mode: string }) => x.mode === "para").kernel).toMatch(/kernel-para\.elf$/);
    expect(r.out).toMatch(/^VMM goals/m);
    expect(doc.vmm_goals.map((g: { goal: string }) => g.goal)).toHaveLength(3);
    expect(doc.dhrystone_overhead.full_host_s_per_insn).toBeGreaterThan(0);
    expect(doc.dhrystone_overhead.native_host_s_per_insn).toBeGreaterThan(0);
    const svg = readFileSync(join(dir, "three.svg"), "utf8");
    expect(svg.match(/<rect class="bar"/g)).toHaveLength(3 * NAMES.length);
  }, 180_000);

  it("fails clearly, before running anything, when the --json directory does not exist", async () => {
    const json = join(dir, "no-such-dir", "out.json");
    const r = await vm7(["bench", "--quick", "--json", json]);
    expect(r.status).toBe(2);
    expect(r.out).toBe("");
    expect(r.err.trim().split("\n")).toHaveLength(1);
    expect(r.err).toContain(`directory ${join(dir, "no-such-dir")} does not exist`);
    expect(existsSync(json)).toBe(false);
  });

  it("says how to get the kernel image when it is missing", async () => {
    const r = await vm7(["bench", "--quick", "--kernel", join(dir, "missing.elf")]);
    expect(r.status).toBe(2);
    expect(r.err.trim().split("\n")).toHaveLength(1);
    expect(r.err).toMatch(/not found.*npm run fixtures/);
  });

  it("a kernel that stops before finishing: status 3, its last console lines and how it stopped", async () => {
    const r = await vm7(["bench", "--quick", "--modes", "native", "--max-insns", "8000000"]);
    expect(r.status).toBe(3);
    noTrace(r.err);
    expect(r.err).toContain("stopped before finishing the suites");
    expect(r.err).toMatch(/last console lines:\n(.*\n)*  \| BENCH-BEGIN mode=quick/);
    expect(r.err).toMatch(/still running at pc 0x[0-9a-f]{8} after 8000000 instructions/);
    expect(r.out).toMatch(/partial results[^]*^dhrystone\s+native/m);
  });

  it("--mips measures guest MIPS of the A32 and Thumb-2 workloads under both engines, with the JIT's speed-up; all runs compute the same checksum", async () => {
    const r = await cli(["bench", "--mips", "--repeat", "1", "a32mix", "t32mix"], { timeoutMs: 170_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^workload\s+guest insns\s+interp s\s+interp MIPS\s+jit s\s+jit MIPS\s+jit speed-up\s+output$/m);
    const row = (n: string) => new RegExp(`^${n}\\s+[\\d,]+\\s+\\d+\\.\\d+\\s+(\\d+\\.\\d+)\\s+\\d+\\.\\d+\\s+(\\d+\\.\\d+)\\s+(\\d+\\.\\d+)x\\s+${n}: checksum ([0-9a-f]{8})$`, "m").exec(r.stdout);
    const a = row("a32mix"), t = row("t32mix");
    expect(a, r.stdout).not.toBeNull();
    expect(t, r.stdout).not.toBeNull();
    expect(t![4]).toBe(a![4]);
    // the speed-up column is jit MIPS / interp MIPS, as printed (rounding aside)
    for (const x of [a!, t!]) expect(Math.abs(Number(x[3]) - Number(x[2]) / Number(x[1]))).toBeLessThan(0.02 + 0.06 * Number(x[3]));
    expect(r.stdout).toContain("(300 rounds)");
    // --rounds: the image's own 60 rounds are a fifth of the default run (the loop is all of it)
    const one = await cli(["bench", "--mips", "--repeat", "1", "--engine", "interp", "--rounds", "60", "a32mix"], { timeoutMs: 60_000 });
    expect(one.status, one.stderr).toBe(0);
    expect(one.stdout).toMatch(/^workload\s+guest insns\s+interp s\s+interp MIPS\s+output$/m);
    expect(one.stdout).not.toContain("jit");
    expect(one.stdout).toContain("(60 rounds)");
    const insns = (out: string) => Number(/^a32mix\s+([\d,]+)/m.exec(out)![1].replace(/,/g, ""));
    expect(insns(one.stdout) * 5 / insns(r.stdout)).toBeCloseTo(1, 2);
    const bad = await cli(["bench", "--mips", "--rounds", "0"], { timeoutMs: 30_000 });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--rounds/);
  }, 240_000);

  // The virtual clock counts instructions and the JIT retires the same ones: every guest-measured
  // figure (and the instruction counts behind them) must be identical under both engines.
  it.skipIf(!vmm)("--engine jit and --engine interp print the same guest figures (--quick, native, full and para)", async () => {
    const docs = [];
    for (const engine of ["interp", "jit"]) {
      const json = join(dir, `engine-${engine}.json`);
      const r = await cli(["bench", "--quick", "--modes", "native,full,para", "--no-warmup", "--repeat", "1", "--engine", engine, "--json", json], { timeoutMs: 280_000 });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain(`(engine ${engine})`);
      docs.push(JSON.parse(readFileSync(json, "utf8")));
    }
    const guest = (d: { results: Array<Record<string, unknown>> }) => d.results.map((x) => [x.benchmark, x.mode, x.value, x.unit, x.guest_instructions, x.iterations, x.guest_ticks_32k, x.traps, x.hypercalls, x.shadow_fills, x.vmm_counts]);
    expect(docs[0].results).toHaveLength(3 * NAMES.length);
    expect(guest(docs[1])).toEqual(guest(docs[0]));
    const runs = (d: { runs: Array<Record<string, unknown>> }) => d.runs.map((x) => [x.mode, x.boot_instructions, x.total_instructions, x.vmm_stats]);
    expect(runs(docs[1])).toEqual(runs(docs[0]));
  }, 600_000);

  it("--help explains units, clock, modes and --mips", async () => {
    const r = await vm7(["bench", "--help"]);
    expect(r.status).toBe(0);
    for (const s of ["--quick", "--json", "--modes", "--mips", "32 kHz counter", "MB/s", "host wall", "lat_mem_rd"]) expect(r.out).toContain(s);
  });
});

// The per-benchmark VMM counts, through a stand-in VMM mode: the native machine with counters that follow
// its instruction count. This tests the runner's bookkeeping (the spans, the sums), not the VMM.
describe("VMM event counts per benchmark (stand-in counters)", () => {
  it("charges each benchmark the counter changes over its span; boot + results + tail = the run's total", async () => {
    const fake: ModeSpec = {
      ...MODES.native, name: "fakevmm", vmm: true, description: "test stand-in", unavailable: () => undefined,
      createMachine: (s, onConsole) => {
        const m = MODES.native.createMachine(s, onConsole);
        Object.assign(m, { vmmStats: () => ({ traps_total: Math.floor(m.icount / 1000), hc_a: Math.floor(m.icount / 7000), hc_b: 1, shadow_fills: Math.floor(m.icount / 50_000), world_switches: 0 }) });
        return m;
      },
    };
    MODES.fakevmm = fake;
    try {
      const run = await runSuite({ kernel: MODES.native.kernel, mode: "fakevmm", quick: true, names: ["lat_pipe", "dhrystone"], machine: { clock: "virtual", cpuHz: 1e9, ramMiB: 512 } });
      expect(run.results.map((r) => r.benchmark)).toEqual(["dhrystone", "lat_pipe"]);
      for (const r of run.results) {
        expect(Math.abs(r.traps - r.guest_instructions / 1000), r.benchmark).toBeLessThanOrEqual(1);
        // No hypercalls_total key: the hc_* keys are summed (hc_b never changes).
        expect(Math.abs(r.hypercalls - r.guest_instructions / 7000), r.benchmark).toBeLessThanOrEqual(1);
        expect(r.vmm.hc_b).toBe(0);
        expect(r.vmm.traps_total).toBe(r.traps);
        expect(r.shadow_fills).toBe(r.vmm.shadow_fills);
        expect(r.traps).toBeGreaterThan(0);
      }
      expect(run.bootVmmStats.traps_total).toBe(Math.floor(run.bootInstructions / 1000));
      expect(run.vmmStats.traps_total).toBe(Math.floor(run.totalInstructions / 1000));
      const inResults = run.results.reduce((a, r) => a + r.traps, 0);
      expect(run.bootVmmStats.traps_total + inResults).toBeLessThanOrEqual(run.vmmStats.traps_total);
      expect(run.bootVmmStats.traps_total + inResults).toBe(Math.floor((run.totalInstructions - run.tailInstructions) / 1000));
    } finally { delete MODES.fakevmm; }
  }, 30_000);
});
