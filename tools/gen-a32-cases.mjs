#!/usr/bin/env node
// Generates test/fixtures/a32-cases.json: per-instruction A32 test cases whose expected results come
// from QEMU (`qemu-arm -cpu cortex-a8`, Linux user mode), not from anything written here.
//
// How: every case becomes a block of a bare static ARM program (assembled with arm-none-eabi-as).
// The block fills a 128-byte data buffer at DATA with a fixed pattern (plus per-case words), loads
// r0-r14 and the APSR (NZCVQ, GE) from the case's inputs, executes the instruction(s) under test,
// and lands on a pad that stores r0-r14, the APSR and the address it landed at (the next PC; odd
// for a Thumb landing pad). The program writes all records to stdout; this script turns them into
// JSON. Probes (UNDEFINED encodings, alignment faults) run one tiny program each and record whether
// QEMU raised SIGILL (Undefined Instruction), SIGBUS/SIGSEGV (Data Abort) or nothing.
// Needs: arm-none-eabi-as/ld, qemu-arm. Run: node tools/gen-a32-cases.mjs
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const TEXT = 0x80100000;
const DATA = 0x80f00000;   // the data buffer every case sees (vm7's RAM starts at 0x80000000)
const DATA_LEN = 128;
const pattern = Array.from({ length: DATA_LEN }, (_, j) => (j * 37 + 11) & 0xff);

// --- deterministic inputs -------------------------------------------------------------------------
let seed = 0x1234567;
const rnd = () => { seed ^= seed << 13; seed >>>= 0; seed ^= seed >>> 17; seed ^= seed << 5; return seed >>> 0; };
const pick = (a) => a[rnd() % a.length];
const EDGE = [0, 1, 2, 0x7fffffff, 0x80000000, 0xffffffff, 0x8000, 0x7fff, 0xffff, 0x10000, 0x12345678,
  0x89abcdef, 0xff00ff00, 0x00ff00ff, 0x7f7f8080, 0x80807f7f, 0xfffe0001, 0x00017fff, 0x80000001, 0x7ffffffe];
const val = () => (rnd() % 3 === 0 ? rnd() : pick(EDGE));
const FLAGS = [0, 0xf0000000, 0x20000000, 0x80000000, 0x40000000, 0x10000000, 0x60000000, 0x90000000, 0xa0000000];
const GE = [0, 0x000f0000, 0x00050000, 0x000a0000, 0x00030000];
const flags = () => pick(FLAGS) | pick(GE);

const cases = [];
// insns: one or more instruction lines; regs: {n: value|expr}; more: setup words {offset: value|expr}
function add(insns, regs = {}, opts = {}) {
  cases.push({ insns: Array.isArray(insns) ? insns : [insns], regs, cpsr: opts.cpsr ?? flags(), mem: opts.mem ?? {}, group: opts.group ?? "" });
}
const S = (op, s) => op + (s ? "s" : "");

// --- data processing (A5.2.1-A5.2.3) --------------------------------------------------------------
const DP3 = ["and", "eor", "sub", "rsb", "add", "adc", "sbc", "rsc", "orr", "bic"];
const CMP = ["tst", "teq", "cmp", "cmn"];
const MOV = ["mov", "mvn"];
const IMMS = ["#0", "#1", "#0xff", "#0x80000000", "#0xff000000", "#0x3fc", "#0xf000000f", "#0x104"];
const SHIFTS = ["lsl #0", "lsl #1", "lsl #31", "lsr #1", "lsr #32", "asr #1", "asr #32", "ror #1", "ror #31", "rrx"];
const RSH = ["lsl", "lsr", "asr", "ror"];
const RAMT = [0, 1, 31, 32, 33, 255, 0x101, 16, 0xffffff20];
for (const op of [...DP3, ...CMP, ...MOV]) {
  const cmp = CMP.includes(op), mov = MOV.includes(op);
  const dst = cmp ? "r1" : mov ? "r0" : "r0, r1";
  for (let k = 0; k < 3; k++) {
    const s = cmp || k !== 1;
    add(`${cmp ? op : S(op, s)} ${dst}, ${pick(IMMS)}`, { 1: val() }, { group: "dp-imm" });
  }
  for (let k = 0; k < 4; k++) {
    const s = cmp || k !== 0;
    add(`${cmp ? op : S(op, s)} ${dst}, r2, ${pick(SHIFTS)}`, { 1: val(), 2: val() }, { group: "dp-shift-imm" });
  }
  for (let k = 0; k < 3; k++) {
    const s = cmp || k !== 0;
    add(`${cmp ? op : S(op, s)} ${dst}, r2, ${pick(RSH)} r3`, { 1: val(), 2: val(), 3: pick(RAMT) }, { group: "dp-shift-reg" });
  }
}
for (const sh of SHIFTS) add(`movs r0, r2, ${sh}`, { 2: val() }, { group: "dp-shift-imm" });
for (const t of RSH) for (const a of [0, 1, 31, 32, 33, 255, 0x120]) add(`movs r0, r2, ${t} r3`, { 2: pick([0x80000001, 0xffffffff, 0x40000000, 0x12345678]), 3: a }, { group: "dp-shift-reg" });
for (const c of ["adds", "adcs", "subs", "sbcs", "rsbs", "rscs"]) {
  for (const [a, b] of [[0xffffffff, 1], [0x7fffffff, 1], [0x80000000, 0x80000000], [0, 0], [0x80000000, 1], [1, 2]]) {
    add(`${c} r0, r1, r2`, { 1: a, 2: b }, { group: "dp-flags" });
  }
}
add("add r0, pc, #8", {}, { group: "dp-pc" });
add("mov r0, pc", {}, { group: "dp-pc" });
add("add r0, r1, pc, lsl #1", { 1: 3 }, { group: "dp-pc" });
add("movw r0, #0xabcd", {}, { group: "movw" });
add("movt r0, #0xabcd", { 0: 0x12345678 }, { group: "movw" });
add("movw r5, #0", { 5: 0xffffffff }, { group: "movw" });
add("movt r5, #0xffff", { 5: 0x00001234 }, { group: "movw" });
// conditions
const CONDS = ["eq", "ne", "cs", "cc", "mi", "pl", "vs", "vc", "hi", "ls", "ge", "lt", "gt", "le"];
for (const c of CONDS) for (const f of [0x00000000, 0x40000000, 0x20000000, 0x80000000, 0x10000000, 0x90000000, 0x60000000, 0xd0000000]) {
  if (rnd() % 2) continue;
  add(`mov${c} r0, #1`, { 0: 0 }, { cpsr: f, group: "cond" });
}

// --- multiplies (A5.2.5, A5.2.7, A5.4.4) ----------------------------------------------------------
const MULV = () => pick([0, 1, 0xffffffff, 0x80000000, 0x7fffffff, 0x8000, 0x7fff, 0xffff8000, 0x00018000, 0x12345678, 0x87654321, 0x7fff7fff, 0x80008000, rnd(), rnd()]);
const mregs = () => ({ 1: MULV(), 2: MULV(), 3: MULV(), 4: MULV() });
const MULS = [
  "mul r0, r1, r2", "muls r0, r1, r2", "mla r0, r1, r2, r3", "mlas r0, r1, r2, r3", "mls r0, r1, r2, r3",
  "umull r0, r4, r1, r2", "umulls r0, r4, r1, r2", "umlal r3, r4, r1, r2", "umlals r3, r4, r1, r2",
  "smull r0, r4, r1, r2", "smulls r0, r4, r1, r2", "smlal r3, r4, r1, r2", "smlals r3, r4, r1, r2", "umaal r3, r4, r1, r2",
  "smlabb r0, r1, r2, r3", "smlabt r0, r1, r2, r3", "smlatb r0, r1, r2, r3", "smlatt r0, r1, r2, r3",
  "smulbb r0, r1, r2", "smulbt r0, r1, r2", "smultb r0, r1, r2", "smultt r0, r1, r2",
  "smlawb r0, r1, r2, r3", "smlawt r0, r1, r2, r3", "smulwb r0, r1, r2", "smulwt r0, r1, r2",
  "smlalbb r3, r4, r1, r2", "smlalbt r3, r4, r1, r2", "smlaltb r3, r4, r1, r2", "smlaltt r3, r4, r1, r2",
  "smuad r0, r1, r2", "smuadx r0, r1, r2", "smusd r0, r1, r2", "smusdx r0, r1, r2",
  "smlad r0, r1, r2, r3", "smladx r0, r1, r2, r3", "smlsd r0, r1, r2, r3", "smlsdx r0, r1, r2, r3",
  "smlald r3, r4, r1, r2", "smlaldx r3, r4, r1, r2", "smlsld r3, r4, r1, r2", "smlsldx r3, r4, r1, r2",
  "smmul r0, r1, r2", "smmulr r0, r1, r2", "smmla r0, r1, r2, r3", "smmlar r0, r1, r2, r3",
  "smmls r0, r1, r2, r3", "smmlsr r0, r1, r2, r3",
];
for (const m of MULS) for (let k = 0; k < 3; k++) add(m, mregs(), { group: "mul" });
// Q-setting edges
add("smlabb r0, r1, r2, r3", { 1: 0x8000, 2: 0x8000, 3: 0x7fffffff }, { cpsr: 0, group: "mul-q" });
add("smlawb r0, r1, r2, r3", { 1: 0x7fffffff, 2: 0x7fff, 3: 0x7fffffff }, { cpsr: 0, group: "mul-q" });
add("smuad r0, r1, r2", { 1: 0x80008000, 2: 0x80008000 }, { cpsr: 0, group: "mul-q" });
add("smlad r0, r1, r2, r3", { 1: 0x7fff7fff, 2: 0x7fff7fff, 3: 0x7fffffff }, { cpsr: 0, group: "mul-q" });
add("smlsd r0, r1, r2, r3", { 1: 0x80000000, 2: 0x00007fff, 3: 0x80000000 }, { cpsr: 0, group: "mul-q" });
add("smlalbb r3, r4, r1, r2", { 1: 0x8000, 2: 0x8000, 3: 0xffffffff, 4: 0x7fffffff }, { cpsr: 0, group: "mul-q" });
add("muls r0, r1, r2", { 1: 0, 2: 5 }, { cpsr: 0x30000000, group: "mul-q" });
add("umulls r0, r4, r1, r2", { 1: 0, 2: 5 }, { cpsr: 0x30000000, group: "mul-q" });

// --- media (A5.4) and saturating arithmetic -------------------------------------------------------
const PV = () => pick([0, 0xffffffff, 0x80008000, 0x7fff7fff, 0x80808080, 0x7f7f7f7f, 0x01ff01ff, 0xff01ff01, 0x00010001, 0xfffefffe, 0x12345678, 0x9abcdef0, rnd(), rnd()]);
for (const p of ["s", "q", "sh", "u", "uq", "uh"]) for (const o of ["add16", "asx", "sax", "sub16", "add8", "sub8"]) {
  for (let k = 0; k < 2; k++) add(`${p}${o} r0, r1, r2`, { 1: PV(), 2: PV() }, { cpsr: flags(), group: "parallel" });
}
for (const sh of ["", ", lsl #0", ", lsl #1", ", lsl #16", ", lsl #31"]) add(`pkhbt r0, r1, r2${sh}`, { 1: PV(), 2: PV() }, { group: "pkh" });
for (const sh of [", asr #1", ", asr #16", ", asr #31", ", asr #32"]) add(`pkhtb r0, r1, r2${sh}`, { 1: PV(), 2: PV() }, { group: "pkh" });
for (const x of ["sxtb", "sxth", "sxtb16", "uxtb", "uxth", "uxtb16"]) for (const r of ["", ", ror #8", ", ror #16", ", ror #24"]) {
  add(`${x} r0, r2${r}`, { 2: PV() }, { group: "extend" });
  add(`${x.slice(0, 3)}a${x.slice(3)} r0, r1, r2${r}`, { 1: PV(), 2: PV() }, { group: "extend" });
}
for (const g of [0x00000000, 0x000f0000, 0x00050000, 0x000a0000, 0x00090000]) add("sel r0, r1, r2", { 1: 0x11223344, 2: 0xaabbccdd }, { cpsr: g, group: "sel" });
const SATV = () => pick([0, 1, 0xffffffff, 0x7fffffff, 0x80000000, 0x00008000, 0xffff7fff, 0x0000ffff, 0x00000100, 0xffffff00, 0x40000000, rnd()]);
for (const [n, sh] of [[1, ""], [8, ""], [16, ""], [32, ""], [8, ", lsl #4"], [16, ", asr #8"], [32, ", asr #32"], [12, ", lsl #31"], [24, ", asr #1"]]) {
  add(`ssat r0, #${n}, r1${sh}`, { 1: SATV() }, { cpsr: 0, group: "sat" });
  add(`usat r0, #${n - 1}, r1${sh}`, { 1: SATV() }, { cpsr: 0, group: "sat" });
}
for (const n of [1, 8, 16]) {
  add(`ssat16 r0, #${n}, r1`, { 1: PV() }, { cpsr: 0, group: "sat" });
  add(`usat16 r0, #${n - 1}, r1`, { 1: PV() }, { cpsr: 0, group: "sat" });
}
add("ssat r0, #8, r1", { 1: 0x7f }, { cpsr: 0x08000000, group: "sat" }); // Q stays set
for (const x of ["rev", "rev16", "revsh", "rbit", "clz"]) for (const v of [0, 0x80000000, 0x12345678, 0x000080ff, 1, rnd()]) add(`${x} r0, r1`, { 1: v }, { group: "rev" });
for (let k = 0; k < 3; k++) add("usad8 r0, r1, r2", { 1: PV(), 2: PV() }, { group: "usad8" });
for (let k = 0; k < 3; k++) add("usada8 r0, r1, r2, r3", { 1: PV(), 2: PV(), 3: PV() }, { group: "usad8" });
for (const [l, w] of [[0, 1], [0, 32], [4, 8], [31, 1], [16, 16], [7, 13]]) {
  add(`sbfx r0, r1, #${l}, #${w}`, { 1: val() }, { group: "bitfield" });
  add(`ubfx r0, r1, #${l}, #${w}`, { 1: val() }, { group: "bitfield" });
  add(`bfi r0, r1, #${l}, #${w}`, { 0: val(), 1: val() }, { group: "bitfield" });
  add(`bfc r0, #${l}, #${w}`, { 0: val() }, { group: "bitfield" });
}
for (const q of ["qadd", "qsub", "qdadd", "qdsub"]) for (const [a, b] of [[0x7fffffff, 1], [0x80000000, 0xffffffff], [0x40000000, 0x40000000], [0xc0000000, 0xc0000000], [5, 3], [0x80000000, 0x80000000]]) {
  add(`${q} r0, r1, r2`, { 1: a, 2: b }, { cpsr: 0, group: "qadd" });
}

// --- loads and stores (A5.3, A5.2.8) --------------------------------------------------------------
const D = (o) => DATA + o;
const LS = [
  ["ldr r0, [r1]", { 1: D(8) }], ["ldr r0, [r1, #4]", { 1: D(8) }], ["ldr r0, [r1, #-4]", { 1: D(8) }],
  ["ldr r0, [r1, #4]!", { 1: D(8) }], ["ldr r0, [r1], #-4", { 1: D(8) }], ["ldr r0, [r1, r2]", { 1: D(8), 2: 12 }],
  ["ldr r0, [r1, -r2]", { 1: D(32), 2: 12 }], ["ldr r0, [r1, r2, lsl #2]!", { 1: D(8), 2: 3 }], ["ldr r0, [r1], r2, asr #1", { 1: D(8), 2: 0xfffffff0 }],
  ["ldr r0, [r1, r2, ror #4]", { 1: D(8), 2: 0x00000080 }], ["ldr r0, [r1, r2, lsr #32]", { 1: D(8), 2: 0x80000000 }],
  ["ldr r0, [r1, r2, rrx]", { 1: (D(8) - 0x80000010) >>> 0, 2: 0x20 }, 0x20000000], ["ldr r0, [r1, r2, rrx]", { 1: D(8), 2: 0x20 }, 0],
  ["ldr r0, [r1, #1]", { 1: D(8) }], ["ldr r0, [r1, #2]", { 1: D(8) }], ["ldr r0, [r1, #3]", { 1: D(8) }],
  ["ldrh r0, [r1, #1]", { 1: D(8) }], ["strh r0, [r1, #3]", { 0: 0xabcdef12, 1: D(8) }], ["str r0, [r1, #5]", { 0: 0xabcdef12, 1: D(8) }],
  ["ldrb r0, [r1, #5]", { 1: D(8) }], ["ldrb r0, [r1, #-1]!", { 1: D(8) }], ["ldrb r0, [r1], r2", { 1: D(8), 2: 7 }],
  ["str r0, [r1]", { 0: 0xdeadbeef, 1: D(8) }], ["str r0, [r1, #-8]!", { 0: 0xdeadbeef, 1: D(16) }], ["str r0, [r1], #8", { 0: 0xdeadbeef, 1: D(16) }],
  ["str r0, [r1, r2, lsl #1]", { 0: 0xdeadbeef, 1: D(8), 2: 4 }], ["strb r0, [r1, #3]", { 0: 0xdeadbeef, 1: D(8) }], ["strb r0, [r1], #-1", { 0: 0x1234, 1: D(8) }],
  ["ldrh r0, [r1, #2]", { 1: D(8) }], ["ldrh r0, [r1, #-2]!", { 1: D(8) }], ["ldrh r0, [r1], r2", { 1: D(8), 2: 6 }], ["ldrh r0, [r1, -r2]", { 1: D(8), 2: 6 }],
  ["ldrsh r0, [r1, #2]", { 1: D(8) }], ["ldrsh r0, [r1, #6]", { 1: D(16) }], ["ldrsb r0, [r1, #1]", { 1: D(8) }], ["ldrsb r0, [r1, #3]!", { 1: D(8) }],
  ["ldrsb r0, [r1], #9", { 1: D(8) }], ["ldrsh r0, [r1, r2]", { 1: D(8), 2: 10 }],
  ["strh r0, [r1, #2]", { 0: 0xdeadbeef, 1: D(8) }], ["strh r0, [r1], #-2", { 0: 0xdeadbeef, 1: D(8) }], ["strh r0, [r1, r2]!", { 0: 0xdeadbeef, 1: D(8), 2: 4 }],
  ["ldrd r2, r3, [r1]", { 1: D(8) }], ["ldrd r2, r3, [r1, #8]!", { 1: D(8) }], ["ldrd r2, r3, [r1], #-8", { 1: D(16) }], ["ldrd r2, r3, [r1, r4]", { 1: D(8), 4: 16 }],
  ["ldrd r4, r5, [r1, -r2]!", { 1: D(32), 2: 8 }],
  ["strd r2, r3, [r1]", { 1: D(8), 2: 0x11111111, 3: 0x22222222 }], ["strd r2, r3, [r1, #-8]!", { 1: D(24), 2: 0x11111111, 3: 0x22222222 }],
  ["strd r2, r3, [r1], r4", { 1: D(8), 2: 0x11111111, 3: 0x22222222, 4: 24 }],
  ["ldrt r0, [r1], #4", { 1: D(8) }], ["strt r0, [r1], #4", { 0: 0xcafef00d, 1: D(8) }], ["ldrbt r0, [r1], #1", { 1: D(8) }],
  ["strbt r0, [r1], #1", { 0: 0xcafef00d, 1: D(8) }], ["ldrht r0, [r1], #2", { 1: D(8) }], ["strht r0, [r1], #2", { 0: 0xcafef00d, 1: D(8) }],
  ["ldrsbt r0, [r1], #1", { 1: D(11) }], ["ldrsht r0, [r1], #2", { 1: D(14) }],
  ["ldr r0, [r1, #0xfff]", { 1: D(8) - 0xfff + 4 }], ["str r1, [r1, #4]", { 1: D(8) }], ["str pc, [r1]", { 1: D(8) }],
];
for (const [a, r, f] of LS) add(a, r, { cpsr: f ?? 0, group: "ldst" });
// block transfers
const LM = [
  ["ldmia r1, {r2, r3, r4}", { 1: D(8) }], ["ldmia r1!, {r2, r3, r4}", { 1: D(8) }], ["ldmib r1!, {r2, r5}", { 1: D(8) }],
  ["ldmda r1!, {r2, r3, r4}", { 1: D(40) }], ["ldmdb r1!, {r0, r2, r3, r4, r12, lr}", { 1: D(64) }], ["ldmdb r1, {r2}", { 1: D(64) }],
  ["stmia r1, {r2, r3, r4}", { 1: D(8) }], ["stmia r1!, {r2, r3, r4}", { 1: D(8) }], ["stmib r1!, {r2, lr}", { 1: D(8) }],
  ["stmda r1!, {r2, r3}", { 1: D(40) }], ["stmdb r1!, {r0-r12, lr}", { 1: D(120) }], ["stmdb r1, {r1, r2}", { 1: D(64) }],
  ["push {r0, r4, lr}", { 13: D(64) }], ["pop {r0, r4, lr}", { 13: D(16) }], ["push {r4}", { 13: D(64) }], ["pop {r4}", { 13: D(16) }],
  ["stmia r1, {r2, pc}", { 1: D(8) }],
];
for (const [a, r] of LM) add(a, r, { cpsr: 0, group: "ldm" });
// exclusives and swaps: a CLREX first makes the monitor state the same on both sides
add(["clrex", "strex r0, r2, [r1]"], { 1: D(8), 2: 0x55aa55aa }, { group: "excl" });
add(["ldrex r3, [r1]", "strex r0, r2, [r1]"], { 1: D(8), 2: 0x55aa55aa }, { group: "excl" });
add(["ldrexb r3, [r1]", "strexb r0, r2, [r1]"], { 1: D(9), 2: 0x55aa55aa }, { group: "excl" });
add(["ldrexh r3, [r1]", "strexh r0, r2, [r1]"], { 1: D(10), 2: 0x55aa55aa }, { group: "excl" });
add(["ldrexd r4, r5, [r1]", "strexd r0, r2, r3, [r1]"], { 1: D(16), 2: 0x11112222, 3: 0x33334444 }, { group: "excl" });
add(["ldrex r3, [r1]", "clrex", "strex r0, r2, [r1]"], { 1: D(8), 2: 0x55aa55aa }, { group: "excl" });
add(["ldrex r3, [r1]", "str r2, [r1]", "strex r0, r2, [r1]"], { 1: D(8), 2: 0x55aa55aa }, { group: "excl" });
add("swp r0, r2, [r1]", { 1: D(8), 2: 0x12345678 }, { group: "swp" });
add("swpb r0, r2, [r1]", { 1: D(9), 2: 0x12345678 }, { group: "swp" });
add("swp r0, r0, [r1]", { 0: 0xa5a5a5a5, 1: D(12) }, { group: "swp" });

// --- branches and interworking (A5.5, A8.8.x BX/BLX) ----------------------------------------------
// T = an ARM landing pad, TT = a Thumb landing pad (4-aligned), TU = a Thumb pad at 2 mod 4.
add("b T", {}, { group: "branch" });
add("bl T", {}, { group: "branch" });
add("beq T", {}, { cpsr: 0x40000000, group: "branch" });
add("beq T", {}, { cpsr: 0, group: "branch" });
add("blne T", {}, { cpsr: 0, group: "branch" });
add("bx r0", { 0: "T" }, { group: "branch" });
add("bx r0", { 0: "TT+1" }, { group: "branch" });
add("blx r3", { 3: "T" }, { group: "branch" });
add("blx r3", { 3: "TT+1" }, { group: "branch" });
add("blx TT", {}, { group: "branch" });
add("blx TU", {}, { group: "branch" });
add("mov pc, r0", { 0: "T" }, { group: "branch" });
add("add pc, r0, #1", { 0: "TT" }, { group: "branch" });
add("ldr pc, [r1]", { 1: D(0) }, { mem: { 0: "T" }, group: "branch" });
add("ldr pc, [r1, #4]!", { 1: D(0) }, { mem: { 4: "TT+1" }, group: "branch" });
add("pop {r4, pc}", { 13: D(0) }, { mem: { 4: "TT+1" }, group: "branch" });
add("ldmia r1!, {r2, pc}", { 1: D(8) }, { mem: { 12: "T" }, group: "branch" });
add("ldrd r2, r3, [r1]", { 1: D(0) }, { group: "ldst" });
add("ldrd r2, r3, [r1, #-4]", { 1: D(16) }, { group: "ldst" }); // word- but not doubleword-aligned
for (const [a, r] of [["strt r0, [r1], r2", { 0: 0x5a5a5a5a, 1: D(8), 2: 8 }], ["ldrt r0, [r1], -r2, asr #2", { 1: D(40), 2: 16 }],
  ["strbt r0, [r1], r2, lsl #1", { 0: 0x5a5a5a5a, 1: D(8), 2: 3 }], ["ldrbt r0, [r1], r2", { 1: D(8), 2: 3 }],
  ["strb r0, [r1, -r2, lsl #3]!", { 0: 0x5a5a5a5a, 1: D(40), 2: 2 }], ["ldr r0, [r1, #-0]", { 1: D(8) }], ["ldrh r0, [r1], #0", { 1: D(8) }],
  ["ldrsb r0, [r1, -r2]!", { 1: D(20), 2: 3 }], ["ldrsh r0, [r1], -r2", { 1: D(20), 2: 6 }], ["strh r0, [r1, #-6]", { 0: 0x5a5a5a5a, 1: D(20) }]]) {
  add(a, r, { cpsr: 0, group: "ldst" });
}
// conditional forms of other classes
for (const [a, r] of [["mulseq r0, r1, r2", mregs()], ["smlabbne r0, r1, r2, r3", mregs()], ["sadd16gt r0, r1, r2", { 1: PV(), 2: PV() }],
  ["ldrlt r0, [r1]", { 1: D(8) }], ["strge r0, [r1]", { 1: D(8) }], ["pushmi {r0, r1}", { 13: D(64) }], ["bxvs r0", { 0: "T" }],
  ["ssatcc r0, #8, r1", { 1: 0x12345 }], ["qaddhi r0, r1, r2", { 1: 0x7fffffff, 2: 1 }], ["clzls r0, r1", { 1: 0x100 }]]) {
  for (const f of [0x00000000, 0x60000000, 0x90000000, 0xf0000000]) add(a, r, { cpsr: f, group: "cond" });
}
add(".word 0xe750f2d1 @ smmls r0, r1, r2, pc (Ra = 1111: UNPREDICTABLE)", { 1: 0x12345678, 2: 0x9abcdef0 }, { group: "mul" });

// --- status registers and hints (A5.2.11, A5.2.12) ------------------------------------------------
add("mrs r0, apsr", {}, { cpsr: 0xf80f0000, group: "psr" });
add("mrs r0, apsr", {}, { cpsr: 0x50050000, group: "psr" });
add("msr APSR_nzcvq, r1", { 1: 0xffffffff }, { cpsr: 0, group: "psr" });
add("msr APSR_g, r1", { 1: 0xffffffff }, { cpsr: 0, group: "psr" });
add("msr APSR_nzcvqg, r1", { 1: 0xa80a0000 }, { cpsr: 0x50050000, group: "psr" });
add("msr APSR_nzcvq, #0x90000000", {}, { cpsr: 0x08000000, group: "psr" });
add("msr APSR_g, #0x00030000", {}, { cpsr: 0, group: "psr" });
add("nop", {}, { group: "hint" });
add("yield", {}, { group: "hint" });
add("cps #0x13", {}, { group: "psr" }); // a no-op in User mode
add("cpsid aif", {}, { group: "psr" });
add("msr cpsr_fsxc, r1", { 1: 0xf80f01d3 }, { cpsr: 0, group: "psr" }); // User mode: only the APSR bits change
add("msr cpsr_c, #0xd3", {}, { cpsr: 0x80000000, group: "psr" });

// --- random register choices (aliasing such as Rd = Rn), all table classes without PC operands ----
const rr = () => `r${rnd() % 13}`;
const pickN = (n) => { const s = new Set(); while (s.size < n) s.add(rnd() % 13); return [...s].map((r) => `r${r}`); };
const allRegs = () => Object.fromEntries(Array.from({ length: 13 }, (_, r) => [r, val()]));
for (let k = 0; k < 60; k++) {
  const op = pick([...DP3, ...MOV, ...CMP]);
  const s = CMP.includes(op) ? op : S(op, rnd() % 2);
  const ops = CMP.includes(op) ? [rr()] : MOV.includes(op) ? [rr()] : [rr(), rr()];
  const form = rnd() % 3;
  const src = form === 0 ? pick(IMMS) : form === 1 ? `${rr()}, ${pick(SHIFTS)}` : `${rr()}, ${pick(RSH)} ${rr()}`;
  add(`${s} ${ops.join(", ")}, ${src}`, allRegs(), { group: "random-dp" });
}
const RMUL3 = ["mul", "muls", "smulbt", "smultt", "smulwb", "smuadx", "smusd", "smmulr", "usad8", "qadd", "qdsub",
  "sadd8", "uqsub16", "shasx", "uhsax", "qsax", "usub8", "sel", "sxtab", "uxtah", "sxtab16"];
const RMUL4 = ["mla", "mlas", "mls", "smlatb", "smlawt", "smlsdx", "smmla", "smmlsr", "usada8"];
const RLONG = ["umull", "smulls", "umlal", "smlal", "umaal", "smlalbt", "smlaldx", "smlsld"];
for (let k = 0; k < 80; k++) {
  const kind = rnd() % 3;
  if (kind === 0) add(`${pick(RMUL3)} ${rr()}, ${rr()}, ${rr()}`, allRegs(), { group: "random-mul-media" });
  else if (kind === 1) add(`${pick(RMUL4)} ${rr()}, ${rr()}, ${rr()}, ${rr()}`, allRegs(), { group: "random-mul-media" });
  else { const [lo, hi] = pickN(2); add(`${pick(RLONG)} ${lo}, ${hi}, ${rr()}, ${rr()}`, allRegs(), { group: "random-mul-media" }); }
}
for (let k = 0; k < 40; k++) {
  const x = rnd() % 6;
  const [a, b] = [rr(), rr()];
  if (x === 0) add(`ssat ${a}, #${1 + rnd() % 32}, ${b}${pick(["", ", lsl #3", ", asr #7", ", asr #32"])}`, allRegs(), { group: "random-mul-media" });
  else if (x === 1) add(`usat ${a}, #${rnd() % 32}, ${b}${pick(["", ", lsl #1", ", asr #12"])}`, allRegs(), { group: "random-mul-media" });
  else if (x === 2) { const l = rnd() % 32, w = 1 + rnd() % (32 - l); add(`${pick(["sbfx", "ubfx", "bfi"])} ${a}, ${b}, #${l}, #${w}`, allRegs(), { group: "random-mul-media" }); }
  else if (x === 3) add(`${pick(["rev", "rev16", "revsh", "rbit", "clz", "sxtb", "uxth", "uxtb16"])} ${a}, ${b}`, allRegs(), { group: "random-mul-media" });
  else if (x === 4) add(`pkh${pick(["bt", "tb"])} ${a}, ${b}, ${rr()}, ${pick(["lsl", "asr"])} #${1 + rnd() % 31}`.replace(/pkhbt(.*)asr/, "pkhbt$1lsl").replace(/pkhtb(.*)lsl/, "pkhtb$1asr"), allRegs(), { group: "random-mul-media" });
  else add(`${pick(["ssat16", "usat16"])} ${a}, #${1 + rnd() % 15}, ${b}`, allRegs(), { group: "random-mul-media" });
}

// random loads/stores: base into the data buffer, Rt != Rn whenever the base is written back
for (let k = 0; k < 70; k++) {
  const [t, n, mreg] = pickN(3);
  const regs = allRegs();
  const nn = Number(n.slice(1)), mm = Number(mreg.slice(1));
  regs[nn] = D(40 + 4 * (rnd() % 8));
  const kind = rnd() % 4;
  const idx = rnd() % 3; // 0 offset, 1 pre-indexed writeback, 2 post-indexed
  const wrap = (off) => idx === 0 ? `[${n}, ${off}]` : idx === 1 ? `[${n}, ${off}]!` : `[${n}], ${off}`;
  if (kind === 0) {
    const op = pick(["ldr", "str", "ldrb", "strb"]);
    add(`${op} ${t}, ${wrap(`#${pick(["", "-"])}${rnd() % 24}`)}`, regs, { group: "random-ldst" });
  } else if (kind === 1) {
    const op = pick(["ldr", "str", "ldrb", "strb"]);
    regs[mm] = rnd() % 6;
    add(`${op} ${t}, ${wrap(`${pick(["", "-"])}${mreg}, lsl #${pick([0, 1, 2])}`)}`, regs, { group: "random-ldst" });
  } else if (kind === 2) {
    const op = pick(["ldrh", "strh", "ldrsh", "ldrsb"]);
    regs[mm] = rnd() % 20;
    add(`${op} ${t}, ${wrap(rnd() % 2 ? `#${pick(["", "-"])}${rnd() % 20}` : `${pick(["", "-"])}${mreg}`)}`, regs, { group: "random-ldst" });
  } else {
    const list = pickN(1 + rnd() % 6).filter((r) => r !== n).sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
    if (list.length === 0) continue;
    const op = pick(["ldmia", "ldmib", "ldmda", "ldmdb", "stmia", "stmib", "stmda", "stmdb"]);
    add(`${op} ${n}${rnd() % 2 ? "!" : ""}, {${list.join(", ")}}`, regs, { group: "random-ldst" });
  }
}

// --- UNDEFINED probes -----------------------------------------------------------------------------
const UNDEF = [
  ["sdiv r0, r1, r2", ".word 0xe710f211"], ["udiv r0, r1, r2", ".word 0xe730f211"], ["udf #0", ".word 0xe7f000f0"],
  ["parallel prefix 000", ".word 0xe6012f11"], ["parallel op 101", ".word 0xe6112fb2"], ["parallel prefix 100", ".word 0xe6412f12"],
  ["bfi msb < lsb", ".word 0xe7c30411"], ["sbfx lsb+width > 32", ".word 0xe7bf0f51"], ["ubfx lsb+width > 32", ".word 0xe7e10fd1"],
  ["mul op 0101", ".word 0xe0500291"], ["swp op 0001 0001", ".word 0xe1110092"], ["rev with bits 11:8 != 1111", ".word 0xe6bf0e31"],
  ["sel with bits 11:8 != 1111", ".word 0xe6810eb2"], ["sxtb with bits 9:8 != 00", ".word 0xe6af0172"],
  ["media 0111 1001", ".word 0xe7912f13"], ["smc #0 (user mode)", ".word 0xe1600070"],
  ["pldw [r0, #8] (no MP extension)", ".word 0xf590f008"], ["bkpt #0x12", ".word 0xe1200172"], ["bkpt with cond != 1110 (condition fails)", ".word 0x01200070"], ["bkpt with cond != 1110 (condition passes)", ".word 0x31200070"],
  ["mrs banked (Virtualization)", ".word 0xe10f0200"], ["eret (Virtualization)", ".word 0xe160006e"], ["hvc (Virtualization)", ".word 0xe1400070"],
  ["ldrd with odd Rt", ".word 0xe1c010d0"], ["strd with odd Rt", ".word 0xe1c010f0"], ["ldrexd with odd Rt", ".word 0xe1b01f9f"],
  ["strexd with Rt = r14", ".word 0xe1a0ff9e"], ["msr with mask 0000 (register)", ".word 0xe120f001"],
  ["cond 1111: permanently undefined", ".word 0xf7f0f0f0"], ["cond 1111: cdp2 p5", ".word 0xfe010500"],
  ["cond 1111: mcr2 p15", ".word 0xfe010f10"], ["cond 1111: all ones", ".word 0xffffffff"],
  ["ldc p5", ".word 0xed910500"], ["mcr p5", ".word 0xee010510"], ["cdp p5", ".word 0xee010500"],
];

// Alignment: SCTLR.A = 0 allows unaligned LDR/STR/LDRH/STRH, but LDRD/STRD, LDM/STM, LDREX/STREX and
// SWP still need word (LDREXD: doubleword) alignment. r0 points 2 bytes into the code.
const ALIGN = [
  ["ldrd at 2 mod 4", ["add r0, pc, #2", "ldrd r2, r3, [r0]"]], ["strd at 2 mod 4", ["add r0, pc, #2", "strd r2, r3, [r0]"]],
  ["ldm at 2 mod 4", ["add r0, pc, #2", "ldm r0, {r1, r2}"]], ["stm at 2 mod 4", ["add r0, pc, #2", "stm r0, {r1, r2}"]],
  ["ldrex at 2 mod 4", ["add r0, pc, #2", "ldrex r1, [r0]"]], ["ldrexh at 1 mod 2", ["add r0, pc, #1", "ldrexh r1, [r0]"]],
  ["ldrexd at 4 mod 8", ["add r0, pc, #4", "bic r0, r0, #4", "add r0, r0, #4", "ldrexd r2, r3, [r0]"]],
  ["swp at 2 mod 4", ["add r0, pc, #2", "swp r1, r1, [r0]"]],
  ["ldr at 2 mod 4 (allowed)", ["add r0, pc, #2", "ldr r1, [r0]"]], ["ldrh at 1 mod 2 (allowed)", ["add r0, pc, #1", "ldrh r1, [r0]"]],
];

// --- build and run -------------------------------------------------------------------------------
// KEEP=1 keeps the work directory (cases.s, cases.elf) for debugging with `qemu-arm -d in_asm,cpu`.
const dir = mkdtempSync(join(tmpdir(), "vm7-a32-"));
const sh = (cmd, args) => execFileSync(cmd, args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 28 });
const hexw = (v) => "0x" + (v >>> 0).toString(16).padStart(8, "0");
const expr = (k, v) => typeof v === "number" ? hexw(v) : v.replace(/\bTT\b/g, `tt_${k}`).replace(/\bTU\b/g, `tu_${k}`).replace(/\bT\b/g, `t_${k}`);

function save(k, landed) {
  return [
    `  str r0, o_${k}`,
    `  adr r0, o_${k}+4`,
    "  stmia r0, {r1-r14}",
    "  mrs r1, apsr",
    "  str r1, [r0, #60]",
    `  ldr r1, =${landed}`,
    "  str r1, [r0, #56]",
    `  ldr r0, =o_${k}`,
    `  ldr r1, =in_${k}`,
    `  ldr r2, =i_${k}`,
    `  mov r3, #${cases[k].insns.length}`,
    "  bl finish",
    `  b n_${k}`,
  ];
}

const src = [
  ".syntax unified", ".arch armv7-a", ".cpu cortex-a8", ".arm",
  ".section .casecode,\"awx\"", ".global _start", "_start:",
  "  ldr r0, =resptr", "  ldr r1, =results", "  str r1, [r0]", "  b c_0",
];
const data = [".data", ".align 2"];
cases.forEach((c, k) => {
  const uses = c.insns.join(" ") + " " + Object.values(c.regs).join(" ") + " " + Object.values(c.mem).join(" ");
  src.push(`c_${k}:`, "  bl reset_mem");
  for (const [off, v] of Object.entries(c.mem)) src.push(`  ldr r0, =${hexw(DATA + Number(off))}`, `  ldr r1, =${expr(k, v)}`, "  str r1, [r0]");
  src.push("  bl snap_mem", `  ldr r0, =in_${k}`, "  ldr r1, [r0, #60]", "  msr APSR_nzcvqg, r1", "  ldm r0, {r0-r14}", `i_${k}:`);
  for (const ins of c.insns) src.push(`  ${expr(k, ins)}`);
  src.push(...save(k, `i_${k}+${4 * c.insns.length}`));
  if (/\bT\b/.test(uses)) src.push(`t_${k}:`, ...save(k, `t_${k}`));
  if (/\bTT\b/.test(uses)) src.push("  .align 2", "  .thumb", `tt_${k}:`, "  bx pc", "  nop", "  .arm", ...save(k, `tt_${k}+1`));
  if (/\bTU\b/.test(uses)) src.push("  .align 2", "  .thumb", "  nop", `tu_${k}:`, "  nop", "  bx pc", "  nop", "  .arm", ...save(k, `tu_${k}+1`));
  src.push("  .align 2", `o_${k}: .space 68`, "  .ltorg", `n_${k}:`);
  const regs = [];
  for (let r = 0; r < 15; r++) {
    let v = c.regs[r];
    if (v === undefined) v = r === 13 ? DATA + 0x40 : r === 14 ? 0x80001234 : val();
    regs.push(expr(k, v));
  }
  c.regsIn = regs;
  data.push(`in_${k}: .word ${regs.join(", ")}, ${hexw(c.cpsr)}`);
});
src.push(`c_${cases.length}:`,
  "  ldr r1, =results", "  ldr r2, =resptr", "  ldr r2, [r2]", "  sub r2, r2, r1",
  "1: mov r0, #1", "  mov r7, #4", "  svc 0", "  cmp r0, #0", "  ble 2f", "  add r1, r1, r0", "  subs r2, r2, r0", "  bgt 1b",
  "2: mov r0, #0", "  mov r7, #1", "  svc 0",
  // reset_mem: DATA <- pattern (r0-r3)
  "reset_mem:", "  ldr r0, =pattern", `  ldr r1, =${hexw(DATA)}`, `  mov r2, #${DATA_LEN}`,
  "3: ldr r3, [r0], #4", "  str r3, [r1], #4", "  subs r2, r2, #4", "  bgt 3b", "  bx lr",
  "snap_mem:", `  ldr r0, =${hexw(DATA)}`, "  ldr r1, =snap", `  mov r2, #${DATA_LEN}`,
  "4: ldr r3, [r0], #4", "  str r3, [r1], #4", "  subs r2, r2, #4", "  bgt 4b", "  bx lr",
  // finish(r0 = out record, r1 = inputs, r2 = instruction address, r3 = count): append a record
  "finish:", "  ldr r4, =resptr", "  ldr r5, [r4]", "  str r2, [r5], #4", "  str r3, [r5], #4",
  "5: ldr r6, [r2], #4", "  str r6, [r5], #4", "  subs r3, r3, #1", "  bgt 5b",
  "  mov r3, #16", "6: ldr r6, [r1], #4", "  str r6, [r5], #4", "  subs r3, r3, #1", "  bgt 6b",
  "  mov r3, #17", "7: ldr r6, [r0], #4", "  str r6, [r5], #4", "  subs r3, r3, #1", "  bgt 7b",
  "  ldr r1, =snap", `  mov r3, #${DATA_LEN / 4}`, "8: ldr r6, [r1], #4", "  str r6, [r5], #4", "  subs r3, r3, #1", "  bgt 8b",
  `  ldr r1, =${hexw(DATA)}`, `  mov r3, #${DATA_LEN / 4}`, "9: ldr r6, [r1], #4", "  str r6, [r5], #4", "  subs r3, r3, #1", "  bgt 9b",
  "  str r5, [r4]", "  bx lr", "  .ltorg",
);
data.push("pattern: .byte " + pattern.join(","), "resptr: .word 0", "snap: .space " + DATA_LEN,
  ".section .databuf,\"aw\"", "databuf: .space " + DATA_LEN, ".bss", ".align 4", "results: .space " + cases.length * 4 * 120);
writeFileSync(join(dir, "cases.s"), src.concat(data).join("\n") + "\n");
sh("arm-none-eabi-as", ["-mcpu=cortex-a8", "-o", "cases.o", "cases.s"]);
sh("arm-none-eabi-ld", [`--section-start=.casecode=${hexw(TEXT)}`, "-e", "_start", `--section-start=.databuf=${hexw(DATA)}`, "-o", "cases.elf", "cases.o"]);
const out = sh("qemu-arm", ["-cpu", "cortex-a8", "cases.elf"]);
const words = new Uint32Array(out.buffer, out.byteOffset, out.byteLength >>> 2);

const hexBytes = (ws) => Buffer.from(new Uint32Array(ws).buffer).toString("hex");
const patHex = Buffer.from(pattern).toString("hex");
const fixture = [];
let p = 0;
for (const c of cases) {
  const addr = words[p++], n = words[p++];
  const insns = Array.from(words.slice(p, p + n)); p += n;
  const inp = Array.from(words.slice(p, p + 16)); p += 16;
  const outp = Array.from(words.slice(p, p + 17)); p += 17;
  const memIn = hexBytes(words.slice(p, p + DATA_LEN / 4)); p += DATA_LEN / 4;
  const memOut = hexBytes(words.slice(p, p + DATA_LEN / 4)); p += DATA_LEN / 4;
  const landed = outp[15];
  const e = {
    asm: c.insns.join("; "), group: c.group, addr: hexw(addr), words: insns.map(hexw),
    regs: inp.slice(0, 15).map(hexw), cpsr: hexw(inp[15]),
    out: { regs: outp.slice(0, 15).map(hexw), pc: hexw(landed & ~1), cpsr: hexw((outp[16] & 0xf80f03c0) | (landed & 1 ? 0x20 : 0)) },
  };
  if (memIn !== patHex) e.mem = memIn;
  if (memOut !== memIn) e.out.mem = memOut;
  fixture.push(e);
}
if (p !== words.length) throw new Error(`record parse: used ${p} of ${words.length} words`);

// Probes: each its own program; QEMU reports a fault by dying from the signal.
const probes = [];
for (const [name, lines] of [...UNDEF.map(([n, l]) => [n, [l]]), ...ALIGN]) {
  writeFileSync(join(dir, "u.s"), [".syntax unified", ".arm", ".global _start", "_start:", ...lines.map((l) => "  " + l), "  mov r0, #0", "  mov r7, #1", "  svc 0", ""].join("\n"));
  sh("arm-none-eabi-as", ["-mcpu=cortex-a8", "-o", "u.o", "u.s"]);
  sh("arm-none-eabi-ld", [`-Ttext=${hexw(TEXT)}`, "-o", "u.elf", "u.o"]);
  sh("arm-none-eabi-objcopy", ["-O", "binary", "-j", ".text", "u.elf", "u.bin"]);
  const bin = readFileSync(join(dir, "u.bin"));
  const words = Array.from({ length: lines.length }, (_, k) => hexw(bin.readUInt32LE(4 * k)));
  const r = spawnSync("qemu-arm", ["-cpu", "cortex-a8", "u.elf"], { cwd: dir });
  const outcome = r.signal === "SIGILL" ? "undefined" : r.signal === "SIGBUS" || r.signal === "SIGSEGV" ? "abort"
    : r.signal === "SIGTRAP" ? "bkpt" : r.status === 0 ? "ok" : `other ${r.signal ?? r.status}`;
  probes.push({ name, words, outcome });
}
if (process.env.KEEP) console.log(`gen-a32-cases: work files kept in ${dir}`); else rmSync(dir, { recursive: true });

const doc = {
  generated: "by tools/gen-a32-cases.mjs with " + execFileSync("qemu-arm", ["--version"]).toString().split("\n")[0] + " -cpu cortex-a8 (Linux user mode)",
  data: hexw(DATA), dataInit: patHex,
  note: "regs = r0-r14 before; cpsr = APSR (NZCVQ, GE) before, User mode; out.cpsr = NZCVQ, GE, E, A, I, F, T after; out.pc = next instruction (Thumb if out.cpsr has T); mem/out.mem = the 128 bytes at data when they differ from dataInit/mem",
  cases: fixture, probes,
};
const path = join(root, "test/fixtures/a32-cases.json");
writeFileSync(path, JSON.stringify(doc, null, 0).replace(/\{"asm"/g, '\n{"asm"').replace(/\{"name"/g, '\n{"name"') + "\n");
console.log(`gen-a32-cases: ${fixture.length} cases, ${probes.length} probes -> ${path}`);
