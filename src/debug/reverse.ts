// Reverse execution for the GDB stub (bs / bc: reverse-stepi, reverse-continue, and gdb's
// reverse-step, reverse-next and reverse-finish built on them). vm7 is deterministic, so the state
// at any earlier instruction count is a checkpoint (an in-memory MachineImage, src/debug/
// snapshot.ts) plus re-execution from it. Checkpoints are taken while the machine runs forward
// under gdb, spaced so that taking them costs at most about a tenth of the run time (a capture
// compares every RAM page with the previous checkpoint's and copies only those that changed).
// Re-executed stretches run with the debugger's tables suspended (full speed) and the console
// muted (their output was shown the first time).
//
// Limits: console input and wall-clock readings are not replayed here, so a session whose guest
// reads console input or runs with --clock wall can diverge when it goes back past them.
import type { Machine } from "../machine/machine.js";
import { captureImage, applyImage, type MachineImage } from "./snapshot.js";

const MAX_CHECKPOINTS = 128;
const MIN_SPACING = 1_000_000; // instructions

export type ReverseStop =
  | { kind: "begin" }                                  // reached the start of the recorded history
  | { kind: "breakpoint"; pc: number }
  | { kind: "watchpoint"; pc: number; type: "write" | "read" | "access"; addr: number }
  | { kind: "step" };

export class History {
  private cps: MachineImage[] = [];
  private runMs = 0;        // host time run forward since the last checkpoint
  private captureMs = 0;    // what the last capture took
  /** The highest instruction count reached: forward runs below it re-execute history. */
  highWater = 0;
  /** Figures for `monitor reverse`. */
  stats = { checkpoints: 0, captureMs: 0, bytes: 0 };

  constructor(private readonly m: Machine) {}

  get start(): number { return this.cps.length ? this.cps[0].icount : this.m.icount; }

  /** Before running forward from here: take a checkpoint when one is due. */
  beforeRun(): void {
    const m = this.m;
    if (m.icount < this.highWater) return; // inside history: its checkpoints are there already
    const last = this.cps[this.cps.length - 1];
    if (last && (m.icount - last.icount < MIN_SPACING || this.runMs < 10 * this.captureMs)) return;
    const t = performance.now();
    const img = captureImage(m, last);
    let fresh = 0;
    img.pages.forEach((p, i) => { if (p && p !== last?.pages[i]) fresh += p.length; });
    this.cps.push(img);
    if (this.cps.length > MAX_CHECKPOINTS) this.cps = this.cps.filter((_, i) => i === 0 || i % 2 === 1); // thin out, keep the first
    this.captureMs = performance.now() - t;
    this.runMs = 0;
    this.stats.checkpoints = this.cps.length;
    this.stats.captureMs = this.captureMs;
    this.stats.bytes += fresh + img.state.length + img.vmm.length;
  }
  /** Host time spent running forward (paces the checkpoints). */
  ran(ms: number): void { this.runMs += ms; this.highWater = Math.max(this.highWater, this.m.icount); }

  /** The client changed registers or memory: the recorded history no longer leads here. */
  forget(): void { this.cps = []; this.highWater = this.m.icount; this.stats.bytes = 0; }

  /** Put the machine in its state at instruction count `target` (start <= target). */
  goto(target: number): void {
    const m = this.m;
    let k = this.cps.length - 1;
    while (k > 0 && this.cps[k].icount > target) k--;
    const cp = this.cps[k];
    if (!cp || cp.icount > target) throw new Error(`instruction ${target} is before the recorded history (it starts at ${this.start})`);
    applyImage(m, cp);
    this.replayTo(target, true);
  }

  // Run forward to `target` muted; with `suspend` the debugger's tables are off (no stops).
  private replayTo(target: number, suspend: boolean): Array<{ ic: number; stop: ReverseStop }> {
    const m = this.m, hits: Array<{ ic: number; stop: ReverseStop }> = [];
    m.muted = true;
    m.debugger.suspend(suspend);
    try {
      while (m.icount < target) {
        const r = m.run({ maxInsns: target - m.icount });
        if (r.reason === "breakpoint") hits.push({ ic: m.icount, stop: { kind: "breakpoint", pc: m.pc } });
        else if (r.reason === "watchpoint") {
          const w = r.debug?.watch;
          hits.push({ ic: m.icount, stop: { kind: "watchpoint", pc: m.pc, type: w?.type ?? "write", addr: w?.addr ?? r.debug?.address ?? 0 } });
        } else if (r.reason === "exit" || r.reason === "fatal") break;
        else if (r.reason === "input") m.endInput();
      }
    } finally {
      m.debugger.suspend(false);
      m.muted = false;
    }
    return hits;
  }

  /** bs: back one instruction (an exception entered between two instructions goes with the later). */
  reverseStep(): ReverseStop {
    const now = this.m.icount;
    if (now <= this.start) { this.goto(this.start); return { kind: "begin" }; }
    this.goto(now - 1);
    return { kind: "step" };
  }

  /** bc: back to the last breakpoint or watchpoint hit before now, or to the start of history. */
  reverseContinue(): ReverseStop {
    const now = this.m.icount;
    for (let k = this.cps.length - 1; k >= 0; k--) {
      const from = this.cps[k];
      if (from.icount >= now) continue;
      const end = k + 1 < this.cps.length && this.cps[k + 1].icount < now ? this.cps[k + 1].icount : now;
      applyImage(this.m, from);
      const hits = this.replayTo(end, false).filter((h) => h.ic < now);
      if (hits.length) {
        const h = hits[hits.length - 1];
        this.goto(h.ic);
        return h.stop;
      }
    }
    this.goto(this.start);
    return { kind: "begin" };
  }
}
