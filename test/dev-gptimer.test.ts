// GPTIMER1/GPTIMER2 (board.md, DM3730 TRM ch. 16): register file, counting from virtual time,
// prescaler, overflow with and without autoreload, match, and interrupt delivery through the INTC.
// Most cases run with cpuHz = 32768 so that one instruction is exactly one 32 kHz tick.
import { describe, it, expect } from "vitest";
import {
  machine, put, installIrq, sirHandler, store32, time32k, WFI_LOOP, A, CODE, GPT1, GPT2, INTC, SVC,
} from "./dev-helpers.js";

const TIDR = 0x00, TIOCP_CFG = 0x10, TISTAT = 0x14, TISR = 0x18, TIER = 0x1c, TWER = 0x20, TCLR = 0x24,
  TCRR = 0x28, TLDR = 0x2c, TTGR = 0x30, TWPS = 0x34, TMAR = 0x38, TSICR = 0x40, TOCR = 0x54;
const ST = 1, AR = 2, PRE = 1 << 5, CE = 1 << 6;
const MAT = 1, OVF = 2;

describe("GPTIMER registers", () => {
  it("identification, reset status, write-pending and plain storage", () => {
    const m = machine();
    for (const base of [GPT1, GPT2]) {
      expect(m.physRead32(base + TIDR) >>> 16).toBe(0); // v1 register layout
      expect(m.physRead32(base + TIDR)).toBe(0x13);
      expect(m.physRead32(base + TISTAT) & 1).toBe(1);
      m.physWrite32(base + TLDR, 0x12345678);
      m.physWrite32(base + TMAR, 0xabcdef01);
      m.physWrite32(base + TSICR, 4);
      m.physWrite32(base + TOCR, 0x55);
      m.physWrite32(base + TWER, 7);
      expect(m.physRead32(base + TWPS)).toBe(0);
      expect(m.physRead32(base + TLDR)).toBe(0x12345678);
      expect(m.physRead32(base + TMAR)).toBe(0xabcdef01);
      expect(m.physRead32(base + TSICR)).toBe(4);
      expect(m.physRead32(base + TOCR)).toBe(0x55);
      expect(m.physRead32(base + TWER)).toBe(7);
      expect(m.physRead32(base + 0x800)).toBe(0); // unknown offsets read 0, no abort
    }
  });

  it("TIOCP_CFG.SOFTRESET clears the timer and reads back 0", () => {
    const m = machine();
    m.physWrite32(GPT2 + TLDR, 0xffff0000);
    m.physWrite32(GPT2 + TIER, OVF);
    m.physWrite32(GPT2 + TCLR, ST | AR);
    m.physWrite32(GPT2 + TIOCP_CFG, 0x08); // IDLEMODE bits are stored
    expect(m.physRead32(GPT2 + TIOCP_CFG)).toBe(0x08);
    m.physWrite32(GPT2 + TIOCP_CFG, 0x2);
    expect(m.physRead32(GPT2 + TIOCP_CFG)).toBe(0);
    expect(m.physRead32(GPT2 + TCLR)).toBe(0);
    expect(m.physRead32(GPT2 + TLDR)).toBe(0);
    expect(m.physRead32(GPT2 + TIER)).toBe(0);
    expect(m.physRead32(GPT2 + TCRR)).toBe(0);
    expect(m.physRead32(GPT2 + TISTAT) & 1).toBe(1);
    // GPTIMER1 was not touched by GPTIMER2's reset
    m.physWrite32(GPT1 + TLDR, 5);
    m.physWrite32(GPT2 + TIOCP_CFG, 0x2);
    expect(m.physRead32(GPT1 + TLDR)).toBe(5);
  });

  it("TCRR is writable and holds its value while stopped", () => {
    const m = machine({ cpuHz: 32768 });
    put(m, CODE, [A.B_SELF]);
    m.physWrite32(GPT1 + TCRR, 1234);
    m.run({ maxInsns: 500 });
    expect(m.physRead32(GPT1 + TCRR)).toBe(1234);
  });
});

describe("GPTIMER counting", () => {
  it("counts at 32768 Hz, consistent with the 32k counter", () => {
    const m = machine({ cpuHz: 32768 });
    put(m, CODE, [A.B_SELF]);
    m.run({ maxInsns: 77 });
    const t0 = time32k(m);
    m.physWrite32(GPT2 + TCRR, 1000);
    m.physWrite32(GPT2 + TCLR, ST);
    m.run({ maxInsns: 5000 });
    expect(time32k(m) - t0).toBe(5000);
    expect(m.physRead32(GPT2 + TCRR)).toBe(1000 + 5000);
    // stopping freezes the value
    m.physWrite32(GPT2 + TCLR, 0);
    m.run({ maxInsns: 300 });
    expect(m.physRead32(GPT2 + TCRR)).toBe(6000);
    // restarting continues from it; a write while running rebases the count
    m.physWrite32(GPT2 + TCLR, ST);
    m.run({ maxInsns: 10 });
    expect(m.physRead32(GPT2 + TCRR)).toBe(6010);
    m.physWrite32(GPT2 + TCRR, 7);
    m.run({ maxInsns: 3 });
    expect(m.physRead32(GPT2 + TCRR)).toBe(10);
  });

  it("the prescaler divides by 2^(PTV+1)", () => {
    const m = machine({ cpuHz: 32768 });
    put(m, CODE, [A.B_SELF]);
    m.physWrite32(GPT1 + TCLR, ST | PRE | (2 << 2)); // divide by 8
    m.run({ maxInsns: 800 });
    expect(m.physRead32(GPT1 + TCRR)).toBe(100);
    m.run({ maxInsns: 7 });
    expect(m.physRead32(GPT1 + TCRR)).toBe(100);
    m.run({ maxInsns: 1 });
    expect(m.physRead32(GPT1 + TCRR)).toBe(101);
  });

  it("one-shot: the overflow sets OVF, stops the timer and leaves 0", () => {
    const m = machine({ cpuHz: 32768 });
    put(m, CODE, [A.B_SELF]);
    m.physWrite32(GPT2 + TCRR, 0xffffff00);
    m.physWrite32(GPT2 + TCLR, ST);
    m.run({ maxInsns: 255 });
    expect(m.physRead32(GPT2 + TISR)).toBe(0);
    expect(m.physRead32(GPT2 + TCRR)).toBe(0xffffffff);
    m.run({ maxInsns: 1 });
    expect(m.physRead32(GPT2 + TISR)).toBe(OVF);
    expect(m.physRead32(GPT2 + TCLR) & ST).toBe(0);
    m.run({ maxInsns: 1000 });
    expect(m.physRead32(GPT2 + TCRR)).toBe(0);
    m.physWrite32(GPT2 + TISR, OVF); // write 1 to clear
    expect(m.physRead32(GPT2 + TISR)).toBe(0);
  });

  it("autoreload: the counter is exact modulo the period after many periods, TTGR reloads", () => {
    const m = machine({ cpuHz: 32768 });
    put(m, CODE, [A.B_SELF]);
    const start = time32k(m);
    m.physWrite32(GPT2 + TLDR, 0xffffff00);      // period 256 ticks
    m.physWrite32(GPT2 + TCRR, 0xfffffff0);      // first overflow after 16
    m.physWrite32(GPT2 + TCLR, ST | AR);
    m.run({ maxInsns: 16 + 256 * 1000 + 17 });   // polling: no interrupt enabled, no event scheduled
    expect(time32k(m) - start).toBe(16 + 256 * 1000 + 17);
    expect(m.physRead32(GPT2 + TCRR)).toBe(0xffffff00 + 17);
    expect(m.physRead32(GPT2 + TISR)).toBe(OVF);
    expect(m.physRead32(GPT2 + TCLR) & ST).toBe(ST);
    m.physWrite32(GPT2 + TTGR, 0);               // any value: TCRR = TLDR
    expect(m.physRead32(GPT2 + TCRR)).toBe(0xffffff00);
    m.run({ maxInsns: 5 });
    expect(m.physRead32(GPT2 + TCRR)).toBe(0xffffff05);
  });

  it("compare: MAT is set when the counter reaches TMAR with CE, not without", () => {
    const m = machine({ cpuHz: 32768 });
    put(m, CODE, [A.B_SELF]);
    m.physWrite32(GPT1 + TMAR, 100);
    m.physWrite32(GPT1 + TCLR, ST | CE);
    m.run({ maxInsns: 99 });
    expect(m.physRead32(GPT1 + TISR)).toBe(0);
    m.run({ maxInsns: 1 });
    expect(m.physRead32(GPT1 + TISR)).toBe(MAT);
    m.physWrite32(GPT1 + TISR, MAT);
    m.run({ maxInsns: 1000 });
    expect(m.physRead32(GPT1 + TISR)).toBe(0); // no second match before the wrap
    m.physWrite32(GPT2 + TMAR, 100);
    m.physWrite32(GPT2 + TCLR, ST);
    m.run({ maxInsns: 200 });
    expect(m.physRead32(GPT2 + TISR)).toBe(0);
  });
});

describe("GPTIMER interrupts", () => {
  // Handler quiets GPTIMER2 by clearing TISR.OVF.
  const quietGpt2 = store32(GPT2 + TISR, OVF | MAT);

  it("GPTIMER2 overflow -> INTC line 38 -> IRQ with SIR_IRQ = 38", () => {
    const m = machine({ cpuHz: 32768 });
    put(m, CODE, WFI_LOOP);
    installIrq(m, sirHandler(quietGpt2));
    m.physWrite32(INTC + 0x88 + 0x20, 1 << (38 - 32)); // MIR_CLEAR1: unmask line 38
    m.physWrite32(GPT2 + TIER, OVF);
    m.physWrite32(GPT2 + TCRR, 0xffffff00);
    m.physWrite32(GPT2 + TCLR, ST);
    const start = time32k(m);
    const r = m.run({ maxInsns: 100 });
    expect(m.reg(4)).toBe(1);
    expect(m.reg(1)).toBe(38);
    expect(m.reg(5)).toBe(1);           // woke once, back in the WFI loop
    expect(m.cpsr & 0x1f).toBe(SVC);
    expect(time32k(m) - start).toBeGreaterThanOrEqual(256); // time skipped by WFI
    expect(m.physRead32(INTC + 0x40)).toBe(0xffffff80);     // nothing pending any more
    // A one-shot timer cannot fire again: the next WFI has no source and the core reports idle.
    expect(r.reason).toBe("idle");
    expect(r.message).toContain("no interrupt source");
  });

  it("GPTIMER1 match -> line 37", () => {
    const m = machine({ cpuHz: 32768 });
    put(m, CODE, WFI_LOOP);
    installIrq(m, sirHandler(store32(GPT1 + TIER, 0)));
    m.physWrite32(INTC + 0x88 + 0x20, 1 << (37 - 32));
    m.physWrite32(GPT1 + TIER, MAT);
    m.physWrite32(GPT1 + TMAR, 5000);
    m.physWrite32(GPT1 + TCLR, ST | CE);
    m.run({ maxInsns: 100 });
    expect(m.reg(4)).toBe(1);
    expect(m.reg(1)).toBe(37);
    expect(m.physRead32(GPT1 + TISR) & MAT).toBe(MAT);
    expect(m.physRead32(GPT1 + TCRR)).toBeGreaterThanOrEqual(5000);
  });

  it("autoreload period exactly right over 100 interrupts (WFI fast-forward)", () => {
    const m = machine({ cpuHz: 32768 });
    put(m, CODE, WFI_LOOP);
    installIrq(m, sirHandler(quietGpt2));
    m.physWrite32(INTC + 0xa8, 1 << 6);
    m.physWrite32(GPT2 + TLDR, 0xffffff00);
    m.physWrite32(GPT2 + TCRR, 0xffffff00);
    m.physWrite32(GPT2 + TIER, OVF);
    const start = time32k(m);
    m.physWrite32(GPT2 + TCLR, ST | AR);
    const i0 = m.icount;
    while (m.reg(4) < 100) m.run({ maxInsns: 1 });
    const t = time32k(m) - start;
    // The 100th overflow happened at exactly 100 * 256; the handler has run a few instructions since.
    expect(t).toBeGreaterThanOrEqual(100 * 256);
    expect(t).toBeLessThan(100 * 256 + 20);
    expect(m.physRead32(GPT2 + TCRR)).toBe(0xffffff00 + (t % 256));
    expect(m.icount - i0).toBeLessThan(100 * 30); // executed far fewer instructions than ticks
  });

  it("with the default 1 GHz clock WFI skips seconds of virtual time in a few instructions", () => {
    const m = machine();
    put(m, CODE, WFI_LOOP);
    installIrq(m, sirHandler(quietGpt2));
    m.physWrite32(INTC + 0xa8, 1 << 6);
    m.physWrite32(GPT2 + TLDR, 0xffff8000);     // 1 s period
    m.physWrite32(GPT2 + TCRR, 0xffff8000);
    m.physWrite32(GPT2 + TIER, OVF);
    m.physWrite32(GPT2 + TCLR, ST | AR);
    m.run({ maxInsns: 10 * 20 });
    expect(m.reg(4)).toBeGreaterThanOrEqual(9);
    expect(time32k(m)).toBeGreaterThanOrEqual(9 * 32768);
    expect(m.icount).toBeLessThan(1000);
  });

  it("a masked timer interrupt still wakes WFI but is not taken", () => {
    const m = machine({ cpuHz: 32768 });
    put(m, CODE, [A.WFI, A.ADD_R5_1, A.B_SELF]); // IRQs stay masked in CPSR
    installIrq(m, sirHandler(quietGpt2));
    m.physWrite32(INTC + 0xa8, 1 << 6);
    m.physWrite32(GPT2 + TCRR, 0xfffff000);
    m.physWrite32(GPT2 + TIER, OVF);
    m.physWrite32(GPT2 + TCLR, ST);
    m.run({ maxInsns: 10 });
    expect(m.reg(5)).toBe(1);
    expect(m.reg(4)).toBe(0);
    expect(m.physRead32(INTC + 0x40)).toBe(38);
    expect(time32k(m)).toBeGreaterThanOrEqual(0x1000);
  });

  it("clearing TIER drops the line; an interrupt enabled after the event is raised at once", () => {
    const m = machine({ cpuHz: 32768 });
    put(m, CODE, [A.B_SELF]);
    m.physWrite32(INTC + 0xa8, 1 << 6);
    m.physWrite32(GPT2 + TCRR, 0xffffff00);
    m.physWrite32(GPT2 + TCLR, ST);
    m.run({ maxInsns: 300 });
    expect(m.physRead32(INTC + 0x80 + 0x20) & (1 << 6)).toBe(0); // ITR1: line low, TIER = 0
    m.physWrite32(GPT2 + TIER, OVF);
    expect(m.physRead32(INTC + 0x80 + 0x20) & (1 << 6)).toBe(1 << 6);
    expect(m.physRead32(INTC + 0x40)).toBe(38);
    m.physWrite32(GPT2 + TIER, 0);
    expect(m.physRead32(INTC + 0x40)).toBe(0xffffff80);
  });

  it("Linux's clockevent sequences (timer-ti-dm-systimer.c): one-shot after cycles + 1 ticks, periodic", () => {
    const m = machine({ cpuHz: 32768 });
    put(m, CODE, [A.B_SELF]);
    const w = (o: number, v: number) => m.physWrite32(GPT1 + o, v);
    w(TSICR, 4);                                   // posted mode
    w(TIER, OVF); w(TWER, OVF);
    // set_next_event(100): TCRR = 0xffffffff - 100, wait TWPS, TCLR = ST
    w(TCRR, 0xffffffff - 100);
    expect(m.physRead32(GPT1 + TWPS)).toBe(0);
    w(TCLR, ST);
    m.run({ maxInsns: 100 });
    expect(m.physRead32(GPT1 + TISR)).toBe(0);
    expect(m.physRead32(INTC + 0xa0) & (1 << 5)).toBe(0); // ITR1 line 37 low
    m.run({ maxInsns: 1 });
    expect(m.physRead32(GPT1 + TISR)).toBe(OVF);
    expect(m.physRead32(INTC + 0xa0) & (1 << 5)).toBe(1 << 5);
    w(TISR, OVF);                                  // the handler's acknowledge
    expect(m.physRead32(INTC + 0xa0) & (1 << 5)).toBe(0);
    // set_periodic at HZ = 100: shutdown, TLDR = TCRR = 0xffffffff - 328, TCLR = AR | ST
    w(TCLR, 0);
    const period = 0xffffffff - 328;
    w(TLDR, period); w(TCRR, period); w(TCLR, AR | ST);
    for (let k = 0; k < 50; k++) {
      m.run({ maxInsns: 328 });
      expect(m.physRead32(GPT1 + TISR)).toBe(0);
      m.run({ maxInsns: 1 });
      expect(m.physRead32(GPT1 + TISR)).toBe(OVF);
      w(TISR, OVF);
    }
  });

  it("wall-clock mode: WFI reports a wait until the next timer event, and the interrupt comes on time", async () => {
    const m = machine({ clock: "wall" });
    put(m, CODE, WFI_LOOP);
    installIrq(m, sirHandler(quietGpt2));
    m.physWrite32(INTC + 0xa8, 1 << 6);
    m.physWrite32(GPT2 + TLDR, 0xffffffff - 327);   // ~10 ms period
    m.physWrite32(GPT2 + TCRR, 0xffffffff - 327);
    m.physWrite32(GPT2 + TIER, OVF);
    m.physWrite32(GPT2 + TCLR, ST | AR);
    const t0 = performance.now();
    let waits = 0;
    while (m.reg(4) < 3 && performance.now() - t0 < 5000) {
      const r = m.run({ maxInsns: 100_000 });
      if (r.reason === "wait") {
        waits++;
        expect(r.waitMs).toBeGreaterThanOrEqual(0);
        expect(r.waitMs).toBeLessThanOrEqual(11);
        await new Promise((res) => setTimeout(res, r.waitMs));
      }
    }
    expect(m.reg(4)).toBe(3);
    expect(m.reg(1)).toBe(38);
    expect(waits).toBeGreaterThanOrEqual(3);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(25); // three periods of real time
  });
});

