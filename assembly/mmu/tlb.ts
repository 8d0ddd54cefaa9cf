// Software TLBs: one direct-mapped table per (privilege, access kind), 1024 entries of
// { tag = virtual page, addend }, in one bank per translation context (ASID and tables, below). For
// data the addend turns a virtual address into a host (WASM) address: the fast path is one compare
// and one add. For instruction fetch the addend gives the
// physical address (the decoded-instruction cache is indexed physically).
// Only RAM pages are ever entered; MMIO always takes the slow path. Entries are a cache: any flush
// is safe, so every TLB maintenance operation flushes at least what the ARM ARM says it must.
import { TLB, STATE, DACR, CONTEXTIDR, TTBR0, TTBR1, TTBCR, RAM, DBG, TLB_WRITTEN, TLB_WRITTEN_BYTES } from "../cpu/layout";
import { dbgWatchOn, dbgNoTlb, dbgTlbPA } from "../debug/dbg";

export const TLB_BITS: u32 = 10;
export const TLB_N: u32 = 1 << TLB_BITS;
export const TLB_SET_BYTES: u32 = TLB_N << 3;

// Sets: 0 priv read, 1 priv write, 2 priv fetch, 3 user read, 4 user write, 5 user fetch,
// 6 priv code-page write, 7 user code-page write; and SET_NONE, never filled. A page holding decoded
// instructions never gets a write entry (stores to it must drop the decoded entries); the
// code-page write sets let those stores skip the table walk and then call codeWritten. With
// CPSR.E = 1 (big-endian data, A2.4.3 / B1.3.3) the data sets in use are the empty SET_NONE, so every
// load and store takes the slow path, which reverses the bytes (mmu.ts readSlow/writeSlow).
export const SET_READ: u32 = 0;
export const SET_WRITE: u32 = 1;
export const SET_FETCH: u32 = 2;
export const SET_USER: u32 = 3;
export const SET_CODEW: u32 = 6;
export const SET_CODEW_USER: u32 = 7;
const SETS: u32 = 8;                 // sets per bank
const BANK_BYTES: u32 = SETS * TLB_SET_BYTES;

// ASIDs (B3.9.1, B3.10.1): the hardware TLB tags not-global entries with the ASID, so an
// address-space switch keeps every process's entries. Here each translation context in use, the
// tuple (ASID, TTBR0, TTBR1, TTBCR), owns a bank of SETS sets (BANKS banks, the least recently
// selected one reused), and the current bank's base is all the fast paths see, so they cost what
// they did with one table. An entry is used only under the very context that made it: never
// less strict than the hardware, which keeps ASID-tagged and global entries across TTBR writes.
// Global entries are made again in each context's bank (a walk: the TLB is a cache). Linux's
// switch_mm writes TTBR0 := TTBR1's table, CONTEXTIDR, then TTBR0: two contexts per process, the
// transit one holding a few kernel entries; 12 banks keep six processes' pairs.
// The empty set SET_NONE (never filled) precedes the banks.
const BANKS: u32 = 12;
const SET_NONE_BASE: u32 = TLB;
const BANK0: u32 = TLB + TLB_SET_BYTES;

// Base addresses of the current privilege level's sets in the current bank (updated on a mode
// change and a bank switch).
export let tlbR: u32 = BANK0;
export let tlbW: u32 = BANK0 + TLB_SET_BYTES;
export let tlbX: u32 = BANK0 + 2 * TLB_SET_BYTES;
export let tlbCW: u32 = BANK0 + SET_CODEW * TLB_SET_BYTES;

// Data accesses are big-endian (CPSR.E = 1): the read and write sets in use are SET_NONE.
export let bigData: bool = false;
let curPriv: bool = true;

export function tlbSelect(privileged: bool, big: bool): void {
  curPriv = privileged;
  if (!privileged) {
    const d = load<u32>(STATE + DACR);
    if (d != userDacr) {
      if ((dacrLost(userDacr, d) & domUser) != 0) tlbFlushUserSets();
      userDacr = d;
    }
  }
  const base = bankBase + (privileged ? 0 : SET_USER * TLB_SET_BYTES);
  bigData = big;
  tlbR = big ? SET_NONE_BASE : base;
  tlbW = big ? SET_NONE_BASE : base + TLB_SET_BYTES;
  tlbX = base + 2 * TLB_SET_BYTES;
  tlbCW = bankBase + (privileged ? SET_CODEW : SET_CODEW_USER) * TLB_SET_BYTES;
}

@inline export function setBase(set: u32): u32 { return bankBase + set * TLB_SET_BYTES; }
@inline export function tlbIndex(va: u32): u32 { return ((va >>> 12) & (TLB_N - 1)) << 3; }

// An invalid tag: bit 2 is never set in the masked addresses the fast paths compare (va & 0xfffff003
// and narrower masks), so no access can hit it. (1 could: an unaligned read32/read16 at VA 1 matched
// it and used a stale addend.)
const INVALID: u32 = 4;

// --- banks -------------------------------------------------------------------------------------
// Per bank: its context (ASID 0xffffffff = free), when it was last selected (LRU), whether it
// may hold entries, and the DACR bookkeeping below, saved while another bank is current.
let bankBase: u32 = BANK0;
let cur: u32 = 0;
let stampNow: u32 = 0;
const bAsid: StaticArray<u32> = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
const bTtbr0: StaticArray<u32> = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
const bTtbr1: StaticArray<u32> = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
const bTtbcr: StaticArray<u32> = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
const bStamp: StaticArray<u32> = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
const bUsed: StaticArray<bool> = [false, false, false, false, false, false, false, false, false, false, false, false];
const bDomPriv: StaticArray<u32> = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
const bDomUser: StaticArray<u32> = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
const bUserDacr: StaticArray<u32> = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
const bPrivDacr: StaticArray<u32> = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];   // the DACR the privileged sets were last checked against

@inline function bankAt(b: u32): u32 { return BANK0 + b * BANK_BYTES; }
@inline function creg(off: u32): u32 { return load<u32>(STATE + off); }
@inline function curAsid(): u32 { return creg(CONTEXTIDR) & 0xff; } // ASID: CONTEXTIDR[7:0] (B4.1.36)

// Under the VMM (full and para modes) the real translation regime is the VMM's own: shadow tables
// whose descriptors are all not-global, one real ASID per pair of shadow views (vmm/shadow.ts). Then
// the banks are tagged by the ASID alone, as the hardware tags not-global entries (B3.9.1): a TTBR
// write with the ASID unchanged keeps the entries, and only the VMM's ASID discipline (a new ASID
// for a pair whose shadows were dropped, TLBIALL at rollover) keeps stale ones out, as it must on
// silicon.
let asidOnly: bool = false;
export function tlbAsidTagged(on: bool): void { asidOnly = on; }

@inline function isContext(b: u32): bool {
  if (asidOnly) return unchecked(bAsid[b]) == curAsid();
  return unchecked(bAsid[b]) == curAsid() && unchecked(bTtbr0[b]) == creg(TTBR0) &&
    unchecked(bTtbr1[b]) == creg(TTBR1) && unchecked(bTtbcr[b]) == creg(TTBCR);
}

function useBank(b: u32): void {
  // save the current bank's DACR bookkeeping, restore b's
  unchecked(bDomPriv[cur] = domPriv); unchecked(bDomUser[cur] = domUser);
  unchecked(bUserDacr[cur] = userDacr); unchecked(bPrivDacr[cur] = creg(DACR));
  cur = b; bankBase = bankAt(b);
  unchecked(bStamp[b] = ++stampNow);
  domPriv = unchecked(bDomPriv[b]); domUser = unchecked(bDomUser[b]); userDacr = unchecked(bUserDacr[b]);
  // Privileged sets are kept in step with every DACR write while their bank is current; this bank's
  // were last checked when it was left.
  if ((dacrLost(unchecked(bPrivDacr[b]), creg(DACR)) & domPriv) != 0) flushPrivSets();
  tlbSelect(curPriv, bigData);
}

// Bank b emptied (its context kept).
function clearBank(b: u32): void {
  if (unchecked(bUsed[b])) {
    fillInvalid(bankAt(b), SETS);
    memory.fill(bigMap(b), 0, BIGMAP_BYTES);
    memory.fill(idxMap(b), 0, IDXMAP_BYTES);
  }
  unchecked(bUsed[b] = false);
  unchecked(bSuper[b] = false);
  unchecked(bDomPriv[b] = 0); unchecked(bDomUser[b] = 0);
  unchecked(bUserDacr[b] = creg(DACR)); unchecked(bPrivDacr[b] = creg(DACR));
  if (b == cur) { domPriv = 0; domUser = 0; userDacr = creg(DACR); }
}

// CONTEXTIDR, TTBR0, TTBR1 or TTBCR written: select the bank of the new context, taking the least
// recently selected one if it has none.
export function tlbContextChanged(): void {
  if (isContext(cur)) return;
  let pick: u32 = 0, oldest: u32 = 0xffffffff;
  for (let b: u32 = 0; b < BANKS; b++) {
    if (isContext(b)) { useBank(b); return; }
    if (unchecked(bStamp[b]) < oldest) { oldest = unchecked(bStamp[b]); pick = b; }
  }
  clearBank(pick);
  setContext(pick);
  useBank(pick);
}

function setContext(b: u32): void {
  unchecked(bAsid[b] = curAsid());
  unchecked(bTtbr0[b] = creg(TTBR0)); unchecked(bTtbr1[b] = creg(TTBR1)); unchecked(bTtbcr[b] = creg(TTBCR));
}

// TLBIASID (B4.2.3): every context of that ASID.
export function tlbFlushAsid(asid: u32): void {
  for (let b: u32 = 0; b < BANKS; b++) if (unchecked(bAsid[b]) == asid) clearBank(b);
}

// Entries that came from blocks larger than 4 KiB (sections, supersections, large pages): a TLBIMVA
// inside such a block must drop every entry the block made (the hardware holds it as one entry).
// Each bank has a bitmap of the MiBs holding such entries (BIGMAP, 512 bytes a bank after the banks):
// a section or large page marks its MiB, a supersection its 16 MiBs and the bank's bSuper flag.
// TLBIMVA in a marked MiB drops that MiB's entries in the bank (a supersection's: the whole bank),
// so flushes of small-page addresses (Linux's user pages) stay one-page flushes.
const BIGMAP: u32 = BANK0 + BANKS * BANK_BYTES;
const BIGMAP_BYTES: u32 = 4096 >>> 3;
const bSuper: StaticArray<bool> = [false, false, false, false, false, false, false, false, false, false, false, false];
@inline function bigMap(b: u32): u32 { return BIGMAP + b * BIGMAP_BYTES; }
@inline function markBig(mib: u32): void { setBit(bigMap(cur), mib); }
// And a bitmap of the indices (va >> 12 & 1023) each bank has made entries at since it was emptied,
// so a TLBIMVA looks into the sets of the banks that may hold the page only.
const IDXMAP: u32 = BIGMAP + BANKS * BIGMAP_BYTES;
const IDXMAP_BYTES: u32 = TLB_N >>> 3;
@inline function idxMap(b: u32): u32 { return IDXMAP + b * IDXMAP_BYTES; }
@inline function bigMarked(b: u32, mib: u32): bool { return testBit(bigMap(b), mib); }

// Bit i of a bitmap at address map (the three maps above and TLB_WRITTEN).
@inline function setBit(map: u32, i: u32): void { const a = map + (i >>> 3); store<u8>(a, <u32>load<u8>(a) | (<u32>1 << (i & 7))); }
@inline function testBit(map: u32, i: u32): bool { return (<u32>load<u8>(map + (i >>> 3)) & (<u32>1 << (i & 7))) != 0; }

// Everything above fits below DBG, the debugger's area (a compile-time check, as in vmm/layout.ts).
// @ts-ignore: AssemblyScript builtin
if (IDXMAP + BANKS * IDXMAP_BYTES > DBG) ERROR("mmu/tlb.ts: the TLB banks and their maps overrun DBG");
/** Sets from TLB on (the empty set, then BANKS banks of SETS sets): for `monitor tlb`. */
export const TLB_SET_COUNT: u32 = 1 + BANKS * SETS;

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
  // Per 2-bit field: o = old, n = new. Lost when o is Manager (11) and n is not, or o is Client (01)
  // and n is neither Client nor Manager (n[0] = 0). Computed on all fields at once in bit 2d.
  const o0 = old & 0x55555555, o1 = (old >>> 1) & 0x55555555;
  const n0 = nv & 0x55555555, n1 = (nv >>> 1) & 0x55555555;
  let x = o0 & ((o1 & ~(n0 & n1)) | (~o1 & ~n0)) & 0x55555555;
  // gather bit 2d into bit d
  x = (x | (x >>> 1)) & 0x33333333;
  x = (x | (x >>> 2)) & 0x0f0f0f0f;
  x = (x | (x >>> 4)) & 0x00ff00ff;
  return (x | (x >>> 8)) & 0x0000ffff;
}

// The DACR changed from `old` to `nv` while the CPU was privileged (`priv`) or, under the VMM,
// in User mode (the real DACR mirrors the guest's: vmm/shadow.ts).
export function tlbDacrChanged(old: u32, nv: u32, priv: bool): void {
  const lost = dacrLost(old, nv);
  if ((lost & domPriv) != 0) flushPrivSets();
  if (priv) return;
  if ((lost & domUser) != 0) tlbFlushUserSets();
  userDacr = nv;
}

// Entries made since the machine started (every software-TLB refill after a miss): the tests'
// measure of what a flush costs (index.ts tlbRefills).
export let tlbRefills: u64 = 0;

export function tlbInsert(set: u32, va: u32, addend: u32, blockMask: u32, domBit: u32): void {
  // Watched data pages stay out, so that every access to them reaches the debugger (debug/dbg.ts).
  if (dbgWatchOn && set != SET_FETCH && set != SET_USER + SET_FETCH && dbgNoTlb(va, dbgTlbPA(va, addend))) return;
  tlbRefills++;
  if (set >= SET_USER && set != SET_CODEW) domUser |= domBit; else domPriv |= domBit;
  unchecked(bUsed[cur] = true);
  if (set == SET_WRITE || set == SET_USER + SET_WRITE) {
    setBit(TLB_WRITTEN, (va + addend - RAM) >>> 12);
  }
  setBit(idxMap(cur), (va >>> 12) & (TLB_N - 1));
  const e = setBase(set) + tlbIndex(va);
  store<u32>(e, va & 0xfffff000);
  store<u32>(e, addend, 4);
  if (blockMask != 0xfffff000) {
    if (blockMask == 0xff000000) {
      unchecked(bSuper[cur] = true);
      const first = (va >>> 20) & 0xff0;
      for (let k: u32 = first; k < first + 16; k++) markBig(k);
    } else markBig(va >>> 20);
  }
}

function fillInvalid(base: u32, sets: u32): void {
  const end = base + sets * TLB_SET_BYTES;
  for (let e = base; e < end; e += 8) store<u32>(e, INVALID);
}

function flushPrivSets(): void { fillInvalid(bankBase, 3); fillInvalid(setBase(SET_CODEW), 1); domPriv = 0; }

// Once, before the first flush: every entry of every bank invalid (memory starts at zero, a valid
// tag for page 0).
export function tlbInit(): void {
  fillInvalid(TLB, 1 + BANKS * SETS);
  memory.fill(BIGMAP, 0, BANKS * BIGMAP_BYTES);
  memory.fill(IDXMAP, 0, BANKS * IDXMAP_BYTES);
  memory.fill(TLB_WRITTEN, 0, TLB_WRITTEN_BYTES);
  for (let b: u32 = 0; b < BANKS; b++) { unchecked(bUsed[b] = false); unchecked(bSuper[b] = false); }
}

// Every bank emptied and freed; the current one goes on serving the current context.
export function tlbFlushAll(): void {
  for (let b: u32 = 0; b < BANKS; b++) { clearBank(b); unchecked(bAsid[b] = 0xffffffff); unchecked(bStamp[b] = 0); }
  fillInvalid(SET_NONE_BASE, 1);
  setContext(cur);
  unchecked(bStamp[cur] = ++stampNow);
}

// Drop the current bank's User sets only (read, write, fetch and code-page write): enough when
// nothing ran privileged since the last full flush (the VMM's shadow switches; the real CPU stays in
// User mode and never writes CONTEXTIDR, so one bank is in use).
export function tlbFlushUserSets(): void {
  fillInvalid(setBase(SET_USER), 3);
  fillInvalid(setBase(SET_CODEW_USER), 1);
  domUser = 0;
}

// Physical page ppn (from RAM's start) became a code page: drop the write entries (both privilege
// levels, every bank) so that stores to it take the slow path that keeps the decoded-instruction
// cache coherent. TLB_WRITTEN marks the pages write entries were made for since the write sets were
// last emptied: a page without a mark has none, and nothing is dropped.
export function tlbFlushWrites(ppn: u32): void {
  if (!testBit(TLB_WRITTEN, ppn)) return;
  for (let b: u32 = 0; b < BANKS; b++) {
    if (!unchecked(bUsed[b])) continue;
    fillInvalid(bankAt(b) + SET_WRITE * TLB_SET_BYTES, 1);
    fillInvalid(bankAt(b) + (SET_USER + SET_WRITE) * TLB_SET_BYTES, 1);
  }
  memory.fill(TLB_WRITTEN, 0, TLB_WRITTEN_BYTES);
}

// Flush every entry for one virtual page in every bank (TLBIMVA: the ASID is ignored, which is
// allowed since dropping more entries than asked is always safe; global entries must go from all).
export function tlbFlushPage(va: u32): void {
  const tag = va & 0xfffff000, idx = tlbIndex(va), mib = va >>> 20;
  for (let b: u32 = 0; b < BANKS; b++) {
    if (!unchecked(bUsed[b])) continue;
    if (bigMarked(b, mib)) {
      if (unchecked(bSuper[b])) { clearBank(b); continue; }
      flushMib(b, mib);
      continue;
    }
    if (!testBit(idxMap(b), (va >>> 12) & (TLB_N - 1))) continue;
    for (let s: u32 = 0; s < SETS; s++) {
      const e = bankAt(b) + s * TLB_SET_BYTES + idx;
      if (load<u32>(e) == tag) store<u32>(e, INVALID);
    }
  }
}

// Every entry of bank b whose page lies in MiB `mib` (256 consecutive indices of each set; only the
// indices the bank has made entries at).
function flushMib(b: u32, mib: u32): void {
  const first = (mib << 8) & (TLB_N - 1);            // the MiB's 256 indices start here
  const map = idxMap(b) + (first >>> 3);
  for (let k: u32 = 0; k < 32; k++) {                  // 8 indices per byte of the index map
    const bits = <u32>load<u8>(map + k);
    if (bits == 0) continue;
    for (let j: u32 = 0; j < 8; j++) {
      if ((bits & (1 << j)) == 0) continue;
      const off = (first + (k << 3) + j) << 3;
      for (let s: u32 = 0; s < SETS; s++) {
        const e = bankAt(b) + s * TLB_SET_BYTES + off;
        if ((load<u32>(e) >>> 20) == mib && (load<u32>(e) & INVALID) == 0) store<u32>(e, INVALID);
      }
    }
  }
}

