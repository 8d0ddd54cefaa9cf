// The JIT engine's host side (issue 11, docs/jit.md): compiles the blocks the core finds hot
// (assembly/cpu/jit.ts asks through the imported jitCompile) with the translator, instantiates
// each as a small module that imports the core's memory, execution globals and helpers, and puts
// its function into the core's own function table, where the run loop calls it (call_indirect).
// The code cache is bounded: at `maxBlocks` live functions everything is dropped at once (the
// core forgets its map with jitFlush) and compiling starts again; a table index the core released
// (a stale or replaced block) is reused.
import type { Core } from "../machine/core.js";
import { translateA32, translateThumb, batchModule, IMPORT_FUNCS, IMPORT_GLOBALS, type CoreView, type Translation } from "./translate.js";

export interface JitOptions {
  /** Block entries before a block is compiled (default 16384: docs/jit.md, "session 6"). */
  threshold?: number;
  /** Live compiled blocks before the whole code cache is dropped (default 8192). */
  maxBlocks?: number;
  /** Blocks compiled together as one module (default 16): a module's fixed cost is shared. */
  batch?: number;
  /** Compiled blocks enter their successors in the same page themselves, without a return to the
   *  core's loop (default true; false for measuring what chaining buys). */
  chain?: boolean;
  /** Compile modules off the main thread (WebAssembly.compile) when the Machine's caller yields to
   *  the event loop between runs (RunOptions.yields), and install them at a later slice boundary;
   *  the blocks are interpreted meanwhile (default false: compiled at the next slice boundary). */
  background?: boolean;
  /** Receives a line per compiled block (debugging the translator). */
  log?: (line: string) => void;
}

export interface JitStats {
  compiled: number;       // blocks compiled
  refused: number;        // blocks the translator could not start (the interpreter runs them)
  entries: number;        // entries into compiled code from the core's run loop
  chained: number;        // entries from one compiled block straight into another (same page)
  linked: number;         // static exits pointed straight at their successor's compiled code (no jitChain lookup)
  insns: number;          // instructions retired inside compiled code (the rest were interpreted)
  stale: number;          // compiled blocks found stale (their code was written or dropped)
  crowded: number;        // block entries not counted: both ways of their map set hold live code
  flushes: number;        // times the whole code cache was dropped (maxBlocks reached)
  live: number;           // compiled blocks in the table now
  bytes: number;          // WebAssembly bytes compiled in all
  modules: number;        // modules compiled (a batch of blocks each)
  background: number;     // of which compiled off the main thread (JitOptions.background)
  compileMs: number;      // host time spent translating and compiling
  translateMs: number;    // the part of compileMs spent in the translator (src/jit/translate.ts)
  wasmMs: number;         // the part the WebAssembly engine spent on the main thread (module compile, unless in the background, and instantiation)
}

export class Jit {
  private readonly table: WebAssembly.Table;
  private readonly base: number;           // first table index of ours (the core's own entries come first)
  private free: number[] = [];
  private used = new Set<number>();
  private readonly imports: WebAssembly.Imports;
  private readonly view: CoreView;
  private readonly maxBlocks: number;
  private flushes = 0;
  private modules = 0;
  private queue: { slot: number; pc: number; thumb: number; tr: Translation }[] = [];
  private readonly batch: number;
  private bytes = 0;
  private compileMs = 0;
  private translateMs = 0;
  private wasmMs = 0;
  private readonly log: ((s: string) => void) | undefined;
  /** Set by the Machine for each run: its caller yields to the event loop between runs
   *  (RunOptions.yields), so modules may be compiled in the background. */
  yields = false;
  private readonly backgroundOk: boolean;
  private inflight = 0;          // blocks in modules being compiled in the background (this epoch)
  private background = 0;        // modules compiled in the background
  private epoch = 0;             // moves at every flush: a background module of an older one is dropped
  private error: Error | undefined; // a background compile's failure, thrown at the next compileQueue

  constructor(private readonly core: Core, opts: JitOptions = {}) {
    const x = core.x as unknown as Record<string, unknown>;
    this.table = x.table as WebAssembly.Table;
    this.base = this.table.length;
    this.maxBlocks = opts.maxBlocks ?? 8192;
    this.log = opts.log;
    this.batch = opts.batch ?? 16;
    this.backgroundOk = opts.background ?? false;
    const imp: Record<string, unknown> = { memory: core.x.memory };
    for (const n of [...IMPORT_FUNCS, ...IMPORT_GLOBALS, "jitStatAddr"]) {
      if (x[n] === undefined) throw new Error(`the WebAssembly core lacks the JIT export ${n} (rebuild it: npm run build)`);
    }
    for (const n of [...IMPORT_FUNCS, ...IMPORT_GLOBALS]) imp[n] = x[n];
    this.imports = { core: imp as WebAssembly.ModuleImports };
    const k = core.k as unknown as Record<string, number>;
    let dv = new DataView(core.x.memory.buffer);
    this.view = {
      state: k.LAYOUT_STATE, offR: k.OFF_R, offNF: k.OFF_NF, offZF: k.OFF_ZF, offCF: k.OFF_CF, offVF: k.OFF_VF,
      offICOUNT: k.OFF_ICOUNT, offRest: k.OFF_CPSR_REST, tlbMask: k.LAYOUT_TLB_ENTRIES - 1,
      ram: k.LAYOUT_RAM, pagemap: k.LAYOUT_PAGEMAP, dec: k.LAYOUT_DEC,
      offTPIDRURW: core.k.cp15.TPIDRURW, offTPIDRURO: core.k.cp15.TPIDRURO,
      chain: opts.chain ?? true,
      itMask: k.PSR_IT_MASK >>> 0,
      chainedAddr: (x.jitStatAddr as (i: number) => number)(5),
      gen: (slotIndex) => this.view.mem().getUint32(k.LAYOUT_JIT_GEN + 4 * slotIndex, true),
      slotIndex: (slot) => (x.jitSlotIndex as (s: number) => number)(slot),
      mem: () => (dv.buffer === core.x.memory.buffer ? dv : (dv = new DataView(core.x.memory.buffer))),
      decode: (slot, pc, t) => (core.x as unknown as { jitDecode(s: number, p: number, t: number): number }).jitDecode(slot, pc, t),
    };
    core.hooks.compile = (slot, pc, thumb) => this.compile(slot >>> 0, pc >>> 0, thumb);
    core.hooks.release = (fn) => this.release(fn);
    core.hooks.compileQueue = () => this.compileQueue();
    // (0: the core's default, assembly/cpu/jit.ts JIT_THRESHOLD_DEFAULT)
    (core.x as unknown as { engineSet(e: number, t: number): void }).engineSet(1, opts.threshold ?? 0);
  }

  /** Translate the block at pc of decode slot `slot` and queue it: 1, or 0 when the translator
   *  refuses it. A full queue is compiled at once, as one module. */
  compile(slot: number, pc: number, thumb: number): number {
    const t0 = performance.now();
    try {
      const tr = thumb ? translateThumb(this.view, slot, pc) : translateA32(this.view, slot, pc);
      if (!tr || tr.insns >= 4096) return 0;
      this.queue.push({ slot, pc, thumb, tr });
    } finally {
      const t = performance.now() - t0;
      this.compileMs += t;
      this.translateMs += t;
    }
    if (this.queue.length >= this.batch) this.compileQueue();
    return 1;
  }

  /** Compile the queued blocks (one module) and hand them to the core (jitInstall), which keeps
   *  those whose map entry still waits for them. The Machine calls this between run slices too.
   *  When the run's caller yields to the event loop soon (`yields`, RunOptions.yields) and
   *  JitOptions.background is set, the module is compiled with WebAssembly.compile off the main
   *  thread and installed when it is ready; the blocks are interpreted until then. Installing later
   *  is as exact as installing now: the core takes a block only while its map entry still waits for
   *  it (same code generation). */
  compileQueue(): void {
    const background = this.yields && this.backgroundOk;
    if (this.error) { const e = this.error; this.error = undefined; throw e; }
    if (this.queue.length === 0) return;
    const t0 = performance.now();
    const q = this.queue;
    this.queue = [];
    if (this.used.size + this.inflight + q.length > this.maxBlocks) this.flush();
    const bytes = batchModule(this.view, q.map((b) => b.tr));
    this.bytes += bytes.length;
    this.modules++;
    if (background) {
      this.inflight += q.length;
      this.background++;
      const epoch = this.epoch;
      WebAssembly.compile(bytes).then((mod) => {
        if (epoch !== this.epoch) return; // flushed meanwhile
        this.inflight -= q.length;
        this.install(mod, q);
      }, (e: unknown) => {
        if (epoch === this.epoch) this.inflight -= q.length;
        this.error = new Error(`JIT: WebAssembly rejected a compiled module (a translator bug): ${(e as Error).message}`);
      });
      this.compileMs += performance.now() - t0;
      return;
    }
    const t1 = performance.now();
    const mod = new WebAssembly.Module(bytes);
    this.wasmMs += performance.now() - t1;
    this.compileMs += performance.now() - t0;
    this.install(mod, q);
  }

  /** Instantiate a compiled batch and offer its blocks to the core; link its static exits to the
   *  chain entries of compiled successors of the same generation, and earlier modules' waiting
   *  exits to its own blocks. */
  private install(mod: WebAssembly.Module, q: { slot: number; pc: number; thumb: number; tr: Translation }[]): void {
    const t0 = performance.now();
    const inst = new WebAssembly.Instance(mod, this.imports);
    this.wasmMs += performance.now() - t0;
    this.link(inst, q.map((b) => b.tr));
    const x = this.core.x as unknown as { jitInstall(s: number, p: number, t: number, f: number): number };
    q.forEach((b, i) => {
      // A translation of an older generation of its page (the code was written after it was
      // translated) is never installed: its key may be waiting again, for a newer translation
      // queued behind it in the same batch, and jitInstall checks only the key's current state.
      if (b.tr.gen !== this.genNow(b.tr.key)) return;
      let idx = this.free.pop();
      if (idx === undefined) { idx = this.table.length; this.table.grow(1); }
      this.table.set(idx, inst.exports[`f${i}`] as never);
      this.used.add(idx);
      if (this.log) this.log(`jit: ${b.thumb ? "T32" : "A32"} block at ${(b.pc >>> 0).toString(16)}: ${b.tr.insns} instructions -> ${idx}`);
      if (!x.jitInstall(b.slot, b.pc, b.thumb, (idx | (b.tr.insns << 20)) >>> 0)) this.release(idx);
    });
    this.compileMs += performance.now() - t0;
  }

  /** Direct chaining (translate.ts batchModule): every static in-page exit of a block goes through
   *  its module's exit table, which starts out calling the core's jitChain. An exit is pointed at
   *  its successor's chain entry when that successor is compiled from the same generation of the
   *  page: the two were translated from the same code, and the source runs only while that
   *  generation lasts, so the successor is exact whenever the exit is taken. Successors compiled
   *  later fill the exits waiting for them. (Both maps are emptied at a flush; an exit waiting for
   *  an older generation is dropped when a newer block takes its key.) */
  private readonly targets = new Map<number, { fn: unknown; gen: number }>();
  private readonly waiting = new Map<number, { table: WebAssembly.Table; idx: number; gen: number }[]>();
  private linked = 0;
  private link(inst: WebAssembly.Instance, trs: Translation[]): void {
    if (this.modules % 64 === 0) this.sweep();
    const table = inst.exports.exits as WebAssembly.Table;
    trs.forEach((t, i) => {
      const fn = inst.exports[`c${i}`];
      this.targets.set(t.key, { fn, gen: t.gen });
      const w = this.waiting.get(t.key);
      if (!w) return;
      const rest = w.filter((e) => {
        if (e.gen === t.gen) { e.table.set(e.idx, fn as never); this.linked++; return false; }
        return e.gen > t.gen;
      });
      if (rest.length) this.waiting.set(t.key, rest); else this.waiting.delete(t.key);
    });
    let idx = 0;
    for (const t of trs) {
      for (const x of t.exits) {
        const target = this.targets.get(x.key);
        if (target && target.gen === t.gen) { table.set(idx, target.fn as never); this.linked++; }
        else {
          const e = { table, idx, gen: t.gen };
          const w = this.waiting.get(x.key);
          if (w) w.push(e); else this.waiting.set(x.key, [e]);
        }
        idx++;
      }
    }
  }

  /** Forget targets and waiting exits of generations that are over (their page changed or its slot
   *  went to another page: nothing of theirs can run again), so that the modules holding them can be
   *  collected in a long run whose code changes without ever filling the cache (no flush). */
  private sweep(): void {
    for (const [key, t] of this.targets) if (t.gen !== this.genNow(key)) this.targets.delete(key);
    for (const [key, w] of this.waiting) {
      const rest = w.filter((e) => e.gen === this.genNow(key)); // (an exit and its successor share a page)
      if (rest.length) this.waiting.set(key, rest); else this.waiting.delete(key);
    }
  }
  /** The current generation of the page of a block key (cpu/jit.ts keyOf: slot index << 13 | ...). */
  private genNow(key: number): number { return this.view.gen(key >>> 13); }
  /** Entries (targets and waiting exits) held for linking, for tests. */
  linkState(): { targets: number; waiting: number } {
    let waiting = 0;
    for (const w of this.waiting.values()) waiting += w.length;
    return { targets: this.targets.size, waiting };
  }

  release(fn: number): void {
    if (!this.used.delete(fn)) return;
    this.table.set(fn, null);
    this.free.push(fn);
  }

  /** Drop every compiled block (the core's map first, so that nothing refers to them). */
  flush(): void {
    this.queue = [];
    (this.core.x as unknown as { jitFlush(): void }).jitFlush();
    for (const i of this.used) { this.table.set(i, null); this.free.push(i); }
    this.used.clear();
    this.targets.clear();
    this.waiting.clear();
    this.flushes++;
    this.epoch++;
    this.inflight = 0;
  }

  stats(): JitStats {
    const s = (i: number): number => (this.core.x as unknown as { jitStat(i: number): number }).jitStat(i);
    return {
      compiled: s(0), refused: s(1), entries: s(2), chained: s(5), linked: this.linked, insns: s(6), stale: s(3), crowded: s(4),
      flushes: this.flushes, live: this.used.size, bytes: this.bytes, modules: this.modules, background: this.background, compileMs: this.compileMs,
      translateMs: this.translateMs, wasmMs: this.wasmMs,
    };
  }
}
