// Single loads and stores (ARM ARM A5.3, A5.2.8-A5.2.10): LDR/STR/LDRB/STRB with immediate or
// shifted-register offsets and their unprivileged T forms, halfword/signed/doubleword transfers,
// SWP/SWPB and the exclusives with the local monitor (A3.4).
// Every access is checked with `fault` before anything is written back, so an abort leaves the
// registers as they were (A8.1.x: the base is restored on an aborted load/store).
import { getR, setR, fault } from "../cpu/state";
import { STATE, EXCL_ADDR, EXCL_OPEN } from "../cpu/layout";
import {
  read8, read16, read32, write8, write16, write32, readUser, writeUser, checkAligned,
} from "../mmu/mmu";
import { shiftImmValue, bxWritePC } from "./alu";
import { takeUndef } from "../cpu/exceptions";

// One single load or store: the operation shared by the A32 and T32/T16 encodings (A8.8.x LDR, STR,
// LDRB, STRB, LDRH, STRH, LDRSB, LDRSH and their T forms). The access goes to addr; offAddr is
// written back to Rn when wback. size is 1, 2 or 4; signed loads sign-extend. Inlined: each call
// site passes constant load/size/signed/user, so every pattern gets only its own access path.
@inline export function ldstSingle(n: u32, t: u32, addr: u32, offAddr: u32, wback: bool, load: bool, size: u32,
  signed: bool, user: bool): void {
  if (load) {
    let v: u32;
    if (user) v = readUser(addr, size);
    else v = size == 4 ? read32(addr) : size == 2 ? read16(addr) : read8(addr);
    if (fault) return;
    if (signed) v = size == 1 ? <u32>(<i32>(v << 24) >> 24) : <u32>(<i32>(v << 16) >> 16);
    if (wback) setR(n, offAddr);
    if (t == 15) bxWritePC(v); else setR(t, v); // LoadWritePC interworks (A2.3.2)
  } else {
    const v = getR(t); // PCStoreValue: the instruction's address + 8 (ARM)
    if (user) writeUser(addr, size, v);
    else if (size == 4) write32(addr, v); else if (size == 2) write16(addr, v); else write8(addr, v);
    if (fault) return;
    if (wback) setR(n, offAddr);
  }
}

// Addressing: P (bit 24) pre-index, U (bit 23) add, W (bit 21) writeback. P=0 always writes back.
@inline function ldstWord(i: u32, off: u32, load: bool, byte: bool, user: bool): void {
  const p = (i >>> 24) & 1;
  const base = getR((i >>> 16) & 15);
  const offAddr = (i & (1 << 23)) != 0 ? base + off : base - off;
  ldstSingle((i >>> 16) & 15, (i >>> 12) & 15, p != 0 ? offAddr : base, offAddr,
    p == 0 || (i & (1 << 21)) != 0, load, byte ? 1 : 4, false, user);
}

// A8.8.63 LDR (immediate), A8.8.204 STR (immediate), ...B, ...T: cccc 010P UBWL nnnn tttt iiii iiii iiii
@inline export function ldstImm(i: u32, load: bool, byte: bool, user: bool): void {
  ldstWord(i, i & 0xfff, load, byte, user);
}

// A8.8.66 LDR (register), A8.8.205 STR (register): offset = Shift(Rm, type, imm5)
@inline export function ldstReg(i: u32, load: bool, byte: bool, user: bool): void {
  const off = shiftImmValue(getR(i & 15), (i >>> 5) & 3, (i >>> 7) & 31);
  ldstWord(i, off, load, byte, user);
}

// Halfword, signed and doubleword forms (A5.2.8). kind: 0 STRH, 1 LDRH, 2 LDRD, 3 LDRSB, 4 STRD,
// 5 LDRSH. Bit 22 selects an 8-bit immediate (imm4H:imm4L) over a register offset.
export function ldstExtra(i: u32, kind: u32, user: bool): void {
  const n = (i >>> 16) & 15, t = (i >>> 12) & 15;
  const p = (i >>> 24) & 1;
  const off = (i & (1 << 22)) != 0 ? ((i >>> 4) & 0xf0) | (i & 0xf) : getR(i & 15);
  const base = getR(n);
  const offAddr = (i & (1 << 23)) != 0 ? base + off : base - off;
  const addr = p != 0 ? offAddr : base;
  const wback = p == 0 || (i & (1 << 21)) != 0;
  switch (kind) {
    case 0: ldstSingle(n, t, addr, offAddr, wback, false, 2, false, user); return; // STRH / STRHT
    case 1: ldstSingle(n, t, addr, offAddr, wback, true, 2, false, user); return;  // LDRH / LDRHT
    case 3: ldstSingle(n, t, addr, offAddr, wback, true, 1, true, user); return;   // LDRSB / LDRSBT
    case 5: ldstSingle(n, t, addr, offAddr, wback, true, 2, true, user); return;   // LDRSH / LDRSHT
    case 2: // LDRD (A8.8.72): odd Rt is UNPREDICTABLE (UNDEFINED here, as QEMU does)
      if ((t & 1) != 0) { undefInstr(); return; }
      ldstDual(n, t, t + 1, addr, offAddr, wback, true);
      return;
    default: // STRD
      if ((t & 1) != 0) { undefInstr(); return; }
      ldstDual(n, t, t + 1, addr, offAddr, wback, false);
  }
}

// LDRD/STRD operation shared by A32 and T32 (A8.8.72, A8.8.210): two words at addr (word-aligned,
// MemA), Rt and Rt2; offAddr written back to Rn when wback.
export function ldstDual(n: u32, t: u32, t2: u32, addr: u32, offAddr: u32, wback: bool, load: bool): void {
  if (!checkAligned(addr, 3, !load)) return;
  if (load) {
    const lo = read32(addr);
    if (fault) return;
    const hi = read32(addr + 4);
    if (fault) return;
    if (wback) setR(n, offAddr);
    setR(t, lo);
    if (t2 == 15) bxWritePC(hi); else setR(t2, hi);
  } else {
    write32(addr, getR(t));
    if (fault) return;
    write32(addr + 4, getR(t2));
    if (fault) return;
    if (wback) setR(n, offAddr);
  }
}

function undefInstr(): void { takeUndef(); }

// A8.8.229 SWP/SWPB: cccc 0001 0B00 nnnn tttt 0000 1001 mmmm. Word form is aligned-only.
export function swp(i: u32): void {
  const n = (i >>> 16) & 15, t = (i >>> 12) & 15, m = i & 15;
  const addr = getR(n);
  const byte = (i & (1 << 22)) != 0;
  const nv = getR(m);
  if (byte) {
    const old = read8(addr);
    if (fault) return;
    write8(addr, nv);
    if (fault) return;
    setR(t, old);
  } else {
    if (!checkAligned(addr, 3, false)) return;
    const old = read32(addr);
    if (fault) return;
    write32(addr, nv);
    if (fault) return;
    setR(t, old);
  }
}

// Local exclusive monitor (A3.4.1): LDREX opens it for an address, STREX succeeds only while it
// is open for that address, and every STREX/CLREX closes it.
export function clearExclusive(): void { store<u32>(STATE + EXCL_OPEN, 0); }

// A8.8.75-78 LDREX{B,H,D}: cccc 0001 1ssL nnnn tttt 1111 1001 1111
export function ldrex(i: u32, size: u32): void {
  const t = (i >>> 12) & 15;
  // LDREXD with an odd Rt or Rt = r14 is UNPREDICTABLE: UNDEFINED (as QEMU), before any access.
  if (size == 8 && ((t & 1) != 0 || t == 14)) { undefInstr(); return; }
  ldrexOp(getR((i >>> 16) & 15), t, t + 1, size);
}

// The LDREX operation shared by A32 and T32: load size bytes (8: Rt and Rt2) and open the monitor.
export function ldrexOp(addr: u32, t: u32, t2: u32, size: u32): void {
  const amask = size == 8 ? 7 : size - 1;
  if (!checkAligned(addr, amask, false)) return;
  if (size == 8) {
    const lo = read32(addr);
    if (fault) return;
    const hi = read32(addr + 4);
    if (fault) return;
    setR(t, lo); setR(t2, hi);
  } else {
    const v = size == 4 ? read32(addr) : size == 2 ? read16(addr) : read8(addr);
    if (fault) return;
    setR(t, v);
  }
  store<u32>(STATE + EXCL_ADDR, addr);
  store<u32>(STATE + EXCL_OPEN, 1);
}

// A8.8.212-215 STREX{B,H,D}: cccc 0001 1ssL nnnn dddd 1111 1001 tttt; Rd = 0 on success, 1 on failure
export function strex(i: u32, size: u32): void {
  const t = i & 15;
  if (size == 8 && ((t & 1) != 0 || t == 14)) { undefInstr(); return; }
  strexOp(getR((i >>> 16) & 15), (i >>> 12) & 15, t, t + 1, size);
}

// The STREX operation shared by A32 and T32: store if the monitor is open for addr; Rd = 0/1.
export function strexOp(addr: u32, d: u32, t: u32, t2: u32, size: u32): void {
  const amask = size == 8 ? 7 : size - 1;
  if (!checkAligned(addr, amask, true)) return;
  const pass = load<u32>(STATE + EXCL_OPEN) != 0 && load<u32>(STATE + EXCL_ADDR) == addr;
  if (pass) {
    if (size == 8) {
      write32(addr, getR(t));
      if (fault) return;
      write32(addr + 4, getR(t2));
    } else if (size == 4) write32(addr, getR(t));
    else if (size == 2) write16(addr, getR(t));
    else write8(addr, getR(t));
    if (fault) return;
  }
  clearExclusive();
  setR(d, pass ? 0 : 1);
}
