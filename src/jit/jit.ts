// The JIT engine's host side (issue 11, docs/jit.md): compiles the blocks the core finds hot
// (assembly/cpu/jit.ts asks through the imported jitCompile) with the translator, instantiates
// each as a small module that imports the core's memory, execution globals and helpers, and puts
// its function into the core's own function table, where the run loop calls it (call_indirect).
// The code cache is bounded: at `maxBlocks` live functions everything is dropped at once (the
// core forgets its map with jitFlush) and compiling starts again; a table index the core released
// (a stale or replaced block) is reused.
import type { Core } from "../machine/core.js";
import { translateA32, translateThumb, IMPORT_FUNCS, IMPORT_GLOBALS, type CoreView } from "./translate.js";

export interface JitOptions {
  /** Block entries before a block is compiled (default 64). */
  threshold?: number;
  /** Live compiled blocks before the whole code cache is dropped (default 8192). */
  maxBlocks?: number;
  /** Receives a line per compiled block (debugging the translator). */
  log?: (line: string) => void;
}

export interface JitStats {
  compiled: number;       // blocks compiled
  refused: number;        // blocks the translator could not start (the interpreter runs them)
  entries: number;        // entries into compiled code
  stale: number;          // compiled blocks found stale (their code was written or dropped)
  replaced: number;       // compiled blocks pushed out of the core's map by another block
  flushes: number;        // times the whole code cache was dropped (maxBlocks reached)
  live: number;           // compiled blocks in the table now
  bytes: number;          // WebAssembly bytes compiled in all
  compileMs: number;      // host time spent translating and compiling
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
  private bytes = 0;
  private compileMs = 0;
  private readonly log: ((s: string) => void) | undefined;

  constructor(private readonly core: Core, opts: JitOptions = {}) {
    const x = core.x as unknown as Record<string, unknown>;
    this.table = x.table as WebAssembly.Table;
    this.base = this.table.length;
    this.maxBlocks = opts.maxBlocks ?? 8192;
    this.log = opts.log;
    const imp: Record<string, unknown> = { memory: core.x.memory };
    for (const n of [...IMPORT_FUNCS, ...IMPORT_GLOBALS]) {
      if (x[n] === undefined) throw new Error(`the WebAssembly core lacks the JIT export ${n} (rebuild it: npm run build)`);
      imp[n] = x[n];
    }
    this.imports = { core: imp as WebAssembly.ModuleImports };
    const k = core.k as unknown as Record<string, number>;
    let dv = new DataView(core.x.memory.buffer);
    this.view = {
      state: k.LAYOUT_STATE, offR: k.OFF_R, offNF: k.OFF_NF, offZF: k.OFF_ZF, offCF: k.OFF_CF, offVF: k.OFF_VF,
      offICOUNT: k.OFF_ICOUNT, offRest: k.OFF_CPSR_REST,
      mem: () => (dv.buffer === core.x.memory.buffer ? dv : (dv = new DataView(core.x.memory.buffer))),
      decode: (slot, pc, t) => (core.x as unknown as { jitDecode(s: number, p: number, t: number): number }).jitDecode(slot, pc, t),
    };
    core.hooks.compile = (slot, pc, thumb) => this.compile(slot >>> 0, pc >>> 0, thumb);
    core.hooks.release = (fn) => this.release(fn);
    (core.x as unknown as { engineSet(e: number, t: number): void }).engineSet(1, opts.threshold ?? 64);
  }

  /** Compile the block at pc of decode slot `slot`: table index | instructions << 20, or 0. */
  compile(slot: number, pc: number, thumb: number): number {
    const t0 = performance.now();
    try {
      const tr = thumb ? translateThumb(this.view, slot, pc) : translateA32(this.view, slot, pc);
      if (!tr || tr.insns >= 4096) return 0;
      if (this.log) this.log(`jit: compiled ${thumb ? "T32" : "A32"} block at ${(pc >>> 0).toString(16)}: ${tr.insns} instructions, ${tr.bytes.length} bytes`);
      if (this.used.size >= this.maxBlocks) this.flush();
      const inst = new WebAssembly.Instance(new WebAssembly.Module(tr.bytes), this.imports);
      let idx = this.free.pop();
      if (idx === undefined) { idx = this.table.length; this.table.grow(1); }
      this.table.set(idx, inst.exports.f as WebAssembly.ExportValue as never);
      this.used.add(idx);
      this.bytes += tr.bytes.length;
      return (idx | (tr.insns << 20)) >>> 0;
    } finally {
      this.compileMs += performance.now() - t0;
    }
  }

  release(fn: number): void {
    if (!this.used.delete(fn)) return;
    this.table.set(fn, null);
    this.free.push(fn);
  }

  /** Drop every compiled block (the core's map first, so that nothing refers to them). */
  flush(): void {
    (this.core.x as unknown as { jitFlush(): void }).jitFlush();
    for (const i of this.used) { this.table.set(i, null); this.free.push(i); }
    this.used.clear();
    this.flushes++;
  }

  stats(): JitStats {
    const s = (i: number): number => (this.core.x as unknown as { jitStat(i: number): number }).jitStat(i);
    return {
      compiled: s(0), refused: s(1), entries: s(2), stale: s(3), replaced: s(4),
      flushes: this.flushes, live: this.used.size, bytes: this.bytes, compileMs: this.compileMs,
    };
  }
}
