// The software TLB's ASID banks (mmu/tlb.ts; ARM ARM B3.9.1, B3.10.1, B4.2.3) and its invalid tag.
// Whether an entry is still cached is made visible the way the architecture allows: a translation
// table entry changed without TLB maintenance may go on being used while the TLB holds it.
import { describe, it, expect } from "vitest";
import { Machine } from "../src/machine/machine.js";

const L1A = 0x80100000, L1B = 0x80104000, CODE = 0x80008000, VEC = 0x80009000;
const VA = 0x40000000, PAGE_A = 0x80200000, PAGE_B = 0x80300000;
const NG = 1 << 17; // section descriptor nG (B3.5.1): the entry is tagged with the ASID
const section = (pa: number, flags = 0) => ((pa & 0xfff00000) | flags | (3 << 10) | 2) >>> 0;

function machine(code: number[]): Machine {
  const m = Machine.createSync({ ramMiB: 16 });
  for (let i = 0; i < 4096; i++) { m.physWrite32(L1A + i * 4, 0); m.physWrite32(L1B + i * 4, 0); }
  for (const l1 of [L1A, L1B]) {
    m.physWrite32(l1 + 0x800 * 4, section(0x80000000)); // code, global
    m.physWrite32(l1 + 0x801 * 4, section(0x80100000)); // the tables, global
  }
  m.physWrite32(L1A + (VA >>> 20) * 4, section(PAGE_A, NG));
  m.physWrite32(L1B + (VA >>> 20) * 4, section(PAGE_B, NG));
  m.physWrite32(PAGE_A, 0x11111111);
  m.physWrite32(PAGE_B, 0x33333333);
  [0xee158f10 /* mrc r8, DFSR */, 0xee169f10 /* mrc r9, DFAR */, 0xeafffffe].forEach((w, k) => m.physWrite32(VEC + 0x10 + 4 * k, w));
  code.forEach((w, k) => m.physWrite32(CODE + 4 * k, w));
  m.setCp15({ CONTEXTIDR: 1, TTBR0: L1A, DACR: 0x55555555, VBAR: VEC, SCTLR: m.getCp15("SCTLR") | 1 });
  m.setReg(1, VA); m.setReg(2, 2); m.setReg(3, L1B); m.setReg(4, 1); m.setReg(9, L1A);
  m.setReg(7, section(PAGE_B, NG)); m.setReg(8, L1A + (VA >>> 20) * 4);
  m.pc = CODE;
  return m;
}

describe("software TLB: ASID banks", () => {
  it("an address-space switch (CONTEXTIDR, TTBR0) keeps the other ASID's entries; TLBIASID drops them", () => {
    const m = machine([
      0xe5915000, // ldr r5, [r1]            ASID 1, table A: page A
      0xee0d2f30, // mcr CONTEXTIDR := r2    ASID 2
      0xee023f10, // mcr TTBR0 := r3         table B
      0xe5916000, // ldr r6, [r1]            page B: ASID 2 does not see ASID 1's entry
      0xe5887000, // str r7, [r8]            table A's entry -> page B, no TLB maintenance
      0xee0d4f30, // mcr CONTEXTIDR := r4    ASID 1
      0xee029f10, // mcr TTBR0 := r9         table A again
      0xe591a000, // ldr r10, [r1]           ASID 1's cached entry (as the hardware may): page A
      0xee084f57, // mcr TLBIASID := r4      ASID 1
      0xe591b000, // ldr r11, [r1]           walked again: page B
      0xeafffffe,
    ]);
    m.run({ maxInsns: 11 });
    expect(m.reg(5) >>> 0).toBe(0x11111111);
    expect(m.reg(6) >>> 0).toBe(0x33333333);
    expect(m.reg(10) >>> 0).toBe(0x11111111);
    expect(m.reg(11) >>> 0).toBe(0x33333333);
    expect(m.pc >>> 0).toBe(CODE + 40);
  });

  it("each (ASID, tables) context has its own bank: back on the old tables, their entries; TLBIALL drops all", () => {
    const m = machine([
      0xe5915000, // ldr r5, [r1]            ASID 1, table A: page A
      0xe5887000, // str r7, [r8]            table A's entry -> page B, no TLB maintenance
      0xee023f10, // mcr TTBR0 := r3         table B, still ASID 1: a context of its own
      0xe5916000, // ldr r6, [r1]            page B
      0xee029f10, // mcr TTBR0 := r9         table A
      0xe591a000, // ldr r10, [r1]           the entry cached under (1, A): page A (as the hardware may)
      0xee08cf17, // mcr TLBIALL             (r12 ignored)
      0xe591b000, // ldr r11, [r1]           walked again: page B
      0xeafffffe,
    ]);
    m.run({ maxInsns: 9 });
    expect(m.reg(5) >>> 0).toBe(0x11111111);
    expect(m.reg(6) >>> 0).toBe(0x33333333);
    expect(m.reg(10) >>> 0).toBe(0x11111111);
    expect(m.reg(11) >>> 0).toBe(0x33333333);
  });

  it("a thirteenth context takes the least recently used of the 12 banks: the first ASID's entries are gone", () => {
    const code: number[] = [0xe5915000]; // ldr r5, [r1] under ASID 1
    code.push(0xe5887000);               // str r7, [r8]: table A's entry -> page B, no maintenance
    for (let a = 2; a <= 13; a++) code.push(0xe3a0c000 | a, 0xee0dcf30); // mov r12, #a ; mcr CONTEXTIDR := r12
    code.push(0xee0d4f30, 0xe5916000, 0xeafffffe); // CONTEXTIDR := 1 ; ldr r6, [r1] (walks: page B)
    const m = machine(code);
    m.run({ maxInsns: code.length });
    expect(m.reg(5) >>> 0).toBe(0x11111111);
    expect(m.reg(6) >>> 0).toBe(0x33333333);
  });
});

describe("software TLB: blocks and code pages", () => {
  it("TLBIMVA inside a section drops the entries of the section's other pages", () => {
    const m = machine([
      0xe5915000, // ldr r5, [r1]            VA 0x40000000: page A
      0xe59a6000, // ldr r6, [r10]           VA 0x40001000: page A + 0x1000, a second entry from the section
      0xe5887000, // str r7, [r8]            the section -> page B
      0xee081f37, // mcr TLBIMVA r1          0x40000000 only
      0xe59ab000, // ldr r11, [r10]          0x40001000 walks again: page B + 0x1000
      0xeafffffe,
    ]);
    m.physWrite32(PAGE_A + 0x1000, 0x22222222);
    m.physWrite32(PAGE_B + 0x1000, 0x44444444);
    m.setReg(10, VA + 0x1000);
    m.run({ maxInsns: 6 });
    expect(m.reg(6) >>> 0).toBe(0x22222222);
    expect(m.reg(11) >>> 0).toBe(0x44444444);
  });

  it("a page written through the TLB and then executed: later stores reach the decoded code", () => {
    const m = Machine.createSync({ ramMiB: 16 });
    const X = 0x80010000;
    [
      0xe5812000, // str r2, [r1]            X := mov r0, #1 (a write entry for X's page)
      0xe5812000, // str r2, [r1]            again, through that entry
      0xe12fff31, // blx r1                  X becomes a code page
      0xe5813000, // str r3, [r1]            X := mov r0, #2
      0xe12fff31, // blx r1
      0xeafffffe,
    ].forEach((w, k) => m.physWrite32(CODE + 4 * k, w));
    m.physWrite32(X + 4, 0xe12fff1e); // bx lr
    m.setReg(1, X); m.setReg(2, 0xe3a00001); m.setReg(3, 0xe3a00002);
    m.pc = CODE;
    m.run({ maxInsns: 9 });
    expect(m.reg(0)).toBe(2);
    expect(m.pc >>> 0).toBe(CODE + 20);
  });
});

describe("software TLB: invalid entries", () => {
  // An emptied entry's tag must match no access: it once equalled the masked address of an
  // unaligned word or halfword access at VA 1, which then used a stale host addend.
  it.each([
    ["ldr r0, [r1]", 0xe5910000, 0x008],
    ["ldrh r0, [r1]", 0xe1d100b0, 0x008],
    ["str r0, [r1]", 0xe5810000, 0x808],
    ["strh r0, [r1]", 0xe1c100b0, 0x808],
  ])("%s at VA 1 with the MMU off is an external abort (nothing at physical 1)", (_, insn, dfsr) => {
    const m = Machine.createSync({ ramMiB: 16 });
    [0xee158f10, 0xee169f10, 0xeafffffe].forEach((w, k) => m.physWrite32(VEC + 0x10 + 4 * k, w));
    m.physWrite32(CODE, insn);
    m.physWrite32(CODE + 4, 0xeafffffe);
    m.setCp15({ VBAR: VEC });
    m.setReg(1, 1); m.setReg(0, 0x5a5a5a5a);
    m.pc = CODE;
    m.run({ maxInsns: 3 });
    expect(m.reg(8) & 0x1fff).toBe(dfsr);
    expect(m.reg(9)).toBe(1);
    expect(m.pc >>> 0).toBe(VEC + 0x18);
  });
});
