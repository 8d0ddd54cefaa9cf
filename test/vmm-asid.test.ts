// The VMM's real ASIDs (vmm/shadow.ts "Real ASIDs"): each pair of shadow views the real TTBR0/TTBR1
// point at has its own real ASID, so a world switch (guest kernel <-> guest user view) keeps the
// TLB's entries of both views; a pair whose shadow context is dropped takes a new ASID, so its old
// entries are never hit again; when the 255 ASIDs of a generation run out, a TLBIALL starts the next.
// Small hand-assembled guests (encodings from arm-none-eabi-as -march=armv7-a+sec+virt).
import { describe, it, expect } from "vitest";
import { Machine, type VmMode } from "../src/machine/machine.js";

const CODE = 0x80008000;
const VEC = 0x80009000;
const USER = 0x8000a000;
const put = (m: Machine, addr: number, ws: number[]) => ws.forEach((w, k) => m.physWrite32(addr + 4 * k, w >>> 0));
const machine = (mode: VmMode) => Machine.createSync({ ramMiB: 64, mode });

// A guest kernel that drops to User mode; the user loop loads from its page and makes a system
// call, whose handler loads from a kernel page and returns: two world switches per iteration.
function syscallLoop(mode: VmMode): Machine {
  const m = machine(mode);
  // A para guest registers its shared page first (HC_SHARED_PAGE): its remaining sensitive
  // instructions are then trapped and emulated as in full mode.
  const para = mode === "para" ? [
    0xe1a00007, // mov r0, r7                  the shared page
    0xe140007c, // hvc #12                     HC_SHARED_PAGE
    0xe1a00008, // mov r0, r8                  VEC
  ] : [];
  put(m, CODE, [
    ...para,
    0xee0c0f10, // mcr p15, 0, r0, c12, c0, 0   VBAR := r0
    0xe36ff010, // msr spsr_cxsf, #0x10
    0xe1b0f001, // movs pc, r1                 to User mode at USER
  ]);
  put(m, USER, [
    0xe5924000, // uloop: ldr r4, [r2]
    0xef000000, // svc #0
    0xe2555001, // subs r5, r5, #1
    0x1afffffb, // bne uloop
    0xeafffffe, // b .
  ]);
  put(m, VEC + 8, [
    0xe5936000, // ldr r6, [r3]
    0xe1b0f00e, // movs pc, lr
  ]);
  m.physWrite32(0x80200000, 0x5e55);
  m.physWrite32(0x80300000, 0xc0de);
  m.pc = CODE;
  m.setReg(0, VEC); m.setReg(1, USER); m.setReg(2, 0x80200000); m.setReg(3, 0x80300000); m.setReg(5, 100_000);
  m.setReg(7, 0x80400000); m.setReg(8, VEC);
  m.run({ maxInsns: para.length });
  return m;
}

describe("VMM real ASIDs: a world switch keeps the TLB", () => {
  for (const mode of ["full", "para"] as const) {
    it(`${mode} mode: kernel <-> user view switches refill nothing once both views are warm`, () => {
      const m = syscallLoop(mode);
      m.run({ maxInsns: 3 + 6 * 10 });                 // 10 iterations: both views warm
      expect(m.reg(4)).toBe(0x5e55);
      const s0 = m.vmmStats(), r0 = m.tlbRefills();
      m.run({ maxInsns: 6 * 500 });                     // 500 more: 1000 world switches
      const s1 = m.vmmStats(), r1 = m.tlbRefills();
      expect(m.reg(6)).toBe(0xc0de);
      expect(s1.world_switches - s0.world_switches).toBe(1000);
      expect(s1.exc_svc - s0.exc_svc).toBe(500);
      // Without ASIDs every switch emptied the TLB's User sets: each iteration refilled the user
      // code and data pages and the vector and kernel data pages (>= 4 refills, 2000 in all).
      expect(r1 - r0).toBeLessThan(10);
      expect(s1.shadow_fills).toBe(s0.shadow_fills);
      expect(s1.asid_allocs).toBe(s0.asid_allocs);     // the two pairs keep their ASIDs
      expect(s1.asid_rollovers).toBe(0);
      // The world switch is charged as register writes, not as a TLB flush.
      const c = m.vmmCosts();
      expect(c.world_switch).toBeLessThan(c.asid_rollover);
    });
  }

  it("natively the same loop refills nothing either (the reference: mode changes keep the TLB)", () => {
    const m = syscallLoop("native");
    m.run({ maxInsns: 3 + 6 * 10 });
    const r0 = m.tlbRefills();
    m.run({ maxInsns: 6 * 500 });
    expect(m.tlbRefills() - r0).toBeLessThan(10);
    expect(m.reg(6)).toBe(0xc0de);
  });
});

// Paged guest: L1 at 0x80100000 with the code MiB identity-mapped, VA 0x40000000 -> PA 0x80200000.
function paged(mode: VmMode): Machine {
  const m = machine(mode);
  const L1 = 0x80100000;
  for (let i = 0; i < 4096; i++) m.physWrite32(L1 + 4 * i, 0);
  m.physWrite32(L1 + 0x800 * 4, 0x80000c02);
  m.physWrite32(L1 + 0x801 * 4, 0x80100c02);
  m.physWrite32(L1 + 0x400 * 4, 0x80200402);
  m.physWrite32(0x80200000, 0x11111111);
  m.physWrite32(0x80300000, 0x22222222);
  m.setCp15({ TTBR0: L1, DACR: 0x55555555, SCTLR: m.getCp15("SCTLR") | 1, VBAR: VEC });
  return m;
}

describe("VMM real ASIDs: a dropped shadow context's entries are never used again", () => {
  it("para mode (no page-table tracking): a not-global descriptor rewritten, then TLBIASID of the live ASID: the next load sees the new mapping", () => {
    const m = paged("para");
    m.physWrite32(0x80100000 + 0x400 * 4, 0x80220402); // VA 0x40000000 -> 0x80200000, not global (nG, bit 17)
    put(m, CODE, [
      0xe5945000, // ldr r5, [r4]          VA 0x40000000 -> 0x80200000 (a TLB entry under the pair's ASID)
      0xe5823000, // str r3, [r2]          guest L1[0x400] := PA 0x80300000, nG (para: not tracked)
      0xe3a00000, // mov r0, #0            the guest's ASID (CONTEXTIDR 0)
      0xe1400079, // hvc #9                HC_TLB_FLUSH_ASID
      0xe5947000, // ldr r7, [r4]          -> 0x80300000
      0xeafffffe,
    ]);
    m.pc = CODE;
    m.setReg(2, 0x80101000); m.setReg(3, 0x80320402); m.setReg(4, 0x40000000);
    m.run({ maxInsns: 6 });
    expect(m.reg(5) >>> 0).toBe(0x11111111);
    // The live pair's not-global shadow table was dropped and it took a new real ASID: the TLB entry
    // made under the old one is not looked up (with the old ASID kept, this load returned 0x11111111).
    expect(m.reg(7) >>> 0).toBe(0x22222222);
    const s = m.vmmStats();
    expect(s.hc_tlb_flush_asid).toBe(1);
    expect(s.hc_errors).toBe(0);
  });

  it("para mode: TLBIASID keeps the shadow of a global section (B4.2.2: it invalidates the ASID's non-global entries only); TLBIMVA then drops it", () => {
    const m = paged("para");      // L1[0x400]: global section VA 0x40000000 -> 0x80200000
    put(m, CODE, [
      0xe5945000, // ldr r5, [r4]          -> 0x80200000
      0xe5823000, // str r3, [r2]          guest L1[0x400] := PA 0x80300000, global
      0xe3a00000, // mov r0, #0
      0xe1400079, // hvc #9                HC_TLB_FLUSH_ASID: global entries stay, as in a TLB
      0xe5946000, // ldr r6, [r4]          still 0x80200000
      0xe1a00004, // mov r0, r4
      0xe3a01000, // mov r1, #0
      0xe140007a, // hvc #10               HC_TLB_FLUSH_PAGE 0x40000000
      0xe5947000, // ldr r7, [r4]          -> 0x80300000
      0xeafffffe,
    ]);
    m.pc = CODE;
    m.setReg(2, 0x80101000); m.setReg(3, 0x80300402); m.setReg(4, 0x40000000);
    const f0 = m.vmmStats().shadow_fills;
    m.run({ maxInsns: 10 });
    expect([m.reg(5) >>> 0, m.reg(6) >>> 0, m.reg(7) >>> 0]).toEqual([0x11111111, 0x11111111, 0x22222222]);
    const s = m.vmmStats();
    expect([s.hc_tlb_flush_asid, s.hc_tlb_flush_page, s.hc_errors]).toEqual([1, 1, 0]);
    // the code page, the guest L1 table's page (the store) and the section's page once each, the
    // section's page again after the TLBIMVA only
    expect(s.shadow_fills - f0).toBe(4);
  });

  it("para mode: TLBIMVA of the page (HC_TLB_FLUSH_PAGE) after a descriptor write gives the new mapping too", () => {
    const m = paged("para");
    put(m, CODE, [
      0xe5945000, // ldr r5, [r4]
      0xe5823000, // str r3, [r2]
      0xe1a00004, // mov r0, r4
      0xe3a01000, // mov r1, #0
      0xe140007a, // hvc #10               HC_TLB_FLUSH_PAGE
      0xe5947000, // ldr r7, [r4]
      0xeafffffe,
    ]);
    m.pc = CODE;
    m.setReg(2, 0x80101000); m.setReg(3, 0x80300402); m.setReg(4, 0x40000000);
    m.run({ maxInsns: 7 });
    expect([m.reg(5) >>> 0, m.reg(7) >>> 0]).toEqual([0x11111111, 0x22222222]);
    expect(m.vmmStats().shadow_page_invals).toBeGreaterThanOrEqual(1);
  });
});

describe("VMM real ASIDs: a changed shadow entry is flushed under every ASID", () => {
  it("full mode: a tracked guest descriptor write drops the page from both views' TLB entries, not just the current pair's", () => {
    const m = paged("full");
    m.physWrite32(0x80100000 + 0x400 * 4, 0x80200c02);    // VA 0x40000000 -> 0x80200000, user RW
    put(m, CODE, [
      0xe5945000, // ldr r5, [r4]          kernel view: a TLB entry under the kernel pair's ASID
      0xe36ff010, // msr spsr_cxsf, #0x10
      0xe28fe000, // adr lr, user
      0xe1b0f00e, // movs pc, lr
      0xe5946000, // user: ldr r6, [r4]    user view: an entry under the user pair's ASID
      0xef000000, // svc #0
      0xe5948000, // ldr r8, [r4]          user view again, after the kernel changed the mapping
      0xeafffffe, // b .
    ]);
    put(m, VEC + 8, [
      0xe5823000, // str r3, [r2]          guest L1[0x400] := PA 0x80300000 (a tracked frame: a write window)
      0xe1b0f00e, // movs pc, lr           the trap closes the window: the changed descriptor's shadow entries go
    ]);
    m.pc = CODE;
    m.setReg(2, 0x80101000); m.setReg(3, 0x80300c02); m.setReg(4, 0x40000000);
    m.run({ maxInsns: 10 });
    expect(m.pc >>> 0).toBe(CODE + 0x1c);
    expect([m.reg(5) >>> 0, m.reg(6) >>> 0]).toEqual([0x11111111, 0x11111111]);
    // The user pair's TLB entry for the page was made under its own ASID while the kernel pair
    // ran the store; it must go too (flushing only the current ASID left 0x11111111 here).
    expect(m.reg(8) >>> 0).toBe(0x22222222);
    const s = m.vmmStats();
    expect(s.pt_write_faults).toBe(1);
    expect(s.shadow_page_invals).toBeGreaterThanOrEqual(2);  // the page in both views' shadows
  });
});

describe("VMM real ASIDs: rollover", () => {
  // Two guest tables map VA 0x40000000 to different frames: A to 0x80200000 (0xaaaa), B to
  // 0x80300000 (0xbbbb). Each outer iteration switches to (A, ASID 1) and loads, then four times to
  // (B, a new ASID: 2..255, wrapping) and loads. Every B switch makes a new shadow pair, so the real
  // ASIDs run out every ~50 iterations, while A's pair stays recent (its TLB entries live): after a
  // rollover, B pairs take the low ASIDs again, A's old one among them, before A's pair is selected
  // again. r8 counts loads that returned the other table's value.
  const A = 0x80100000, B = 0x80104000;
  function setup(mode: VmMode, iters: number): Machine {
    const m = machine(mode);
    for (const L1 of [A, B]) {
      for (let i = 0; i < 4096; i++) m.physWrite32(L1 + 4 * i, 0);
      m.physWrite32(L1 + 0x800 * 4, 0x80000c02);                  // code, identity
    }
    m.physWrite32(A + 0x400 * 4, 0x80200402);
    m.physWrite32(B + 0x400 * 4, 0x80300402);
    m.physWrite32(0x80200000, 0xaaaa);
    m.physWrite32(0x80300000, 0xbbbb);
    m.setCp15({ TTBR0: A, CONTEXTIDR: 1, DACR: 0x55555555, SCTLR: m.getCp15("SCTLR") | 1 });
    m.pc = CODE;
    m.setReg(4, 0x40000000); m.setReg(5, iters); m.setReg(8, 0);
    m.setReg(9, 2); m.setReg(10, 0xaaaa); m.setReg(11, 0xbbbb); m.setReg(12, 1);
    return m;
  }
  const iters = 150;

  it("full mode: more address spaces than ASIDs: every load sees its own table across rollovers", () => {
    const m = setup("full", iters);
    put(m, CODE, [
      0xee020f10, // outer: mcr TTBR0 := r0 (A)
      0xee0dcf30, // mcr CONTEXTIDR := r12 (1)
      0xe5946000, // ldr r6, [r4]
      0xe156000a, // cmp r6, r10 (0xaaaa)
      0x12888001, // addne r8, r8, #1
      0xe3a07004, // mov r7, #4
      0xee021f10, // inner: mcr TTBR0 := r1 (B)
      0xee0d9f30, // mcr CONTEXTIDR := r9
      0xe5946000, // ldr r6, [r4]
      0xe156000b, // cmp r6, r11 (0xbbbb)
      0x12888001, // addne r8, r8, #1
      0xe2899001, // add r9, r9, #1
      0xe3590c01, // cmp r9, #256
      0x03a09002, // moveq r9, #2
      0xe2577001, // subs r7, r7, #1
      0x1afffff5, // bne inner
      0xe2555001, // subs r5, r5, #1
      0x1affffed, // bne outer
      0xeafffffe, // b .
    ]);
    m.setReg(0, A); m.setReg(1, B);
    m.run({ maxInsns: 48 * iters + 1 });
    expect(m.pc >>> 0).toBe(CODE + 0x48);
    const s = m.vmmStats();
    expect(m.reg(8)).toBe(0);                          // no load hit an entry of a reused ASID's old pair
    expect(s.asid_rollovers).toBeGreaterThanOrEqual(2);
    expect(s.asid_allocs).toBeGreaterThan(255 * s.asid_rollovers);
    expect(s.vmm_cycles).toBeGreaterThanOrEqual(s.asid_rollovers * m.vmmCosts().asid_rollover);
  });

  it("para mode: the same with one HC_SWITCH_MM per address-space switch", () => {
    const m = setup("para", iters);
    put(m, CODE, [
      0xe1a00002, // outer: mov r0, r2 (A)
      0xe1a0100c, // mov r1, r12 (1)
      0xe1400077, // hvc #7                HC_SWITCH_MM
      0xe5946000, // ldr r6, [r4]
      0xe156000a, // cmp r6, r10
      0x12888001, // addne r8, r8, #1
      0xe3a07004, // mov r7, #4
      0xe1a00003, // inner: mov r0, r3 (B)
      0xe1a01009, // mov r1, r9
      0xe1400077, // hvc #7
      0xe5946000, // ldr r6, [r4]
      0xe156000b, // cmp r6, r11
      0x12888001, // addne r8, r8, #1
      0xe2899001, // add r9, r9, #1
      0xe3590c01, // cmp r9, #256
      0x03a09002, // moveq r9, #2
      0xe2577001, // subs r7, r7, #1
      0x1afffff4, // bne inner
      0xe2555001, // subs r5, r5, #1
      0x1affffeb, // bne outer
      0xeafffffe, // b .
    ]);
    m.setReg(2, A); m.setReg(3, B);
    m.run({ maxInsns: 53 * iters + 1 });
    expect(m.pc >>> 0).toBe(CODE + 0x50);
    const s = m.vmmStats();
    expect(m.reg(8)).toBe(0);
    expect(s.hc_switch_mm).toBe(5 * iters);
    expect(s.hc_errors).toBe(0);
    expect(s.asid_rollovers).toBeGreaterThanOrEqual(2);
  });
});
