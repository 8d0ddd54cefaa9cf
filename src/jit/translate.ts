// The JIT's translator (issue 11, docs/jit.md): one hot block of pre-decoded guest instructions,
// read from the core's decode cache, becomes one WebAssembly function `f(pc) -> next pc`.
//
// What the core guarantees (assembly/cpu/jit.ts, cpu/run.ts): f is entered at a block start with
// ICOUNT in memory exact, only when the whole block fits in the slice's budget, and for Thumb only
// outside an IT block. What f guarantees in turn: it leaves exactly the state the interpreter would
// have left after the same instructions, with ICOUNT counting the retired ones.
// - Rows the translator inlines (A32 data processing with immediate or immediate-shifted operands,
//   MOVW/MOVT, LDR/STR/LDRB/STRB with immediate offsets through the software TLB's fast path, B/BL;
//   Thumb B) read and write the register file and the flag words in the core's state block.
// - Every other row is one call of the core's jitA32/jitThumb helper, which is one step of the
//   interpreter loop for that row (VMM_TRAP rows, which the VMM substituted at decode time,
//   included: the VMM keeps its narrow trap points).
// - Before any call that can fault or read the instruction count, ICOUNT is stored with the
//   current instruction counted (as the Thumb interpreter does) and the current PC set; after it,
//   loopEvent and codeHit are tested: an exception, a slice break or a store into code ends the
//   block after this instruction, as it ends the interpreter's.
// The block's virtual PC is a parameter: code is keyed by its physical page, and the same page may be
// mapped at several virtual addresses.
import { Code, Op, I32, I64, moduleBytes, type ModuleSpec } from "./wasm.js";
import { A32_PATTERNS } from "../disasm/a32.gen.js";
import { T16_PATTERNS } from "../disasm/t16.gen.js";
import { T32_PATTERNS } from "../disasm/t32.gen.js";

/** Where things are in the core (exported constants) and how to read its memory. */
export interface CoreView {
  state: number;        // LAYOUT_STATE
  offR: number; offNF: number; offZF: number; offCF: number; offVF: number; offICOUNT: number;
  mem(): DataView;      // the core's memory (re-read after growth)
  decode(slot: number, pc: number, thumb: number): number; // jitDecode
}

/** Imports of every compiled module: function indices 0..3, globals 0..6. */
const F_A32 = 0, F_THUMB = 1, F_READ = 2, F_WRITE = 3;
const G_CURPC = 0, G_NEXTPC = 1, G_EVENT = 2, G_FAULT = 3, G_CODEHIT = 4, G_TLBR = 5, G_TLBW = 6;
export const IMPORT_FUNCS = ["jitA32", "jitThumb", "jitReadSlow", "jitWriteSlow"];
export const IMPORT_GLOBALS = ["jitCurPC", "jitNextPC", "jitLoopEvent", "jitFault", "jitCodeHit", "jitTlbR", "jitTlbW"];
const TYPES = [
  { params: [I32, I32, I32], results: [] },          // 0: jitA32 / jitThumb (w, raw, pc)
  { params: [I32, I32, I32], results: [I32] },       // 1: readSlow (va, size, user)
  { params: [I32, I32, I32, I32], results: [] },     // 2: writeSlow (va, size, v, user)
  { params: [I32], results: [I32] },                 // 3: the block (pc) -> next pc
];

// Locals: 0 pc (param), 1 ic0 (i64), then i32 temporaries, then an i64 temporary.
const L_PC = 0, L_IC = 1, L_A = 2, L_B = 3, L_R = 4, L_C = 5, L_E = 6, L_V = 7, L_W = 8;

const TLB_MASK = 1023; // TLB_N - 1 (mmu/tlb.ts): index = ((va >>> 12) & TLB_MASK) << 3

function ids(patterns: { name: string }[]): Record<string, number> {
  const m: Record<string, number> = {};
  patterns.forEach((p, i) => { m[p.name] = i + 1; });
  return m;
}
const A = ids(A32_PATTERNS);
const T16 = ids(T16_PATTERNS);
const DP_I = new Map<number, number>(), DP_RI = new Map<number, number>(), DP_RR = new Map<number, number>();
["AND", "EOR", "SUB", "RSB", "ADD", "ADC", "SBC", "RSC", "TST", "TEQ", "CMP", "CMN", "ORR", "MOV", "BIC", "MVN"].forEach((n, opc) => {
  DP_I.set(A[`${n}_i`], opc);
  DP_RI.set(A[`${n}_ri`], opc);
  DP_RR.set(A[`${n}_rr`], opc);
});
const LDST_I = new Map<number, { load: boolean; byte: boolean }>([
  [A.STR_i, { load: false, byte: false }], [A.LDR_i, { load: true, byte: false }],
  [A.STRB_i, { load: false, byte: true }], [A.LDRB_i, { load: true, byte: true }],
]);

const T32 = ids(T32_PATTERNS);

// Rows after which a block ends: they write the PC (always, or when their condition passes), or
// end in an exception; what follows them is often not code (literal pools, data).
const A32_PC_ROWS = new Set([A.B, A.BL, A.BLX_imm, A.BX, A.BXJ, A.BLX_reg, A.SVC, A.BKPT, A.RFE, A.UNDEFINED, A.VMM_TRAP]);
function a32EndsBlock(op: number, raw: number): boolean {
  if (A32_PC_ROWS.has(op)) return true;
  if ((op === A.LDM || op === A.LDM_usr) && (raw & 0x8000)) return true;
  const rd = (raw >>> 12) & 15;
  if (rd === 15 && (DP_I.has(op) || DP_RI.has(op) || DP_RR.has(op) || op === A.LDR_i || op === A.LDR_r)) return true;
  return false;
}
const T16_PC_ROWS = new Set([T16.B, T16.B_cond, T16.BX, T16.BLX_r, T16.SVC, T16.UDF, T16.CBZ, T16.CBNZ, T16.BKPT, T16.UNDEFINED, T16.VMM_TRAP]);
const T32_PC_ROWS = new Set([T32.B, T32.B_cond, T32.BL, T32.BLX_i, T32.TBB, T32.TBH, T32.SUBS_PC_LR, T32.RFE_db, T32.RFE_ia,
  T32.UDF, T32.MISC_UNDEF, T32.UNDEFINED, T32.VMM_TRAP]);
function thumbEndsBlock(wide: boolean, op: number, raw: number): boolean {
  if (!wide) {
    if (T16_PC_ROWS.has(op)) return true;
    if (op === T16.POP && (raw & 0x100)) return true;
    if ((op === T16.MOV_hi || op === T16.ADD_hi) && (((raw >>> 4) & 8) | (raw & 7)) === 15) return true;
    return false;
  }
  if (T32_PC_ROWS.has(op)) return true;
  if ((op === T32.LDM || op === T32.LDMDB) && (raw & 0x8000)) return true;
  if (op === T32.LDR && ((raw >>> 12) & 15) === 15) return true;
  return false;
}

const E_COND = 1 << 20, E_WIDE = 1 << 21, E_OP = 0xffff;
const MAX_INSNS = 200;

export interface Translation { bytes: Uint8Array<ArrayBuffer>; insns: number }

class Block {
  c = new Code();
  constructor(readonly v: CoreView, readonly thumb: boolean) {
    // ic0 = ICOUNT
    this.c.i32(0).load(Op.i64Load, 3, v.state + v.offICOUNT).set(L_IC);
  }
  get R(): number { return this.v.state + this.v.offR; }
  /** Push the value of register n as read by the instruction at pc + off (R15 = pc + 8 / + 4). */
  reg(n: number, off: number): void {
    if (n === 15) this.c.get(L_PC).i32(off + (this.thumb ? 4 : 8)).op(Op.i32Add);
    else this.c.i32(0).load(Op.i32Load, 2, this.R + 4 * n);
  }
  /** Store the value that `value` pushes into register n (never 15). */
  setReg(n: number, value: () => void): void {
    this.c.i32(0); value(); this.c.store(Op.i32Store, 2, this.R + 4 * n);
  }
  flag(off: number): void { this.c.i32(0).load(Op.i32Load, 2, this.v.state + off); }
  setFlag(off: number, value: () => void): void { this.c.i32(0); value(); this.c.store(Op.i32Store, 2, this.v.state + off); }
  /** ICOUNT = ic0 + k + 1: the instructions before this one and this one. */
  icStore(k: number): void {
    this.c.i32(0).get(L_IC).i64(BigInt(k + 1)).op(Op.i64Add).store(Op.i64Store, 3, this.v.state + this.v.offICOUNT);
  }
  /** Return pc + next: the block goes on at the instruction after this one. */
  retNext(next: number): void { this.c.get(L_PC).i32(next).op(Op.i32Add).op(Op.return); }
  /** Leave through the event path: a pending branch (exception, PC write) goes to nextPC. */
  exitEvent(next: number): void {
    const c = this.c;
    c.gget(G_EVENT).i32(1).op(Op.i32And).if();
    c.gget(G_EVENT).i32(-2).op(Op.i32And).gset(G_EVENT).gget(G_NEXTPC).op(Op.return);
    c.end();
    this.retNext(next);
  }
  /** After a helper call: leave on a loop event or a store into code. */
  checkEvents(next: number): void {
    this.c.gget(G_EVENT).gget(G_CODEHIT).op(Op.i32Or).if();
    this.exitEvent(next);
    this.c.end();
  }
  /** Condition test (A8.3.1) on the flag words, leaving 0/1 on the stack. */
  cond(cc: number): void {
    const { offNF: N, offZF: Z, offCF: C, offVF: V } = this.v;
    const c = this.c;
    switch (cc >> 1) {
      case 0: this.flag(Z); break;
      case 1: this.flag(C); break;
      case 2: this.flag(N); break;
      case 3: this.flag(V); break;
      case 4: this.flag(C); this.flag(Z); c.op(Op.i32Eqz).op(Op.i32And); break;          // HI
      case 5: this.flag(N); this.flag(V); c.op(Op.i32Eq); break;                          // GE
      case 6: this.flag(Z); c.op(Op.i32Eqz); this.flag(N); this.flag(V); c.op(Op.i32Eq).op(Op.i32And); break; // GT
    }
    if (cc & 1) c.op(Op.i32Eqz);
  }
  setCurPC(off: number, r15: number): void {
    this.c.get(L_PC).i32(off).op(Op.i32Add).gset(G_CURPC);
    this.setReg(15, () => this.c.get(L_PC).i32(off + r15).op(Op.i32Add));
  }
  /** One interpreter step for the entry (w, raw) at pc + off through the core's helper. */
  helper(k: number, off: number, size: number, w: number, raw: number): void {
    this.icStore(k);
    this.c.i32(w).i32(raw).get(L_PC).i32(off).op(Op.i32Add).call(this.thumb ? F_THUMB : F_A32);
    this.checkEvents(off + size);
  }
}

// Shifter operand of the immediate-shift forms (A8.4.3 Shift_C): value into L_B and, when `carry`,
// the carry out into L_C (left as the C flag where the shift does not change it).
function shiftImm(b: Block, m: number, off: number, type: number, amt: number, carry: boolean): void {
  const c = b.c;
  const rm = (): void => b.reg(m, off);
  switch (type) {
    case 0: // LSL
      rm(); if (amt) c.i32(amt).op(Op.i32Shl); c.set(L_B);
      if (carry) { if (amt) { rm(); c.i32(32 - amt).op(Op.i32ShrU).i32(1).op(Op.i32And).set(L_C); } else { b.flag(b.v.offCF); c.set(L_C); } }
      return;
    case 1: // LSR (0 encodes 32)
      if (amt) { rm(); c.i32(amt).op(Op.i32ShrU).set(L_B); } else c.i32(0).set(L_B);
      if (carry) { rm(); c.i32(amt ? amt - 1 : 31).op(Op.i32ShrU).i32(1).op(Op.i32And).set(L_C); }
      return;
    case 2: // ASR (0 encodes 32)
      rm(); c.i32(amt ? amt : 31).op(Op.i32ShrS).set(L_B);
      if (carry) { rm(); c.i32(amt ? amt - 1 : 31).op(Op.i32ShrU).i32(1).op(Op.i32And).set(L_C); }
      return;
    default: // ROR, RRX when 0
      if (amt) { rm(); c.i32(amt).op(Op.i32Rotr).set(L_B); } else {
        b.flag(b.v.offCF); c.i32(31).op(Op.i32Shl); rm(); c.i32(1).op(Op.i32ShrU).op(Op.i32Or).set(L_B);
      }
      if (carry) { rm(); c.i32(amt ? amt - 1 : 0).op(Op.i32ShrU).i32(1).op(Op.i32And).set(L_C); }
  }
}

// Data processing (A8.8.x AND..MVN, A5.2.1-A5.2.3) with Rd != PC: operands in L_A (Rn) and L_B,
// the shifter carry in L_C (logical ops with S), result in L_R.
function dataProc(b: Block, opc: number, s: boolean, d: number, logicalCarry: boolean): void {
  const c = b.c;
  const { offNF: N, offZF: Z, offCF: C, offVF: V } = b.v;
  const carryIn = (): void => b.flag(C);
  let arith = true;
  // AddWithCarry (A2.2.1): r = x + y + cin; with S, C from the 64-bit sum and V into X.
  const X = L_E, Y = L_V;
  const awc = (x: () => void, y: () => void, cin: number | "C"): void => {
    x(); c.set(X); y(); c.set(Y);
    if (!s) {
      c.get(X).get(Y).op(Op.i32Add);
      if (cin === "C") { carryIn(); c.op(Op.i32Add); } else if (cin) c.i32(cin).op(Op.i32Add);
      c.set(L_R);
      return;
    }
    c.get(X).op(Op.i64ExtendI32u).get(Y).op(Op.i64ExtendI32u).op(Op.i64Add);
    if (cin === "C") { carryIn(); c.op(Op.i64ExtendI32u).op(Op.i64Add); } else if (cin) c.i64(BigInt(cin)).op(Op.i64Add);
    c.tee(L_W).op(Op.i32WrapI64).set(L_R);
    c.get(L_W).i64(32n).op(Op.i64ShrU).op(Op.i32WrapI64).set(L_C);
    c.get(X).get(L_R).op(Op.i32Xor).get(Y).get(L_R).op(Op.i32Xor).op(Op.i32And).i32(31).op(Op.i32ShrU).set(X);
  };
  const a = (): void => { c.get(L_A); }, bb = (): void => { c.get(L_B); };
  const notA = (): void => { c.get(L_A).i32(-1).op(Op.i32Xor); }, notB = (): void => { c.get(L_B).i32(-1).op(Op.i32Xor); };
  switch (opc) {
    case 0: case 8: arith = false; c.get(L_A).get(L_B).op(Op.i32And).set(L_R); break;   // AND, TST
    case 1: case 9: arith = false; c.get(L_A).get(L_B).op(Op.i32Xor).set(L_R); break;   // EOR, TEQ
    case 12: arith = false; c.get(L_A).get(L_B).op(Op.i32Or).set(L_R); break;           // ORR
    case 13: arith = false; c.get(L_B).set(L_R); break;                                  // MOV
    case 14: arith = false; c.get(L_A).get(L_B).i32(-1).op(Op.i32Xor).op(Op.i32And).set(L_R); break; // BIC
    case 15: arith = false; c.get(L_B).i32(-1).op(Op.i32Xor).set(L_R); break;            // MVN
    case 2: case 10: awc(a, notB, 1); break;                                              // SUB, CMP
    case 3: awc(bb, notA, 1); break;                                                      // RSB
    case 4: case 11: awc(a, bb, 0); break;                                                // ADD, CMN
    case 5: awc(a, bb, "C"); break;                                                       // ADC
    case 6: awc(a, notB, "C"); break;                                                     // SBC
    case 7: awc(bb, notA, "C"); break;                                                    // RSC
  }
  if (opc < 8 || opc > 11) b.setReg(d, () => c.get(L_R));
  if (!s) return;
  b.setFlag(N, () => c.get(L_R).i32(31).op(Op.i32ShrU));
  b.setFlag(Z, () => c.get(L_R).op(Op.i32Eqz));
  if (arith) {
    b.setFlag(C, () => c.get(L_C));
    b.setFlag(V, () => c.get(X));
  } else if (logicalCarry) b.setFlag(C, () => c.get(L_C));
}

/** Load or store through the TLB fast path; the address is in L_A. For loads the value ends in L_V. */
function access(b: Block, k: number, off: number, load: boolean, size: number, value: () => void): void {
  const c = b.c;
  const mask = size === 4 ? 0xfffff003 : size === 2 ? 0xfffff001 : 0xfffff000;
  // e = tlb + index(va)
  c.gget(load ? G_TLBR : G_TLBW).get(L_A).i32(12).op(Op.i32ShrU).i32(TLB_MASK).op(Op.i32And).i32(3).op(Op.i32Shl).op(Op.i32Add).set(L_E);
  c.get(L_E).load(Op.i32Load, 2, 0).get(L_A).i32(mask | 0).op(Op.i32And).op(Op.i32Eq).if();
  // hit: host address = addend + va
  if (load) {
    c.get(L_E).load(Op.i32Load, 2, 4).get(L_A).op(Op.i32Add);
    c.load(size === 4 ? Op.i32Load : size === 2 ? Op.i32Load16u : Op.i32Load8u, size === 4 ? 2 : size === 2 ? 1 : 0, 0).set(L_V);
  } else {
    c.get(L_E).load(Op.i32Load, 2, 4).get(L_A).op(Op.i32Add);
    value();
    c.store(size === 4 ? Op.i32Store : size === 2 ? Op.i32Store16 : Op.i32Store8, size === 4 ? 2 : size === 2 ? 1 : 0, 0);
  }
  c.op(Op.else);
  // miss: the core's slow path, which may fault (the abort is taken inside it)
  b.icStore(k);
  b.setCurPC(off, b.thumb ? 4 : 8);
  if (load) {
    c.get(L_A).i32(size).i32(0).call(F_READ).set(L_V);
    c.gget(G_FAULT).if(); b.exitEvent(off + (b.thumb ? 2 : 4)); c.end();
  } else {
    c.get(L_A).i32(size); value(); c.i32(0).call(F_WRITE);
    c.gget(G_FAULT).gget(G_EVENT).op(Op.i32Or).gget(G_CODEHIT).op(Op.i32Or).if();
    // a completed store that broke the slice or hit code still retires: the event path handles both
    b.exitEvent(off + (b.thumb ? 2 : 4));
    c.end();
  }
  c.end();
}

/** Translate the A32 block at pc in decode slot `slot`; null when its first row cannot start one. */
export function translateA32(v: CoreView, slot: number, pc: number): Translation | null {
  if (pc & 3) return null;
  const b = new Block(v, false);
  const c = b.c;
  let k = 0;
  let off = 0;
  let ended = false;
  while (!ended) {
    if (k >= MAX_INSNS || (k > 0 && ((pc + off) & 0xfff) === 0)) break;
    const w = v.decode(slot, pc + off, 0) >>> 0;
    if (w === 0) break;
    const raw = v.mem().getUint32(slot + (((pc + off) & 0xffe) << 2) + 4, true);
    const op = w & E_OP;
    const cc = (w & E_COND) ? (w >>> 16) & 15 : 14;
    const condOpen = cc !== 14;
    const rd = (raw >>> 12) & 15, rn = (raw >>> 16) & 15;
    let done = false;
    const guard = (): void => { if (condOpen) { b.cond(cc); c.if(); } };
    const unguard = (): void => { if (condOpen) c.end(); };
    if ((DP_I.has(op) || DP_RI.has(op)) && rd !== 15) {
      const opc = (DP_I.get(op) ?? DP_RI.get(op))!;
      const s = ((raw >>> 20) & 1) === 1 || (opc >= 8 && opc <= 11);
      const logical = !(opc >= 2 && opc <= 7) && !(opc === 10 || opc === 11);
      guard();
      if (opc !== 13 && opc !== 15) { b.reg(rn, off); c.set(L_A); }
      let shCarry = false;
      if (DP_I.has(op)) {
        const rot = ((raw >>> 8) & 15) * 2, imm = raw & 0xff;
        const val = rot ? ((imm >>> rot) | (imm << (32 - rot))) >>> 0 : imm;
        c.i32(val | 0).set(L_B);
        if (s && logical && rot) { c.i32(val >>> 31).set(L_C); shCarry = true; }
      } else {
        shiftImm(b, raw & 15, off, (raw >>> 5) & 3, (raw >>> 7) & 31, s && logical);
        shCarry = s && logical;
      }
      dataProc(b, opc, s, rd, shCarry);
      unguard();
      done = true;
    } else if ((op === A.MOVW || op === A.MOVT) && rd !== 15) {
      const imm = ((raw >>> 4) & 0xf000) | (raw & 0xfff);
      guard();
      if (op === A.MOVW) b.setReg(rd, () => c.i32(imm));
      else b.setReg(rd, () => { b.reg(rd, off); c.i32(0xffff).op(Op.i32And).i32(imm << 16).op(Op.i32Or); });
      unguard();
      done = true;
    } else if (LDST_I.has(op)) {
      const { load, byte } = LDST_I.get(op)!;
      const p = (raw >>> 24) & 1, u = (raw >>> 23) & 1, wb = p === 0 || ((raw >>> 21) & 1) === 1;
      const imm = raw & 0xfff;
      if (!(load && rd === 15) && !(wb && rn === 15) && !(!load && rd === 15)) {
        guard();
        // offset address in L_B, access address in L_A
        b.reg(rn, off); c.set(L_A);
        c.get(L_A).i32(imm).op(u ? Op.i32Add : Op.i32Sub).set(L_B);
        if (p) c.get(L_B).set(L_A);
        if (load) {
          access(b, k, off, true, byte ? 1 : 4, () => {});
          if (wb) b.setReg(rn, () => c.get(L_B));
          b.setReg(rd, () => c.get(L_V));
        } else {
          access(b, k, off, false, byte ? 1 : 4, () => b.reg(rd, off));
          if (wb) b.setReg(rn, () => c.get(L_B));
        }
        unguard();
        done = true;
      }
    } else if (op === A.B || op === A.BL) {
      const imm24 = raw & 0xffffff;
      const rel = ((imm24 << 8) >> 6) + 8; // SignExtend(imm24:'00') + PC (A8.8.18)
      b.icStore(k);
      guard();
      if (op === A.BL) b.setReg(14, () => c.get(L_PC).i32(off + 4).op(Op.i32Add));
      c.get(L_PC).i32(off + rel).op(Op.i32Add).op(Op.return);
      unguard();
      done = true;
      ended = true;
    }
    if (!done) {
      b.helper(k, off, 4, w, raw);
      if (a32EndsBlock(op, raw)) ended = true;
    }
    k++; off += 4;
  }
  if (k === 0) return null;
  // fall through: the block's instructions all retired
  b.icStore(k - 1);
  b.retNext(off);
  return finish(b, k);
}

/** Translate the Thumb block at pc: every row through the interpreter's step except B. */
export function translateThumb(v: CoreView, slot: number, pc: number): Translation | null {
  const b = new Block(v, true);
  const c = b.c;
  let k = 0, off = 0;
  let itLeft = 0; // instructions still inside an IT block (their condition comes from ITSTATE)
  for (;;) {
    if (k >= MAX_INSNS || (k > 0 && ((pc + off) & 0xfff) === 0)) break;
    const w = v.decode(slot, pc + off, 1) >>> 0;
    if (w === 0) break;
    const raw = v.mem().getUint32(slot + (((pc + off) & 0xffe) << 2) + 4, true);
    const size = (w & E_WIDE) ? 4 : 2;
    const op = w & E_OP;
    if (!(w & E_WIDE) && (op === T16.B || op === T16.B_cond) && itLeft === 0) {
      // 16-bit B<c> / B (A8.8.18 T1/T2) outside an IT block: the condition is in the entry
      const cc = (w >>> 16) & 15;
      const imm = (raw & 0xf000) === 0xd000 ? ((raw & 0xff) << 24) >> 23 : ((raw & 0x7ff) << 21) >> 20;
      b.icStore(k);
      if (cc !== 14) { b.cond(cc); c.if(); }
      c.get(L_PC).i32(off + 4 + imm).op(Op.i32Add).op(Op.return);
      if (cc !== 14) c.end();
      k++; off += size;
      if (cc === 14) return finish(b, k);
      continue;
    }
    b.helper(k, off, size, w, raw);
    if (thumbEndsBlock((w & E_WIDE) !== 0, op, raw)) { k++; off += size; break; }
    if (!(w & E_WIDE) && op === T16.IT) {
      // xyz1: 4 instructions, xy10: 3, x100: 2, 1000: 1 (A8.8.54). An IT inside an IT block runs
      // only if its own condition passes: keep the longer of the two possible remainders.
      const mask = raw & 15;
      const n = mask & 1 ? 4 : mask & 2 ? 3 : mask & 4 ? 2 : 1;
      itLeft = Math.max(itLeft - 1, n);
    } else if (itLeft > 0) itLeft--;
    k++; off += size;
  }
  if (k === 0) return null;
  b.icStore(k - 1);
  b.retNext(off);
  return finish(b, k);
}

function finish(b: Block, insns: number): Translation {
  const spec: ModuleSpec = {
    types: TYPES,
    funcs: IMPORT_FUNCS.map((name, i) => ({ module: "core", name, type: i < 2 ? 0 : i === 2 ? 1 : 2 })),
    globals: IMPORT_GLOBALS.map((name) => ({ module: "core", name, type: I32, mutable: true })),
    memory: { module: "core", name: "memory" },
    body: { type: 3, locals: [I64, I32, I32, I32, I32, I32, I32, I64], code: b.c },
  };
  return { bytes: moduleBytes(spec), insns };
}
