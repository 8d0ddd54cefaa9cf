#!/usr/bin/env node
// Generates test/fixtures/a32-disasm.json: A32 encodings with LLVM's disassembly of each, the
// reference for test/disasm.test.ts. Encodings: every instruction word of test/fixtures/a32-cases.json
// plus the system, coprocessor and unconditional instructions below (assembled with
// arm-none-eabi-as). The words are laid out from address 0 in one .text section and disassembled
// by `llvm-objdump -d --triple=armv7a`. Needs: arm-none-eabi-as/objcopy, llvm-objdump.
// Run: node tools/gen-disasm-corpus.mjs
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const EXTRA = `
  push {r4, lr}
  pop {r4, pc}
  push {r0}
  pop {r0}
  ldr r0, [sp], #4
  str r1, [sp, #-4]!
  stmdb sp!, {r3}
  ldmia sp!, {r3}
  ldr r0, [pc, #8]
  ldr r0, [r1, #-0]
  mrc p15, #0, r0, c1, c0, #0
  mcr p15, #0, r0, c7, c10, #5
  mrc p14, #0, APSR_nzcv, c0, c1, #0
  mcrr p15, #0, r0, r1, c2
  mrrc p15, #1, r2, r3, c14
  ldc p5, c1, [r0, #4]
  stcl p6, c2, [r1, #-8]!
  ldc p5, c3, [r2], #16
  ldc p5, c3, [r2, #0]!
  ldr r0, [r1, #0]!
  ldrh r0, [r1, #0]!
  ldr r0, [r1, #-0]!
  stc p5, c3, [r2], {7}
  cdp p5, #1, c1, c2, c3, #4
  ldc2 p5, c1, [r0, #4]
  stc2l p6, c2, [r1], #-8
  mcrr2 p5, #1, r0, r1, c2
  mrrc2 p5, #1, r0, r1, c2
  mrc2 p5, #1, r0, c1, c2, #3
  mov r0, #0x80000000
  mov pc, #0x80000000
  .word 0xe3a00240
  .word 0xe3300a01
  mvn r0, #0
  and r0, r1, #0xff000000
  movs r0, r1, rrx
  mov r0, r1, lsl r2
  mov r0, r1, lsl #2
  mov r0, r1, asr #32
  mvn r0, r1, ror r2
  cmp r0, #1
  teq r0, r1, lsr #3
  cmn r0, r1, asr r2
  tst r0, r1, rrx
  sub pc, lr, #4
  subs pc, lr, #4
  movs pc, lr
  adr r0, .+16
  msr cpsr_fc, r0
  msr cpsr_c, r0
  msr cpsr_fsxc, r0
  msr spsr_fsxc, r0
  msr spsr_c, r0
  msr APSR_nzcvq, #0xf0000000
  msr APSR_g, r0
  msr APSR_nzcvqg, r0
  msr spsr_f, #0x10
  msr cpsr_c, #0xd3
  mrs r0, apsr
  mrs r0, spsr
  bkpt #0x12
  bkpt #0xab
  svc #0x123456
  svc #0
  cpsid if
  cpsie aif, #19
  cpsid a
  cps #19
  setend be
  setend le
  dmb ish
  dmb sy
  dsb st
  dsb #0
  isb sy
  clrex
  pld [r0, #4]
  pld [r0, #-4]
  pld [r0]
  pld [r1, r2, lsl #2]
  pld [r1, -r2]
  .word 0xf590f008
  pli [r0, #-12]
  pli [r0, r1]
  nop
  yield
  wfe
  wfi
  sev
  dbg #5
  .word 0xe320f0f5
  .word 0xe320f017
  udf #1
  udf #0xffff
  movw r0, #0x1234
  movt r12, #0xffff
  srsdb sp!, #0x13
  srsia sp, #0x1f
  rfeia r0!
  rfedb lr
  stm r0, {r1, r2}^
  ldm r0, {r1, pc}^
  ldmib r0, {r1-r12}
  stmda r0!, {r4, r5}
  ldmdb r0, {r4, r5}
  stmib r8, {r0, r15}
  blx .+0x40
  blx .+0x42
  bx lr
  bxeq lr
  bxj r3
  blx r12
  b .
  bl .-0x100
  bgt .+0x1000
  ldrd r2, r3, [r1, #-8]!
  strd r4, r5, [r6], -r7
  ldrh r0, [r1, #-0]
  ldrsb r0, [r1], #0
  ldrex r0, [r1]
  ldrexd r0, r1, [r2]
  strexd r4, r2, r3, [r1]
  strexb r4, r2, [r1]
  ldrexh r0, [r1]
  swpb r0, r1, [r2]
  strht r0, [r1], #2
  ldrsbt r0, [r1], -r2
  ldrbt r0, [r1], r2, lsl #3
  strt r0, [r1], #-4
  strt r0, [r1], r2
  ldrt r0, [r1], -r2, asr #2
  strbt r0, [r1], r2, lsl #1
  strb r0, [r1, r2]
  strb r0, [r1, -r2, lsl #3]!
  ldr r0, [r1], #0
  .word 0xf711f002
  addseq r0, r1, r2
  ldrbne r0, [r1]
  mulseq r0, r1, r2
  smlabbgt r0, r1, r2, r3
  sadd16lt r0, r1, r2
  pkhtb r0, r1, r2, asr #32
  sxtab16 r0, r1, r2, ror #24
  usat16 r0, #15, r1
  smmlsr r0, r1, r2, r3
  .word 0xe710f211
  .word 0xe730f211
  .word 0xe6012f11
  .word 0xe1110092
  .word 0xf4000000
  .word 0xffffffff
`;

const cases = JSON.parse(readFileSync(join(root, "test/fixtures/a32-cases.json"), "utf8"));
const words = [];
const seen = new Set();
for (const c of cases.cases) for (const w of c.words) { const v = Number(w) >>> 0; if (!seen.has(v)) { seen.add(v); words.push(v); } }
for (const u of cases.probes) for (const w of u.words) { const v = Number(w) >>> 0; if (!seen.has(v)) { seen.add(v); words.push(v); } }

const dir = mkdtempSync(join(tmpdir(), "vm7-dis-"));
const sh = (cmd, args) => execFileSync(cmd, args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 26 }).toString();
// The hand-written lines are assembled at their final addresses so that PC-relative targets match.
const base = words.length * 4;
writeFileSync(join(dir, "x.s"), [".syntax unified", ".arm", ".text", `.space ${base}`, EXTRA].join("\n") + "\n");
sh("arm-none-eabi-as", ["-mcpu=cortex-a8", "-o", "x.o", "x.s"]);
sh("arm-none-eabi-objcopy", ["-O", "binary", "-j", ".text", "x.o", "x.bin"]);
const bin = readFileSync(join(dir, "x.bin"));
for (let off = base; off < bin.length; off += 4) words.push(bin.readUInt32LE(off));
// VFP (cp10/cp11 rows), appended after the rest: up to four distinct words per arithmetic group (all
// of the load/store, transfer and condition groups) of
// test/fixtures/vfp-cases.json, its probes, and hand-written forms assembled in place.
const EXTRA_VFP = `
  vmov.f32 s0, #1.0
  vmov.f32 s3, #-2.5
  vmov.f64 d17, #0.125
  vmov.f64 d1, #31.0
  vmov.f32 s8, #-0.1875
  vldr s0, [pc, #8]
  vldr d3, [pc, #-16]
  vmrs r2, mvfr1
  vmrs r3, fpscr
  vmsr fpsid, r1
  vcmpe.f32 s0, #0
  vldmdb r2!, {s3-s4}
  vmoveq s0, r1
  vaddne.f64 d0, d1, d2
  vcvteq.f64.f32 d0, s1
  vcvt.s32.f64 d0, d0, #32
  vcvt.f32.u32 s2, s2, #32
  vpush {d8-d15}
  vpop {s0-s31}
  .word 0xec910b21
  .word 0xeef20a10
`;
const vfx = JSON.parse(readFileSync(join(root, "test/fixtures/vfp-cases.json"), "utf8"));
const perGroup = new Map();
for (const c of vfx.cases) for (const w of c.words) {
  const v = Number(w) >>> 0, n = perGroup.get(c.group) ?? 0;
  if (n < (/^(vldst|vmov-core|fpscr|cond)$/.test(c.group) ? 100 : 4) && !seen.has(v) && (v & 0x0e000000) !== 0x02000000) { seen.add(v); words.push(v); perGroup.set(c.group, n + 1); }
}
for (const u of vfx.probes) for (const w of u.words) { const v = Number(w) >>> 0; if (!seen.has(v)) { seen.add(v); words.push(v); } }
const vbase = words.length * 4;
writeFileSync(join(dir, "v.s"), [".syntax unified", ".arm", ".fpu vfpv3", ".text", `.space ${vbase}`, EXTRA_VFP].join("\n") + "\n");
sh("arm-none-eabi-as", ["-mcpu=cortex-a8", "-mfpu=vfpv3", "-o", "v.o", "v.s"]);
sh("arm-none-eabi-objcopy", ["-O", "binary", "-j", ".text", "v.o", "v.bin"]);
const vbin = readFileSync(join(dir, "v.bin"));
for (let off = vbase; off < vbin.length; off += 4) words.push(vbin.readUInt32LE(off));
const all = Buffer.alloc(words.length * 4);
words.forEach((w, k) => all.writeUInt32LE(w, 4 * k));
writeFileSync(join(dir, "w.bin"), all);
sh("arm-none-eabi-objcopy", ["-I", "binary", "-O", "elf32-littlearm", "-B", "arm",
  "--rename-section", ".data=.text,code,alloc,load,readonly,contents", "w.bin", "w.o"]);
const dump = sh("llvm-objdump", ["-d", "--triple=armv7a", "w.o"]);
const version = execFileSync("llvm-objdump", ["--version"]).toString().split("\n").find((l) => /version/i.test(l)).trim();
rmSync(dir, { recursive: true });

const out = [];
for (const line of dump.split("\n")) {
  const m = /^\s*([0-9a-f]+):\s+((?:[0-9a-f]{2} ){4})\s*(.*)$/.exec(line);
  if (!m) continue;
  const addr = parseInt(m[1], 16);
  const word = words[addr / 4];
  out.push({ addr: "0x" + addr.toString(16), word: "0x" + word.toString(16).padStart(8, "0"), llvm: m[3].trim() });
}
if (out.length !== words.length) throw new Error(`parsed ${out.length} lines for ${words.length} words`);
const doc = { generated: `by tools/gen-disasm-corpus.mjs with llvm-objdump -d --triple=armv7a (${version})`, corpus: out };
writeFileSync(join(root, "test/fixtures/a32-disasm.json"), JSON.stringify(doc).replace(/\{"addr"/g, '\n{"addr"') + "\n");
console.log(`gen-disasm-corpus: ${out.length} encodings`);
