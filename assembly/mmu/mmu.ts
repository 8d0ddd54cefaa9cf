// VMSAv7 short-descriptor translation (ARM ARM B3.5), domains and access permissions (B3.7),
// alignment checking (A3.2.1) and the data/instruction access paths used by the ISA handlers.
// Faults are return codes: a failed access records DFSR/DFAR (or IFSR/IFAR), enters the abort
// exception and sets `fault`; the caller checks `fault` and stops the instruction.
import { STATE, SCTLR, TTBR0, TTBR1, TTBCR, DACR, DFSR, DFAR, PAGEMAP, RAM_PHYS, RAM } from "../cpu/layout";
import { fault, privileged } from "../cpu/state";
import { busRead, busWrite, busError, clearBusError, isRam, ramHost, ramSize } from "../bus/bus";
import {
  tlbR, tlbW, tlbX, tlbCW, tlbIndex, tlbInsert, setBase, SET_READ, SET_WRITE, SET_FETCH, SET_USER, SET_CODEW,
  SET_CODEW_USER, bigData,
} from "./tlb";
import { takeDataAbort } from "../cpu/exceptions";
import { codeWritten, codeTouched } from "../cpu/dcache";
import { dbgWatchOn, dbgAccess, dbgLogRead } from "../debug/dbg";

export const ACC_READ: u32 = 0;
export const ACC_WRITE: u32 = 1;
export const ACC_EXEC: u32 = 2;

// Fault status codes, FS[4:0] (B3.13.3, short-descriptor format)
export const FS_ALIGN: u32 = 0x01;
export const FS_TRANS_SEC: u32 = 0x05;
export const FS_TRANS_PAGE: u32 = 0x07;
export const FS_EXTERNAL: u32 = 0x08;
export const FS_DOMAIN_SEC: u32 = 0x09;
export const FS_DOMAIN_PAGE: u32 = 0x0b;
export const FS_EXT_WALK_L1: u32 = 0x0c;
export const FS_EXT_WALK_L2: u32 = 0x0e;
export const FS_PERM_SEC: u32 = 0x0d;
export const FS_PERM_PAGE: u32 = 0x0f;

// Result of the last translate(): physical address on success; on failure xlFsr != 0 holds the
// status in DFSR/IFSR layout (FS[4] at bit 10, domain in bits 7:4).
export let xlFsr: u32 = 0;
export let xlBlockMask: u32 = 0xfffff000;
export let xlDomBit: u32 = 0;   // 1 << domain of the last successful translation (0 with the MMU off)

@inline function sctlr(): u32 { return load<u32>(STATE + SCTLR); }
@inline function fsrOf(fs: u32, domain: u32): u32 { return (fs & 0xf) | ((fs & 0x10) << 6) | (domain << 4); }

// --- the table walk, shared with the VMM -----------------------------------------------------------
// One short-descriptor walk (B3.5) for the real MMU (translate) and the VMM's walks of a guest's
// tables (vmm/shadow.ts gwalk). `cp` is where its CP15 registers are read (cp + SCTLR, cp + TTBR0,
// ...: STATE for the real CPU's block, the VMM's virtual block for a guest), `ramBytes` how much RAM
// from RAM_PHYS up it may read descriptors from: a table anywhere else is an external abort on the
// walk. The MMU must be on (the callers handle it off). It stops before the domain and permission
// checks (walkDomain, walkAp, walkXn, walkPage hold what they need) and returns the physical
// address; walkFsr != 0 (DFSR layout) for a translation fault or an external abort on the walk.
export let walkFsr: u32 = 0;
export let walkDomain: u32 = 0;
export let walkAp: u32 = 0;       // AP[2:0]
export let walkXn: u32 = 0;
export let walkPage: bool = false; // a page (second level), not a section
export let walkNG: bool = false;   // not-global
export let walkBlockMask: u32 = 0xfffff000;
export let walkL1pa: u32 = 0;      // physical address of the first-level descriptor used, and its value
export let walkD1: u32 = 0;
export let walkL2pa: u32 = 0;      // of the second-level descriptor used (0 = a section)

@inline function tableRam(pa: u32, ramBytes: u32): bool { return pa - RAM_PHYS < ramBytes; }

// Where the walked tables' physical addresses lie in RAM: 0 for the real MMU; the VMM's walk of a
// guest's own tables sets it to the guest partition's machine offset for the walk (vmm/shadow.ts gwalk).
export let walkOff: u32 = 0;
export function setWalkOff(o: u32): void { walkOff = o; }
export function walk(va: u32, cp: u32, ramBytes: u32): u32 {
  walkFsr = 0; walkNG = false; walkPage = false; walkL2pa = 0;
  // Select TTBR0 or TTBR1 by TTBCR.N (B3.5.4)
  const ttbcr = load<u32>(cp + TTBCR);
  const n = ttbcr & 7;
  let l1: u32;
  if (n == 0 || (va >>> (32 - n)) == 0) {
    if ((ttbcr & 0x10) != 0) { walkFsr = fsrOf(FS_TRANS_SEC, 0); return 0; } // PD0
    const base = load<u32>(cp + TTBR0) & (0xffffffff << (14 - n)); // TTBR0[31:14-N]
    l1 = base | (((va << n) >>> (n + 20)) << 2);
  } else {
    if ((ttbcr & 0x20) != 0) { walkFsr = fsrOf(FS_TRANS_SEC, 0); return 0; } // PD1
    l1 = (load<u32>(cp + TTBR1) & 0xffffc000) | ((va >>> 20) << 2);
  }
  if (!tableRam(l1, ramBytes)) { walkFsr = fsrOf(FS_EXT_WALK_L1, 0); return 0; }
  const d1 = load<u32>(ramHost(l1) + walkOff);
  walkL1pa = l1; walkD1 = d1;
  let pa: u32, domain: u32;
  const t1 = d1 & 3;
  if (t1 == 0 || t1 == 3) { walkFsr = fsrOf(FS_TRANS_SEC, (d1 >>> 5) & 0xf); return 0; }
  if (t1 == 2) {
    if ((d1 & (1 << 18)) != 0) { // supersection: 16 MiB, domain 0
      pa = (d1 & 0xff000000) | (va & 0x00ffffff);
      domain = 0;
      walkBlockMask = 0xff000000;
    } else {
      pa = (d1 & 0xfff00000) | (va & 0x000fffff);
      domain = (d1 >>> 5) & 0xf;
      walkBlockMask = 0xfff00000;
    }
    walkAp = ((d1 >>> 10) & 3) | ((d1 >>> 13) & 4);
    walkXn = (d1 >>> 4) & 1;
    walkNG = (d1 & (1 << 17)) != 0;
  } else {
    walkPage = true;
    domain = (d1 >>> 5) & 0xf;
    const l2 = (d1 & 0xfffffc00) | (((va >>> 12) & 0xff) << 2);
    if (!tableRam(l2, ramBytes)) { walkFsr = fsrOf(FS_EXT_WALK_L2, domain); return 0; }
    const d2 = load<u32>(ramHost(l2) + walkOff);
    walkL2pa = l2;
    const t2 = d2 & 3;
    if (t2 == 0) { walkFsr = fsrOf(FS_TRANS_PAGE, domain); return 0; }
    if (t2 == 1) { // large page, 64 KiB
      pa = (d2 & 0xffff0000) | (va & 0xffff);
      walkXn = (d2 >>> 15) & 1;
      walkBlockMask = 0xffff0000;
    } else { // small page, 4 KiB
      pa = (d2 & 0xfffff000) | (va & 0xfff);
      walkXn = d2 & 1;
      walkBlockMask = 0xfffff000;
    }
    walkAp = ((d2 >>> 4) & 3) | ((d2 >>> 7) & 4);
    walkNG = (d2 & (1 << 11)) != 0;
  }
  walkDomain = domain;
  return pa;
}

// Access permissions, AP[2:0] with SCTLR.AFE = 0 (B3.7.1, table B3-8).
@inline export function apWrite(ap: u32, priv: bool): bool { return priv ? ap == 1 || ap == 2 || ap == 3 : ap == 3; }
@inline export function apRead(ap: u32, priv: bool): bool { return priv ? ap != 0 && ap != 4 : ap == 2 || ap == 3 || ap == 6 || ap == 7; }
// The fault status of a domain or permission fault of the last walk.
@inline export function walkDomainFsr(): u32 { return fsrOf(walkPage ? FS_DOMAIN_PAGE : FS_DOMAIN_SEC, walkDomain); }
@inline export function walkPermFsr(): u32 { return fsrOf(walkPage ? FS_PERM_PAGE : FS_PERM_SEC, walkDomain); }

// Translate va for an access of `kind` at the given privilege (B3.5 and B3.7). Returns the
// physical address, or sets xlFsr.
export function translate(va: u32, kind: u32, priv: bool): u32 {
  xlFsr = 0;
  const sc = sctlr();
  if ((sc & 1) == 0) { xlBlockMask = 0xfffff000; xlDomBit = 0; return va; } // MMU off: flat mapping, no checks
  const pa = walk(va, STATE, ramSize);
  if (walkFsr != 0) { xlFsr = walkFsr; return 0; }
  xlBlockMask = walkBlockMask;

  // Domain check (B3.7.3): 00 no access, 01 client (check AP), 11 manager (no check)
  const domain = walkDomain;
  const dac = (load<u32>(STATE + DACR) >>> (domain << 1)) & 3;
  xlDomBit = 1 << domain;
  if (dac == 3) return pa;
  if (dac != 1) { xlFsr = walkDomainFsr(); return 0; }

  const ap = walkAp;
  let ok: bool;
  if (kind == ACC_WRITE) ok = apWrite(ap, priv);
  else {
    ok = apRead(ap, priv);
    if (kind == ACC_EXEC && walkXn != 0) ok = false;
  }
  if (!ok) { xlFsr = walkPermFsr(); return 0; }
  return pa;
}

// --- data access slow paths --------------------------------------------------------------------

function dataAbort(va: u32, fsr: u32, write: bool): void {
  store<u32>(STATE + DFSR, fsr | (write ? 1 << 11 : 0));
  store<u32>(STATE + DFAR, va);
  takeDataAbort();
}

// Alignment fault if SCTLR.A requires it, or always for accesses the ARM ARM makes aligned-only
// (LDM/STM, LDRD/STRD, LDREX/STREX, SWP: callers use checkAligned).
export function checkAligned(va: u32, mask: u32, write: bool): bool {
  if ((va & mask) == 0) return true;
  dataAbort(va, fsrOf(FS_ALIGN, 0), write);
  return false;
}

// One access that lies within a page. user = unprivileged access (LDRT/STRT or User mode).
function accessPage(va: u32, size: u32, write: bool, v: u32, user: bool): u32 {
  const priv = !user && privileged;
  const pa = translate(va, write ? ACC_WRITE : ACC_READ, priv);
  if (xlFsr != 0) { dataAbort(va, xlFsr, write); return 0; }
  let logRead = false; // a debugger's memory hook wants the value read (debug/dbg.ts)
  if (dbgWatchOn) {
    const d = dbgAccess(va, pa, size, write, v);
    if (d < 0) return 0; // a watchpoint stopped the instruction before the access
    logRead = d > 0;
  }
  let r: u32 = 0;
  if (isRam(pa)) { // RAM is a whole number of pages, so the access stays inside it
    const set = (priv ? 0 : SET_USER) + (write ? SET_WRITE : SET_READ);
    // LDRT/STRT at PL1 are not entered: the User sets hold only what User mode itself
    // translated, under the DACR it ran with (tlb.ts, DACR changes).
    const enter = !(user && privileged);
    const h = ramHost(pa);
    if (write) {
      const ppn = (pa - RAM_PHYS) >>> 12;
      if (load<u32>(PAGEMAP + (ppn << 2)) != 0) {
        codeWritten(pa, size, v);
        if (enter) tlbInsert(priv ? SET_CODEW : SET_CODEW_USER, va, h - va, xlBlockMask, xlDomBit);
      } else if (enter) tlbInsert(set, va, h - va, xlBlockMask, xlDomBit);
      if (size == 4) store<u32>(h, v); else if (size == 2) store<u16>(h, <u16>v); else store<u8>(h, <u8>v);
      return 0;
    }
    if (enter) tlbInsert(set, va, h - va, xlBlockMask, xlDomBit);
    r = size == 4 ? load<u32>(h) : size == 2 ? <u32>load<u16>(h) : <u32>load<u8>(h);
  } else {
    clearBusError();
    if (write) busWrite(pa, size, v); else r = busRead(pa, size);
    if (busError) { clearBusError(); dataAbort(va, fsrOf(FS_EXTERNAL, 0), write); return 0; }
  }
  if (logRead) dbgLogRead(va, pa, size, r);
  return r;
}

// Big-endian data (CPSR.E = 1, A2.4.3): the bytes of each access in reverse order. The TLB fast
// paths are off meanwhile (tlb.ts SET_NONE), so readSlow and writeSlow see every access.
@inline function swapBytes(v: u32, size: u32): u32 {
  return size == 4 ? bswap<u32>(v) : size == 2 ? <u32>bswap<u16>(<u16>v) : v;
}

export function readSlow(va: u32, size: u32, user: bool): u32 {
  const v = readLE(va, size, user);
  return bigData ? swapBytes(v, size) : v;
}

export function writeSlow(va: u32, size: u32, v: u32, user: bool): void {
  writeLE(va, size, bigData ? swapBytes(v, size) : v, user);
}

function readLE(va: u32, size: u32, user: bool): u32 {
  const mis = va & (size - 1);
  if (mis != 0) {
    if ((sctlr() & 2) != 0) { dataAbort(va, fsrOf(FS_ALIGN, 0), false); return 0; }
    if ((va & 0xfff) > 0x1000 - size) { // crosses a page: byte by byte, little-endian
      let r: u32 = 0;
      for (let i: u32 = 0; i < size; i++) {
        const b = accessPage(va + i, 1, false, 0, user);
        if (fault) return 0;
        r |= b << (i << 3);
      }
      return r;
    }
  }
  return accessPage(va, size, false, 0, user);
}

// A store to a page with decoded code whose translation is in the code-page write set (see
// tlb.ts): aligned, so within the page. Returns false when the set does not hold va.
@inline function writeCodePage(e: u32, va: u32, size: u32, v: u32): bool {
  if (load<u32>(e) != (va & 0xfffff000)) return false;
  const h = load<u32>(e, 4) + va;
  const pa = h - RAM + RAM_PHYS;
  if (codeTouched(pa, size)) codeWritten(pa, size, v);
  if (size == 4) store<u32>(h, v); else if (size == 2) store<u16>(h, <u16>v); else store<u8>(h, <u8>v);
  return true;
}
// The JIT's store slow path (cpu/run.ts jitAccessSlow) tries this first: a store from the current
// privilege next to code (small programs keep data in their code's page) without the calls of
// writeSlow. False: take writeSlow.
@inline export function writeCodeQuick(va: u32, size: u32, v: u32): bool {
  return (va & (size - 1)) == 0 && !bigData && writeCodePage(tlbCW + tlbIndex(va), va, size, v);
}

function writeLE(va: u32, size: u32, v: u32, user: bool): void {
  const mis = va & (size - 1);
  if (mis == 0 && !(user && privileged)) {
    if (writeCodePage((user ? setBase(SET_CODEW_USER) : tlbCW) + tlbIndex(va), va, size, v)) return;
  }
  if (mis != 0) {
    if ((sctlr() & 2) != 0) { dataAbort(va, fsrOf(FS_ALIGN, 0), true); return; }
    if ((va & 0xfff) > 0x1000 - size) {
      // Check every byte translates before writing any, so a fault leaves memory unchanged.
      for (let i: u32 = 0; i < size; i++) {
        translate(va + i, ACC_WRITE, !user && privileged);
        if (xlFsr != 0) { dataAbort(va + i, xlFsr, true); return; }
      }
      for (let i: u32 = 0; i < size; i++) {
        accessPage(va + i, 1, true, (v >>> (i << 3)) & 0xff, user);
        if (fault) return;
      }
      return;
    }
  }
  accessPage(va, size, true, v, user);
}

// --- fast paths (TLB hit: one compare, one add) ------------------------------------------------
// The tag compare folds in the alignment test: a misaligned address never equals a page tag.

@inline export function read32(va: u32): u32 {
  const e = tlbR + tlbIndex(va);
  if (load<u32>(e) == (va & 0xfffff003)) return load<u32>(load<u32>(e, 4) + va);
  return readSlow(va, 4, false);
}
@inline export function read16(va: u32): u32 {
  const e = tlbR + tlbIndex(va);
  if (load<u32>(e) == (va & 0xfffff001)) return load<u16>(load<u32>(e, 4) + va);
  return readSlow(va, 2, false);
}
@inline export function read8(va: u32): u32 {
  const e = tlbR + tlbIndex(va);
  if (load<u32>(e) == (va & 0xfffff000)) return load<u8>(load<u32>(e, 4) + va);
  return readSlow(va, 1, false);
}
@inline export function write32(va: u32, v: u32): void {
  const e = tlbW + tlbIndex(va);
  if (load<u32>(e) == (va & 0xfffff003)) { store<u32>(load<u32>(e, 4) + va, v); return; }
  writeSlow(va, 4, v, false);
}
@inline export function write16(va: u32, v: u32): void {
  const e = tlbW + tlbIndex(va);
  if (load<u32>(e) == (va & 0xfffff001)) { store<u16>(load<u32>(e, 4) + va, <u16>v); return; }
  writeSlow(va, 2, v, false);
}
@inline export function write8(va: u32, v: u32): void {
  const e = tlbW + tlbIndex(va);
  if (load<u32>(e) == (va & 0xfffff000)) { store<u8>(load<u32>(e, 4) + va, <u8>v); return; }
  writeSlow(va, 1, v, false);
}

// Host address of the word-aligned range [va, va + len) when it lies in one page and hits the
// read (write) TLB, else 0 (RAM never sits at host address 0): block transfers then move every
// word without a lookup each, and cannot fault half-way.
@inline export function hostRangeRead(va: u32, len: u32): u32 {
  if (((va ^ (va + len - 1)) & 0xfffff000) != 0) return 0;
  const e = tlbR + tlbIndex(va);
  return load<u32>(e) == (va & 0xfffff003) ? load<u32>(e, 4) + va : 0;
}
@inline export function hostRangeWrite(va: u32, len: u32): u32 {
  if (((va ^ (va + len - 1)) & 0xfffff000) != 0) return 0;
  const e = tlbW + tlbIndex(va);
  return load<u32>(e) == (va & 0xfffff003) ? load<u32>(e, 4) + va : 0;
}

// Unprivileged accesses (LDRT/STRT and friends, A8.8.x "T" forms): always checked as User.
export function readUser(va: u32, size: u32): u32 { return readSlow(va, size, true); }
export function writeUser(va: u32, size: u32, v: u32): void { writeSlow(va, size, v, true); }

// Translate an instruction fetch; returns the physical address or sets xlFsr (external abort
// for non-RAM targets is decided by the caller, which needs RAM to decode from).
export function translateFetch(va: u32): u32 {
  const e = tlbX + tlbIndex(va);
  if (load<u32>(e) == (va & 0xfffff000)) { xlFsr = 0; return load<u32>(e, 4) + va; } // callers test xlFsr
  const pa = translate(va, ACC_EXEC, privileged);
  if (xlFsr != 0) return 0;
  if (!isRam(pa)) { xlFsr = fsrOf(FS_EXTERNAL, 0); return 0; }
  tlbInsert(privileged ? SET_FETCH : SET_USER + SET_FETCH, va, pa - va, xlBlockMask, xlDomBit);
  return pa;
}

// Debug/host access: translate with the current privilege without side effects on the CPU
// (no abort taken, no TLB fill). Returns false in `debugOk` on failure.
export let debugOk: bool = true;
export function debugRead8(va: u32): u32 {
  const pa = translate(va, ACC_READ, privileged);
  if (xlFsr != 0) { debugOk = false; return 0; }
  clearBusError();
  const r = isRam(pa) ? <u32>load<u8>(ramHost(pa)) : busRead(pa, 1);
  if (busError) { clearBusError(); debugOk = false; }
  return r;
}
export function debugWrite8(va: u32, v: u32): void {
  const pa = translate(va, ACC_WRITE, privileged);
  if (xlFsr != 0 || !isRam(pa)) { debugOk = false; return; }
  store<u8>(ramHost(pa), <u8>v);
  const ppn = (pa - RAM_PHYS) >>> 12;
  if (load<u32>(PAGEMAP + (ppn << 2)) != 0) codeWritten(pa, 1, v);
}
export function setDebugOk(v: bool): void { debugOk = v; }
