// What `vm7 bench` prints and writes for the tiny kernel's suites, as pure functions of the results
// (so the formatting is unit-tested with synthetic results): the one table of every benchmark in every
// mode, the ratios to native mode, and the JSON entries.
import { eventCounts, type SuiteResult, type SuiteRun } from "./runner.js";

/** Units where a bigger value means faster (the rest are times per operation). */
const RATE_UNITS = new Set(["iter/s", "MB/s"]);

/**
 * How much longer one operation takes in this mode than natively, as the guest measured it:
 * value / native for times per operation (us, ns), native / value for rates (iter/s, MB/s), so that
 * for every benchmark 1 means "as fast as native" and 2 "twice as slow". Undefined when there is no
 * usable native figure.
 */
export function timeRatio(unit: string, value: number, native: number | undefined): number | undefined {
  if (native === undefined || !(native > 0) || !(value > 0)) return undefined;
  return RATE_UNITS.has(unit) ? native / value : value / native;
}

export interface RatedResult extends SuiteResult {
  /** timeRatio against the native result of the same benchmark (undefined without one). */
  ratio?: number;
  /** host_seconds / the native result's host_seconds. */
  host_ratio?: number;
}

/** The results in table order (benchmark order as given, then mode order) with their ratios to native. */
export function rateResults(results: SuiteResult[], benchmarks: readonly string[], modes: readonly string[]): RatedResult[] {
  const native = new Map(results.filter((r) => r.mode === "native").map((r) => [r.benchmark, r]));
  const order = (r: SuiteResult) => {
    const b = benchmarks.indexOf(r.benchmark), m = modes.indexOf(r.mode);
    return (b < 0 ? benchmarks.length : b) * 1000 + (m < 0 ? modes.length : m);
  };
  return [...results].sort((a, b) => order(a) - order(b)).map((r) => {
    const n = native.get(r.benchmark);
    return {
      ...r,
      ratio: n && n.unit === r.unit ? timeRatio(r.unit, r.value, n.value) : undefined,
      host_ratio: n && n.host_seconds > 0 && r.host_seconds > 0 ? r.host_seconds / n.host_seconds : undefined,
    };
  });
}

// --- text ---------------------------------------------------------------------------------------------
export const grouped = (n: number) => Math.round(n).toLocaleString("en-US");
export const secs = (s: number) => s < 10 ? s.toFixed(3) : s.toFixed(2);
export const mipsText = (v: number) => Number.isFinite(v) ? v.toFixed(1) : "-";
export const ratioText = (v: number | undefined) => v === undefined ? "-" : `${v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0)}x`;

/** Columns padded to their widest cell; right-aligned where asked; trailing blanks trimmed. */
export function table(rows: string[][], rightAlign: boolean[]): string {
  const w = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  return rows.map((r) => r.map((cell, c) => rightAlign[c] ? (cell ?? "").padStart(w[c]) : (cell ?? "").padEnd(w[c])).join("  ").trimEnd()).join("\n") + "\n";
}

export interface TableShape {
  /** The ratio columns (x native, host x): only when native and another mode ran. */
  ratios: boolean;
  /** The VMM event columns (traps, hypercalls, shadow fills): only when a VMM mode ran. */
  events: boolean;
}

export function tableShape(modes: readonly string[]): TableShape {
  return { ratios: modes.includes("native") && modes.length > 1, events: modes.some((m) => m !== "native") };
}

/**
 * The one table: a row per benchmark and mode (modes grouped under each benchmark) with the value the
 * guest measured, its ratio to native, the guest instructions and host wall time it took, and the VMM's
 * event counts over the same span; then (boot), (after last) and (total) rows per mode when runs are given.
 */
export function resultsTable(results: SuiteResult[], benchmarks: readonly string[], modes: readonly string[], runs: SuiteRun[] = []): string {
  const shape = tableShape(modes);
  const head = ["benchmark", "mode", "value", "unit"];
  const right = [false, false, true, false];
  if (shape.ratios) { head.push("x native"); right.push(true); }
  head.push("guest insns", "host s"); right.push(true, true);
  if (shape.ratios) { head.push("host x"); right.push(true); }
  head.push("guest MIPS"); right.push(true);
  if (shape.events) { head.push("traps", "hypercalls", "shadow fills"); right.push(true, true, true); }
  const rows = [head];
  const row = (name: string, mode: string, value: string, unit: string, ratio: string, insns: number, s: number, hostRatio: string,
    ev: { traps: number; hypercalls: number; shadow_fills: number } | undefined, vmm: boolean) => {
    const cells = [name, mode, value, unit];
    if (shape.ratios) cells.push(ratio);
    cells.push(grouped(insns), secs(s));
    if (shape.ratios) cells.push(hostRatio);
    cells.push(mipsText(s > 0 ? insns / s / 1e6 : NaN));
    if (shape.events) cells.push(...(vmm && ev ? [grouped(ev.traps), grouped(ev.hypercalls), grouped(ev.shadow_fills)] : ["-", "-", "-"]));
    rows.push(cells);
  };
  for (const r of rateResults(results, benchmarks, modes)) {
    row(r.benchmark, r.mode, r.text, r.unit, ratioText(r.ratio), r.guest_instructions, r.host_seconds, ratioText(r.host_ratio), r, r.mode !== "native");
  }
  for (const run of runs) {
    const vmm = run.mode !== "native";
    const boot = eventCounts(run.bootVmmStats), total = eventCounts(run.vmmStats);
    const last = run.results.length ? run.results.reduce((a, r) => ({ traps: a.traps + r.traps, hypercalls: a.hypercalls + r.hypercalls, shadow_fills: a.shadow_fills + r.shadow_fills }), boot) : boot;
    row("(boot)", run.mode, "", "", "", run.bootInstructions, run.bootSeconds, "", boot, vmm);
    row("(after last)", run.mode, "", "", "", run.tailInstructions, run.tailSeconds, "", { traps: total.traps - last.traps, hypercalls: total.hypercalls - last.hypercalls, shadow_fills: total.shadow_fills - last.shadow_fills }, vmm);
    row("(total)", run.mode, "", "", "", run.totalInstructions, run.totalSeconds, "", total, vmm);
  }
  return table(rows, right);
}

// --- JSON -----------------------------------------------------------------------------------------------
export const round = (v: number, d: number) => Math.round(v * 10 ** d) / 10 ** d;

export interface JsonEntry {
  benchmark: string; mode: string; value: number; unit: string;
  /** Guest time per operation relative to native (timeRatio); null without a native result. */
  ratio_to_native: number | null;
  guest_instructions: number; host_seconds: number; host_cpu_seconds: number;
  /** host_seconds relative to native's for the same benchmark; null without one. */
  host_ratio_to_native: number | null;
  guest_mips: number; iterations: number; guest_ticks_32k: number;
  traps: number; hypercalls: number; shadow_fills: number;
  /** Every VMM counter's change over the benchmark (VMM modes only). */
  vmm_counts?: Record<string, number>;
  details: Record<string, string>;
}

/** The `results` array of the --json document: one entry per benchmark and mode. */
export function jsonEntries(results: SuiteResult[], benchmarks: readonly string[], modes: readonly string[]): JsonEntry[] {
  return rateResults(results, benchmarks, modes).map((r) => ({
    benchmark: r.benchmark, mode: r.mode, value: r.value, unit: r.unit,
    ratio_to_native: r.ratio === undefined ? null : round(r.ratio, 4),
    guest_instructions: r.guest_instructions, host_seconds: round(r.host_seconds, 6), host_cpu_seconds: round(r.host_cpu_seconds, 6),
    host_ratio_to_native: r.host_ratio === undefined ? null : round(r.host_ratio, 4),
    guest_mips: round(r.guest_mips, 3), iterations: r.iterations, guest_ticks_32k: r.guest_ticks_32k,
    traps: r.traps, hypercalls: r.hypercalls, shadow_fills: r.shadow_fills,
    ...(r.mode !== "native" ? { vmm_counts: r.vmm } : {}),
    details: r.extra,
  }));
}

/** FILE.json -> FILE.svg; any other name gets .svg appended. */
export function chartPathFor(jsonPath: string): string {
  return /\.json$/i.test(jsonPath) ? jsonPath.replace(/\.json$/i, ".svg") : `${jsonPath}.svg`;
}

// --- the VMM's goals (issue 5) -----------------------------------------------------------------------------
export interface Goal { goal: string; status: "met" | "missed" | "n/a"; detail: string }

/** Benchmarks where para must beat full (guest time per operation): system calls, context switches, page faults. */
export const PARA_BEATS_FULL = ["lat_syscall_null", "lat_syscall_write", "lat_ctx_2p_0k", "lat_ctx_2p_16k", "lat_ctx_8p_16k", "lat_pagefault"];

/**
 * The numbers behind the VMM's goals, from a run's results: (1) full mode's host cost on dhrystone-style
 * user compute within 5% of native, as host time per guest instruction (the inverse of guest MIPS:
 * independent of how many iterations each mode's calibration chose), from `overhead` (best of
 * alternating repeated runs) when given, else from the table's single runs; (2) para faster than full, as the
 * guest measures it, on every system-call, context-switch and page-fault benchmark; (3) shadow page
 * tables reused across context switches (full mode's shadow_reuses counter).
 */
export interface OverheadSample {
  /** Best (lowest) host wall seconds per guest instruction of the dhrystone benchmark, per mode. */
  native: number; full: number;
  /** The same in host CPU seconds (this process): what decides the goal, being robust to other load. */
  nativeCpu?: number; fullCpu?: number;
  /** Runs per mode the best was taken from (the modes alternating). */
  repeats: number;
}

export function vmmGoals(results: SuiteResult[], runs: SuiteRun[], overhead?: OverheadSample): Goal[] {
  const get = (b: string, m: string) => results.find((r) => r.benchmark === b && r.mode === m);
  const goals: Goal[] = [];
  const dn = get("dhrystone", "native"), df = get("dhrystone", "full");
  if (overhead && overhead.native > 0 && overhead.full > 0) {
    const pct = (full: number, native: number) => { const o = full / native - 1; return `${(Math.abs(o) * 100).toFixed(1)}% ${o >= 0 ? "above" : "below"} native`; };
    const cpu = overhead.nativeCpu !== undefined && overhead.fullCpu !== undefined && overhead.nativeCpu > 0 && overhead.fullCpu > 0;
    const over = cpu ? overhead.fullCpu! / overhead.nativeCpu! - 1 : overhead.full / overhead.native - 1;
    goals.push({
      goal: "full-mode host overhead on dhrystone <= 5%", status: over <= 0.05 ? "met" : "missed",
      detail: (cpu ? `host CPU time per guest instruction ${pct(overhead.fullCpu!, overhead.nativeCpu!)} (${(overhead.fullCpu! * 1e9).toFixed(2)} vs ${(overhead.nativeCpu! * 1e9).toFixed(2)} ns); wall time ` : "host time per guest instruction ") +
        `${pct(overhead.full, overhead.native)} (${(overhead.full * 1e9).toFixed(2)} vs ${(overhead.native * 1e9).toFixed(2)} ns); best of ${overhead.repeats} alternating runs per mode`,
    });
  } else if (dn && df && dn.guest_mips > 0 && df.guest_mips > 0) {
    const over = dn.guest_mips / df.guest_mips - 1;
    goals.push({
      goal: "full-mode host overhead on dhrystone <= 5%", status: over <= 0.05 ? "met" : "missed",
      detail: `host time per guest instruction ${(Math.abs(over) * 100).toFixed(1)}% ${over >= 0 ? "above" : "below"} native (one run each: ${mipsText(df.guest_mips)} vs ${mipsText(dn.guest_mips)} guest MIPS; host s ${secs(df.host_seconds)} vs ${secs(dn.host_seconds)})`,
    });
  } else goals.push({ goal: "full-mode host overhead on dhrystone <= 5%", status: "n/a", detail: "needs dhrystone in native and full mode" });
  const pairs = PARA_BEATS_FULL.map((b) => ({ b, f: get(b, "full"), p: get(b, "para") })).filter((x) => x.f && x.p);
  if (pairs.length) {
    const slower = pairs.filter((x) => !(x.p!.value < x.f!.value));
    goals.push({
      goal: "para faster than full on syscall, context-switch and page-fault benchmarks",
      status: slower.length || pairs.length < PARA_BEATS_FULL.length ? (slower.length ? "missed" : "n/a") : "met",
      detail: pairs.map((x) => `${x.b} ${x.p!.text} vs ${x.f!.text} ${x.f!.unit}${x.p!.value < x.f!.value ? "" : " (not faster)"}`).join("; ") +
        (pairs.length < PARA_BEATS_FULL.length ? `; not run: ${PARA_BEATS_FULL.filter((b) => !pairs.some((x) => x.b === b)).join(", ")}` : ""),
    });
  } else goals.push({ goal: "para faster than full on syscall, context-switch and page-fault benchmarks", status: "n/a", detail: "needs them in full and para mode" });
  const full = runs.find((r) => r.mode === "full");
  if (full && !full.results.some((r) => r.benchmark.startsWith("lat_ctx_"))) {
    goals.push({ goal: "shadow page tables reused across context switches", status: "n/a", detail: "needs lat_ctx_* in full mode" });
  } else if (full) {
    const reuses = full.vmmStats.shadow_reuses;
    goals.push({
      goal: "shadow page tables reused across context switches", status: reuses === undefined ? "n/a" : reuses > 0 ? "met" : "missed",
      detail: reuses === undefined ? "the VMM reports no shadow_reuses counter" :
        `full mode: ${grouped(reuses)} shadow reuses, ${grouped(full.vmmStats.shadow_fills ?? 0)} fills, ${grouped(full.vmmStats.shadow_flushes ?? 0)} flushes over the run`,
    });
  } else goals.push({ goal: "shadow page tables reused across context switches", status: "n/a", detail: "needs a full-mode run" });
  return goals;
}

export function goalsText(goals: Goal[]): string {
  return goals.map((g) => `  [${g.status === "met" ? "met" : g.status === "missed" ? "MISSED" : "n/a"}] ${g.goal}: ${g.detail}\n`).join("");
}
