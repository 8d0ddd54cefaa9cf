// MPU INTC (board.md, DM3730 TRM ch. 12): reset values, masks, software interrupts, SIR_IRQ and
// SIR_FIQ selection by priority and line number, threshold, soft reset, and delivery to the CPU.
import { describe, it, expect } from "vitest";
import { machine, put, installIrq, sirHandler, store32, WFI_LOOP, A, CODE, INTC, GPT2, SVC, FIQ, VEC } from "./dev-helpers.js";

const REVISION = 0x00, SYSCONFIG = 0x10, SYSSTATUS = 0x14, SIR_IRQ = 0x40, SIR_FIQ = 0x44, CONTROL = 0x48,
  PROTECTION = 0x4c, IDLE = 0x50, IRQ_PRIORITY = 0x60, FIQ_PRIORITY = 0x64, THRESHOLD = 0x68;
const ITR = (n: number) => 0x80 + 0x20 * n, MIR = (n: number) => 0x84 + 0x20 * n,
  MIR_CLEAR = (n: number) => 0x88 + 0x20 * n, MIR_SET = (n: number) => 0x8c + 0x20 * n,
  ISR_SET = (n: number) => 0x90 + 0x20 * n, ISR_CLEAR = (n: number) => 0x94 + 0x20 * n,
  PENDING_IRQ = (n: number) => 0x98 + 0x20 * n, PENDING_FIQ = (n: number) => 0x9c + 0x20 * n,
  ILR = (line: number) => 0x100 + 4 * line;
const SPURIOUS = 0xffffff80;

describe("INTC registers", () => {
  it("reset values: revision, reset done, masks all set, nothing pending, spurious SIR", () => {
    const m = machine();
    const r = (o: number) => m.physRead32(INTC + o);
    expect(r(REVISION)).toBe(0x40);
    expect(r(SYSSTATUS) & 1).toBe(1);
    expect(r(0x20)).toBe(0);
    for (let n = 0; n < 3; n++) {
      expect(r(MIR(n))).toBe(0xffffffff);
      expect(r(ITR(n))).toBe(0);
      expect(r(PENDING_IRQ(n))).toBe(0);
      expect(r(PENDING_FIQ(n))).toBe(0);
    }
    expect(r(ILR(95))).toBe(0);
    expect(r(SIR_IRQ)).toBe(SPURIOUS);
    expect(r(SIR_FIQ)).toBe(SPURIOUS);
    expect(r(THRESHOLD)).toBe(0xff);
    expect(r(0xffc)).toBe(0); // unknown offset: reads 0, no abort
    m.physWrite32(INTC + 0xffc, 1);
  });

  it("MIR_CLEAR/MIR_SET/MIR and ISR_SET/ISR_CLEAR; ITR is raw, PENDING is raw & ~mask", () => {
    const m = machine();
    const r = (o: number) => m.physRead32(INTC + o), w = (o: number, v: number) => m.physWrite32(INTC + o, v);
    w(MIR_CLEAR(1), 0x0000ff00);
    expect(r(MIR(1))).toBe(0xffff00ff);
    w(MIR_SET(1), 0x00000f00);
    expect(r(MIR(1))).toBe(0xffff0fff);
    w(MIR(2), 0x12345678);
    expect(r(MIR(2))).toBe(0x12345678);
    w(ISR_SET(1), 0x00003300);
    expect(r(ISR_SET(1))).toBe(0x00003300);
    expect(r(ITR(1))).toBe(0x00003300);
    expect(r(PENDING_IRQ(1))).toBe(0x00003000);
    expect(r(SIR_IRQ)).toBe(32 + 12);
    w(ISR_CLEAR(1), 0x00001000);
    expect(r(PENDING_IRQ(1))).toBe(0x00002000);
    expect(r(SIR_IRQ)).toBe(32 + 13);
    w(ISR_CLEAR(1), 0xffffffff);
    expect(r(ITR(1))).toBe(0);
    expect(r(SIR_IRQ)).toBe(SPURIOUS);
  });

  it("SIR_IRQ: highest priority (lowest ILR.PRIORITY) wins, lowest line number on ties", () => {
    const m = machine();
    const r = (o: number) => m.physRead32(INTC + o), w = (o: number, v: number) => m.physWrite32(INTC + o, v);
    for (let n = 0; n < 3; n++) w(MIR(n), 0);
    w(ILR(3), 10 << 2); w(ILR(40), 10 << 2); w(ILR(90), 10 << 2);
    w(ISR_SET(2), 1 << (90 - 64)); w(ISR_SET(1), 1 << (40 - 32)); w(ISR_SET(0), 1 << 3);
    expect(r(SIR_IRQ)).toBe(3);            // tie: lowest number
    expect(r(IRQ_PRIORITY)).toBe(10);
    w(ILR(90), 4 << 2);
    expect(r(SIR_IRQ)).toBe(90);           // strictly higher priority
    expect(r(IRQ_PRIORITY)).toBe(4);
    w(ILR(40), 0);
    expect(r(SIR_IRQ)).toBe(40);           // priority 0 is the highest
    w(MIR_SET(1), 1 << 8);
    expect(r(SIR_IRQ)).toBe(90);           // masked lines do not compete
    w(ISR_CLEAR(2), 1 << 26);
    expect(r(SIR_IRQ)).toBe(3);
    w(CONTROL, 1);                         // NEWIRQAGR: acknowledging changes nothing while pending
    expect(r(SIR_IRQ)).toBe(3);
  });

  it("ILR.FIQnIRQ routes a line to FIQ: SIR_FIQ, PENDING_FIQ, FIQ_PRIORITY", () => {
    const m = machine();
    const r = (o: number) => m.physRead32(INTC + o), w = (o: number, v: number) => m.physWrite32(INTC + o, v);
    w(MIR_CLEAR(0), 0xff);
    w(ILR(6), (7 << 2) | 1);
    expect(r(ILR(6))).toBe((7 << 2) | 1);
    w(ISR_SET(0), (1 << 6) | (1 << 2));
    expect(r(PENDING_FIQ(0))).toBe(1 << 6);
    expect(r(PENDING_IRQ(0))).toBe(1 << 2);
    expect(r(SIR_FIQ)).toBe(6);
    expect(r(FIQ_PRIORITY)).toBe(7);
    expect(r(SIR_IRQ)).toBe(2);
    w(ILR(6), 0);
    expect(r(SIR_FIQ)).toBe(SPURIOUS);
    expect(r(SIR_IRQ)).toBe(2);
  });

  it("THRESHOLD hides priorities at or below it; 0xFF disables it", () => {
    const m = machine();
    const r = (o: number) => m.physRead32(INTC + o), w = (o: number, v: number) => m.physWrite32(INTC + o, v);
    w(MIR_CLEAR(0), 0xff);
    w(ILR(1), 20 << 2);
    w(ISR_SET(0), 1 << 1);
    w(THRESHOLD, 20);
    expect(r(THRESHOLD)).toBe(20);
    expect(r(SIR_IRQ)).toBe(SPURIOUS);
    w(THRESHOLD, 21);
    expect(r(SIR_IRQ)).toBe(1);
    w(THRESHOLD, 0);
    expect(r(SIR_IRQ)).toBe(SPURIOUS);
    w(THRESHOLD, 0xff);
    expect(r(SIR_IRQ)).toBe(1);
  });

  it("SYSCONFIG.SOFTRESET restores masks, ILRs and software interrupts and self-clears", () => {
    const m = machine();
    const r = (o: number) => m.physRead32(INTC + o), w = (o: number, v: number) => m.physWrite32(INTC + o, v);
    w(MIR(0), 0); w(ILR(5), 0xfd); w(ISR_SET(0), 1 << 5); w(THRESHOLD, 3); w(PROTECTION, 1); w(IDLE, 1);
    w(SYSCONFIG, 1);
    expect(r(SYSCONFIG)).toBe(1);
    expect(r(PROTECTION)).toBe(1);
    expect(r(IDLE)).toBe(1);
    w(SYSCONFIG, 2);
    expect(r(SYSCONFIG)).toBe(0);
    expect(r(SYSSTATUS) & 1).toBe(1);
    expect(r(MIR(0))).toBe(0xffffffff);
    expect(r(ILR(5))).toBe(0);
    expect(r(ISR_SET(0))).toBe(0);
    expect(r(THRESHOLD)).toBe(0xff);
    expect(r(PROTECTION)).toBe(0);
  });

  it("a device line (GPTIMER2 = 38) shows in ITR1 whatever the mask, in PENDING_IRQ1 only unmasked", () => {
    const m = machine();
    const r = (o: number) => m.physRead32(INTC + o);
    m.physWrite32(GPT2 + 0x1c, 2);          // TIER = OVF
    m.physWrite32(GPT2 + 0x28, 0xffffffff);
    m.physWrite32(GPT2 + 0x24, 1);          // start; overflows on the next tick
    m.run({ maxInsns: 1 });
    m.physWrite32(CODE, A.B_SELF);
    m.run({ maxInsns: 1_000_000 });         // at 1 GHz, 1e6 instructions are ~33 ticks
    expect(r(ITR(1))).toBe(1 << 6);
    expect(r(PENDING_IRQ(1))).toBe(0);
    expect(r(SIR_IRQ)).toBe(SPURIOUS);
    m.physWrite32(INTC + MIR_CLEAR(1), 1 << 6);
    expect(r(PENDING_IRQ(1))).toBe(1 << 6);
    expect(r(SIR_IRQ)).toBe(38);
    m.physWrite32(GPT2 + 0x18, 2);          // clear TISR.OVF: the level drops
    expect(r(ITR(1))).toBe(0);
    expect(r(SIR_IRQ)).toBe(SPURIOUS);
  });
});

describe("INTC delivery to the CPU", () => {
  it("the higher-priority IRQ is taken first, then the other, each acknowledged", () => {
    const m = machine();
    put(m, CODE, WFI_LOOP);
    // Handler: r1 = SIR; clear that line's software bit (ISR_CLEAR0 = 1 << r1); record r1 in r6/r7.
    installIrq(m, sirHandler([
      0xe3a02001, // mov r2, #1
      0xe1a02112, // lsl r2, r2, r1
      ...[0xe3000094 | 0, 0xe3440820], // movw r0, #0x94; movt r0, #0x4820
      0xe5802000, // str r2, [r0]
      0xe1a07006, // mov r7, r6
      0xe1a06001, // mov r6, r1
    ]));
    m.physWrite32(INTC + MIR_CLEAR(0), 0xffffffff);
    m.physWrite32(INTC + ILR(9), 1 << 2);
    m.physWrite32(INTC + ILR(4), 2 << 2);
    m.physWrite32(INTC + ISR_SET(0), (1 << 4) | (1 << 9));
    m.run({ maxInsns: 200 });
    expect(m.reg(4)).toBe(2);
    expect(m.reg(7)).toBe(9);  // first taken: priority 1
    expect(m.reg(6)).toBe(4);  // then priority 2
    expect(m.cpsr & 0x1f).toBe(SVC);
  });

  it("a masked line is not delivered; unmasking it from the host wakes the idle CPU", () => {
    const m = machine();
    put(m, CODE, WFI_LOOP);
    installIrq(m, sirHandler(store32(INTC + ISR_CLEAR(2), 1 << 31)));
    m.physWrite32(INTC + ISR_SET(2), 1 << 31);  // line 95, still masked
    const r = m.run({ maxInsns: 100 });
    expect(r.reason).toBe("idle");
    expect(m.reg(4)).toBe(0);
    m.physWrite32(INTC + MIR_CLEAR(2), 1 << 31);
    m.run({ maxInsns: 100 });
    expect(m.reg(4)).toBe(1);
    expect(m.reg(1)).toBe(95);
  });

  it("FIQ has priority over IRQ and is taken in FIQ mode", () => {
    const m = machine();
    put(m, CODE, [A.CPSIE_IF, A.B_SELF]);
    put(m, VEC + 0x1c, [...[0xe3008044, 0xe3448820], 0xe5989000 /* ldr r9, [r8] */, A.B_SELF]); // r9 = SIR_FIQ
    m.physWrite32(INTC + MIR_CLEAR(0), 0xffffffff);
    m.physWrite32(INTC + ILR(20), 1);
    m.physWrite32(INTC + ISR_SET(0), (1 << 3) | (1 << 20));
    m.run({ maxInsns: 10 });
    expect(m.cpsr & 0x1f).toBe(FIQ);
    expect(m.reg(9)).toBe(20);
  });

  it("Linux's omap-intc flow: soft reset with autoidle, unmask, SIR, mask+ack, handle, unmask", () => {
    const m = machine();
    const r = (o: number) => m.physRead32(INTC + o), w = (o: number, v: number) => m.physWrite32(INTC + o, v);
    expect(r(REVISION) & 0xff).toBe(0x40);
    w(SYSCONFIG, r(SYSCONFIG) | 2);
    expect(r(SYSSTATUS) & 1).toBe(1);              // Linux spins on this without a timeout
    w(SYSCONFIG, 1);
    w(MIR_CLEAR(1), 1 << 5);                       // enable_irq(37)
    m.physWrite32(0x48318000 + 0x1c, 2);           // GPTIMER1 TIER = OVF
    m.physWrite32(0x48318000 + 0x28, 0xfffffff0);
    m.physWrite32(0x48318000 + 0x24, 1);
    put(m, CODE, [A.B_SELF]);
    m.run({ maxInsns: 1_000_000 });                // ~32 ticks at 1 GHz: the timer has overflowed
    expect(r(SIR_IRQ)).toBe(37);
    w(MIR_SET(1), 1 << 5); w(CONTROL, 1);          // omap_mask_ack_irq
    expect(r(SIR_IRQ)).toBe(SPURIOUS);
    m.physWrite32(0x48318000 + 0x18, 2);           // the timer handler clears TISR.OVF
    w(MIR_CLEAR(1), 1 << 5);                       // unmask
    expect(r(SIR_IRQ)).toBe(SPURIOUS);
    expect(r(PENDING_IRQ(1))).toBe(0);
  });
});

