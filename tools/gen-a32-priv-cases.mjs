#!/usr/bin/env node
// Generates test/fixtures/a32-priv-cases.json: privileged A32 instructions (MRS/MSR with the control
// field and SPSR, CPS, exception returns, LDM/STM with ^, SRS, RFE) with expected results from
// QEMU system emulation (`qemu-system-arm -M realview-pb-a8 -cpu cortex-a8`, bare metal, semihosting).
//
// Like tools/gen-a32-cases.mjs, every case is a block of one program: it sets the banked SP, LR and
// SPSR of System/IRQ/Abort/Undefined/Supervisor mode to fixed values, enters the case's mode with its
// CPSR and SPSR, loads r0-r14, runs the instruction(s), and lands on a pad. The pad stores r0-r14,
// CPSR, SPSR (in modes that have one) and the landing address, then returns to Supervisor mode with
// SVC #0 and dumps the banked registers. The program writes the records to a file through
// semihosting. Needs: arm-none-eabi-as/ld, qemu-system-arm. Run: node tools/gen-a32-priv-cases.mjs
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const TEXT = 0x80100000;
const DATA = 0x80f00000;
const DATA_LEN = 128;
const pattern = Array.from({ length: DATA_LEN }, (_, j) => (j * 37 + 11) & 0xff);
const USR = 0x10, IRQ = 0x12, SVC = 0x13, ABT = 0x17, UND = 0x1b, SYS = 0x1f;
// Fixed banked state at the start of every case; stack pointers point into the data buffer.
const BANKS = {
  [SYS]: { sp: DATA + 0x40, lr: 0x8000a001 },
  [IRQ]: { sp: DATA + 0x60, lr: 0x8000a012, spsr: 0x200001d3 },
  [ABT]: { sp: DATA + 0x50, lr: 0x8000a017, spsr: 0x80000010 },
  [UND]: { sp: DATA + 0x70, lr: 0x8000a01b, spsr: 0x400001df },
  [SVC]: { sp: DATA + 0x30, lr: 0x8000a013, spsr: 0x100001d2 },
};
const D = (o) => DATA + o;

const cases = [];
// mode/cpsr: the CPSR to run with (I and F masked unless given); spsr: that mode's SPSR.
function add(insns, { cpsr, spsr, regs = {}, mem = {}, group }) {
  cases.push({ insns: Array.isArray(insns) ? insns : [insns], cpsr, spsr: spsr ?? 0, regs, mem, group });
}
// status registers
add("mrs r0, cpsr", { cpsr: 0xa80501d3, group: "mrs" });
add("mrs r0, cpsr", { cpsr: 0x500a0117, group: "mrs" });
add("mrs r0, spsr", { cpsr: 0x000001d2, spsr: 0xf80f0030, group: "mrs" });
add("mrs r0, spsr", { cpsr: 0x000001db, spsr: 0x00000010, group: "mrs" });
add("msr cpsr_c, r1", { cpsr: 0x600001d3, regs: { 1: 0xd2 }, group: "msr" });
add("msr cpsr_c, r1", { cpsr: 0x600001d3, regs: { 1: 0x1f }, group: "msr" });
add("msr cpsr_c, #0x10", { cpsr: 0x600001df, group: "msr" });
add("msr cpsr_fsxc, r1", { cpsr: 0x000001d3, regs: { 1: 0xf80f01d7 }, group: "msr" });
add("msr cpsr_fc, r1", { cpsr: 0x000001d3, regs: { 1: 0x900000db }, group: "msr" });
add("msr cpsr_x, r1", { cpsr: 0x000001d3, regs: { 1: 0x00000000 }, group: "msr" });
add("msr cpsr_s, r1", { cpsr: 0x000001d3, regs: { 1: 0x000a0000 }, group: "msr" });
add("msr cpsr_fsxc, r1", { cpsr: 0x000001d3, regs: { 1: 0x000001f3 }, group: "msr" }); // T via MSR is ignored
add("msr spsr_fsxc, r1", { cpsr: 0x000001d2, spsr: 0, regs: { 1: 0xf80f03ff }, group: "msr" });
add("msr spsr_fc, r1", { cpsr: 0x000001d7, spsr: 0x12045678, regs: { 1: 0xa5a5a5a5 }, group: "msr" });
add("msr spsr_f, #0xf0000000", { cpsr: 0x000001db, spsr: 0x000001d3, group: "msr" });
add("msr spsr_c, #0x10", { cpsr: 0x000001d3, spsr: 0x600001d2, group: "msr" });
add("msr spsr_sx, r1", { cpsr: 0x000001d3, spsr: 0, regs: { 1: 0xffffffff }, group: "msr" });
// CPS
add("cpsid i", { cpsr: 0x00000113, group: "cps" });
add("cpsie if", { cpsr: 0x000001d3, group: "cps" });
add("cpsie a", { cpsr: 0x000001d3, group: "cps" });
add("cpsid aif, #0x1b", { cpsr: 0x00000013, group: "cps" });
add("cps #0x1f", { cpsr: 0x000001d3, group: "cps" });
add("cpsie i, #0x12", { cpsr: 0x800001d7, group: "cps" });
// exception returns (B9.3.20 SUBS PC, LR and related; B9.3.7 LDM exception return)
add("subs pc, lr, #4", { cpsr: 0x000001d2, spsr: 0x60000010, regs: { 14: "T+4" }, group: "eret" });
add("movs pc, lr", { cpsr: 0x000001d3, spsr: 0x900001df, regs: { 14: "T" }, group: "eret" });
add("subs pc, lr, #0", { cpsr: 0x000001d7, spsr: 0x00000030, regs: { 14: "TT" }, group: "eret" });
add("subs pc, lr, #0", { cpsr: 0x000001d7, spsr: 0x00000030, regs: { 14: "TT+1" }, group: "eret" });
add("adds pc, r1, #8", { cpsr: 0x000001db, spsr: 0xf0000113, regs: { 1: "T-8" }, group: "eret" });
add("ldm sp!, {r0, pc}^", { cpsr: 0x000001db, spsr: 0x200001d3, regs: { 13: D(0x10) }, mem: { 0x14: "T" }, group: "eret" });
add("ldmia r1, {r2, pc}^", { cpsr: 0x000001d2, spsr: 0x00000030, regs: { 1: D(0) }, mem: { 4: "TT+1" }, group: "eret" });
add("ldmdb r1!, {r2, r3, pc}^", { cpsr: 0x000001d3, spsr: 0xf0000010, regs: { 1: D(0x20) }, mem: { 0x1c: "T" }, group: "eret" });
// LDM/STM user registers (B9.3.5, B9.3.6)
add("stmia r1, {r13, r14}^", { cpsr: 0x000001d3, regs: { 1: D(8) }, group: "ldm-user" });
add("stmdb r1, {r0, r13, r14}^", { cpsr: 0x000001d2, regs: { 1: D(0x30) }, group: "ldm-user" });
add("ldmia r1, {r13, r14}^", { cpsr: 0x000001d7, regs: { 1: D(8) }, group: "ldm-user" });
add("ldmib r1, {r2, r13}^", { cpsr: 0x000001db, regs: { 1: D(16) }, group: "ldm-user" });
add("stmib r1, {r8, r12, r13}^", { cpsr: 0x000001d3, regs: { 1: D(0x40) }, group: "ldm-user" });
// SRS / RFE (B9.3.16, B9.3.13)
add("srsdb sp!, #0x13", { cpsr: 0x000001d3, group: "srs" });
add("srsia sp!, #0x1f", { cpsr: 0xf00001d2, spsr: 0x12045678, group: "srs" });
add("srsdb sp, #0x12", { cpsr: 0x000001d7, group: "srs" });
add("srsib sp!, #0x1b", { cpsr: 0x000001db, group: "srs" });
add("srsda sp!, #0x17", { cpsr: 0x000001d3, group: "srs" });
add("rfeia r1!", { cpsr: 0x000001d3, regs: { 1: D(8) }, mem: { 8: "T", 12: 0x600001d2 }, group: "rfe" });
add("rfedb r1", { cpsr: 0x000001d2, regs: { 1: D(0x20) }, mem: { 0x18: "TT+1", 0x1c: 0x80000030 }, group: "rfe" });
add("rfeib r1!", { cpsr: 0x000001db, regs: { 1: D(0x10) }, mem: { 0x14: "T", 0x18: 0x000f0010 }, group: "rfe" });
add("rfeda r1!", { cpsr: 0x000001d7, regs: { 1: D(0x20) }, mem: { 0x1c: "T", 0x20: 0x000001df }, group: "rfe" });
// banked registers seen after a mode change
add(["cps #0x12", "mov r0, sp", "mov r1, lr"], { cpsr: 0x000001d3, group: "banks" });
add(["msr cpsr_c, #0xdb", "mrs r0, spsr", "str sp, [r13, #-4]!"], { cpsr: 0x000001d3, group: "banks" });

// --- build ----------------------------------------------------------------------------------------
const hexw = (v) => "0x" + (v >>> 0).toString(16).padStart(8, "0");
const expr = (k, v) => typeof v === "number" ? hexw(v) : v.replace(/\bTT\b/g, `tt_${k}`).replace(/\bT\b/g, `t_${k}`);
const hasSpsr = (m) => m !== USR && m !== SYS;

function save(k, landed) {
  return [
    `  str r0, o_${k}`, `  adr r0, o_${k}+4`, "  stmia r0, {r1-r14}", "  mrs r1, cpsr", "  str r1, [r0, #60]",
    "  and r2, r1, #0x1f", "  cmp r2, #0x10", "  cmpne r2, #0x1f", "  moveq r3, #0", "  mrsne r3, spsr", "  str r3, [r0, #64]",
    `  ldr r1, =${landed}`, "  str r1, [r0, #56]", "  svc #0",
  ];
}
const src = [
  ".syntax unified", ".arch armv7-a", ".cpu cortex-a8", ".arm", ".section .casecode,\"awx\"", ".global _start", "_start:",
  "  ldr r0, =vectors", "  mcr p15, 0, r0, c12, c0, 0", "  ldr r0, =resptr", "  ldr r1, =results", "  str r1, [r0]", "  b c_0",
  "  .align 5", "vectors:", "  b .", "  b unexpected", "  b vec_svc", "  b unexpected", "  b unexpected", "  b .", "  b unexpected", "  b unexpected",
  "vec_svc:", "  ldr r0, =resume", "  ldr pc, [r0]",
  "unexpected:", "  mov r0, #4", "  ldr r1, =msg_unexpected", "  svc 0x123456", "  mov r0, #0x18", "  ldr r1, =0x20023", "  svc 0x123456",
];
const data = [".data", ".align 2"];
cases.forEach((c, k) => {
  const uses = c.insns.join(" ") + " " + Object.values(c.regs).join(" ") + " " + Object.values(c.mem).join(" ");
  src.push(`c_${k}:`, `  ldr r0, =r_${k}`, "  ldr r1, =resume", "  str r0, [r1]", "  bl reset_mem");
  for (const [off, v] of Object.entries(c.mem)) src.push(`  ldr r0, =${hexw(DATA + Number(off))}`, `  ldr r1, =${expr(k, v)}`, "  str r1, [r0]");
  src.push("  bl snap_mem", "  bl set_banks", `  ldr r0, =in_${k}`, "  ldr r1, [r0, #60]", "  msr cpsr_fsxc, r1");
  if (hasSpsr(c.cpsr & 0x1f)) src.push("  ldr r1, [r0, #64]", "  msr spsr_fsxc, r1");
  src.push("  ldm r0, {r0-r14}", `i_${k}:`);
  for (const ins of c.insns) src.push(`  ${expr(k, ins)}`);
  src.push(...save(k, `i_${k}+${4 * c.insns.length}`));
  if (/\bT\b/.test(uses)) src.push(`t_${k}:`, ...save(k, `t_${k}`));
  if (/\bTT\b/.test(uses)) src.push("  .align 2", "  .thumb", `tt_${k}:`, "  bx pc", "  nop", "  .arm", ...save(k, `tt_${k}+1`));
  src.push(`r_${k}:`, `  ldr r0, =o_${k}+72`, "  bl dump_banks", `  ldr r0, =o_${k}`, `  ldr r1, =in_${k}`, `  ldr r2, =i_${k}`,
    `  mov r3, #${c.insns.length}`, "  bl finish", `  b n_${k}`, "  .align 2", `o_${k}: .space 116`, "  .ltorg", `n_${k}:`);
  const regs = [];
  const mode = c.cpsr & 0x1f;
  for (let r = 0; r < 15; r++) {
    let v = c.regs[r];
    if (v === undefined) v = r === 13 ? BANKS[mode].sp : r === 14 ? BANKS[mode].lr : 0x01010101 * (r + 1);
    regs.push(expr(k, v));
  }
  data.push(`in_${k}: .word ${regs.join(", ")}, ${hexw(c.cpsr)}, ${hexw(c.spsr)}`);
});
const bankLines = (store) => {
  const out = [];
  for (const m of [SYS, IRQ, ABT, UND]) {
    out.push(`  cps #${m}`);
    if (store) {
      out.push("  str sp, [r0], #4", "  str lr, [r0], #4");
      if (m !== SYS) out.push("  mrs r1, spsr", "  str r1, [r0], #4");
    } else {
      out.push(`  ldr sp, =${hexw(BANKS[m].sp)}`, `  ldr lr, =${hexw(BANKS[m].lr)}`);
      if (m !== SYS) out.push(`  ldr r1, =${hexw(BANKS[m].spsr)}`, "  msr spsr_fsxc, r1");
    }
  }
  out.push("  cps #0x13");
  if (!store) out.push(`  ldr sp, =${hexw(BANKS[SVC].sp)}`, `  ldr lr, =${hexw(BANKS[SVC].lr)}`, `  ldr r1, =${hexw(BANKS[SVC].spsr)}`, "  msr spsr_fsxc, r1");
  return out;
};
src.push(`c_${cases.length}:`,
  // SYS_OPEN(name, "wb", len) -> handle; SYS_WRITE(handle, buf, len); SYS_CLOSE; SYS_EXIT(ApplicationExit)
  "  ldr r1, =open_blk", "  mov r0, #1", "  svc 0x123456", "  ldr r1, =write_blk", "  str r0, [r1]", "  ldr r2, =close_blk", "  str r0, [r2]",
  "  ldr r2, =results", "  str r2, [r1, #4]", "  ldr r3, =resptr", "  ldr r3, [r3]", "  sub r3, r3, r2", "  str r3, [r1, #8]",
  "  mov r0, #5", "  svc 0x123456", "  ldr r1, =close_blk", "  mov r0, #2", "  svc 0x123456",
  "  mov r0, #0x18", "  ldr r1, =0x20026", "  svc 0x123456",
  "reset_mem:", "  ldr r0, =pattern", `  ldr r1, =${hexw(DATA)}`, `  mov r2, #${DATA_LEN}`,
  "3: ldr r3, [r0], #4", "  str r3, [r1], #4", "  subs r2, r2, #4", "  bgt 3b", "  bx lr",
  "snap_mem:", `  ldr r0, =${hexw(DATA)}`, "  ldr r1, =snap", `  mov r2, #${DATA_LEN}`,
  "4: ldr r3, [r0], #4", "  str r3, [r1], #4", "  subs r2, r2, #4", "  bgt 4b", "  bx lr",
  "set_banks:", "  mov r2, lr", ...bankLines(false), "  bx r2",
  "dump_banks:", "  mov r3, lr", ...bankLines(true), "  bx r3",
  "finish:", "  ldr r4, =resptr", "  ldr r5, [r4]", "  str r2, [r5], #4", "  str r3, [r5], #4",
  "5: ldr r6, [r2], #4", "  str r6, [r5], #4", "  subs r3, r3, #1", "  bgt 5b",
  "  mov r3, #17", "6: ldr r6, [r1], #4", "  str r6, [r5], #4", "  subs r3, r3, #1", "  bgt 6b",
  "  mov r3, #29", "7: ldr r6, [r0], #4", "  str r6, [r5], #4", "  subs r3, r3, #1", "  bgt 7b",
  "  ldr r1, =snap", `  mov r3, #${DATA_LEN / 4}`, "8: ldr r6, [r1], #4", "  str r6, [r5], #4", "  subs r3, r3, #1", "  bgt 8b",
  `  ldr r1, =${hexw(DATA)}`, `  mov r3, #${DATA_LEN / 4}`, "9: ldr r6, [r1], #4", "  str r6, [r5], #4", "  subs r3, r3, #1", "  bgt 9b",
  "  str r5, [r4]", "  bx lr", "  .ltorg",
);
data.push("pattern: .byte " + pattern.join(","), "resptr: .word 0", "resume: .word 0", "snap: .space " + DATA_LEN,
  "fname: .asciz \"a32-priv.bin\"", ".align 2", "open_blk: .word fname, 5, 12", "write_blk: .word 0, 0, 0", "close_blk: .word 0",
  "msg_unexpected: .asciz \"unexpected exception\\n\"", ".align 2",
  ".section .databuf,\"aw\"", "databuf: .space " + DATA_LEN, ".bss", ".align 4", "results: .space " + cases.length * 4 * 120);

const dir = mkdtempSync(join(tmpdir(), "vm7-a32p-"));
const sh = (cmd, args) => execFileSync(cmd, args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 26 });
writeFileSync(join(dir, "priv.s"), src.concat(data).join("\n") + "\n");
sh("arm-none-eabi-as", ["-mcpu=cortex-a8", "-o", "priv.o", "priv.s"]);
sh("arm-none-eabi-ld", [`--section-start=.casecode=${hexw(TEXT)}`, "-e", "_start", `--section-start=.databuf=${hexw(DATA)}`, "-o", "priv.elf", "priv.o"]);
const run = spawnSync("qemu-system-arm", ["-M", "realview-pb-a8", "-m", "512", "-cpu", "cortex-a8", "-semihosting", "-nographic",
  "-monitor", "none", "-serial", "none", "-kernel", "priv.elf"], { cwd: dir, env: { ...process.env, QEMU_AUDIO_DRV: "none" }, timeout: 60000 });
if (run.status !== 0) throw new Error(`qemu-system-arm failed (${run.status}): ${run.stdout}${run.stderr}`);
const buf = readFileSync(join(dir, "a32-priv.bin"));
const words = new Uint32Array(buf.buffer, buf.byteOffset, buf.byteLength >>> 2);
const version = execFileSync("qemu-system-arm", ["--version"]).toString().split("\n")[0];
if (process.env.KEEP) console.log(`gen-a32-priv-cases: work files kept in ${dir}`); else rmSync(dir, { recursive: true });

const hexBytes = (ws) => Buffer.from(new Uint32Array(ws).buffer).toString("hex");
const patHex = Buffer.from(pattern).toString("hex");
const fixture = [];
let p = 0;
for (const c of cases) {
  const addr = words[p++], n = words[p++];
  const insns = Array.from(words.slice(p, p + n)); p += n;
  const inp = Array.from(words.slice(p, p + 17)); p += 17;
  const o = Array.from(words.slice(p, p + 29)); p += 29;
  const memIn = hexBytes(words.slice(p, p + DATA_LEN / 4)); p += DATA_LEN / 4;
  const memOut = hexBytes(words.slice(p, p + DATA_LEN / 4)); p += DATA_LEN / 4;
  const landed = o[15];
  const e = {
    asm: c.insns.join("; "), group: c.group, addr: hexw(addr), words: insns.map(hexw),
    regs: inp.slice(0, 15).map(hexw), cpsr: hexw(inp[15]), spsr: hexw(inp[16]),
    out: {
      regs: o.slice(0, 15).map(hexw), pc: hexw(landed & ~1), cpsr: hexw(o[16] | (landed & 1 ? 0x20 : 0)), spsr: hexw(o[17]),
      banks: { usr: [o[18], o[19]].map(hexw), irq: o.slice(20, 23).map(hexw), abt: o.slice(23, 26).map(hexw), und: o.slice(26, 29).map(hexw) },
    },
  };
  if (memIn !== patHex) e.mem = memIn;
  if (memOut !== memIn) e.out.mem = memOut;
  fixture.push(e);
}
if (p !== words.length) throw new Error(`record parse: used ${p} of ${words.length} words`);
const banks = Object.fromEntries(Object.entries(BANKS).map(([m, b]) => [m, Object.fromEntries(Object.entries(b).map(([k, v]) => [k, hexw(v)]))]));
const doc = {
  generated: `by tools/gen-a32-priv-cases.mjs with ${version} -M realview-pb-a8 -cpu cortex-a8`,
  data: hexw(DATA), dataInit: patHex, banks,
  note: "banks = SP/LR/SPSR per mode (by mode number) set before each case; regs/cpsr/spsr = the case's mode; out.banks = [sp, lr, spsr] of usr/irq/abt/und after; out.spsr = SPSR of the landing mode (0 in usr/sys)",
  cases: fixture,
};
const path = join(root, "test/fixtures/a32-priv-cases.json");
writeFileSync(path, JSON.stringify(doc).replace(/\{"asm"/g, '\n{"asm"') + "\n");
console.log(`gen-a32-priv-cases: ${fixture.length} cases -> ${path}`);
