// The JIT's translator (issue 11, docs/jit.md section 3): one hot block of pre-decoded guest
// instructions, read from the core's decode cache, becomes one WebAssembly function
// `f(pc, left) -> next pc`.
//
// What the core guarantees (assembly/cpu/jit.ts, cpu/run.ts): f is entered at a block start with
// ICOUNT in memory exact, only when the whole block fits in the slice's budget, and for Thumb only
// outside an IT block. What f guarantees in turn: it leaves exactly the state the interpreter would
// have left after the same instructions, with ICOUNT counting the retired ones.
// - Rows the translator inlines (docs/jit.md "What is inlined": data processing, loads and stores
//   through the software TLB's fast path, LDM/STM within one page, branches, IT) read and write the
//   register file and the flag words in the core's state block.
// - Every other row is one call of the core's jitA32/jitThumb helper, which is one step of the
//   interpreter loop for that row (VMM_TRAP rows, which the VMM substituted at decode time,
//   included: the VMM keeps its narrow trap points).
// - Before any call that can fault or read the instruction count, ICOUNT is stored with the
//   current instruction counted (as the Thumb interpreter does) and the current PC set; after it,
//   loopEvent and codeHit are tested: an exception, a slice break or a store into code ends the
//   block after this instruction, as it ends the interpreter's.
// The block's virtual PC is a parameter: code is keyed by its physical page, and the same page may be
// mapped at several virtual addresses.
import { Code, Op, I32, I64, moduleBytes, type ModuleSpec, type FuncBody } from "./wasm.js";
import { A32_PATTERNS } from "../disasm/a32.gen.js";
import { T16_PATTERNS } from "../disasm/t16.gen.js";
import { T32_PATTERNS } from "../disasm/t32.gen.js";

/** Where things are in the core (exported constants) and how to read its memory. */
export interface CoreView {
  state: number;        // LAYOUT_STATE
  offR: number; offNF: number; offZF: number; offCF: number; offVF: number; offICOUNT: number; offRest: number;
  offTPIDRURW: number; offTPIDRURO: number; // CP15 thread ID registers in the state block
  tlbMask: number;      // TLB entries per set - 1 (mmu/tlb.ts): index = ((va >>> 12) & tlbMask) << 3
  ram: number; pagemap: number; dec: number; // LAYOUT_RAM, LAYOUT_PAGEMAP, LAYOUT_DEC (the code-page store)
  chain: boolean;       // blocks enter their in-page successors themselves (JitOptions.chain)
  itMask: number;       // PSR_IT_MASK: ITSTATE's bits in the word at offRest
  chainedAddr: number;  // address of the u64 count of chain hops (jitStatAddr(JIT_STAT_CHAINED))
  gen(slotIndex: number): number; // the slot's compiled-code generation now (LAYOUT_JIT_GEN)
  slotIndex(slot: number): number; // jitSlotIndex
  mem(): DataView;      // the core's memory (re-read after growth)
  decode(slot: number, pc: number, thumb: number): number; // jitDecode
}

/** Imports of every compiled module: function indices 0..3, globals 0..6. Then each module's own
 *  functions: 4 the exit stub and 5 the code-page store (batchModule), then its blocks. */
const F_A32 = 0, F_THUMB = 1, F_ACCESS = 2, F_CHAIN = 3, F_STUB = 4, F_STORE_CODE = 5, F_BLOCKS = 6;
const G_NEXTPC = 0, G_EVENT = 1, G_CODEHIT = 2, G_TLBR = 3, G_TLBW = 4, G_TLBCW = 5, G_BIGDATA = 6;
export const IMPORT_FUNCS = ["jitA32", "jitThumb", "jitAccessSlow", "jitChain"];
export const IMPORT_GLOBALS = ["jitNextPC", "jitLoopEvent", "jitCodeHit", "jitTlbR", "jitTlbW", "jitTlbCW", "jitBigData"];
const TYPES = [
  { params: [I32, I32, I32], results: [] },          // 0: jitA32 / jitThumb (w, raw, pc)
  { params: [I32, I32, I32, I32], results: [I32] },  // 1: jitAccessSlow (va, desc, pc, wb) -> leave
  { params: [I32, I32], results: [I32] },            // 2: the block (pc, left) -> next pc
  { params: [I32, I32, I32], results: [I32] },       // 3: jitChain (pc, left, key) -> next pc
  { params: [I32, I32, I32], results: [I32] },       // 4: the code-page store (va, v, size) -> done (batchModule)
];
const FUNC_TYPES = [0, 0, 1, 3]; // of IMPORT_FUNCS

// Locals: 0 pc and 1 left (params: the block's virtual address, the instructions left in the slice),
// 2 ic0 (i64: ICOUNT at the block's (or loop iteration's) start), i32 temporaries, an i64 temporary.
const L_PC = 0, L_LEFT = 1, L_IC = 2, L_A = 3, L_B = 4, L_R = 5, L_C = 6, L_E = 7, L_V = 8, L_W = 9;
// The shared event exit's arguments: instructions of this pass retired, offset of the next one.
const L_K = 10, L_N = 11;
const LOCALS = [I64, I32, I32, I32, I32, I32, I32, I64, I32, I32];


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

// T32 data processing rows -> dataProc's opc (ORN = 16), register (shifted) and modified-immediate forms.
const T32_DP_R = new Map<number, number>(), T32_DP_I = new Map<number, number>();
for (const [n, opc] of [["AND", 0], ["EOR", 1], ["SUB", 2], ["RSB", 3], ["ADD", 4], ["ADC", 5], ["SBC", 6], ["TST", 8], ["TEQ", 9],
  ["CMP", 10], ["CMN", 11], ["ORR", 12], ["MOV", 13], ["BIC", 14], ["MVN", 15], ["ORN", 16]] as const) {
  if (T32[`${n}_r`]) T32_DP_R.set(T32[`${n}_r`], opc);
  if (T32[`${n}_i`]) T32_DP_I.set(T32[`${n}_i`], opc);
}

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

/** A compiled block: its function body, its length, and what direct chaining needs: its own key
 *  (cpu/jit.ts keyOf), its slot's generation when translated, and its static in-page exits (the
 *  successor's key, and where in the body the exit's index into the module's exit table goes). */
export interface Translation { body: FuncBody; insns: number; key: number; gen: number; exits: { key: number; at: number }[] }

interface Insn { off: number; w: number; raw: number; size: number; op: number; wide: boolean }

class Block {
  c = new Code();  // replaced while a row is emitted on trial (translateThumb)
  /** Open wasm constructs inside the function: "if", or "L<j>" for the loop at instruction j. */
  private stack: string[] = ["exit"];
  pcAlign = 0;
  curW = 0; // the decode entry's first word of the row being emitted (for a helper fallback)
  itNow = 0; // Thumb: ITSTATE while the row being emitted runs (0 outside IT blocks)
  /** n: the block's length (its longest straight pass); loops: instructions a backward branch of
   *  the block targets (a wasm loop starts at each: all of them end at the block's end); slotIdx
   *  and pageOff: the decode slot's index and the block's offset in its page, which key the
   *  block's in-page successors in the map (cpu/jit.ts keyOf). */
  constructor(readonly v: CoreView, readonly thumb: boolean, readonly insns: Insn[], readonly loops: Set<number>,
    readonly slotIdx: number, readonly pageOff: number, readonly liveOut?: number[]) {
    this.c.i32(0).load(Op.i64Load, 3, v.state + v.offICOUNT).set(L_IC);
    this.c.block(); // "exit": exitEvent branches out of it to the code that finish() puts after it
    this.main = this.c;
  }
  /** The map key (cpu/jit.ts keyOf) of the block of this ISA at offset o of this page; key: this block's. */
  keyAt(o: number): number { return (this.slotIdx << 13) | (o << 1) | (this.thumb ? 1 : 0); }
  get key(): number { return this.keyAt(this.pageOff); }
  /** Leave for pc + target after instruction k retired (ICOUNT stored): straight into the target's
   *  compiled block when it lies in this page (the chain function checks that it is compiled, live
   *  and fits in the budget left: what the core's loop would check before entering it), else back
   *  to the core. */
  chain(k: number, target: number): void {
    this.barrier();
    const o = this.pageOff + target;
    if (o < 0 || o >= 0x1000 || !this.v.chain) { this.retNext(target); return; }
    if (this.c !== this.main) throw new Error("translator: a chain exit inside a row emitted on trial");
    const key = this.keyAt(o);
    this.c.get(L_PC).i32(target).op(Op.i32Add).get(L_LEFT).i32(k + 1).op(Op.i32Sub).i32(key);
    // Through the module's exit table (batchModule): the successor's chain entry once it is
    // compiled at this block's generation, else a stub that calls the core's jitChain.
    this.exits.push({ key, at: this.c.i32pad(0) });
    this.c.op(Op.returnCallIndirect).u(3).u(0);
  }
  /** Static in-page exits (chain): the successor's key and the position of its exit index. */
  readonly exits: { key: number; at: number }[] = [];
  private readonly main: Code;
  get n(): number { return this.insns.length; }
  /** Flags (NZCV = 8, 4, 2, 1) each instruction reads and writes inline, whether it can leave the
   *  block or call out (a barrier: every flag must be in the state block there), and whether its
   *  writes are conditional: recorded by the first of the two passes (flagLiveness). */
  private k = 0;
  readonly rec = { reads: [] as number[], writes: [] as number[], barrier: [] as boolean[], cond: [] as boolean[] };
  /** Instruction k starts (its flag writes are conditional when `conditional`). */
  at(k: number, conditional: boolean): void {
    this.k = k;
    this.rec.reads[k] = 0; this.rec.writes[k] = 0; this.rec.barrier[k] = false; this.rec.cond[k] = conditional;
  }
  private barrier(): void { this.rec.barrier[this.k] = true; }
  private flagBit(off: number): number { const v = this.v; return off === v.offNF ? 8 : off === v.offZF ? 4 : off === v.offCF ? 2 : 1; }
  open(): void { this.c.if(); this.stack.push("if"); }
  close(): void { this.c.end(); this.stack.pop(); }
  /** Before instruction j: start the loop that backward branches to j re-enter. */
  label(j: number): void { if (this.loops.has(j)) { this.c.loop(); this.stack.push(`L${j}`); } }
  /** After the last instruction: close every loop. */
  closeAll(): void { while (this.stack.length > 1) this.close(); }
  /** Around a row emitted on trial that will be put inside `if (ConditionPassed())`: branch
   *  depths inside it count that `if`. */
  probe(conditional: boolean, emit: () => boolean): boolean {
    if (conditional) this.stack.push("if");
    try { return emit(); } finally { if (conditional) this.stack.pop(); }
  }
  /** A taken branch from instruction k back to instruction j of the block. ic0 is kept as the
   *  count before instruction 0 of the current pass, so that ICOUNT = ic0 + k + 1 stays true after
   *  re-entering at j (ic0 += k + 1 - j). The loop runs again when the budget still has room for
   *  the longest pass from j to the block's end, which is what the entry test guaranteed for the
   *  first pass (left >= n, left counted from the pass's instruction 0); else the block leaves with
   *  ICOUNT exact. */
  loopBack(k: number, j: number): void {
    const c = this.c;
    this.barrier();
    const d = k + 1 - j;
    c.get(L_IC).i64s(d).op(Op.i64Add).set(L_IC);
    c.get(L_LEFT).i32(d).op(Op.i32Sub).tee(L_LEFT).i32(this.n).op(Op.i32GeU);
    c.op(Op.brIf).u(this.stack.length - 1 - this.stack.lastIndexOf(`L${j}`));
    this.icStore(j - 1);
    c.get(L_PC).i32(this.insns[j].off).op(Op.i32Add).op(Op.return);
  }
  /** A taken branch from instruction k to pc + target: a loop when it lands on an instruction of
   *  the block at or before k, else the block leaves there. */
  branch(k: number, target: number): void {
    const j = this.insns.findIndex((x) => x.off === target);
    if (j >= 0 && j <= k && this.loops.has(j)) this.loopBack(k, j);
    else { this.icStore(k); this.chain(k, target); }
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
  flag(off: number): void { this.rec.reads[this.k] |= this.flagBit(off); this.c.i32(0).load(Op.i32Load, 2, this.v.state + off); }
  /** Store a flag, unless nothing reads it before an unconditional instruction overwrites it (the
   *  second pass's liveOut): TurboFan then drops the computation too. */
  setFlag(off: number, value: () => void): void {
    const bit = this.flagBit(off);
    this.rec.writes[this.k] |= bit;
    if (this.liveOut && (this.liveOut[this.k] & bit) === 0) return;
    this.c.i32(0); value(); this.c.store(Op.i32Store, 2, this.v.state + off);
  }
  /** ICOUNT = ic0 + k + 1: the instructions before this one and this one. */
  icStore(k: number): void {
    this.c.i32(0).get(L_IC).i64s(k + 1).op(Op.i64Add).store(Op.i64Store, 3, this.v.state + this.v.offICOUNT);
  }
  /** Return pc + next: the block goes on at the instruction after this one. */
  retNext(next: number): void { this.barrier(); this.c.get(L_PC).i32(next).op(Op.i32Add).op(Op.return); }
  /** Leave through the event path after instruction k: a pending branch (exception, PC write) goes
   *  to nextPC; a plain branch (nothing but EV_BRANCH: no slice break, no store into code) within
   *  this page chains to the target's compiled block, as the core's loop would enter it next. */
  exitEvent(k: number, next: number): void {
    this.barrier();
    this.c.i32(k + 1).set(L_K).i32(next).set(L_N).op(Op.br).u(this.stack.length - 1);
  }
  /** The one copy of the event exit, after the "exit" block (finish). */
  eventExit(): void {
    const c = this.c;
    if (this.stack.length !== 1) throw new Error("translator: unbalanced block structure");
    this.close();
    c.gget(G_EVENT).i32(1).op(Op.i32And).if();
    c.gget(G_EVENT).i32(-2).op(Op.i32And).gset(G_EVENT);
    if (this.v.chain) {
      c.gget(G_EVENT).gget(G_CODEHIT).op(Op.i32Or).gget(G_NEXTPC).get(L_PC).op(Op.i32Xor).i32(0xfffff000 | 0).op(Op.i32And).op(Op.i32Or).op(Op.i32Eqz).if();
      c.gget(G_NEXTPC).get(L_LEFT).get(L_K).op(Op.i32Sub);
      c.gget(G_NEXTPC).i32(0xfff).op(Op.i32And).i32(1).op(Op.i32Shl).i32((this.slotIdx << 13) | (this.thumb ? 1 : 0)).op(Op.i32Or);
      c.op(Op.returnCall).u(F_CHAIN);
      c.end();
    }
    c.gget(G_NEXTPC).op(Op.return);
    c.end();
    c.get(L_PC).get(L_N).op(Op.i32Add).op(Op.return);
  }
  /** A branch to the address `target` pushes (a register's value, already aligned), taken by
   *  instruction k: leave through the event exit as a helper's plain branch would (chained when
   *  the target is in this page). `next` is the instruction after this one. */
  branchTo(k: number, next: number, target: () => void): void {
    target(); this.c.gset(G_NEXTPC).i32(1).gset(G_EVENT);
    this.icStore(k);
    this.exitEvent(k, next);
  }
  /** After a helper call for instruction k: leave on a loop event or a store into code. */
  checkEvents(k: number, next: number): void {
    this.c.gget(G_EVENT).gget(G_CODEHIT).op(Op.i32Or);
    this.open();
    this.exitEvent(k, next);
    this.close();
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
  /** Open `if (ConditionPassed(cc))` unless cc is AL; endCond closes it. */
  ifCond(cc: number): void { if (cc !== 14) { this.cond(cc); this.open(); } }
  endCond(cc: number): void { if (cc !== 14) this.close(); }
  /** N and Z from the result in L_R. */
  setNZ(): void {
    this.setFlag(this.v.offNF, () => this.c.get(L_R).i32(31).op(Op.i32ShrU));
    this.setFlag(this.v.offZF, () => this.c.get(L_R).op(Op.i32Eqz));
  }
  /** One interpreter step for the entry (w, raw) at pc + off through the core's helper. */
  helper(k: number, off: number, size: number, w: number, raw: number): void {
    this.barrier();
    this.icStore(k);
    this.c.i32(w).i32(raw).get(L_PC).i32(off).op(Op.i32Add).call(this.thumb ? F_THUMB : F_A32);
    this.checkEvents(k, off + size);
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
  const { offCF: C, offVF: V } = b.v;
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
    if (cin === "C") { carryIn(); c.op(Op.i64ExtendI32u).op(Op.i64Add); } else if (cin) c.i64s(cin).op(Op.i64Add);
    c.tee(L_W).op(Op.i32WrapI64).set(L_R);
    c.get(L_W).i64s(32).op(Op.i64ShrU).op(Op.i32WrapI64).set(L_C);
    c.get(X).get(L_R).op(Op.i32Xor).get(Y).get(L_R).op(Op.i32Xor).op(Op.i32And).i32(31).op(Op.i32ShrU).set(X);
  };
  // The common cases in 32 bits (the same results as AddWithCarry): x - y (carry in 1, y inverted):
  // C = x >= y unsigned, V = ((x ^ y) & (x ^ r)) bit 31; x + y (carry in 0): C = r < x unsigned,
  // V = (~(x ^ y) & (x ^ r)) bit 31.
  const sub = (x: () => void, y: () => void): void => {
    x(); c.set(X); y(); c.set(Y);
    c.get(X).get(Y).op(Op.i32Sub).set(L_R);
    if (!s) return;
    c.get(X).get(Y).op(Op.i32GeU).set(L_C);
    c.get(X).get(Y).op(Op.i32Xor).get(X).get(L_R).op(Op.i32Xor).op(Op.i32And).i32(31).op(Op.i32ShrU).set(X);
  };
  const add = (x: () => void, y: () => void): void => {
    x(); c.set(X); y(); c.set(Y);
    c.get(X).get(Y).op(Op.i32Add).set(L_R);
    if (!s) return;
    c.get(L_R).get(X).op(Op.i32LtU).set(L_C);
    c.get(X).get(Y).op(Op.i32Xor).i32(-1).op(Op.i32Xor).get(X).get(L_R).op(Op.i32Xor).op(Op.i32And).i32(31).op(Op.i32ShrU).set(X);
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
    case 16: arith = false; c.get(L_A).get(L_B).i32(-1).op(Op.i32Xor).op(Op.i32Or).set(L_R); break; // ORN (Thumb)
    case 2: case 10: sub(a, bb); break;                                                   // SUB, CMP
    case 3: sub(bb, a); break;                                                            // RSB
    case 4: case 11: add(a, bb); break;                                                   // ADD, CMN
    case 5: awc(a, bb, "C"); break;                                                       // ADC
    case 6: awc(a, notB, "C"); break;                                                     // SBC
    case 7: awc(bb, notA, "C"); break;                                                    // RSC
  }
  if (opc < 8 || opc > 11) b.setReg(d, () => c.get(L_R));
  if (!s) return;
  b.setNZ();
  if (arith) {
    b.setFlag(C, () => c.get(L_C));
    b.setFlag(V, () => c.get(X));
  } else if (logicalCarry) b.setFlag(C, () => c.get(L_C));
}

/** The software TLB's fast-path test for the address in L_A (mmu/tlb.ts): the entry's address into
 *  L_E, then 1 on the stack when its tag equals the address masked with `mask` (page bits plus the
 *  alignment bits the access must have clear), else 0. */
function tlbProbe(b: Block, load: boolean, mask: number): void {
  b.c.gget(load ? G_TLBR : G_TLBW).get(L_A).i32(12).op(Op.i32ShrU).i32(b.v.tlbMask).op(Op.i32And).i32(3).op(Op.i32Shl).op(Op.i32Add).tee(L_E);
  b.c.load(Op.i32Load, 2, 0).get(L_A).i32(mask | 0).op(Op.i32And).op(Op.i32Eq);
}

/** LDM/STM (A8.8.57-A8.8.60, A8.8.197-A8.8.200) and PUSH/POP, through wordsTransfer: when the whole
 *  transfer lies in one page that hits the TLB (the interpreter's hostRangeRead/Write fast path),
 *  every word moves through one host address; otherwise the interpreter's row does it all, faults
 *  included. `before`/`inc`: IB/DB vs IA/DA addressing. */
function blockTransfer(b: Block, k: number, off: number, isz: number, w: number, raw: number, load: boolean, rn: number,
  list: number, before: boolean, inc: boolean, wback: boolean): void {
  const c = b.c;
  const regs: number[] = [];
  for (let r = 0; r < 16; r++) if (list & (1 << r)) regs.push(r);
  const n = regs.length;
  // start address into L_A (Rn in L_B for the write-back)
  b.reg(rn, off); c.set(L_B);
  const first = inc ? (before ? 4 : 0) : (before ? -4 * n : -4 * n + 4);
  c.get(L_B).i32(first).op(Op.i32Add).set(L_A);
  wordsTransfer(b, k, off, isz, w, raw, load, regs, wback ? () => b.setReg(rn, () => c.get(L_B).i32(inc ? 4 * n : -4 * n).op(Op.i32Add)) : undefined);
}

/** Consecutive words at the address in L_A to or from `regs` (in order; the PC last), then `wback`:
 *  when they lie in one page that hits the TLB (the interpreter's hostRangeRead/Write fast path)
 *  through one host address, else the interpreter's row does it all, faults included (nothing is
 *  written before). A PC load branches inline when it stays in the instruction set. */
function wordsTransfer(b: Block, k: number, off: number, isz: number, w: number, raw: number, load: boolean, regs: number[],
  wback?: () => void): void {
  const c = b.c;
  const n = regs.length;
  // one page and a TLB hit on its first word (the tag compare also checks the alignment)
  c.get(L_A).get(L_A).i32(4 * n - 1).op(Op.i32Add).op(Op.i32Xor).i32(0xfffff000 | 0).op(Op.i32And).op(Op.i32Eqz);
  c.op(Op.if).op(0x7f);
  tlbProbe(b, load, 0xfffff003);
  const pc = load && regs[n - 1] === 15;
  if (pc) {
    // A PC load (LoadWritePC, A2.3.2) that stays in the instruction set: the word into L_V first
    // (ARM: bit 0 clear; Thumb: bit 0 set); one that interworks goes through the helper entirely.
    c.op(Op.if).op(0x7f);
    c.get(L_E).load(Op.i32Load, 2, 4).get(L_A).op(Op.i32Add).tee(L_E).load(Op.i32Load, 2, 4 * (n - 1)).tee(L_V).i32(1).op(Op.i32And);
    if (!b.thumb) c.op(Op.i32Eqz);
    c.op(Op.else).i32(0).end();
  }
  c.op(Op.else).i32(0).end();
  b.open();
  if (!pc) c.get(L_E).load(Op.i32Load, 2, 4).get(L_A).op(Op.i32Add).set(L_E); // host address
  regs.forEach((r, i) => {
    if (r === 15) return;
    if (load) b.setReg(r, () => c.get(L_E).load(Op.i32Load, 2, 4 * i));
    else { c.get(L_E); b.reg(r, off); c.store(Op.i32Store, 2, 4 * i); }
  });
  wback?.();
  if (pc) b.branchTo(k, off + isz, () => c.get(L_V).i32(b.thumb ? -2 : -4).op(Op.i32And));
  c.op(Op.else);
  b.helper(k, off, isz, w, raw);
  b.close();
}

/** The A32 block at pc: instructions in address order up to a row that always leaves (an
 *  unconditional branch, a PC write), the page's end or MAX_INSNS. Conditional branches leave
 *  when taken and the block goes on after them (one entry, several exits). */
function collectA32(v: CoreView, slot: number, pc: number): Insn[] {
  const list: Insn[] = [];
  for (let off = 0; list.length < MAX_INSNS; off += 4) {
    if (off > 0 && ((pc + off) & 0xfff) === 0) break;
    const w = v.decode(slot, pc + off, 0) >>> 0;
    if (w === 0) break;
    const raw = v.mem().getUint32(slot + (((pc + off) & 0xffe) << 2) + 4, true);
    const op = w & E_OP;
    list.push({ off, w, raw, size: 4, op, wide: false });
    const always = !(w & E_COND);
    if ((op === A.B || op === A.BL) ? always : a32EndsBlock(op, raw)) break;
  }
  return list;
}

/** Backward branch targets inside the block: where its loops start. */
function loopTargets(list: Insn[], target: (x: Insn) => number | undefined): Set<number> {
  const loops = new Set<number>();
  list.forEach((x, k) => {
    const t = target(x);
    if (t === undefined) return;
    const j = list.findIndex((y) => y.off === t);
    if (j >= 0 && j <= k) loops.add(j);
  });
  return loops;
}
const a32Target = (x: Insn): number | undefined =>
  x.op === A.B || x.op === A.BL ? x.off + (((x.raw & 0xffffff) << 8) >> 6) + 8 : undefined;

/** MRC p15, 0, Rt, c13, c0, 2 or 3 (A32 and T32 share the field layout): TPIDRURW and TPIDRURO,
 *  which every mode may read (B4.1.150/151; cpu/cp15.ts userAllowed), are a load of the state block.
 *  A Linux 6.1 kernel reads `current` from TPIDRURO (0.8 M of a boot's 0.97 M MRCs). Under the VMM
 *  the row arrives here only when it was not substituted at decode time. */
function threadIdRead(b: Block, raw: number): boolean {
  const rt = (raw >>> 12) & 15, op2 = (raw >>> 5) & 7;
  if (((raw >>> 8) & 15) !== 15 || ((raw >>> 21) & 7) !== 0 || ((raw >>> 16) & 15) !== 13 || (raw & 15) !== 0 || rt === 15) return false;
  if (op2 !== 2 && op2 !== 3) return false;
  b.setReg(rt, () => b.c.i32(0).load(Op.i32Load, 2, b.v.state + (op2 === 2 ? b.v.offTPIDRURW : b.v.offTPIDRURO)));
  return true;
}

/** A single load (into Rt) or store (of Rt) at the address in L_A, then the write-back of the
 *  offset address in L_B to Rn when `wbRn` >= 0: the order of the interpreter's ldstSingle (an
 *  aborted access writes nothing back; a load with Rn = Rt leaves Rt the loaded value). A software
 *  TLB hit (the tag compare also checks alignment) is inlined; a miss is one call of the core's
 *  jitAccessSlow, which does the rest of the instruction and says whether the block must leave
 *  after it (an abort, a slice break, a store into compiled code). `isz`: the instruction's size. */
function transfer(b: Block, k: number, off: number, isz: number, load: boolean, size: number, signed: boolean, rt: number, wbRn: number): void {
  const c = b.c;
  const mask = size === 4 ? 0xfffff003 : size === 2 ? 0xfffff001 : 0xfffff000;
  tlbProbe(b, load, mask);
  b.open();
  // hit: host address = addend + va
  c.get(L_E).load(Op.i32Load, 2, 4).get(L_A).op(Op.i32Add);
  if (load) {
    c.load(size === 4 ? Op.i32Load : size === 2 ? (signed ? Op.i32Load16s : Op.i32Load16u) : (signed ? Op.i32Load8s : Op.i32Load8u), size === 4 ? 2 : size === 2 ? 1 : 0, 0).set(L_V);
  } else {
    b.reg(rt, off);
    c.store(size === 4 ? Op.i32Store : size === 2 ? Op.i32Store16 : Op.i32Store8, size === 4 ? 2 : size === 2 ? 1 : 0, 0);
  }
  if (wbRn >= 0) b.setReg(wbRn, () => c.get(L_B));
  if (load) b.setReg(rt, () => c.get(L_V));
  c.op(Op.else);
  if (!load) {
    // miss: first the module's code-page store (data next to code: nothing decoded there)
    c.get(L_A); b.reg(rt, off); c.i32(size).call(F_STORE_CODE);
    b.open();
    if (wbRn >= 0) b.setReg(wbRn, () => c.get(L_B));
    c.op(Op.else);
  }
  // miss: the core's slow path (cpu/run.ts jitAccessSlow)
  b.icStore(k);
  const desc = size | (load ? 8 : 0) | (signed ? 0x10 : 0) | (b.thumb ? 0x20 : 0) | (rt << 8) | ((wbRn >= 0 ? wbRn : 15) << 12);
  c.get(L_A).i32(desc).get(L_PC).i32(off).op(Op.i32Add);
  if (wbRn >= 0) c.get(L_B); else c.i32(0);
  c.call(F_ACCESS);
  b.open(); b.exitEvent(k, off + isz); b.close();
  if (!load) b.close();
  b.close();
}

// A32 rows that do nothing here (A8.8.126-A8.8.128 PLD/PLDW/PLI: hints; A8.8.43/44/54 DMB, DSB, ISB: a
// single in-order core with no caches modelled, as isa/system.ts barrier(); HINT other than WFI: NOP,
// YIELD, WFE, SEV, DBG, as isa/system.ts hint()).
const A32_NOPS = new Set([A.PLI, A.PLD_imm, A.PLDW_imm, A.PLI_reg, A.PLD_reg, A.PLDW_reg, A.DSB, A.DMB, A.ISB]);
// A32 register-offset and extra (halfword, signed) loads and stores (A8.8.66/205 LDR/STR (register),
// A8.8.70/207 LDRB/STRB (register), A8.8.80-82/209-210 LDRH/STRH, A8.8.84-89 LDRSB/LDRSH): size, load, signed.
const A32_LDST_R = new Map<number, { size: number; load: boolean; signed: boolean; extra: boolean }>([
  [A.STR_r, { size: 4, load: false, signed: false, extra: false }], [A.LDR_r, { size: 4, load: true, signed: false, extra: false }],
  [A.STRB_r, { size: 1, load: false, signed: false, extra: false }], [A.LDRB_r, { size: 1, load: true, signed: false, extra: false }],
  [A.STRH, { size: 2, load: false, signed: false, extra: true }], [A.LDRH, { size: 2, load: true, signed: false, extra: true }],
  [A.LDRSB, { size: 1, load: true, signed: true, extra: true }], [A.LDRSH, { size: 2, load: true, signed: true, extra: true }],
]);
const A32_EXTEND = new Set([A.SXTB, A.SXTAB, A.SXTH, A.SXTAH, A.UXTB, A.UXTAB, A.UXTH, A.UXTAH]);

/** More A32 rows inlined (emitted under the caller's condition test); false: the helper. Each
 *  mirrors its handler in assembly/isa (operand order, write-back order, R15 reads as pc + 8). */
function a32More(b: Block, k: number, off: number, op: number, raw: number): boolean {
  const c = b.c;
  const rd = (raw >>> 12) & 15, rn = (raw >>> 16) & 15, rm = raw & 15;
  if (A32_NOPS.has(op)) return true;
  if (op === A.MRC) return threadIdRead(b, raw);
  if (op === A.BX || op === A.BLX_reg) { // A8.8.27 BX, A8.8.26 BLX (register): to ARM code inline
    if (rm === 15) return false;
    b.reg(rm, off); c.set(L_V);
    c.get(L_V).i32(1).op(Op.i32And).op(Op.i32Eqz);
    b.open();
    if (op === A.BLX_reg) b.setReg(14, () => c.get(L_PC).i32(off + 4).op(Op.i32Add));
    b.branchTo(k, off + 4, () => c.get(L_V).i32(-4).op(Op.i32And)); // BXWritePC clears bit 1 too
    c.op(Op.else);
    b.helper(k, off, 4, b.curW, raw); // to Thumb: the helper switches the instruction set
    b.close();
    return true;
  }
  if (op === A.HINT) return (raw & 0xff) !== 3; // WFI: the helper
  if (op === A.CLZ) { // A8.8.33
    if (rd === 15) return false;
    b.setReg(rd, () => { b.reg(rm, off); c.op(Op.i32Clz); });
    return true;
  }
  if (op === A.REV) { // A8.8.145: byte-reverse
    if (rd === 15) return false;
    b.reg(rm, off); c.set(L_A);
    b.setReg(rd, () => {
      c.get(L_A).i32(8).op(Op.i32Rotr).i32(0xff00ff00 | 0).op(Op.i32And);   // bytes 3 and 1 of the result
      c.get(L_A).i32(24).op(Op.i32Rotr).i32(0x00ff00ff).op(Op.i32And).op(Op.i32Or); // bytes 2 and 0
    });
    return true;
  }
  if (A32_EXTEND.has(op)) { // A8.8.240-A8.8.245, A8.8.254-A8.8.259: rotate, extend, add Rn (not 15)
    if (rd === 15) return false;
    const rot = (raw >>> 7) & 0x18, half = ((raw >>> 20) & 3) === 3, uns = ((raw >>> 22) & 1) === 1;
    b.setReg(rd, () => {
      b.reg(rm, off);
      if (rot) c.i32(rot).op(Op.i32Rotr);
      if (uns) c.i32(half ? 0xffff : 0xff).op(Op.i32And);
      else { const sh = half ? 16 : 24; c.i32(sh).op(Op.i32Shl).i32(sh).op(Op.i32ShrS); }
      if (rn !== 15) { b.reg(rn, off); c.op(Op.i32Add); }
    });
    return true;
  }
  if (op === A.UBFX || op === A.SBFX) { // A8.8.246 / A8.8.164
    const lsb = (raw >>> 7) & 31, w = ((raw >>> 16) & 31) + 1;
    if (lsb + w > 32 || rd === 15) return false; // UNDEFINED here: the helper takes it
    b.setReg(rd, () => {
      b.reg(rm, off);
      if (32 - lsb - w) c.i32(32 - lsb - w).op(Op.i32Shl);
      if (w < 32) c.i32(32 - w).op(op === A.SBFX ? Op.i32ShrS : Op.i32ShrU);
    });
    return true;
  }
  if (op === A.UMULL || op === A.SMULL) { // A8.8.257 / A8.8.189 without S: RdHi:RdLo = Rn * Rm (64-bit)
    const lo = (raw >>> 12) & 15, hi = (raw >>> 16) & 15, rs = (raw >>> 8) & 15;
    if ((raw >>> 20) & 1 || lo === 15 || hi === 15 || rs === 15 || rm === 15 || lo === hi) return false;
    const ext = op === A.UMULL ? Op.i64ExtendI32u : Op.i64ExtendI32s;
    b.reg(rm, off); c.op(ext); b.reg(rs, off); c.op(ext).op(Op.i64Mul).set(L_W);
    b.setReg(lo, () => c.get(L_W).op(Op.i32WrapI64));
    b.setReg(hi, () => c.get(L_W).i64s(32).op(Op.i64ShrU).op(Op.i32WrapI64));
    return true;
  }
  if (op === A.MOV_rr) { // A8.8.106 MOV (register-shifted register) without S: Shift(Rm, type, Rs<7:0>)
    const rs = (raw >>> 8) & 15;
    if ((raw >>> 20) & 1 || rd === 15 || rm === 15 || rs === 15) return false;
    b.reg(rs, off); c.i32(0xff).op(Op.i32And).set(L_A);
    b.setReg(rd, () => {
      const type = (raw >>> 5) & 3;
      if (type === 3) { b.reg(rm, off); c.get(L_A).op(Op.i32Rotr); return; }           // ROR: by amount mod 32
      if (type === 2) { b.reg(rm, off); c.get(L_A).i32(31).get(L_A).i32(31).op(Op.i32LtU).op(Op.select).op(Op.i32ShrS); return; } // ASR: 32+ fills with the sign
      b.reg(rm, off); c.get(L_A).op(type === 0 ? Op.i32Shl : Op.i32ShrU);                // LSL, LSR: 32+ gives 0
      c.i32(0).get(L_A).i32(32).op(Op.i32LtU).op(Op.select);
    });
    return true;
  }
  if (op === A.LDRD || op === A.STRD) { // A8.8.72 / A8.8.210: two words, word-aligned, Rt even
    const t = rd, p = (raw >>> 24) & 1, u = (raw >>> 23) & 1, wb = p === 0 || ((raw >>> 21) & 1) === 1;
    if ((t & 1) || t === 14 || (wb && (rn === 15 || rn === t || rn === t + 1))) return false; // UNDEFINED / UNPREDICTABLE: the helper
    if ((raw >>> 22) & 1) c.i32(((raw >>> 4) & 0xf0) | (raw & 0xf)).set(L_B); else { b.reg(rm, off); c.set(L_B); }
    b.reg(rn, off); c.set(L_A);
    c.get(L_A).get(L_B).op(u ? Op.i32Add : Op.i32Sub).set(L_B);
    if (p) c.get(L_B).set(L_A);
    // (Rn is neither Rt nor Rt2 when written back: the order of the write-back does not matter)
    wordsTransfer(b, k, off, 4, b.curW, raw, op === A.LDRD, [t, t + 1], wb ? () => b.setReg(rn, () => c.get(L_B)) : undefined);
    return true;
  }
  const ls = A32_LDST_R.get(op);
  if (ls) {
    const p = (raw >>> 24) & 1, u = (raw >>> 23) & 1, wb = p === 0 || ((raw >>> 21) & 1) === 1;
    if (rd === 15 || (wb && rn === 15)) return false; // a PC load interworks; PC write-back is UNPREDICTABLE
    // offset into L_B: Shift(Rm, type, imm5) (RRX reads C), imm4H:imm4L, or Rm
    if (!ls.extra) shiftImm(b, rm, off, (raw >>> 5) & 3, (raw >>> 7) & 31, false);
    else if ((raw >>> 22) & 1) c.i32(((raw >>> 4) & 0xf0) | (raw & 0xf)).set(L_B);
    else { b.reg(rm, off); c.set(L_B); }
    b.reg(rn, off); c.set(L_A);
    c.get(L_A).get(L_B).op(u ? Op.i32Add : Op.i32Sub).set(L_B);
    if (p) c.get(L_B).set(L_A);
    transfer(b, k, off, 4, ls.load, ls.size, ls.signed, rd, wb ? rn : -1);
    return true;
  }
  return false;
}

/** Translate the A32 block at pc in decode slot `slot`; null when its first row cannot start one. */
export function translateA32(v: CoreView, slot: number, pc: number): Translation | null {
  if (pc & 3) return null;
  const list = collectA32(v, slot, pc);
  if (list.length === 0) return null;
  const first = emitA32(v, slot, pc, list);
  const live = flagLiveness(first);
  return finish(live ? emitA32(v, slot, pc, list, live) : first, list.length);
}
function emitA32(v: CoreView, slot: number, pc: number, list: Insn[], liveOut?: number[]): Block {
  const b = new Block(v, false, list, loopTargets(list, a32Target), v.slotIndex(slot), pc & 0xfff, liveOut);
  const c = b.c;
  for (let k = 0; k < list.length; k++) {
    const { off, w, raw } = list[k];
    b.label(k);
    const op = w & E_OP;
    const cc = (w & E_COND) ? (w >>> 16) & 15 : 14;
    b.at(k, cc !== 14);
    const rd = (raw >>> 12) & 15, rn = (raw >>> 16) & 15;
    let done = false;
    const guard = (): void => b.ifCond(cc);
    const unguard = (): void => b.endCond(cc);
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
        transfer(b, k, off, 4, load, byte ? 1 : 4, false, rd, wb ? rn : -1);
        unguard();
        done = true;
      }
    } else if ((op === A.MUL || op === A.MLA || op === A.MLS) && ((raw >>> 16) & 15) !== 15 && (raw & 15) !== 15 && ((raw >>> 8) & 15) !== 15
      && (op === A.MUL || ((raw >>> 12) & 15) !== 15)) {
      // MUL / MLA / MLS (A8.8.114, A8.8.100, A8.8.101): Rd = Rn * Rm (+ Ra), Ra - Rn * Rm; MUL and
      // MLA with S set N and Z (C, V unchanged); MLS has no S
      const d = (raw >>> 16) & 15;
      guard();
      if (op === A.MLS) b.reg((raw >>> 12) & 15, off);
      b.reg(raw & 15, off); b.reg((raw >>> 8) & 15, off); c.op(Op.i32Mul);
      if (op === A.MLA) { b.reg((raw >>> 12) & 15, off); c.op(Op.i32Add); }
      if (op === A.MLS) c.op(Op.i32Sub);
      c.set(L_R);
      b.setReg(d, () => c.get(L_R));
      if ((raw >>> 20) & 1) b.setNZ();
      unguard();
      done = true;
    } else if ((op === A.LDM || op === A.STM) && (raw & 0xffff) !== 0 && rn !== 15 && !(op === A.STM && (raw & 0x8000))
      && !(((raw >>> 21) & 1) && (raw & (1 << rn)))) {
      // (STM of the PC stores an IMPLEMENTATION DEFINED value, Rn in a written-back list is UNPREDICTABLE: the helper)
      guard();
      blockTransfer(b, k, off, 4, w, raw, op === A.LDM, rn, raw & 0xffff, ((raw >>> 24) & 1) === 1, ((raw >>> 23) & 1) === 1, ((raw >>> 21) & 1) === 1);
      unguard();
      done = true;
    } else if (op === A.B || op === A.BL) {
      const imm24 = raw & 0xffffff;
      const rel = ((imm24 << 8) >> 6) + 8; // SignExtend(imm24:'00') + PC (A8.8.18)
      guard();
      if (op === A.BL) b.setReg(14, () => c.get(L_PC).i32(off + 4).op(Op.i32Add));
      b.branch(k, off + rel);
      unguard();
      done = true;
    }
    if (!done) {
      // rows without a condition field of their own (hints, barriers) ignore cc; the rest test it
      const probe = new Code();
      const saved = b.c; b.c = probe;
      b.curW = w;
      const ok = b.probe(cc !== 14, () => a32More(b, k, off, op, raw));
      b.c = saved;
      if (ok) { guard(); c.b.push(...probe.b); unguard(); } else b.helper(k, off, 4, w, raw);
    }
  }
  // fall through: the block's instructions all retired
  b.closeAll();
  const last = list[list.length - 1];
  b.icStore(list.length - 1);
  b.chain(list.length - 1, last.off + last.size);
  return b;
}

/** Backward liveness of the flags over a block's first pass (Block.rec): after instruction k, a
 *  flag is live when an instruction after it reads it, or a barrier (an exit, a call out, a loop's
 *  back edge, the block's end) comes, before an instruction that writes it unconditionally. */
function flagLiveness(b: Block): number[] | undefined {
  const { reads, writes, barrier, cond } = b.rec;
  const out: number[] = [];
  let live = 15, dead = false;
  for (let k = b.n - 1; k >= 0; k--) {
    if (barrier[k]) { out[k] = 15; live = 15; continue; }
    out[k] = live;
    if ((writes[k] & ~live) !== 0) dead = true;
    live = reads[k] | (cond[k] ? live : live & ~writes[k]);
  }
  // No flag written dead: the second pass would emit what the first did (undefined: keep it).
  return dead ? out : undefined;
}

// Thumb data processing that the translator inlines: opc as in dataProc (AND=0 ... MVN=15). The
// operands are set up by the caller (L_A = Rn, L_B = operand 2, L_C = shifter carry when needed).
const T16_DP_REG: Record<number, number> = { 0: 0, 1: 1, 5: 5, 6: 6, 8: 8, 10: 10, 11: 11, 12: 12, 14: 14, 15: 15 };

/** The 16-bit rows inlined outside IT blocks (where the flag-setting forms set flags, A8.8.x
 *  "setflags = !InITBlock()"). Returns false when the row goes through the helper. */
function thumb16(b: Block, k: number, off: number, op: number, raw: number, sf: boolean): boolean {
  const c = b.c;
  const lo = (sh: number): number => (raw >>> sh) & 7;
  const S = (opc: number): boolean => sf || (opc >= 8 && opc <= 11); // compares always set flags
  switch (op) {
    case T16.ADD_rrr: case T16.SUB_rrr: case T16.ADD_rri: case T16.SUB_rri: {
      b.reg(lo(3), off); c.set(L_A);
      if (op === T16.ADD_rrr || op === T16.SUB_rrr) { b.reg(lo(6), off); c.set(L_B); } else c.i32(lo(6)).set(L_B);
      dataProc(b, op === T16.ADD_rrr || op === T16.ADD_rri ? 4 : 2, sf, lo(0), false);
      return true;
    }
    case T16.LSL_i: case T16.LSR_i: case T16.ASR_i: {
      shiftImm(b, lo(3), off, op === T16.LSL_i ? 0 : op === T16.LSR_i ? 1 : 2, (raw >>> 6) & 31, true);
      dataProc(b, 13, sf, lo(0), sf);
      return true;
    }
    case T16.MOV_i: case T16.CMP_i: case T16.ADD_i8: case T16.SUB_i8: {
      const d = lo(8);
      if (op !== T16.MOV_i) { b.reg(d, off); c.set(L_A); }
      c.i32(raw & 0xff).set(L_B);
      const opc = op === T16.MOV_i ? 13 : op === T16.CMP_i ? 10 : op === T16.ADD_i8 ? 4 : 2;
      dataProc(b, opc, S(opc), d, false);
      return true;
    }
    case T16.AND_r: case T16.EOR_r: case T16.ADC_r: case T16.SBC_r: case T16.TST_r: case T16.CMP_r:
    case T16.CMN_r: case T16.ORR_r: case T16.BIC_r: case T16.MVN_r: {
      const opc = T16_DP_REG[(raw >>> 6) & 15];
      const d = lo(0);
      b.reg(d, off); c.set(L_A);
      b.reg(lo(3), off); c.set(L_B);
      // logical forms keep C (no shift): the "shifter carry" is the C flag itself
      dataProc(b, opc, S(opc), d, false);
      return true;
    }
    case T16.RSB_r: { // NEGS Rd, Rn: 0 - Rn
      c.i32(0).set(L_A); b.reg(lo(3), off); c.set(L_B);
      dataProc(b, 2, sf, lo(0), false);
      return true;
    }
    case T16.MUL_r: { // MULS Rdm, Rn, Rdm: N, Z (C, V unchanged)
      const d = lo(0);
      b.reg(lo(3), off); b.reg(d, off); c.op(Op.i32Mul).set(L_R);
      b.setReg(d, () => c.get(L_R));
      if (sf) b.setNZ();
      return true;
    }
    case T16.ADD_hi: case T16.MOV_hi: case T16.CMP_hi: {
      const d = ((raw >>> 4) & 8) | lo(0), m = (raw >>> 3) & 15;
      if (op === T16.CMP_hi) { b.reg(d, off); c.set(L_A); b.reg(m, off); c.set(L_B); dataProc(b, 10, true, d, false); return true; }
      if (d === 15) {
        // A8.8.6 T2 / A8.8.103 T1 with Rd = PC: ALUWritePC, which in Thumb state is BranchWritePC
        // (A2.3.1): to address<31:1>:'0', staying in Thumb state. Inside an IT block only as its last
        // instruction (UNPREDICTABLE otherwise: the helper); ADD PC, PC is UNPREDICTABLE too.
        if (!lastOrOutsideIT(b) || (op === T16.ADD_hi && m === 15)) return false;
        if (!sf) setItState(b, 0); // leaving: ITSTATE after the last instruction of the IT block
        b.branchTo(k, off + 2, () => {
          b.reg(m, off);
          if (op === T16.ADD_hi) { b.reg(15, off); c.op(Op.i32Add); }
          c.i32(-2).op(Op.i32And);
        });
        return true;
      }
      if (op === T16.MOV_hi) b.setReg(d, () => b.reg(m, off));
      else b.setReg(d, () => { b.reg(d, off); b.reg(m, off); c.op(Op.i32Add); });
      return true;
    }
    case T16.ADR: b.setReg(lo(8), () => c.get(L_PC).i32(litOff(b, off) + ((raw & 0xff) << 2)).op(Op.i32Add)); return true;
    case T16.ADD_sp_i8: b.setReg(lo(8), () => { b.reg(13, off); c.i32((raw & 0xff) << 2).op(Op.i32Add); }); return true;
    case T16.ADD_sp_i7: case T16.SUB_sp_i7:
      b.setReg(13, () => { b.reg(13, off); c.i32((raw & 0x7f) << 2).op(op === T16.ADD_sp_i7 ? Op.i32Add : Op.i32Sub); });
      return true;
    case T16.BX: case T16.BLX_r: { // A8.8.27, A8.8.26: to Thumb code inline (outside IT blocks)
      const m = (raw >>> 3) & 15;
      if (m === 15 || !lastOrOutsideIT(b)) return false; // (inside an IT block only as its last instruction)
      b.reg(m, off); c.set(L_V);
      c.get(L_V).i32(1).op(Op.i32And);
      b.open();
      if (!sf) setItState(b, 0); // (to ARM, the helper below sees the IT block's own ITSTATE)
      if (op === T16.BLX_r) b.setReg(14, () => c.get(L_PC).i32(off + 2 + 1).op(Op.i32Add));
      b.branchTo(k, off + 2, () => c.get(L_V).i32(-2).op(Op.i32And));
      c.op(Op.else);
      b.helper(k, off, 2, b.curW, raw); // to ARM: the helper switches the instruction set
      b.close();
      return true;
    }
    case T16.HINT: return ((raw >>> 4) & 15) <= 1 && (raw & 15) === 0; // NOP, YIELD: nothing (WFI, WFE, SEV: the helper)
    case T16.PUSH: // STMDB SP!, {list, LR if M}
      blockTransfer(b, k, off, 2, b.curW, raw, false, 13, (raw & 0xff) | ((raw & 0x100) << 6), true, false, true);
      return (raw & 0x1ff) !== 0;
    case T16.POP: // LDMIA SP!, {list, PC if P}: a PC that interworks through the helper
      if ((raw & 0x1ff) === 0 || ((raw & 0x100) && !sf)) return false; // (POP {PC} inside an IT block: the helper)
      blockTransfer(b, k, off, 2, b.curW, raw, true, 13, (raw & 0xff) | ((raw & 0x100) << 7), false, true, true);
      return true;
    case T16.EXTEND: {
      const t = (raw >>> 6) & 3; // SXTH, SXTB, UXTH, UXTB
      b.setReg(lo(0), () => {
        b.reg(lo(3), off);
        if (t === 2) c.i32(0xffff).op(Op.i32And);
        else if (t === 3) c.i32(0xff).op(Op.i32And);
        else { const sh = t === 0 ? 16 : 24; c.i32(sh).op(Op.i32Shl).i32(sh).op(Op.i32ShrS); }
      });
      return true;
    }
  }
  // Loads and stores: immediate, SP-relative, literal and register offsets.
  let size = 0, load = false, signed = false;
  let addr: (() => void) | undefined;
  let t = lo(0);
  const imm5 = (raw >>> 6) & 31;
  switch (op) {
    case T16.STR_i: case T16.LDR_i: size = 4; load = op === T16.LDR_i; addr = () => { b.reg(lo(3), off); c.i32(imm5 << 2).op(Op.i32Add); }; break;
    case T16.STRB_i: case T16.LDRB_i: size = 1; load = op === T16.LDRB_i; addr = () => { b.reg(lo(3), off); c.i32(imm5).op(Op.i32Add); }; break;
    case T16.STRH_i: case T16.LDRH_i: size = 2; load = op === T16.LDRH_i; addr = () => { b.reg(lo(3), off); c.i32(imm5 << 1).op(Op.i32Add); }; break;
    case T16.STR_sp: case T16.LDR_sp: size = 4; load = op === T16.LDR_sp; t = lo(8); addr = () => { b.reg(13, off); c.i32((raw & 0xff) << 2).op(Op.i32Add); }; break;
    case T16.LDR_lit: size = 4; load = true; t = lo(8); addr = () => { c.get(L_PC).i32(litOff(b, off) + ((raw & 0xff) << 2)).op(Op.i32Add); }; break;
    case T16.STR_r: case T16.STRH_r: case T16.STRB_r: case T16.LDRSB_r: case T16.LDR_r: case T16.LDRH_r: case T16.LDRB_r: case T16.LDRSH_r: {
      const ob = (raw >>> 9) & 7; // STR STRH STRB LDRSB LDR LDRH LDRB LDRSH
      size = [4, 2, 1, 1, 4, 2, 1, 2][ob]; load = ob >= 3; signed = ob === 3 || ob === 7;
      addr = () => { b.reg(lo(3), off); b.reg(lo(6), off); c.op(Op.i32Add); };
      break;
    }
    default: return false;
  }
  addr(); c.set(L_A);
  transfer(b, k, off, 2, load, size, signed, t, -1);
  return true;
}
// Align(PC, 4) - pc for the instruction at pc + off (PC = its address + 4): the block's pc varies
// with the virtual address it runs at, but its low 12 bits are the physical offset it is keyed by.
function litOff(b: Block, off: number): number { return ((b.pcAlign + off + 4) & ~3) - b.pcAlign; }

/** The 32-bit rows inlined (A6.3): data processing with a modified immediate or a shifted
 *  register, ADDW/SUBW, MOVW/MOVT. Flags follow the S bit (not ITSTATE). False: the helper. */
function thumb32(b: Block, k: number, off: number, op: number, raw: number, outsideIT: boolean): boolean {
  const c = b.c;
  const rn = (raw >>> 16) & 15, rd = (raw >>> 8) & 15, sbit = ((raw >>> 20) & 1) === 1;
  if (T32_DP_R.has(op) || T32_DP_I.has(op)) {
    const opc = (T32_DP_R.get(op) ?? T32_DP_I.get(op))!;
    const cmp = opc >= 8 && opc <= 11;
    const noRn = opc === 13 || opc === 15;
    if ((!cmp && rd === 15) || (!noRn && rn === 15) || (T32_DP_R.has(op) && (raw & 15) === 15)) return false;
    const logical = !(opc >= 2 && opc <= 7) && opc !== 10 && opc !== 11;
    const s = sbit || cmp;
    if (!noRn) { b.reg(rn, off); c.set(L_A); }
    let shCarry = false;
    if (T32_DP_R.has(op)) {
      const amt = (((raw >>> 12) & 7) << 2) | ((raw >>> 6) & 3);
      shiftImm(b, raw & 15, off, (raw >>> 4) & 3, amt, s && logical);
      shCarry = s && logical;
    } else {
      // ThumbExpandImm_C (A6.3.2)
      const imm12 = (((raw >>> 26) & 1) << 11) | (((raw >>> 12) & 7) << 8) | (raw & 0xff);
      let val: number, rotated = false;
      if ((imm12 >>> 10) === 0) {
        const i8 = imm12 & 0xff;
        switch ((imm12 >>> 8) & 3) {
          case 0: val = i8; break;
          case 1: if (!i8) return false; val = (i8 << 16) | i8; break;
          case 2: if (!i8) return false; val = (i8 << 24) | (i8 << 8); break;
          default: if (!i8) return false; val = (i8 << 24) | (i8 << 16) | (i8 << 8) | i8;
        }
      } else {
        const rot = imm12 >>> 7, un = 0x80 | (imm12 & 0x7f);
        val = (un >>> rot) | (un << (32 - rot)); rotated = true;
      }
      c.i32(val | 0).set(L_B);
      if (s && logical && rotated) { c.i32((val >>> 31) & 1).set(L_C); shCarry = true; }
    }
    dataProc(b, opc, s, rd, shCarry);
    return true;
  }
  if (T32_LDST.has(op)) return thumb32LoadStore(b, k, off, op, raw);
  if (op === T32.MRC) return threadIdRead(b, raw);
  if ((op === T32.LDM || op === T32.STMDB) && rn !== 15) {
    // A8.8.58 LDM T2 / A8.8.201 STMDB T1 (PUSH.W, POP.W): at least two registers, never SP; STMDB
    // never the PC; LDM's PC and LR not both, and its PC only outside an IT block (else the last of
    // it: the helper); Rn in a written-back list is UNPREDICTABLE: all through the helper.
    const list = raw & 0xffff, load = op === T32.LDM, wback = ((raw >>> 21) & 1) === 1;
    let n = 0; for (let r = 0; r < 16; r++) if (list & (1 << r)) n++;
    if (n < 2 || (list & 0x2000) || (!load && (list & 0x8000)) || (load && (list & 0xc000) === 0xc000)) return false;
    if ((load && (list & 0x8000) && !outsideIT) || (wback && (list & (1 << rn)))) return false;
    blockTransfer(b, k, off, 4, b.curW, raw, load, rn, list, !load, load, wback);
    return true;
  }
  if (op === T32.UBFX || op === T32.SBFX) { // A8.8.246 / A8.8.164 T1: lsb = imm3:imm2, width = widthm1 + 1
    const lsb = (((raw >>> 12) & 7) << 2) | ((raw >>> 6) & 3), w = (raw & 31) + 1, rm = rn;
    if (lsb + w > 32 || rd >= 13 || rm >= 13) return false; // UNPREDICTABLE: the helper
    b.setReg(rd, () => {
      b.reg(rm, off);
      if (32 - lsb - w) c.i32(32 - lsb - w).op(Op.i32Shl);
      if (w < 32) c.i32(32 - w).op(op === T32.SBFX ? Op.i32ShrS : Op.i32ShrU);
    });
    return true;
  }
  if (op === T32.MISC && ((raw >>> 16) & 15) === (raw & 15)) {
    // A8.8.33 CLZ T1 (op1 3, op2 0) and A8.8.145 REV T2 (op1 1, op2 0); Rm is encoded twice
    const op1 = (raw >>> 20) & 3, op2 = (raw >>> 4) & 3, rm = raw & 15;
    if (op2 !== 0 || (op1 !== 3 && op1 !== 1) || rd >= 13 || rm >= 13) return false;
    if (op1 === 3) { b.setReg(rd, () => { b.reg(rm, off); c.op(Op.i32Clz); }); return true; }
    b.reg(rm, off); c.set(L_A);
    b.setReg(rd, () => {
      c.get(L_A).i32(8).op(Op.i32Rotr).i32(0xff00ff00 | 0).op(Op.i32And);
      c.get(L_A).i32(24).op(Op.i32Rotr).i32(0x00ff00ff).op(Op.i32And).op(Op.i32Or);
    });
    return true;
  }
  if (op === T32.MULL && ((raw >>> 4) & 15) === 0 && (((raw >>> 20) & 7) === 0 || ((raw >>> 20) & 7) === 2)) {
    // A8.8.189 SMULL T1 (op1 0) / A8.8.257 UMULL T1 (op1 2): RdHi:RdLo = Rn * Rm
    const lo = (raw >>> 12) & 15, hi = (raw >>> 8) & 15, rm = raw & 15;
    if (lo >= 13 || hi >= 13 || rn >= 13 || rm >= 13 || lo === hi) return false;
    const ext = ((raw >>> 20) & 7) === 2 ? Op.i64ExtendI32u : Op.i64ExtendI32s;
    b.reg(rn, off); c.op(ext); b.reg(rm, off); c.op(ext).op(Op.i64Mul).set(L_W);
    b.setReg(lo, () => c.get(L_W).op(Op.i32WrapI64));
    b.setReg(hi, () => c.get(L_W).i64s(32).op(Op.i64ShrU).op(Op.i32WrapI64));
    return true;
  }
  if (op === T32.MUL && ((raw >>> 20) & 7) === 0 && ((raw >>> 4) & 3) === 1) {
    // A8.8.101 MLS T1: Rd = Ra - Rn * Rm
    const ra = (raw >>> 12) & 15, rm = raw & 15;
    if (rd >= 13 || rn >= 13 || rm >= 13 || ra >= 13) return false;
    b.setReg(rd, () => { b.reg(ra, off); b.reg(rn, off); b.reg(rm, off); c.op(Op.i32Mul).op(Op.i32Sub); });
    return true;
  }
  if (op === T32.MUL && ((raw >>> 20) & 7) === 0 && ((raw >>> 4) & 3) === 0) {
    // MUL / MLA (A8.8.114, A8.8.100 T1): Rd = Rn * Rm (+ Ra); no flags
    const ra = (raw >>> 12) & 15, rm = raw & 15;
    if (rd >= 13 || rn >= 13 || rm >= 13 || (ra === 13)) return false;
    b.setReg(rd, () => { b.reg(rn, off); b.reg(rm, off); c.op(Op.i32Mul); if (ra !== 15) { b.reg(ra, off); c.op(Op.i32Add); } });
    return true;
  }
  if (rd === 15 || rd === 13 && (op === T32.MOVW || op === T32.MOVT)) return false;
  if (op === T32.ADDW || op === T32.SUBW) {
    if (rn === 15 || rd === 13 && rn !== 13) return false; // ADR forms, SP rules: the helper
    const imm = (((raw >>> 26) & 1) << 11) | (((raw >>> 12) & 7) << 8) | (raw & 0xff);
    b.setReg(rd, () => { b.reg(rn, off); c.i32(imm).op(op === T32.ADDW ? Op.i32Add : Op.i32Sub); });
    return true;
  }
  if (op === T32.MOVW || op === T32.MOVT) {
    const imm = (((raw >>> 16) & 15) << 12) | (((raw >>> 26) & 1) << 11) | (((raw >>> 12) & 7) << 8) | (raw & 0xff);
    if (op === T32.MOVW) b.setReg(rd, () => c.i32(imm));
    else b.setReg(rd, () => { b.reg(rd, off); c.i32(0xffff).op(Op.i32And).i32(imm << 16).op(Op.i32Or); });
    return true;
  }
  return false;
}

// T32 single loads and stores (A6.3.7-A6.3.10): size in bytes, load, sign-extend.
const T32_LDST = new Map<number, { size: number; load: boolean; signed: boolean }>([
  [T32.STRB, { size: 1, load: false, signed: false }], [T32.STRH, { size: 2, load: false, signed: false }],
  [T32.STR, { size: 4, load: false, signed: false }], [T32.LDRB, { size: 1, load: true, signed: false }],
  [T32.LDRSB, { size: 1, load: true, signed: true }], [T32.LDRH, { size: 2, load: true, signed: false }],
  [T32.LDRSH, { size: 2, load: true, signed: true }], [T32.LDR, { size: 4, load: true, signed: false }],
]);

/** LDR/STR{B,H,SB,SH} (T32): imm12, imm8 with P/U/W, register (LSL #0-3) and literal forms.
 *  Rt = PC (a PC write or a hint), the unprivileged T forms and UNPREDICTABLE write-backs go
 *  through the helper. */
function thumb32LoadStore(b: Block, k: number, off: number, op: number, raw: number): boolean {
  const c = b.c;
  const { size, load, signed } = T32_LDST.get(op)!;
  const rn = (raw >>> 16) & 15, rt = (raw >>> 12) & 15;
  if (rt === 15) return false;
  let wback = false, pre = true, add = true, imm = 0, rm = -1, shift = 0;
  if (rn === 15) { // literal: Align(PC, 4) +/- imm12
    if (!load) return false;
    add = ((raw >>> 23) & 1) === 1; imm = raw & 0xfff;
    c.get(L_PC).i32(litOff(b, off) + (add ? imm : -imm)).op(Op.i32Add).set(L_A);
  } else {
    if ((raw >>> 23) & 1) imm = raw & 0xfff;                       // imm12, positive, no write-back
    else if ((raw >>> 11) & 1) {                                   // imm8 with P, U, W
      pre = ((raw >>> 10) & 1) === 1; add = ((raw >>> 9) & 1) === 1; wback = ((raw >>> 8) & 1) === 1;
      if (pre && add && !wback) return false;                      // LDRT/STRT...: unprivileged
      if (!pre && !wback) return false;                            // UNDEFINED
      imm = raw & 0xff;
    } else if (((raw >>> 6) & 0x3f) === 0) { rm = raw & 15; shift = (raw >>> 4) & 3; if (rm >= 13) return false; }
    else return false;
    if (wback && (rn === rt)) return false;
    b.reg(rn, off); c.set(L_A);
    if (rm >= 0) { c.get(L_A); b.reg(rm, off); if (shift) c.i32(shift).op(Op.i32Shl); c.op(Op.i32Add).set(L_B); }
    else c.get(L_A).i32(imm).op(add ? Op.i32Add : Op.i32Sub).set(L_B);
    if (pre) c.get(L_B).set(L_A);
  }
  transfer(b, k, off, 4, load, size, signed, rt, wback ? rn : -1);
  return true;
}

/** Store ITSTATE (A2.5.2: IT[7:2] in CPSR 15:10, IT[1:0] in CPSR 26:25) as a constant. */
function setItState(b: Block, it: number): void {
  const c = b.c, a = b.v.state + b.v.offRest;
  c.i32(0).i32(0).load(Op.i32Load, 2, a).i32(~0x0600fc00).op(Op.i32And).i32(((it & 0xfc) << 8) | ((it & 3) << 25)).op(Op.i32Or).store(Op.i32Store, 2, a);
}
/** Outside an IT block, or its last instruction (ITSTATE<3:0> = '1000', A2.5.2 LastInITBlock()). */
const lastOrOutsideIT = (b: Block): boolean => b.itNow === 0 || (b.itNow & 15) === 8;
/** ITAdvance() (A2.5.2) on a constant ITSTATE. */
const itAdvance = (it: number): number => (it & 7) === 0 ? 0 : (it & 0xe0) | ((it << 1) & 0x1f);

/** The Thumb block at pc (as collectA32), with what the translator knows of ITSTATE: the block
 *  starts outside an IT block (the core enters it only then), so every IT block inside it is
 *  known statically: `it[k]` is ITSTATE while instruction k runs (0 outside IT blocks). An IT
 *  instruction inside an IT block (UNPREDICTABLE) ends the block before it. */
function collectThumb(v: CoreView, slot: number, pc: number): { list: Insn[]; it: number[] } {
  const list: Insn[] = [], its: number[] = [];
  let it = 0;
  for (let off = 0; list.length < MAX_INSNS;) {
    if (off > 0 && ((pc + off) & 0xfff) === 0) break;
    const w = v.decode(slot, pc + off, 1) >>> 0;
    if (w === 0) break;
    const raw = v.mem().getUint32(slot + (((pc + off) & 0xffe) << 2) + 4, true);
    const wide = (w & E_WIDE) !== 0, size = wide ? 4 : 2, op = w & E_OP;
    const isIT = !wide && op === T16.IT;
    if (isIT && it !== 0) break;
    list.push({ off, w, raw, size, op, wide });
    its.push(it);
    off += size;
    if (it === 0 && inlineBranch(wide, op)) {
      // B (T2, T4) and BL leave always; B<c>, CBZ, CBNZ when taken
      if (wide ? op !== T32.B_cond : op === T16.B) break;
    } else if (thumbEndsBlock(wide, op, raw)) break;
    it = isIT ? raw & 0xff : itAdvance(it);
  }
  return { list, it: its };
}
function inlineBranch(wide: boolean, op: number): boolean {
  return wide ? op === T32.B || op === T32.BL || op === T32.B_cond : op === T16.B || op === T16.B_cond || op === T16.CBZ || op === T16.CBNZ;
}
/** Target offset of an inlined Thumb branch (A8.8.18 T1-T4, A8.8.25 BL T1, A8.8.29 CBZ). */
function thumbTarget(x: Insn): number {
  const raw = x.raw;
  if (!x.wide) {
    if (x.op === T16.CBZ || x.op === T16.CBNZ) return x.off + 4 + ((((raw >>> 9) & 1) << 6) | (((raw >>> 3) & 31) << 1));
    return x.off + 4 + ((raw & 0xf000) === 0xd000 ? ((raw & 0xff) << 24) >> 23 : ((raw & 0x7ff) << 21) >> 20);
  }
  const h1 = raw >>> 16, h2 = raw & 0xffff;
  const S = (h1 >>> 10) & 1, J1 = (h2 >>> 13) & 1, J2 = (h2 >>> 11) & 1;
  if (x.op === T32.B_cond) return x.off + 4 + ((((S << 20) | (J2 << 19) | (J1 << 18) | ((h1 & 0x3f) << 12) | ((h2 & 0x7ff) << 1)) << 11) >> 11);
  const I1 = 1 - (J1 ^ S), I2 = 1 - (J2 ^ S);
  return x.off + 4 + ((((S << 24) | (I1 << 23) | (I2 << 22) | ((h1 & 0x3ff) << 12) | ((h2 & 0x7ff) << 1)) << 7) >> 7);
}

/** Translate the Thumb block at pc. Inlined: B/B<c>/CBZ/CBNZ/BL outside IT blocks, IT itself, the
 *  common 16-bit rows (inside an IT block with its condition and without setting flags, as
 *  "setflags = !InITBlock()" says), T32 data processing and MOVW/MOVT/ADDW/SUBW; ITSTATE in the
 *  CPSR is kept exact after each instruction of an IT block, so a helper or a fault inside one
 *  sees what the interpreter would. Everything else goes through the interpreter's step. */
export function translateThumb(v: CoreView, slot: number, pc: number): Translation | null {
  const { list, it } = collectThumb(v, slot, pc);
  if (list.length === 0) return null;
  const first = emitThumb(v, slot, pc, list, it);
  const live = flagLiveness(first);
  return finish(live ? emitThumb(v, slot, pc, list, it, live) : first, list.length);
}
function emitThumb(v: CoreView, slot: number, pc: number, list: Insn[], it: number[], liveOut?: number[]): Block {
  const branchAt = (x: Insn, k: number): boolean => it[k] === 0 && inlineBranch(x.wide, x.op);
  const b = new Block(v, true, list, loopTargets(list, (x) => branchAt(x, list.indexOf(x)) ? thumbTarget(x) : undefined),
    v.slotIndex(slot), pc & 0xfff, liveOut);
  b.pcAlign = pc & 2;
  const c = b.c;
  for (let k = 0; k < list.length; k++) {
    const x = list[k];
    const { off, w, raw, op, wide, size } = x;
    b.label(k);
    b.at(k, it[k] !== 0 && (it[k] >>> 4) !== 14);
    if (branchAt(x, k)) {
      if (!wide && (op === T16.CBZ || op === T16.CBNZ)) {
        b.reg(raw & 7, off); if (op === T16.CBNZ) c.op(Op.i32Eqz); c.op(Op.i32Eqz); // taken?
        b.open(); b.branch(k, thumbTarget(x)); b.close();
        continue;
      }
      const cc = (w >>> 16) & 15; // B<c> keeps its condition in the entry; AL otherwise
      b.ifCond(cc);
      if (wide && op === T32.BL) b.setReg(14, () => c.get(L_PC).i32(off + 4 + 1).op(Op.i32Add)); // next | 1
      b.branch(k, thumbTarget(x));
      b.endCond(cc);
      continue;
    }
    if (!wide && op === T16.IT) { setItState(b, raw & 0xff); continue; } // it[k] === 0 here
    const cc = it[k] === 0 ? 14 : it[k] >>> 4;
    // Inline when the row is one the translator knows; the condition of an IT block is static.
    const probe = new Code();
    const saved = b.c; b.c = probe;
    b.curW = w;
    b.itNow = it[k];
    const ok = b.probe(cc !== 14, () => wide ? thumb32(b, k, off, op, raw, it[k] === 0) : thumb16(b, k, off, op, raw, it[k] === 0));
    b.c = saved;
    if (ok) {
      b.ifCond(cc);
      c.b.push(...probe.b);
      b.endCond(cc);
      if (it[k] !== 0) setItState(b, itAdvance(it[k]));
      continue;
    }
    b.helper(k, off, size, w, raw);
  }
  b.closeAll();
  const last = list[list.length - 1];
  b.icStore(list.length - 1);
  // compiled blocks start outside IT blocks: chain only when the block ends outside one
  const itAfter = last.op === T16.IT && !last.wide ? last.raw & 0xff : itAdvance(it[list.length - 1]);
  if (itAfter === 0) b.chain(list.length - 1, last.off + last.size); else b.retNext(last.off + last.size);
  return b;
}

function finish(b: Block, insns: number): Translation {
  b.eventExit();
  return { body: { type: 2, locals: LOCALS, code: b.c }, insns, key: b.key, gen: b.v.gen(b.slotIdx), exits: b.exits };
}

const FUNCS = IMPORT_FUNCS.map((name, i) => ({ module: "core", name, type: FUNC_TYPES[i] }));
const GLOBALS = IMPORT_GLOBALS.map((name) => ({ module: "core", name, type: I32, mutable: true }));
/** One module holding a batch of compiled blocks, exported as f0, f1, ... It imports no table:
 *  with V8 11 (Node 20) every instance importing a table keeps its own copy of the table's dispatch
 *  entries, which each table.set updates, so a table import made installing code cost O(modules)
 *  (a Linux boot's 279 modules: +0.6 s). Blocks reach each other through the module's own exit
 *  table (exported as "exits": an entry per static in-page exit, set by the host, src/jit/jit.ts
 *  link) and each block's chain entry (exported as c0, c1, ...), or through the core's jitChain. */
export function batchModule(v: CoreView, blocks: Translation[]): Uint8Array<ArrayBuffer> {
  const n = blocks.length;
  // Exit indices: block i's exits follow those of blocks 0..i-1 in the module's exit table.
  let exits = 0;
  for (const t of blocks) for (const x of t.exits) t.body.code.patchI32(x.at, exits++);
  // The stub every exit starts with: the core's jitChain, which checks the map (and the budget).
  const stub = new Code();
  stub.get(0).get(1).get(2).op(Op.returnCall).u(F_CHAIN);
  const bodies: FuncBody[] = [{ type: 3, locals: [], code: stub }, storeCode(v)], names = ["", ""];
  blocks.forEach((t, i) => { bodies.push(t.body); names.push(`f${i}`); });
  blocks.forEach((t, i) => { bodies.push(chainEntry(v, t, F_BLOCKS + i)); names.push(`c${i}`); });
  const spec: ModuleSpec = {
    types: TYPES, funcs: FUNCS, globals: GLOBALS, memory: { module: "core", name: "memory" }, bodies, names,
    table: { size: Math.max(exits, 1), fill: F_STUB, name: "exits" },
  };
  return moduleBytes(spec);
}

/** storeCode(va, v, size) -> 1 when done: a store that missed the write TLB, done here when it is
 *  the case the core's writeLE takes first (mmu/mmu.ts writeCodePage): aligned, little-endian data,
 *  a page with decoded code whose translation the code-page write set holds, and no decoded
 *  granule in the bytes written, so that the decode cache and compiled code have nothing to drop.
 *  Small programs keep data in their code's page; this keeps those stores out of the core's calls.
 *  Else 0: the caller takes jitAccessSlow. (An aligned store of at most 4 bytes lies in one granule.) */
function storeCode(v: CoreView): FuncBody {
  const c = new Code();
  const VA = 0, V = 1, SIZE = 2, E = 3, H = 4, M = 5;
  c.get(VA).get(SIZE).i32(1).op(Op.i32Sub).op(Op.i32And).gget(G_BIGDATA).op(Op.i32Or).if().i32(0).op(Op.return).end();
  c.gget(G_TLBCW).get(VA).i32(12).op(Op.i32ShrU).i32(v.tlbMask).op(Op.i32And).i32(3).op(Op.i32Shl).op(Op.i32Add).tee(E);
  c.load(Op.i32Load, 2, 0).get(VA).i32(0xfffff000 | 0).op(Op.i32And).op(Op.i32Ne).if().i32(0).op(Op.return).end();
  c.get(E).load(Op.i32Load, 2, 4).get(VA).op(Op.i32Add).set(H);
  // slot + 1 of the page (PAGEMAP); 0: no slot any more, nothing decoded
  c.get(H).i32(v.ram).op(Op.i32Sub).i32(12).op(Op.i32ShrU).i32(2).op(Op.i32Shl).load(Op.i32Load, 2, v.pagemap).tee(M);
  c.if();
  // DEC bit of granule g = (h & 0xfff) >>> 4: byte DEC + (m - 1) * 32 + (g >>> 3), bit g & 7
  c.get(M).i32(5).op(Op.i32Shl).get(H).i32(0xfff).op(Op.i32And).i32(7).op(Op.i32ShrU).op(Op.i32Add)
    .load(Op.i32Load8u, 0, v.dec - 32);
  c.get(H).i32(4).op(Op.i32ShrU).i32(7).op(Op.i32And).op(Op.i32ShrU).i32(1).op(Op.i32And);
  c.if().i32(0).op(Op.return).end();
  c.end();
  c.get(SIZE).i32(4).op(Op.i32Eq).if().get(H).get(V).store(Op.i32Store, 2, 0)
    .op(Op.else).get(SIZE).i32(2).op(Op.i32Eq).if().get(H).get(V).store(Op.i32Store16, 1, 0)
    .op(Op.else).get(H).get(V).store(Op.i32Store8, 0, 0).end().end();
  c.i32(1);
  return { type: 4, locals: [I32, I32, I32], code: c };
}

/** Block t's chain entry c(pc, left, key), what an exit table holds for it: the checks jitChain
 *  makes before entering a block (it fits in the budget left; a Thumb block starts outside an IT
 *  block), the hop counted, then the block itself, tail-called. Whether it is live need not be
 *  checked: an exit holds it only when both blocks were translated at one generation of their
 *  (common) page, and a block runs only while its page is at that generation (jitBump ends it). */
function chainEntry(v: CoreView, t: Translation, f: number): FuncBody {
  const c = new Code();
  c.get(1).i32(t.insns).op(Op.i32LtU).if().get(0).op(Op.return).end();
  if (t.key & 1) c.i32(0).load(Op.i32Load, 2, v.state + v.offRest).i32(v.itMask).op(Op.i32And).if().get(0).op(Op.return).end();
  c.i32(0).i32(0).load(Op.i64Load, 3, v.chainedAddr).i64s(1).op(Op.i64Add).store(Op.i64Store, 3, v.chainedAddr);
  c.get(0).get(1).op(Op.returnCall).u(f);
  return { type: 3, locals: [], code: c };
}
