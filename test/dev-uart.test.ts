// UART3 as a 16550A (board.md): reset state, divisor latch, FIFO control, interrupt identification,
// THR-empty re-assertion (the sequence Linux's 8250 driver uses to detect buggy UARTs), receive
// from the host through m.input(), and delivery of the RX interrupt on INTC line 74.
import { describe, it, expect } from "vitest";
import { machine, put, installIrq, sirHandler, li, store32, WFI_LOOP, A, CODE, INTC, UART3, SVC } from "./dev-helpers.js";

const RBR = 0x00, THR = 0x00, DLL = 0x00, IER = 0x04, DLM = 0x04, IIR = 0x08, FCR = 0x08, LCR = 0x0c,
  MCR = 0x10, LSR = 0x14, MSR = 0x18, SPR = 0x1c, MDR1 = 0x20, SYSC = 0x54, SYSS = 0x58;
const ITR2 = INTC + 0xc0, LINE74 = 1 << (74 - 64);

describe("UART3 registers", () => {
  it("reset state: LSR idle 0x60, no interrupt, modem lines up", () => {
    const m = machine();
    const r = (o: number) => m.physRead32(UART3 + o);
    expect(r(LSR)).toBe(0x60);
    expect(r(IIR)).toBe(0x01);
    expect(r(IER)).toBe(0);
    expect(r(LCR)).toBe(0);
    expect(r(MSR)).toBe(0xb0);
    expect(r(SYSS) & 1).toBe(1);
    expect(r(0x3fc)).toBe(0);
    expect(m.physRead8(UART3 + LSR)).toBe(0x60); // byte access as the 8250 driver may use
  });

  it("THR writes go to the console at once; THRE and TEMT stay set", () => {
    const m = machine();
    for (const c of "ok\n") m.physWrite32(UART3 + THR, c.charCodeAt(0));
    expect(m.physRead32(UART3 + LSR)).toBe(0x60);
    m.run({ maxInsns: 0 });
    expect(m.output).toBe("ok\n");
  });

  it("DLAB selects DLL/DLM; scratch and OMAP MDR1 are storage", () => {
    const m = machine();
    const r = (o: number) => m.physRead32(UART3 + o), w = (o: number, v: number) => m.physWrite32(UART3 + o, v);
    w(IER, 0x05);
    w(LCR, 0x83);
    w(DLL, 0x1a); w(DLM, 0x02);
    expect(r(DLL)).toBe(0x1a);
    expect(r(DLM)).toBe(0x02);
    w(LCR, 0x03);
    expect(r(LCR)).toBe(0x03);
    expect(r(IER)).toBe(0x05);
    w(SPR, 0xa5); w(MDR1, 0x07);
    expect(r(SPR)).toBe(0xa5);
    expect(r(MDR1)).toBe(0x07);
    m.run({ maxInsns: 0 });
    expect(m.output).toBe(""); // divisor writes are not characters
  });

  it("FCR: IIR bits 7:6 report enabled FIFOs", () => {
    const m = machine();
    m.physWrite32(UART3 + FCR, 0xc7);
    expect(m.physRead32(UART3 + IIR)).toBe(0xc1);
    m.physWrite32(UART3 + FCR, 0);
    expect(m.physRead32(UART3 + IIR)).toBe(0x01);
  });

  it("SYSC.SOFTRESET returns the UART to its reset state", () => {
    const m = machine();
    m.physWrite32(UART3 + LCR, 0x03); m.physWrite32(UART3 + IER, 0x03);
    m.physWrite32(UART3 + SYSC, 0x2);
    expect(m.physRead32(UART3 + LCR)).toBe(0);
    expect(m.physRead32(UART3 + IER)).toBe(0);
    expect(m.physRead32(UART3 + SYSC)).toBe(0);
  });

  it("loopback: MSR mirrors MCR, transmitted bytes are received instead of printed", () => {
    const m = machine();
    m.physWrite32(UART3 + MCR, 0x10 | 0x0a);
    expect(m.physRead32(UART3 + MSR) & 0xf0).toBe(0x90);
    m.physWrite32(UART3 + THR, 0x55);
    expect(m.physRead32(UART3 + LSR) & 1).toBe(1);
    expect(m.physRead32(UART3 + RBR)).toBe(0x55);
    m.run({ maxInsns: 0 });
    expect(m.output).toBe("");
  });
});

describe("UART3 interrupts", () => {
  it("THRE: reported with ETBEI, cleared by reading IIR, re-asserted when ETBEI is set again or on THR write", () => {
    const m = machine();
    const r = (o: number) => m.physRead32(UART3 + o), w = (o: number, v: number) => m.physWrite32(UART3 + o, v);
    w(FCR, 0x01);
    w(IER, 0x02);
    expect(m.physRead32(ITR2) & LINE74).toBe(LINE74);
    expect(r(IIR)).toBe(0xc2);
    expect(r(IIR)).toBe(0xc1);                      // the read cleared it
    expect(m.physRead32(ITR2) & LINE74).toBe(0);
    w(IER, 0x02);                                    // still set: no 0 -> 1 edge, nothing new
    expect(r(IIR)).toBe(0xc1);
    // serial8250_do_startup's test: IER = 0, IER = THRI, IIR must report THRE again
    w(IER, 0); w(IER, 0x02);
    expect(r(IIR)).toBe(0xc2);
    w(THR, 0x41);                                    // sent at once: THR empty again
    expect(r(IIR)).toBe(0xc2);
    expect(r(IIR)).toBe(0xc1);
    w(IER, 0);
    w(THR, 0x42);
    expect(r(IIR)).toBe(0xc1);                       // disabled: no interrupt
    expect(m.physRead32(ITR2) & LINE74).toBe(0);
  });

  it("receive: m.input() sets LSR.DR, RBR pops in order; RX data outranks THRE", () => {
    const m = machine();
    put(m, CODE, [A.B_SELF]);
    const r = (o: number) => m.physRead32(UART3 + o), w = (o: number, v: number) => m.physWrite32(UART3 + o, v);
    w(IER, 0x03);
    expect(r(IIR) & 0x0f).toBe(0x2);
    m.input("xyz");
    m.run({ maxInsns: 10 });
    expect(r(LSR)).toBe(0x61);
    expect(r(IIR)).toBe(0x04);          // FIFOs off: data available
    expect(r(RBR)).toBe(0x78);
    w(FCR, 0x01);                        // enabling the FIFO clears it
    expect(r(LSR)).toBe(0x60);
    m.input("abcd");
    m.run({ maxInsns: 10 });
    expect(r(IIR)).toBe(0xc4);          // trigger level 1 (FCR 7:6 = 0) reached
  });

  it("RX trigger levels: timeout (0xC) below the level, data available (0x4) at it; FCR bit 1 clears", () => {
    const m = machine();
    put(m, CODE, [A.B_SELF]);
    const r = (o: number) => m.physRead32(UART3 + o), w = (o: number, v: number) => m.physWrite32(UART3 + o, v);
    w(FCR, 0x41);                        // FIFO on, trigger 4
    w(IER, 0x01);
    m.input("abc");
    m.run({ maxInsns: 10 });
    expect(r(IIR)).toBe(0xcc);
    m.input("d");
    m.run({ maxInsns: 10 });
    expect(r(IIR)).toBe(0xc4);
    expect(r(RBR)).toBe(0x61);
    expect(r(IIR)).toBe(0xcc);
    w(FCR, 0x43);                        // clear RX FIFO
    expect(r(LSR)).toBe(0x60);
    expect(r(IIR)).toBe(0xc1);
    expect(m.physRead32(ITR2) & LINE74).toBe(0);
  });

  it("the 64-byte FIFO takes what fits; the host keeps the rest and feeds it later", () => {
    const m = machine();
    put(m, CODE, [A.B_SELF]);
    const text = Array.from({ length: 100 }, (_, i) => String.fromCharCode(33 + (i % 90))).join("");
    m.input(text);
    m.run({ maxInsns: 10 });
    let got = "";
    while (m.physRead32(UART3 + LSR) & 1) got += String.fromCharCode(m.physRead32(UART3 + RBR));
    expect(got).toBe(text.slice(0, 64));
    m.run({ maxInsns: 10 });
    while (m.physRead32(UART3 + LSR) & 1) got += String.fromCharCode(m.physRead32(UART3 + RBR));
    expect(got).toBe(text);
  });

  it("an RX interrupt on line 74 wakes an idle guest that echoes what it receives", () => {
    const m = machine();
    put(m, CODE, [...store32(UART3 + IER, 1), ...WFI_LOOP]);
    // Handler: read RBR into r2, echo it to THR, store it at [r6], r6++.
    installIrq(m, sirHandler([
      ...li(0, UART3), 0xe5902000 /* ldr r2, [r0] */, 0xe5802000 /* str r2, [r0] */,
      0xe4c62001, /* strb r2, [r6], #1 */
    ]));
    m.setReg(6, 0x80003000);
    m.physWrite32(INTC + 0xc8, LINE74);  // MIR_CLEAR2
    const r1 = m.run({ maxInsns: 1000 });
    expect(r1.reason).toBe("idle");      // nothing to do until input arrives
    expect(r1.message).toContain("waiting for console input");
    m.input("hi!");
    const r2 = m.run({ maxInsns: 1000 });
    expect(r2.reason).toBe("idle");
    expect(m.output).toBe("hi!");
    expect(m.reg(4)).toBe(3);            // one interrupt per byte (FIFOs off)
    expect(m.reg(1)).toBe(74);
    expect(Array.from(m.readRam(0x80003000, 3))).toEqual([0x68, 0x69, 0x21]);
    expect(m.cpsr & 0x1f).toBe(SVC);
  });
});
