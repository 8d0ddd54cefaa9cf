// --gdb [HOST:]PORT and --gdb-wait for `vm7 run` and `vm7 linux`: the run loop under a GDB client
// (src/debug/gdbstub.ts speaks the protocol; this file decides when the machine runs). The machine
// runs in chunks while the client has resumed it, checking between chunks for Ctrl-C from the
// client, vm7's own stop conditions (timeout, SIGINT, --max-insns) and console input.
import { Option, type Command } from "commander";
import { InvalidArgumentError } from "commander";
import { Machine, hex, type RunResult } from "../machine/machine.js";
import { GdbStub, parseListen, type Resume, type StopInfo } from "../debug/gdbstub.js";
import { monitorCommand, type MonitorExtra } from "../debug/monitor.js";
import { History } from "../debug/reverse.js";
import { decodeSnapshot, applyImage, SnapshotError } from "../debug/snapshot.js";
import { yieldToHost, sleep } from "../machine/yield.js";
import { saveSnapshotFile, startRecording, finishRecording, type SnapshotOpts } from "./snapshot.js";
import { readFileSync } from "node:fs";
import type { ConsoleBridge } from "./console.js";
import { EXIT_INTERRUPTED, EXIT_LIMIT } from "./common.js";

export interface GdbOpts { gdb?: string; gdbWait: boolean }

export function addGdbOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option("--gdb <[host:]port>", "serve the GDB remote protocol on this TCP port (127.0.0.1 unless a host is " +
      "given; one client): connect with gdb-multiarch's 'target remote :PORT'").argParser((s: string) => {
      if (!parseListen(s)) throw new InvalidArgumentError(`--gdb wants [HOST:]PORT (e.g. 1234 or 0.0.0.0:1234), got '${s}'`);
      return s;
    }))
    .option("--gdb-wait", "with --gdb: stop before the first instruction until a client connects and continues", false);
}

const log = (s: string) => process.stderr.write(`vm7: ${s}\n`);

const histories = new WeakMap<GdbStub, History>();

export async function startGdb(m: Machine, spec: string): Promise<GdbStub> {
  const at = parseListen(spec)!;
  const history = new History(m);
  const extra: MonitorExtra = {
    "snapshot": {
      help: "snapshot save FILE | load FILE: the whole machine to or from a file (as --snapshot-at / --restore)",
      run: (args) => {
        const [op, file] = args;
        if (!file || (op !== "save" && op !== "load")) return "usage: monitor snapshot save FILE | monitor snapshot load FILE\n";
        if (op === "save") { saveSnapshotFile(m, file, { command: "run" }); return `saved the machine at ${m.icount} instructions to ${file}\n`; }
        const { header, image } = decodeSnapshot(readFileSync(file), file);
        const c = header.machine, mine = m.config;
        if (c.mode !== mine.mode || c.ramMiB !== mine.ramMiB || c.clock !== mine.clock || c.cpuHz !== mine.cpuHz) {
          throw new SnapshotError(`${file}: saved from a ${c.mode} machine with ${c.ramMiB} MiB (${c.clock} clock); this one is ${mine.mode}, ${mine.ramMiB} MiB (${mine.clock})`);
        }
        applyImage(m, image);
        history.forget();
        return `loaded ${file}: now at ${m.icount} instructions, pc 0x${hex(m.pc)}\n`;
      },
    },
    "reverse": {
      help: "reverse execution's checkpoints: how many, their memory, the last capture's time",
      run: () => `history from instruction ${history.start} to ${history.highWater}: ${history.stats.checkpoints} checkpoints, ` +
        `${(history.stats.bytes / 1048576).toFixed(1)} MiB, last capture ${history.stats.captureMs.toFixed(0)} ms\n`,
    },
  };
  const stub = new GdbStub(m, {
    host: at.host, port: at.port, log, reverse: true,
    monitor: (cmd) => monitorCommand(m, cmd, extra),
    onModify: () => history.forget(),
  });
  histories.set(stub, history);
  let where;
  try { where = await stub.listen(); } catch (e) { throw new Error(`--gdb ${spec}: cannot listen: ${(e as Error).message}`); }
  log(`gdb: listening on ${where.host}:${where.port} (gdb-multiarch -ex 'target remote ${where.host}:${where.port}')`);
  return stub;
}

export interface GdbLoopControl {
  /** vm7 itself wants to stop (timeout, SIGINT, Ctrl-A X): the loop returns. */
  stopRequested(): boolean;
  console?: ConsoleBridge;
  maxInsns?: number;
  wait: boolean;
  /** As runGuest's (src/cli/common.ts): a line ending the run before a chunk; true after one ends it. */
  before?: () => string | undefined;
  after?: () => boolean;
}

/** How the loop ended: the guest's own stop (result), or a line and status of vm7's (code, line),
 *  or neither when vm7 itself was asked to stop (stopRequested). */
export interface GdbLoopEnd { result?: RunResult; code?: number; line?: string }

/** Run `m` under the stub until the guest ends, the client kills it, or vm7 stops. */
export async function gdbLoop(m: Machine, stub: GdbStub, c: GdbLoopControl): Promise<GdbLoopEnd> {
  const budgetEnd = c.maxInsns ?? Infinity;
  const history = histories.get(stub) ?? new History(m);
  let resume: Resume = { kind: "continue" };
  if (c.wait) {
    log("gdb: waiting for a client before the first instruction (--gdb-wait)");
    while (!stub.connected && !c.stopRequested()) await sleep(50);
    if (c.stopRequested()) return {};
    resume = await stub.stopped({ signal: 5 });
  }
  try {
    for (;;) {
      if (c.stopRequested()) return {};
      if (stub.detached) { stub.detached = false; }
      if (resume.kind === "kill") {
        return { code: EXIT_INTERRUPTED, line: `stopped: killed by the gdb client at pc 0x${hex(m.pc)} after ${m.icount} instructions` };
      }
      if (resume.kind === "reverse-step" || resume.kind === "reverse-continue") {
        const r = resume.kind === "reverse-step" ? history.reverseStep() : history.reverseContinue();
        resume = await stub.stopped(r.kind === "begin" ? { signal: 5, reason: "replaylog" }
          : r.kind === "breakpoint" ? { signal: 5, reason: "swbreak" }
          : r.kind === "watchpoint" ? { signal: 5, reason: r.type === "read" ? "rwatch" : r.type === "access" ? "awatch" : "watch", addr: r.addr }
          : { signal: 5 });
        continue;
      }
      // continue / step / detach (run on freely)
      const step = resume.kind === "step";
      const ic0 = m.icount, pc0 = m.pc;
      let stop: StopInfo | undefined;
      let end: GdbLoopEnd | undefined;
      for (;;) {
        if (c.stopRequested()) return {};
        if (stub.wantStop) { stop = { signal: 2 }; break; }
        const left = budgetEnd - m.icount;
        if (left <= 0) { end = { code: EXIT_LIMIT, line: `stopped: --max-insns ${c.maxInsns} reached at pc 0x${hex(m.pc)}` }; break; }
        const why = stub.connected ? undefined : c.before?.(); // (quiet-console ends mean nothing while a client holds it)
        if (why !== undefined) { end = { code: 0, line: why }; break; }
        history.beforeRun();
        // Below the high-water mark the run re-executes history: muted, up to the mark.
        const replaying = m.icount < history.highWater;
        const chunk = Math.min(left, step ? Infinity : 1 << 20, replaying ? history.highWater - m.icount : Infinity);
        m.muted = replaying;
        const t0 = performance.now();
        const r = m.run({ maxInsns: chunk, step });
        m.muted = false;
        history.ran(performance.now() - t0);
        if (c.after?.()) { end = { code: 0, line: "" }; break; }
        if (r.reason === "breakpoint") { stop = { signal: 5, reason: "swbreak" }; break; }
        if (r.reason === "watchpoint") {
          const w = r.debug?.watch;
          stop = { signal: 5, reason: w?.type === "read" ? "rwatch" : w?.type === "access" ? "awatch" : "watch", addr: w?.addr ?? r.debug?.address };
          break;
        }
        if (r.reason === "step") { stop = { signal: 5 }; break; }
        if (step && (m.icount !== ic0 || m.pc !== pc0)) { stop = { signal: 5 }; break; }
        if (r.reason === "budget") { await yieldToHost(); continue; }
        if (r.reason === "wait") { await sleep(Math.min(r.waitMs ?? 10, 20)); continue; }
        if (r.reason === "input" || (r.reason === "idle" && c.console?.open)) {
          if (r.reason === "input" && !c.console?.open) { m.endInput(); continue; }
          await (c.console ? c.console.waitForInput(50) : sleep(50));
          continue;
        }
        if (r.reason === "exit") { stub.exited(r.exitCode ?? 0); end = { result: r }; break; }
        // idle for good, fatal, bkpt, host: the machine cannot go on by itself; the client decides
        if (!stub.connected) { end = { result: r }; break; }
        stop = { signal: r.reason === "fatal" ? 11 : 5, message: `vm7: ${r.message}\n` };
        break;
      }
      if (end) return end;
      resume = await stub.stopped(stop!);
    }
  } finally {
    stub.close();
  }
}


/** What `vm7 run` and `vm7 linux` hand runGuest for --gdb, --snapshot-at and --record, and do at the end. */
export interface RunPoints {
  stub?: GdbStub;
  at?: { icount: number; fn: () => void };
  /** After the run: the recording written, and a word if --snapshot-at was never reached. */
  finish(m: Machine): void;
}

/**
 * Checks --gdb-wait, --gdb and --snapshot-at together, starts the recording of `first` (--record) and
 * the gdb stub (--gdb), and sets the --snapshot-at point, which saves the machine running then
 * (`current()`: after a reboot, the new one) with `app()`, what the command needs after a restore.
 * `usage` makes the command's one-line usage error.
 */
export async function runPoints(o: SnapshotOpts & GdbOpts, first: Machine, current: () => Machine, app: () => Record<string, unknown>,
  usage: (message: string) => Error): Promise<RunPoints> {
  const rec = o.record !== undefined ? startRecording(first, app()) : undefined;
  if (o.gdbWait && !o.gdb) throw usage("--gdb-wait needs --gdb PORT");
  if (o.snapshotAt && o.gdb) throw usage("--snapshot-at and --gdb: under gdb, save with 'monitor snapshot save FILE'");
  let stub: GdbStub | undefined;
  try { stub = o.gdb ? await startGdb(first, o.gdb) : undefined; } catch (e) { throw usage((e as Error).message); }
  const snap = o.snapshotAt;
  let saved = false;
  return {
    stub,
    at: snap ? { icount: snap.icount, fn: () => { saveSnapshotFile(current(), snap.file, app()); saved = true; } } : undefined,
    finish(m) {
      if (rec) finishRecording(m, rec, o.record!);
      if (snap && !saved) process.stderr.write(`vm7: no snapshot saved: the run ended at ${m.icount} instructions, before ${snap.icount}\n`);
    },
  };
}
