// VFPv3-D32 instructions (ARM ARM A7 "Advanced SIMD and Floating-point Instruction Encoding",
// A8.8 instruction pages, B4.1 floating-point system registers FPEXC/FPSCR/FPSID/MVFRx). The handlers take the instruction
// word; only bits 27:0 are decoded, so the T32 encodings (1110 1110 / 1110 1101 / 1110 1100 prefix,
// same low 28 bits) can call the same functions. Access control (the CPACR and FPEXC register descriptions): with
// CPACR.cp10 = 00 (or 01 in User mode, or the reserved 10) or FPEXC.EN = 0 every VFP instruction is
// UNDEFINED, except VMRS/VMSR of FPSID, FPEXC and MVFR0/1, which only need privilege: Linux's lazy
// context switch depends on this. Arithmetic is in vfp-float.ts.
import { getR, setR, getRest, privileged, fault, STATE_SCRATCH, PSR_E } from "../cpu/state";
import { STATE, CPACR, VFP_D, FPSCR, FPEXC, NF, ZF, CF, VF } from "../cpu/layout";
import { takeUndef } from "../cpu/exceptions";
import { read32, write32, checkAligned } from "../mmu/mmu";
import {
  fpBegin, fpEnd, fpRMode, fpAdd, fpMul, fpDiv, fpSqrt, fpCompare, fpConvert, fpToFixed, fixedToFp,
  vfpExpandImm, RZ, RN,
} from "./vfp-float";

// Identification registers (board.md): VFPv3 with common subarchitecture v2 (FPSID
// 0x410330C0, as Cortex-A8 r3). MVFR0: 32 D registers, single and double precision v3, divide,
// square root, short vectors, all rounding modes, no trapping. MVFR1: only the FtZ and D_NaN fields
// (they describe the floating-point unit); the Advanced SIMD fields are 0 because NEON is reported
// absent (Linux then does not set HWCAP_NEON).
export const FPSID_VALUE: u32 = 0x410330c0;
export const MVFR0_VALUE: u32 = 0x11110222;
export const MVFR1_VALUE: u32 = 0x00000011;
// FPSCR bits that hold state (as QEMU): N Z C V QC AHP DN FZ RMode Stride Len and the cumulative
// flags; the trap enables (no trapping in MVFR0) read as zero.
const FPSCR_MASK: u32 = 0xfff7009f;
const FPEXC_EN: u32 = 1 << 30;

// --- register file ------------------------------------------------------------------------------
@inline export function getS(n: u32): u32 { return load<u32>(STATE + VFP_D + (n << 2)); }
@inline export function setS(n: u32, v: u32): void { store<u32>(STATE + VFP_D + (n << 2), v); }
@inline export function getD(n: u32): u64 { return load<u64>(STATE + VFP_D + (n << 3)); }
@inline export function setD(n: u32, v: u64): void { store<u64>(STATE + VFP_D + (n << 3), v); }
@inline function getF(n: u32, dbl: bool): u64 { return dbl ? getD(n) : <u64>getS(n); }
@inline function setF(n: u32, v: u64, dbl: bool): void { if (dbl) setD(n, v); else setS(n, <u32>v); }

// Register numbers: single Vx:X, double X:Vx (A7.3).
@inline function regD(i: u32, dbl: bool): u32 {
  const v = (i >>> 12) & 15, x = (i >>> 22) & 1;
  return dbl ? (x << 4) | v : (v << 1) | x;
}
@inline function regN(i: u32, dbl: bool): u32 {
  const v = (i >>> 16) & 15, x = (i >>> 7) & 1;
  return dbl ? (x << 4) | v : (v << 1) | x;
}
@inline function regM(i: u32, dbl: bool): u32 {
  const v = i & 15, x = (i >>> 5) & 1;
  return dbl ? (x << 4) | v : (v << 1) | x;
}

// --- access control -------------------------------------------------------------------------------
// CPACR.cp10 (bits 21:20) governs cp10 and cp11 (differing values are UNPREDICTABLE; QEMU also
// uses cp10's field).
function cpAccessOk(): bool {
  const cp10 = (load<u32>(STATE + CPACR) >>> 20) & 3;
  return cp10 == 3 || (cp10 == 1 && privileged);
}
// True when the instruction may execute; otherwise the Undefined Instruction exception is taken.
export function vfpCheck(): bool {
  if (cpAccessOk() && (load<u32>(STATE + FPEXC) & FPEXC_EN) != 0) return true;
  takeUndef();
  return false;
}

// --- data processing (A7.5) -----------------------------------------------------------------------
// cccc 1110 opc1 opc2 Vd 101 sz opc3 M 0 Vm with opc1 = bits 23,21,20 (bit 22 is D).
// Short vectors (FPSCR.Len/Stride, "VFP vector operation support" in the ARM ARM): the destination bank decides;
// bank 0 (S0-S7, D0-D3, D16-D19) is scalar, Vm in bank 0 is a scalar operand of a vector operation.
// The register index wraps inside its bank of 8 (single) or 4 (double) registers. The element step
// is the vector stride in registers of the operation's precision: FPSCR.Stride 0b00 = 1, 0b11 = 2
// (0b01/0b10 UNPREDICTABLE), so {s1, s3, s5} for Len = 3, Stride = 2 (ARM ARM appendix "VFP vector
// operation support"; ARM's VFP vector stride examples). QEMU 7.2 steps single precision by
// Stride + 1 = 4 instead (do_vfp_3op_sp "delta_d = s->vec_stride + 1"), so recorded cases differ.
export function vfpDataProc(i: u32): void {
  if (!vfpCheck()) return;
  const dbl = (i & (1 << 8)) != 0;
  const opc1 = ((i >>> 21) & 4) | ((i >>> 20) & 3);
  const op = (i >>> 6) & 1;
  let d = regD(i, dbl), n = regN(i, dbl), m = regM(i, dbl);
  const opc2 = (i >>> 16) & 15;
  // operations that are never vectors: compare and conversions
  if (opc1 == 7 && op == 1 && opc2 >= 2) { vfpOther(i, dbl, d, m, opc2); return; }
  const fpscr = load<u32>(STATE + FPSCR);
  let len = (fpscr >>> 16) & 7;
  const stride = (fpscr >>> 20) & 3;
  const bankMask: u32 = dbl ? 0xc : 0x18;
  let deltaD: u32 = 0, deltaM: u32 = 0;
  if (len > 0) {
    if ((d & bankMask) == 0) len = 0;
    else {
      deltaD = (stride >>> 1) + 1;
      deltaM = (m & bankMask) == 0 ? 0 : deltaD;
    }
  }
  const wrap: u32 = dbl ? 3 : 7;
  fpBegin();
  for (;;) {
    let r: u64;
    const vm = getF(m, dbl);
    switch (opc1) {
      case 0: { // VMLA / VMLS (floating-point): Vd + (Vn * Vm) or Vd - (Vn * Vm), two roundings
        const p = fpMul(getF(n, dbl), vm, dbl);
        r = fpAdd(getF(d, dbl), op != 0 ? negate(p, dbl) : p, dbl, false);
        break;
      }
      case 1: { // VNMLA / VNMLS: -Vd - (Vn * Vm) or -Vd + (Vn * Vm)
        const p = fpMul(getF(n, dbl), vm, dbl);
        r = fpAdd(negate(getF(d, dbl), dbl), op != 0 ? negate(p, dbl) : p, dbl, false);
        break;
      }
      case 2: { // VMUL, VNMUL
        const p = fpMul(getF(n, dbl), vm, dbl);
        r = op != 0 ? negate(p, dbl) : p;
        break;
      }
      case 3: r = fpAdd(getF(n, dbl), vm, dbl, op != 0); break; // VADD, VSUB (floating-point)
      case 4: // VDIV
        if (op != 0) { fpEnd(); takeUndef(); return; }
        r = fpDiv(getF(n, dbl), vm, dbl);
        break;
      case 7:
        if (op == 0) { // VMOV (immediate); bits 7, 5 are (0)
          if ((i & 0xa0) != 0) { fpEnd(); takeUndef(); return; }
          r = vfpExpandImm(((i >>> 12) & 0xf0) | (i & 15), dbl);
          break;
        }
        switch (opc2) {
          case 0: r = ((i >>> 7) & 1) != 0 ? abs(vm, dbl) : vm; break; // VABS, VMOV (register)
          case 1: // VNEG, VSQRT
            r = ((i >>> 7) & 1) != 0 ? fpSqrt(vm, dbl) : negate(vm, dbl);
            break;
          default: r = 0; break; // unreachable: handled by vfpOther
        }
        break;
      default:
        fpEnd(); takeUndef(); return;
    }
    setF(d, r, dbl);
    if (len == 0) break;
    len--;
    d = ((d + deltaD) & wrap) | (d & ~wrap);
    n = ((n + deltaD) & wrap) | (n & ~wrap);
    if (deltaM != 0) m = ((m + deltaM) & wrap) | (m & ~wrap);
  }
  fpEnd();
}

@inline function negate(x: u64, dbl: bool): u64 { return x ^ (dbl ? <u64>1 << 63 : <u64>1 << 31); }
@inline function abs(x: u64, dbl: bool): u64 { return x & ~(dbl ? <u64>1 << 63 : <u64>1 << 31); }

// opc1 = 1x11, opc3 = x1, opc2 >= 2: VCMP{E}, VCVT{R} (A8.8 pages of each)
function vfpOther(i: u32, dbl: bool, d: u32, m: u32, opc2: u32): void {
  const bit7 = (i >>> 7) & 1;
  switch (opc2) {
    case 4: case 5: { // VCMP{E} Vd, Vm / Vd, #0.0: NZCV into FPSCR
      if (opc2 == 5 && (i & 0x2f) != 0) { takeUndef(); return; }
      fpBegin();
      const nzcv = fpCompare(getF(d, dbl), opc2 == 5 ? 0 : getF(m, dbl), dbl, bit7 != 0);
      store<u32>(STATE + FPSCR, (load<u32>(STATE + FPSCR) & 0x0fffffff) | (nzcv << 28));
      fpEnd();
      return;
    }
    case 7: { // VCVT double <-> single: sz is the source precision
      if (bit7 == 0) break;
      const dd = regD(i, !dbl);
      fpBegin();
      setF(dd, fpConvert(getF(m, dbl), !dbl), !dbl);
      fpEnd();
      return;
    }
    case 8: { // VCVT float <- integer: Sm holds the integer (bit 7: signed)
      const sm = regM(i, false);
      fpBegin();
      setF(d, fixedToFp(<u64>getS(sm), dbl, 0, 32, bit7 == 0, fpRMode), dbl);
      fpEnd();
      return;
    }
    case 12: case 13: { // VCVT{R} integer <- float: bit 16 signed, bit 7 round towards zero
      const sd = regD(i, false);
      fpBegin();
      const v = fpToFixed(getF(m, dbl), dbl, 0, 32, opc2 == 12, bit7 != 0 ? RZ : fpRMode);
      setS(sd, <u32>v);
      fpEnd();
      return;
    }
    case 10: case 11: case 14: case 15: { // VCVT fixed-point: bit 18 to fixed, bit 16 unsigned
      const toFixed = (opc2 & 4) != 0, unsigned = (opc2 & 1) != 0;
      const size: i32 = bit7 != 0 ? 32 : 16;
      const imm = <i32>(((i & 15) << 1) | ((i >>> 5) & 1));
      const frac = size - imm;
      if (frac < 0) { takeUndef(); return; } // UNPREDICTABLE
      fpBegin();
      const x = getF(d, dbl);
      if (toFixed) {
        const v = fpToFixed(x, dbl, frac, size, unsigned, RZ);
        setF(d, dbl ? v : v & 0xffffffff, dbl);
      } else setF(d, fixedToFp(x, dbl, frac, size, unsigned, RN), dbl); // VCVT (fixed-point): round_nearest = TRUE
      fpEnd();
      return;
    }
  }
  // VCVTB/VCVTT (half precision, opc2 = 001x) need the Half-precision extension, absent on
  // Cortex-A8 (MVFR1.HPFP = 0); other encodings are unallocated.
  takeUndef();
}

// --- extension register load/store (A7.6) -----------------------------------------------------------
// VLDR / VSTR: cccc 1101 UD0L nnnn dddd 101s iiii iiii
export function vfpLdrStr(i: u32): void {
  if (!vfpCheck()) return;
  const dbl = (i & (1 << 8)) != 0, isLoad = (i & (1 << 20)) != 0;
  const n = (i >>> 16) & 15, d = regD(i, dbl);
  let base = getR(n);
  if (n == 15) base &= ~3;
  const off = (i & 0xff) << 2;
  const addr = (i & (1 << 23)) != 0 ? base + off : base - off;
  if (!checkAligned(addr, 3, !isLoad)) return;
  // A doubleword is two word accesses; with big-endian data the first word is the high half
  // (A8.8.333 VLDR, A8.8.413 VSTR: "if BigEndian() then word1:word2 else word2:word1").
  const be = bigEndian();
  if (isLoad) {
    const w1 = read32(addr);
    if (fault) return;
    if (dbl) {
      const w2 = read32(addr + 4);
      if (fault) return;
      setD(d, be ? (<u64>w1 << 32) | <u64>w2 : (<u64>w2 << 32) | <u64>w1);
    } else setS(d, w1);
  } else if (dbl) {
    const v = getD(d);
    write32(addr, be ? <u32>(v >> 32) : <u32>v);
    if (fault) return;
    write32(addr + 4, be ? <u32>v : <u32>(v >> 32));
  } else write32(addr, getS(d));
}

@inline function bigEndian(): bool { return (getRest() & PSR_E) != 0; }

// VLDM / VSTM (VPOP/VPUSH are their SP forms): cccc 110P UDWL nnnn dddd 101s iiii iiii
// with P U W = 010, 011 (increment after) or 101 (decrement before). imm8 counts words; odd imm8
// with sz = 1 is FLDMX/FSTMX (imm8/2 doubles, the extra word skipped). Loads gather into scratch
// first, so an abort leaves registers and Rn untouched (the instruction restarts).
export function vfpLdmStm(i: u32): void {
  const dbl = (i & (1 << 8)) != 0, isLoad = (i & (1 << 20)) != 0;
  const wback = (i & (1 << 21)) != 0, up = (i & (1 << 23)) != 0;
  const n = (i >>> 16) & 15, d = regD(i, dbl);
  const imm8 = i & 0xff;
  const regs = dbl ? imm8 >>> 1 : imm8;
  // UNPREDICTABLE forms UNDEFINED as under QEMU: empty list, more than 16 D registers, past the
  // last register, writeback to the PC.
  if (regs == 0 || d + regs > 32 || (dbl && regs > 16) || (n == 15 && wback)) { takeUndef(); return; }
  if (!vfpCheck()) return;
  const base = getR(n);
  const words = dbl ? regs << 1 : regs;
  let addr = up ? base : base - (imm8 << 2);
  if (n == 15) addr = up ? base & ~3 : (base & ~3) - (imm8 << 2);
  if (!checkAligned(addr, 3, !isLoad)) return;
  // Word k of memory is word k of the registers (D registers: low word first), except that with
  // big-endian data each doubleword's two words trade places (A8.8.332 VLDM, A8.8.412 VSTM).
  const flip: u32 = dbl && bigEndian() ? 1 : 0;
  if (isLoad) {
    for (let k: u32 = 0; k < words; k++) {
      const v = read32(addr + (k << 2));
      if (fault) return;
      store<u32>(STATE_SCRATCH + (k << 2), v);
    }
    for (let k: u32 = 0; k < words; k++) {
      store<u32>(STATE + VFP_D + ((dbl ? d << 1 : d) << 2) + ((k ^ flip) << 2), load<u32>(STATE_SCRATCH + (k << 2)));
    }
  } else {
    for (let k: u32 = 0; k < words; k++) {
      write32(addr + (k << 2), load<u32>(STATE + VFP_D + ((dbl ? d << 1 : d) << 2) + ((k ^ flip) << 2)));
      if (fault) return;
    }
  }
  if (wback) setR(n, up ? base + (imm8 << 2) : base - (imm8 << 2));
}

// --- transfers between core and extension registers (A7.8, A7.9) ---------------------------------
// VMOV (between ARM core register and single-precision register):
// cccc 1110 000L nnnn tttt 1010 N001 0000
export function vfpMovCoreSingle(i: u32): void {
  if (!vfpCheck()) return;
  const n = regN(i, false), t = (i >>> 12) & 15;
  if ((i & (1 << 20)) != 0) setR(t, getS(n)); else setS(n, getR(t));
}

// VMOV (ARM core register to scalar, scalar to ARM core register), 32-bit
// forms only (the 8- and 16-bit forms are Advanced SIMD): cccc 1110 00xL dddd tttt 1011 D001 0000
export function vfpMovCoreScalar(i: u32): void {
  if (!vfpCheck()) return;
  const dreg = regN(i, true), x = (i >>> 21) & 1, t = (i >>> 12) & 15;
  const addr = STATE + VFP_D + (dreg << 3) + (x << 2);
  if ((i & (1 << 20)) != 0) setR(t, load<u32>(addr)); else store<u32>(addr, getR(t));
}

// VMOV (between two ARM core registers and two single-precision registers / a doubleword register):
// cccc 1100 010L uuuu tttt 101C 00M1 mmmm
export function vfpMov64(i: u32): void {
  const toCore = (i & (1 << 20)) != 0, dbl = (i & (1 << 8)) != 0;
  const t = (i >>> 12) & 15, t2 = (i >>> 16) & 15, m = regM(i, dbl);
  if ((!dbl && m == 31) || t == 15 || t2 == 15 || (toCore && t == t2)) { takeUndef(); return; } // UNPREDICTABLE
  if (!vfpCheck()) return;
  const addr = STATE + VFP_D + (dbl ? m << 3 : m << 2);
  if (toCore) { setR(t, load<u32>(addr)); setR(t2, load<u32>(addr + 4)); }
  else { store<u32>(addr, getR(t)); store<u32>(addr + 4, getR(t2)); }
}

// VMRS / VMSR (and their system-level descriptions in B9): cccc 1110 111L rrrr tttt 1010 0001 0000.
// reg 0 FPSID, 1 FPSCR, 6 MVFR1, 7 MVFR0, 8 FPEXC; others (FPINST/FPINST2 are absent in
// VFPv3) UNDEFINED. The ID registers and FPEXC need privilege but not FPEXC.EN.
export function vfpVmrsVmsr(i: u32): void {
  const isRead = (i & (1 << 20)) != 0;
  const reg = (i >>> 16) & 15, t = (i >>> 12) & 15;
  let ignoreEn = false;
  switch (reg) {
    case 1: break;
    case 0: case 6: case 7: case 8:
      if (!privileged) { takeUndef(); return; }
      ignoreEn = true;
      break;
    default: takeUndef(); return;
  }
  if (!cpAccessOk() || (!ignoreEn && (load<u32>(STATE + FPEXC) & FPEXC_EN) == 0)) { takeUndef(); return; }
  if (isRead) {
    let v: u32 = 0;
    switch (reg) {
      case 0: v = FPSID_VALUE; break;
      case 1: v = load<u32>(STATE + FPSCR); break;
      case 6: v = MVFR1_VALUE; break;
      case 7: v = MVFR0_VALUE; break;
      case 8: v = load<u32>(STATE + FPEXC); break;
    }
    if (t == 15) { // APSR_nzcv
      store<u32>(STATE + NF, v >>> 31); store<u32>(STATE + ZF, (v >>> 30) & 1);
      store<u32>(STATE + CF, (v >>> 29) & 1); store<u32>(STATE + VF, (v >>> 28) & 1);
    } else setR(t, v);
  } else {
    const v = getR(t);
    // FPEXC keeps EN only (no exception trapping, so EX and the rest read as zero, as QEMU);
    // writes to the ID registers are ignored.
    if (reg == 1) store<u32>(STATE + FPSCR, v & FPSCR_MASK);
    else if (reg == 8) store<u32>(STATE + FPEXC, v & FPEXC_EN);
  }
}
