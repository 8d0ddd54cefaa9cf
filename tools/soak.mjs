#!/usr/bin/env node
// npm run soak -- --minutes N [--mode full|native|para] [--sample-seconds S] [--seconds S] [--json FILE]
// Boots Debian's Linux (the kernel and busybox `vm7 linux` fetches) with an initramfs whose command
// starts a load loop in the background (fork, exec, pipes, mmap/munmap, file writes to tmpfs) and
// answers probes typed on the console in the foreground. Every sample period (a minute by default)
// it sends a probe and waits for its answer, and prints host memory (RSS), the probe's latency, the
// loop's progress, and the VMM's counters and gauges (shadow contexts and L2 tables in use, tracked
// page-table frames). It checks: every probe answered, host RSS after the first sample within 5% of
// that sample, the gauges consistent (l2_in_use = l2_linked, within their limits). Exit status 0
// when all held, 1 otherwise, 69 when the Linux packages cannot be fetched. Needs `npm run build`.
import { writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { createMachineIn, modeSupport } from "../dist/machine/modes.js";
import { FetchError } from "../dist/linux/fetch.js";
import { loadLinuxRunning } from "../dist/linux/guest.js";

const USAGE = `usage: npm run soak -- [--minutes N | --seconds S] [--mode full|native|para] [--sample-seconds S]
                      [--probe-timeout S] [--json FILE]
  --minutes N         how long to run the load after the boot (default 30)
  --seconds S         the same in seconds (for short runs and the test)
  --mode M            execution mode (default full: the VMM's shadow tables are what leaks would show in)
  --sample-seconds S  host seconds between samples (default 60)
  --probe-timeout S   host seconds a probe may take before it counts as unanswered (default 30)
  --json FILE         also write the samples and the verdict as JSON`;

const args = process.argv.slice(2);
if (args.includes("--help") || args.includes("-h")) { console.log(USAGE); process.exit(0); }
const opt = (name, dflt) => { const k = args.indexOf(name); return k >= 0 ? args[k + 1] : dflt; };
const num = (name, dflt, min) => {
  const s = opt(name, undefined);
  if (s === undefined) return dflt;
  const v = Number(s);
  if (!Number.isFinite(v) || v < min) { console.error(`soak: ${name} must be a number >= ${min}, got '${s}'`); process.exit(2); }
  return v;
};
const known = new Set(["--minutes", "--seconds", "--mode", "--sample-seconds", "--probe-timeout", "--json"]);
for (let i = 0; i < args.length; i += 2) if (!known.has(args[i])) { console.error(`soak: unknown option ${args[i]}\n${USAGE}`); process.exit(2); }
const durationS = args.includes("--seconds") ? num("--seconds", 0, 1) : num("--minutes", 30, 0.05) * 60;
const sampleS = num("--sample-seconds", 60, 1);
const probeTimeoutS = num("--probe-timeout", 30, 1);
const mode = opt("--mode", "full");
const jsonPath = opt("--json", undefined);
const why = modeSupport(mode);
if (why) { console.error(`soak: --mode ${mode}: ${why}`); process.exit(2); }

// The guest's side. The load loop: each round forks and execs a pipeline (echo | cat | tr | wc), has
// dd write 1 MiB to tmpfs through a 256 KiB buffer (busybox's malloc takes it with mmap and gives it
// back with munmap), reads it back through a pipe, and every 8th round runs the lmbench-style fork,
// pipe and mmap/munmap benchmarks (/vm7/vm7bench) once. It counts rounds in /tmp/soak.count.
const LOAD = `#!/bin/sh
i=0
while :; do
  i=$((i+1))
  echo "round $i" | cat | tr a-z A-Z | wc -c > /tmp/soak.pipe
  dd if=/dev/zero of=/tmp/soak.$((i % 4)) bs=256k count=4 2>/dev/null
  cat /tmp/soak.$((i % 4)) | wc -c > /dev/null
  rm -f /tmp/soak.$(((i + 2) % 4))
  if [ $((i % 8)) = 0 ]; then /vm7/vm7bench quick lat_proc_fork lat_pipe lat_mmap > /tmp/soak.bench 2>&1 || echo "soak-bench-failed $i"; fi
  echo $i > /tmp/soak.count
done
`;
// The probe: a line typed on the console comes back as "pong <line> <rounds> <free KiB>".
const PROBE = `#!/bin/sh
exec </dev/console
while read -r line; do
  echo "pong $line $(cat /tmp/soak.count 2>/dev/null || echo 0) $(sed -n 's/^MemFree: *\\([0-9]*\\).*/\\1/p' /proc/meminfo)"
done
echo "soak-probe-eof"
`;

const log = (s) => process.stderr.write(`soak: ${s}\n`);
const cpuHz = 1e9;
let transcript = "";
const dec = new TextDecoder();
const m = createMachineIn(mode, { ramMiB: 512, clock: "virtual", cpuHz, semihosting: false, onConsole: (b) => { transcript += dec.decode(b, { stream: true }); } });
let markers, kernel;
try {
  ({ markers, kernelVersion: kernel } = loadLinuxRunning(m, "sh /vm7/soak-load.sh </dev/null >/dev/null 2>&1 &\nexec sh /vm7/soak-probe.sh", log, cpuHz,
    { "vm7/soak-load.sh": new TextEncoder().encode(LOAD), "vm7/soak-probe.sh": new TextEncoder().encode(PROBE) }));
} catch (e) {
  if (e instanceof FetchError) { log(e.message); process.exit(69); }
  throw e;
}

const SLICE = 1 << 20;
const yieldHost = () => new Promise((res) => setImmediate(res));
/** Runs the guest until `until()` holds or `ms` host milliseconds pass; false on timeout. Throws on a stop. */
async function runUntil(until, ms) {
  const t0 = performance.now();
  while (!until()) {
    if (performance.now() - t0 > ms) return false;
    const r = m.run({ maxInsns: SLICE });
    if (r.reason !== "budget") {
      if (r.reason === "idle" || r.reason === "input") { await yieldHost(); continue; }
      throw new Error(`the guest stopped: ${r.message}\n${m.dumpRegs()}\nlast console output:\n${transcript.slice(-2000)}`);
    }
    await yieldHost();
  }
  return true;
}

const tBoot = performance.now();
if (!await runUntil(() => transcript.includes(markers.begin), 300_000)) {
  log(`Linux did not reach its command within 300 s; console:\n${transcript.slice(-3000)}`);
  process.exit(1);
}
const bootS = (performance.now() - tBoot) / 1000;
log(`${kernel} booted in ${mode} mode in ${bootS.toFixed(1)} s (${m.icount} instructions); load for ${durationS} s, a sample every ${sampleS} s`);

const samples = [];
const problems = [];
let probeNo = 0;
const mb = (b) => (b / 1048576).toFixed(1);
const statsNow = () => m.vmmStats();
const t0 = performance.now();
let lastStats = statsNow();

async function sample() {
  const id = `p${++probeNo}-${randomBytes(3).toString("hex")}`;
  const from = transcript.length;
  const tp = performance.now(), ip = m.icount;
  m.input(`${id}\n`);
  const re = new RegExp(`pong ${id} (\\d+) (\\d+)`);
  let hit = null;
  const ok = await runUntil(() => (hit = re.exec(transcript.slice(from))) !== null, probeTimeoutS * 1000);
  const latencyMs = performance.now() - tp;
  global.gc?.();
  const mem = process.memoryUsage();
  const st = statsNow(), g = m.vmmGauges();
  const s = {
    t: Math.round((performance.now() - t0) / 1000), insns: m.icount, rssMiB: +mb(mem.rss), heapMiB: +mb(mem.heapUsed),
    probe: ok ? "answered" : "NO ANSWER", probeMs: Math.round(latencyMs), probeInsns: m.icount - ip,
    rounds: hit ? Number(hit[1]) : null, guestFreeKiB: hit ? Number(hit[2]) : null, gauges: g,
    delta: Object.fromEntries(["traps", "shadow_fills", "shadow_flushes", "pt_write_faults", "exc_svc"].map((k) => [k, (st[k] ?? 0) - (lastStats[k] ?? 0)])),
  };
  lastStats = st;
  if (!ok) problems.push(`probe ${id} at ${s.t} s: no answer within ${probeTimeoutS} s`);
  if (mode !== "native") {
    if (g.l2_in_use !== g.l2_linked) problems.push(`at ${s.t} s: ${g.l2_in_use} shadow L2 tables off the free stack but ${g.l2_linked} linked from contexts (a leak)`);
    if (g.ctx_valid > 48 || g.ctx_populated > g.ctx_valid) problems.push(`at ${s.t} s: contexts ${g.ctx_populated}/${g.ctx_valid} of 48: inconsistent`);
    if (g.l2_in_use > 8192 || g.pt_windows > 4) problems.push(`at ${s.t} s: gauges out of range: ${JSON.stringify(g)}`);
  }
  if (/soak-bench-failed|soak-probe-eof|Kernel panic|Oops|BUG:/.test(transcript.slice(from))) problems.push(`at ${s.t} s: the guest reported a failure:\n${transcript.slice(from).slice(-1500)}`);
  samples.push(s);
  const gs = mode === "native" ? "" : `  ctx ${g.ctx_populated}/${g.ctx_valid}  l2 ${g.l2_in_use}/${g.l2_linked}  tracked ${g.tracked}` +
    `  +fills ${s.delta.shadow_fills} +flushes ${s.delta.shadow_flushes} +ptw ${s.delta.pt_write_faults}`;
  console.log(`${String(s.t).padStart(5)} s  rss ${s.rssMiB.toFixed(1).padStart(6)} MiB  heap ${s.heapMiB.toFixed(1).padStart(5)} MiB  ` +
    `probe ${ok ? `${String(s.probeMs).padStart(5)} ms` : "NO ANSWER"}  rounds ${String(s.rounds ?? "?").padStart(6)}  ` +
    `guest free ${s.guestFreeKiB ?? "?"} KiB  insns ${(s.insns / 1e9).toFixed(2)}e9${gs}`);
  // Drop what the console has shown: a long run must not keep its whole transcript.
  transcript = transcript.slice(-4096);
}

console.log(`soak: ${kernel}, ${mode} mode, ${durationS} s of load, samples every ${sampleS} s (t = host seconds after boot)`);
await sample(); // t = 0: right after boot, before the load has run long
for (let next = sampleS; next <= durationS + 1e-9; next += sampleS) {
  const until = t0 + next * 1000;
  await runUntil(() => performance.now() >= until, Infinity);
  await sample();
}

// Host memory: flat after the first minute (after the first half of a run shorter than two minutes).
const base = samples.find((s) => s.t >= Math.min(60, durationS / 2)) ?? samples[samples.length - 1];
const rssMax = Math.max(...samples.filter((s) => s.t >= base.t).map((s) => s.rssMiB));
const growth = (rssMax - base.rssMiB) / base.rssMiB;
if (samples.length > 2 && growth >= 0.05) problems.push(`host RSS grew ${(100 * growth).toFixed(1)}% after ${base.t} s (${base.rssMiB} -> ${rssMax} MiB), limit 5%`);
const last = samples[samples.length - 1];
if (samples.length > 1 && (last.rounds ?? 0) <= (samples[0].rounds ?? 0)) problems.push(`the load loop made no progress (${samples[0].rounds} -> ${last.rounds} rounds)`);
const st = statsNow();
console.log(`soak: ${samples.length} samples, ${probeNo} probes, ${samples.filter((s) => s.probe === "answered").length} answered; ` +
  `host RSS ${base.rssMiB} MiB at ${base.t} s, max ${rssMax} MiB after (${growth >= 0 ? "+" : ""}${(100 * growth).toFixed(1)}%); ` +
  `${last.rounds} load rounds, ${(m.icount / 1e9).toFixed(2)}e9 instructions` +
  (mode === "native" ? "" : `; vmm: ${st.traps} traps, ${st.shadow_fills} fills, ${st.shadow_flushes} flushes, ${st.pt_write_faults} pt writes`));
for (const p of problems) console.log(`soak: FAIL: ${p}`);
console.log(problems.length === 0 ? "soak: PASS" : `soak: ${problems.length} problem(s)`);
if (jsonPath) writeFileSync(jsonPath, JSON.stringify({ kernel, mode, durationS, sampleS, bootS, samples, problems, stats: st }, null, 1));
process.exit(problems.length === 0 ? 0 : 1);
