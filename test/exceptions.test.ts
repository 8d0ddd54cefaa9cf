// Exception entry and return (ARM ARM B1.8): vector addresses, modes, banked LR/SPSR, masks and the
// return-address offsets of table B1-7, with hand-assembled ARM programs.
import { describe, it, expect, beforeEach } from "vitest";
import { Machine } from "../src/machine/machine.js";

const VEC = 0x80000000;  // VBAR
const CODE = 0x80001000;
const USR = 0x10, FIQ = 0x11, IRQ = 0x12, SVC = 0x13, ABT = 0x17, UND = 0x1b, SYS = 0x1f;
const B_SELF = 0xeafffffe;        // b .
const MOVS_PC_LR = 0xe1b0f00e;    // movs pc, lr
const SUBS_PC_LR_4 = 0xe25ef004;  // subs pc, lr, #4
const SUBS_PC_LR_8 = 0xe25ef008;  // subs pc, lr, #8

describe("exceptions", () => {
  let m: Machine;
  const put = (addr: number, words: number[]) => words.forEach((w, k) => m.physWrite32(addr + 4 * k, w >>> 0));
  const mode = () => m.cpsr & 0x1f;

  beforeEach(async () => {
    m = await Machine.create({ ramMiB: 16 });
    m.setCp15({ VBAR: VEC });
    for (let k = 0; k < 8; k++) put(VEC + 4 * k, [B_SELF]); // each vector spins until a test puts a handler
    m.pc = CODE;
  });

  it("SVC: vector 0x08, LR = next instruction, SPSR = old CPSR, I set, return with MOVS PC, LR", () => {
    put(CODE, [0xef000042 /* svc #0x42 */, 0xe3a00007 /* mov r0, #7 */, B_SELF]);
    put(VEC + 8, [MOVS_PC_LR]);
    m.cpsr = USR | 0x20000000; // User mode, C set, IRQ/FIQ enabled
    m.run({ maxInsns: 1 });
    expect(m.pc).toBe(VEC + 8);
    expect(mode()).toBe(SVC);
    expect(m.banked(SVC, 14)).toBe(CODE + 4);
    expect(m.spsr(SVC)).toBe(USR | 0x20000000);
    expect(m.cpsr & 0x80).toBe(0x80); // I masked
    expect(m.cpsr & 0x40).toBe(0);    // F unchanged
    m.run({ maxInsns: 2 });
    expect(mode()).toBe(USR);
    expect(m.cpsr >>> 28).toBe(0x2);
    expect(m.reg(0)).toBe(7);
  });

  it("UNDEFINED: vector 0x04, LR = address + 4; conditions are checked before UNDEF", () => {
    put(CODE, [0x1710f110 /* sdivne r0, r0, r1: UNDEFINED on Cortex-A8 */, 0xe7f000f0 /* udf #0 */]);
    m.cpsr = SVC | 0x40000000 | 0xc0; // Z set: the NE instruction is skipped
    m.run({ maxInsns: 2 });
    expect(m.pc).toBe(VEC + 4);
    expect(mode()).toBe(UND);
    expect(m.banked(UND, 14)).toBe(CODE + 8);
    expect(m.spsr(UND) & 0x1f).toBe(SVC);
  });

  it("data abort: vector 0x10, LR = address + 8, DFSR external abort, DFAR; SUBS PC, LR, #8 retries", () => {
    put(CODE, [0xe3a01000 /* mov r1, #0 */, 0xe5910004 /* ldr r0, [r1, #4] */, B_SELF]);
    put(VEC + 0x10, [0xe3a01102 /* mov r1, #0x80000000 */, SUBS_PC_LR_8]);
    m.cpsr = SYS | 0xc0;
    m.run({ maxInsns: 2 });
    expect(m.pc).toBe(VEC + 0x10);
    expect(mode()).toBe(ABT);
    expect(m.banked(ABT, 14)).toBe(CODE + 4 + 8);
    expect(m.getCp15("DFSR")).toBe(0x008);
    expect(m.getCp15("DFAR")).toBe(4);
    expect(m.cpsr & 0x180).toBe(0x180); // A and I set
    m.run({ maxInsns: 3 }); // handler fixes r1, returns to the load, which now succeeds
    expect(mode()).toBe(SYS);
    expect(m.pc).toBe(CODE + 8);
    expect(m.reg(0)).toBe(B_SELF); // loaded from 0x80000004, the UNDEF vector's `b .`
  });

  it("prefetch abort: vector 0x0C, LR = address + 4, IFSR and IFAR", () => {
    put(CODE, [0xe3a0f201 /* mov pc, #0x10000000 */]);
    m.cpsr = SVC | 0xc0;
    m.run({ maxInsns: 1 });
    expect(m.pc).toBe(0x10000000);
    m.run({ maxInsns: 1 });
    expect(m.pc).toBe(VEC + 0x0c);
    expect(mode()).toBe(ABT);
    expect(m.banked(ABT, 14)).toBe(0x10000004);
    expect(m.getCp15("IFSR")).toBe(0x008);
    expect(m.getCp15("IFAR")).toBe(0x10000000);
  });

  it("BKPT without a debugger is a prefetch abort with a debug-event status", () => {
    put(CODE, [0xe1200070 /* bkpt #0 */]);
    m.cpsr = SVC | 0xc0;
    m.run({ maxInsns: 1 });
    expect(m.pc).toBe(VEC + 0x0c);
    expect(m.getCp15("IFSR")).toBe(0x002);
    expect(m.banked(ABT, 14)).toBe(CODE + 4);
  });

  it("IRQ from the INTC: vector 0x18, LR = next + 4, SUBS PC, LR, #4 resumes", () => {
    // Software interrupt on line 5 through INTC ISR_SET0, unmasked in MIR_CLEAR0.
    put(CODE, [0xe3a00001, 0xe2800001, 0xe2800001, B_SELF]);
    put(VEC + 0x18, [0xe3a0c000 /* mov r12, #0 */, SUBS_PC_LR_4]);
    m.physWrite32(0x48200088, 1 << 5);
    m.physWrite32(0x48200090, 1 << 5);
    m.cpsr = SVC | 0x40; // IRQ enabled, FIQ masked
    m.run({ maxInsns: 1 }); // the pending IRQ is taken before the first instruction, then one runs
    expect(m.pc).toBe(VEC + 0x1c);
    expect(mode()).toBe(IRQ);
    expect(m.banked(IRQ, 14)).toBe(CODE + 4); // the interrupted instruction + 4
    expect(m.physRead32(0x48200040) & 0x7f).toBe(5); // SIR_IRQ
    m.physWrite32(0x48200094, 1 << 5);                // ISR_CLEAR0: the line drops
    m.run({ maxInsns: 4 });
    expect(mode()).toBe(SVC);
    expect(m.reg(0)).toBe(3);
  });

  it("FIQ routed by ILR: vector 0x1C, F and I masked, banked R8-R12", () => {
    put(CODE, [0xe3a08011 /* mov r8, #0x11 */, 0xe3a00000, B_SELF]);
    put(VEC + 0x1c, [0xe3a08022 /* mov r8, #0x22 */, B_SELF]);
    m.physWrite32(0x48200100 + 4 * 6, 1); // ILR6: FIQ
    m.physWrite32(0x48200088, 1 << 6);
    m.cpsr = SVC; // IRQ and FIQ enabled
    m.run({ maxInsns: 1 }); // mov r8: then the pending FIQ is taken
    m.physWrite32(0x48200090, 1 << 6);
    m.run({ maxInsns: 2 });
    expect(mode()).toBe(FIQ);
    expect(m.cpsr & 0xc0).toBe(0xc0);
    expect(m.reg(8)).toBe(0x22);
    expect(m.banked(SVC, 8)).toBe(0x11);
  });

  it("an exception whose vector cannot be fetched stops the VM instead of looping", () => {
    m.setCp15({ SCTLR: m.getCp15("SCTLR") | (1 << 13) }); // high vectors at 0xFFFF0000: no RAM there
    put(CODE, [0xe7f000f0]);
    m.cpsr = SVC | 0xc0;
    const r = m.run({ maxInsns: 1000 });
    expect(r.reason).toBe("fatal");
  });

  it("LDM with ^ and PC restores CPSR from SPSR (exception return)", () => {
    // In SVC: push a return frame, then ldmia sp!, {r0, pc}^
    put(CODE, [0xe8fd8001 /* ldmia sp!, {r0, pc}^ */]);
    put(0x80002000, [0x1234, CODE + 0x100]);
    put(CODE + 0x100, [B_SELF]);
    m.cpsr = SVC | 0xc0;
    m.setReg(13, 0x80002000);
    m.setSpsr(SVC, USR | 0x80000000);
    m.run({ maxInsns: 1 });
    expect(m.pc).toBe(CODE + 0x100);
    expect(m.cpsr).toBe((USR | 0x80000000) >>> 0);
    expect(m.reg(0)).toBe(0x1234);
    expect(m.banked(SVC, 13)).toBe(0x80002008);
  });
});
