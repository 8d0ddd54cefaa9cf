// Software TLBs: one direct-mapped table per (privilege, access kind), 1024 entries of
// { tag = virtual page, addend }. For data the addend turns a virtual address into a host (WASM)
// address: the fast path is one compare and one add. For instruction fetch the addend gives the
// physical address (the decoded-instruction cache is indexed physically).
// Only RAM pages are ever entered; MMIO always takes the slow path. Entries are a cache: any flush
// is safe, so every TLB maintenance operation flushes at least what the ARM ARM says it must.
import { TLB, STATE, DACR } from "../cpu/layout";
import { dbgWatchOn, dbgNoTlb, dbgTlbPA } from "../debug/dbg";

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
export const TLB_BYTES: u32 = SETS * TLB_SET_BYTES; // what a snapshot copies from TLB

// Base addresses of the current privilege level's sets (updated on a mode change).
export let tlbR: u32 = TLB;
export let tlbW: u32 = TLB + TLB_SET_BYTES;
export let tlbX: u32 = TLB + 2 * TLB_SET_BYTES;
export let tlbCW: u32 = TLB + SET_CODEW * TLB_SET_BYTES;

// Data accesses are big-endian (CPSR.E = 1): the read and write sets in use are SET_NONE.
export let bigData: bool = false;

export function tlbSelect(privileged: bool, big: bool): void {
  if (!privileged) {
    const d = load<u32>(STATE + DACR);
    if (d != userDacr) {
      if ((dacrLost(userDacr, d) & domUser) != 0) tlbFlushUserSets();
      userDacr = d;
    }
  }
  tlbSelectSets(privileged, big);
}

// Only the set selection (a snapshot restore: the entries and bookkeeping are restored as they were).
export function tlbSelectSets(privileged: bool, big: bool): void {
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

// DACR changes (B3.7.3). The TLB holds only translations that were allowed, so a DACR write
// matters only for the domains it takes access away from (dacrLost), and only for sets holding
// entries of those domains: domPriv / domUser (bit d = domain d) say which domains the privileged
// and the User sets hold entries of since they were last flushed. A DACR write can only happen at
// PL1, where the User sets are not looked up: those are checked when the CPU next enters User mode
// (tlbSelect), against userDacr, the DACR their entries were made under (User-set entries are
// made in User mode only: mmu.ts does not enter LDRT/STRT translations made at PL1). Linux's
// software PAN takes the user domain away at every kernel entry and gives it back before the
// return: the privileged sets hold user-domain entries only after a user copy, and the User sets
// find the user domain back when they are next used, so a null system call flushes nothing.
let domPriv: u32 = 0;
let domUser: u32 = 0;
let userDacr: u32 = 0;

// Domains (bit d) whose access a DACR change from `old` to `nv` reduces (B3.7.3: 00 No access,
// 01 Client, 11 Manager; the reserved 10 acts as No access).
export function dacrLost(old: u32, nv: u32): u32 {
  let lost: u32 = 0;
  for (let d: u32 = 0; d < 16; d++) {
    const o = (old >>> (d << 1)) & 3, n = (nv >>> (d << 1)) & 3;
    if ((o == 3 && n != 3) || (o == 1 && n != 1 && n != 3)) lost |= 1 << d;
  }
  return lost;
}

// The DACR changed from `old` to `nv` while the CPU was privileged (`priv`) or, under the VMM,
// in User mode (the real DACR mirrors the guest's: vmm/shadow.ts).
export function tlbDacrChanged(old: u32, nv: u32, priv: bool): void {
  const lost = dacrLost(old, nv);
  if ((lost & domPriv) != 0) { fillInvalid(TLB, 3); fillInvalid(setBase(SET_CODEW), 1); domPriv = 0; }
  if (priv) return;
  if ((lost & domUser) != 0) tlbFlushUserSets();
  userDacr = nv;
}

// Snapshots (snapshot.ts): the bookkeeping beside the entries (which the host copies) at p (24 bytes).
export function tlbSave(p: u32): void {
  store<u32>(p, bigMask); store<u32>(p, bigBase, 4); store<u32>(p, bigValid ? 1 : 0, 8);
  store<u32>(p, domPriv, 12); store<u32>(p, domUser, 16); store<u32>(p, userDacr, 20);
}
export function tlbLoad(p: u32): void {
  bigMask = load<u32>(p); bigBase = load<u32>(p, 4); bigValid = load<u32>(p, 8) != 0;
  domPriv = load<u32>(p, 12); domUser = load<u32>(p, 16); userDacr = load<u32>(p, 20);
}

export function tlbInsert(set: u32, va: u32, addend: u32, blockMask: u32, domBit: u32): void {
  // Watched data pages stay out, so that every access to them reaches the debugger (debug/dbg.ts).
  if (dbgWatchOn && set != SET_FETCH && set != SET_USER + SET_FETCH && dbgNoTlb(va, dbgTlbPA(va, addend))) return;
  if (set >= SET_USER && set != SET_CODEW) domUser |= domBit; else domPriv |= domBit;
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

export function tlbFlushAll(): void { fillInvalid(TLB, SETS); bigValid = false; domPriv = 0; domUser = 0; }

// Drop the User sets only (read, write, fetch and code-page write): enough when nothing ran
// privileged since the last full flush (the VMM's shadow switches; the real CPU stays in User mode).
export function tlbFlushUserSets(): void {
  fillInvalid(setBase(SET_USER), 3);
  fillInvalid(setBase(SET_CODEW_USER), 1);
  domUser = 0;
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
