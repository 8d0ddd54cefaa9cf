// `vm7 linux --guests N`: N Linux guests on one VMM (docs/guests.md, "Linux guests"). Each guest
// boots the same kernel and initramfs in its own partition of RAM (the DTB's memory node says the
// partition's size; the guest sees it at 0x80000000), with VM7_GUEST=<index> on its kernel command
// line (Linux hands an unknown name=value argument to init as an environment variable, so /init and
// --exec's command see it). The scheduler is src/machine/guests.ts; each guest's console lines go to
// stdout prefixed "[gN] " (with --exec, only the command's output, cut out between /init's markers);
// a guest that powers off ends alone; vm7 exits with the highest of the guests' statuses.
import { Guests, type GuestOutcome } from "../machine/guests.js";
import type { Machine } from "../machine/machine.js";
import { loadLinux } from "../loaders/linux.js";
import { ImageError } from "../loaders/elf.js";
import { parseExecOutput, partialExecOutput, type ExecMarkers } from "../linux/initramfs.js";
import { EXIT_FATAL, EXIT_LIMIT, EXIT_INTERRUPTED, type VmMode } from "./common.js";
import { ConsoleBridge } from "./console.js";

/** Options of `vm7 linux` that do not work with --guests yet, with the reason (one line each). */
export const LINUX_NOT_WITH_GUESTS: [string, string][] = [
  ["gdb", "the debugger attaches to one guest"], ["gdbWait", "the debugger attaches to one guest"],
  ["snapshotAt", "snapshots hold one guest"], ["restore", "snapshots hold one guest"], ["stateHash", "the state hash covers one guest"],
  ["record", "record/replay is for one guest"], ["replay", "record/replay is for one guest"],
  ["trace", "tracing follows one guest"],
];

/** The one-line refusal of an option combination --guests cannot run (undefined: none). */
export function linuxGuestsRefusal(o: { guests?: number; mode: VmMode; clock?: string; engine?: string }, modeGiven: boolean,
  given: (name: string) => boolean): string | undefined {
  const n = o.guests!;
  for (const [name, why] of LINUX_NOT_WITH_GUESTS) {
    if (given(name)) return `--${name.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase())} cannot be used with --guests: ${why}`;
  }
  if (o.clock === "wall") return "--clock wall cannot be used with --guests: several guests run on virtual time only (one clock from the instruction count)";
  if (o.engine === "jit") return "--engine jit cannot be used with --guests: several guests run on the interpreter (the JIT's code cache is not yet switched with the guests)";
  if (modeGiven && o.mode === "native") return `--guests ${n}: several guests run under the VMM: give --mode full (native mode has one guest, which owns the CPU)`;
  return undefined;
}

export interface LinuxGuestsRun {
  n: number;
  mode: VmMode;
  ram: number;
  cpuHz: number;
  kernel: Uint8Array; kernelName: string; textOffset?: number;
  dtb: Uint8Array; dtbName: string;
  initrd: Uint8Array;
  /** What vm7 appends to the command line of every guest (VM7_GUEST=k follows). */
  append: string;
  markers?: ExecMarkers;
  verbose: boolean;
  stats: boolean;
  maxInsns?: number;
  timeout?: number;
  slice?: number;
  weights?: number[];
  vmmCost?: Record<string, number>;
  /** After the machine is made and each guest loaded (guest k selected): its virtio devices. */
  attach?: (m: Machine, k: number) => void;
  log: (s: string) => void;
}

/** Instructions a guest may run after its end marker before it must have powered off (as vm7 linux). */
const EXEC_POWEROFF_GRACE = 200_000_000;

export async function runLinuxGuests(o: LinuxGuestsRun): Promise<number> {
  const t0 = performance.now();
  const transcript: string[] = new Array(o.n).fill("");
  const exec: ({ output: string; status: number; at: number } | undefined)[] = new Array(o.n).fill(undefined);
  const printed: boolean[] = new Array(o.n).fill(false);
  const insnsNow: number[] = new Array(o.n).fill(0);
  const prefix = (k: number, text: string) => text.split("\n").map((l) => `[g${k}] ${l}\n`).join("");
  const places: string[] = [];
  const pre = new Prefixer();
  let lastOutput = performance.now();
  let g: Guests;
  try {
    g = new Guests({
      mode: o.mode, ramMiB: o.ram, cpuHz: o.cpuHz, sliceInsns: o.slice, vmmCost: o.vmmCost, semihosting: false,
      guests: Array.from({ length: o.n }, (_, k) => ({
        name: `linux#${k}`, weight: o.weights?.[k],
        load: (m: Machine) => {
          const p = loadLinux(m, {
            kernel: o.kernel, kernelName: o.kernelName, textOffset: o.textOffset, dtb: o.dtb, dtbName: o.dtbName,
            initrd: o.initrd, append: [o.append, `VM7_GUEST=${k}`].filter((s) => s).join(" "),
          });
          places.push(`guest ${k}: ${o.kernelName} at 0x${p.kernelAddr.toString(16)}, DTB at 0x${p.dtbAddr.toString(16)}` +
            (p.initrd ? `, initrd 0x${p.initrd.start.toString(16)}-0x${p.initrd.end.toString(16)}` : "") +
            ` in ${m.guestRamBytes >>> 20} MiB at machine 0x${m.guestBase(k).toString(16)}; command line: ${p.cmdline}`);
          o.attach?.(m, k);
        },
      })),
      onLine: (k, line) => {
        transcript[k] += line + "\n";
        if (o.markers && o.verbose) process.stderr.write(`[g${k}] ${line}\n`);
      },
      // Interactive: the consoles as they come, every line prefixed (a prompt too, before its newline).
      onText: o.markers ? undefined : (k, text) => { lastOutput = performance.now(); process.stdout.write(pre.add(k, text)); },
    });
  } catch (e) {
    if (e instanceof ImageError) throw e;
    throw new ImageError((e as Error).message);
  }
  if (o.stats || o.verbose) for (const p of places) o.log(p);
  const tLoaded = performance.now();
  let interrupted = false, timedOut = false, inputEnded = false;
  const onSig = () => { interrupted = true; };
  process.on("SIGINT", onSig);
  // Interactive: the terminal is the console of one guest at a time (guest 0 first; Ctrl-A 0-7 picks
  // another); its input waits for that guest's next slice. Stdin from a pipe is read to its end.
  const m = g.machine;
  const bridge = o.markers ? undefined : new ConsoleBridge(m);
  if (bridge) {
    bridge.onQuit = () => { interrupted = true; };
    bridge.commands.h = () => process.stderr.write(`\r\nvm7: Ctrl-A X quit, Ctrl-A 0-${o.n - 1} console input to that guest ` +
      `(now guest ${m.inputGuest}), Ctrl-A Ctrl-A send Ctrl-A\r\n`);
    for (let k = 0; k < o.n; k++) {
      bridge.commands[String(k)] = () => { m.inputGuest = k; process.stderr.write(`\r\nvm7: console input goes to guest ${k}\r\n`); };
    }
    bridge.start();
    if (process.stdin.isTTY) o.log(`${o.n} guests: console input goes to guest 0; Ctrl-A 0-${o.n - 1} picks another, Ctrl-A X quits`);
  }
  let r;
  try {
    r = await g.run({
      maxInsns: o.maxInsns,
      // Interactive: when every guest idles, wait (up to 100 ms) for console input before moving the
      // clock to the next timer, as vm7 linux does with one guest: idle guests leave the host idle.
      allIdle: bridge ? () => (bridge.open ? bridge.waitForInput(100) : Promise.resolve()) : undefined,
      shouldStop: () => {
        if (o.timeout !== undefined && performance.now() - t0 > o.timeout * 1000) timedOut = true;
        // Console input from a pipe: once it has ended and the consoles have been quiet for 2 s, stop
        // (Linux guests never idle for good: their timers keep virtual time going).
        if (bridge && !bridge.open && performance.now() - lastOutput > 2000) inputEnded = true;
        return interrupted || timedOut || inputEnded;
      },
      endGuest: (k, insns) => {
        insnsNow[k] = insns;
        if (!o.markers) return undefined;
        if (!exec[k]) {
          const e = parseExecOutput(transcript[k], o.markers);
          if (e) {
            exec[k] = { ...e, at: insns };
            if (e.output !== "") process.stdout.write(prefix(k, e.output.replace(/\n$/, "")));
            printed[k] = true;
          }
          return undefined;
        }
        // /init powers the guest off after the marker; one that cannot (a --dtb without the
        // power-off node) is ended here, with its command's status all the same.
        return insns - exec[k]!.at > EXEC_POWEROFF_GRACE ? "did not power off after its command's end marker" : undefined;
      },
    });
  } finally { process.off("SIGINT", onSig); bridge?.stop(); }
  if (bridge && !pre.atStart) process.stdout.write("\n");
  const tEnd = performance.now();
  let code = 0;
  for (const out of r.guests) {
    const k = out.guest;
    // The last slice's output (a guest that powered off right after its marker) is parsed here.
    if (o.markers && !exec[k]) {
      const e = parseExecOutput(transcript[k], o.markers);
      if (e) exec[k] = { ...e, at: out.insns };
    }
    const e = exec[k];
    if (e && !printed[k] && e.output !== "") process.stdout.write(prefix(k, e.output.replace(/\n$/, "")));
    let st: number, line: string;
    if (e) { st = e.status; line = `command exited with status ${e.status}`; }
    else {
      st = statusOf(out);
      if (out.result.reason === "budget") {
        if (interrupted) { st = EXIT_INTERRUPTED; line = "stopped: interrupted"; }
        else if (inputEnded) { st = 0; line = "stopped: stdin ended and the consoles have been quiet for 2 s"; }
        else if (timedOut) line = `stopped: --timeout ${o.timeout}s reached`;
        else if (r.budget) line = `stopped: --max-insns ${o.maxInsns} reached (all guests together)`;
        else line = out.result.message;
      } else line = out.result.message;
      if (o.markers && (out.result.reason === "poweroff" || out.result.reason === "reset")) {
        const part = partialExecOutput(transcript[k], o.markers);
        if (part !== "") process.stdout.write(prefix(k, part.replace(/\n$/, "")));
      }
    }
    process.stderr.write(`vm7: [g${k}] ${line} after ${out.insns} instructions (${out.slices} slices)\n`);
    if (!e && st !== 0 && o.markers) {
      const tail = transcript[k].replace(/\r/g, "").split("\n").slice(-15).join("\n");
      process.stderr.write(`vm7: [g${k}] the command did not finish; last console output:\n${prefix(k, tail)}`);
    }
    if (!e && st === EXIT_FATAL) { g.select(k); process.stderr.write(g.machine.dumpRegs().replace(/^/gm, `[g${k}] `) + "\n"); }
    code = Math.max(code, st);
  }
  if (o.stats) {
    const total = r.guests.reduce((a, x) => a + x.insns, 0);
    o.log(`stats: setup ${((tLoaded - t0) / 1000).toFixed(2)} s; ${o.n} guests, ${r.switches} switches, ${total} instructions in ` +
      `${((tEnd - tLoaded) / 1000).toFixed(2)} s (${(total / Math.max(tEnd - tLoaded, 1) / 1000).toFixed(1)} M instructions/s); ` +
      `${r.idleWaits} waits for console input while every guest idled`);
    g.stats().forEach((s, k) => {
      const lines = [`vm7: vmm stats of guest ${k} (${o.mode} mode):`];
      for (const [name, v] of Object.entries(s)) if (v !== 0 || !name.startsWith("hc_")) lines.push(`  ${name.padEnd(20)} ${v}`);
      process.stderr.write(lines.join("\n") + "\n");
    });
  } else o.log(`${o.n} guests, ${r.switches} switches, ${Math.round(tEnd - t0)} ms`);
  return code;
}

function statusOf(o: GuestOutcome): number {
  switch (o.result.reason) {
    case "exit": return o.result.exitCode ?? 0;
    case "poweroff": case "reset": return 0;
    case "budget": return EXIT_LIMIT;
    case "host": return o.result.message.startsWith("did not power off") ? 0 : EXIT_INTERRUPTED;
    default: return EXIT_FATAL;
  }
}

/** Console text of several guests on one stream: each line starts with "[gN] "; when another guest's
 *  text comes in the middle of a line (a prompt), that line is ended first. */
export class Prefixer {
  private last = -1;
  atStart = true;
  add(k: number, text: string): string {
    let s = "";
    if (text === "") return s;
    if (k !== this.last) { if (!this.atStart) s += "\n"; this.atStart = true; this.last = k; }
    for (const piece of text.split(/(?<=\n)/)) {
      if (this.atStart) s += `[g${k}] `;
      s += piece;
      this.atStart = piece.endsWith("\n");
    }
    return s;
  }
}
