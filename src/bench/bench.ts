// `vm7 bench`: guest MIPS of the benchmark workloads (bench/workloads/*.elf), measured on this host.
// Each workload runs to its semihosting exit; the checksum it prints proves the run was correct.
import type { Command } from "commander";
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { join, basename } from "node:path";
import { fileURLToPath } from "node:url";
import { Machine } from "../machine/machine.js";

const workloadsDir = fileURLToPath(new URL("../../bench/workloads/", import.meta.url));

export interface BenchResult { name: string; insns: number; seconds: number; mips: number; output: string; exitCode?: number }

/** Run one workload image to completion and time it. The same process should run it once before
 *  timing (see `warm`): V8 tiers the core up while it runs, and the optimised code stays for later machines. */
export function benchImage(path: string): BenchResult {
  const m = Machine.createSync({});
  m.loadElf(new Uint8Array(readFileSync(path)), path);
  const t0 = performance.now();
  let r = m.run({ maxInsns: 1 << 30 });
  while (r.reason === "budget") r = m.run({ maxInsns: 1 << 30 });
  const seconds = (performance.now() - t0) / 1000;
  if (r.reason !== "exit") throw new Error(`${path}: ${r.message}`);
  const insns = m.icount;
  return { name: basename(path, ".elf"), insns, seconds, mips: insns / seconds / 1e6, output: m.output.trim(), exitCode: r.exitCode };
}

export function benchCommand(program: Command, setStatus: (s: number) => void): void {
  program.command("bench")
    .description("measure guest MIPS on the benchmark workloads in bench/workloads (virtual clock)")
    .argument("[workload...]", "workload names (default: all)")
    .option("--repeat <n>", "timed runs per workload after one warm-up run; the best is reported", (s) => Math.max(1, parseInt(s, 10) || 1), 3)
    .action((names: string[], o: { repeat: number }) => {
      const all = existsSync(workloadsDir) ? readdirSync(workloadsDir).filter((f) => f.endsWith(".elf")).map((f) => basename(f, ".elf")).sort() : [];
      const chosen = names.length ? names : all;
      for (const n of chosen) if (!all.includes(n)) { process.stderr.write(`vm7 bench: no workload '${n}' (have: ${all.join(", ")})\n`); setStatus(2); return; }
      process.stdout.write(`${"workload".padEnd(12)} ${"instructions".padStart(14)} ${"seconds".padStart(8)} ${"MIPS".padStart(8)}  output\n`);
      for (const n of chosen) {
        benchImage(join(workloadsDir, `${n}.elf`)); // warm-up run, not reported
        let best: BenchResult | undefined;
        for (let k = 0; k < o.repeat; k++) {
          const r = benchImage(join(workloadsDir, `${n}.elf`));
          if (!best || r.mips > best.mips) best = r;
        }
        const b = best!;
        process.stdout.write(`${b.name.padEnd(12)} ${String(b.insns).padStart(14)} ${b.seconds.toFixed(3).padStart(8)} ${b.mips.toFixed(1).padStart(8)}  ${b.output.split("\n").pop()}\n`);
      }
      setStatus(0);
    });
}
