// Emulator speed: guest MIPS of the A32 workloads in bench/workloads/*.elf (currently a32mix), measured
// on this host. Each workload runs to its semihosting exit; the checksum it prints proves the run was
// correct. This is the foundation issue's "guest MIPS of an A32 workload" figure.
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { join, basename } from "node:path";
import { fileURLToPath } from "node:url";
import { Machine, type Engine } from "../machine/machine.js";
import { elfSymbols } from "../loaders/elf.js";

/** The workloads' main loop count (bench/workloads/a32mix.c `bench_rounds`), and the one
 *  `vm7 bench --mips` uses unless told: five times the image's own 60 rounds, about 93 M
 *  instructions, so that the JIT's figure is its compiled code's speed more than its start-up. */
export const IMAGE_ROUNDS = 60;
export const DEFAULT_ROUNDS = 300;

export const workloadsDir = fileURLToPath(new URL("../../bench/workloads/", import.meta.url));

export interface BenchResult { name: string; insns: number; seconds: number; mips: number; output: string; exitCode?: number; engine: Engine; rounds?: number }

/** The workload names (bench/workloads/<name>.elf), sorted. */
export function listWorkloads(dir = workloadsDir): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".elf")).map((f) => basename(f, ".elf")).sort() : [];
}

/** Run one workload image to completion and time it. The same process should run it once before
 *  timing (see `bestOf`): V8 tiers the core up while it runs, and the optimised code stays for later machines. */
export function benchImage(path: string, engine?: Engine, rounds?: number): BenchResult {
  const m = Machine.createSync(engine ? { engine } : {});
  const bytes = new Uint8Array(readFileSync(path));
  m.loadElf(bytes, path);
  if (rounds !== undefined) {
    // the images run with the MMU off: the symbol's address is where the loader put it
    const sym = elfSymbols(bytes).find((x) => x.name === "bench_rounds" && x.size === 4);
    if (!sym) throw new Error(`${path}: no 4-byte symbol 'bench_rounds': cannot set its round count (rebuild it: npm run fixtures)`);
    m.physWrite(sym.addr, 4, rounds);
  }
  const t0 = performance.now();
  let r = m.run({ maxInsns: 1 << 30 });
  while (r.reason === "budget") r = m.run({ maxInsns: 1 << 30 });
  const seconds = (performance.now() - t0) / 1000;
  if (r.reason !== "exit") throw new Error(`${path}: ${r.message}`);
  const insns = m.icount;
  return { name: basename(path, ".elf"), insns, seconds, mips: insns / seconds / 1e6, output: m.output.trim(), exitCode: r.exitCode, engine: m.engine, rounds };
}

/** One untimed warm-up run, then `repeat` timed runs; the fastest is reported. */
export function bestOf(name: string, repeat: number, dir = workloadsDir, engine?: Engine, rounds?: number): BenchResult {
  const path = join(dir, `${name}.elf`);
  benchImage(path, engine, rounds);
  let best: BenchResult | undefined;
  for (let k = 0; k < Math.max(1, repeat); k++) {
    const r = benchImage(path, engine, rounds);
    if (!best || r.mips > best.mips) best = r;
  }
  return best!;
}
