// Shadow page tables. The real MMU (mmu/mmu.ts) walks ARM short-descriptor tables that the VMM
// builds in its reserved RAM from the guest's own tables, one 4 KiB small page at a time, on
// demand: a real translation fault on an empty shadow entry walks the guest's tables (gwalk, the
// ARM ARM B3.5 walk against the virtual TTBR0/TTBR1/TTBCR/DACR/SCTLR) and fills the entry.
//
// Coherence, two mechanisms together (docs/vmm.md "Coherence"):
// - the ARM TLB maintenance contract (B3.10): a shadow is a software TLB of the guest's
//   translations, so guest TLBIALL/TLBIASID drop shadow contexts and TLBIMVA drops shadow PTEs;
//   para guests may send batched page-table updates (HC_PT_UPDATE) instead;
// - full mode also write-protects the guest's page tables: every fill tracks the guest frames that
//   hold the L1 and L2 descriptors it used; shadow PTEs of tracked frames are read-only, so a guest
//   store to one takes a permission fault that the VMM resolves itself (ptWindow: the frame is
//   copied and made writable for a short window; when the window closes, the frame is compared
//   with its copy and the shadow entries derived from each changed descriptor are dropped).
//
// Views: the guest kernel and guest user code both run in real User mode, so each address space
// has two shadows: the privileged view (guest-privileged permissions) and the user view (guest-User
// permissions; guest-kernel-only pages are absent). The view follows the virtual mode.
// Contexts: the lower half (VA < 2 GiB, real TTBR0) is keyed by (guest TTBR0, ASID, view) and
// reused across guest address-space switches; the upper half (real TTBR1; real TTBCR.N = 1) by
// (guest TTBR1, view), shared by all processes. With the guest MMU off, a flat context maps the
// partition 1:1. Confinement: every fill checks that the guest-physical page lies in the guest's
// RAM partition or is one of the pass-through device pages; anything else is reflected as an
// external abort, so no guest mapping can reach the VMM-reserved RAM.
//
// Real ASIDs (B3.9.1, B3.10.1, B4.1.36): every shadow descriptor is not-global, and each pair of
// contexts the real TTBR0/TTBR1 point at together (a lower and an upper one of one view) has its
// own real ASID, written to the real CONTEXTIDR with the TTBRs. So a world switch (guest kernel <->
// guest user view) or an address-space switch back to a known pair is three register writes: the
// TLB keeps every pair's entries. Invalidation: a pair whose context is dropped (eviction, guest
// TLBIALL/TLBIASID) loses its ASID (retire): it gets a new one when next selected, so its old
// entries are never looked up again; a changed or dropped shadow PTE is flushed by address in every
// ASID (TLBIMVAA). ASIDs are handed out in generations of 255 (0 is never used); when they run
// out, a new generation starts with a TLBIALL (asid_rollovers), and every pair takes a new ASID
// at its next selection.
import { ptWin } from "../cpu/traps"; // open windows (the run loop stops at ptWindowEnd while > 0)
import { STATE, SCTLR, TTBR0, TTBR1, TTBCR, DACR, CONTEXTIDR, RAM_PHYS, CP15 } from "../cpu/layout";
import { walk, setWalkOff, walkFsr, walkDomain, walkAp, walkXn, walkNG, walkL1pa, walkD1, walkL2pa, walkDomainFsr, walkPermFsr, apRead, apWrite } from "../mmu/mmu";
import { curPC } from "../cpu/state";
import { ramHost, INTC_BASE, GPTIMER1_BASE, GPTIMER2_BASE, COUNTER32K_BASE, UART3_BASE } from "../bus/bus";
import { VIRTIO_BASE } from "../dev/virtio_mmio";
import { PRM_GLOBAL_BASE } from "../dev/prm";
import { POWEROFF_BASE } from "../dev/poweroff";
import { tlbFlushAll, tlbFlushPage, tlbDacrChanged, tlbContextChanged } from "../mmu/tlb";
import { breakSlice } from "../cpu/state";
import { icount } from "../cpu/state";
import {
  V_CTX, CTX_N, CTX_BYTES, V_L2FREE, L2_N, V_RESERVED, RES_L1_BYTES, V_RAMSIZE, MODE_FULL, V_CP15, V_PBASE,
  RES_TRACKED, RES_TRACKED_BYTES, RES_SRC_ADDR, RES_SRC_VAL, RES_SRC_MIB, RES_SNAP, PT_WIN_N,
} from "./layout";
import {
  count, charge, S_SHADOW_FILLS, S_SHADOW_FLUSHES, S_SHADOW_REUSES, S_SHADOW_PAGE_INVALS, C_FILL, C_FLUSH,
  S_PT_WRITE_FAULTS, C_PTWRITE, S_SHADOW_TABLE_COPIES, S_ASID_ALLOCS, S_ASID_ROLLOVERS, C_ASID_ROLLOVER,
  S_SHADOW_PREFILLS, C_PREFILL,
} from "./stats";
import { vpriv, vreg, vmmFatal, vmmMode } from "./vcpu";

// --- guest translation walk ------------------------------------------------------------------

export let gFsr: u32 = 0;       // guest fault status of the last gwalk (DFSR layout), 0 = translated
export let gR: bool = false;    // permissions of the translated page for the walked privilege
export let gW: bool = false;
export let gX: bool = false;
export let gNG: bool = false;   // not-global descriptor
export let gL1pa: u32 = 0;      // guest-physical address of the L1 descriptor used (1 = guest MMU off)
export let gD1: u32 = 0;        // its value
export let gL2pa: u32 = 0;      // guest-physical address of the L2 descriptor used (0 = a section)
export let gDom: u32 = 0;       // domain of the translation (0 with the guest MMU off, B3.7.3)

@inline function partition(): u32 { return load<u32>(V_RAMSIZE); }
// The guest-physical -> machine-physical step, the only one: guest-physical pa (checked to lie in the
// partition by the caller) is machine-physical pa + pbase, the partition's offset (V_PBASE: 0 for a
// single guest; vmm/guests.ts sets it per guest). Every access the VMM makes to guest RAM by
// guest-physical address, and every shadow descriptor it writes, goes through it.
export let pbase: u32 = 0;
export function loadPbase(): void { pbase = load<u32>(V_PBASE); }
@inline export function gHost(pa: u32): u32 { return ramHost(pa) + pbase; }
@inline export function gMachine(pa: u32): u32 { return pa + pbase; }
@inline function guestRam(pa: u32, len: u32): bool { return pa - RAM_PHYS <= partition() - len; }

// Translate va as the guest's own MMU would for an access of `kind` (0 read, 1 write, 2 execute)
// at privilege `priv`: the MMU's own walk (mmu/mmu.ts walk) over the guest's virtual CP15 registers,
// reading tables only inside the guest's partition (anywhere else: an external abort on the walk),
// then the guest's domains and access permissions, all three kinds at once (gR, gW, gX).
export function gwalk(va: u32, kind: u32, priv: bool): u32 {
  gFsr = 0; gNG = false; gL1pa = 1; gD1 = 0; gL2pa = 0; gDom = 0;
  const sc = vreg(SCTLR);
  if ((sc & 1) == 0) { gR = true; gW = true; gX = true; return va; }
  setWalkOff(pbase);
  const pa = walk(va, V_CP15 - CP15, partition());
  setWalkOff(0);
  if (walkFsr != 0) { gFsr = walkFsr; return 0; }
  gL1pa = walkL1pa; gD1 = walkD1; gL2pa = walkL2pa; gNG = walkNG;
  const domain = walkDomain;
  gDom = domain;
  const dac = (vreg(DACR) >>> (domain << 1)) & 3;
  if (dac == 3) { gR = true; gW = true; gX = true; return pa; }   // manager: no checks (B3.7.3)
  if (dac != 1) { gFsr = walkDomainFsr(); return 0; }
  const ap = walkAp;
  gW = apWrite(ap, priv); gR = apRead(ap, priv);
  gX = gR && walkXn == 0;
  const ok = kind == 1 ? gW : kind == 2 ? gX : gR;
  if (!ok) { gFsr = walkPermFsr(); return 0; }
  return pa;
}

// Device pages the guest may map directly (board.md): INTC, GPTIMER1/2, 32k counter, UART3, and
// the power devices (PRM_RSTCTRL's page, the power-off latch): a guest's reset or power-off write
// reaches them as natively and stops the machine; and the virtio-mmio windows (their back ends check
// every descriptor against the partition).
export function passThrough(pa: u32): bool {
  const p = pa & 0xfffff000;
  return p == INTC_BASE || p == GPTIMER1_BASE || p == GPTIMER2_BASE || p == COUNTER32K_BASE || p == UART3_BASE ||
    p == (PRM_GLOBAL_BASE & 0xfffff000) || p == POWEROFF_BASE || p == VIRTIO_BASE;
}

// --- contexts --------------------------------------------------------------------------------

const F_VALID: u32 = 1;
const F_UPPER: u32 = 2;
const F_USER: u32 = 4;
const F_NG: u32 = 8;       // an upper context holding not-global entries
const KEY_FLAT: u32 = 0xffffffff;
// A context record (CTX_BYTES): 0 key0, 4 key1, 8 flags, 12 LRU stamp, 16 fills; a lower context
// also holds its pair's real ASID: 20 the ASID, 24 the upper context it was given for, 28 the
// generation it was given in (0: none).
const C_ASID: i32 = 20;
const C_PARTNER: i32 = 24;
const C_GEN: i32 = 28;
const ASID_LAST: u32 = 255;

let asidGen: u32 = 1;      // current generation (never 0)
let asidNext: u32 = 1;     // next ASID to hand out in it
let curAsid: u32 = 0;      // the real CONTEXTIDR's ASID

let stamp: u32 = 0;
let curLower: i32 = -1;
let curUpper: i32 = -1;
let l2Top: u32 = 0;        // entries on the free stack

@inline function ctxAt(i: i32): u32 { return V_CTX + (<u32>i) * CTX_BYTES; }
@inline function ctxL1(i: i32): u32 { return load<u32>(V_RESERVED) + ((<u32>i) << 14); }

export function shadowInit(): void {
  memory.fill(V_CTX, 0, CTX_N * CTX_BYTES);
  const res = load<u32>(V_RESERVED);
  memory.fill(ramHost(res), 0, RES_L1_BYTES);
  const l2base = res + RES_L1_BYTES;
  for (let i: u32 = 0; i < L2_N; i++) store<u32>(V_L2FREE + (i << 2), l2base + ((L2_N - 1 - i) << 10));
  l2Top = L2_N;
  memory.fill(resHost(RES_TRACKED), 0, RES_TRACKED_BYTES);
  memory.fill(resHost(RES_SRC_ADDR), 0, L2_N * 12); // RES_SRC_ADDR, RES_SRC_VAL and RES_SRC_MIB
  ptWin = 0; nSnap = 0; l2Hi = 0;
  curLower = -1; curUpper = -1;
  asidGen = 1; asidNext = 1; curAsid = 0;
  tlbFlushAll(); // nothing the TLB holds was made under the VMM's ASIDs
  realDacr();
  store<u32>(STATE + TTBCR, 1);
  store<u32>(STATE + SCTLR, load<u32>(STATE + SCTLR) | 1);
  shadowSelect(false);
}

function flushCtx(i: i32): void {
  const c = ctxAt(i);
  if ((load<u32>(c, 8) & F_VALID) == 0) return;
  if (ptWin > 0) ptClose();
  const upper = (load<u32>(c, 8) & F_UPPER) != 0;
  const l1 = ramHost(ctxL1(i)) + (upper ? 0x2000 : 0);
  const l2base = load<u32>(V_RESERVED) + RES_L1_BYTES;
  for (let k: u32 = 0; k < 2048; k++) {
    const e = load<u32>(l1 + (k << 2));
    if (e != 0) {
      if (l2Top >= L2_N) { vmmFatal(2); return; } // a table freed twice: never lose track of the stack's bounds
      store<u32>(V_L2FREE + (l2Top << 2), e & 0xfffffc00);
      l2Top++;
      store<u32>(l1 + (k << 2), 0);
      const idx = ((e & 0xfffffc00) - l2base) >>> 10;
      store<u32>(resHost(RES_SRC_ADDR) + (idx << 2), 0);
      store<u32>(resHost(RES_SRC_VAL) + (idx << 2), 0);
    }
  }
  store<u32>(c, 0, 8);
  lastPC = 1;
  retire(i, upper);
  if (load<u32>(c, 16) != 0) { count(S_SHADOW_FLUSHES); charge(C_FLUSH); }
}

// Para mode's TLBIASID of context i (B4.2.2: TLBIASID invalidates the non-global entries of that
// ASID; global ones stay): drop every shadow L2 table except those filled from a *global* guest
// section descriptor (nG, bit 17, clear), whose entries are a function of that one global
// descriptor, as a TLB keeps global entries. Linux (TTBCR.N = 0) makes its kernel half per address
// space, so a flush_tlb_mm (every fork flushes the parent's ASID) used to drop the kernel's
// section MiBs too, to be copied back one fault per MiB. The context stays, with its ASID retired
// (the real TLB may hold entries of the dropped tables under it). Full mode drops whole contexts.
function flushNonGlobal(i: i32): void {
  const c = ctxAt(i);
  const f = load<u32>(c, 8);
  const upper = (f & F_UPPER) != 0;
  const l1 = ramHost(ctxL1(i)) + (upper ? 0x2000 : 0);
  const l2base = load<u32>(V_RESERVED) + RES_L1_BYTES;
  let kept: u32 = 0;
  for (let k: u32 = 0; k < 2048; k++) {
    const e = load<u32>(l1 + (k << 2));
    if (e == 0) continue;
    const idx = ((e & 0xfffffc00) - l2base) >>> 10;
    const src = load<u32>(srcValAt(idx));
    if (load<u32>(srcAddrAt(idx)) > 1 && (src & 3) == 2 && (src & (1 << 17)) == 0) { kept++; continue; }
    if (l2Top >= L2_N) { vmmFatal(2); return; }
    store<u32>(V_L2FREE + (l2Top << 2), e & 0xfffffc00);
    l2Top++;
    store<u32>(l1 + (k << 2), 0);
    store<u32>(srcAddrAt(idx), 0);
    store<u32>(srcValAt(idx), 0);
  }
  lastPC = 1;
  retire(i, upper);
  if (load<u32>(c, 16) != 0) { count(S_SHADOW_FLUSHES); charge(C_FLUSH); }
  store<u32>(c, f & ~F_NG, 8);
  store<u32>(c, kept, 16);
}

// Context i was dropped: the pairs it belonged to lose their ASIDs (a lower context's own; for an
// upper one, every lower context's that was paired with it). Their TLB entries stay behind under
// ASIDs no pair holds, never looked up again before the rollover's TLBIALL.
function retire(i: i32, upper: bool): void {
  if (!upper) { store<u32>(ctxAt(i), 0, C_GEN); return; }
  for (let j: i32 = 0; j < <i32>CTX_N; j++) {
    const c = ctxAt(j);
    if (load<i32>(c, C_PARTNER) == i) store<u32>(c, 0, C_GEN);
  }
}

// The real ASID of the pair (lower context lo, upper context up): the one it holds in this
// generation, else the next free one; with none left, a new generation (TLBIALL: B3.10.1 requires
// that no entry of an ASID survives its reuse for another translation regime).
function pairAsid(lo: i32, up: i32): u32 {
  const c = ctxAt(lo);
  if (load<u32>(c, C_GEN) == asidGen && load<i32>(c, C_PARTNER) == up) return load<u32>(c, C_ASID);
  if (asidNext > ASID_LAST) {
    asidGen++; asidNext = 1;
    count(S_ASID_ROLLOVERS); charge(C_ASID_ROLLOVER);
    tlbFlushAll();
  }
  const a = asidNext++;
  store<u32>(c, a, C_ASID); store<i32>(c, up, C_PARTNER); store<u32>(c, asidGen, C_GEN);
  count(S_ASID_ALLOCS);
  return a;
}

function keyLower(): u32 { return (vreg(SCTLR) & 1) == 0 ? KEY_FLAT : vreg(TTBR0) & 0xffffff80; }
function keyLower1(): u32 { return (vreg(SCTLR) & 1) == 0 ? 0 : vreg(CONTEXTIDR) & 0xff; }
function keyUpper(): u32 {
  if ((vreg(SCTLR) & 1) == 0) return KEY_FLAT;
  return (vreg(TTBCR) & 7) == 0 ? vreg(TTBR0) & 0xffffff80 : vreg(TTBR1) & 0xffffff80;
}
function keyUpper1(): u32 {
  if ((vreg(SCTLR) & 1) == 0) return 0;
  return (vreg(TTBCR) & 7) == 0 ? (vreg(CONTEXTIDR) & 0xff) | 0x100 : 0x200;
}

// Find or make the context for (k0, k1, flags); `other` is the context the caller keeps (never evicted).
function findCtx(k0: u32, k1: u32, flags: u32, other: i32): i32 {
  let free: i32 = -1, lru: i32 = -1, lruStamp: u32 = 0xffffffff;
  for (let i: i32 = 0; i < <i32>CTX_N; i++) {
    const c = ctxAt(i);
    const f = load<u32>(c, 8);
    if ((f & F_VALID) == 0) { if (free < 0) free = i; continue; }
    if (load<u32>(c) == k0 && load<u32>(c, 4) == k1 && (f & (F_UPPER | F_USER)) == (flags & (F_UPPER | F_USER))) {
      store<u32>(c, ++stamp, 12);
      return i;
    }
    if (i != other && i != curLower && i != curUpper && load<u32>(c, 12) < lruStamp) { lru = i; lruStamp = load<u32>(c, 12); }
  }
  let i = free;
  if (i < 0) { i = lru; flushCtx(i); }
  const c = ctxAt(i);
  store<u32>(c, k0); store<u32>(c, k1, 4); store<u32>(c, flags | F_VALID, 8);
  store<u32>(c, ++stamp, 12); store<u32>(c, 0, 16);
  return i;
}

// An address-space switch back to a lower-half shadow that still holds entries (in either view:
// the guest kernel rarely touches user addresses, so the user view is the one that fills).
function reusable(k0: u32, k1: u32): bool {
  for (let i: i32 = 0; i < <i32>CTX_N; i++) {
    const c = ctxAt(i);
    const f = load<u32>(c, 8);
    if ((f & (F_VALID | F_UPPER)) == F_VALID && load<u32>(c) == k0 && load<u32>(c, 4) == k1 && load<u32>(c, 16) != 0) return true;
  }
  return false;
}

// Point the real TTBR0/TTBR1 at the shadows of the guest's current address space and view.
// asSwitch: called for a guest address-space switch (counts reuses).
// The contexts each view used last: a view switch back finds them without a search.
const lastLo: StaticArray<i32> = [-1, -1];
const lastUp: StaticArray<i32> = [-1, -1];

@inline function matches(i: i32, k0: u32, k1: u32, flags: u32): bool {
  if (i < 0) return false;
  const c = ctxAt(i);
  return (load<u32>(c, 8) & (F_VALID | F_UPPER | F_USER)) == (flags | F_VALID) && load<u32>(c) == k0 && load<u32>(c, 4) == k1;
}

export function shadowSelect(asSwitch: bool): void {
  const view = vpriv ? 0 : F_USER;
  const vi = vpriv ? 0 : 1;
  const k0 = keyLower(), k1 = keyLower1(), u0 = keyUpper(), u1 = keyUpper1();
  let lo = unchecked(lastLo[vi]), up = unchecked(lastUp[vi]);
  if (!matches(lo, k0, k1, view)) lo = findCtx(k0, k1, view, curUpper); else store<u32>(ctxAt(lo), ++stamp, 12);
  if (asSwitch && reusable(k0, k1)) count(S_SHADOW_REUSES);
  if (!matches(up, u0, u1, view | F_UPPER)) up = findCtx(u0, u1, view | F_UPPER, lo); else store<u32>(ctxAt(up), ++stamp, 12);
  unchecked(lastLo[vi] = lo); unchecked(lastUp[vi] = up);
  const asid = pairAsid(lo, up);
  if (lo == curLower && up == curUpper && asid == curAsid) return;
  curLower = lo; curUpper = up; curAsid = asid;
  lastPC = 1;
  // TTBR0, TTBR1 and CONTEXTIDR (ASID in bits 7:0, PROCID 0) together; the TLB keeps its entries.
  store<u32>(STATE + TTBR0, ctxL1(lo));
  store<u32>(STATE + TTBR1, ctxL1(up));
  store<u32>(STATE + CONTEXTIDR, asid);
  tlbContextChanged();
  breakSlice();
}

// Domains (B3.7.3). A shadow L1 entry carries the domain of the guest L1 descriptor its shadow L2
// table was filled from (one guest descriptor per MiB and context), and the real DACR mirrors the
// guest's: a guest Client domain is a real Client one (the shadow AP bits, filled from the guest's
// AP, decide), a No access one (or the reserved 0b10) a real No access one, so its accesses take
// real Domain faults, which shadowFault reflects. A guest Manager domain is real Client too, its
// pages filled with full access: a change into or out of Manager drops every shadow (shadowDacr).
// So a guest that only toggles domains between Client and No access (Linux's software PAN around
// every user access) keeps its shadows; the real software TLB, which caches permission checks, is
// dropped when a domain it holds entries of loses access. With the guest MMU off the flat
// context's domain 0 is Client.
function mirrorDacr(): u32 { return (vreg(SCTLR) & 1) == 0 ? 0x55555555 : vreg(DACR) & 0x55555555; }
function realDacr(): void { store<u32>(STATE + DACR, mirrorDacr()); }
@inline function managers(d: u32): u32 { return d & (d >>> 1) & 0x55555555; }

// A guest DACR write (old -> nv).
export function shadowDacr(old: u32, nv: u32): void {
  if (managers(old) != managers(nv)) { shadowFlushAll(); return; }
  const real = mirrorDacr(), was = load<u32>(STATE + DACR);
  if (was == real) return;
  store<u32>(STATE + DACR, real);
  tlbDacrChanged(was, real, false); // the real CPU is in User mode: its User sets, as natively
  breakSlice();
}

// Drop every shadow (guest TLBIALL, TTBCR/TTBR1/SCTLR.M changes, DACR Manager changes).
export function shadowFlushAll(): void {
  const was = load<u32>(STATE + DACR);
  realDacr();
  tlbDacrChanged(was, load<u32>(STATE + DACR), false);
  for (let i: i32 = 0; i < <i32>CTX_N; i++) flushCtx(i);
  // No shadow entry is left, so none derives from any guest table: stop tracking every frame
  // (the fills that follow track again the tables still in use).
  memory.fill(resHost(RES_TRACKED), 0, trackedBytes());
  curLower = -1; curUpper = -1;
  shadowSelect(false);
}

// Guest TLBIASID: contexts of that ASID (lower ones; upper ones too when the guest's TTBCR.N = 0
// makes them per address space), and the shared upper ones holding not-global entries.
export function shadowFlushAsid(asid: u32): void {
  for (let i: i32 = 0; i < <i32>CTX_N; i++) {
    const c = ctxAt(i);
    const f = load<u32>(c, 8);
    if ((f & F_VALID) == 0) continue;
    const k0 = load<u32>(c), k1 = load<u32>(c, 4);
    const perAsid = (f & F_UPPER) == 0 || (k1 & 0x100) != 0;   // keyLower1 / keyUpper1 with N = 0
    if (perAsid ? k0 != KEY_FLAT && (k1 & 0xff) == asid : (f & F_NG) != 0) {
      if (vmmMode != MODE_FULL) { flushNonGlobal(i); continue; }
      if (i == curLower || i == curUpper) {
        // keep the slot (it is the live one), just empty it
        flushCtx(i);
        store<u32>(c, k0); store<u32>(c, k1, 4); store<u32>(c, f & ~F_NG, 8); store<u32>(c, 0, 16);
      } else flushCtx(i);
    }
  }
  // The live pair, if dropped, takes a new ASID now (its entries under the old one are unreachable).
  shadowSelect(false);
  breakSlice();
}

// Drop the shadow PTE of one page in every context that could hold it (guest TLBIMVA, PT updates).
export function shadowInvalPage(va: u32): void {
  const upper = va >= 0x8000_0000;
  for (let i: i32 = 0; i < <i32>CTX_N; i++) {
    const c = ctxAt(i);
    const f = load<u32>(c, 8);
    if ((f & F_VALID) == 0 || ((f & F_UPPER) != 0) != upper) continue;
    const l1e = load<u32>(ramHost(ctxL1(i) + ((va >>> 20) << 2)));
    if (l1e == 0) continue;
    const pte = ramHost((l1e & 0xfffffc00) + (((va >>> 12) & 0xff) << 2));
    if (load<u32>(pte) != 0) { store<u32>(pte, 0); count(S_SHADOW_PAGE_INVALS); }
  }
  lastPC = 1;
  tlbFlushPage(va);
  breakSlice();
}

// Drop the shadow PTEs of the pages in [start, end) (page-aligned, end > start, end <= 4 GiB) in
// every context that could hold them, as one shadowInvalPage per page would (HC_TLB_FLUSH_RANGE:
// Linux's flush_tlb_range/flush_tlb_kernel_range in one call). Visits each MiB of the range once
// per context; returns the number of MiBs visited (the caller charges them).
export function shadowInvalRange(start: u32, end: u64): u32 {
  const m0 = start >>> 20, m1 = <u32>((end - 1) >>> 20);
  for (let m = m0; m <= m1; m++) {
    const mlo: u64 = (<u64>m) << 20;
    const lo = <u32>(mlo > <u64>start ? mlo : <u64>start);
    const hiEnd: u64 = mlo + 0x100000 < end ? mlo + 0x100000 : end;
    const k0 = (lo >>> 12) & 0xff, k1 = <u32>((hiEnd - mlo) >>> 12); // pages k0..k1-1 of this MiB
    const upper = m >= 0x800;
    for (let i: i32 = 0; i < <i32>CTX_N; i++) {
      const c = ctxAt(i);
      const f = load<u32>(c, 8);
      if ((f & F_VALID) == 0 || ((f & F_UPPER) != 0) != upper) continue;
      const l1e = load<u32>(ramHost(ctxL1(i) + (m << 2)));
      if (l1e == 0) continue;
      const t = ramHost(l1e & 0xfffffc00);
      for (let k = k0; k < k1; k++) {
        const pte = t + (k << 2);
        if (load<u32>(pte) != 0) { store<u32>(pte, 0); count(S_SHADOW_PAGE_INVALS); }
      }
    }
  }
  lastPC = 1;
  // the real TLB: by page for a short range; dropping more than asked is always allowed (B3.10)
  const pages = (end - <u64>start) >>> 12;
  if (pages <= 64) for (let p: u32 = 0; p < <u32>pages; p++) tlbFlushPage(start + (p << 12));
  else tlbFlushAll();
  breakSlice();
  return m1 - m0 + 1;
}

// --- faults ----------------------------------------------------------------------------------

// The last fault resolved by a fill: its PC, address and access kind. The same fault again after a
// fill that changed nothing means the fill cannot help (a VMM bug): see shadowFault.
let lastPC: u32 = 1;
let lastVA: u32 = 0;
let lastKind: u32 = 0;

// A real abort on the shadow tables at va for an access of `kind`. Returns 1 when the shadow was
// filled (retry the instruction), 0 when the guest itself faults (gFsr holds its status), -1 when
// the VMM stopped the machine.
//
// One instruction may fault more than once at the same PC and address, each time for a reason the
// fill before did not cover: SWP/SWPB (a read, then a write, of a write-tracked frame that the read
// filled read-only), a store to the instruction's own word (its fetch, then its write), a write to a
// frame that became tracked since its last fill. Each such fault changes the shadow (a new table,
// a new descriptor, or a write window). Only the same access faulting again where the fill would
// write exactly what is already there is a fill that cannot help: the VMM stops the machine then
// rather than loop.
export function shadowFault(va: u32, kind: u32): i32 {
  const pa = gwalk(va, kind, vpriv);
  if (gFsr != 0) { lastPC = 1; return 0; }
  if (!(guestRam(pa & 0xfffff000, 0x1000) || passThrough(pa))) { gFsr = 0x08; lastPC = 1; return 0; }
  const again = lastPC == curPC && lastVA == va && lastKind == kind;
  lastPC = curPC; lastVA = va; lastKind = kind;
  const ctx = va >= 0x8000_0000 ? curUpper : curLower;
  const l1e = ramHost(ctxL1(ctx) + ((va >>> 20) << 2));
  const oldL1 = load<u32>(l1e);
  let l2 = oldL1 & 0xfffffc00;
  const oldPte = l2 == 0 ? 0 : load<u32>(ramHost(l2 + (((va >>> 12) & 0xff) << 2)));
  const c = ctxAt(ctx);
  if (l2 == 0) {
    if (l2Top == 0) { shadowFlushAll(); return 1; } // out of shadow tables: start again
    l2Top--;
    l2 = load<u32>(V_L2FREE + (l2Top << 2));
    // Para mode tracks no guest table writes, so only a table derived from a section can be copied:
    // its entries are a function of the L1 descriptor alone, which donorTable compares.
    const donor = gL1pa != 1 && ptWin == 0 && (vmmMode == MODE_FULL || (gD1 & 3) == 2) ? donorTable(ctx, va) : 0;
    if (donor != 0) {
      memory.copy(ramHost(l2), ramHost(donor & 0xfffffc00), 1024);
      if ((donor & F_NG) != 0) store<u32>(c, load<u32>(c, 8) | F_NG, 8);
      count(S_SHADOW_TABLE_COPIES);
    } else memory.fill(ramHost(l2), 0, 1024);
  }
  store<u32>(l1e, l2 | 1 | (gDom << 5)); // coarse table in the guest descriptor's domain
  const idx = (l2 - (load<u32>(V_RESERVED) + RES_L1_BYTES)) >>> 10;
  if (idx >= l2Hi) l2Hi = idx + 1;
  store<u32>(resHost(RES_SRC_ADDR) + (idx << 2), gL1pa);
  store<u32>(resHost(RES_SRC_VAL) + (idx << 2), gD1);
  store<u32>(srcMibAt(idx), va >>> 20);
  const tracking = vmmMode == MODE_FULL && gL1pa != 1;
  if (tracking) {
    track(gL1pa);
    if (gL2pa != 0) track(gL2pa);
  }
  const ptPage = tracking && tracked(pa);
  // guest RAM is mapped at its machine address (a pass-through device page only exists with one guest)
  // not-global (nG, bit 11): tagged with the pair's real ASID
  let d: u32 = ((passThrough(pa) ? pa : gMachine(pa)) & 0xfffff000) | 0x802;
  if (!gX) d |= 1;
  d |= gW && !ptPage ? 0x30 : 0x20; // AP 011 user RW, AP 010 user RO (also: a tracked guest table)
  const pte = ramHost(l2 + (((va >>> 12) & 0xff) << 2));
  const window = ptPage && gW && kind == 1;
  if (again && oldL1 == load<u32>(l1e) && oldPte == d && !window) { vmmFatal(1); return -1; } // a fill that cannot help: VMM bug
  // A store to a tracked guest table whose read-only shadow PTE is already there is not a fill
  // (pt_write_faults counts it), though its walk is charged like one.
  const refill = load<u32>(pte) == d;
  store<u32>(pte, d);
  store<u32>(c, load<u32>(c, 16) + 1, 16);
  if (gNG && va >= 0x8000_0000) store<u32>(c, load<u32>(c, 8) | F_NG, 8);
  if (!refill) count(S_SHADOW_FILLS);
  charge(C_FILL);
  // An entry that was empty has no TLB entries under any ASID (every shadow PTE dropped is flushed
  // by address, every context dropped retires its pairs' ASIDs): the other pairs' entries for this
  // page stay. One that was valid (more access now, a write window) is flushed from every ASID.
  if (oldPte != 0) tlbFlushPage(va);
  if (window) ptWindow(pte, d, va, pa & 0xfffff000);
  if (vmmMode != MODE_FULL && gL2pa == 0 && gL1pa != 1 && (gD1 & 3) == 2) sectionFill(ctx, va, pa, l2, d);
  return 1;
}

// Para mode, after a fill from a guest section (or supersection) descriptor: fill the rest of the
// MiB's shadow table at once. Every entry is a function of that one descriptor (the frame is the
// section's base plus the page's offset; the permissions, domain and XN are the section's, which
// the walk just folded into d), so this is the speculative translation-table walk the ARM ARM
// allows a TLB for any valid, reachable entry (B3.10.1), and coherence is a demand fill's: the para
// guest's TLB maintenance drops it (Linux changes its section mappings only with a TLB flush).
// Linux maps its lowmem (kernel text, data, slab, page tables, kernel stacks, page cache) with
// sections: a fork or exec touches dozens of fresh kernel pages in every address space, each one a
// hidden fault and a fill before. Full mode does not (it stays as measured). Frames outside the
// partition (a section over device space) are left empty and fault as before. Charged `prefill`
// per entry written (a store and an add in a loop: no walk, the descriptor is known).
function sectionFill(ctx: i32, va: u32, pa: u32, l2: u32, d: u32): void {
  const c = ctxAt(ctx);
  const self = (va >>> 12) & 0xff;
  const base = (pa & 0xfffff000) - (self << 12);   // the frame of the MiB's first page
  const attrs = d & 0xfff;
  const t = ramHost(l2);
  let n: u32 = 0;
  for (let k: u32 = 0; k < 256; k++) {
    if (k == self) continue;
    const pte = t + (k << 2);
    if (load<u32>(pte) != 0) continue;
    const p = base + (k << 12);
    if (!guestRam(p, 0x1000)) continue;              // device pages stay on demand (passThrough is checked there)
    store<u32>(pte, (gMachine(p) & 0xfffff000) | attrs);
    n++;
  }
  if (n == 0) return;
  for (let k: u32 = 0; k < n; k++) { count(S_SHADOW_PREFILLS); charge(C_PREFILL); }
  store<u32>(c, load<u32>(c, 16) + n, 16);
}

// Para mode, HC_RET_USER (hypercall.ts): the User access whose abort the VMM reflected last is about
// to be retried. If the guest kernel has mapped it meanwhile (a page fault handled: the page read
// in, a copy-on-write page copied), fill its shadow entry now, as a demand fill would at the retry,
// without the hidden fault the retry would take (a speculative walk of a valid entry, B3.10.1).
// Nothing happens if the guest's tables still refuse the access or the entry is already there.
export function shadowPrefault(va: u32, kind: u32): void {
  gwalk(va, kind, vpriv);
  if (gFsr != 0) return;
  const ctx = va >= 0x8000_0000 ? curUpper : curLower;
  const e = load<u32>(ramHost(ctxL1(ctx) + ((va >>> 20) << 2)));
  if (e != 0 && load<u32>(ramHost((e & 0xfffffc00) + (((va >>> 12) & 0xff) << 2))) != 0) return;
  lastPC = 1;
  shadowFault(va, kind);
  lastPC = 1;
}

// A shadow L2 table of another context of the same half and view, filled from a guest L1
// descriptor equal to the one just walked for va (gD1), or 0. Its entries are what a walk in
// this context would give: the same section (para mode asks only for these), or, in full mode,
// the same guest L2 table, whose descriptors are write-tracked, so every live shadow entry
// derived from them is current (a changed descriptor drops them). A new process under a guest that splits no address space between TTBR0 and TTBR1
// (TTBCR.N = 0: Linux) then gets the kernel's shadow one MiB per fill instead of one page per fill.
// Returns the table's address, with F_NG set when the donor context holds not-global entries.
function donorTable(ctx: i32, va: u32): u32 {
  const want = load<u32>(ctxAt(ctx), 8) & (F_UPPER | F_USER);
  const l2base = load<u32>(V_RESERVED) + RES_L1_BYTES;
  for (let i: i32 = 0; i < <i32>CTX_N; i++) {
    if (i == ctx) continue;
    const f = load<u32>(ctxAt(i), 8);
    if ((f & F_VALID) == 0 || (f & (F_UPPER | F_USER)) != want) continue;
    const t = load<u32>(ramHost(ctxL1(i) + ((va >>> 20) << 2))) & 0xfffffc00;
    if (t == 0) continue;
    const idx = (t - l2base) >>> 10;
    if (load<u32>(srcAddrAt(idx)) > 1 && load<u32>(srcValAt(idx)) == gD1) return t | (f & F_NG);
  }
  return 0;
}

// Snapshots (snapshot.ts): the shadow bookkeeping kept outside the VMM block, at p (0x8c bytes).
// The contexts, free stack and tables themselves are in the VMM block and reserved RAM.
export function shadowSave(p: u32): void {
  store<u32>(p, stamp); store<i32>(p, curLower, 4); store<i32>(p, curUpper, 8); store<u32>(p, l2Top, 12);
  store<i32>(p, unchecked(lastLo[0]), 16); store<i32>(p, unchecked(lastLo[1]), 20);
  store<i32>(p, unchecked(lastUp[0]), 24); store<i32>(p, unchecked(lastUp[1]), 28);
  store<u32>(p, lastPC, 32); store<u32>(p, lastVA, 36); store<i32>(p, ptWin, 40); store<i32>(p, nSnap, 44);
  store<u32>(p, l2Hi, 48); store<u32>(p, lastKind, 52); store<u64>(p, ptOpenIc, 56);
  store<u32>(p, asidGen, 0x80); store<u32>(p, asidNext, 0x84); store<u32>(p, curAsid, 0x88);
  for (let i: i32 = 0; i < <i32>PT_WIN_N; i++) {
    const q = p + 64 + (<u32>i << 4);
    store<u32>(q, unchecked(winPte[i])); store<u32>(q, unchecked(winVal[i]), 4);
    store<u32>(q, unchecked(winVa[i]), 8); store<u32>(q, unchecked(snapFrame[i]), 12);
  }
}
export function shadowLoad(p: u32): void {
  stamp = load<u32>(p); curLower = load<i32>(p, 4); curUpper = load<i32>(p, 8); l2Top = load<u32>(p, 12);
  unchecked(lastLo[0] = load<i32>(p, 16)); unchecked(lastLo[1] = load<i32>(p, 20));
  unchecked(lastUp[0] = load<i32>(p, 24)); unchecked(lastUp[1] = load<i32>(p, 28));
  lastPC = load<u32>(p, 32); lastVA = load<u32>(p, 36); ptWin = load<i32>(p, 40); nSnap = load<i32>(p, 44);
  l2Hi = load<u32>(p, 48); lastKind = load<u32>(p, 52); ptOpenIc = load<u64>(p, 56);
  asidGen = load<u32>(p, 0x80); asidNext = load<u32>(p, 0x84); curAsid = load<u32>(p, 0x88);
  for (let i: i32 = 0; i < <i32>PT_WIN_N; i++) {
    const q = p + 64 + (<u32>i << 4);
    unchecked(winPte[i] = load<u32>(q)); unchecked(winVal[i] = load<u32>(q, 4));
    unchecked(winVa[i] = load<u32>(q, 8)); unchecked(snapFrame[i] = load<u32>(q, 12));
  }
}

// --- guest page-table write tracking (full mode) --------------------------------------------------
//
// A frame is tracked while a live shadow table was derived from a descriptor in it: RES_SRC_ADDR
// holds, per shadow L2 table, the address of the guest L1 descriptor its entries came from, and
// RES_SRC_VAL that descriptor (hence the guest L2 table). Shadow PTEs that map a tracked frame are
// read-only (AP 010) whatever the guest allows; a guest store to one faults, and shadowFault opens
// a *window*: the PTE is made writable, the frame copied, and the instruction retried. The window
// stays open for PT_WIN_INSNS instructions (the run loop stops there: ptWindowEnd, ptStepEnd), or
// until the guest next enters the VMM (a trap: ptTrapEntry; an exception reflected to the guest;
// a shadow flush), whichever comes first; then ptClose write-protects
// the PTE again, compares the frame with its copy, and drops the shadow entries derived from each
// changed word: a changed L1 descriptor empties the shadow L2 tables filled from it (its MiB in
// each context), a changed L2 descriptor drops the shadow PTE of that entry in every shadow table
// filled from its L2 table. Stores of any size or form (STRD, STM, VSTM, a trapped SRS, an
// unaligned STR across two tracked pages) need no decoding: the CPU performs them itself.
// Untracking: a frame that no live shadow table derives from any more stops being tracked when the
// guest next writes it (ptClose), and every frame when all shadows are dropped (shadowFlushAll).

const winPte = new StaticArray<u32>(PT_WIN_N);
const winVal = new StaticArray<u32>(PT_WIN_N);
const winVa = new StaticArray<u32>(PT_WIN_N);
const snapFrame = new StaticArray<u32>(PT_WIN_N);
let nSnap: i32 = 0;
let l2Hi: u32 = 0;                   // shadow L2 tables [0, l2Hi) have been in use (the scans stop there)
let ptOpenIc: u64 = 0;               // ICOUNT before the windowed instruction retires

@inline function resHost(off: u32): u32 { return ramHost(load<u32>(V_RESERVED) + off); }
@inline function srcAddrAt(idx: u32): u32 { return resHost(RES_SRC_ADDR) + (idx << 2); }
@inline function srcValAt(idx: u32): u32 { return resHost(RES_SRC_VAL) + (idx << 2); }
@inline function srcMibAt(idx: u32): u32 { return resHost(RES_SRC_MIB) + (idx << 2); }
// The VA of entry k (byte offset) of shadow L2 table idx: flushed by address from every ASID
// (TLBIMVAA, B4.2.3) when the entry changes.
@inline function entryVa(idx: u32, k: u32): u32 { return (load<u32>(srcMibAt(idx)) << 20) | (k << 10); }
@inline function l2Host(idx: u32): u32 { return resHost(RES_L1_BYTES) + (idx << 10); }

// The bitmap holds one bit per frame of the guest's partition (RES_TRACKED_BYTES has room for the
// largest RAM; vmmInit refuses a partition it cannot cover). A frame outside the partition is never
// tracked: every index is checked against the partition and the bitmap's room.
export function trackedBytes(): u32 { return ((partition() >>> 12) + 7) >>> 3; }
@inline function frameOf(pa: u32): u32 {
  const f = (pa - RAM_PHYS) >>> 12;
  return guestRam(pa & 0xfffff000, 0x1000) && (f >>> 3) < RES_TRACKED_BYTES ? f : 0xffffffff;
}
export function tracked(pa: u32): bool {
  const f = frameOf(pa);
  if (f == 0xffffffff) return false;
  return ((<u32>load<u8>(resHost(RES_TRACKED) + (f >>> 3)) >>> (f & 7)) & 1) != 0;
}
function setTracked(pa: u32, on: bool): void {
  const f = frameOf(pa);
  if (f == 0xffffffff) return;
  const a = resHost(RES_TRACKED) + (f >>> 3);
  const b = <u32>load<u8>(a);
  store<u8>(a, <u8>(on ? b | (1 << (f & 7)) : b & ~(1 << (f & 7))));
}

// Start tracking the frame holding guest-physical pa: write-protect the shadow PTEs that map it
// already (every in-use shadow L2 table is searched; the TLB's User sets are dropped after).
function track(pa: u32): void {
  if (!guestRam(pa & 0xfffff000, 0x1000) || tracked(pa)) return;
  setTracked(pa, true);
  // Shadow PTEs hold machine addresses: the frame's, not its guest-physical one (they differ for
  // every guest but the first when several share the board).
  const frame = gMachine(pa & 0xfffff000);
  let hit = false;
  for (let idx: u32 = 0; idx < l2Hi; idx++) {
    if (load<u32>(srcAddrAt(idx)) == 0) continue;
    const t = l2Host(idx);
    for (let k: u32 = 0; k < 1024; k += 4) {
      const e = load<u32>(t + k);
      if ((e & 0xfffff012) == (frame | 0x12)) { store<u32>(t + k, e & ~0x10); tlbFlushPage(entryVa(idx, k)); hit = true; }
    }
  }
  if (hit) breakSlice();
}

// Is a live shadow table derived from a descriptor in this frame?
function referenced(frame: u32): bool {
  for (let idx: u32 = 0; idx < l2Hi; idx++) {
    const a = load<u32>(srcAddrAt(idx));
    if (a == 0) continue;
    if ((a & 0xfffff000) == frame) return true;
    const v = load<u32>(srcValAt(idx));
    if ((v & 3) == 1 && (v & 0xfffff000) == frame) return true;
  }
  return false;
}

// Open a window for a guest store to the tracked frame at pte (shadow PTE value d, read-only).
function ptWindow(pte: u32, d: u32, va: u32, frame: u32): void {
  if (ptWin >= <i32>PT_WIN_N) ptClose(); // a fifth page: close the four open windows first
  let s: i32 = 0;
  while (s < nSnap && unchecked(snapFrame[s]) != frame) s++;
  if (s == nSnap) {
    memory.copy(resHost(RES_SNAP) + ((<u32>s) << 12), gHost(frame), 0x1000);
    unchecked(snapFrame[s] = frame);
    nSnap++;
  }
  const w = d | 0x10;
  store<u32>(pte, w);
  unchecked(winPte[ptWin] = pte); unchecked(winVal[ptWin] = w); unchecked(winVa[ptWin] = va);
  ptWin++;
  ptOpenIc = icount() - 1; // the data abort's retry takes the instruction back off the count
  count(S_PT_WRITE_FAULTS);
  charge(C_PTWRITE);
  tlbFlushPage(va);
}

// A window stays open for the store that opened it and up to PT_WIN_INSNS - 1 instructions after
// it, so that a run of stores to one table (Linux writes each PTE twice, its own copy and the
// hardware one, and write-protects a whole table at fork) costs one fault, not one per store. It
// closes earlier at the guest's next entry into the VMM (ptTrapEntry: a trapped instruction, TLB
// maintenance included; reflect: an exception or interrupt), so the shadows follow the guest's
// tables no later than its own TLB maintenance makes the change architecturally visible (B3.10).
const PT_WIN_INSNS: u64 = 32;

// The instruction count at which the run loop must stop to close the windows (cpu/run.ts).
export function ptWindowEnd(): u64 { return ptOpenIc + PT_WIN_INSNS; }

// After a slice run with windows open (cpu/run.ts): close them once their instructions retired.
export function ptStepEnd(): void { if (icount() >= ptOpenIc + PT_WIN_INSNS) ptClose(); }

// A trapped instruction is about to be emulated: close the windows unless it is the store that
// opened them, retried (a trapped SRS or STM ^ into a tracked table).
export function ptTrapEntry(): void { if (icount() > ptOpenIc + 1) ptClose(); }

// Close every window: write-protect again, drop the shadow entries derived from changed words.
export function ptClose(): void {
  for (let w: i32 = 0; w < ptWin; w++) {
    const pte = unchecked(winPte[w]);
    if (load<u32>(pte) == unchecked(winVal[w])) store<u32>(pte, unchecked(winVal[w]) & ~0x10);
    tlbFlushPage(unchecked(winVa[w]));
  }
  ptWin = 0;
  let dropped = false;
  for (let s: i32 = 0; s < nSnap; s++) {
    const frame = unchecked(snapFrame[s]);
    const now = gHost(frame), old = resHost(RES_SNAP) + ((<u32>s) << 12);
    for (let k: u32 = 0; k < 0x1000; k += 4) {
      if (load<u32>(now + k) != load<u32>(old + k)) { if (descChanged(frame + k)) dropped = true; }
    }
    if (!referenced(frame)) setTracked(frame, false);
  }
  nSnap = 0;
  lastPC = 1;
  if (dropped) breakSlice(); // descChanged flushed the pages' TLB entries
}

// The guest descriptor word at guest-physical pa changed: drop what was derived from it.
function descChanged(pa: u32): bool {
  let n: u32 = 0;
  const slot = ((pa >>> 2) & 0xff) << 2;
  for (let idx: u32 = 0; idx < l2Hi; idx++) {
    const a = load<u32>(srcAddrAt(idx));
    if (a == 0) continue;
    const t = l2Host(idx);
    if (a == pa) {                       // an L1 descriptor: the whole MiB of that context
      for (let k: u32 = 0; k < 1024; k += 4) if (load<u32>(t + k) != 0) { store<u32>(t + k, 0); tlbFlushPage(entryVa(idx, k)); n++; }
      store<u32>(srcValAt(idx), 0);
      continue;
    }
    const v = load<u32>(srcValAt(idx));
    if ((v & 3) == 1 && (v & 0xfffffc00) == (pa & 0xfffffc00) && load<u32>(t + slot) != 0) {
      store<u32>(t + slot, 0); n++;     // an L2 descriptor: that page wherever its table is used
      tlbFlushPage(entryVa(idx, slot));
    }
  }
  for (let k: u32 = 0; k < n; k++) count(S_SHADOW_PAGE_INVALS);
  return n != 0;
}

// --- host writes into guest RAM -------------------------------------------------------------------
//
// The host writes guest RAM too: semihosting results (SYS_READ, SYS_GET_CMDLINE, ...), the debugger,
// Machine.physWrite and the loaders. In full mode such a write is tracked like a guest store: a
// changed word of a tracked frame drops the shadow entries derived from it (as ptClose does when a
// window closes), so no shadow entry outlives the guest's table whoever wrote it.

// One byte at guest-physical pa, inside the guest's partition.
export function shadowHostWrite8(pa: u32, v: u32): void {
  const word = pa & ~3;
  const old = load<u32>(gHost(word));
  store<u8>(gHost(pa), <u8>v);
  if (vmmMode == MODE_FULL && tracked(pa) && load<u32>(gHost(word)) != old && descChanged(word)) breakSlice();
}

// The host has copied bytes into [pa, pa + len) of guest RAM (a loader: the old words are gone): if
// a tracked frame lies in the range, every shadow is dropped.
export function shadowHostWrote(pa: u32, len: u32): void {
  if (vmmMode != MODE_FULL || len == 0) return;
  const first = (pa - RAM_PHYS) >>> 12, last = (pa - RAM_PHYS + len - 1) >>> 12;
  for (let f = first; f <= last && f < (partition() >>> 12); f++) {
    if (tracked(RAM_PHYS + (f << 12))) { shadowFlushAll(); return; }
  }
}

// --- gauges (the host's leak checks: `npm run soak`, the fuzzer) -------------------------------
// What the shadow paging holds right now, as opposed to the event counters of stats.ts. With no
// leak, G_L2_IN_USE (taken off the free stack) equals G_L2_LINKED (reachable from a valid
// context's shadow L1 half), and both stay bounded however long the guest runs.
export const G_CTX_VALID: u32 = 0;     // shadow contexts allocated
export const G_CTX_POPULATED: u32 = 1; // of those, contexts holding at least one fill
export const G_L2_IN_USE: u32 = 2;     // shadow L2 tables off the free stack
export const G_L2_LINKED: u32 = 3;     // shadow L2 tables linked from a valid context
export const G_TRACKED: u32 = 4;       // guest frames write-tracked as page tables (full mode)
export const G_PT_WINDOWS: u32 = 5;    // page-table write windows open
export const G_COUNT: u32 = 6;

export function shadowGauge(g: u32): u32 {
  if (g == G_L2_IN_USE) return L2_N - l2Top;
  if (g == G_PT_WINDOWS) return <u32>ptWin;
  if (g == G_TRACKED) {
    let n: u32 = 0;
    const t = resHost(RES_TRACKED);
    for (let k: u32 = 0, end = trackedBytes(); k < end; k++) n += <u32>popcnt(<u32>load<u8>(t + k));
    return n;
  }
  let n: u32 = 0;
  for (let i: i32 = 0; i < <i32>CTX_N; i++) {
    const c = ctxAt(i);
    const f = load<u32>(c, 8);
    if ((f & F_VALID) == 0) continue;
    if (g == G_CTX_VALID) n++;
    else if (g == G_CTX_POPULATED) { if (load<u32>(c, 16) != 0) n++; }
    else if (g == G_L2_LINKED) {
      const l1 = ramHost(ctxL1(i)) + ((f & F_UPPER) != 0 ? 0x2000 : 0);
      for (let k: u32 = 0; k < 2048; k++) if (load<u32>(l1 + (k << 2)) != 0) n++;
    }
  }
  return n;
}
