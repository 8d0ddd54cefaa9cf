// The three-mode bench report (src/bench/report.ts, chart.ts) on synthetic results: the table's rows and
// columns, the ratios to native, the --json entries and the SVG chart. These test our formatting code
// only; the VMM's own numbers come from real runs (test/bench.test.ts).
import { describe, it, expect } from "vitest";
import { spawnSync } from "node:child_process";
import { timeRatio, rateResults, resultsTable, jsonEntries, chartPathFor, tableShape, vmmGoals, goalsText, PARA_BEATS_FULL } from "../src/bench/report.js";
import { ratioChart, axisFor, axisFraction, esc, el } from "../src/bench/chart.js";
import { eventCounts, statsDelta, BENCHMARK_NAMES, type SuiteResult, type SuiteRun } from "../src/bench/suite.js";

const MODES = ["native", "full", "para"];

function result(benchmark: string, mode: string, value: number, unit: string, o: Partial<SuiteResult> = {}): SuiteResult {
  return {
    benchmark, mode, value, unit, text: value.toFixed(3), guest_instructions: 1_000_000, host_seconds: 0.01, host_cpu_seconds: 0.009, guest_mips: 100,
    iterations: 64, guest_ticks_32k: 40, extra: {}, traps: 0, hypercalls: 0, shadow_fills: 0, vmm: {}, ...o,
  };
}

// dhrystone is a rate (iter/s: slower = smaller), lat_pipe a time (us: slower = bigger), bw_mem_rd a rate.
const synthetic: SuiteResult[] = [
  // Deliberately out of order: the table sorts by benchmark, then mode.
  result("lat_pipe", "para", 3, "us", { host_seconds: 0.02, traps: 10, hypercalls: 4000, shadow_fills: 2, vmm: { traps_total: 10, hypercalls_total: 4000, shadow_fills: 2, hc_irq_mask: 3000 } }),
  result("dhrystone", "native", 2_000_000, "iter/s", { host_seconds: 0.1 }),
  result("dhrystone", "full", 1_600_000, "iter/s", { host_seconds: 0.104, guest_instructions: 2_000_000, traps: 120, hypercalls: 0, shadow_fills: 7, vmm: { traps_total: 120, shadow_fills: 7 } }),
  result("dhrystone", "para", 1_900_000, "iter/s", { host_seconds: 0.101, traps: 0, hypercalls: 30, shadow_fills: 1, vmm: { hypercalls_total: 30, shadow_fills: 1 } }),
  result("lat_pipe", "native", 2, "us", { host_seconds: 0.01 }),
  result("lat_pipe", "full", 16, "us", { host_seconds: 0.08, traps: 123_456, hypercalls: 0, shadow_fills: 300, vmm: { traps_total: 123456, shadow_fills: 300 } }),
  result("bw_mem_rd", "native", 1600, "MB/s"),
  result("bw_mem_rd", "full", 1600, "MB/s", { host_seconds: 0.011 }),
  result("bw_mem_rd", "para", 800, "MB/s", { host_seconds: 0.02 }),
];

function run(mode: string, results: SuiteResult[], stats: Record<string, number> = {}, boot: Record<string, number> = {}): SuiteRun {
  return {
    mode, kernel: `/k/${mode}.elf`, vmmStats: stats, bootVmmStats: boot, results, begin: {},
    bootInstructions: 900_000, bootSeconds: 0.05, tailInstructions: 1000, tailSeconds: 0.001, totalInstructions: 5_000_000, totalSeconds: 0.5,
  };
}

describe("ratios to native", () => {
  it("is guest time per operation relative to native: value ratio for times, inverse for rates", () => {
    expect(timeRatio("us", 16, 2)).toBe(8);
    expect(timeRatio("ns", 1, 2)).toBe(0.5);
    expect(timeRatio("iter/s", 1_600_000, 2_000_000)).toBeCloseTo(1.25, 12);
    expect(timeRatio("MB/s", 800, 1600)).toBe(2);
    expect(timeRatio("us", 3, undefined)).toBeUndefined();
    expect(timeRatio("us", 3, 0)).toBeUndefined();
    expect(timeRatio("us", 0, 3)).toBeUndefined();
  });
  it("pairs each result with the native one of the same benchmark, in benchmark then mode order", () => {
    const r = rateResults(synthetic, BENCHMARK_NAMES, MODES);
    expect(r.map((x) => `${x.benchmark}/${x.mode}`)).toEqual([
      "dhrystone/native", "dhrystone/full", "dhrystone/para", "lat_pipe/native", "lat_pipe/full", "lat_pipe/para",
      "bw_mem_rd/native", "bw_mem_rd/full", "bw_mem_rd/para",
    ]);
    const get = (b: string, m: string) => r.find((x) => x.benchmark === b && x.mode === m)!;
    expect(get("dhrystone", "native").ratio).toBe(1);
    expect(get("dhrystone", "full").ratio).toBeCloseTo(1.25, 12);
    expect(get("dhrystone", "full").host_ratio).toBeCloseTo(1.04, 12);
    expect(get("lat_pipe", "full").ratio).toBe(8);
    expect(get("lat_pipe", "para").ratio).toBe(1.5);
    expect(get("bw_mem_rd", "para").ratio).toBe(2);
    // Without a native run there is nothing to compare with.
    expect(rateResults(synthetic.filter((x) => x.mode !== "native"), BENCHMARK_NAMES, ["full", "para"]).every((x) => x.ratio === undefined)).toBe(true);
  });
});

describe("VMM counters", () => {
  it("takes the totals, or sums the per-class keys when a total is missing", () => {
    expect(eventCounts({ traps_total: 9, traps_cp15: 5, hypercalls_total: 4, hc_irq: 3, shadow_fills: 2 })).toEqual({ traps: 9, hypercalls: 4, shadow_fills: 2 });
    expect(eventCounts({ traps_cp15: 5, traps_msr: 2, hc_irq: 3, hc_tlb: 1 })).toEqual({ traps: 7, hypercalls: 4, shadow_fills: 0 });
    expect(eventCounts({})).toEqual({ traps: 0, hypercalls: 0, shadow_fills: 0 });
    // The VMM branch's spelling (docs/vmm.md): traps / trap_<class> / exc_<kind>, hypercalls / hc_errors / hc_<name>.
    expect(eventCounts({ traps: 30, trap_mcr: 20, exc_svc: 10, hypercalls: 5, hc_errors: 1, hc_idle: 5, shadow_fills: 3 })).toEqual({ traps: 30, hypercalls: 5, shadow_fills: 3 });
    expect(eventCounts({ trap_mcr: 20, exc_svc: 10, hc_errors: 1, hc_idle: 4, hc_tlb: 1 })).toEqual({ traps: 30, hypercalls: 5, shadow_fills: 0 });
  });
  it("subtracts key by key; new keys count from zero", () => {
    expect(statsDelta({ a: 10, b: 3, c: 1 }, { a: 4, b: 3 })).toEqual({ a: 6, b: 0, c: 1 });
  });
});

describe("the three-mode table", () => {
  const runs = [
    run("native", synthetic.filter((x) => x.mode === "native")),
    run("full", synthetic.filter((x) => x.mode === "full"), { traps_total: 200_000, hypercalls_total: 0, shadow_fills: 400 }, { traps_total: 50_000, shadow_fills: 50 }),
    run("para", synthetic.filter((x) => x.mode === "para"), { traps_total: 10, hypercalls_total: 9000, shadow_fills: 5 }, { hypercalls_total: 1000 }),
  ];
  const out = resultsTable(synthetic, BENCHMARK_NAMES, MODES, runs);
  const lines = out.trimEnd().split("\n");

  it("has a header with the ratio and event columns, and one row per benchmark and mode", () => {
    expect(lines[0]).toMatch(/^benchmark\s+mode\s+value\s+unit\s+x native\s+guest insns\s+host s\s+host x\s+guest MIPS\s+traps\s+hypercalls\s+shadow fills$/);
    expect(lines).toHaveLength(1 + synthetic.length + 3 * runs.length);
    expect(lines.slice(1, 10).map((l) => l.split(/\s+/).slice(0, 2).join(" "))).toEqual([
      "dhrystone native", "dhrystone full", "dhrystone para", "lat_pipe native", "lat_pipe full", "lat_pipe para",
      "bw_mem_rd native", "bw_mem_rd full", "bw_mem_rd para",
    ]);
  });
  it("prints the value, ratio, host time, host ratio, MIPS and counts in their columns", () => {
    const row = (b: string, m: string) => lines.find((l) => new RegExp(`^${b}\\s+${m}\\s`).test(l))!.trim().split(/\s{2,}/);
    expect(row("lat_pipe", "full")).toEqual(["lat_pipe", "full", "16.000", "us", "8.00x", "1,000,000", "0.080", "8.00x", "12.5", "123,456", "0", "300"]);
    expect(row("dhrystone", "full")).toEqual(["dhrystone", "full", "1600000.000", "iter/s", "1.25x", "2,000,000", "0.104", "1.04x", "19.2", "120", "0", "7"]);
    expect(row("dhrystone", "native")).toEqual(["dhrystone", "native", "2000000.000", "iter/s", "1.00x", "1,000,000", "0.100", "1.00x", "10.0", "-", "-", "-"]);
    expect(row("bw_mem_rd", "para")).toEqual(["bw_mem_rd", "para", "800.000", "MB/s", "2.00x", "1,000,000", "0.020", "2.00x", "50.0", "0", "0", "0"]);
  });
  it("charges the boot, the tail and the total of each VMM run with its counters", () => {
    const row = (b: string, m: string) => lines.find((l) => l.startsWith(b) && l.includes(` ${m} `))!.trim().split(/\s{2,}/);
    // full: boot 50,000 traps / 50 fills; results 120 + 123,456 traps, 7 + 300 fills; total 200,000 / 400.
    expect(row("(boot)", "full").slice(-3)).toEqual(["50,000", "0", "50"]);
    expect(row("(after last)", "full").slice(-3)).toEqual([String(200_000 - 50_000 - 120 - 123_456).replace(/\B(?=(\d{3})+$)/g, ","), "0", "43"]);
    expect(row("(total)", "full").slice(-3)).toEqual(["200,000", "0", "400"]);
    expect(row("(total)", "para").slice(-3)).toEqual(["10", "9,000", "5"]);
    expect(row("(total)", "native").slice(-3)).toEqual(["-", "-", "-"]);
  });
  it("aligns every column (numbers to the right)", () => {
    const widths = new Set(lines.map((l) => l.length));
    // Every row is as long as the header except where trailing cells are empty (none here: counts are last).
    expect(widths.size).toBe(1);
  });
  it("leaves out the ratio and event columns when only native ran", () => {
    expect(tableShape(["native"])).toEqual({ ratios: false, events: false });
    expect(tableShape(["native", "full"])).toEqual({ ratios: true, events: true });
    expect(tableShape(["full"])).toEqual({ ratios: false, events: true });
    const native = resultsTable(synthetic.filter((x) => x.mode === "native"), BENCHMARK_NAMES, ["native"]);
    expect(native.split("\n")[0]).toMatch(/^benchmark\s+mode\s+value\s+unit\s+guest insns\s+host s\s+guest MIPS$/);
    expect(native.trimEnd().split("\n")).toHaveLength(4);
  });
});

describe("--json entries", () => {
  const entries = jsonEntries(synthetic, BENCHMARK_NAMES, MODES);
  it("one per benchmark and mode, with mode, traps, hypercalls, shadow_fills and the ratios", () => {
    expect(entries).toHaveLength(9);
    for (const e of entries) {
      expect(Object.keys(e)).toEqual(expect.arrayContaining([
        "benchmark", "mode", "value", "unit", "ratio_to_native", "guest_instructions", "host_seconds", "host_cpu_seconds", "host_ratio_to_native",
        "guest_mips", "iterations", "guest_ticks_32k", "traps", "hypercalls", "shadow_fills", "details",
      ]));
      expect(MODES).toContain(e.mode);
    }
    const lp = entries.find((e) => e.benchmark === "lat_pipe" && e.mode === "para")!;
    expect(lp).toMatchObject({ value: 3, unit: "us", ratio_to_native: 1.5, host_ratio_to_native: 2, traps: 10, hypercalls: 4000, shadow_fills: 2 });
    expect(lp.vmm_counts).toEqual({ traps_total: 10, hypercalls_total: 4000, shadow_fills: 2, hc_irq_mask: 3000 });
    const dn = entries.find((e) => e.benchmark === "dhrystone" && e.mode === "native")!;
    expect(dn).toMatchObject({ ratio_to_native: 1, traps: 0, hypercalls: 0, shadow_fills: 0 });
    expect(dn.vmm_counts).toBeUndefined();
    expect(JSON.parse(JSON.stringify(entries))).toEqual(entries);
  });
  it("ratio_to_native is null without a native result", () => {
    const e = jsonEntries(synthetic.filter((x) => x.mode === "full"), BENCHMARK_NAMES, ["full"]);
    expect(e.every((x) => x.ratio_to_native === null && x.host_ratio_to_native === null)).toBe(true);
  });
  it("the chart goes next to the JSON", () => {
    expect(chartPathFor("/tmp/out.json")).toBe("/tmp/out.svg");
    expect(chartPathFor("/tmp/OUT.JSON")).toBe("/tmp/OUT.svg");
    expect(chartPathFor("/tmp/results")).toBe("/tmp/results.svg");
  });
});

// --- SVG -------------------------------------------------------------------------------------------------
interface Node { name: string; attrs: Record<string, string>; children: Node[]; text: string }

/** A strict little XML reader for what our writer produces: fails on anything not well formed. */
function parseXml(src: string): Node {
  let i = 0;
  const fail = (why: string): never => { throw new Error(`not well-formed at ${i}: ${why}: ${JSON.stringify(src.slice(i, i + 40))}`); };
  const decl = /^<\?xml [^?]*\?>\s*/.exec(src);
  if (decl) i = decl[0].length;
  const checkText = (t: string) => { if (/[<]/.test(t) || /&(?!(amp|lt|gt|quot|apos|#\d+);)/.test(t)) fail(`bad character data ${JSON.stringify(t)}`); return t; };
  const elem = (): Node => {
    const open = /^<([A-Za-z_][\w.:-]*)/.exec(src.slice(i)) ?? fail("expected a start tag");
    i += open[0].length;
    const node: Node = { name: open[1], attrs: {}, children: [], text: "" };
    for (;;) {
      const ws = /^\s*/.exec(src.slice(i))![0]; i += ws.length;
      if (src.startsWith("/>", i)) { i += 2; return node; }
      if (src[i] === ">") { i++; break; }
      if (!ws) fail("no space before an attribute");
      const a = /^([A-Za-z_][\w.:-]*)="([^"]*)"/.exec(src.slice(i)) ?? fail("bad attribute");
      if (a[1] in node.attrs) fail(`duplicate attribute ${a[1]}`);
      node.attrs[a[1]] = checkText(a[2]).replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, "&");
      i += a[0].length;
    }
    for (;;) {
      const t = /^[^<]*/.exec(src.slice(i))![0];
      node.text += checkText(t); i += t.length;
      if (i >= src.length) fail(`unclosed <${node.name}>`);
      if (src.startsWith("</", i)) {
        const close = /^<\/([\w.:-]+)>/.exec(src.slice(i)) ?? fail("bad end tag");
        if (close[1] !== node.name) fail(`</${close[1]}> closes <${node.name}>`);
        i += close[0].length;
        return node;
      }
      node.children.push(elem());
    }
  };
  const root = elem();
  if (src.slice(i).trim() !== "") fail("content after the root element");
  return root;
}
const all = (n: Node, pred: (n: Node) => boolean): Node[] => [...(pred(n) ? [n] : []), ...n.children.flatMap((c) => all(c, pred))];
const python = spawnSync("python3", ["-c", "pass"]).status === 0;

describe("the ratio chart (SVG)", () => {
  const bars = rateResults(synthetic, BENCHMARK_NAMES, MODES).map((r) => ({ benchmark: r.benchmark, mode: r.mode, ratio: r.ratio }));
  const svg = ratioChart(bars, BENCHMARK_NAMES, MODES, { subtitle: "synthetic <test> & \"quotes\"" });

  it("is well-formed XML with an svg root in the SVG namespace", () => {
    const root = parseXml(svg);
    expect(root.name).toBe("svg");
    expect(root.attrs.xmlns).toBe("http://www.w3.org/2000/svg");
    expect(Number(root.attrs.width)).toBeGreaterThan(0);
    expect(all(root, (n) => n.name === "text").some((t) => t.text === "synthetic &lt;test&gt; &amp; &quot;quotes&quot;")).toBe(true);
  });
  it.skipIf(!python)("Python's XML parser (a reader we did not write) accepts it", () => {
    const r = spawnSync("python3", ["-c", "import sys, xml.etree.ElementTree as ET; r = ET.fromstring(sys.stdin.buffer.read()); print(r.tag, len(r.findall('.//{http://www.w3.org/2000/svg}rect[@class=\"bar\"]')))"], { input: svg, encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe("{http://www.w3.org/2000/svg}svg 9");
  });
  it("has one bar per benchmark and mode, with the right ratio and a height that matches the axis", () => {
    const root = parseXml(svg);
    const plot = all(root, (n) => n.attrs.class === "plot")[0];
    const rects = all(root, (n) => n.name === "rect" && n.attrs.class === "bar");
    expect(rects).toHaveLength(9);
    const axis = { scale: plot.attrs["data-scale"] as "log" | "linear", lo: Number(plot.attrs["data-lo"]), hi: Number(plot.attrs["data-hi"]), ticks: [] };
    const top = Number(plot.attrs["data-top"]), h = Number(plot.attrs["data-height"]);
    const seen = new Set<string>();
    for (const r of rects) {
      const key = `${r.attrs["data-benchmark"]}/${r.attrs["data-mode"]}`;
      seen.add(key);
      const want = bars.find((b) => `${b.benchmark}/${b.mode}` === key)!.ratio!;
      expect(Number(r.attrs["data-ratio"]), key).toBeCloseTo(want, 9);
      // The bar's top is at the ratio's place on the axis; its bottom on the axis line.
      expect(Number(r.attrs.y), key).toBeCloseTo(top + h - axisFraction(axis, want) * h, 1);
      expect(Number(r.attrs.y) + Number(r.attrs.height), key).toBeCloseTo(top + h, 1);
      expect(r.children.find((c) => c.name === "title")!.text).toContain(`${want.toFixed(3)}x native`);
    }
    expect(seen.size).toBe(9);
    // lat_pipe full (8x) is the tallest bar, the native ones all reach 1x.
    const height = (k: string) => Number(rects.find((r) => `${r.attrs["data-benchmark"]}/${r.attrs["data-mode"]}` === k)!.attrs.height);
    expect(Math.max(...rects.map((r) => Number(r.attrs.height)))).toBe(height("lat_pipe/full"));
    expect(height("dhrystone/native")).toBe(height("bw_mem_rd/native"));
    // Bars of a group sit side by side in mode order.
    const x = (k: string) => Number(rects.find((r) => `${r.attrs["data-benchmark"]}/${r.attrs["data-mode"]}` === k)!.attrs.x);
    expect(x("dhrystone/native")).toBeLessThan(x("dhrystone/full"));
    expect(x("dhrystone/full")).toBeLessThan(x("dhrystone/para"));
    expect(x("dhrystone/para")).toBeLessThan(x("lat_pipe/native"));
  });
  it("labels the axis with its scale, and has a legend entry per mode", () => {
    const root = parseXml(svg);
    const texts = all(root, (n) => n.name === "text").map((t) => t.text);
    // Ratios from 1 to 8: not more than 8x apart, so linear.
    expect(texts).toContain("time per operation / native (linear scale)");
    const legend = all(root, (n) => n.attrs.class === "legend")[0];
    expect(legend.children.filter((c) => c.name === "text").map((c) => c.text)).toEqual(MODES);
    // Legend swatch colours are the bars' colours.
    const swatch = (m: string) => legend.children[MODES.indexOf(m) * 2].attrs.fill;
    for (const r of all(root, (n) => n.attrs.class === "bar")) expect(r.attrs.fill).toBe(swatch(r.attrs["data-mode"]));
    for (const b of ["dhrystone", "lat_pipe", "bw_mem_rd"]) expect(texts).toContain(b);
    expect(all(root, (n) => n.attrs.class === "reference")).toHaveLength(1);
  });
  it("switches to a labelled log scale when the ratios span more than 8x", () => {
    const wide = [...bars, { benchmark: "lat_proc_fork", mode: "native", ratio: 1 }, { benchmark: "lat_proc_fork", mode: "full", ratio: 40 }, { benchmark: "lat_proc_fork", mode: "para", ratio: 0.5 }];
    const root = parseXml(ratioChart(wide, BENCHMARK_NAMES, MODES));
    const texts = all(root, (n) => n.name === "text").map((t) => t.text);
    expect(texts).toContain("time per operation / native (log scale, base 2)");
    for (const t of ["0.25x", "0.5x", "1x", "2x", "4x", "8x", "16x", "32x", "64x"]) expect(texts).toContain(t);
    const rects = all(root, (n) => n.attrs.class === "bar");
    expect(rects).toHaveLength(12);
    // On the log axis too every bar has a height, native's included, and the bigger ratio the taller bar.
    for (const r of rects) expect(Number(r.attrs.height)).toBeGreaterThan(0);
    const h = (b: string, m: string) => Number(rects.find((r) => r.attrs["data-benchmark"] === b && r.attrs["data-mode"] === m)!.attrs.height);
    expect(h("lat_proc_fork", "para")).toBeLessThan(h("lat_proc_fork", "native"));
    expect(h("lat_proc_fork", "native")).toBeLessThan(h("lat_pipe", "full"));
    expect(h("lat_pipe", "full")).toBeLessThan(h("lat_proc_fork", "full"));
  });
  it("axes: log ticks are powers of 2 (10 for wide ranges) covering every ratio; linear from 0 in round steps", () => {
    expect(axisFor([1, 3.1, 0.7], "log")).toMatchObject({ scale: "log", lo: 0.5, hi: 4, ticks: [0.5, 1, 2, 4], base: 2 });
    expect(axisFor([1, 5000], "log")).toMatchObject({ lo: 0.1, hi: 10000, ticks: [0.1, 1, 10, 100, 1000, 10000], base: 10 });
    expect(axisFor([1, 1, 1], "log")).toMatchObject({ lo: 0.5, hi: 1 });
    expect(axisFor([1, 2], "log")).toMatchObject({ lo: 0.5, hi: 2, ticks: [0.5, 1, 2] });
    expect(axisFor([1, 1.25, 8])).toMatchObject({ scale: "linear", lo: 0, hi: 10, ticks: [0, 2, 4, 6, 8, 10] });
    expect(axisFor([1, 1.04])).toMatchObject({ scale: "linear", lo: 0 });
    const a = axisFor([1, 1.04]);
    expect(a.hi).toBeGreaterThanOrEqual(1.04);
    expect(a.ticks.length).toBeLessThanOrEqual(9);
  });
  it("the writer escapes text and attribute values", () => {
    expect(esc(`a<b>&"c'`)).toBe("a&lt;b&gt;&amp;&quot;c&apos;");
    expect(el("t", { a: `x"y`, n: 1.23456, skip: undefined }, "z")).toBe(`<t a="x&quot;y" n="1.23">z</t>`);
    expect(el("e")).toBe("<e/>");
    expect(() => parseXml("<a><b></a>")).toThrow(/closes/);
    expect(() => parseXml("<a x=1/>")).toThrow(/attribute/);
    expect(() => parseXml("<a>&</a>")).toThrow(/character data/);
  });
});

describe("the VMM goals summary", () => {
  const lat = (b: string, full: number, para: number) => [result(b, "full", full, "us"), result(b, "para", para, "us")];
  const base = [
    result("dhrystone", "native", 2e6, "iter/s", { guest_mips: 100 }),
    result("dhrystone", "full", 2e6, "iter/s", { guest_mips: 96 }),
    ...PARA_BEATS_FULL.flatMap((b) => lat(b, 10, 4)),
  ];
  const fullRun = (s: Record<string, number>) => run("full", base.filter((r) => r.mode === "full"), s);

  it("meets all three when full is within 5% on dhrystone, para wins everywhere and shadows are reused", () => {
    const g = vmmGoals(base, [fullRun({ shadow_reuses: 42, shadow_fills: 9, shadow_flushes: 1 })]);
    expect(g.map((x) => x.status)).toEqual(["met", "met", "met"]);
    expect(g[0].detail).toMatch(/^host time per guest instruction 4\.2% above native \(one run each: 96\.0 vs 100\.0 guest MIPS/);
    expect(g[2].detail).toBe("full mode: 42 shadow reuses, 9 fills, 1 flushes over the run");
    expect(goalsText(g).split("\n")[0]).toMatch(/^  \[met\] full-mode host overhead on dhrystone <= 5%: /);
  });
  it("says which goal is missed, and why", () => {
    const slow = base.map((r) => r.mode === "full" && r.benchmark === "dhrystone" ? { ...r, guest_mips: 90 } : r.mode === "para" && r.benchmark === "lat_pagefault" ? { ...r, value: 10, text: "10.000" } : r);
    const g = vmmGoals(slow, [fullRun({ shadow_reuses: 0 })]);
    expect(g.map((x) => x.status)).toEqual(["missed", "missed", "missed"]);
    expect(g[0].detail).toMatch(/11\.1% above native/);
    expect(g[1].detail).toContain("lat_pagefault 10.000 vs 10.000 us (not faster)");
    expect(goalsText(g)).toContain("[MISSED] para faster than full");
  });
  it("takes the dhrystone overhead from the repeated measurement when there is one", () => {
    const g = vmmGoals(base, [], { native: 10e-9, full: 10.6e-9, repeats: 3 });
    expect(g[0].status).toBe("missed");
    expect(g[0].detail).toBe("host time per guest instruction 6.0% above native (10.60 vs 10.00 ns); best of 3 alternating runs per mode");
    expect(vmmGoals(base, [], { native: 10e-9, full: 9.9e-9, repeats: 5 })[0].detail).toMatch(/^host time per guest instruction 1\.0% below native/);
    // With CPU times, they decide (wall time is shown too).
    const c = vmmGoals(base, [], { native: 10e-9, full: 12e-9, nativeCpu: 8e-9, fullCpu: 8.2e-9, repeats: 3 });
    expect(c[0].status).toBe("met");
    expect(c[0].detail).toBe("host CPU time per guest instruction 2.5% above native (8.20 vs 8.00 ns); wall time 20.0% above native (12.00 vs 10.00 ns); best of 3 alternating runs per mode");
  });
  it("is n/a for what did not run", () => {
    const g = vmmGoals(base.filter((r) => r.benchmark !== "lat_ctx_8p_16k"), []);
    expect(g.map((x) => x.status)).toEqual(["met", "n/a", "n/a"]);
    expect(g[1].detail).toContain("not run: lat_ctx_8p_16k");
    expect(vmmGoals([], [fullRun({})]).map((x) => x.status)).toEqual(["n/a", "n/a", "n/a"]);
    // Reuse needs context switches: a full run without lat_ctx_* says so instead of "missed".
    const g2 = vmmGoals(base, [run("full", base.filter((r) => r.mode === "full" && !r.benchmark.startsWith("lat_ctx")), { shadow_reuses: 0 })]);
    expect(g2[2]).toMatchObject({ status: "n/a", detail: "needs lat_ctx_* in full mode" });
  });
});

