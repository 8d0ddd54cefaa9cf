// Differential testing of vm7's A32 execution against qemu-arm, RISU style: random sequences from
// gen.mjs run in both, and r0-r14, N Z C V Q GE[3:0] and the scratch block are compared. A failing
// sequence is shrunk (drop one unit at a time while it still differs) and reported with a
// reproducer. Used by run.mjs (npm run difftest) and test/difftest.test.ts.
import { disasmA32 } from "../../dist/disasm/a32.js";
import { spawnSync } from "node:child_process";
import { generate, dropUnit, rngFor } from "./gen.mjs";
import { generateThumb, dropThumbUnit } from "./tgen.mjs";
import { runQemu, qemuAvailable } from "./qemu.mjs";
import { Vm7Runner, hex } from "./vm7.mjs";
import { SEQ, SCRATCH } from "./layout.mjs";

export { qemuAvailable };

const FLAGS = [["N", 31], ["Z", 30], ["C", 29], ["V", 28], ["Q", 27], ["GE3", 19], ["GE2", 18], ["GE1", 17], ["GE0", 16], ["T", 5]];
const itstate = (cpsr) => (((cpsr >>> 10) & 0x3f) << 2) | ((cpsr >>> 25) & 3); // A2.5.2
const hex64 = (lo, hi) => "0x" + (hi >>> 0).toString(16).padStart(8, "0") + (lo >>> 0).toString(16).padStart(8, "0");
const rname = (k) => (k === 13 ? "sp" : k === 14 ? "lr" : `r${k}`);

/** What differs between the reference (qemu) and vm7 results: a list of short strings. */
export function compare(q, v) {
  if (q.status.startsWith("qemu died") || q.status !== v.status) return [`status: qemu ${q.status}; vm7 ${v.status}`];
  const d = [];
  for (let k = 0; k < 15; k++) if (q.regs[k] !== v.regs[k]) d.push(`${rname(k)}: qemu ${hex(q.regs[k])} vm7 ${hex(v.regs[k])}`);
  for (const [f, b] of FLAGS) {
    const a = (q.apsr >>> b) & 1, c = (v.apsr >>> b) & 1;
    if (a !== c) d.push(`${f}: qemu ${a} vm7 ${c}`);
  }
  if (itstate(q.apsr) !== itstate(v.apsr)) d.push(`ITSTATE: qemu 0x${itstate(q.apsr).toString(16)} vm7 0x${itstate(v.apsr).toString(16)}`);
  if (q.fpscr !== v.fpscr) d.push(`FPSCR: qemu ${hex(q.fpscr)} vm7 ${hex(v.fpscr)}`);
  for (let k = 0; k < 32; k++) {
    if (q.d[2 * k] !== v.d[2 * k] || q.d[2 * k + 1] !== v.d[2 * k + 1]) d.push(`d${k}: qemu ${hex64(q.d[2 * k], q.d[2 * k + 1])} vm7 ${hex64(v.d[2 * k], v.d[2 * k + 1])}`);
  }
  const offs = new Set([...q.mem.keys(), ...v.mem.keys()]);
  for (const o of [...offs].sort((x, y) => x - y)) {
    const a = q.mem.get(o), c = v.mem.get(o);
    if (a !== c) d.push(`mem[scratch+0x${o.toString(16)}]: qemu ${a === undefined ? "unchanged" : hex(a)} vm7 ${c === undefined ? "unchanged" : hex(c)}`);
  }
  return d;
}

/** Test `index` of seed `seed` for isa "a32", "t32" or "all" (each test A32 or Thumb at random). */
export function generateAny(seed, index, opts = {}) {
  const isa = opts.isa ?? "all";
  const thumb = isa === "t32" || (isa === "all" && rngFor(seed ^ 0x2545f491, index).chance(0.5));
  return thumb ? generateThumb(seed, index, opts) : generate(seed, index, opts);
}
const drop = (test, k) => (test.thumb ? dropThumbUnit(test, k) : dropUnit(test, k));
/** Does a test use the VFP (a V* unit)? */
export const usesVfp = (t) => t.units.some((u) => /(^|[: ])V[A-Z]/.test(u.name) || u.members?.some((m) => /:V[A-Z]/.test(m.name)));

/** Run tests in both emulators (qemu in the background while vm7 runs); [{ test, q, v, diffs }]. */
export async function runBoth(tests, vm, jobs) {
  const pending = runQemu(tests, jobs);
  const vs = tests.map((test) => vm.run(test));
  const qs = await pending;
  return tests.map((test, k) => ({ test, q: qs[k], v: vs[k], diffs: compare(qs[k], vs[k]) }));
}

/** Greedy shrinking of many failures at once: each round runs every one-unit-smaller variant of
 *  every failing test in one batch and keeps the first that still differs. */
export async function shrinkAll(fails, vm, maxRounds = 12) {
  let cur = fails.slice();
  for (let round = 0; round < maxRounds; round++) {
    const cands = [];
    cur.forEach((f, i) => {
      if (f.test.units.length > 1) for (let k = 0; k < f.test.units.length; k++) cands.push({ i, test: drop(f.test, k) });
    });
    if (cands.length === 0) break;
    const res = await runBoth(cands.map((c) => c.test), vm);
    const done = new Set();
    let progress = false;
    res.forEach((r, j) => {
      const i = cands[j].i;
      if (done.has(i) || r.diffs.length === 0) return;
      done.add(i);
      cur[i] = r;
      progress = true;
    });
    if (!progress) break;
  }
  return cur;
}

export function describeRegs(regs) {
  const s = [];
  for (let k = 0; k < 15; k += 5) s.push(regs.slice(k, k + 5).map((v, j) => `${rname(k + j).padStart(3)}=${hex(v)}`).join(" "));
  return s.join("\n    ");
}
const describeApsr = (a) => FLAGS.map(([f, b]) => ((a >>> b) & 1 ? f : "-".repeat(f.length))).join("") + ` (${hex(a)})`;

// Thumb disassembly for reproducers: arm-none-eabi-objdump over the halfwords (vm7's own Thumb
// disassembler names rows only); address -> { text, size }.
function objdumpThumb(hws) {
  const out = new Map();
  const buf = Buffer.from(new Uint16Array(hws).buffer);
  const file = `/tmp/vm7-difftest-${process.pid}.bin`;
  try {
    spawnSync("sh", ["-c", `cat > ${file}`], { input: buf });
    const r = spawnSync("arm-none-eabi-objdump", ["-D", "-b", "binary", "-marm", "-Mforce-thumb", `--adjust-vma=${SEQ}`, file], { encoding: "utf8" });
    for (const line of (r.stdout ?? "").split("\n")) {
      const m = /^\s*([0-9a-f]+):\s+((?:[0-9a-f]{4} ?)+)\s+(.*)$/.exec(line);
      if (m) out.set(parseInt(m[1], 16), { text: m[3].replace(/\s+/g, " ").trim(), size: m[2].trim().split(" ").length * 2 });
    }
  } catch { /* no objdump: addresses only */ }
  return out;
}

const describeD = (d) => {
  const s = [];
  for (let k = 0; k < 32; k++) s.push(`d${k}=${hex64(d[2 * k], d[2 * k + 1])}`);
  return s.map((x, k) => (k % 4 === 0 ? "\n    " : " ") + x).join("");
};

/** A human-readable reproducer for one result. */
export function reproducer(r) {
  const t = r.test;
  const lines = [];
  lines.push(`sequence (seed ${t.seed}, test ${t.index}${t.shrunk ? ", shrunk" : ""}); units: ${t.units.map((u) => u.name).join(", ")}`);
  let at = SEQ;
  if (t.thumb) {
    const dis = objdumpThumb(t.words);
    for (const u of t.units) {
      const end = at + 2 * u.words.length;
      while (at < end) {
        const d = dis.get(at) ?? { text: "?", size: 2 };
        const hw = t.words.slice((at - SEQ) / 2, (at - SEQ) / 2 + d.size / 2).map((h) => h.toString(16).padStart(4, "0")).join(" ");
        at += d.size;
        lines.push(`  ${hex(at - d.size).slice(2)}: ${hw.padEnd(10)} ${d.text.padEnd(40)}${at >= end ? ` ; ${u.name}` : ""}`);
      }
    }
  } else {
    for (const u of t.units) {
      u.words.forEach((w, j) => {
        lines.push(`  ${hex(at).slice(2)}: ${hex(w).slice(2)}  ${disasmA32(w, at).padEnd(44)}${j === u.words.length - 1 ? ` ; ${u.name}` : ""}`);
        at += 4;
      });
    }
  }
  lines.push(`  ${hex(at).slice(2)}: (end)`);
  lines.push(`inputs: User mode, ${t.thumb ? "Thumb" : "ARM"}, APSR ${describeApsr(t.apsr)}, scratch at ${hex(SCRATCH)} seed ${hex(t.scratchSeed)}`);
  lines.push(`    ${describeRegs(t.regs)}`);
  lines.push(`    FPSCR ${hex(t.fpscr)}; ${describeD(t.d)}`);
  for (const [who, x] of [["qemu", r.q], ["vm7 ", r.v]]) {
    if (x.status !== "ok") lines.push(`${who}: ${x.status}, CPSR ${describeApsr(x.apsr)} ITSTATE 0x${itstate(x.apsr).toString(16)}`);
    else lines.push(`${who}: CPSR ${describeApsr(x.apsr)} ITSTATE 0x${itstate(x.apsr).toString(16)}, ${x.mem.size} scratch word(s) written`);
    lines.push(`    ${describeRegs(x.regs)}`);
    lines.push(`    FPSCR ${hex(x.fpscr)}`);
  }
  lines.push(`differs: ${r.diffs.join("; ")}`);
  return lines.join("\n");
}

/**
 * Run `count` tests from `seed` in batches; shrink (the first `shrinkMax`) failures and group
 * them by the pattern names of the shrunk sequence. Returns { count, fails, groups: [{ key, count, example }], seconds }.
 */
export async function difftest({ count, seed, batch = 5000, shrink = true, shrinkMax = Infinity, pool, tpool, isa = "all", jobs = 2, engine = "interp", smc = false, onProgress } = {}) {
  const vm = new Vm7Runner({ engine });
  const t0 = performance.now();
  const fails = [];
  const counts = { a32: 0, t32: 0, a32vfp: 0, t32vfp: 0 };
  for (let start = 0; start < count; start += batch) {
    const n = Math.min(batch, count - start);
    const tests = Array.from({ length: n }, (_, k) => generateAny(seed, start + k, { pool, tpool, isa, smc }));
    for (const t of tests) { counts[t.isa]++; if (usesVfp(t)) counts[t.isa + "vfp"]++; }
    for (const r of await runBoth(tests, vm, jobs)) if (r.diffs.length) fails.push(r);
    onProgress?.(start + n, fails.length);
  }
  const runSeconds = (performance.now() - t0) / 1000;
  const shrunk = shrink ? await shrinkAll(fails.slice(0, shrinkMax), vm) : fails;
  const unshrunk = shrink ? fails.length - shrunk.length : 0;
  // Group by the units left after shrinking. A remainder that contains the units of a shorter
  // remainder (CMP + conditional CLZ contains CLZ; RSC + SETEND + STRT contains SETEND + STRT) is
  // counted under the shortest such key: the extra units only set up flags for it.
  const names = (r) => r.test.units.map((u) => u.name);
  const isSub = (a, b) => { let k = 0; for (const x of b) if (x === a[k]) k++; return k === a.length; };
  const keys = [...new Set(shrunk.map((r) => names(r).join(" + ")))].map((k) => k.split(" + ")).sort((a, b) => a.length - b.length);
  const groups = new Map();
  shrunk.forEach((r) => {
    const key = shrink ? keys.find((k) => isSub(k, names(r))).join(" + ") : "(not shrunk)";
    const g = groups.get(key) ?? { key, count: 0, example: r };
    g.count++;
    if (r.test.units.length < g.example.test.units.length) g.example = r;
    groups.set(key, g);
  });
  return {
    engine, jit: vm.m.jitStats(), count, counts, fails: fails.length, unshrunk, runSeconds, seconds: (performance.now() - t0) / 1000,
    groups: [...groups.values()].sort((a, b) => b.count - a.count),
  };
}
