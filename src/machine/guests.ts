// Several guests on one VMM: the scheduler (docs/guests.md). One Machine holds the guests (created
// with `guests: n`; the core keeps each guest's CPU, devices and VMM state in its own block and
// switches them, assembly/vmm/guests.ts); this class loads an image into each, and shares the CPU
// among them in round-robin time slices measured in instructions (virtual time), weighted per guest.
// A slice ends when its instructions are used up, whatever the guest does: a guest spinning with
// interrupts masked is preempted like any other. A guest that idles (WFI, HC_IDLE) gives up the rest
// of its slice and is not run until its next device event (or an event channel) is due; when every
// guest idles, the shared clock moves forward to the earliest such event, so idle guests cost nothing.
// Everything is decided on the instruction count: the same run gives the same interleaving.
import { Machine, hex, type RunResult, type VmMode } from "./machine.js";
import { parseElf } from "../loaders/elf.js";

export interface GuestSpec {
  /** The image (an ELF) and the name errors and the report use for it. */
  image?: Uint8Array;
  name: string;
  /** Loads the guest instead of `image` (the guest is selected when it is called): e.g. loadLinux. */
  load?: (m: Machine, k: number) => void;
  /** Boot arguments the tiny kernel reads at guest-physical 0x80007F00 ("BOOT" + string), if any. */
  bootArgs?: string;
  /** Share of the CPU: a slice of weight * sliceInsns instructions per round (default 1). */
  weight?: number;
  /** This guest's mode, when the guests mix full and para (default: GuestsOptions.mode). */
  mode?: VmMode;
}

export interface GuestsOptions {
  mode: VmMode;
  ramMiB?: number;
  cpuHz?: number;
  guests: GuestSpec[];
  /** Instructions per slice of weight 1 (default 100,000: 0.1 ms of guest time at 1 GHz). */
  sliceInsns?: number;
  /** Receives each guest's console output, one whole line at a time (without its "\n"; a "\r" before it stays). */
  onLine: (guest: number, line: string) => void;
  /** Receives each guest's console output as it comes (a prompt without its newline too), besides onLine. */
  onText?: (guest: number, text: string) => void;
  vmmCost?: Record<string, number>;
  /** What semihosting's SYS_GET_CMDLINE returns to every guest (default "vm7"). */
  cmdline?: string;
  /** Semihosting (default on, as for `vm7 run`); Linux guests run without it. */
  semihosting?: boolean;
}

export interface GuestOutcome {
  guest: number;
  name: string;
  result: RunResult;
  /** Instructions this guest retired. */
  insns: number;
  /** Slices it was given. */
  slices: number;
}

export interface GuestsRunResult {
  guests: GuestOutcome[];
  /** Guest switches made (a slice given to a different guest than the last). */
  switches: number;
  /** The run ended on the overall budget (maxInsns) with guests still running. */
  budget: boolean;
  /** Times every guest idled and the run waited in `allIdle` before moving the clock. */
  idleWaits: number;
}

export class Guests {
  readonly machine: Machine;
  private readonly specs: GuestSpec[];
  private readonly slice: number;
  private readonly partial: string[];
  private readonly onLine: (g: number, line: string) => void;
  private readonly onText: ((g: number, text: string) => void) | undefined;
  private readonly dec: TextDecoder[];
  private cur = 0;

  constructor(opts: GuestsOptions) {
    const n = opts.guests.length;
    if (n < 2) throw new Error("several guests: give at least two images");
    const mixed = opts.guests.some((g) => g.mode !== undefined && g.mode !== opts.mode);
    const guestModes = mixed ? opts.guests.map((g) => g.mode ?? opts.mode) : undefined;
    if (guestModes?.includes("native")) throw new Error("several guests run under the VMM: each guest's mode is full or para (native mode has one guest, which owns the CPU)");
    if (!mixed && opts.mode === "native") throw new Error("several guests run under the VMM: give --mode para or --mode full (native mode has one guest, which owns the CPU)");
    this.specs = opts.guests;
    this.slice = Math.max(1000, Math.floor(opts.sliceInsns ?? 100_000));
    for (const s of this.specs) {
      const w = s.weight ?? 1;
      if (!Number.isInteger(w) || w < 1 || w > 100) throw new Error(`${s.name}: weight ${w}: must be a whole number from 1 to 100`);
    }
    this.onLine = opts.onLine;
    this.onText = opts.onText;
    this.partial = this.specs.map(() => "");
    this.dec = this.specs.map(() => new TextDecoder());
    this.machine = Machine.createSync({
      mode: guestModes?.[0] ?? opts.mode, guestModes, ramMiB: opts.ramMiB ?? 512, cpuHz: opts.cpuHz, guests: n, vmmCost: opts.vmmCost,
      engine: "interp", // the JIT is not checked against guest switches yet (VM7_ENGINE does not apply)
      // Console bytes are drained at the end of every slice and at each switch, so they are the
      // selected guest's.
      onConsole: (b) => this.output(this.cur, b),
      cmdline: opts.cmdline ?? "vm7",
      semihosting: opts.semihosting,
    });
    const m = this.machine;
    for (let k = 0; k < n; k++) {
      m.selectGuest(k);
      this.cur = k;
      const s = this.specs[k];
      if (opts.vmmCost) m.setVmmCosts(opts.vmmCost); // each guest's VMM block has its own cost table
      if (s.load) s.load(m, k);
      else if (s.image) {
        parseElf(s.image, s.name); // a clear error for a file that is not an ELF
        m.loadElf(s.image, s.name);
      } else throw new Error(`${s.name}: no image to load`);
      if (s.bootArgs !== undefined) m.writeGuestRam(0x80007f00, new TextEncoder().encode("BOOT" + s.bootArgs + "\0"));
    }
    m.selectGuest(0);
    this.cur = 0;
  }

  private output(k: number, b: Uint8Array): void {
    const raw = this.dec[k].decode(b, { stream: true });
    this.onText?.(k, raw);
    const text = this.partial[k] + raw;
    const lines = text.split("\n");
    this.partial[k] = lines.pop()!;
    for (const l of lines) this.onLine(k, l);
  }

  /** Select guest k (its console output goes to its own lines). */
  select(k: number): void { this.machine.selectGuest(k); this.cur = k; }

  /** Per-guest VMM counters. */
  stats(): Record<string, number>[] {
    const was = this.cur;
    const out = this.specs.map((_, k) => { this.select(k); return this.machine.vmmStats(); });
    this.select(was);
    return out;
  }

  /**
   * Run every guest until it ends (exit, fatal stop, power-off, idle for good) or the overall budget
   * of `maxInsns` instructions (all guests together) is used. `shouldStop` is asked between slices.
   */
  async run(opts: {
    maxInsns?: number; shouldStop?: () => boolean; yieldEveryMs?: number;
    /** Every guest waits for a timer or for input: awaited before the clock moves to the earliest
     *  timer (an interactive session waits for console input here, so idle guests cost the host
     *  nothing; without it the clock moves at once). Input that arrives meanwhile wakes its guest. */
    allIdle?: () => Promise<void>;
    /** Asked after each of guest k's slices (k selected): a message ends that guest (reason "host"), the others run on. */
    endGuest?: (k: number, insns: number) => string | undefined;
  } = {}): Promise<GuestsRunResult> {
    const m = this.machine;
    const n = this.specs.length;
    const max = opts.maxInsns ?? Infinity;
    const outcome: (GuestOutcome | undefined)[] = new Array(n).fill(undefined);
    const insns = new Array(n).fill(0), slices = new Array(n).fill(0);
    const inputReady: boolean[] = new Array(n).fill(false);
    let total = 0, switches = 0, last = -1, rr = 0, budget = false, lastYield = performance.now(), idleWaits = 0;
    const finish = (k: number, result: RunResult) => {
      outcome[k] = { guest: k, name: this.specs[k].name, result, insns: insns[k], slices: slices[k] };
    };
    for (;;) {
      const alive = [...Array(n).keys()].filter((k) => !outcome[k]);
      if (alive.length === 0) break;
      if (total >= max || opts.shouldStop?.()) { budget = total >= max; break; }
      // The next runnable guest after the last one, in index order.
      const now = m.cycles;
      let pick = -1;
      for (let i = 0; i < n && pick < 0; i++) {
        const k = (rr + i) % n;
        if (outcome[k]) continue;
        const w = m.guestWake(k);
        // (console input it can take now: it was idle, waiting for more of it)
        if (w === 0 || (w > 0 && w <= now) || inputReady[k]) pick = k;
      }
      if (pick < 0) {
        const wakes = alive.map((k) => m.guestWake(k)).filter((w) => w > 0);
        if (wakes.length === 0) {
          // Every guest left waits for an event no one can send any more: each is idle for good.
          for (const k of alive) {
            this.select(k);
            finish(k, { reason: "idle", insns: 0, message: `guest is idle: it waits at pc 0x${hex(m.pc)} with no timer armed and no event channel that can still fire` });
          }
          break;
        }
        if (opts.allIdle) {
          await opts.allIdle();
          idleWaits++;
          lastYield = performance.now();
          // Console input that came meanwhile: its guest runs now, the clock stays.
          if (alive.some((k) => { inputReady[k] = m.inputReady(k); return inputReady[k]; })) continue;
          if (opts.shouldStop?.()) continue;
        }
        m.idleUntil(Math.min(...wakes));
        continue;
      }
      rr = (pick + 1) % n;
      if (pick !== last) { if (last >= 0) switches++; last = pick; }
      this.select(pick);
      const budgetK = Math.min(this.slice * (this.specs[pick].weight ?? 1), max - total);
      const r = m.run({ maxInsns: budgetK, sliceInsns: budgetK });
      insns[pick] += r.insns; total += r.insns; slices[pick]++;
      inputReady[pick] = m.inputReady(pick);
      switch (r.reason) {
        case "budget": case "yield": case "idle":
          break; // idle: the core says it waits with no timer armed; an event channel may still wake it
        default:
          finish(pick, r);
      }
      if (!outcome[pick] && opts.endGuest) {
        const why = opts.endGuest(pick, insns[pick]);
        if (why !== undefined) finish(pick, { reason: "host", insns: insns[pick], message: why });
      }
      // the host's event loop runs between slices at least every yieldEveryMs (default 20 ms)
      if (performance.now() - lastYield >= (opts.yieldEveryMs ?? 20)) { await new Promise<void>((res) => setImmediate(res)); lastYield = performance.now(); }
    }
    for (let k = 0; k < n; k++) {
      if (this.partial[k] !== "") { this.onLine(k, this.partial[k]); this.partial[k] = ""; }
      if (!outcome[k]) {
        this.select(k);
        finish(k, { reason: "budget", insns: insns[k], message: `stopped at pc 0x${hex(m.pc)} when the run's budget ran out` });
      }
    }
    return { guests: outcome as GuestOutcome[], switches, budget, idleWaits };
  }
}
