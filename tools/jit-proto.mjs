#!/usr/bin/env node
// JIT prototype measurements (docs/jit.md): how fast one hand-translated A32 block runs as a
// host-generated WebAssembly function, by the three choices the design has to make, next to the
// interpreter on the same guest loop (bench/loop.mjs's LOOP, 7 instructions per iteration:
// ldr r2,[r1]; add r2,r2,#1; str r2,[r1]; add r3,r3,r2; mov r4,r3,lsl #3; subs r0,r0,#1; bne).
//   registers: "mem"   every register and flag access is a load/store at its fixed state offset
//              "local" registers and flags live in wasm locals inside the block, written back at exit
//   dispatch:  "js"    the host calls the block function once per block (JS -> wasm per block)
//              "table" a wasm dispatcher in another module calls it through a shared table
//                      (call_indirect per block: how the core would call compiled code)
//              "chain" the block branches back to itself inside the function while the budget allows
// Loads and stores go through a software-TLB fast path shaped like the core's (tag compare with the
// alignment bits folded in, one add; a miss calls an imported slow path, never taken here), and
// ICOUNT is kept exact per block. Not part of vm7: it exists to choose the design.
//   node tools/jit-proto.mjs [--reps N]
import { Machine } from "../dist/index.js";

const args = process.argv.slice(2);
const reps = Number(args[args.indexOf("--reps") + 1]) || 5;
const cpu = () => (({ user, system }) => (user + system) / 1000)(process.cpuUsage());

// --- a minimal wasm encoder --------------------------------------------------------------------
const uleb = (n) => { const o = []; do { let b = n & 0x7f; n >>>= 7; if (n) b |= 0x80; o.push(b); } while (n); return o; };
const sleb = (n) => { const o = []; for (;;) { const b = n & 0x7f; n >>= 7; if ((n === 0 && !(b & 0x40)) || (n === -1 && (b & 0x40))) { o.push(b); return o; } o.push(b | 0x80); } };
const sleb64 = (n) => { const o = []; n = BigInt(n); for (;;) { const b = Number(n & 0x7fn); n >>= 7n; if ((n === 0n && !(b & 0x40)) || (n === -1n && (b & 0x40))) { o.push(b); return o; } o.push(b | 0x80); } };
const vec = (items) => [...uleb(items.length), ...items.flat()];
const str = (s) => vec([...Buffer.from(s)].map((b) => [b]));
const section = (id, body) => [id, ...uleb(body.length), ...body];
const I32 = 0x7f, I64 = 0x7e, F64 = 0x7c;
const op = {
  block: 0x02, loop: 0x03, if: 0x04, else: 0x05, end: 0x0b, br: 0x0c, br_if: 0x0d, ret: 0x0f, call: 0x10, call_ind: 0x11,
  lget: 0x20, lset: 0x21, ltee: 0x22, i32load: 0x28, i64load: 0x29, i32store: 0x36, i64store: 0x37,
  i32const: 0x41, i64const: 0x42, i32eqz: 0x45, i32eq: 0x46, i32ne: 0x47, i32ltu: 0x49, i32geu: 0x4f,
  i64leu: 0x58, i64gtu: 0x56, i32add: 0x6a, i32sub: 0x6b, i32and: 0x71, i32shl: 0x74, i32shru: 0x76, i64add: 0x7c,
  i64extu: 0xad, f64le: 0x65, f64gt: 0x64, f64cvti64u: 0xba,
};
const mem = (o, off, align = 2) => [o, align, ...uleb(off)];
const c32 = (v) => [op.i32const, ...sleb(v | 0)];

// --- the prototype machine's memory: the core's state offsets, a TLB, RAM --------------------
const R = (n) => n * 4, NF = 0x40, ZF = 0x44, CF = 0x48, VF = 0x4c, ICOUNT = 0x120;
const TLB_R = 0x2000, TLB_W = 0x4000, RAM_H = 0x10000;
const BASE = 0x80008000, DATA = 0x80009000, LOOP_PC = BASE + 12;

// Emit the block. Returns the function body (locals + code) of `(budget: f64) -> i32 (next pc)`.
function blockBody(regs, chain) {
  const L = regs === "local";
  // locals: 0 budget (param i64); 1 va; 2 e; 3 tmp; 4.. r0..r4 cached; 9 z (local mode)
  const VA = 1, E = 2, T = 3, RL = (n) => 4 + n, ZL = 9;
  const get = (n) => L ? [op.lget, RL(n)] : [...c32(0), ...mem(op.i32load, R(n))];
  const set = (n, val) => L ? [...val, op.lset, RL(n)] : [...c32(0), ...val, ...mem(op.i32store, R(n))];
  const flush = L ? [0, 1, 2, 3, 4].flatMap((n) => [...c32(0), op.lget, RL(n), ...mem(op.i32store, R(n))]) : [];
  const load = L ? [0, 1, 2, 3, 4].flatMap((n) => [...c32(0), ...mem(op.i32load, R(n)), op.lset, RL(n)]) : [];
  // TLB fast path: e = base + ((va >> 12) & 1023) * 8; hit if tag == va & 0xfffff003
  const entry = (base) => [op.lget, VA, ...c32(12), op.i32shru, ...c32(1023), op.i32and, ...c32(3), op.i32shl, ...c32(base), op.i32add, op.lset, E];
  const hit = [op.lget, E, ...mem(op.i32load, 0), op.lget, VA, ...c32(0xfffff003), op.i32and, op.i32eq];
  const host = [op.lget, E, ...mem(op.i32load, 4), op.lget, VA, op.i32add];
  const body = [
    // ldr r2, [r1]
    ...set(2, [...get(1), op.ltee, VA, op.lset, VA, ...entry(TLB_R), ...hit, op.if, I32, ...host, ...mem(op.i32load, 0), op.else, ...flush, op.lget, VA, op.call, 0, op.end]),
    // add r2, r2, #1
    ...set(2, [...get(2), ...c32(1), op.i32add]),
    // str r2, [r1]
    ...get(1), op.lset, VA, ...entry(TLB_W), ...hit, op.if, 0x40, ...host, ...get(2), ...mem(op.i32store, 0), op.else, ...flush, op.lget, VA, ...get(2), op.call, 1, op.end,
    // add r3, r3, r2
    ...set(3, [...get(3), ...get(2), op.i32add]),
    // mov r4, r3, lsl #3
    ...set(4, [...get(3), ...c32(3), op.i32shl]),
    // subs r0, r0, #1: N, Z, C (no borrow), V
    ...get(0), op.lset, T,
    ...set(0, [op.lget, T, ...c32(1), op.i32sub]),
    ...(L ? [] : c32(0)), ...get(0), ...c32(31), op.i32shru, ...(L ? [op.lset, 10] : mem(op.i32store, NF)),
    ...(L ? [] : c32(0)), ...get(0), op.i32eqz, ...(L ? [op.lset, ZL] : mem(op.i32store, ZF)),
    ...c32(0), op.lget, T, ...c32(1), op.i32geu, ...mem(op.i32store, CF),
    ...c32(0), op.lget, T, ...c32(0x80000000), op.i32eq, ...mem(op.i32store, VF),
    // ICOUNT += 7
    ...c32(0), ...c32(0), ...mem(op.i64load, ICOUNT, 3), op.i64const, ...sleb64(7), op.i64add, ...mem(op.i64store, ICOUNT, 3),
  ];
  const zf = L ? [op.lget, ZL] : [...c32(0), ...mem(op.i32load, ZF)];
  const exitFlags = L ? [...c32(0), op.lget, 10, ...mem(op.i32store, NF), ...c32(0), op.lget, ZL, ...mem(op.i32store, ZF)] : [];
  let code;
  if (chain) {
    // loop: body; if Z == 0 and ICOUNT + 7 <= budget: again
    code = [...load, op.loop, 0x40, ...body,
      ...zf, op.i32eqz, op.if, 0x40,
      ...c32(0), ...mem(op.i64load, ICOUNT, 3), op.i64const, ...sleb64(7), op.i64add, op.f64cvti64u, op.lget, 0, op.f64le, op.br_if, 1, // again (depth 1: the loop)
      op.end, op.end,
      ...flush, ...exitFlags, ...zf, op.i32eqz, op.if, I32, ...c32(LOOP_PC), op.else, ...c32(LOOP_PC + 28), op.end, op.end];
  } else {
    code = [...load, ...body, ...flush, ...exitFlags, ...zf, op.i32eqz, op.if, I32, ...c32(LOOP_PC), op.else, ...c32(LOOP_PC + 28), op.end, op.end];
  }
  const locals = vec([[4, I32], [5, I32], [2, I32]]); // va e t + r0..r4 + z n
  return [...locals, ...code];
}

function blockModule(regs, chain, memory) {
  const types = section(1, vec([
    [0x60, ...vec([[I32]]), ...vec([[I32]])],            // 0: slow read (va) -> v
    [0x60, ...vec([[I32], [I32]]), ...vec([])],          // 1: slow write (va, v)
    [0x60, ...vec([[F64]]), ...vec([[I32]])],            // 2: block (budget: f64, exact below 2^53) -> next pc
  ]));
  const imports = section(2, vec([
    [...str("m"), ...str("mem"), 0x02, 0x00, ...uleb(8)],
    [...str("m"), ...str("rd"), 0x00, ...uleb(0)],
    [...str("m"), ...str("wr"), 0x00, ...uleb(1)],
  ]));
  const funcs = section(3, vec([uleb(2)]));
  const exports = section(7, vec([[...str("block"), 0x00, ...uleb(2)]]));
  const code = section(10, vec([(() => { const b = blockBody(regs, chain); return [...uleb(b.length), ...b]; })()]));
  const bytes = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...types, ...imports, ...funcs, ...exports, ...code]);
  const slow = () => { throw new Error("slow path taken"); };
  return new WebAssembly.Instance(new WebAssembly.Module(bytes), { m: { mem: memory, rd: slow, wr: slow } }).exports.block;
}

// The dispatcher module: run(budget) calls table[0] while the next pc is the block's and it fits.
function dispatcher(memory, table) {
  const types = section(1, vec([[0x60, ...vec([[F64]]), ...vec([[I32]])]]));
  const imports = section(2, vec([
    [...str("m"), ...str("mem"), 0x02, 0x00, ...uleb(8)],
    [...str("m"), ...str("tab"), 0x01, 0x70, 0x00, ...uleb(1)],
  ]));
  const funcs = section(3, vec([uleb(0)]));
  const exports = section(7, vec([[...str("run"), 0x00, ...uleb(0)]]));
  // local 1: pc
  const body = [...vec([[1, I32]]),
    ...c32(LOOP_PC), op.lset, 1,
    op.block, 0x40, op.loop, 0x40,
    op.lget, 1, ...c32(LOOP_PC), op.i32ne, op.br_if, 1,
    ...c32(0), ...mem(op.i64load, ICOUNT, 3), op.i64const, ...sleb64(7), op.i64add, op.f64cvti64u, op.lget, 0, op.f64gt, op.br_if, 1,
    op.lget, 0, ...c32(0), op.call_ind, 0, 0x00, op.lset, 1,
    op.br, 0, op.end, op.end, op.lget, 1, op.end];
  const code = section(10, vec([[...uleb(body.length), ...body]]));
  const bytes = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...types, ...imports, ...funcs, ...exports, ...code]);
  return new WebAssembly.Instance(new WebAssembly.Module(bytes), { m: { mem: memory, tab: table } }).exports.run;
}

function setup() {
  const memory = new WebAssembly.Memory({ initial: 8 });
  const v = new DataView(memory.buffer);
  v.setUint32(R(0), 0xffffffff, true); v.setUint32(R(1), DATA, true);
  const idx = ((DATA >>> 12) & 1023) * 8;
  for (const t of [TLB_R, TLB_W]) { v.setUint32(t + idx, DATA & 0xfffff000, true); v.setUint32(t + idx + 4, (RAM_H - (DATA & 0xfffff000)) >>> 0, true); }
  return { memory, v };
}

function measure(regs, dispatch) {
  const { memory, v } = setup();
  const N = 5e7;
  let step;
  if (dispatch === "table") {
    const table = new WebAssembly.Table({ initial: 1, element: "anyfunc" });
    table.set(0, blockModule(regs, false, memory));
    const run = dispatcher(memory, table);
    step = (budget) => run(budget);
  } else {
    const f = blockModule(regs, dispatch === "chain", memory);
    step = dispatch === "chain"
      ? (budget) => f(budget)
      : (budget) => {
        // the block count that fits is known up front: no i64 read per block on the JS side
        const n = Math.floor((budget - Number(v.getBigUint64(ICOUNT, true))) / 7);
        let pc = LOOP_PC;
        for (let i = 0; i < n && pc === LOOP_PC; i++) pc = f(budget) >>> 0;
        return pc;
      };
  }
  const ic = () => Number(v.getBigUint64(ICOUNT, true));
  step(2e7); // warm-up: V8 tiers up the functions
  let best = 0;
  for (let k = 0; k < reps; k++) {
    const i0 = ic(), t0 = cpu();
    step(i0 + N);
    best = Math.max(best, (ic() - i0) / ((cpu() - t0) / 1000) / 1e6);
  }
  // the guest's data word counts the iterations: check the block computed what the loop computes
  const iters = ic() / 7, word = v.getUint32(RAM_H + (DATA & 0xfff), true);
  if (word !== (iters >>> 0)) throw new Error(`${regs}/${dispatch}: data word ${word}, expected ${iters}`);
  return best;
}

function interp() {
  const m = Machine.createSync({ ramMiB: 16 });
  [0xe3a00000, 0xe59f1020, 0xe3e00000, 0xe5912000, 0xe2822001, 0xe5812000, 0xe0833002,
    0xe1a04183, 0xe2500001, 0x1afffff8, 0xeafffffe, DATA].forEach((x, i) => m.physWrite32(BASE + 4 * i, x >>> 0));
  m.pc = BASE;
  m.run({ maxInsns: 2e7 });
  let best = 0;
  for (let k = 0; k < reps; k++) {
    const i0 = m.icount, t0 = cpu();
    m.run({ maxInsns: 5e7 });
    best = Math.max(best, (m.icount - i0) / ((cpu() - t0) / 1000) / 1e6);
  }
  return best;
}

const base = interp();
console.log(`interpreter                 ${base.toFixed(0).padStart(6)} MIPS`);
for (const regs of ["mem", "local"]) {
  for (const d of ["js", "table", "chain"]) {
    const mips = measure(regs, d);
    console.log(`compiled regs=${regs.padEnd(5)} ${d.padEnd(6)}  ${mips.toFixed(0).padStart(6)} MIPS  ${(mips / base).toFixed(1)}x`);
  }
}
