// What the `vm7` subcommands share: exit statuses, the number parser for option values, the mode type,
// and the loop that runs a guest on the terminal (slices, --max-insns, --timeout, SIGINT, console).
import { InvalidArgumentError, Option } from "commander";
import { hex, ENGINES, type Machine, type RunResult } from "../machine/machine.js";
import { traceLine } from "../disasm/trace.js";
import { yieldToHost, sleep } from "../machine/yield.js";
import type { ConsoleBridge } from "./console.js";
import type { GdbStub } from "../debug/gdbstub.js";
import { gdbLoop } from "./gdb.js";

export { VM_MODES, type VmMode, ENGINES, type Engine } from "../machine/machine.js";

/** --engine for every subcommand that creates machines (run, linux, bench): one text, one check. */
export function engineOption(): Option {
  return new Option("--engine <engine>", "execution engine: 'interp' interprets every instruction; 'jit' compiles hot " +
    "blocks to WebAssembly (the same instructions retire with the same results, faster: docs/jit.md). Default jit, " +
    "or $VM7_ENGINE ($VM7_JIT_THRESHOLD: block entries before a block is compiled)").choices(ENGINES as unknown as string[]);
}

/** The JIT's counters as --stats prints them, every one Machine.jitStats() has ("" under the interpreter). */
export function formatJitStats(m: Machine): string {
  const s = m.jitStats();
  if (!s) return "";
  // camelCase -> snake_case (compileMs -> compile_ms); the millisecond counters to one decimal
  const rows: Array<[string, string]> = Object.entries(s).map(([k, v]) =>
    [k.replace(/[A-Z]/g, (c) => "_" + c.toLowerCase()), k.endsWith("Ms") ? (v as number).toFixed(1) : `${v}`]);
  return `vm7: jit stats (engine ${m.engine}):\n` + rows.map(([k, v]) => `  ${k.padEnd(20)} ${v}`).join("\n") + "\n";
}

export const EXIT_BAD_INPUT = 2;
export const EXIT_FATAL = 3;
/** `vm7 linux` cannot get the kernel or busybox (apt failed and nothing is cached). */
export const EXIT_NO_PACKAGES = 69;
export const EXIT_LIMIT = 124;
export const EXIT_INTERRUPTED = 130;

/** A commander parser for a number option: decimal (with _ separators, a fraction, an exponent) or 0x hex, in [min, max]. */
export function parseNumber(what: string, { min = 0, max = Number.MAX_SAFE_INTEGER } = {}) {
  return (s: string): number => {
    const t = s.trim().replace(/_/g, "");
    const v = /^0x[0-9a-f]+$/i.test(t) ? parseInt(t, 16) : /^\d+(\.\d+)?(e\d+)?$/i.test(t) ? Number(t) : NaN;
    if (!Number.isFinite(v) || v < min || v > max) throw new InvalidArgumentError(`${what} must be a number from ${min} to ${max} (decimal or 0x hex), got '${s}'`);
    return v;
  };
}

export interface GuestRunOptions {
  /** Stop (status 124) once the machine has retired this many instructions. */
  maxInsns?: number;
  /** Stop (status 124) after this many host seconds. */
  timeout?: number;
  /** Print every instruction on stderr before executing it (one instruction per slice). */
  trace?: boolean;
  /** Instructions per Machine.run() call; the event loop runs between calls. */
  sliceInsns: number;
  /** The terminal as the guest's console: started and stopped here, Ctrl-A X interrupts. */
  console?: ConsoleBridge;
  /** Before each slice, with the instructions retired so far (every boot): a line to end the run
   *  with (status 0; "" for none), or undefined to go on. */
  before?: (insns: number) => string | undefined;
  /** After each slice, with the instructions retired so far: true ends the run (status 0, no line). */
  after?: (insns: number) => boolean;
  /** When the guest resets the board (PRM_RSTCTRL): a fresh machine booted from the same images,
   *  which the run goes on with, as a real board reboots. Without it (--no-reboot) the reset ends
   *  the run with status 0. */
  reboot?: () => Promise<Machine>;
  /** Call `fn` once, when the machine has retired exactly `icount` instructions (--snapshot-at). */
  at?: { icount: number; fn: () => void };
  /** A GDB client decides when the machine runs (--gdb, src/cli/gdb.ts); gdbWait: stopped at the start. */
  gdb?: GdbStub;
  gdbWait?: boolean;
}

export interface GuestRunEnd {
  /** The exit status vm7 should end with. */
  code: number;
  /** How the run ended, in one line ("" when `after` ended it). */
  line: string;
  /** The guest's own stop, when it ended the run. */
  result?: RunResult;
  /** The machine at the end: the last one booted when the guest reset the board. */
  machine: Machine;
  /** Instructions retired, over every boot. */
  insns: number;
}

/**
 * Runs the machine until the guest exits or stops, or --max-insns, --timeout, SIGINT or Ctrl-A X
 * ends the run: in slices, yielding to the event loop between them (timers, signals and console
 * input are handled there), sleeping while the guest waits for a timer or for console input. A guest
 * that powers the board off ends the run with status 0; one that resets it boots again (o.reboot).
 */
export async function runGuest(m: Machine, o: GuestRunOptions): Promise<GuestRunEnd> {
  let stopReason: "timeout" | "interrupted" | undefined;
  const timer = o.timeout !== undefined ? setTimeout(() => { stopReason = "timeout"; }, o.timeout * 1000) : undefined;
  const onSigint = () => { stopReason = "interrupted"; };
  process.on("SIGINT", onSigint);
  const bridge = o.console;
  if (bridge) {
    bridge.onQuit = () => { stopReason = "interrupted"; };
    bridge.start();
  }
  let result: RunResult | undefined;
  let code = 0;
  let line = "";
  const budgetEnd = o.maxInsns ?? Infinity;
  let prior = 0; // instructions of the boots before a reboot
  const used = () => prior + m.icount;
  try {
    if (o.gdb) {
      const g = await gdbLoop(m, o.gdb, {
        stopRequested: () => stopReason !== undefined, console: bridge, maxInsns: o.maxInsns, wait: o.gdbWait === true,
        before: () => o.before?.(used()), after: () => o.after?.(used()) === true,
      });
      result = g.result;
      if (g.line !== undefined) { line = g.line; code = g.code ?? 0; }
    }
    let at = o.at;
    for (;;) {
      if (o.gdb || stopReason) break;
      if (at && m.icount >= at.icount) { at.fn(); at = undefined; }
      const left = budgetEnd - used();
      if (left <= 0) { line = `stopped: --max-insns ${o.maxInsns} reached at pc 0x${hex(m.pc)}`; code = EXIT_LIMIT; break; }
      const why = o.before?.(used());
      if (why !== undefined) { line = why; break; }
      // Slices end at multiples of sliceInsns, wherever the run started (a restored snapshot): an
      // `after` that ends the run sees the same boundaries, so the run ends at the same count.
      const aligned = o.sliceInsns - (m.icount % o.sliceInsns);
      const slice = at ? Math.min(aligned, at.icount - m.icount) : aligned;
      let r: RunResult;
      if (o.trace) { process.stderr.write(traceLine(m) + "\n"); r = m.run({ maxInsns: 1, sliceInsns: 1 }); }
      else r = m.run({ maxInsns: Math.min(left, slice), yields: true });
      if (o.after?.(used())) break;
      if (r.reason === "budget") { await yieldToHost(); continue; }
      if (r.reason === "wait") { await sleep(Math.min(r.waitMs ?? 10, 50)); continue; }
      if (r.reason === "input" || (r.reason === "idle" && bridge?.open)) {
        // A semihosting read with no console (or one whose input has ended) sees end of file.
        if (r.reason === "input" && !bridge?.open) { m.endInput(); continue; }
        await bridge!.waitForInput(100);
        continue;
      }
      if (r.reason === "reset" && o.reboot) {
        process.stderr.write(`vm7: the guest reset the board after ${used()} instructions: rebooting\n`);
        prior += m.icount;
        m = await o.reboot();
        if (bridge) bridge.machine = m;
        continue;
      }
      result = r;
      break;
    }
  } finally {
    if (timer) clearTimeout(timer);
    process.off("SIGINT", onSigint);
    bridge?.stop();
  }
  const insns = used();
  if (stopReason === "timeout") { line = `stopped: --timeout ${o.timeout}s reached at pc 0x${hex(m.pc)} after ${insns} instructions`; code = EXIT_LIMIT; }
  else if (stopReason === "interrupted") { line = `stopped: interrupted at pc 0x${hex(m.pc)} after ${insns} instructions`; code = EXIT_INTERRUPTED; }
  else if (result) {
    switch (result.reason) {
      case "exit": line = `guest exited with status ${result.exitCode} after ${insns} instructions`; code = result.exitCode ?? 0; break;
      case "poweroff": line = `the guest powered the board off after ${insns} instructions`; break;
      case "reset": line = `the guest reset the board after ${insns} instructions; not rebooting it (--no-reboot)`; break;
      case "replay-end": line = `replay finished: ${result.message.replace(/^the replay /, "it ")}`; break;
      default: line = `stopped: ${result.message}`; code = EXIT_FATAL; break;
    }
  }
  return { code, line, result, machine: m, insns };
}
