// The two execution engines agree (issue 11): the interpreter is the reference, and the JIT
// (src/jit, assembly/cpu/jit.ts) must retire the same instructions with the same results. Every
// program here runs under both, with the JIT's threshold at 1 so that small programs really run
// compiled code (jitStats().entries > 0 is asserted), and the console output, the exit status and the
// retired instruction count must be identical: the virtual clock counts instructions, so any
// difference would show in the guest's own figures too. Then what only the JIT has: self-modifying
// code (with and without the cache maintenance a real guest does), the bounded code cache, the
// counters, a debugger session, snapshots and recordings made under one engine and resumed under the
// other, and bad engine names.
//
// In-process runs go through runAsync (the worker's event loop keeps running); Linux boots and gdb
// sessions run as child processes (test/helpers/run.ts).
import { describe, it, expect, beforeAll } from "vitest";
import { existsSync, mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { spawn, spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeFileSync } from "node:fs";
import { Machine, type MachineOptions, type JitOptions, type JitStats } from "../src/index.js";
import { vm7, ROOT, breathe } from "./helpers/run.js";
import { words } from "./helpers/elf.js";

type Engine = "interp" | "jit";
const ENGINES: Engine[] = ["interp", "jit"];
const fixture = (p: string) => join(ROOT, p);
const dir = mkdtempSync(join(tmpdir(), "vm7-engines-"));

const SLICE = 256;
interface Outcome { output: string; reason: string; exitCode?: number; icount: number; pc: number; cpsr: number; regs: number[]; entries: number; compiled: number }

/** Run m to its end or to `maxInsns` in all, through runAsync in small slices (the JIT compiles the
 *  blocks that got hot between two calls into the core), waiting out "wait" stops. */
async function runTo(m: Machine, maxInsns: number): Promise<Awaited<ReturnType<Machine["runAsync"]>>> {
  let r = await m.runAsync({ maxInsns, sliceInsns: SLICE });
  while (r.reason === "wait") { await breathe(); r = await m.runAsync({ maxInsns: maxInsns - m.icount, sliceInsns: SLICE }); }
  return r;
}

/** A machine under `engine` (the JIT at threshold 1), set up by `load`, run to its end (or `maxInsns`). */
async function runUnder(engine: Engine, load: (m: Machine) => void, opts: MachineOptions = {}, maxInsns = 2e9): Promise<Outcome> {
  const m = await Machine.create({ ramMiB: 64, ...opts, engine, jit: { threshold: 1, ...opts.jit } });
  load(m);
  const r = await runTo(m, maxInsns);
  const st = m.jitStats();
  return {
    output: m.output, reason: r.reason, exitCode: r.exitCode, icount: m.icount, pc: m.pc, cpsr: m.cpsr,
    regs: Array.from({ length: 16 }, (_, k) => m.reg(k)), entries: st?.entries ?? 0, compiled: st?.compiled ?? 0,
  };
}

/** Both engines; the JIT's run must have entered compiled code; everything the guest shows must agree. */
async function agree(load: (m: Machine) => void, opts: MachineOptions = {}, maxInsns?: number): Promise<Outcome> {
  const [a, b] = [await runUnder("interp", load, opts, maxInsns), await runUnder("jit", load, opts, maxInsns)];
  expect(a.entries).toBe(0);
  expect(b.entries, "the JIT never entered compiled code").toBeGreaterThan(0);
  expect(b.output).toBe(a.output);
  expect(b.reason).toBe(a.reason);
  expect(b.exitCode).toBe(a.exitCode);
  expect(b.icount).toBe(a.icount);
  expect(b.pc.toString(16)).toBe(a.pc.toString(16));
  expect(b.regs).toEqual(a.regs);
  expect(b.cpsr.toString(16), "CPSR (flags, mode, IT state)").toBe(a.cpsr.toString(16));
  return a;
}

const BOOTARGS = 0x80007f00;
const tinyKernel = (file: string, args?: string) => (m: Machine) => {
  m.loadElf(new Uint8Array(readFileSync(fixture(`fixtures/kernel/${file}`))), file);
  if (args !== undefined) m.writeRam(BOOTARGS, new TextEncoder().encode(`BOOT${args}\0`));
};
const elf = (path: string) => (m: Machine) => m.loadElf(new Uint8Array(readFileSync(fixture(path))), path);

describe("the engines agree: tiny kernel (self-test and quick bench suites) in every mode", () => {
  const cases: Array<[string, "native" | "full" | "para", string]> = [
    ["kernel.elf", "native", ""], ["kernel.elf", "full", ""], ["kernel-para.elf", "para", ""],
  ];
  for (const [file, mode] of cases) {
    it(`${file} self-test, ${mode} mode`, async () => {
      const a = await agree(tinyKernel(file), { mode, cmdline: "kernel", ramMiB: 512 });
      expect(a.output).toMatch(/kernel selftest: \d+ passed, 0 failed/);
      expect(a.reason).toBe("exit");
    }, 240_000);
    it(`${file} quick bench suites, ${mode} mode: the same BENCH lines (guest-measured figures)`, async () => {
      const a = await agree(tinyKernel(file, "bench quick"), { mode, cmdline: "kernel", ramMiB: 512 });
      expect(a.output).toContain("BENCH-END");
      expect(a.output.match(/^BENCH \S+ /gm)?.length).toBe(15);
    }, 240_000);
  }
});

describe("the engines agree: newlib programs, hello, a32mix and t32mix", () => {
  const progs = [
    ...["fixtures/newlib", "test/fixtures/thumb"].flatMap((d) => readdirSync(fixture(d)).filter((f) => f.endsWith(".elf")).sort().map((f) => `${d}/${f}`)),
    "fixtures/hello/hello.elf", "bench/workloads/a32mix.elf", "bench/workloads/t32mix.elf",
  ];
  for (const p of progs) {
    it(p, async () => {
      const name = p.replace(/^.*\//, "").replace(/\.elf$/, "");
      const a = await agree(elf(p), { cmdline: `${name} alpha beta` });
      const golden = p.replace(/\.elf$/, ".out");
      if (existsSync(fixture(golden))) expect(a.output).toBe(readFileSync(fixture(golden), "utf8"));
    }, 120_000);
  }
});

// --- self-modifying code ---------------------------------------------------------------------------
// A32, hand-assembled at 0x80010000, entered in SVC mode with the MMU off:
//   r0 counts iterations 1..200; at r0 == 100 a STREQ rewrites `ADD r2, r2, #1` into `ADD r2, r2, #16`.
//   before: the patched instruction lies before the store in the loop's block (it changes from the
//           next iteration on); after: it lies after the store in the same block (the interpreter runs
//           the new instruction in this very iteration).
// With maintenance, the store is followed by ICIMVAU (MCR p15, 0, r5, c7, c5, 1), DSB and ISB, after
// which the ARM ARM (B2.2.9, A3.5.4 "Ordering of cache and branch predictor maintenance operations")
// requires the new instruction; without it the architecture allows either, and the engines must still
// agree with each other (the JIT leaves a block after a store that hits compiled code).
const BASE = 0x80010000;
const movw = (rd: number, v: number) => (0xe3000000 | (((v >>> 12) & 0xf) << 16) | (rd << 12) | (v & 0xfff)) >>> 0;
const movt = (rd: number, hi: number) => (movw(rd, hi) | 0x00400000) >>> 0;
function smcProgram(where: "before" | "after", maintain: boolean): Uint8Array {
  const maint = maintain ? [0x0e075f35 /* MCREQ p15,0,r5,c7,c5,1 */, 0xf57ff04f /* DSB */, 0xf57ff06f /* ISB */] : [];
  const head = [0xe3a00000 /* mov r0,#0 */, 0xe3a010c8 /* mov r1,#200 */, 0xe3a02000 /* mov r2,#0 */,
    movw(4, 0x2010), movt(4, 0xe282) /* r4 = ADD r2,r2,#16 */, 0 /* movw r5 */, 0 /* movt r5 */];
  const body = where === "before"
    ? [0xe2800001 /* add r0,r0,#1 */, 0xe2822001 /* target: add r2,r2,#1 */, 0xe3500064 /* cmp r0,#100 */, 0x05854000 /* streq r4,[r5] */, ...maint]
    : [0xe2800001, 0xe3500064, 0x05854000, ...maint, 0xe2822001 /* target */];
  const loop = head.length;
  const target = BASE + 4 * (loop + body.indexOf(0xe2822001));
  head[5] = movw(5, target & 0xffff); head[6] = movt(5, target >>> 16);
  const tail = [0xe2511001 /* subs r1,r1,#1 */];
  const bne = loop - (head.length + body.length + tail.length) - 2;
  return words(...head, ...body, ...tail, (0x1a000000 | (bne & 0xffffff)) >>> 0, 0xeafffffe /* b . */);
}

describe("self-modifying code: the JIT runs the new instruction where the interpreter does", () => {
  for (const where of ["before", "after"] as const) {
    for (const maintain of [true, false]) {
      it(`a store rewrites an instruction ${where === "before" ? "earlier in the hot loop's block" : "later in the same block"}, ${maintain ? "with ICIMVAU + DSB + ISB" : "without cache maintenance"}`, async () => {
        const code = smcProgram(where, maintain);
        const load = (m: Machine) => { m.loadRaw(code, BASE); };
        // The whole loop, and budgets that end inside it (before, at and after the store): the state at
        // each cut must be the same under both engines.
        const perIter = code.length / 4 - 8; // the body, SUBS and BNE (7 instructions before the loop, B . after it)
        for (const budget of [2e4, 7 + 99 * perIter + 3, 7 + 99 * perIter + 4, 7 + 99 * perIter + 5, 7 + 100 * perIter + 2]) {
          const a = await agree(load, {}, budget);
          if (budget === 2e4) {
            expect(a.regs[0]).toBe(200);
            if (maintain) expect(a.regs[2]).toBe(where === "before" ? 100 + 100 * 16 : 99 + 101 * 16);
          }
        }
        const j = await runUnder("jit", load, {}, 2e4);
        expect(j.compiled).toBeGreaterThan(1); // the loop's block, compiled again after the store
      });
    }
  }
});

describe("rows the JIT inlines that the difftest cannot reach", () => {
  // TPIDRURO/TPIDRURW reads (MRC p15, 0, Rt, c13, c0, 3/2) are a load of the state block; they must
  // give what the interpreter's MRC gives, here from User mode (both are readable at PL0).
  it("MRC of TPIDRURO and TPIDRURW in User mode, in a hot loop", async () => {
    const code = words(movw(0, 0x1234), movt(0, 0xabcd), 0xee0d0f70 /* mcr p15,0,r0,c13,c0,3 */,
      movw(1, 0x5678), 0xee0d1f50 /* mcr p15,0,r1,c13,c0,2 */, 0xe3a060c8 /* mov r6,#200 */, 0xf1020010 /* cps #16 */,
      0xee1d2f70 /* loop: mrc p15,0,r2,c13,c0,3 */, 0xe0833002 /* add r3,r3,r2 */, 0xee1d4f50 /* mrc p15,0,r4,c13,c0,2 */,
      0xe0255004 /* eor r5,r5,r4 */, 0xe2566001 /* subs r6,r6,#1 */, 0x1afffff9 /* bne loop */, 0xeafffffe /* b . */);
    const a = await agree((m) => { m.loadRaw(code, BASE); }, {}, 5000);
    expect(a.regs[3] >>> 0).toBe(Number((200n * 0xabcd1234n) & 0xffffffffn));
    expect(a.regs[4]).toBe(0x5678);
    expect(a.regs[6]).toBe(0);
    const j = await runUnder("jit", (m) => { m.loadRaw(code, BASE); }, {}, 5000);
    expect(j.entries).toBeGreaterThan(0);
  });
});

describe("flags no instruction reads are not stored (translate.ts flagLiveness)", () => {
  // CMP's N, Z and V are dead where only C is read before the next CMP; ADDS/ADC keep C live; the
  // loop's back edge and budget cuts inside the loop (the block runs only whole, the interpreter
  // runs the rest) must still see every flag where the interpreter has it.
  it("a loop of CMP / SUBCS / ORRCS / ADDS / ADC, run whole and cut at every instruction of one pass", async () => {
    const code = words(0xe3a00801 /* mov r0,#0x10000 */, 0xe3a01007 /* mov r1,#7 */, 0xe3a02000 /* mov r2,#0 */,
      0xe3a03001 /* mov r3,#1 */, 0xe3a06064 /* mov r6,#100 */,
      0xe1500001 /* loop: cmp r0,r1 */, 0x20400001 /* subcs r0,r0,r1 */, 0x21822003 /* orrcs r2,r2,r3 */,
      0xe15000a1 /* cmp r0,r1,lsr #1 */, 0x204000a1 /* subcs r0,r0,r1,lsr #1 */, 0xe0944000 /* adds r4,r4,r0 */,
      0xe2a55000 /* adc r5,r5,#0 */, 0xe2566001 /* subs r6,r6,#1 */, 0x1afffff6 /* bne loop */, 0xeafffffe /* b . */);
    const load = (m: Machine) => { m.loadRaw(code, BASE); };
    const whole = await agree(load, {}, 5000);
    expect(whole.regs[6]).toBe(0);
    for (let j = 0; j < 9; j++) await agree(load, {}, 5 + 9 * 40 + j);
  }, 60_000);
  it("flags an instruction overwrites on the fall-through path are stored before a conditional exit whose target reads them", async () => {
    // loop: CMP; BCC out (leaves the block); SUBS overwrites NZCV; ... out: MOVMI/MOVPL read the CMP's N
    const code = words(0xe3a00801 /* mov r0,#0x10000 */, 0xe3a01007 /* mov r1,#7 */, 0xe3a02000 /* mov r2,#0 */,
      0xe1500001 /* loop: cmp r0,r1 */, 0x3a000002 /* bcc out */, 0xe0500001 /* subs r0,r0,r1 */, 0xe2822001 /* add r2,r2,#1 */,
      0xeafffffa /* b loop */, 0x43a07001 /* out: movmi r7,#1 */, 0x53a07002 /* movpl r7,#2 */, 0xeafffffe /* b . */);
    const a = await agree((m) => { m.loadRaw(code, BASE); }, {}, 100_000);
    expect(a.regs[0]).toBe(2);
    expect(a.regs[2]).toBe(9362);
    expect(a.regs[7]).toBe(1);
  }, 60_000);
});

describe("chaining: compiled blocks enter their in-page successors themselves", () => {
  it("a32mix and t32mix: the same run with chaining on (hops counted) and off (none), as under the interpreter", async () => {
    for (const p of ["bench/workloads/a32mix.elf", "bench/workloads/t32mix.elf"]) {
      const on = await Machine.create({ ramMiB: 64, engine: "jit", jit: { threshold: 1 } });
      const off = await Machine.create({ ramMiB: 64, engine: "jit", jit: { threshold: 1, chain: false } });
      for (const m of [on, off]) {
        elf(p)(m);
        expect((await runTo(m, 1e9)).reason, p).toBe("exit");
      }
      const ref = await runUnder("interp", elf(p));
      for (const m of [on, off]) {
        expect(m.output, p).toBe(ref.output);
        expect(m.icount, p).toBe(ref.icount);
        expect(Array.from({ length: 16 }, (_, k) => m.reg(k)), p).toEqual(ref.regs);
      }
      expect(on.jitStats()!.chained, p).toBeGreaterThan(100_000);
      expect(on.jitStats()!.linked, p).toBeGreaterThan(0); // exits that enter their successor without jitChain
      expect(off.jitStats()!.chained, p).toBe(0);
      expect(off.jitStats()!.linked, p).toBe(0);
      expect(off.jitStats()!.entries, p).toBeGreaterThan(on.jitStats()!.entries);
    }
  }, 120_000);
});

describe("direct chaining: an exit linked to its successor's compiled code is not taken once the page changes", () => {
  // Block A (add; cmp; streq; b B) and block B (add r2; subs; bne A) in one page, each the other's
  // successor: their exits are linked straight to each other's compiled code (JitStats.linked).
  // At iteration 100 A's STREQ rewrites B's `add r2,r2,#1` into `add r2,r2,#16`: from that
  // iteration on, B must add 16 under both engines (the interpreter fetches every instruction anew).
  it("a store from A into B's code: B's new instruction runs in the same iteration; the linked exits go stale with the page", async () => {
    const head = [0xe3a00000 /* mov r0,#0 */, 0xe3a010c8 /* mov r1,#200 */, 0xe3a02000 /* mov r2,#0 */,
      movw(4, 0x2010), movt(4, 0xe282) /* r4 = ADD r2,r2,#16 */, 0 /* movw r5 */, 0 /* movt r5 */];
    const a = [0xe2800001 /* A: add r0,r0,#1 */, 0xe3500064 /* cmp r0,#100 */, 0x05854000 /* streq r4,[r5] */, 0xeaffffff /* b B */];
    const b = [0xe2822001 /* B: add r2,r2,#1 */, 0xe2511001 /* subs r1,r1,#1 */, 0x1afffff8 /* bne A */, 0xeafffffe /* b . */];
    const target = BASE + 4 * (head.length + a.length);
    head[5] = movw(5, target & 0xffff); head[6] = movt(5, target >>> 16);
    const code = words(...head, ...a, ...b);
    const load = (m: Machine) => { m.loadRaw(code, BASE); };
    const end = head.length + 200 * (a.length + 3) + 1;
    // One block per module: after the store A is compiled again (and linked) before B is, while the
    // old B is still the compiled block of B's key, one generation older.
    const opts = { jit: { batch: 1 } };
    const r = await agree(load, opts, end);
    expect(r.regs[0]).toBe(200);
    expect(r.regs[2]).toBe(99 + 101 * 16);
    // Cut inside the iteration of the store too (after the store, after `b B`, after B's add).
    for (const cut of [3, 4, 5]) await agree(load, opts, head.length + 99 * (a.length + 3) + cut);
    const m = await Machine.create({ ramMiB: 64, engine: "jit", jit: { threshold: 1, batch: 1 } });
    load(m);
    await runTo(m, end);
    const st = m.jitStats()!;
    expect(m.reg(2)).toBe(99 + 101 * 16);
    expect(st.linked).toBeGreaterThanOrEqual(2); // A -> B and B -> A, before the store and again after it
    expect(st.compiled).toBeGreaterThanOrEqual(4); // A and B again after the store moved their page's generation
  });
});

describe("a translation queued before its code changed is not installed over a newer one", () => {
  // B (add r2,r2,#1; bx lr) gets hot and is translated and queued (a batch of 16 is not full); the
  // loop then rewrites B's first instruction (add r2,r2,#16), B gets hot again and is translated
  // again into the same batch; the batch compiles at the end of the slice. The first translation is
  // of an older generation of the page: installing it (jitInstall sees only that B's key waits)
  // ran the old `add #1` for the rest of the run. Found by a Debian boot at threshold 2, where
  // ftrace turns `bl __gnu_mcount_nc` into `add sp, sp, #4` at start-up.
  it("B adds 16 from the iteration after the store, under both engines", async () => {
    const code = words(0xe3a00000 /* mov r0,#0 */, 0xe3a02000 /* mov r2,#0 */, 0xe59f4024 /* ldr r4,[pc,#36] */,
      0xe59f5024 /* ldr r5,[pc,#36] */, 0xeb000005 /* loop: bl B */, 0xe2800001 /* add r0,r0,#1 */,
      0xe3500003 /* cmp r0,#3 */, 0x05854000 /* streq r4,[r5] */, 0xe3500f32 /* cmp r0,#200 */,
      0x1afffff9 /* bne loop */, 0xeafffffe /* b . */, 0xe2822001 /* B: add r2,r2,#1 */, 0xe12fff1e /* bx lr */,
      0xe2822010, BASE + 44);
    const load = (m: Machine) => { m.loadRaw(code, BASE); };
    const end = 4 + 200 * 8 + 1;
    const out: number[] = [];
    for (const engine of ["interp", "jit"] as const) {
      const m = await Machine.create({ ramMiB: 64, engine, jit: { threshold: 2, batch: 16 } });
      load(m);
      let r = m.run({ maxInsns: end, sliceInsns: 1000 }); // the first slice: iterations 1-5 and more
      while (r.reason === "budget" && m.icount < end) r = m.run({ maxInsns: end - m.icount, sliceInsns: 1000 });
      expect(m.reg(0)).toBe(200);
      out.push(m.reg(2));
      if (engine === "jit") expect(m.jitStats()!.entries).toBeGreaterThan(0);
    }
    expect(out[0]).toBe(3 + 197 * 16); // B ran before the store in iterations 1-3
    expect(out[1]).toBe(out[0]);
  });
});

describe("a queued block that keeps being entered is compiled without waiting for its batch", () => {
  // One hot loop of 4 instructions, 100,000 passes in one 1 M-instruction slice: the loop block is
  // queued at its 1,024th entry, and the batch (16 blocks) never fills. Without asking the host to
  // compile the queue once a queued block has been entered `threshold` times more, the loop stays
  // interpreted to the end of the slice (compiled instructions 0).
  it("most of the loop runs compiled within the one slice, with the interpreter's result", async () => {
    const code = words(0xe3a00000 /* mov r0,#0 */, 0xe59f1010 /* ldr r1,[pc,#16] */, 0xe2800003 /* loop: add r0,r0,#3 */,
      0xe2511001 /* subs r1,r1,#1 */, 0xe0200001 /* eor r0,r0,r1 */, 0x1afffffb /* bne loop */, 0xeafffffe /* b . */, 100000);
    const end = 2 + 100000 * 4 + 1;
    const out: number[] = [];
    for (const engine of ENGINES) {
      const m = await Machine.create({ ramMiB: 64, engine, jit: { threshold: 1024, batch: 16 } });
      m.loadRaw(code, BASE);
      const r = m.run({ maxInsns: end, sliceInsns: 1 << 20 });
      expect(r.reason).toBe("budget");
      out.push(m.reg(0));
      if (engine === "jit") {
        const st = m.jitStats()!;
        expect(st.compiled).toBe(1);
        expect(st.insns).toBeGreaterThan(end - 3 * 1024 * 4);
      }
    }
    expect(out[1]).toBe(out[0]);
  });
});

describe("direct chaining: links of generations that are over are forgotten", () => {
  // Loop A stores one of its own instructions back unchanged (STR r4,[r5]), so each pass makes A's
  // page a new generation and A is compiled again; A ends with `b C` to a block C that runs once and
  // is never compiled, so each compiled A leaves an exit waiting for C. Every 64 modules the JIT
  // drops the waiting exits (and targets) of generations that are over; without that they would
  // pile up for the whole run (no flush comes: few blocks are live), keeping every old module alive.
  it("a loop recompiled ~150 times keeps fewer than 100 waiting exits, and agrees with the interpreter", async () => {
    const code = words(0xe3a00000 /* mov r0,#0 */, 0xe3a01f4b /* mov r1,#300 */, 0xe59f5014 /* ldr r5,[pc,#20] */,
      0xe5954000 /* ldr r4,[r5] */, 0xe2800001 /* A: add r0,r0,#1 */, 0xe5854000 /* str r4,[r5] */,
      0xe2511001 /* subs r1,r1,#1 */, 0x1afffffb /* bne A */, 0xea000000 /* b C */, BASE + 16, 0xeafffffe /* C: b . */);
    const load = (m: Machine) => { m.loadRaw(code, BASE); };
    const end = 4 + 300 * 4 + 1 + 3;
    const opts = { jit: { batch: 1 } };
    const r = await agree(load, opts, end);
    expect(r.regs[0]).toBe(300);
    const m = await Machine.create({ ramMiB: 64, engine: "jit", jit: { threshold: 1, batch: 1 } });
    load(m);
    await runTo(m, end);
    expect(m.jitStats()!.compiled).toBeGreaterThan(100);
    const link = (m as unknown as { jit: { linkState(): { targets: number; waiting: number } } }).jit.linkState();
    expect(link.waiting).toBeLessThan(100);
    expect(link.targets).toBeLessThanOrEqual(4);
  });
});

/** jumps.elf under a JIT whose code cache holds 4 blocks: flushed again and again, the run still ends
 *  as the interpreter's does. Returns the JIT's counters. */
async function flushedRunAgrees(jit: JitOptions, sliceInsns: number): Promise<JitStats> {
  const prog = elf("test/fixtures/thumb/jumps.elf");
  const m = await Machine.create({ ramMiB: 64, engine: "jit", jit, cmdline: "jumps" });
  prog(m);
  const r = await m.runAsync({ maxInsns: 1e9, sliceInsns });
  const ref = await runUnder("interp", prog, { cmdline: "jumps" });
  const s = m.jitStats()!;
  expect(s.flushes).toBeGreaterThan(0);
  expect(s.live).toBeLessThanOrEqual(4);
  expect(m.output).toBe(ref.output);
  expect(m.icount).toBe(ref.icount);
  expect(r.reason).toBe("exit");
  return s;
}

describe("background compiling (JitOptions.background): modules compiled off the main thread, installed later", () => {
  it("a32mix and t32mix agree with the interpreter when driven by runAsync; a synchronous run() compiles on the main thread", async () => {
    for (const p of ["bench/workloads/a32mix.elf", "bench/workloads/t32mix.elf"]) {
      const bg = await agree(elf(p), { jit: { background: true } });
      expect(bg.output, p).toMatch(/\S/);
      const m = await Machine.create({ ramMiB: 64, engine: "jit", jit: { threshold: 1, background: true } });
      elf(p)(m);
      await runTo(m, 1e9);
      const s = m.jitStats()!;
      expect(s.background, p).toBe(s.modules);   // every module went through WebAssembly.compile
      expect(s.background, p).toBeGreaterThan(0);
      expect(s.entries, p).toBeGreaterThan(0);
      expect(m.output, p).toBe(bg.output);
      // The same option under a caller that never yields (RunOptions.yields unset): compiled at once.
      const sync = await Machine.create({ ramMiB: 64, engine: "jit", jit: { threshold: 1, background: true } });
      elf(p)(sync);
      let q = sync.run({ maxInsns: 1e9, sliceInsns: SLICE });
      while (q.reason === "budget") q = sync.run({ maxInsns: 1e9 - sync.icount, sliceInsns: SLICE });
      expect(sync.jitStats()!.background, p).toBe(0);
      expect(sync.jitStats()!.entries, p).toBeGreaterThan(0);
      expect(sync.output, p).toBe(bg.output);
      expect(sync.icount, p).toBe(m.icount);
    }
  }, 120_000);

  it("maxBlocks 4: flushes while modules are in flight drop them (their blocks are interpreted), and a newlib program still agrees", async () => {
    const s = await flushedRunAgrees({ threshold: 1, maxBlocks: 4, batch: 1, background: true }, 4096);
    expect(s.background).toBeGreaterThan(0);
  }, 120_000);

  it("$VM7_JIT_BACKGROUND other than 0 or 1 is refused", async () => {
    process.env.VM7_JIT_BACKGROUND = "yes";
    try {
      await expect(Machine.create({ ramMiB: 16, engine: "jit" })).rejects.toThrow(/VM7_JIT_BACKGROUND 'yes': must be 0 or 1/);
    } finally { delete process.env.VM7_JIT_BACKGROUND; }
  });
});

describe("the JIT's code cache and counters", () => {
  it("maxBlocks 4: the cache is flushed again and again, and a newlib program still agrees with the interpreter", async () => {
    expect((await flushedRunAgrees({ threshold: 1, maxBlocks: 4 }, SLICE)).background).toBe(0);
  }, 120_000);

  it("jitStats: undefined under the interpreter; under the JIT the counters move", async () => {
    const i = await Machine.create({ ramMiB: 16, engine: "interp" });
    expect(i.engine).toBe("interp");
    expect(i.jitStats()).toBeUndefined();
    const m = await Machine.create({ ramMiB: 64, engine: "jit", jit: { threshold: 2 } });
    expect(m.engine).toBe("jit");
    const fresh = m.jitStats()!;
    for (const k of ["compiled", "refused", "entries", "stale", "flushes", "live", "bytes", "compileMs"]) expect(fresh[k as keyof typeof fresh], k).toBe(0);
    expect(Object.values(fresh).every((v) => v === 0)).toBe(true);
    elf("fixtures/hello/hello.elf")(m);
    await m.runAsync({ maxInsns: 1e8, sliceInsns: 64 });
    const s = m.jitStats()!;
    expect(s.compiled).toBeGreaterThan(0);
    expect(s.entries).toBeGreaterThan(s.compiled);
    expect(s.live).toBeLessThanOrEqual(s.compiled);
    expect(s.live).toBeGreaterThan(0);
    expect(s.bytes).toBeGreaterThan(100 * s.compiled);
    expect(s.compileMs).toBeGreaterThan(0);
    // Instructions retired in compiled code: at least one per entry, never more than ran in all.
    expect(s.insns).toBeGreaterThanOrEqual(s.entries);
    expect(s.insns).toBeLessThanOrEqual(m.icount);
    // The two parts of the compile time: the translator's and the WebAssembly engine's.
    expect(s.translateMs).toBeGreaterThan(0);
    expect(s.wasmMs).toBeGreaterThan(0);
    expect(s.translateMs + s.wasmMs).toBeLessThanOrEqual(s.compileMs + 1e-6);
    // A host write over the code (the program loaded again): it runs again to the same output, and
    // compiled code (made again from the new bytes) runs again.
    const out = m.output;
    m.loadElf(new Uint8Array(readFileSync(fixture("fixtures/hello/hello.elf"))), "hello.elf");
    await m.runAsync({ maxInsns: 1e8, sliceInsns: 64 });
    expect(m.output).toBe(out + out);
    expect(m.jitStats()!.entries).toBeGreaterThan(s.entries);
  }, 60_000);

  it("vm7 run --engine jit --stats prints the JIT's counters; the interpreter prints none", async () => {
    // t32mix: 18M instructions, more than vm7 run's first 8M slice, after which the hot blocks are compiled
    const env = { ...process.env, VM7_JIT_THRESHOLD: "1" };
    const [j, i] = await Promise.all(["jit", "interp"].map((e) => vm7(["run", "--engine", e, "--stats", "t32mix"], { env, timeoutMs: 110_000 })));
    expect(j.status, j.stderr).toBe(0);
    expect(j.stdout).toBe(i.stdout);
    expect(j.stderr).toMatch(/^vm7: jit stats \(engine jit\):$/m);
    expect(Number(/^ {2}compiled +(\d+)$/m.exec(j.stderr)?.[1])).toBeGreaterThan(0);
    expect(Number(/^ {2}entries +(\d+)$/m.exec(j.stderr)?.[1])).toBeGreaterThan(0);
    expect(j.stderr).toMatch(/^ {2}compile_ms +\d+\.\d$/m);
    expect(i.stderr).not.toContain("jit stats");
    expect(/after (\d+) instructions/.exec(j.stderr)?.[1]).toBe(/after (\d+) instructions/.exec(i.stderr)?.[1]);
  }, 120_000);
});

describe("engine names", () => {
  it("vitest.config.ts runs the ISA, exception, MMU and VMM suites a second time under the interpreter", async () => {
    const cfg = (await import("../vitest.config.js")) as { default: { test: { projects: { test: { name: string; include?: string[]; env?: Record<string, string> } }[] } }; INTERP_SUITES: string[] };
    const interp = cfg.default.test.projects.find((p) => p.test.name === "interp")!;
    expect(interp.test.env).toEqual({ VM7_ENGINE: "interp" });
    expect(interp.test.include).toEqual(cfg.INTERP_SUITES);
    for (const f of ["isa-a32", "isa-thumb", "exceptions", "mmu", "vmm"]) expect(cfg.INTERP_SUITES).toContain(`test/${f}.test.ts`);
    for (const f of cfg.INTERP_SUITES) expect(existsSync(join(ROOT, f)), f).toBe(true);
  });
  it("the default engine is the JIT; $VM7_ENGINE and the engine option choose another", async () => {
    const saved = process.env.VM7_ENGINE;
    try {
      delete process.env.VM7_ENGINE;
      expect((await Machine.create({ ramMiB: 16 })).engine).toBe("jit");
      expect((await Machine.create({ ramMiB: 16 })).jitStats()).toBeDefined();
      expect((await Machine.create({ ramMiB: 16, engine: "interp" })).engine).toBe("interp");
      process.env.VM7_ENGINE = "interp";
      expect((await Machine.create({ ramMiB: 16 })).engine).toBe("interp");
      expect((await Machine.create({ ramMiB: 16, engine: "jit" })).engine).toBe("jit");
    } finally {
      if (saved === undefined) delete process.env.VM7_ENGINE; else process.env.VM7_ENGINE = saved;
    }
    // The CLI without --engine: the JIT's counters under --stats.
    const env = { ...process.env };
    delete env.VM7_ENGINE;
    const r = await vm7(["run", "--stats", "hello"], { env, timeoutMs: 30_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^vm7: jit stats \(engine jit\):$/m);
  }, 60_000);
  it("Machine.create refuses an unknown engine, threshold or cache size in one line", async () => {
    await expect(Machine.create({ engine: "turbo" as Engine })).rejects.toThrow(/^engine 'turbo': must be one of interp, jit$/);
    await expect(Machine.create({ engine: "jit", jit: { threshold: 0 } })).rejects.toThrow(/^jit threshold 0: must be a whole number/);
    await expect(Machine.create({ engine: "jit", jit: { maxBlocks: 0.5 } })).rejects.toThrow(/^jit maxBlocks 0.5: must be a whole number/);
  });
  it("vm7 run/linux/bench --engine turbo, VM7_ENGINE=turbo and VM7_JIT_THRESHOLD=x: status 2 and one line", async () => {
    const cmds = [["run", "--engine", "turbo", "hello"], ["linux", "--engine", "turbo", "--exec", "true"], ["bench", "--engine", "turbo", "--quick"]];
    for (const c of cmds) {
      const r = await vm7(c, { timeoutMs: 30_000 });
      expect(r.status, c.join(" ")).toBe(2);
      expect(r.stderr).toMatch(/^error: option '--engine <engine>' argument 'turbo' is invalid\. Allowed choices are interp, jit\.$/m);
    }
    const env = await vm7(["run", "hello"], { env: { ...process.env, VM7_ENGINE: "turbo" }, timeoutMs: 30_000 });
    expect(env.status).toBe(2);
    expect(env.stderr.trim()).toBe("vm7: engine 'turbo' (from $VM7_ENGINE): must be one of interp, jit");
    const th = await vm7(["run", "hello"], { env: { ...process.env, VM7_ENGINE: "jit", VM7_JIT_THRESHOLD: "x" }, timeoutMs: 30_000 });
    expect(th.status).toBe(2);
    expect(th.stderr.trim()).toBe("vm7: $VM7_JIT_THRESHOLD 'x': must be a whole number of block entries from 1 to 1000000");
  }, 60_000);
});

// --- snapshots, recordings and debugging: engine-independent ---------------------------------------
describe("snapshots and recordings cross engines", () => {
  const kernel = fixture("fixtures/kernel/kernel.elf");
  const hash = (err: string) => /state hash ([0-9a-f]{64}) at (\d+) instructions/.exec(err)?.slice(1, 3);
  it("a snapshot saved under the interpreter continues under the JIT (and back) to the same state", async () => {
    const snapI = join(dir, "i.vm7"), snapJ = join(dir, "j.vm7");
    const env = { ...process.env, VM7_JIT_THRESHOLD: "1" };
    const [a, b] = await Promise.all([
      vm7(["run", "--engine", "interp", "--snapshot-at", "3000000", snapI, "--state-hash", kernel], { env, timeoutMs: 120_000 }),
      vm7(["run", "--engine", "jit", "--snapshot-at", "3000000", snapJ, "--state-hash", kernel], { env, timeoutMs: 120_000 }),
    ]);
    expect(a.status, a.stderr).toBe(0);
    expect(b.status, b.stderr).toBe(0);
    expect(b.stdout).toBe(a.stdout);
    expect(hash(b.stderr)).toEqual(hash(a.stderr));
    // Each snapshot resumes under the other engine.
    const [c, d] = await Promise.all([
      vm7(["run", "--engine", "jit", "--stats", "--restore", snapI, "--state-hash"], { env, timeoutMs: 120_000 }),
      vm7(["run", "--engine", "interp", "--restore", snapJ, "--state-hash"], { env, timeoutMs: 120_000 }),
    ]);
    expect(c.status, c.stderr).toBe(0);
    expect(hash(c.stderr)).toEqual(hash(a.stderr));
    expect(hash(d.stderr)).toEqual(hash(a.stderr));
    expect(Number(/^ {2}entries +(\d+)$/m.exec(c.stderr)?.[1])).toBeGreaterThan(0);
  }, 180_000);

  it("a recording made under one engine replays under the other", async () => {
    const rec = join(dir, "k.rec");
    const env = { ...process.env, VM7_JIT_THRESHOLD: "1" };
    const a = await vm7(["run", "--engine", "interp", "--clock", "wall", "--record", rec, "--state-hash", "--max-insns", "20000000", kernel], { env, timeoutMs: 120_000 });
    expect([0, 124]).toContain(a.status);
    const b = await vm7(["run", "--engine", "jit", "--replay", rec, "--state-hash", "--stats"], { env, timeoutMs: 120_000 });
    expect(b.stderr).toMatch(/replay finished|guest exited/);
    expect(b.stdout).toBe(a.stdout);
    expect(hash(b.stderr)).toEqual(hash(a.stderr));
    expect(Number(/^ {2}entries +(\d+)$/m.exec(b.stderr)?.[1])).toBeGreaterThan(0);
  }, 180_000);
});

describe("debugging under the JIT", () => {
  // A breakpoint inside a hot block that has been compiled must still stop there, at the same count.
  it("a breakpoint in the middle of a compiled loop stops at the same instruction as under the interpreter", async () => {
    const code = smcProgram("before", true);
    const stops: Array<{ pc: number; icount: number; r0: number }> = [];
    for (const engine of ENGINES) {
      const m = await Machine.create({ ramMiB: 16, engine, jit: { threshold: 1 } });
      m.loadRaw(code, BASE);
      await m.runAsync({ maxInsns: 500, sliceInsns: 50 }); // the loop is hot and (JIT) compiled by now
      const bp = BASE + 4 * 9;             // the CMP in the loop's body
      m.debugger.addBreakpoint(bp);
      const r = m.run({ maxInsns: 1e5 });
      expect(r.reason).toBe("breakpoint");
      const s = m.run({ step: true });
      expect(s.reason).toBe("step");
      stops.push({ pc: m.pc, icount: m.icount, r0: m.reg(0) });
      if (engine === "jit") expect(m.jitStats()!.entries).toBeGreaterThan(0);
    }
    expect(stops[1]).toEqual(stops[0]);
  });

  const gdbPresent = spawnSync("gdb-multiarch", ["--version"]).status === 0;
  it.skipIf(!gdbPresent)("gdb-multiarch: breakpoints and steps under vm7 run --engine jit; the run ends as a plain one does", async () => {
    const kernel = fixture("fixtures/kernel/kernel.elf");
    const env = { ...process.env, VM7_JIT_THRESHOLD: "1" };
    const plain = vm7(["run", "--engine", "interp", kernel], { timeoutMs: 120_000 });
    const proc = spawn(process.execPath, [join(ROOT, "bin/vm7.js"), "run", "--engine", "jit", "--stats", "--gdb", "0", "--gdb-wait", kernel], { env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "", err = "";
    const port = new Promise<number>((res) => proc.stderr!.on("data", (d) => { err += d; const m = /gdb: listening on [^:]+:(\d+)/.exec(err); if (m) res(Number(m[1])); }));
    proc.stdout!.on("data", (d) => { out += d; });
    const done = new Promise<number | null>((res) => proc.on("close", res));
    const script = join(dir, "jit.gdb");
    writeFileSync(script, ["set pagination off", "set confirm off", `target remote 127.0.0.1:${await port}`,
      "break trap_svc", "continue", "continue", "printf \"svc-pc=%x\\n\", $pc", "stepi", "printf \"step1=%x\\n\", $pc",
      "delete", "break kmain", "monitor icount", "delete", "continue", ""].join("\n"));
    const g = await new Promise<string>((res) => {
      const p = spawn("gdb-multiarch", ["-nx", "-batch", "-x", script, kernel], { stdio: ["ignore", "pipe", "pipe"] });
      let o = "";
      p.stdout.on("data", (d) => { o += d; }); p.stderr.on("data", (d) => { o += d; });
      const t = setTimeout(() => p.kill("SIGKILL"), 90_000);
      p.on("close", () => { clearTimeout(t); res(o); });
    });
    const status = await done, ref = await plain;
    expect(g).toMatch(/Breakpoint 1, 0xc00093d4 in trap_svc/);
    expect(g).toContain("svc-pc=c00093d4");
    expect(g).toContain("step1=c00093d8");
    expect(status, err).toBe(0);
    expect(out).toBe(ref.stdout);
    expect(/after (\d+) instructions/.exec(err)?.[1]).toBe(/after (\d+) instructions/.exec(ref.stderr)?.[1]);
    expect(Number(/^ {2}entries +(\d+)$/m.exec(err)?.[1])).toBeGreaterThan(0);
  }, 150_000);
});

// --- one Linux boot per engine (child processes) --------------------------------------------------
describe("Debian's Linux: the same console and instruction count under both engines", () => {
  let why: string | undefined;
  beforeAll(async () => {
    const r = await vm7(["linux", "--fetch-only"], { timeoutMs: 900_000 });
    if (r.status !== 0) why = r.stderr.trim().split("\n").pop() ?? `vm7 linux --fetch-only exited with ${r.status}`;
  }, 900_000);
  // Native by default (two boots); full mode too with VM7_TEST_ENGINES_FULL=1 (two more).
  const modes = ["native", ...(process.env.VM7_TEST_ENGINES_FULL === "1" ? ["full"] : [])];
  for (const mode of modes) {
    it(`vm7 linux --mode ${mode} --exec 'uname -a; cat /proc/interrupts'`, async (ctx) => {
      if (why) { process.stderr.write(`engines.test: SKIPPED the Linux boot: ${why}\n`); ctx.skip(); }
      const env = { ...process.env, VM7_EXEC_NONCE: "0123456789ab" };
      const args = (e: string) => ["linux", "--engine", e, "--mode", mode, "--stats", "--state-hash", "--exec", "uname -a; cat /proc/interrupts"];
      // A third boot under the JIT at threshold 2 (every block entered twice is compiled): queued
      // translations and code that Linux rewrites at start-up (ftrace's mcount sites) meet there.
      const [a, b, c] = await Promise.all([...ENGINES.map((e) => vm7(args(e), { env, timeoutMs: 300_000 })),
        vm7(args("jit"), { env: { ...env, VM7_JIT_THRESHOLD: "2" }, timeoutMs: 300_000 })]);
      expect(a.status, a.stderr).toBe(0);
      expect(b.status, b.stderr).toBe(0);
      expect(c.status, c.stderr).toBe(0);
      expect(a.stdout).toMatch(/^Linux \S+ 6\.1\./);
      expect(a.stdout).toContain("INTC");
      expect(b.stdout).toBe(a.stdout);
      expect(c.stdout).toBe(a.stdout);
      const counts = (s: string) => /boot to \/init banner: [\d.]+ s, (\d+) instructions.*end \([^)]*\): [\d.]+ s, (\d+) instructions/.exec(s)?.slice(1, 3);
      const hash = (s: string) => /state hash ([0-9a-f]{64}) at (\d+) instructions/.exec(s)?.slice(1, 3);
      expect(counts(a.stderr), a.stderr).toBeDefined();
      expect(hash(a.stderr), a.stderr).toBeDefined();
      for (const x of [b, c]) {
        expect(counts(x.stderr)).toEqual(counts(a.stderr));
        expect(hash(x.stderr), "the whole machine state at the end").toEqual(hash(a.stderr));
        expect(Number(/^ {2}entries +(\d+)$/m.exec(x.stderr)?.[1])).toBeGreaterThan(0);
      }
    }, 320_000);
  }
});
