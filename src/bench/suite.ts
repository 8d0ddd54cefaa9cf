// The benchmark suites of the tiny kernel (fixtures/kernel, bench/suites) on Node: boot the kernel in a
// Machine, ask it (boot arguments at physical 0x80007F00) to run the suites, and turn the `BENCH ...`
// lines it prints into results (runner.ts, which the web page's worker uses too).
//
// The mode dimension: a run is (benchmark x mode). `native`: the kernel owns the emulated board. `full`:
// the same unmodified kernel.elf runs deprivileged under the VMM (trap-and-emulate, shadow page tables).
// `para`: the paravirtual build (kernel-para.elf) runs under the VMM and calls it through hypercalls.
// The VMM modes exist only in builds whose Machine accepts `mode` and has `vmmStats()`; they are
// feature-detected (src/machine/modes.ts), never assumed. Each result carries the VMM's event counts for its span.
import { readFileSync, statSync, existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Machine } from "../machine/machine.js";
import { loadLinuxRunning } from "../linux/guest.js";
import { kernelOfImage } from "../linux/builds.js";
import { modeSupport, createMachineIn, vmmStatsOf } from "../machine/modes.js";
import { BenchInputError, checkNames, runSuiteOn, loadTinyKernel, type MachineSettings, type SuiteRun, type SuiteRunOptions } from "./runner.js";

export {
  BENCHMARKS, BENCHMARK_NAMES, BOOTARGS_ADDR, BenchInputError, BenchRunError, eventCounts, statsDelta, parseBenchLine, checkNames,
  type BenchmarkInfo, type MachineSettings, type SuiteResult, type SuiteRun, type ParsedBenchLine,
} from "./runner.js";

export interface ModeSpec {
  name: string;
  description: string;
  /** The kernel image this mode boots by default (fixtures/kernel/...). */
  kernel: string;
  /** Runs under the VMM (has event counts). */
  vmm: boolean;
  /** The machine this mode runs the kernel in. */
  createMachine(s: MachineSettings, onConsole: (b: Uint8Array) => void): Machine;
  /** Why this build cannot run the mode (undefined: it can). */
  unavailable(): string | undefined;
}

const kernelPath = (file: string) => fileURLToPath(new URL(`../../fixtures/kernel/${file}`, import.meta.url));

function machineFor(mode: string, s: MachineSettings, onConsole: (b: Uint8Array) => void): Machine {
  return createMachineIn(mode, { ramMiB: s.ramMiB, clock: s.clock, cpuHz: s.cpuHz, onConsole, cmdline: "kernel", ...(s.engine ? { engine: s.engine } : {}) });
}

/** The execution modes `vm7 bench --modes` knows (whether this build can run them: modeAvailability). */
export const MODES: Record<string, ModeSpec> = {
  native: {
    name: "native", kernel: kernelPath("kernel.elf"), vmm: false,
    description: "the guest kernel owns the emulated board, no VMM",
    createMachine: (s, onConsole) => machineFor("native", s, onConsole),
    unavailable: () => undefined,
  },
  full: {
    name: "full", kernel: kernelPath("kernel.elf"), vmm: true,
    description: "the same kernel deprivileged under the VMM: trap-and-emulate, shadow page tables",
    createMachine: (s, onConsole) => machineFor("full", s, onConsole),
    unavailable: () => modeSupport("full"),
  },
  para: {
    name: "para", kernel: kernelPath("kernel-para.elf"), vmm: true,
    description: "the kernel's paravirtual build (kernel-para.elf) under the VMM, hypercalls",
    createMachine: (s, onConsole) => machineFor("para", s, onConsole),
    unavailable: () => modeSupport("para"),
  },
};
/** The modes in the order they run and are shown (native first: the others are compared with it). */
export const MODE_NAMES: readonly string[] = Object.keys(MODES);

/** undefined when `mode` can run in this build with `kernel` (default: the mode's own image), else why not. */
export function modeAvailability(mode: string, kernel?: string): string | undefined {
  const spec = MODES[mode];
  if (!spec) return `no such mode (valid: ${MODE_NAMES.join(", ")})`;
  const why = spec.unavailable();
  if (why) return why;
  const k = kernel ?? spec.kernel;
  if (!existsSync(k)) return `its kernel image ${k} is missing`;
  return undefined;
}

/** The VMM's counters of a machine (empty for a machine without the VMM). */
export const readVmmStats = vmmStatsOf;

export interface SuiteOptions extends Omit<SuiteRunOptions, "vmm" | "createMachine" | "load" | "cpuSeconds"> {
  kernel: string;
  /** "tiny" (default): the tiny kernel at `kernel`; "linux": Debian's Linux 6.1 running /vm7/vm7bench
   *  (bench/linux) from a busybox initramfs, `kernel` ignored. */
  guest?: "tiny" | "linux";
  mode: string;
}

export function checkKernel(path: string): void {
  let st;
  try { st = statSync(path); } catch {
    throw new BenchInputError(`kernel image ${path} not found: it is committed in fixtures/kernel/ (check your checkout) and 'npm run fixtures' rebuilds it`);
  }
  if (!st.isFile() || st.size === 0) throw new BenchInputError(`kernel image ${path} is not a usable file (${st.isFile() ? "empty" : "not a regular file"}); check your checkout or run 'npm run fixtures'`);
}

/** Boot the kernel in `mode` and run the suites; resolves when it prints BENCH-END and exits 0. */
export async function runSuite(o: SuiteOptions): Promise<SuiteRun> {
  checkKernel(o.kernel);
  checkNames(o.names);
  const spec = MODES[o.mode];
  if (!spec) throw new BenchInputError(`unknown mode '${o.mode}' (valid: ${MODE_NAMES.join(", ")})`);
  const unavailable = spec.unavailable();
  if (unavailable) throw new BenchInputError(`mode ${o.mode} is not available in this build (${unavailable})`);
  return runSuiteOn({
    ...o, vmm: spec.vmm,
    createMachine: (onConsole) => spec.createMachine(o.machine, onConsole),
    cpuSeconds: () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; },
    load: (m, args) => {
      if (o.guest === "linux") {
        try {
          return loadLinuxRunning(m, `/vm7/vm7bench ${args.replace(/^bench ?/, "").replace(/ ?mem=\d+/, "")}`, () => {},
            o.machine.clock === "virtual" ? o.machine.cpuHz : undefined, {}, kernelOfImage(o.kernel)).markers;
        } catch (e) { throw new BenchInputError(`cannot set up the Linux guest: ${(e as Error).message}`); }
      }
      try {
        loadTinyKernel(m, new Uint8Array(readFileSync(o.kernel)), o.kernel, args);
      } catch (e) { throw new BenchInputError(`${o.kernel}: ${(e as Error).message}`); }
      return undefined;
    },
  });
}
