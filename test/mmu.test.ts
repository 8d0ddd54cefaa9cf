// VMSAv7 short-descriptor walks, permissions and fault status (ARM ARM B3.5-B3.7, B3.13), checked
// at the MMU boundary: page tables are written into guest RAM and translations asked for directly.
import { describe, it, expect, beforeEach } from "vitest";
import { Machine } from "../src/machine/machine.js";

const L1 = 0x80100000; // 16 KiB aligned first-level table
const L2 = 0x80104000; // a second-level table (1 KiB)
const READ = 0, WRITE = 1, EXEC = 2;

// Descriptor builders (B3.5.1): section AP[2] is bit 15, AP[1:0] bits 11:10, domain 8:5, XN bit 4.
const section = (pa: number, { ap = 3, apx = 0, domain = 0, xn = 0 } = {}) =>
  ((pa & 0xfff00000) | (apx << 15) | (ap << 10) | (domain << 5) | (xn << 4) | 2) >>> 0;
const supersection = (pa: number, { ap = 3 } = {}) => ((pa & 0xff000000) | (1 << 18) | (ap << 10) | 2) >>> 0;
const pageTable = (pa: number, domain = 0) => ((pa & 0xfffffc00) | (domain << 5) | 1) >>> 0;
const smallPage = (pa: number, { ap = 3, apx = 0, xn = 0 } = {}) =>
  ((pa & 0xfffff000) | (apx << 9) | (ap << 4) | 2 | xn) >>> 0;
const largePage = (pa: number, { ap = 3, xn = 0 } = {}) => ((pa & 0xffff0000) | (xn << 15) | (ap << 4) | 1) >>> 0;

describe("MMU translation (VMSAv7 short descriptors)", () => {
  let m: Machine;
  const l1 = (va: number, desc: number) => m.physWrite32(L1 + ((va >>> 20) << 2), desc);
  const l2 = (va: number, desc: number) => m.physWrite32(L2 + (((va >>> 12) & 0xff) << 2), desc);
  const mmuOn = ({ dacr = 0x55555555, ttbcr = 0, ttbr1 = 0 } = {}) =>
    m.setCp15({ TTBR0: L1, TTBR1: ttbr1, TTBCR: ttbcr, DACR: dacr, SCTLR: m.getCp15("SCTLR") | 1 });
  const xl = (va: number, kind: number, priv = true) => m.translate(va, kind, priv);

  beforeEach(async () => {
    m = await Machine.create({ ramMiB: 16 });
    for (let i = 0; i < 4096; i++) m.physWrite32(L1 + i * 4, 0);
  });

  it("is a flat mapping with the MMU off", () => {
    expect(xl(0x12345678, READ)).toEqual({ pa: 0x12345678 });
    expect(xl(0xfffffffc, WRITE, false)).toEqual({ pa: 0xfffffffc });
  });

  it("translates sections, supersections, large and small pages", () => {
    l1(0x00100000, section(0x80200000));
    for (let k = 0; k < 16; k++) l1(0xa0000000 + k * 0x100000, supersection(0x81000000)); // 16 copies (B3.5.1)
    l1(0x40000000, pageTable(L2));
    l2(0x40001000, smallPage(0x80345000));
    for (let k = 0; k < 16; k++) l2(0x40010000 + k * 0x1000, largePage(0x80370000)); // 16 copies (B3.5.1)
    mmuOn();
    expect(xl(0x00123456, READ)).toEqual({ pa: 0x80223456 });
    expect(xl(0xa0abcdef, READ)).toEqual({ pa: 0x81abcdef });
    expect(xl(0x40001abc, READ)).toEqual({ pa: 0x80345abc });
    expect(xl(0x4001f123, READ)).toEqual({ pa: 0x8037f123 });
  });

  it("reports translation faults with the right level and domain", () => {
    l1(0x40000000, pageTable(L2, 7));
    mmuOn();
    expect(xl(0x30000000, READ)).toEqual({ fault: 0x05 });            // section translation fault
    expect(xl(0x40002000, READ)).toEqual({ fault: 0x07 | (7 << 4) }); // page translation fault, domain 7
  });

  it("checks domains: no access faults, manager skips permissions", () => {
    l1(0x00100000, section(0x80200000, { domain: 3, ap: 0 }));
    l1(0x40000000, pageTable(L2, 5));
    l2(0x40001000, smallPage(0x80345000, { ap: 0 }));
    mmuOn({ dacr: 0 }); // every domain: no access
    expect(xl(0x00100000, READ)).toEqual({ fault: 0x09 | (3 << 4) });
    expect(xl(0x40001000, READ)).toEqual({ fault: 0x0b | (5 << 4) });
    mmuOn({ dacr: (3 << 6) | (3 << 10) }); // domains 3 and 5: manager
    expect(xl(0x00100000, WRITE, false)).toEqual({ pa: 0x80200000 });
    expect(xl(0x40001000, WRITE, false)).toEqual({ pa: 0x80345000 });
  });

  it("applies AP[2:0] for privileged and user, reads and writes (table B3-8)", () => {
    // [APX, AP] -> [priv read, priv write, user read, user write]
    const table: Array<[number, number, boolean[]]> = [
      [0, 0, [false, false, false, false]],
      [0, 1, [true, true, false, false]],
      [0, 2, [true, true, true, false]],
      [0, 3, [true, true, true, true]],
      [1, 1, [true, false, false, false]],
      [1, 2, [true, false, true, false]],
      [1, 3, [true, false, true, false]],
    ];
    table.forEach(([apx, ap], k) => l1(0x00100000 * (k + 1), section(0x80000000, { ap, apx, domain: 2 })));
    mmuOn();
    table.forEach(([apx, ap, expected], k) => {
      const va = 0x00100000 * (k + 1);
      const got = [xl(va, READ, true), xl(va, WRITE, true), xl(va, READ, false), xl(va, WRITE, false)];
      got.forEach((r, j) => {
        if (expected[j]) expect(r, `APX=${apx} AP=${ap} case ${j}`).toEqual({ pa: 0x80000000 });
        else expect(r, `APX=${apx} AP=${ap} case ${j}`).toEqual({ fault: 0x0d | (2 << 4) });
      });
    });
  });

  it("faults on execution from XN regions (section and small page)", () => {
    l1(0x00100000, section(0x80200000, { xn: 1 }));
    l1(0x40000000, pageTable(L2));
    l2(0x40001000, smallPage(0x80345000, { xn: 1 }));
    mmuOn();
    expect(xl(0x00100000, READ)).toEqual({ pa: 0x80200000 });
    expect(xl(0x00100000, EXEC)).toEqual({ fault: 0x0d });
    expect(xl(0x40001000, EXEC)).toEqual({ fault: 0x0f });
  });

  it("splits the address space with TTBCR.N and honours PD0/PD1", () => {
    const T1 = 0x80108000;
    for (let i = 0; i < 4096; i++) m.physWrite32(T1 + i * 4, 0);
    // N = 2: TTBR0 covers 0..1 GiB with a 4 KiB table aligned to 4 KiB, TTBR1 the rest.
    const T0 = 0x8010c000 + 0x1000; // 4 KiB aligned, not 16 KiB aligned
    for (let i = 0; i < 1024; i++) m.physWrite32(T0 + i * 4, 0);
    m.physWrite32(T0 + (0x300 << 2), section(0x80400000));
    m.physWrite32(T1 + (0xc00 << 2), section(0x80500000));
    m.setCp15({ TTBR0: T0, TTBR1: T1, TTBCR: 2, DACR: 0x55555555, SCTLR: m.getCp15("SCTLR") | 1 });
    expect(xl(0x30000010, READ)).toEqual({ pa: 0x80400010 });
    expect(xl(0xc0000010, READ)).toEqual({ pa: 0x80500010 });
    m.setCp15({ TTBCR: 2 | 0x10 }); // PD0: walks through TTBR0 fault
    expect(xl(0x30000010, READ)).toEqual({ fault: 0x05 });
    expect(xl(0xc0000010, READ)).toEqual({ pa: 0x80500010 });
  });

  it("reports an external abort when a table lies outside RAM", () => {
    m.setCp15({ TTBR0: 0x40000000, TTBCR: 0, DACR: 0x55555555, SCTLR: m.getCp15("SCTLR") | 1 });
    expect(xl(0x00000000, READ)).toEqual({ fault: 0x0c });
    l1(0x00100000, pageTable(0x40000000));
    mmuOn();
    expect(xl(0x00100000, READ)).toEqual({ fault: 0x0e });
  });
});

describe("DACR writes and the software TLB (B3.7.3, B3.10)", () => {
  // Code: identity section at 0x80000000 in domain 0; data: VA 0x40000000 -> 0x80200000 in domain 1
  // (AP full access), VA 0x40100000 -> 0x80300000 in domain 1 with AP 000 (no access unless Manager).
  const CODE = 0x80008000, VEC = 0x80009000;
  function machine(handler: number[]): Machine {
    const m = Machine.createSync({ ramMiB: 16 });
    for (let i = 0; i < 4096; i++) m.physWrite32(L1 + i * 4, 0);
    m.physWrite32(L1 + 0x800 * 4, section(0x80000000));
    m.physWrite32(L1 + 0x400 * 4, section(0x80200000, { domain: 1 }));
    m.physWrite32(L1 + 0x401 * 4, section(0x80300000, { domain: 1, ap: 0 }));
    m.physWrite32(0x80200000, 0x11111111);
    m.physWrite32(0x80300000, 0x33333333);
    handler.forEach((w, k) => m.physWrite32(VEC + 0x10 + 4 * k, w));
    m.setCp15({ TTBR0: L1, DACR: 0x55555555, VBAR: VEC, SCTLR: m.getCp15("SCTLR") | 1 });
    m.pc = CODE;
    return m;
  }

  it("a domain taken to No access faults at once, though its translation was cached; Client again works", () => {
    const m = machine([
      0xee158f10, // mrc r8, DFSR
      0xee033f10, // mcr DACR := r3 (Client)
      0xe25ef008, // subs pc, lr, #8 (retry)
    ]);
    [0xe5915000 /* ldr r5, [r1] */, 0xee032f10 /* mcr DACR := r2 */, 0xe5916000 /* ldr r6, [r1] */, 0xeafffffe]
      .forEach((w, k) => m.physWrite32(CODE + 4 * k, w));
    m.setReg(1, 0x40000000); m.setReg(2, 0x55555551); m.setReg(3, 0x55555555);
    m.run({ maxInsns: 7 });
    expect(m.reg(8) & 0x1fff).toBe(0x019);     // section Domain fault, domain 1
    expect(m.reg(5) >>> 0).toBe(0x11111111);
    expect(m.reg(6) >>> 0).toBe(0x11111111);
    expect(m.pc >>> 0).toBe(CODE + 12);
  });

  it("a domain taken from Manager to Client loses the access Manager gave a no-access page", () => {
    const m = machine([0xee158f10 /* mrc r8, DFSR */, 0xeafffffe]);
    [0xee034f10 /* mcr DACR := r4 (domain 1 Manager) */, 0xe5979000 /* ldr r9, [r7] */,
      0xee033f10 /* mcr DACR := r3 (Client) */, 0xe597a000 /* ldr r10, [r7] */, 0xeafffffe]
      .forEach((w, k) => m.physWrite32(CODE + 4 * k, w));
    m.setReg(7, 0x40100000); m.setReg(3, 0x55555555); m.setReg(4, 0x5555555d); m.setReg(10, 0xdead);
    m.run({ maxInsns: 6 });
    expect(m.reg(9) >>> 0).toBe(0x33333333);
    expect(m.reg(8) & 0x1fff).toBe(0x01d);     // section Permission fault, domain 1
    expect(m.reg(10)).toBe(0xdead);
    expect(m.pc >>> 0).toBe(VEC + 0x14);
  });

  it("User mode's cached translations obey a DACR the kernel lowered before returning to User mode", () => {
    // The privileged DACR write leaves the User TLB sets alone; the switch back to User mode must
    // drop their domain-1 entries (mmu/tlb.ts: User sets checked when User mode is entered).
    const m = machine([0xee158f10 /* mrc r8, DFSR */, 0xeafffffe]);
    m.physWrite32(L1 + 0x800 * 4, section(0x80000000, { ap: 3 }));             // code: User may run it
    m.physWrite32(VEC + 8, 0xee032f10);                                          // SVC: mcr DACR := r2 (domain 1 No access)
    m.physWrite32(VEC + 12, 0xe1b0f00e);                                         //      movs pc, lr
    [0xe5915000 /* ldr r5, [r1] */, 0xef000000 /* svc #0 */, 0xe5916000 /* ldr r6, [r1] */, 0xeafffffe]
      .forEach((w, k) => m.physWrite32(CODE + 4 * k, w));
    m.cpsr = 0x10;                                                               // User mode
    m.setReg(1, 0x40000000); m.setReg(2, 0x55555551); m.setReg(6, 0xdead);
    m.run({ maxInsns: 7 });
    expect(m.reg(5) >>> 0).toBe(0x11111111);
    expect(m.reg(6)).toBe(0xdead);
    expect(m.reg(8) & 0x1fff).toBe(0x019);     // section Domain fault, domain 1, taken in User mode
    expect(m.pc >>> 0).toBe(VEC + 0x14);
  });

  it("STRT at PL1 is checked against the current DACR, not User mode's cached translation", () => {
    const m = machine([0xee158f10 /* mrc r8, DFSR */, 0xeafffffe]);
    m.physWrite32(L1 + 0x800 * 4, section(0x80000000, { ap: 3 }));
    m.physWrite32(VEC + 8, 0xee032f10);                                          // SVC: mcr DACR := r2 (domain 1 No access)
    m.physWrite32(VEC + 12, 0xe4a14000);                                         //      strt r4, [r1]
    [0xe5814000 /* str r4, [r1] (User) */, 0xef000000 /* svc #0 */, 0xeafffffe].forEach((w, k) => m.physWrite32(CODE + 4 * k, w));
    m.cpsr = 0x10;
    m.setReg(1, 0x40000000); m.setReg(2, 0x55555551); m.setReg(4, 0x44444444);
    m.run({ maxInsns: 3 });                    // str (User), svc, mcr DACR
    expect(m.physRead32(0x80200000) >>> 0).toBe(0x44444444);
    m.physWrite32(0x80200000, 0x11111111);     // the User-mode store happened; reset to see the STRT's
    m.setReg(4, 0x55555555);
    m.run({ maxInsns: 3 });
    expect(m.physRead32(0x80200000) >>> 0).toBe(0x11111111);
    expect(m.reg(8) & 0x1fff).toBe(0x819);     // write, section Domain fault, domain 1
  });

  it("LDRT at PL1 leaves no User-mode translation behind that a lowered DACR would not allow", () => {
    const m = machine([0xee158f10 /* mrc r8, DFSR */, 0xeafffffe]);
    m.physWrite32(L1 + 0x800 * 4, section(0x80000000, { ap: 3 }));
    [
      0xee032f10, // mcr DACR := r2          domain 1 Client
      0xe4b16000, // ldrt r6, [r1]           checked as User: allowed
      0xee033f10, // mcr DACR := r3          domain 1 No access
      0xf1020010, // cps #0x10               User mode
      0xe5917000, // ldr r7, [r1]            Domain fault
      0xeafffffe,
    ].forEach((w, k) => m.physWrite32(CODE + 4 * k, w));
    m.setCp15({ DACR: 0x55555551 });
    m.setReg(1, 0x40000000); m.setReg(2, 0x55555555); m.setReg(3, 0x55555551); m.setReg(7, 0xdead);
    m.run({ maxInsns: 7 });
    expect(m.reg(6) >>> 0).toBe(0x11111111);
    expect(m.reg(7)).toBe(0xdead);
    expect(m.reg(8) & 0x1fff).toBe(0x019);
  });
});
