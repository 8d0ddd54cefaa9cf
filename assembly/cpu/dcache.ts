// Pre-decoded instruction cache, indexed by physical address. Each 4 KiB RAM page that has been
// executed owns a slot of 2048 entries (one per halfword, so ARM and Thumb share the layout):
//   word 0: op (bits 15:0) | cond (bits 19:16) | E_COND (bit 20, A32: cond is not AL) | E_WIDE
//           (bit 21, Thumb: a 32-bit instruction) | E_A32 (bit 30: decoded as A32) | E_T32 (bit 31:
//           decoded as Thumb); 0 = not decoded yet. An entry of the other instruction set (a page
//           executed in both states) fails the flag test and is decoded again.
//   word 1: the raw instruction (Thumb 32-bit: first halfword in bits 31:16)
// Coherence: a page with a slot is never entered in a write TLB, so every store to it takes the
// slow path (through the code-page write TLB sets, mmu/tlb.ts), which calls codeWritten() to drop
// the entries it overlaps; both run loops reload the entry before every instruction. Instruction-cache
// maintenance drops slots by address, or everything.
import { PAGEMAP, DCACHE, RAM_PHYS } from "./layout";
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
export function dcacheInit(ramBytes: u32): void { ramPages = ramBytes >>> 12; dcacheFlushAll(); jitInit(); }

// Host address of the slot for physical page pa, allocating (and clearing) one if needed.
export function slotFor(pa: u32): u32 {
  const ppn = (pa - RAM_PHYS) >>> 12;
  const m = load<u32>(PAGEMAP + (ppn << 2));
  if (m != 0) return DCACHE + (m - 1) * SLOT_BYTES;
  if (nextSlot == MAX_SLOTS) dcacheFlushAll();
  const s = nextSlot++;
  store<u32>(PAGEMAP + (ppn << 2), s + 1);
  store<u32>(SLOT_OWNER + (s << 2), ppn + 1);
  const base = DCACHE + s * SLOT_BYTES;
  memory.fill(base, 0, SLOT_BYTES);
  jitBump(s); // compiled blocks of the slot's previous page are stale
  tlbFlushWrites(ppn); // stores to this page must now take the slow path
  return base;
}

// Index of a slot given by its host address, and the physical address of the page it holds.
@inline export function slotIndex(slot: u32): u32 { return (slot - DCACHE) / SLOT_BYTES; }
export function slotPage(slot: u32): u32 {
  return RAM_PHYS + ((load<u32>(SLOT_OWNER + (slotIndex(slot) << 2)) - 1) << 12);
}

// Pages holding a decode slot (allocated since the last full drop), and the full drops so far:
// what the host reads as the decode cache's state (index.ts dcachePages, dcacheFullDrops).
export function dcachePages(): u32 { return nextSlot; }
export let dcacheDrops: u64 = 0;

export function dcacheFlushAll(): void {
  dcacheDrops++;
  for (let s: u32 = 0; s < nextSlot; s++) {
    const owner = load<u32>(SLOT_OWNER + (s << 2));
    if (owner != 0) store<u32>(PAGEMAP + ((owner - 1) << 2), 0);
  }
  nextSlot = 0;
  codeEpoch++;
}

// Drop the decoded entries overlapping a store of `size` bytes at physical pa. A 32-bit
// instruction starting up to 2 bytes before pa overlaps too.
export function codeWritten(pa: u32, size: u32): void {
  const ppn = (pa - RAM_PHYS) >>> 12;
  const m = load<u32>(PAGEMAP + (ppn << 2));
  if (m == 0) return;
  const base = DCACHE + (m - 1) * SLOT_BYTES;
  let first = (pa & 0xfff) >>> 1;
  first = first >= 1 ? first - 1 : 0;
  let last = ((pa & 0xfff) + size - 1) >>> 1;
  if (last > 2047) last = 2047;
  for (let i = first; i <= last; i++) store<u64>(base + (i << 3), 0);
  jitCodeWritten(m - 1, pa & 0xfff, size); // compiled code there goes stale
  // A 32-bit Thumb instruction at the very end of the previous page is never cached (see run.ts).
}

// ICIMVAU / ICIALLU etc.: drop the page holding pa, or everything.
export function dcacheFlushPage(pa: u32): void {
  if (pa - RAM_PHYS >= (ramPages << 12)) return;
  const ppn = (pa - RAM_PHYS) >>> 12;
  const m = load<u32>(PAGEMAP + (ppn << 2));
  if (m == 0) return;
  memory.fill(DCACHE + (m - 1) * SLOT_BYTES, 0, SLOT_BYTES);
  jitBump(m - 1);
  codeEpoch++;
}
