// Pre-decoded instruction cache, indexed by physical address. Each 4 KiB RAM page that has been
// executed owns a slot of 2048 entries (one per halfword, so ARM and Thumb share the layout):
//   word 0: op (bits 15:0) | cond (bits 19:16) | E_COND (bit 20, A32: cond is not AL) | E_WIDE
//           (bit 21, Thumb: a 32-bit instruction) | E_A32 (bit 30: decoded as A32) | E_T32 (bit 31:
//           decoded as Thumb); 0 = not decoded yet. An entry of the other instruction set (a page
//           executed in both states) fails the flag test and is decoded again.
//   word 1: the raw instruction (Thumb 32-bit: first halfword in bits 31:16)
// Coherence: a page with a slot is never entered in a write TLB, so every store to it takes the
// slow path (through the code-page write TLB sets, mmu/tlb.ts), which calls codeWritten() to drop
// the entries it overlaps; both run loops reload the entry before every instruction. Each slot
// marks the 16-byte granules it decoded from (DEC, a bit each): a store that touches none of them
// (data kept next to code, which small programs do all the time) returns at once.
// Instruction-cache maintenance (ICIALLU, ICIMVAU, the para HC_ICACHE_SYNC) verifies instead of
// dropping: each slot keeps a copy of its page's decoded granules (COPY, beyond guest RAM; a granule
// is copied when its first instruction is decoded), kept equal to RAM by every store codeWritten()
// sees; maintenance only marks slots unverified, and a slot's decoded granules are compared
// with its page when it is next entered (slotFor): unchanged, it keeps its decoded entries and
// compiled code; changed behind the CPU's back (a host or VMM write: DMA, a loader, a hypercall),
// it is dropped as before. So the instructions executed after maintenance are exactly the bytes in
// memory (ARM ARM B2.2.7 "Instruction cache maintenance"), and a Linux boot, whose Cortex-A8 VIPT
// I-cache makes it invalidate the whole I-cache ~3,600 times, keeps what it decoded and compiled.
import { PAGEMAP, DCACHE, DEC, RAM_PHYS, RAM } from "./layout";
import { tlbFlushWrites } from "../mmu/tlb";
import { jitBump, jitInit, jitCodeWritten } from "./jit";

export const E_OP: u32 = 0xffff;
export const E_COND: u32 = 1 << 20;
export const E_WIDE: u32 = 1 << 21;
export const E_A32: u32 = 1 << 30;
export const E_T32: u32 = 1 << 31;

export const SLOT_BYTES: u32 = 2048 * 8;
export const MAX_SLOTS: u32 = 4096;                 // 16 MiB of code before a full flush
const SLOT_OWNER: u32 = PAGEMAP + 0x10_0000;        // slot -> ppn + 1

let nextSlot: u32 = 0;
export let codeEpoch: u32 = 1;                      // bumped whenever slots are dropped: fetch caches re-check

let ramPages: u32 = 0;
// COPY: MAX_SLOTS pages right after guest RAM (cpu/run.ts coreInit grows memory for it).
export const COPY_BYTES: u32 = MAX_SLOTS << 12;
let copyBase: u32 = 0;
// Verification: a slot is verified when its epoch equals icEpoch; maintenance moves icEpoch (all
// slots) or zeroes one slot's epoch (icEpoch is never 0).
const slotEpoch = memory.data(MAX_SLOTS * 4, 4);
let icEpoch: u32 = 1;
@inline function copyOf(s: u32): u32 { return copyBase + (s << 12); }
// DEC: per slot, 256 bits (32 bytes): granule g (page bytes 16g..16g+15) holds decoded instructions.
@inline function decOf(s: u32): u32 { return DEC + (s << 5); }

// Bitmaps of a page's 16-byte granules, 32 bytes each (this file's DEC, cpu/jit.ts's JIT_CODE):
// the last granule of [off, off + size) within the page, set / test one, test a range.
@inline export function lastGranule(off: u32, size: u32): u32 { return (off + size - 1 > 0xfff ? 0xfff : off + size - 1) >>> 4; }
@inline export function granuleIsSet(bm: u32, g: u32): bool { return (<u32>load<u8>(bm + (g >>> 3)) & (<u32>1 << (g & 7))) != 0; }
@inline export function granuleSet(bm: u32, g: u32): void { store<u8>(bm + (g >>> 3), <u32>load<u8>(bm + (g >>> 3)) | (<u32>1 << (g & 7))); }
@inline export function granulesTouched(bm: u32, off: u32, size: u32): bool {
  const last = lastGranule(off, size);
  for (let g = off >>> 4; g <= last; g++) if (granuleIsSet(bm, g)) return true;
  return false;
}

// The instruction of `size` bytes at page offset off of slot s was decoded: its granules are
// marked, and a granule marked now gets its bytes copied (from RAM, as the decoder read them).
export function decMark(s: u32, off: u32, size: u32): void {
  const bm = decOf(s), last = lastGranule(off, size);
  for (let g = off >>> 4; g <= last; g++) {
    if (granuleIsSet(bm, g)) continue;
    granuleSet(bm, g);
    const ppn = load<u32>(SLOT_OWNER + (s << 2)) - 1;
    memory.copy(copyOf(s) + (g << 4), RAM + (ppn << 12) + (g << 4), 16);
  }
}
// Does a store of size bytes at physical pa (in RAM) touch a decoded granule? When it does not,
// codeWritten has nothing to do (callers on hot paths test this first, inline).
@inline export function codeTouched(pa: u32, size: u32): bool {
  const m = load<u32>(PAGEMAP + (((pa - RAM_PHYS) >>> 12) << 2));
  return m != 0 && granulesTouched(decOf(m - 1), pa & 0xfff, size);
}
export function dcacheInit(ramBytes: u32): void {
  ramPages = ramBytes >>> 12;
  copyBase = RAM + ramBytes;
  dcacheFlushAll();
  jitInit();
}

// Slot s starts empty (nothing decoded, so nothing copied), verified now.
function slotTake(s: u32): void {
  memory.fill(decOf(s), 0, 32);
  store<u32>(slotEpoch + (s << 2), icEpoch);
}
// Are the page's decoded granules still what slot s decoded from? (16 bytes at a time.)
function slotSame(s: u32, ppn: u32): bool {
  const a = copyOf(s), b = RAM + (ppn << 12), d = decOf(s);
  for (let w: u32 = 0; w < 32; w += 8) {
    let bits = load<u64>(d + w);
    while (bits != 0) {
      const o = ((w << 3) + <u32>ctz<u64>(bits)) << 4;
      bits &= bits - 1;
      if ((load<u64>(a + o) ^ load<u64>(b + o)) | (load<u64>(a + o, 8) ^ load<u64>(b + o, 8))) return false;
    }
  }
  return true;
}
// Slot s's decoded instructions go: its compiled blocks are stale, fetch caches re-check.
function slotEmpty(s: u32): void {
  memory.fill(DCACHE + s * SLOT_BYTES, 0, SLOT_BYTES);
  memory.fill(decOf(s), 0, 32);
  jitBump(s);
  codeEpoch++;
}
// A slot entered after maintenance: kept if its page is unchanged, else emptied and taken afresh.
function slotVerify(s: u32, ppn: u32): bool {
  if (slotSame(s, ppn)) { store<u32>(slotEpoch + (s << 2), icEpoch); return true; }
  slotEmpty(s);
  slotTake(s);
  return false;
}
export let icVerified: u32 = 0; // slots kept by a verification (for tests and --stats)
export let icChanged: u32 = 0;  // slots a verification found changed

// ICIALLU (and the para HC_ICACHE_SYNC): every slot is verified when next entered.
export function icacheInvalidateAll(): void {
  icEpoch++;
  if (icEpoch == 0) icEpoch = 1;
  // (a wrap would make an old epoch look current: re-take every slot's copy then)
  if (icEpoch == 1) dcacheFlushAll();
}
// ICIMVAU of a physical address: that page's slot is verified when next entered.
export function icacheInvalidatePage(pa: u32): void {
  if (pa - RAM_PHYS >= (ramPages << 12)) return;
  const m = load<u32>(PAGEMAP + (((pa - RAM_PHYS) >>> 12) << 2));
  if (m != 0) store<u32>(slotEpoch + ((m - 1) << 2), 0);
}

// Host address of the slot for physical page pa, allocating (and clearing) one if needed.
export function slotFor(pa: u32): u32 {
  const ppn = (pa - RAM_PHYS) >>> 12;
  const m = load<u32>(PAGEMAP + (ppn << 2));
  if (m != 0) {
    if (load<u32>(slotEpoch + ((m - 1) << 2)) != icEpoch) {
      if (slotVerify(m - 1, ppn)) icVerified++; else icChanged++;
    }
    return DCACHE + (m - 1) * SLOT_BYTES;
  }
  if (nextSlot == MAX_SLOTS) dcacheFlushAll();
  const s = nextSlot++;
  store<u32>(PAGEMAP + (ppn << 2), s + 1);
  store<u32>(SLOT_OWNER + (s << 2), ppn + 1);
  const base = DCACHE + s * SLOT_BYTES;
  memory.fill(base, 0, SLOT_BYTES);
  slotTake(s);
  jitBump(s); // compiled blocks of the slot's previous page are stale
  tlbFlushWrites(ppn); // stores to this page must now take the slow path
  return base;
}

// Index of a slot given by its host address, and the physical address of the page it holds.
@inline export function slotIndex(slot: u32): u32 { return (slot - DCACHE) / SLOT_BYTES; }
export function slotPage(slot: u32): u32 {
  return RAM_PHYS + ((load<u32>(SLOT_OWNER + (slotIndex(slot) << 2)) - 1) << 12);
}

export function dcacheFlushAll(): void {
  for (let s: u32 = 0; s < nextSlot; s++) {
    const owner = load<u32>(SLOT_OWNER + (s << 2));
    if (owner != 0) store<u32>(PAGEMAP + ((owner - 1) << 2), 0);
  }
  nextSlot = 0;
  codeEpoch++;
}

// Drop the decoded entries overlapping a store of `size` bytes at physical pa. A 32-bit
// instruction starting up to 2 bytes before pa overlaps too.
export function codeWritten(pa: u32, size: u32, v: u32): void {
  const ppn = (pa - RAM_PHYS) >>> 12;
  const m = load<u32>(PAGEMAP + (ppn << 2));
  if (m == 0) return;
  // Nothing decoded there (a 32-bit Thumb instruction starting in the granule before marks both):
  // no entry to drop, no copy to follow.
  if (!granulesTouched(decOf(m - 1), pa & 0xfff, size)) return;
  // The copy follows the store (little-endian value v, as RAM gets it; bytes past the page end
  // belong to the next page, which its own codeWritten covers).
  const c = copyOf(m - 1);
  for (let i: u32 = 0, o = pa & 0xfff; i < size && o < 0x1000; i++, o++) store<u8>(c + o, <u8>(v >>> (i << 3)));
  const base = DCACHE + (m - 1) * SLOT_BYTES;
  let first = (pa & 0xfff) >>> 1;
  first = first >= 1 ? first - 1 : 0;
  let last = ((pa & 0xfff) + size - 1) >>> 1;
  if (last > 2047) last = 2047;
  for (let i = first; i <= last; i++) store<u64>(base + (i << 3), 0);
  jitCodeWritten(m - 1, pa & 0xfff, size); // compiled code there goes stale
  // A 32-bit Thumb instruction at the very end of the previous page is never cached (see run.ts).
}

// A host write into a page (ramWritten): drop its decoded instructions now; the slot is verified
// (its copy taken afresh) when next entered.
export function dcacheFlushPage(pa: u32): void {
  if (pa - RAM_PHYS >= (ramPages << 12)) return;
  const ppn = (pa - RAM_PHYS) >>> 12;
  const m = load<u32>(PAGEMAP + (ppn << 2));
  if (m == 0) return;
  slotEmpty(m - 1);
  store<u32>(slotEpoch + ((m - 1) << 2), 0);
}
