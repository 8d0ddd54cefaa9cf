// `vm7 run --guest IMAGE --guest IMAGE ...`: several guests on one VMM (docs/guests.md). Each guest's
// console lines go to stdout prefixed "[gN] "; how each ended is said on stderr, one line per guest;
// vm7 exits with the highest of the guests' statuses.
import { Guests, type GuestOutcome } from "../machine/guests.js";
import { EXIT_FATAL, EXIT_LIMIT, EXIT_INTERRUPTED } from "./common.js";
import { isElf } from "../loaders/elf.js";

export interface GuestsCliOpts {
  /** Each image, with its own mode when given as full:IMAGE or para:IMAGE. */
  images: { path: string; bytes: Uint8Array; mode?: "full" | "para" }[];
  mode: "native" | "full" | "para";
  ram: number;
  cpuHz: number;
  cmdline?: string;
  weights?: number[];
  slice?: number;
  maxInsns?: number;
  timeout?: number;
  stats: boolean;
  vmmCost?: Record<string, number>;
}

/** Options of `vm7 run` that do not apply to several guests, with the reason. */
export const NOT_WITH_GUESTS: [string, string][] = [
  ["kernel", "several Linux guests boot with vm7 linux --guests N"],
  ["loadAddr", "each --guest is an ELF"], ["entry", "each --guest starts at its ELF entry"],
  ["disk", "vm7 run --guest gives its guests no virtio devices yet (vm7 linux --guests N --disk FILE gives guest k FILE.g<k>)"],
  ["net", "vm7 run --guest gives its guests no virtio devices yet (vm7 linux --guests N --net puts every guest on one switch)"],
  ["vconsole", "vm7 run --guest gives its guests no virtio devices yet (vm7 linux --guests N --vconsole FILE gives guest k FILE.g<k>)"],
  ["gdb", "the debugger attaches to one guest"], ["stateHash", "the state hash covers one guest"], ["snapshotAt", "snapshots hold one guest"],
  ["restore", "snapshots hold one guest"], ["record", "record/replay is for one guest"], ["replay", "record/replay is for one guest"],
  ["trace", "tracing follows one guest"], ["clock", "several guests run on virtual time only"],
];

function statusOf(o: GuestOutcome): number {
  switch (o.result.reason) {
    case "exit": return o.result.exitCode ?? 0;
    case "poweroff": case "reset": return 0;
    case "budget": return EXIT_LIMIT;
    case "host": return EXIT_INTERRUPTED;
    default: return EXIT_FATAL;
  }
}

export async function runGuests(o: GuestsCliOpts): Promise<number> {
  for (const im of o.images) if (!isElf(im.bytes)) throw new GuestsUsageError(`${im.path}: not an ELF file (no \\x7fELF magic at offset 0): each --guest is an ELF image`);
  if (o.weights && o.weights.length !== o.images.length) {
    throw new GuestsUsageError(`--weights gives ${o.weights.length} weight(s) for ${o.images.length} guests: give one per --guest`);
  }
  let g: Guests;
  try {
    g = new Guests({
      mode: o.mode, ramMiB: o.ram, cpuHz: o.cpuHz, sliceInsns: o.slice, vmmCost: o.vmmCost, cmdline: o.cmdline,
      guests: o.images.map((im, k) => ({ image: im.bytes, name: im.path, weight: o.weights?.[k], mode: im.mode })),
      onLine: (k, line) => { process.stdout.write(`[g${k}] ${line}\n`); },
    });
  } catch (e) { throw new GuestsUsageError((e as Error).message); }
  let interrupted = false, timedOut = false;
  const onSig = () => { interrupted = true; };
  process.on("SIGINT", onSig);
  const t0 = performance.now();
  let r;
  try {
    r = await g.run({
      maxInsns: o.maxInsns,
      shouldStop: () => {
        if (o.timeout !== undefined && performance.now() - t0 > o.timeout * 1000) timedOut = true;
        return interrupted || timedOut;
      },
    });
  } finally { process.off("SIGINT", onSig); }
  let code = 0;
  for (const out of r.guests) {
    let st = statusOf(out), line: string;
    if (out.result.reason === "exit") line = `guest exited with status ${out.result.exitCode}`;
    else if (out.result.reason === "budget") {
      if (interrupted) { st = EXIT_INTERRUPTED; line = "stopped: interrupted"; }
      else if (timedOut) line = `stopped: --timeout ${o.timeout}s reached`;
      else if (r.budget) line = `stopped: --max-insns ${o.maxInsns} reached (all guests together)`;
      else line = out.result.message;
    } else line = out.result.reason === "fatal" || out.result.reason === "idle" ? `stopped: ${out.result.message.replace(/^guest stopped: /, "")}` : out.result.message;
    process.stderr.write(`vm7: [g${out.guest}] ${out.name}: ${line} after ${out.insns} instructions (${out.slices} slices)\n`);
    if (st === EXIT_FATAL) { g.select(out.guest); process.stderr.write(g.machine.dumpRegs().replace(/^/gm, `[g${out.guest}] `) + "\n"); }
    code = Math.max(code, st);
  }
  process.stderr.write(`vm7: ${r.guests.length} guests, ${r.switches} switches, ${Math.round(performance.now() - t0)} ms\n`);
  if (o.stats) {
    const st = g.stats();
    st.forEach((s, k) => {
      const lines = [`vm7: vmm stats of guest ${k} (${o.images[k].mode ?? o.mode} mode):`];
      for (const [name, v] of Object.entries(s)) if (v !== 0 || !name.startsWith("hc_")) lines.push(`  ${name.padEnd(20)} ${v}`);
      process.stderr.write(lines.join("\n") + "\n");
    });
  }
  return code;
}

export class GuestsUsageError extends Error {}
