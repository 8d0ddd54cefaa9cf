// --snapshot-at N FILE, --restore FILE and --state-hash for `vm7 run` and `vm7 linux`
// (src/debug/snapshot.ts does the work).
import { Option, InvalidArgumentError, type Command } from "commander";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import type { Machine } from "../machine/machine.js";
import { encodeSnapshot, restoreSnapshot, stateHash, SnapshotError, type SnapshotHeader } from "../debug/snapshot.js";
import { Recorder, Replayer, decodeRecording, RecordError } from "../debug/record.js";
import type { MachineOptions } from "../machine/machine.js";

export interface SnapshotOpts {
  snapshotAt?: { icount: number; file: string }; restore?: string; stateHash: boolean; record?: string; replay?: string;
}

const log = (s: string) => process.stderr.write(`vm7: ${s}\n`);

/** `--snapshot-at N FILE` takes two values; commander options take one: join them (before parsing). */
export function joinSnapshotAt(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--snapshot-at" && i + 2 < argv.length + 1 && argv[i + 1] !== undefined && argv[i + 2] !== undefined &&
        !argv[i + 1].startsWith("-") && !argv[i + 2].startsWith("-")) {
      out.push(`--snapshot-at=${argv[i + 1]} ${argv[i + 2]}`);
      i += 2;
    } else out.push(argv[i]);
  }
  return out;
}

function parseSnapshotAt(s: string): { icount: number; file: string } {
  const m = /^\s*(0x[0-9a-f]+|[\d_]+(?:e\d+)?)\s+(.+)$/i.exec(s);
  const n = m ? (/^0x/i.test(m[1]) ? parseInt(m[1], 16) : Number(m[1].replace(/_/g, ""))) : NaN;
  if (!m || !Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError(`--snapshot-at wants N FILE: an instruction count and a file name, got '${s}'`);
  return { icount: n, file: m[2] };
}

export function addSnapshotOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option("--snapshot-at <N FILE>", "save the whole machine to FILE once N instructions have retired, and run on " +
      "(restore it in a new process with --restore FILE)").argParser(parseSnapshotAt))
    .option("--restore <file>", "start from a snapshot saved by --snapshot-at (or gdb's 'monitor snapshot save'), in the " +
      "mode, RAM size and clock it was saved with, instead of loading an image")
    .option("--state-hash", "print a SHA-256 of the machine's state (registers, CP15, VFP, devices, VMM, RAM) on stderr at the end", false)
    .option("--record <file>", "record the run: a snapshot of the start, then every console byte the guest receives (and with " +
      "--clock wall every clock reading) with the instruction count at which it arrived; written when vm7 ends")
    .option("--replay <file>", "replay a recording made with --record: the same run, exactly, with its console input and clock " +
      "(stdin is not read), until the recording's end");
}

/** --record: start recording `m` (its state now is the recording's start). */
export function startRecording(m: Machine, app: Record<string, unknown>): Recorder {
  const r = new Recorder(encodeSnapshot(m, app));
  m.setRecorder(r);
  return r;
}
export function finishRecording(m: Machine, r: Recorder, file: string): void {
  let n: number;
  try { n = r.save(file, m.icount); } catch (e) { throw new RecordError(`--record: cannot write ${file}: ${(e as Error).message}`); }
  log(`recording of ${m.icount} instructions (${r.groups.length} input events) saved to ${file} (${(n / 1048576).toFixed(1)} MiB)`);
}

/** The bytes of `file` given to `option`; a missing file, a directory or a read error is `err`'s one line. */
function readInput(file: string, option: string, err: (message: string) => Error): Buffer {
  try {
    if (!statSync(file).isFile()) throw new Error("not a regular file");
    return readFileSync(file);
  } catch (e) { throw err(`${option} ${file}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`); }
}

/** --replay: the machine at the recording's start, fed by it. */
export function openReplay(file: string, opts: MachineOptions): { m: Machine; header: SnapshotHeader } {
  const bytes = readInput(file, "--replay", (msg) => new RecordError(msg));
  const rec = decodeRecording(bytes, file);
  const r = restoreSnapshot(rec.snapshot, `${file} (its start)`, opts);
  r.m.setReplay(new Replayer(rec));
  log(`replaying ${file}: ${r.header.machine.mode} mode, from ${r.header.icount} to ${rec.end} instructions, ${rec.groups.length} input events`);
  return r;
}

/** Save `m` to `file` now, saying so in one line. `app` is what the command needs to go on after a restore. */
export function saveSnapshotFile(m: Machine, file: string, app: Record<string, unknown>): void {
  const t0 = performance.now();
  const bytes = encodeSnapshot(m, app);
  try { writeFileSync(file, bytes); } catch (e) { throw new SnapshotError(`--snapshot-at: cannot write ${file}: ${(e as Error).message}`); }
  log(`snapshot at ${m.icount} instructions saved to ${file} (${(bytes.length / 1048576).toFixed(1)} MiB, ${((performance.now() - t0) / 1000).toFixed(2)} s)`);
}

/** The machine saved in `file`, for --restore (one-line errors for a bad file). */
export function restoreSnapshotFile(file: string, opts: MachineOptions): { m: Machine; header: SnapshotHeader } {
  const bytes = readInput(file, "--restore", (msg) => new SnapshotError(msg));
  const t0 = performance.now();
  const r = restoreSnapshot(bytes, file, opts);
  log(`restored ${file}: ${r.header.machine.mode} mode, ${r.header.machine.ramMiB} MiB, at ${r.header.icount} instructions ` +
    `(${((performance.now() - t0) / 1000).toFixed(2)} s)`);
  return r;
}

export function printStateHash(m: Machine): void { log(`state hash ${stateHash(m)} at ${m.icount} instructions`); }
