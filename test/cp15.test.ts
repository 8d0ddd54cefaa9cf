// CP15 as the guest sees it through MRC/MCR (ARM ARM B4.1, B3.18; values from board.md):
// identification, control registers, user access rules, UNDEFINED for unknown encodings,
// address translation operations and TLB maintenance.
import { describe, it, expect, beforeEach } from "vitest";
import { Machine } from "../src/machine/machine.js";

const VEC = 0x80000000, CODE = 0x80001000;
const mrc = (op1: number, rt: number, crn: number, crm: number, op2: number) =>
  (0xee100f10 | (op1 << 21) | (crn << 16) | (rt << 12) | (op2 << 5) | crm) >>> 0;
const mcr = (op1: number, rt: number, crn: number, crm: number, op2: number) =>
  (0xee000f10 | (op1 << 21) | (crn << 16) | (rt << 12) | (op2 << 5) | crm) >>> 0;

let m: Machine;
function exec(word: number, mode = 0x13): void {
  m.physWrite32(CODE, word);
  m.physWrite32(CODE + 4, 0xeafffffe);
  m.cpsr = mode | 0xc0;
  m.pc = CODE;
  m.run({ maxInsns: 1 });
}
const read = (op1: number, crn: number, crm: number, op2: number, mode = 0x13) => { m.setReg(0, 0xdeadbeef); exec(mrc(op1, 0, crn, crm, op2), mode); return m.reg(0); };
const undefTaken = () => m.pc === VEC + 4 && (m.cpsr & 0x1f) === 0x1b;

beforeEach(() => {
  m = Machine.createSync({ ramMiB: 16 });
  m.setCp15({ VBAR: VEC });
  for (let k = 0; k < 8; k++) m.physWrite32(VEC + 4 * k, 0xeafffffe);
});

describe("CP15 identification (Cortex-A8 r3p2, board.md)", () => {
  const ids: Array<[string, number[], number]> = [
    ["MIDR", [0, 0, 0, 0], 0x413fc082], ["CTR", [0, 0, 0, 1], 0x82048004], ["MPIDR", [0, 0, 0, 5], 0],
    ["ID_PFR0", [0, 0, 1, 0], 0x1031], ["ID_PFR1", [0, 0, 1, 1], 0x11], ["ID_DFR0", [0, 0, 1, 2], 0x400],
    ["ID_MMFR0", [0, 0, 1, 4], 0x31100003], ["ID_MMFR1", [0, 0, 1, 5], 0x20000000],
    ["ID_MMFR2", [0, 0, 1, 6], 0x01202000], ["ID_MMFR3", [0, 0, 1, 7], 0x11],
    ["ID_ISAR0", [0, 0, 2, 0], 0x00101111], ["ID_ISAR1", [0, 0, 2, 1], 0x12112111],
    ["ID_ISAR2", [0, 0, 2, 2], 0x21232031], ["ID_ISAR3", [0, 0, 2, 3], 0x11112131],
    ["ID_ISAR4", [0, 0, 2, 4], 0x00111142], ["ID_ISAR5", [0, 0, 2, 5], 0],
    ["CLIDR", [1, 0, 0, 1], 0x0a000023], ["unimplemented ID (c0, c3, 0)", [0, 0, 3, 0], 0],
  ];
  for (const [name, [op1, crn, crm, op2], want] of ids) {
    it(`${name} reads 0x${want.toString(16)}`, () => { expect(read(op1, crn, crm, op2)).toBe(want >>> 0); });
  }
  it("CCSIDR follows CSSELR: L1D, L1I, L2", () => {
    for (const [sel, want] of [[0, 0xe00fe01a], [1, 0x200fe01a], [2, 0xf03fe03a]]) {
      m.setReg(1, sel);
      exec(mcr(2, 1, 0, 0, 0));
      expect(read(1, 0, 0, 0)).toBe(want >>> 0);
    }
  });
  it("SCTLR resets to 0x00C50078 and keeps its read-as-one bits", () => {
    expect(read(0, 1, 0, 0)).toBe(0x00c50078);
    m.setReg(1, 0x2000); // V only
    exec(mcr(0, 1, 1, 0, 0));
    expect(read(0, 1, 0, 0)).toBe(0x00c52078);
  });
  it("the debug ID register (p14, c0, c0, 0) does not fault", () => {
    m.setReg(0, 1);
    exec(0xee100e10); // mrc p14, 0, r0, c0, c0, 0
    expect(undefTaken()).toBe(false);
    expect(m.reg(0)).toBe(0);
  });
});

describe("CP15 access rules", () => {
  it("unknown encodings are UNDEFINED (LR = the instruction + 4)", () => {
    exec(mrc(0, 0, 4, 0, 0));
    expect(undefTaken()).toBe(true);
    expect(m.banked(0x1b, 14)).toBe(CODE + 4);
  });
  it("a failed condition skips an UNDEFINED CP15 access", () => {
    m.physWrite32(CODE, (mrc(0, 0, 4, 0, 0) & 0x0fffffff) | 0x10000000); // NE
    m.cpsr = 0x13 | 0xc0 | 0x40000000; // Z set
    m.pc = CODE;
    m.run({ maxInsns: 1 });
    expect(m.pc).toBe(CODE + 4);
  });
  it("User mode may read TPIDRURO and read/write TPIDRURW, but not touch TPIDRPRW or SCTLR", () => {
    m.setCp15({ TPIDRURO: 0x1234, TPIDRPRW: 0x5678 });
    expect(read(0, 13, 0, 3, 0x10)).toBe(0x1234);
    m.setReg(1, 0xabc);
    exec(mcr(0, 1, 13, 0, 2), 0x10);
    expect(m.getCp15("TPIDRURW")).toBe(0xabc);
    exec(mcr(0, 1, 13, 0, 3), 0x10); // write TPIDRURO from User: UNDEFINED
    expect(undefTaken()).toBe(true);
    read(0, 13, 0, 4, 0x10);
    expect(undefTaken()).toBe(true);
    read(0, 1, 0, 0, 0x10);
    expect(undefTaken()).toBe(true);
  });
});

describe("address translation and TLB maintenance", () => {
  const L1 = 0x80100000;
  beforeEach(() => {
    for (let i = 0; i < 4096; i++) m.physWrite32(L1 + 4 * i, 0);
    m.physWrite32(L1 + (0x800 << 2), 0x80000c02);            // 1:1 for the code
    m.physWrite32(L1 + (0x400 << 2), 0x80200402);            // VA 0x40000000 -> 0x80200000, AP=1 (priv only)
    m.setCp15({ TTBR0: L1, DACR: 0x55555555, SCTLR: m.getCp15("SCTLR") | 1 });
  });
  it("ATS1CPR / ATS1CUR put the physical address or the fault into PAR", () => {
    m.setReg(1, 0x40000123);
    exec(mcr(0, 1, 7, 8, 0)); // ATS1CPR
    expect(read(0, 7, 4, 0)).toBe(0x80200000);
    exec(mcr(0, 1, 7, 8, 2)); // ATS1CUR: user cannot read AP=1
    expect(read(0, 7, 4, 0)).toBe((0x0d << 1) | 1);
    m.setReg(1, 0x30000000);
    exec(mcr(0, 1, 7, 8, 0));
    expect(read(0, 7, 4, 0)).toBe((0x05 << 1) | 1);
  });
  it("TLBIMVA makes a changed descriptor visible to loads", () => {
    m.physWrite32(0x80200000, 111);
    m.physWrite32(0x80300000, 222);
    m.setReg(1, 0x40000000);
    exec(0xe5910000); // ldr r0, [r1]
    expect(m.reg(0)).toBe(111);
    m.physWrite32(L1 + (0x400 << 2), 0x80300402);
    exec(mcr(0, 1, 8, 7, 1)); // TLBIMVA r1
    exec(0xe5910000);
    expect(m.reg(0)).toBe(222);
  });
  it("a load that faults leaves a precise DFSR (permission, domain, WnR) and DFAR", () => {
    m.setReg(1, 0x40000010);
    exec(0xe5810000, 0x10); // str r0, [r1] from User mode: AP=1 is privileged-only
    expect(m.pc).toBe(VEC + 0x10);
    expect(m.getCp15("DFSR")).toBe(0x80d); // WnR | section permission fault, domain 0
    expect(m.getCp15("DFAR")).toBe(0x40000010);
  });
});
