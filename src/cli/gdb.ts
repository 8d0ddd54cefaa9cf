// --gdb [HOST:]PORT and --gdb-wait for `vm7 run` and `vm7 linux`: the run loop under a GDB client
// (src/debug/gdbstub.ts speaks the protocol; this file decides when the machine runs). The machine
// runs in chunks while the client has resumed it, checking between chunks for Ctrl-C from the
// client, vm7's own stop conditions (timeout, SIGINT, --max-insns) and console input.
import { Option, type Command } from "commander";
import { InvalidArgumentError } from "commander";
import { Machine, hex, type RunResult } from "../machine/machine.js";
import { GdbStub, parseListen, type Resume, type StopInfo } from "../debug/gdbstub.js";
import { monitorCommand } from "../debug/monitor.js";
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

export async function startGdb(m: Machine, spec: string): Promise<GdbStub> {
  const at = parseListen(spec)!;
  const stub = new GdbStub(m, {
    host: at.host, port: at.port, log, reverse: false,
    monitor: (cmd) => monitorCommand(m, cmd),
  });
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
        resume = await stub.stopped({ signal: 5, message: "vm7: reverse execution is not available in this session\n" });
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
        const r = m.run({ maxInsns: Math.min(left, step ? Infinity : 1 << 20), step });
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

function yieldToHost(): Promise<void> { return new Promise((res) => setImmediate(res)); }
function sleep(ms: number): Promise<void> { return new Promise((res) => setTimeout(res, ms)); }
