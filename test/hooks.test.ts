// The Unicorn-shaped hook API of Machine (src/debug/debugger.ts over assembly/debug/dbg.ts):
// hookCode, hookMem (read, write, fetch; virtual or physical), hookInterrupt, hookTrap, each with a
// handle that removes it; breakpoints, watchpoints and single steps through run(). Hooks observe:
// the guest computes the same things and retires the same instructions with or without them.
import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Machine, elfSymbols, type MemAccess, type ExceptionEvent, type TrapEvent } from "../src/index.js";

const root = join(import.meta.dirname, "..");
const kernel = readFileSync(join(root, "fixtures/kernel/kernel.elf"));
const kernelPara = readFileSync(join(root, "fixtures/kernel/kernel-para.elf"));
const BASE = 0x80008000, DATA = 0x80010000;

// A small A32 program: stores and loads at DATA, an SVC (vector at 0x80000008 returns), then B .
//   mov r0, #7; ldr r1, =DATA; str r0, [r1]; ldr r2, [r1]; strb r0, [r1, #5]; svc #1; add r3, r2, #1; b .
function program(): Machine {
  const m = Machine.createSync({ ramMiB: 4, semihosting: false });
  const code = [0xe3a00007, 0xe59f1014, 0xe5810000, 0xe5912000, 0xe5c10005, 0xef000001, 0xe2823001, 0xeafffffe, DATA];
  code.forEach((w, i) => m.physWrite32(BASE + 4 * i, w));
  m.physWrite32(0x80000008, 0xe1b0f00e); // SVC vector: movs pc, lr
  m.setCp15({ VBAR: 0x80000000 });
  m.pc = BASE;
  return m;
}

describe("hooks", () => {
  it("hookCode sees every instruction of its range before it runs, with its size; the handle removes it", () => {
    const m = program();
    const seen: string[] = [];
    const h = m.hookCode({ begin: BASE, end: BASE + 0x10 }, (a, size, mm) => { seen.push(`${(a - BASE).toString(16)}:${size}:${mm.icount}`); });
    m.run({ maxInsns: 8 });
    expect(seen).toEqual(["0:4:0", "4:4:1", "8:4:2", "c:4:3", "10:4:4"]);
    h.remove();
    m.run({ maxInsns: 20 });
    expect(seen.length).toBe(5);
    expect(m.reg(3)).toBe(8);
  });

  it("hookMem reports reads and writes with values, sizes, the physical address and the accessing instruction", () => {
    const m = program();
    const acc: MemAccess[] = [];
    m.hookMem(["read", "write"], { begin: DATA, end: DATA + 7 }, (a) => { acc.push(a); });
    m.run({ maxInsns: 10 });
    expect(acc.map((a) => [a.kind, a.address - DATA, a.size, a.value, a.physical - DATA, a.pc - BASE, a.icount])).toEqual([
      ["write", 0, 4, 7, 0, 8, 3],      // str r0, [r1]: the 3rd instruction
      ["read", 0, 4, 7, 0, 12, 4],      // ldr r2, [r1]
      ["write", 5, 1, 7, 5, 16, 5],     // strb r0, [r1, #5]
    ]);
    // The literal-pool load (ldr r1, =DATA) is outside the range: not reported.
  });

  it("hookMem('fetch') reports instruction fetches in its range; physical write hooks match physical addresses", () => {
    const m = program();
    const fetches: number[] = [];
    m.hookMem("fetch", { begin: BASE + 0x14, end: BASE + 0x18 }, (a) => { fetches.push(a.address - BASE, a.value); });
    const phys: number[] = [];
    m.hookMem("write", { begin: DATA + 4, end: DATA + 4 }, (a) => { phys.push(a.physical - DATA); }, { physical: true });
    m.run({ maxInsns: 10 });
    expect(fetches).toEqual([0x14, 0xef000001, 0x18, 0xe2823001]);
    expect(phys).toEqual([]); // the strb writes DATA + 5, not DATA + 4
  });

  it("hookInterrupt sees the SVC with its vector, return address and mode; stop() from a hook ends the run", () => {
    const m = program();
    const ex: ExceptionEvent[] = [];
    m.hookInterrupt((e, mm) => { ex.push(e); mm.stop(); });
    const r = m.run({ maxInsns: 100 });
    expect(r.reason).toBe("host");
    expect(ex).toHaveLength(1);
    expect(ex[0]).toMatchObject({ kind: "svc", vector: 8, returnAddress: BASE + 0x18, mode: 0x13, pc: BASE + 0x14, icount: 6 });
    expect(m.pc).toBe(0x80000008);               // stopped right after the exception entry
    expect(m.run({ maxInsns: 3 }).reason).toBe("budget");
    expect(m.reg(3)).toBe(8);
  });

  it("breakpoints stop before the instruction, watchpoints before the access (memory unchanged), steps one instruction", () => {
    const m = program();
    m.debugger.addBreakpoint(BASE + 0xc);
    let r = m.run({ maxInsns: 100 });
    expect(r).toMatchObject({ reason: "breakpoint", insns: 3 });
    expect(m.pc).toBe(BASE + 0xc);
    m.debugger.removeBreakpoint(BASE + 0xc);
    m.debugger.addWatchpoint(DATA + 4, 4, "write");
    r = m.run({ maxInsns: 100 });
    expect(r.reason).toBe("watchpoint");
    expect(r.debug).toMatchObject({ kind: "watchpoint", pc: BASE + 0x10, address: DATA + 5, size: 1, access: "write" });
    expect(m.icount).toBe(4);                   // the strb has not retired
    expect(m.physRead8(DATA + 5)).toBe(0);      // nor written
    // Resuming where it stopped runs the instruction (the same watchpoint does not stop it again).
    r = m.run({ step: true });
    expect(r.reason).toBe("step");
    expect(m.icount).toBe(5);
    expect(m.physRead8(DATA + 5)).toBe(7);
    r = m.run({ step: true });                  // the SVC: the step ends at its vector
    expect(m.pc).toBe(0x80000008);
    expect(m.icount).toBe(6);
  });

  for (const mode of ["native", "full", "para"] as const) {
    it(`the tiny kernel computes the same with hooks as without (${mode}): output, instruction count, registers`, () => {
      const img = mode === "para" ? kernelPara : kernel;
      const a = Machine.createSync({ mode, ramMiB: 128 });
      a.loadElf(img);
      a.run();
      const b = Machine.createSync({ mode, ramMiB: 128 });
      b.loadElf(img);
      const syms = elfSymbols(img);
      const ticks = syms.find((s) => s.name === "ticks")!.addr;
      let writes = 0, exc = 0;
      const traps = new Map<string, number>();
      b.hookMem("write", { begin: ticks, end: ticks + 3 }, () => { writes++; });
      b.hookInterrupt((e: ExceptionEvent) => { if (e.kind === "irq" || e.kind === "svc") exc++; });
      const t = b.hookTrap((e: TrapEvent) => { traps.set(e.kind, (traps.get(e.kind) ?? 0) + 1); });
      b.hookCode({ begin: syms.find((s) => s.name === "timer_tick")!.addr, end: syms.find((s) => s.name === "timer_tick")!.addr }, () => {});
      b.run();
      expect(b.output).toBe(a.output);
      expect(b.icount).toBe(a.icount);
      for (let n = 0; n < 16; n++) expect(b.reg(n)).toBe(a.reg(n));
      expect(b.cpsr).toBe(a.cpsr);
      expect(writes).toBeGreaterThan(10);                   // the timer tick counter
      expect(exc).toBeGreaterThan(1000);
      if (mode === "native") expect(traps.size).toBe(0);
      else {
        expect(traps.get("exc_svc")).toBeGreaterThan(100);   // the guest's system calls, reflected
        expect(mode === "full" ? traps.get("trap_mcr") : traps.get("hypercalls")).toBeGreaterThan(10);
        expect(b.vmmStats()).toEqual(a.vmmStats());          // the VMM did the same work
      }
      t.remove();
    }, 120_000);
  }
});
