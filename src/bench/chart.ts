// The chart `vm7 bench --json FILE` writes next to the JSON (FILE with .svg): for every benchmark a group
// of bars, one per mode, each the guest time per operation relative to native (report.ts, timeRatio),
// on a labelled log or linear axis with a legend. Written with the small SVG writer below (no dependency).

// --- a minimal SVG/XML writer ---------------------------------------------------------------------------
export type Attrs = Record<string, string | number | undefined>;

/** Text and attribute values with the five XML special characters escaped. */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]!);
}

const num = (v: number) => String(Math.round(v * 100) / 100);

/** `<name a="v" ...>children</name>`, or self-closing without children. Numbers are rounded to 0.01. */
export function el(name: string, attrs: Attrs = {}, ...children: string[]): string {
  const a = Object.entries(attrs).filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${typeof v === "number" ? num(v) : esc(v as string)}"`).join("");
  return children.length ? `<${name}${a}>${children.join("")}</${name}>` : `<${name}${a}/>`;
}
/** A text node (escaped). */
export const text = (s: string) => esc(s);

// --- the chart ----------------------------------------------------------------------------------------------
export interface ChartBar { benchmark: string; mode: string; ratio: number | undefined }
export type ChartScale = "log" | "linear";
export interface ChartOptions {
  /** "auto" (the default): log when the largest ratio is more than 8 times the smallest, else linear. */
  scale?: ChartScale | "auto";
  title?: string;
  subtitle?: string;
}

const COLORS: Record<string, string> = { native: "#7f7f7f", full: "#d62728", para: "#1f77b4" };
const EXTRA = ["#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"];
const colorOf = (mode: string, i: number) => COLORS[mode] ?? EXTRA[i % EXTRA.length];

export interface Axis { scale: ChartScale; lo: number; hi: number; ticks: number[]; base?: number }

/** The value axis for these ratios: log (powers of 2, or of 10 for wide ranges; bottom below the smallest
 *  ratio) or linear (from 0 in steps of 1, 2, 2.5 or 5 times a power of ten). */
export function axisFor(ratios: number[], scale: ChartOptions["scale"] = "auto"): Axis {
  const rs = ratios.filter((r) => Number.isFinite(r) && r > 0);
  const min = Math.min(1, ...rs), max = Math.max(1, ...rs);
  const s: ChartScale = scale === "auto" ? (max / min > 8 ? "log" : "linear") : scale;
  if (s === "log") {
    const base = Math.log2(max / min) > 10 ? 10 : 2;
    const lg = (v: number) => Math.log(v) / Math.log(base);
    // The bottom is strictly below the smallest ratio, so that every bar (native's 1x too) has a height.
    let e0 = Math.floor(lg(min) + 1e-9);
    if (base ** e0 >= min * (1 - 1e-9)) e0 -= 1;
    let e1 = Math.ceil(lg(max) - 1e-9);
    if (e1 <= e0) e1 = e0 + 1;
    const ticks: number[] = [];
    for (let e = e0; e <= e1; e++) ticks.push(base ** e);
    return { scale: "log", lo: base ** e0, hi: base ** e1, ticks, base };
  }
  // Linear from 0: a step of 1, 2, 2.5 or 5 times a power of ten giving at most 8 intervals.
  const top = max * 1.05;
  const mag = 10 ** Math.floor(Math.log10(top / 8));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((st) => top / st <= 8)!;
  const n = Math.ceil(top / step - 1e-9);
  return { scale: "linear", lo: 0, hi: n * step, ticks: Array.from({ length: n + 1 }, (_, i) => round6(i * step)) };
}
const round6 = (v: number) => Math.round(v * 1e6) / 1e6;
const tickText = (v: number) => `${v >= 1 ? round6(v) : Number(v.toPrecision(3))}x`;

/** Position of `v` on the axis as a fraction from the bottom (0) to the top (1). */
export function axisFraction(a: Axis, v: number): number {
  if (a.scale === "log") return (Math.log(v) - Math.log(a.lo)) / (Math.log(a.hi) - Math.log(a.lo));
  return (v - a.lo) / (a.hi - a.lo);
}

/** The SVG document: grouped bars (benchmarks in `benchmarks` order, modes in `modes` order). */
export function ratioChart(bars: ChartBar[], benchmarks: readonly string[], modes: readonly string[], o: ChartOptions = {}): string {
  const present = benchmarks.filter((b) => bars.some((x) => x.benchmark === b));
  const axis = axisFor(bars.map((b) => b.ratio ?? NaN), o.scale);
  const barW = 14, groupGap = 18, groupW = modes.length * barW + groupGap;
  const left = 78, top = 70, plotH = 300, labelH = 100, right = 24;
  const plotW = Math.max(present.length * groupW, 600);
  const width = left + plotW + right, height = top + plotH + labelH;
  const y = (v: number) => top + plotH - Math.min(1, Math.max(0, axisFraction(axis, v))) * plotH;
  const yBottom = top + plotH;
  const scaleName = axis.scale === "log" ? `log scale, base ${axis.base}` : "linear scale";

  const parts: string[] = [];
  parts.push(el("rect", { x: 0, y: 0, width, height, fill: "#ffffff" }));
  parts.push(el("text", { x: left, y: 22, "font-size": 15, "font-weight": "bold" },
    text(o.title ?? "Guest time per operation relative to native mode (higher is slower)")));
  if (o.subtitle) parts.push(el("text", { x: left, y: 40, "font-size": 11, fill: "#444444" }, text(o.subtitle)));

  // Grid lines and tick labels, the 1x reference line, the axes.
  const grid: string[] = [];
  for (const t of axis.ticks) {
    const ty = y(t);
    grid.push(el("line", { x1: left, y1: ty, x2: left + plotW, y2: ty, stroke: "#dddddd", "stroke-width": 1 }));
    grid.push(el("text", { x: left - 6, y: ty + 4, "font-size": 11, "text-anchor": "end" }, text(tickText(t))));
  }
  parts.push(el("g", { class: "grid" }, ...grid));
  parts.push(el("text", { x: 16, y: top + plotH / 2, "font-size": 12, "text-anchor": "middle", transform: `rotate(-90 16 ${num(top + plotH / 2)})` },
    text(`time per operation / native (${scaleName})`)));

  // The bars, one group per benchmark.
  const groups: string[] = [];
  present.forEach((b, gi) => {
    const gx = left + gi * groupW + groupGap / 2;
    const rects: string[] = [];
    modes.forEach((m, mi) => {
      const bar = bars.find((x) => x.benchmark === b && x.mode === m);
      if (!bar || bar.ratio === undefined || !(bar.ratio > 0)) return;
      const by = y(bar.ratio);
      rects.push(el("rect", {
        class: "bar", "data-benchmark": b, "data-mode": m, "data-ratio": String(bar.ratio),
        x: gx + mi * barW, y: by, width: barW - 2, height: yBottom - by, fill: colorOf(m, mi),
      }, el("title", {}, text(`${b}, ${m}: ${bar.ratio.toFixed(3)}x native`))));
    });
    const cx = gx + (modes.length * barW) / 2;
    rects.push(el("text", { x: cx, y: yBottom + 14, "font-size": 11, "text-anchor": "end", transform: `rotate(-40 ${num(cx)} ${num(yBottom + 14)})` }, text(b)));
    groups.push(el("g", { class: "benchmark", "data-benchmark": b }, ...rects));
  });
  parts.push(el("g", {
    class: "plot", "data-scale": axis.scale, "data-lo": String(axis.lo), "data-hi": String(axis.hi),
    "data-top": top, "data-height": plotH,
  }, ...groups));
  if (axis.lo <= 1 && 1 <= axis.hi) {
    parts.push(el("line", { class: "reference", x1: left, y1: y(1), x2: left + plotW, y2: y(1), stroke: "#000000", "stroke-width": 1, "stroke-dasharray": "4 3" }));
  }
  parts.push(el("line", { x1: left, y1: top, x2: left, y2: yBottom, stroke: "#000000", "stroke-width": 1 }));
  parts.push(el("line", { x1: left, y1: yBottom, x2: left + plotW, y2: yBottom, stroke: "#000000", "stroke-width": 1 }));

  // The legend, top right.
  const legend: string[] = [];
  modes.forEach((m, i) => {
    const lx = left + plotW - (modes.length - i) * 90;
    legend.push(el("rect", { x: lx, y: 48, width: 12, height: 12, fill: colorOf(m, i) }));
    legend.push(el("text", { x: lx + 16, y: 58, "font-size": 12 }, text(m)));
  });
  parts.push(el("g", { class: "legend" }, ...legend));

  return `<?xml version="1.0" encoding="UTF-8"?>\n` +
    el("svg", { xmlns: "http://www.w3.org/2000/svg", width, height, viewBox: `0 0 ${width} ${height}`, "font-family": "sans-serif" }, ...parts) + "\n";
}
