// The core's side of the JIT tier (issue 11, docs/jit.md). The translator lives in the host
// (src/jit/): it turns a hot block of pre-decoded instructions into a WebAssembly function, which
// the host puts into the core's own function table; the run loops (cpu/run.ts) enter it with
// call_indirect at a block start, only when the whole block fits in the slice's budget, so
// interrupts, timer events and --max-insns land on the same instruction as in the interpreter.
//
// Map: JITMAP holds 16384 sets of two 16-byte entries, keyed by (decode slot, offset in the page,
// ISA): the physical code page, not the virtual address, so guest TLB flushes and context
// switches keep compiled code (compiled code is position-independent: it takes its virtual PC as
// an argument). An entry is { key, generation, function (index | length << 20, 0 = none), count }.
// Invalidation: every decode slot has a generation (JIT_GEN); an entry of an older generation is
// stale. The generation moves when the slot is (re)allocated or dropped by instruction-cache
// maintenance, which is where the decode cache itself drops entries (dcache.ts), and when a store
// hits a 16-byte granule compiled code was translated from (JIT_CODE, jitCodeWritten).
// The helpers compiled code calls for the rows it does not inline (jitA32, jitThumb) are one step
// of the interpreter loops and live beside them (cpu/run.ts).
import { JIT_GEN, JITMAP, JITMAP_BYTES, JIT_CODE, STATE, ICOUNT } from "./layout";
import { slotIndex, lastGranule, granuleSet, granulesTouched } from "./dcache";
import { getRest } from "./state";
import { IT_MASK } from "./psr";

// Compile a block: the host translator (src/jit/) reads the decode slot's entries from pc on.
// Returns 0 (the translator refused it) or 1 (queued: the host calls jitInstall when the batch
// holding it is compiled).
@external("vm7", "jitCompile") declare function hostCompile(slot: u32, pc: u32, thumb: u32): u32;
// A compiled function is no longer reachable from the map: its table index may be reused.
@external("vm7", "jitRelease") declare function hostRelease(fn: u32): void;
// Compile the queued blocks now (the host otherwise waits for a full batch or the slice's end).
@external("vm7", "jitCompileQueue") declare function hostCompileQueue(): void;

export const ENGINE_INTERP: u32 = 0;
export const ENGINE_JIT: u32 = 1;
export let engine: u32 = ENGINE_INTERP;
// Block entries before a block is compiled, unless the host gives another (JitOptions.threshold):
// docs/jit.md, "session 6" (1,024 compiled more than it saved on Linux).
export const JIT_THRESHOLD_DEFAULT: u32 = 16384;
export let jitThreshold: u32 = JIT_THRESHOLD_DEFAULT;
// threshold 0: the default
export function engineSet(e: u32, threshold: u32): void {
  engine = e;
  jitThreshold = threshold != 0 ? threshold : JIT_THRESHOLD_DEFAULT;
  queuedHitsMax = jitThreshold > QUEUED_HITS_MIN ? jitThreshold : QUEUED_HITS_MIN;
}
// Entries of queued blocks (interpreted while they wait for their batch) before the host is asked
// to compile its queue at once: a block that gets hot in a loop that runs for the rest of the
// slice (1 M instructions) would otherwise stay interpreted until the slice ends. As many entries
// again as made a block hot (at least QUEUED_HITS_MIN, so that tests at threshold 1 or 2 do not
// compile one module per block). Debian's boot at threshold 1,024 (docs/jit.md, session 6): 186.5 M of 223.0 M
// instructions in compiled code -> 194.2 M, 168 -> 252 modules.
const QUEUED_HITS_MIN: u32 = 256;
let queuedHitsMax: u32 = JIT_THRESHOLD_DEFAULT;
let queuedHits: u32 = 0;

// Counters (read by the host for --stats): compiled blocks, blocks the translator refused, entries
// into compiled code, instructions retired through it... indices JIT_STAT_*.
export const JIT_STAT_COMPILED: u32 = 0;
export const JIT_STAT_REFUSED: u32 = 1;
export const JIT_STAT_ENTRIES: u32 = 2;
export const JIT_STAT_STALE: u32 = 3;       // compiled blocks found stale (code written or dropped)
export const JIT_STAT_CROWDED: u32 = 4;     // block entries not counted: both ways of their set hold live code
export const JIT_STAT_CHAINED: u32 = 5;     // entries from compiled code straight into another block (src/jit/)
export const JIT_STAT_INSNS: u32 = 6;       // instructions retired inside compiled code (entries and their chains)
export const JIT_STAT_COUNT: u32 = 7;
const stats = memory.data(8 * 8, 8); // static data: no allocation (the stub runtime's would import abort)
@inline function count(i: u32): void { const a = stats + (i << 3); store<u64>(a, load<u64>(a) + 1); }
export function jitStat(i: u32): u64 { return i < JIT_STAT_COUNT ? load<u64>(stats + (i << 3)) : 0; }
export function jitStatAddr(i: u32): u32 { return stats + ((i < JIT_STAT_COUNT ? i : 0) << 3); }
export const MAP_BITS: u32 = 15;
const NO_COMPILE: u32 = 0xffff_0000;        // count of a block the translator refused
const PENDING: u32 = 0xffff_0001;           // count of a block queued for compiling (>= NO_COMPILE)

// Set by jitBump (a store hit compiled code: jitCodeWritten; or a page's code changed). Compiled code tests it after every helper and
// store slow path and leaves the block after that instruction, as the interpreter, which reloads
// every entry before executing it, would see the new code from the next instruction on.
export let codeHit: u32 = 0;

// A new generation for a slot: its compiled blocks are stale (and no granule is compiled). A block
// running now leaves after its current instruction (codeHit), without chaining: blocks chain
// straight into blocks of their own page and generation (src/jit/translate.ts), which this makes
// stale too. (Inside compiled code, only a helper or slow path can get here: a host or VMM write
// behind the CPU's back; the run loops reset codeHit before entering a block.)
export function jitBump(slotIndex: u32): void {
  const a = JIT_GEN + (slotIndex << 2);
  store<u32>(a, load<u32>(a) + 1);
  memory.fill(JIT_CODE + (slotIndex << 5), 0, 32);
  codeHit = 1;
}

// The translator read the instruction at page offset `off` (cpu/run.ts jitDecode): a store there
// must make the slot's compiled blocks stale. Granules of 16 bytes (a bit each, 32 bytes a page).
// (The decode cache keeps a bitmap of the same shape, DEC: both use dcache.ts's granule helpers.)
export function jitMarkCode(slotIndex: u32, off: u32, size: u32): void {
  const bm = JIT_CODE + (slotIndex << 5), last = lastGranule(off, size);
  for (let g: u32 = off >>> 4; g <= last; g++) granuleSet(bm, g);
}

// A store of `size` bytes at page offset `off` of a slot's page (dcache.ts codeWritten): when it
// touches compiled code, the slot's blocks go stale and a running block leaves after the store.
// Data stored next to code (small programs keep both in one page) leaves the compiled blocks alone.
export function jitCodeWritten(slotIndex: u32, off: u32, size: u32): void {
  if (granulesTouched(JIT_CODE + (slotIndex << 5), off, size)) jitBump(slotIndex); // (jitBump sets codeHit)
}
// Forget every compiled block (the host empties its part of the table at the same time). Slot
// generations stay: a live slot's generation is never 0, which an empty entry has.
export function jitFlush(): void { memory.fill(JITMAP, 0, JITMAP_BYTES); }
export function jitInit(): void { jitFlush(); memory.fill(JIT_GEN, 0, 4096 << 2); memory.fill(JIT_CODE, 0, 4096 << 5); }

// The compiled function for the block at pc in decode slot `slot` (host address), counting the
// block's entries and asking the host to compile it when it gets hot. Returns index | length << 20,
// or 0: interpret it. The map is 2-way set associative: a block being counted takes the way that
// holds no live compiled code (or the one counted less), so hot compiled blocks are not pushed out
// by the many blocks that only pass through; when both ways hold live code the newcomer is not
// counted (it stays interpreted).
@inline function keyOf(slot: u32, pc: u32, thumb: u32): u32 { return (slotIndex(slot) << 13) | ((pc & 0xfff) << 1) | thumb; }
@inline function genOf(key: u32): u32 { return load<u32>(JIT_GEN + ((key >>> 13) << 2)); }
@inline function entryOf(key: u32): u32 { return JITMAP + ((((key * 0x9E3779B1) >>> (32 - MAP_BITS)) & ~1) << 4); }
// Live: compiled code, or a block queued for compiling (the host may install it a few slices
// later when it compiles in the background), of the current code generation.
@inline function live(e: u32): bool {
  return (load<u32>(e, 8) != 0 || load<u32>(e, 12) == PENDING) && load<u32>(e, 4) == genOf(load<u32>(e));
}

export function jitLookup(slot: u32, pc: u32, thumb: u32): u32 {
  const key = keyOf(slot, pc, thumb);
  const gen = genOf(key);
  const e0 = entryOf(key);
  let e = e0;
  if (load<u32>(e) != key || load<u32>(e, 4) != gen) {
    e = e0 + 16;
    if (load<u32>(e) != key || load<u32>(e, 4) != gen) return jitMiss(e0, key, gen);
  }
  const f = load<u32>(e, 8);
  if (f != 0) return f;
  const n = load<u32>(e, 12);
  if (n >= NO_COMPILE) {
    if (n != PENDING || ++queuedHits < queuedHitsMax) return 0;
    queuedHits = 0;
    hostCompileQueue(); // (may install this block, or flush everything: read the entry again)
    return load<u32>(e, 8);
  }
  if (n + 1 < jitThreshold) { store<u32>(e, n + 1, 12); return 0; }
  // Queued: the host compiles blocks in batches and fills the entry in through jitInstall (maybe
  // at once, when this block completes a batch). The translator may have decoded entries, never
  // dropped any: the map entry is still this block's.
  store<u32>(e, PENDING, 12);
  if (hostCompile(slot, pc, thumb) == 0) { store<u32>(e, NO_COMPILE, 12); count(JIT_STAT_REFUSED); return 0; }
  return load<u32>(e, 8);
}

// Start counting a block in one of its set's two ways.
function jitMiss(e0: u32, key: u32, gen: u32): u32 {
  const e1 = e0 + 16;
  const l0 = live(e0), l1 = live(e1);
  let e: u32;
  if (l0 && l1) { count(JIT_STAT_CROWDED); return 0; }
  else if (l0) e = e1;
  else if (l1) e = e0;
  else e = load<u32>(e0, 12) <= load<u32>(e1, 12) ? e0 : e1;
  const f = load<u32>(e, 8);
  if (f != 0) { hostRelease(f & 0xfffff); count(JIT_STAT_STALE); } // not live: its code was written or dropped
  store<u32>(e, key);
  store<u32>(e, gen, 4);
  store<u32>(e, 0, 8);
  store<u32>(e, 1, 12);
  return 0;
}

// The host compiled a queued block (a batch of them makes one module): record its function if
// the entry still waits for it (same block, code not written since). Returns false when the
// function is not needed any more (the host frees its table index).
export function jitInstall(slot: u32, pc: u32, thumb: u32, f: u32): bool {
  const key = keyOf(slot, pc, thumb);
  const gen = genOf(key);
  const e0 = entryOf(key);
  for (let e = e0; e <= e0 + 16; e += 16) {
    if (load<u32>(e) == key && load<u32>(e, 4) == gen && load<u32>(e, 12) == PENDING && load<u32>(e, 8) == 0) {
      store<u32>(e, f, 8);
      count(JIT_STAT_COMPILED);
      return true;
    }
  }
  return false;
}

// `left` is what the slice's budget allows (at least the block's length): a block that branches
// back to its own start loops inside the call while another whole pass fits.
// The run loop passes the retired count `ic` it stored before the call; the instructions retired
// inside are counted (JIT_STAT_INSNS).
@inline export function jitEnter(f: u32, pc: u32, left: u64, ic: u64): u32 {
  count(JIT_STAT_ENTRIES);
  codeHit = 0;
  chainDepth = 0;
  const r = call_indirect<u32>(f & 0xfffff, pc, left > 0xffff_ffff ? 0xffff_ffff : <u32>left);
  const a = stats + (JIT_STAT_INSNS << 3);
  store<u64>(a, load<u64>(a) + (load<u64>(STATE + ICOUNT) - ic));
  return r;
}

// Chaining (src/jit/translate.ts Block.chain): a compiled block that leaves for pc in its own page
// with nothing pending (ICOUNT stored, no loop event, no store into code) tail-calls this instead of
// returning to the run loop, which would do the same: enter pc's compiled block when it is live and
// fits in the budget left, and for Thumb only outside an IT block; otherwise pc goes back to the
// loop (which counts its entries as usual). `key` is keyOf(slot, pc, thumb), which the block
// knows. Each hop keeps this frame (the core is not compiled with tail calls), so hops are
// bounded: after CHAIN_MAX the chain unwinds to the run loop, which enters the next block itself.
const CHAIN_MAX: u32 = 64;
let chainDepth: u32 = 0;
export function jitChain(pc: u32, left: u32, key: u32): u32 {
  if (chainDepth >= CHAIN_MAX) return pc;
  if ((key & 1) != 0 && (getRest() & IT_MASK) != 0) return pc;
  const gen = genOf(key);
  let e = entryOf(key);
  if (load<u32>(e) != key || load<u32>(e, 4) != gen) {
    e += 16;
    if (load<u32>(e) != key || load<u32>(e, 4) != gen) return pc;
  }
  const f = load<u32>(e, 8);
  if (f == 0 || left < (f >>> 20)) return pc;
  count(JIT_STAT_CHAINED);
  chainDepth++;
  return call_indirect<u32>(f & 0xfffff, pc, left);
}
