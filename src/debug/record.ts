// Record and replay (--record FILE / --replay FILE): everything that enters the machine from outside
// is logged with the instruction count at which it entered, in groups, one per call into the core:
// the console bytes pushed into UART3's receiver and, with --clock wall, the 32 kHz wall-clock time
// the core was given. A recording starts with a snapshot of the machine (src/debug/snapshot.ts), so
// a replay needs nothing else: it restores that and feeds the groups back at the same counts, each
// before a call into the core that starts there, which reproduces the run exactly (guest time is
// the instruction count; results do not depend on where slices end), an interactive Linux session
// included. File: "VM7REC\0\0", u32 version, u32 snapshot length, the snapshot, then the groups as
// deflated JSON.
import { deflateSync, inflateSync } from "node:zlib";
import { writeFileSync } from "node:fs";

export const RECORD_MAGIC = "VM7REC\0\0";
export const RECORD_VERSION = 1;

/** One call into the core: what entered just before it, at instruction count `ic`. */
export interface InputGroup { ic: number; uart?: number[]; wall?: number }

export interface Recording { snapshot: Buffer; groups: InputGroup[]; end: number }

export class RecordError extends Error {}

/** Collects the groups while the machine runs (Machine.setRecorder). */
export class Recorder {
  groups: InputGroup[] = [];
  private cur: InputGroup | undefined;
  constructor(readonly snapshot: Buffer) {}
  uart(ic: number, b: number): void { this.group(ic).uart = [...(this.cur!.uart ?? []), b]; }
  wall(ic: number, t: number): void { this.group(ic).wall = t; }
  /** A call into the core follows: the group (if any) is complete. */
  seal(): void { if (this.cur) { this.groups.push(this.cur); this.cur = undefined; } }
  private group(ic: number): InputGroup { if (!this.cur) this.cur = { ic }; return this.cur; }
  save(file: string, end: number): number {
    this.seal();
    const ev = deflateSync(Buffer.from(JSON.stringify({ end, groups: this.groups })));
    const head = Buffer.alloc(16);
    head.write(RECORD_MAGIC, 0, "latin1");
    head.writeUInt32LE(RECORD_VERSION, 8);
    head.writeUInt32LE(this.snapshot.length, 12);
    const bytes = Buffer.concat([head, this.snapshot, ev]);
    writeFileSync(file, bytes);
    return bytes.length;
  }
}

export function decodeRecording(b: Buffer, name: string): Recording {
  const fail = (why: string): never => { throw new RecordError(`${name}: ${why}`); };
  if (b.length < 16 || b.toString("latin1", 0, 8) !== RECORD_MAGIC) fail(b.length < 16 && b.length > 0 && RECORD_MAGIC.startsWith(b.toString("latin1")) ? "truncated" : "not a vm7 recording (no VM7REC magic)");
  const v = b.readUInt32LE(8);
  if (v !== RECORD_VERSION) fail(`recording format version ${v}; this vm7 reads version ${RECORD_VERSION}`);
  const n = b.readUInt32LE(12);
  if (16 + n > b.length) fail(`truncated (${b.length} bytes; its snapshot alone needs ${16 + n})`);
  let ev: { end: number; groups: InputGroup[] };
  try { ev = JSON.parse(inflateSync(b.subarray(16 + n)).toString()); } catch { return fail("truncated or corrupted (its input log does not decompress)"); }
  if (!Array.isArray(ev.groups) || typeof ev.end !== "number") fail("corrupted (its input log is malformed)");
  return { snapshot: b.subarray(16, 16 + n), groups: ev.groups, end: ev.end };
}

/** Feeds a recording's groups back (Machine.setReplay). */
export class Replayer {
  private i = 0;
  constructor(private readonly r: Recording) {}
  get end(): number { return this.r.end; }
  /** The next group's instruction count (Infinity when none is left). */
  nextIc(): number { return this.i < this.r.groups.length ? this.r.groups[this.i].ic : Infinity; }
  /** The group that goes before the call into the core at `ic`, if one is due there. */
  take(ic: number): InputGroup | undefined {
    const g = this.r.groups[this.i];
    if (!g || g.ic !== ic) return undefined;
    this.i++;
    return g;
  }
}
