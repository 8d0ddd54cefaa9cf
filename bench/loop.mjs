#!/usr/bin/env node
// Interpreter speed check: guest MIPS on small hand-assembled A32 loops and on the a32mix and t32mix
// (the same C built as Thumb-2) workloads.
//   node bench/loop.mjs [--reps N] [--only loop|calls|a32mix|t32mix]
// Uses dist/ (npm run build); VM7_CORE selects another core build (A/B comparisons).
// Each figure is the best of N timed runs after warm-up (V8 has no OSR for wasm). Time is this
// process's CPU time (user + system), which stays meaningful on a loaded shared machine;
// --wall uses elapsed time instead.
import { readFileSync, existsSync } from "node:fs";
import { Machine } from "../dist/machine/machine.js";

const args = process.argv.slice(2);
const reps = Number(args[args.indexOf("--reps") + 1]) || 5;
const only = args.includes("--only") ? args[args.indexOf("--only") + 1] : undefined;
const BASE = 0x80008000;
const wall = args.includes("--wall");
const now = () => wall ? performance.now() : (({ user, system }) => (user + system) / 1000)(process.cpuUsage());

function loopImage(words) {
  const m = Machine.createSync({ ramMiB: 16 });
  words.forEach((x, i) => m.physWrite32(BASE + 4 * i, x >>> 0));
  m.pc = BASE;
  return m;
}

// ldr/add/str on one word, add, mov lsl, subs, bne: 7 instructions per iteration.
const LOOP = [
  0xe3a00000, 0xe59f1020, 0xe3e00000,             // mov r0,#0; ldr r1,=data; mvn r0,#0
  0xe5912000, 0xe2822001, 0xe5812000, 0xe0833002, // 1: ldr r2,[r1]; add r2,r2,#1; str r2,[r1]; add r3,r3,r2
  0xe1a04183, 0xe2500001, 0x1afffff8,             //    mov r4,r3,lsl#3; subs r0,r0,#1; bne 1b
  0xeafffffe, 0x80009000,
];
// Calls and conditionals: bl to a leaf that compares, conditionally moves and returns with bx lr;
// push/pop around it. 11 instructions per iteration.
const CALLS = [
  0xe3e00000, 0xe59fd02c,                         // mvn r0,#0; ldr sp,=stack
  0xe92d4010, 0xe1a01000, 0xeb000004, 0xe0822001, // 1: push {r4,lr}; mov r1,r0; bl f; add r2,r2,r1
  0xe8bd4010, 0xe2500001, 0x1afffff8, 0xeafffffe, //    pop {r4,lr}; subs r0,r0,#1; bne 1b; b .
  0xe3110001, 0x13a01003, 0x03a01005, 0xe12fff1e, // f: tst r1,#1; movne r1,#3; moveq r1,#5; bx lr
  0x8000a000,
];

function timeLoop(words) {
  const m = loopImage(words);
  m.run({ maxInsns: 2e7 });
  let best = 0;
  for (let k = 0; k < reps; k++) {
    const i0 = m.icount, t0 = now();
    m.run({ maxInsns: 5e7 });
    best = Math.max(best, (m.icount - i0) / ((now() - t0) / 1000) / 1e6);
  }
  return best;
}

function timeMix(name) {
  const path = new URL(`./workloads/${name}.elf`, import.meta.url);
  if (!existsSync(path)) return undefined;
  const img = new Uint8Array(readFileSync(path));
  let best = 0, out = "";
  for (let k = 0; k < reps + 2; k++) {
    const m = Machine.createSync({ ramMiB: 16 });
    m.loadElf(img, `${name}.elf`);
    const t0 = now();
    let r;
    do r = m.run({ maxInsns: 1 << 30 }); while (r.reason === "budget");
    const mips = m.icount / ((now() - t0) / 1000) / 1e6;
    if (r.reason !== "exit") return `stopped: ${r.message}`;
    out = m.output.trim().split("\n").pop();
    if (k >= 2) best = Math.max(best, mips); // the first runs warm V8 up
  }
  return `${best.toFixed(1)} MIPS (${out})`;
}

if (!only || only === "loop") console.log(`loop    ${timeLoop(LOOP).toFixed(1)} MIPS`);
if (!only || only === "calls") console.log(`calls   ${timeLoop(CALLS).toFixed(1)} MIPS`);
if (!only || only === "a32mix") console.log(`a32mix  ${timeMix("a32mix") ?? "missing"}`);
if (!only || only === "t32mix") console.log(`t32mix  ${timeMix("t32mix") ?? "missing"}`);
