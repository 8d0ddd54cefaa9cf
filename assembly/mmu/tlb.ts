// Software TLBs: one direct-mapped table per (privilege, access kind), 1024 entries of
// { tag = virtual page, addend }. For data the addend turns a virtual address into a host (WASM)
// address: the fast path is one compare and one add. For instruction fetch the addend gives the
// physical address (the decoded-instruction cache is indexed physically).
// Only RAM pages are ever entered; MMIO always takes the slow path. Entries are a cache: any flush
// is safe, so every TLB maintenance operation flushes at least what the ARM ARM says it must.
import { TLB } from "../cpu/layout";

export const TLB_BITS: u32 = 10;
export const TLB_N: u32 = 1 << TLB_BITS;
export const TLB_SET_BYTES: u32 = TLB_N << 3;

// Sets: 0 priv read, 1 priv write, 2 priv fetch, 3 user read, 4 user write, 5 user fetch,
// 6 priv code-page write, 7 user code-page write, 8 never filled. A page holding decoded
// instructions never gets a write entry (stores to it must drop the decoded entries); the
// code-page write sets let those stores skip the table walk and then call codeWritten. With
// CPSR.E = 1 (big-endian data, A2.4.3 / B1.3.3) the data sets in use are the empty set 8, so every
// load and store takes the slow path, which reverses the bytes (mmu.ts readSlow/writeSlow).
export const SET_READ: u32 = 0;
export const SET_WRITE: u32 = 1;
export const SET_FETCH: u32 = 2;
export const SET_USER: u32 = 3;
export const SET_CODEW: u32 = 6;
export const SET_CODEW_USER: u32 = 7;
const SET_NONE: u32 = 8;
const SETS: u32 = 9;

// Base addresses of the current privilege level's sets (updated on a mode change).
export let tlbR: u32 = TLB;
export let tlbW: u32 = TLB + TLB_SET_BYTES;
export let tlbX: u32 = TLB + 2 * TLB_SET_BYTES;
export let tlbCW: u32 = TLB + SET_CODEW * TLB_SET_BYTES;

// Data accesses are big-endian (CPSR.E = 1): the read and write sets in use are SET_NONE.
export let bigData: bool = false;

export function tlbSelect(privileged: bool, big: bool): void {
  const base = TLB + (privileged ? 0 : SET_USER * TLB_SET_BYTES);
  bigData = big;
  tlbR = big ? setBase(SET_NONE) : base;
  tlbW = big ? setBase(SET_NONE) : base + TLB_SET_BYTES;
  tlbX = base + 2 * TLB_SET_BYTES;
  tlbCW = TLB + (privileged ? SET_CODEW : SET_CODEW_USER) * TLB_SET_BYTES;
}

@inline export function setBase(set: u32): u32 { return TLB + set * TLB_SET_BYTES; }
@inline export function tlbIndex(va: u32): u32 { return ((va >>> 12) & (TLB_N - 1)) << 3; }

const INVALID: u32 = 1; // never equals a page-aligned tag

// Region covered by entries that came from blocks larger than 4 KiB (sections, supersections,
// large pages), as one base/mask pair widened to cover them all (the approach QEMU takes): a
// TLBIMVA inside it must drop the whole block, so it flushes everything.
let bigMask: u32 = 0;
let bigBase: u32 = 0;
let bigValid: bool = false;

// Domains (bit d = domain d, B3.7.3) of the translations entered since the last full flush: a
// DACR write that takes access away from none of them needs no flush (cpu/cp15.ts).
export let tlbDomains: u32 = 0;

export function tlbInsert(set: u32, va: u32, addend: u32, blockMask: u32, domBit: u32): void {
  tlbDomains |= domBit;
  const e = setBase(set) + tlbIndex(va);
  store<u32>(e, va & 0xfffff000);
  store<u32>(e, addend, 4);
  if (blockMask != 0xfffff000) {
    if (!bigValid) { bigValid = true; bigMask = blockMask; bigBase = va & blockMask; }
    else {
      let m = bigMask & blockMask;
      while (((va ^ bigBase) & m) != 0) m <<= 1;
      bigMask = m; bigBase &= m;
    }
  }
}

function fillInvalid(base: u32, sets: u32): void {
  const end = base + sets * TLB_SET_BYTES;
  for (let e = base; e < end; e += 8) store<u32>(e, INVALID);
}

export function tlbFlushAll(): void { fillInvalid(TLB, SETS); bigValid = false; tlbDomains = 0; }

// Drop the User sets only (read, write, fetch and code-page write): enough when nothing ran
// privileged since the last full flush (the VMM's shadow switches; the real CPU stays in User mode).
export function tlbFlushUserSets(): void {
  fillInvalid(setBase(SET_USER), 3);
  fillInvalid(setBase(SET_CODEW_USER), 1);
}

// Drop write entries (both privilege levels): done when a page becomes a code page, so that
// stores to it take the slow path that keeps the decoded-instruction cache coherent.
export function tlbFlushWrites(): void {
  fillInvalid(setBase(SET_WRITE), 1);
  fillInvalid(setBase(SET_USER + SET_WRITE), 1);
}

// Flush every entry for one virtual page (TLBIMVA/TLBIMVAA: the ASID is ignored, which is allowed
// since dropping more entries than asked is always safe).
export function tlbFlushPage(va: u32): void {
  if (bigValid && ((va ^ bigBase) & bigMask) == 0) { tlbFlushAll(); return; }
  const tag = va & 0xfffff000, idx = tlbIndex(va);
  for (let s: u32 = 0; s < SETS; s++) {
    const e = setBase(s) + idx;
    if (load<u32>(e) == tag) store<u32>(e, INVALID);
  }
}
