// The emulator's Web Worker: one Machine (or one benchmark series), run in slices so that messages
// from the page (console input, pause) get through between them. It runs the guest the way `vm7 run`
// does (same Machine API, same slices of instructions, same console handling), so a given image, mode
// and clock prints the same output and retires the same number of instructions as the CLI.
import { Machine, type MachineOptions, type RunResult } from "../../src/machine/machine.js";
import { setCoreModule } from "../../src/machine/core.js";
import { modeSupport, createMachineIn } from "../../src/machine/modes.js";
import { loadLinux } from "../../src/loaders/linux.js";
import { runSuiteOn, loadTinyKernel, sleep, BENCHMARK_NAMES } from "../../src/bench/runner.js";
import { yieldToHost } from "../../src/machine/yield.js";
import type { ToWorker, FromWorker, Mode, Boot, MachineChoice } from "./protocol.js";

const post = (msg: FromWorker, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(msg, transfer);

/** The execution engines the Machine API offers, feature-detected as modes.ts detects modes: an engine is
 *  offered when a Machine created with `engine: name` says it runs that engine (the interpreter always). */
function engines(): string[] {
  return ["interp", ...["jit"].filter((engine) => {
    try { return (Machine.createSync({ ramMiB: 1, engine } as MachineOptions) as Machine & { engine?: string }).engine === engine; } catch { return false; }
  })];
}

let m: Machine | undefined;
let paused = false;
let wake: (() => void) | undefined;
const wakeUp = () => { const w = wake; wake = undefined; w?.(); };
/** Resolves on the next message from the page, or after `ms`. */
const nextMessage = (ms: number) => new Promise<void>((res) => { wake = res; setTimeout(() => { if (wake === res) wake = undefined; res(); }, ms); });

self.onmessage = (ev: MessageEvent<ToWorker>) => {
  const msg = ev.data;
  try {
    if (msg.core) setCoreModule(msg.core);
    switch (msg.type) {
      case "boot": void boot(msg.boot, msg.machine, msg.cmdline).catch(fail); break;
      case "bench": void bench(msg).catch(fail); break;
      case "input": m?.input(msg.bytes); break;
      case "pause": paused = true; break;
      case "resume": paused = false; break;
      case "probe":
        post({ type: "ready", modes: (["native", "full", "para"] as Mode[]).filter((x) => modeSupport(x) === undefined), engines: engines() });
        break;
    }
  } catch (e) { fail(e); }
  wakeUp();
};

function fail(e: unknown): void { post({ type: "error", message: (e as Error).message ?? String(e) }); }

function createMachine(c: MachineChoice, cmdline: string, onConsole: (b: Uint8Array) => void): Machine {
  const why = modeSupport(c.mode);
  if (why) throw new Error(`${c.mode} mode: this build cannot run it (${why})`);
  return createMachineIn(c.mode, {
    ramMiB: c.ramMiB, clock: c.clock, cpuHz: c.cpuHz, cmdline, onConsole,
    ...(c.engine ? { engine: c.engine } as MachineOptions : {}),
  });
}

/** Console bytes collected during a slice, posted together after it. */
let pending: Uint8Array[] = [];
function flushConsole(): void {
  if (!pending.length) return;
  const n = pending.reduce((a, b) => a + b.length, 0), all = new Uint8Array(n);
  let o = 0;
  for (const b of pending) { all.set(b, o); o += b.length; }
  pending = [];
  post({ type: "console", bytes: all }, [all.buffer]);
}

async function boot(b: Boot, c: MachineChoice, cmdline: string): Promise<void> {
  const machine = createMachine(c, cmdline, (bytes) => pending.push(bytes.slice()));
  m = machine;
  if (b.kind === "elf") machine.loadElf(b.bytes, b.name);
  else {
    loadLinux(machine, {
      kernel: b.kernel, kernelName: b.name, textOffset: b.textOffset, dtb: b.dtb, dtbName: "dtb", initrd: b.initrd,
      append: b.append,
    });
  }
  const t0 = performance.now();
  let lastFigures = 0, pausedMs = 0;
  const figures = (running: boolean) => {
    post({ type: "figures", icount: machine.icount, seconds: (performance.now() - t0 - pausedMs) / 1000, running, vmm: machine.vmmStats() });
  };
  let r: RunResult;
  for (;;) {
    if (paused) {
      flushConsole(); figures(false);
      const p0 = performance.now();
      while (paused) await nextMessage(1000);
      pausedMs += performance.now() - p0;
    }
    // As `vm7 run`: Machine.run in calls of up to 8M instructions (1M per call into the core); here 1M
    // per call, so that the page's messages and the live figures come through every few milliseconds.
    r = machine.run({ maxInsns: 1 << 20 });
    flushConsole();
    const now = performance.now();
    if (now - lastFigures > 200) { lastFigures = now; figures(true); }
    if (r.reason === "budget") { await yieldToHost(); continue; }
    if (r.reason === "wait") { await sleep(Math.min(r.waitMs ?? 10, 50)); continue; }
    // The page's terminal never closes: a guest waiting for input waits for the user to type.
    if (r.reason === "input" || r.reason === "idle") { figures(false); await nextMessage(100); continue; }
    break;
  }
  figures(false);
  const line = r.reason === "exit" ? `guest exited with status ${r.exitCode} after ${machine.icount} instructions` : `stopped: ${r.message}`;
  post({ type: "stopped", reason: r.reason, message: line, exitCode: r.exitCode, icount: machine.icount, regs: r.reason === "exit" ? undefined : machine.dumpRegs() });
}

async function bench(msg: Extract<ToWorker, { type: "bench" }>): Promise<void> {
  for (const mode of msg.modes) {
    const kernel = mode === "para" ? "kernel-para.elf" : "kernel.elf";
    post({ type: "bench-progress", mode, text: `${mode} mode: booting ${kernel} (${msg.quick ? "quick" : "full"} suites)` });
    let lastTick = 0;
    const run = await runSuiteOn({
      mode, vmm: mode !== "native", kernel, quick: msg.quick, names: [],
      machine: { clock: msg.machine.clock, cpuHz: msg.machine.cpuHz, ramMiB: msg.machine.ramMiB }, // (the engine: createMachine's)
      createMachine: (onConsole) => createMachine({ ...msg.machine, mode }, "kernel", onConsole),
      load: (mm, args) => { loadTinyKernel(mm, msg.kernels[mode], kernel, args); return undefined; },
      onResult: (result) => post({ type: "bench-result", result }),
      onTick: (insns, s, running) => {
        if (s - lastTick < 0.25) return;
        lastTick = s;
        post({ type: "bench-progress", mode, text: `${mode} mode: ${BENCHMARK_NAMES.includes(running) ? `running ${running}` : running}, ${(insns / 1e6).toFixed(1)}M instructions, ${s.toFixed(1)} s` });
      },
    });
    post({ type: "bench-run", run });
  }
  post({ type: "bench-done" });
}
