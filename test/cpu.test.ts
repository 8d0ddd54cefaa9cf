// The execution engine (assembly/cpu/run.ts, dcache.ts): exact instruction budgets, decoded
// instructions kept coherent with stores to code and with I-cache maintenance, repeatable runs,
// and no guest behaviour that can take the host down.
import { describe, it, expect } from "vitest";
import { Machine } from "../src/machine/machine.js";

const CODE = 0x80008000;
const put = (m: Machine, addr: number, ws: number[]) => ws.forEach((w, k) => m.physWrite32(addr + 4 * k, w >>> 0));

describe("execution engine", () => {
  it("retires exactly the budget it is given", () => {
    const m = Machine.createSync({ ramMiB: 16 });
    put(m, CODE, [0xe2800001 /* add r0, r0, #1 */, 0xeafffffd /* b CODE */]);
    m.pc = CODE;
    for (const n of [1, 2, 3, 1000, 12345]) {
      const before = m.icount;
      const r = m.run({ maxInsns: n });
      expect(r.reason).toBe("budget");
      expect(m.icount - before).toBe(n);
      expect(r.insns).toBe(n);
    }
    expect(m.reg(0)).toBe(Math.ceil((1 + 2 + 3 + 1000 + 12345) / 2));
  });

  it("sees a store that rewrites an instruction it has already executed (self-modifying code)", () => {
    const m = Machine.createSync({ ramMiB: 16 });
    // loop: mov r0, #1 ; str r2, [r1] (rewrites the mov to mov r0, #2) ; subs r3, r3, #1 ; bne loop
    put(m, CODE, [0xe3a00001, 0xe5812000, 0xe2533001, 0x1afffffb, 0xeafffffe]);
    m.setReg(1, CODE);
    m.setReg(2, 0xe3a00002);
    m.setReg(3, 2);
    m.pc = CODE;
    m.run({ maxInsns: 9 });
    expect(m.pc).toBe(CODE + 16);
    expect(m.reg(0)).toBe(2);
  });

  it("sees code written by the host between runs", () => {
    const m = Machine.createSync({ ramMiB: 16 });
    put(m, CODE, [0xe3a00005, 0xeafffffe]);
    m.pc = CODE;
    m.run({ maxInsns: 2 });
    expect(m.reg(0)).toBe(5);
    put(m, CODE, [0xe3a00006]);
    m.pc = CODE;
    m.run({ maxInsns: 1 });
    expect(m.reg(0)).toBe(6);
  });

  it("keeps code coherent when it is modified through a second virtual alias (ICIALLU afterwards)", () => {
    const m = Machine.createSync({ ramMiB: 16 });
    const L1 = 0x80100000;
    for (let i = 0; i < 4096; i++) m.physWrite32(L1 + 4 * i, 0);
    m.physWrite32(L1 + (0x800 << 2), 0x80000c02);          // VA 0x80000000 -> PA 0x80000000, AP=3
    m.physWrite32(L1 + (0x400 << 2), 0x80000c02);          // VA 0x40000000 -> PA 0x80000000 (alias)
    // mov r0, #1 ; str r2, [r1] (through the alias) ; mcr p15,0,r4,c7,c5,0 (ICIALLU) ; mov r0, #1 -> rewritten ; b .
    put(m, CODE, [0xe3a00001, 0xe5812000, 0xee074f15, 0xe3a00001, 0xeafffffe]);
    m.setReg(1, 0x40008000 + 12);
    m.setReg(2, 0xe3a00007);
    m.setCp15({ TTBR0: L1, DACR: 0x55555555, SCTLR: m.getCp15("SCTLR") | 1 });
    m.pc = CODE;
    m.run({ maxInsns: 4 });
    expect(m.reg(0)).toBe(7);
  });

  it("gives the same instruction count and state for the same run (deterministic virtual time)", () => {
    const runOnce = () => {
      const m = Machine.createSync({ ramMiB: 16 });
      // count iterations until the 32 kHz counter has advanced by 100 ticks
      put(m, CODE, [
        0xe59f1018, // ldr r1, =0x48320010
        0xe5912000, // ldr r2, [r1]
        0xe2822064, // add r2, r2, #100
        0xe2800001, // loop: add r0, r0, #1
        0xe5913000, // ldr r3, [r1]
        0xe1530002, // cmp r3, r2
        0x3afffffb, // bcc loop
        0xeafffffe, // b .
        0x48320010,
      ]);
      m.pc = CODE;
      m.run({ maxInsns: 1_000_000 });
      return [m.reg(0), m.reg(3), m.pc];
    };
    expect(runOnce()).toEqual(runOnce());
  });

  it("survives random garbage as code, vectors and data: every run ends cleanly", () => {
    let seed = 12345;
    const rnd = () => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed; };
    for (let trial = 0; trial < 12; trial++) {
      const m = Machine.createSync({ ramMiB: 1 });
      const ram = new Uint8Array(1 << 20);
      for (let i = 0; i < ram.length; i += 4) {
        const w = rnd();
        ram[i] = w; ram[i + 1] = w >>> 8; ram[i + 2] = w >>> 16; ram[i + 3] = w >>> 24;
      }
      m.writeRam(0x80000000, ram);
      m.setCp15({ VBAR: 0x80000000 + (rnd() & 0xfffe0) });
      m.pc = 0x80000000 + (rnd() & 0xffffc);
      m.cpsr = [0x10, 0x13, 0x1f, 0x1b][trial & 3] | 0xc0;
      let r;
      expect(() => { r = m.run({ maxInsns: 200_000 }); }).not.toThrow();
      expect(["budget", "fatal", "idle", "exit", "bkpt", "input"]).toContain(r!.reason);
      expect(m.dumpRegs()).toMatch(/r15=/);
    }
  });
});

describe("big-endian data (SETEND BE, CPSR.E; ARM ARM A2.4.3, A8.8.138)", () => {
  it("byte-reverses loads and stores of each size, swaps VFP doubleword halves, and ends at exception entry (SCTLR.EE = 0)", () => {
    const m = Machine.createSync({ ramMiB: 16 });
    const DATA = 0x80010000, VEC = 0x80009000;
    put(m, CODE, [
      0xf1010200, // setend be
      0xe5801000, // str r1, [r0]           memory: 11 22 33 44
      0xe5d02000, // ldrb r2, [r0]          0x11
      0xe1d030b0, // ldrh r3, [r0]          0x1122
      0xe5904000, // ldr r4, [r0]           0x11223344
      0xe1c010b8, // strh r1, [r0, #8]      memory: 33 44
      0xec451b10, // vmov d0, r1, r5        d0 = 0x55667788_11223344
      0xed800b04, // vstr d0, [r0, #16]     high word first: 55 66 77 88 11 22 33 44
      0xed901b04, // vldr d1, [r0, #16]
      0xec576b11, // vmov r6, r7, d1
      0xe8900300, // ldm r0, {r8, r9}       r8 = 0x11223344
      0xef000000, // svc #0                 exception entry: E from SCTLR.EE (0)
    ]);
    put(m, VEC + 8, [
      0xe10fa000, // mrs r10, cpsr
      0xe590b000, // ldr r11, [r0]          little-endian again: 0x44332211
      0xeafffffe,
    ]);
    m.setCp15({ CPACR: 0x00f00000, VBAR: VEC });
    m.fpexc = 0x40000000;
    m.pc = CODE;
    m.setReg(0, DATA); m.setReg(1, 0x11223344); m.setReg(5, 0x55667788);
    m.run({ maxInsns: 14 });
    expect(m.pc >>> 0).toBe(VEC + 8 + 8);
    expect([...Array(4)].map((_, k) => m.physRead(DATA + k, 1))).toEqual([0x11, 0x22, 0x33, 0x44]);
    expect(m.reg(2)).toBe(0x11);
    expect(m.reg(3)).toBe(0x1122);
    expect(m.reg(4) >>> 0).toBe(0x11223344);
    expect([m.physRead(DATA + 8, 1), m.physRead(DATA + 9, 1)]).toEqual([0x33, 0x44]);
    expect([...Array(8)].map((_, k) => m.physRead(DATA + 16 + k, 1))).toEqual([0x55, 0x66, 0x77, 0x88, 0x11, 0x22, 0x33, 0x44]);
    expect([m.reg(6) >>> 0, m.reg(7) >>> 0]).toEqual([0x11223344, 0x55667788]); // the round trip keeps d's halves
    expect(m.reg(8) >>> 0).toBe(0x11223344);
    expect(m.reg(10) & 0x200).toBe(0);                 // CPSR.E cleared by the exception entry
    expect(m.reg(11) >>> 0).toBe(0x44332211);
  });
});
