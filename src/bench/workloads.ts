// Emulator speed: guest MIPS of the A32 workloads in bench/workloads/*.elf (currently a32mix), measured
// on this host. Each workload runs to its semihosting exit; the checksum it prints proves the run was
// correct. This is the foundation issue's "guest MIPS of an A32 workload" figure.
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { join, basename } from "node:path";
import { fileURLToPath } from "node:url";
import { Machine, type Engine } from "../machine/machine.js";

export const workloadsDir = fileURLToPath(new URL("../../bench/workloads/", import.meta.url));

export interface BenchResult { name: string; insns: number; seconds: number; mips: number; output: string; exitCode?: number; engine: Engine }

/** The workload names (bench/workloads/<name>.elf), sorted. */
export function listWorkloads(dir = workloadsDir): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".elf")).map((f) => basename(f, ".elf")).sort() : [];
}

/** Run one workload image to completion and time it. The same process should run it once before
 *  timing (see `bestOf`): V8 tiers the core up while it runs, and the optimised code stays for later machines. */
export function benchImage(path: string, engine?: Engine): BenchResult {
  const m = Machine.createSync(engine ? { engine } : {});
  m.loadElf(new Uint8Array(readFileSync(path)), path);
  const t0 = performance.now();
  let r = m.run({ maxInsns: 1 << 30 });
  while (r.reason === "budget") r = m.run({ maxInsns: 1 << 30 });
  const seconds = (performance.now() - t0) / 1000;
  if (r.reason !== "exit") throw new Error(`${path}: ${r.message}`);
  const insns = m.icount;
  return { name: basename(path, ".elf"), insns, seconds, mips: insns / seconds / 1e6, output: m.output.trim(), exitCode: r.exitCode, engine: m.engine };
}

/** One untimed warm-up run, then `repeat` timed runs; the fastest is reported. */
export function bestOf(name: string, repeat: number, dir = workloadsDir, engine?: Engine): BenchResult {
  const path = join(dir, `${name}.elf`);
  benchImage(path, engine);
  let best: BenchResult | undefined;
  for (let k = 0; k < Math.max(1, repeat); k++) {
    const r = benchImage(path, engine);
    if (!best || r.mips > best.mips) best = r;
  }
  return best!;
}
