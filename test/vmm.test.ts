// The VMM (assembly/vmm): each trap class emulated against the virtual CPU (small hand-assembled
// programs in full mode, encodings from arm-none-eabi-as), exceptions reflected into the guest's
// vectors, shadow page tables kept coherent with the guest's TLB maintenance and confined to the
// guest's partition, hypercalls and their errors (para mode), and the tiny kernel's self-test
// printing the same output natively, in full mode and (its paravirtual build) in para mode.
import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { vm7, breathe } from "./helpers/run.js";
import { Machine, type VmMode } from "../src/machine/machine.js";

const root = join(import.meta.dirname, "..");
const CODE = 0x80008000;
const VEC = 0x80009000;
const USR = 0x10, SVC = 0x13, ABT = 0x17;
const put = (m: Machine, addr: number, ws: number[]) => ws.forEach((w, k) => m.physWrite32(addr + 4 * k, w >>> 0));

function machine(mode: VmMode = "full"): Machine {
  return Machine.createSync({ ramMiB: 64, mode });
}

describe("VMM full mode: sensitive instructions trap and act on the virtual CPU", () => {
  it("MRS/MSR/CPS read and write the virtual CPSR and banks; the real CPU stays in User mode", () => {
    const m = machine();
    put(m, CODE, [
      0xe10f0000, // mrs r0, cpsr
      0xf1080080, // cpsie i
      0xe10f1000, // mrs r1, cpsr
      0xe321f0d7, // msr cpsr_c, #0xd7 (Abort mode, I F)
      0xe10f2000, // mrs r2, cpsr
      0xe1a0300d, // mov r3, sp
      0xe14f4000, // mrs r4, spsr
      0xf1020013, // cps #0x13
      0xe1a0500d, // mov r5, sp
      0xeafffffe, // b .
    ]);
    m.pc = CODE;
    expect(m.cpsr & 0x1f).toBe(SVC);
    m.setBanked(ABT, 13, 0xabab0000);
    m.setSpsr(ABT, 0x600001d0);
    m.setReg(13, 0x5c5c0000);
    m.run({ maxInsns: 9 });
    expect(m.reg(0) & 0x1ff).toBe(0x1d3);            // virtual SVC, I and F masked (reset state)
    expect(m.reg(1) & 0x1ff).toBe(0x153);            // cpsie i cleared the virtual I bit
    expect(m.reg(2) & 0x1ff).toBe(0x1d7);            // MSR switched the virtual mode to Abort
    expect(m.reg(3) >>> 0).toBe(0xabab0000);         // ...and the VMM swapped in Abort's banked sp
    expect(m.reg(4) >>> 0).toBe(0x600001d0);         // Abort's SPSR
    expect(m.reg(5) >>> 0).toBe(0x5c5c0000);         // back in SVC with SVC's sp
    expect(m.cpsr & 0x1f).toBe(SVC);
    expect(m.realCpsr & 0x1f).toBe(USR);             // the real CPU never left User mode
    expect(m.realCpsr & 0xc0).toBe(0xc0);            // real I/F follow the virtual ones
    const s = m.vmmStats();
    expect(s.trap_mrs).toBe(4);
    expect(s.trap_msr).toBe(1);
    expect(s.trap_cps).toBe(2);
    expect(s.traps - s.shadow_faults).toBe(7);       // plus the hidden fault that filled the code page
  });

  it("MCR to SCTLR and TTBR0 changes the virtual CP15, not the real one", () => {
    const m = machine();
    put(m, CODE, [
      0xee110f10, // mrc p15, 0, r0, c1, c0, 0  (SCTLR)
      0xe3800a02, // orr r0, r0, #0x2000      (V: high vectors)
      0xee010f10, // mcr p15, 0, r0, c1, c0, 0
      0xee021f10, // mcr p15, 0, r1, c2, c0, 0  (TTBR0)
      0xee122f10, // mrc p15, 0, r2, c2, c0, 0
      0xee0d1f70, // mcr p15, 0, r1, c13, c0, 3 (TPIDRURO)
      0xeafffffe,
    ]);
    m.pc = CODE;
    m.setReg(1, 0x80104000);
    const realSctlr = m.realCp15("SCTLR");
    m.run({ maxInsns: 7 });
    expect(m.getCp15("SCTLR") & 0x2000).toBe(0x2000);
    expect(m.realCp15("SCTLR")).toBe(realSctlr);     // the real SCTLR keeps V clear (and M set: shadows)
    expect(m.realCp15("SCTLR") & 1).toBe(1);
    expect(m.getCp15("TTBR0") >>> 0).toBe(0x80104000);
    expect(m.reg(2) >>> 0).toBe(0x80104000);
    expect(m.realCp15("TTBR0") >>> 0).toBeGreaterThanOrEqual(0x83000000); // a shadow table in the VMM's RAM
    expect(m.getCp15("TPIDRURO") >>> 0).toBe(0x80104000);
    // TPIDRURO is the exception: the guest's User-mode code reads it on the real CPU without trapping
    // (Linux keeps the TLS pointer there; busybox's first MRC of it must see the kernel's value).
    expect(m.realCp15("TPIDRURO") >>> 0).toBe(0x80104000);
    const s = m.vmmStats();
    expect([s.trap_mrc, s.trap_mcr]).toEqual([2, 3]);
  });

  it("reads of TPIDRURO/TPIDRURW and writes of TPIDRURW run untrapped (User mode may do them, B4.1.150-151), TPIDRURO writes and TPIDRPRW trap", () => {
    const m = machine();
    put(m, CODE, [
      0xee0d1f70, // mcr p15, 0, r1, c13, c0, 3 (TPIDRURO := r1)   traps
      0xee0d5f50, // mcr p15, 0, r5, c13, c0, 2 (TPIDRURW := r5)   runs on the real CPU (PL0 may write it)
      0xee1d2f70, // mrc p15, 0, r2, c13, c0, 3 (TPIDRURO)         runs on the real CPU
      0xee1d3f50, // mrc p15, 0, r3, c13, c0, 2 (TPIDRURW)         runs on the real CPU
      0xee1d4f90, // mrc p15, 0, r4, c13, c0, 4 (TPIDRPRW)         privileged only: traps
      0xeafffffe,
    ]);
    m.pc = CODE;
    m.setCp15({ TPIDRPRW: 0x7e57 });
    m.setReg(1, 0xc1d00000); m.setReg(5, 0x7150000);
    m.run({ maxInsns: 6 });
    expect(m.reg(2) >>> 0).toBe(0xc1d00000);
    expect(m.reg(3) >>> 0).toBe(0x7150000);
    expect(m.reg(4) >>> 0).toBe(0x7e57);
    // The guest's TPIDRURW is the real register: the debugger's view of the virtual CPU reads it there.
    expect(m.getCp15("TPIDRURW") >>> 0).toBe(0x7150000);
    expect(m.realCp15("TPIDRURW") >>> 0).toBe(0x7150000);
    const s = m.vmmStats();
    expect([s.trap_mcr, s.trap_mrc]).toEqual([1, 1]);
  });

  for (const mode of ["full", "para"] as const) {
    it(`${mode}: a TPIDRURW write from the virtual kernel does not trap; its value reaches User mode and comes back unchanged${mode === "para" ? " (a registered para guest)" : ""}`, () => {
      const m = machine(mode);
      const SH = 0x80006000;
      put(m, CODE, [
        ...(mode === "para" ? [0xe1a00004 /* mov r0, r4 */, 0xe140007c /* hvc #12 (HC_SHARED_PAGE) */] : []),
        0xee0d5f50, // mcr p15, 0, r5, c13, c0, 2 (TPIDRURW := r5)
        0xe36ff010, // msr spsr_cxsf, #0x10
        0xe28fe000, // adr lr, user
        0xe1b0f00e, // movs pc, lr
        0xee1d6f50, // user: mrc p15, 0, r6, c13, c0, 2 (TPIDRURW)
        0xe2866001, // add r6, r6, #1
        0xee0d6f50, // mcr p15, 0, r6, c13, c0, 2 (User mode writes it too: allowed)
        0xef000000, // svc #0
        0xeafffffe,
      ]);
      put(m, VEC + 8, [0xee1d7f50 /* mrc p15, 0, r7, c13, c0, 2 */, 0xeafffffe]);
      m.setCp15({ VBAR: VEC });
      m.setReg(4, SH); m.setReg(5, 0x12340000);
      m.pc = CODE;
      m.run({ maxInsns: mode === "para" ? 12 : 10 });
      expect(m.pc >>> 0).toBe(VEC + 12);
      expect(m.reg(6) >>> 0).toBe(0x12340001);
      expect(m.reg(7) >>> 0).toBe(0x12340001);         // the kernel sees what User mode wrote
      expect(m.getCp15("TPIDRURW") >>> 0).toBe(0x12340001);
      const s = m.vmmStats();
      expect([s.trap_mcr, s.trap_mrc, s.exc_svc, s.exc_undef]).toEqual([0, 0, 1, 0]);
      // Without the VMM's substitution a TPIDRURW write would not be sensitive anyway; a TPIDRURO
      // write still is: the same code with opc2 = 3 traps.
      const t = machine(mode);
      put(t, CODE, [
        ...(mode === "para" ? [0xe1a00004, 0xe140007c] : []),
        0xee0d5f70, // mcr p15, 0, r5, c13, c0, 3 (TPIDRURO := r5)
        0xeafffffe,
      ]);
      t.setReg(4, SH); t.setReg(5, 0x5550000);
      t.pc = CODE;
      t.run({ maxInsns: mode === "para" ? 3 : 1 });
      expect(t.vmmStats().trap_mcr).toBe(1);
      expect(t.getCp15("TPIDRURO") >>> 0).toBe(0x5550000);
    });
  }

  it("an exception return (MOVS PC, LR) drops to virtual User mode; SVC from there is reflected to the guest's vector with the right LR and SPSR", () => {
    const m = machine();
    put(m, CODE, [
      0xee0c0f10, // mcr p15, 0, r0, c12, c0, 0 (VBAR = r0)
      0xe36ff010, // msr spsr_cxsf, #0x10
      0xe28fe000, // adr lr, user
      0xe1b0f00e, // movs pc, lr
      0xe3a04001, // user: mov r4, #1
      0xef000005, // svc #5
      0xeafffffe,
    ]);
    put(m, VEC + 8, [0xe14f5000 /* mrs r5, spsr */, 0xe1a0600e /* mov r6, lr */, 0xe10f7000 /* mrs r7, cpsr */, 0xeafffffe]);
    m.pc = CODE;
    m.setReg(0, VEC);
    m.run({ maxInsns: 10 });
    expect(m.reg(4)).toBe(1);
    expect(m.reg(5) & 0x1ff).toBe(USR);              // SPSR_svc = the User-mode CPSR (I, F clear)
    expect(m.reg(6) >>> 0).toBe(CODE + 24);          // LR_svc = the instruction after the SVC
    expect(m.reg(7) & 0x1ff).toBe(0x093);            // virtual SVC mode, I set by the exception entry
    expect(m.pc >>> 0).toBe(VEC + 20);
    expect(m.realCpsr & 0x1f).toBe(USR);
    const s = m.vmmStats();
    expect(s.trap_eret).toBe(1);
    expect(s.exc_svc).toBe(1);
    expect(s.world_switches).toBe(2);                // kernel -> user -> kernel shadow views
  });

  it("VMRS/VMSR of FPEXC and FPSID trap, of FPSCR (a User-mode register) do not; the guest kernel enables the VFP for itself (CPACR + FPEXC.EN)", () => {
    const m = machine();
    put(m, CODE, [
      0xeef16a10, // vmrs r6, fpscr (VFP not enabled yet: UNDEFINED, reflected to the guest's vector)
      0xee013f50, // mcr p15, 0, r3, c1, c0, 2 (CPACR: cp10/cp11 full access)
      0xeee80a10, // vmsr fpexc, r0 (EN)
      0xeef81a10, // vmrs r1, fpexc
      0xeef02a10, // vmrs r2, fpsid
      0xee000a10, // vmov s0, r0 (a VFP instruction, now enabled)
      0xee104a10, // vmov r4, s0
      0xeee15a10, // vmsr fpscr, r5 (RMode)
      0xeef16a10, // vmrs r6, fpscr
      0xeafffffe,
    ]);
    put(m, VEC + 4, [0xe1a0f00e /* mov pc, lr (return past the UNDEFINED one; this vector is the guest's) */]);
    m.setCp15({ VBAR: VEC });
    m.pc = CODE;
    m.setReg(0, 0x40000000); m.setReg(3, 0x00f00000); m.setReg(5, 0x00c00000); m.setReg(6, 0x1111);
    m.run({ maxInsns: 11 });
    expect(m.vmmStats().exc_undef).toBe(1);
    expect(m.reg(1) >>> 0).toBe(0x40000000);
    expect(m.reg(2) >>> 0).toBe(0x410330c0);
    expect(m.reg(4) >>> 0).toBe(0x40000000);
    expect(m.reg(6) >>> 0).toBe(0x00c00000);
    expect(m.pc >>> 0).toBe(CODE + 36);
    expect(m.getCp15("CPACR") >>> 0).toBe(0x00f00000);
    const s = m.vmmStats();
    expect([s.trap_vfp, s.trap_mcr, s.exc_undef]).toEqual([3, 1, 1]);
  });

  it("WFI and the user-bank LDM/STM forms trap; SRS/RFE round-trip through the virtual banks", () => {
    const m = machine();
    put(m, CODE, [
      0xe8cd6000, // stmia sp, {sp, lr}^   (User sp/lr)
      0xe8dd0300, // ldmia sp, {r8, r9}^   (into the User bank: r8, r9 are not banked: plain)
      0xf96d0513, // srsdb sp!, #0x13
      0xf8bd0a00, // rfeia sp!
    ]);
    m.setBanked(USR, 13, 0x11110000);
    m.setBanked(USR, 14, 0x22220000);
    m.setReg(13, 0x80200000);
    m.setReg(14, CODE + 0x100);
    m.setSpsr(SVC, 0x800001d3);
    put(m, CODE + 0x100, [0xe320f003 /* wfi */, 0xeafffffe]);
    m.pc = CODE;
    m.run({ maxInsns: 5 });
    expect(m.physRead32(0x80200000) >>> 0).toBe(0x11110000);
    expect(m.physRead32(0x80200004) >>> 0).toBe(0x22220000);
    expect(m.reg(8) >>> 0).toBe(0x11110000);
    expect(m.reg(13) >>> 0).toBe(0x80200000);         // SRS pushed 8 bytes, RFE popped them
    expect(m.pc >>> 0).toBe(CODE + 0x104);            // RFE returned to lr; WFI completed (timer-less: idle)
    expect(m.cpsr >>> 0).toBe(0x800001d3);            // ...with CPSR = the SPSR that SRS stored
    const s = m.vmmStats();
    // STM and SRS trap twice (their first store hits an empty shadow page, the VMM fills it and the
    // instruction runs again) but count once: the retried attempt is not another instruction
    expect([s.trap_stm_user, s.trap_ldm_user, s.trap_srs, s.trap_rfe, s.trap_wfi]).toEqual([1, 1, 1, 1, 1]);
    expect(s.shadow_fills).toBe(3);
  });
});

describe("CP15: one register model for the real and the virtual CPU", () => {
  // PMUSERENR.EN (B4.1.118) lets User mode reach the performance monitors. Under the VMM the check
  // reads the guest's (virtual) PMUSERENR, as natively it reads the real one.
  for (const mode of ["native", "full"] as const) {
    it(`${mode}: PMUSERENR written in SVC opens PMCR to User mode`, () => {
      const m = machine(mode);
      put(m, CODE, [
        0xee191f1c, // mrc p15, 0, r1, c9, c12, 0   (PMCR, privileged)
        0xe3a00001, // mov r0, #1
        0xee090f1e, // mcr p15, 0, r0, c9, c14, 0   (PMUSERENR = 1)
        0xf1020010, // cps #0x10                    (User mode)
        0xee192f1c, // mrc p15, 0, r2, c9, c12, 0   (PMCR from User mode)
        0xeafffffe, // b .
      ]);
      m.pc = CODE;
      m.run({ maxInsns: 6 });
      expect(m.pc >>> 0).toBe(CODE + 20);        // no Undefined Instruction exception on the way
      expect(m.cpsr & 0x1f).toBe(USR);
      expect(m.reg(1) >>> 0 & 0xffffffc0).toBe(0x41002000);
      expect(m.reg(2) >>> 0).toBe(m.reg(1) >>> 0);
    });
  }
});

describe("VMM full mode: Thumb-state sensitive instructions trap too", () => {
  it("T16 CPS/WFI and T32 MRS/MSR/CPS/MRC/MCR/SUBS PC, LR act on the virtual CPU", () => {
    const m = machine();
    put(m, CODE, [
      0xe28fc001, 0xe12fff1c, // add r12, pc, #1 ; bx r12
      0xf3efb662, // cpsie i (T16) ; mrs r0, cpsr
      0xf3818000, // msr cpsr_c, r1      (Abort mode)
      0xf3ff8100, // mrs r2, spsr
      0x466b8200, // mov r3, sp
      0x8113f3af, // cps #0x13 (T32)
      0x4f10ee11, // mrc p15, 0, r4, c1, c0, 0   (SCTLR)
      0x5f30ee0d, // mcr p15, 0, r5, c13, c0, 1  (CONTEXTIDR)
      0x8f00f397, // msr spsr_cxsf, r7   (User, Thumb)
      0x0e05f20f, // adr lr, user+1
      0x8f00f3de, // subs pc, lr, #0     (exception return)
      0x8600f3ef, // user: mrs r6, cpsr
      0xe7febf30, // wfi (T16) ; b .
    ]);
    m.pc = CODE;
    m.setBanked(ABT, 13, 0xabab0000);
    m.setSpsr(ABT, 0x600001d0);
    m.setReg(1, 0xd7); m.setReg(5, 7); m.setReg(7, 0x30);
    const r = m.run({ maxInsns: 30 });
    expect(r.reason).toBe("idle");                      // the trapped WFI waits for an interrupt that never comes
    expect(m.reg(0) & 0x1ff).toBe(0x153);              // CPSIE i cleared the virtual I; MRS reads T as 0
    expect(m.reg(2) >>> 0).toBe(0x600001d0);           // Abort's SPSR after MSR switched the virtual mode
    expect(m.reg(3) >>> 0).toBe(0xabab0000);
    expect(m.reg(4) >>> 0).toBe(m.getCp15("SCTLR") >>> 0);
    expect(m.getCp15("CONTEXTIDR")).toBe(7);
    expect(m.reg(6) & 0x1ff).toBe(0x010);              // virtual User mode (SPSR 0x30) after SUBS PC, LR
    expect(m.cpsr & 0x3f).toBe(0x30);                  // User, Thumb
    expect(m.realCpsr & 0x1f).toBe(USR);
    expect(m.pc >>> 0).toBe(CODE + 0x36);
    const s = m.vmmStats();
    expect([s.trap_cps, s.trap_mrs, s.trap_msr, s.trap_mrc, s.trap_mcr, s.trap_eret, s.trap_wfi]).toEqual([2, 3, 2, 1, 1, 1, 1]);
  });
});

describe("VMM full mode: Thumb SRS/RFE and VMRS", () => {
  it("T32 SRSDB/RFEIA round-trip through the virtual banks; VMRS FPEXC from virtual User mode is the guest's UNDEFINED", () => {
    const m = machine();
    put(m, CODE, [
      0xe28fc001, 0xe12fff1c, // add r12, pc, #1 ; bx r12
      0xc013e82d, // srsdb sp!, #0x13   (an unshadowed stack page: filled and retried)
      0xc000e9bd, // rfeia sp!          -> user, CPSR = the SVC SPSR (User, Thumb)
      0x8600f3ef, // user: mrs r6, cpsr
      0x5a10eef8, // vmrs r5, fpexc     (privileged register: UNDEFINED from User)
      0xbf00e7fe,
    ]);
    put(m, VEC + 4, [0xe1a0900e /* mov r9, lr */, 0xeafffffe]);
    m.setCp15({ VBAR: VEC });
    m.pc = CODE;
    m.setReg(13, 0x80010000); m.setReg(14, CODE + 0x11); m.setSpsr(SVC, 0x30);
    m.run({ maxInsns: 12 });
    expect([m.physRead32(0x8000fff8) >>> 0, m.physRead32(0x8000fffc)]).toEqual([CODE + 0x11, 0x30]);
    expect(m.reg(6) & 0x1ff).toBe(0x010);
    expect(m.banked(SVC, 13) >>> 0).toBe(0x80010000);   // SRS pushed 8 bytes, RFE popped them
    expect(m.reg(9) >>> 0).toBe(CODE + 0x16);           // LR_und = the Thumb VMRS + 2
    expect(m.cpsr & 0x1f).toBe(0x1b);
    const s = m.vmmStats();
    expect([s.trap_srs, s.trap_rfe, s.trap_mrs, s.trap_vfp, s.exc_undef]).toEqual([1, 1, 1, 1, 1]);
  });
});

describe("VMM full mode: a guest cannot forge its way out of virtual User mode", () => {
  it("MSR/CPS to the mode bits and an exception return from virtual User mode leave it in User mode", () => {
    const m = machine();
    put(m, CODE, [
      0xe321f013, // msr cpsr_c, #0x13
      0xf1020013, // cps #0x13
      0xe10f0000, // mrs r0, cpsr
      0xe591e000, // ldr lr, [r1]
      0xe1b0f00e, // movs pc, lr   (UNPREDICTABLE in User mode: a plain branch, no CPSR <- SPSR)
      0xe3a02001, // mov r2, #1
      0xeafffffe,
    ]);
    m.physWrite32(0x80200000, CODE + 20);
    m.cpsr = USR;
    m.pc = CODE;
    m.setReg(1, 0x80200000);
    m.run({ maxInsns: 7 });
    expect(m.reg(0) & 0x1f).toBe(USR);
    expect(m.reg(2)).toBe(1);
    expect(m.cpsr & 0x1f).toBe(USR);
    expect(m.realCpsr & 0x1f).toBe(USR);
    const s = m.vmmStats();
    expect([s.trap_msr, s.trap_cps, s.trap_mrs, s.trap_eret]).toEqual([1, 1, 1, 1]);
  });
});

// A full-mode machine with the MMU on. Guest L1 at 0x80100000 (16 KiB): VA 0x80000000 and 0x80100000
// identity sections (code; the table itself), VA 0x40000000 -> PA 0x80200000 privileged only.
function pagedMachine(): Machine {
  const m = machine();
  const L1 = 0x80100000;
  for (let i = 0; i < 4096; i++) m.physWrite32(L1 + 4 * i, 0);
  m.physWrite32(L1 + 0x800 * 4, 0x80000c02);
  m.physWrite32(L1 + 0x801 * 4, 0x80100c02);
  m.physWrite32(L1 + 0x400 * 4, 0x80200402);
  m.setCp15({ TTBR0: L1, DACR: 0x55555555, SCTLR: m.getCp15("SCTLR") | 1, VBAR: VEC });
  return m;
}

describe("VMM shadow page tables", () => {
  function paged(): Machine {
    const m = pagedMachine();
    m.physWrite32(0x80200000, 0x11111111);
    m.physWrite32(0x80300000, 0x22222222);
    return m;
  }

  it("fills on demand, and a guest page-table write followed by TLBIMVA replaces the shadow entry", () => {
    const m = paged();
    put(m, CODE, [
      0xe5910000, // ldr r0, [r1]          VA 0x40000000 -> A
      0xe5823000, // str r3, [r2]          guest L1[0x400] := PA 0x80300000
      0xee084f37, // mcr p15,0,r4,c8,c7,1  TLBIMVA 0x40000000
      0xe5915000, // ldr r5, [r1]          -> B
      0xe5823004, // str r3, [r2, #4]      guest L1[0x401] (invalid -> valid: no TLBI needed)
      0xe5976000, // ldr r6, [r7]          VA 0x40100000 -> B
      0xeafffffe,
    ]);
    m.pc = CODE;
    m.setReg(1, 0x40000000); m.setReg(2, 0x80101000); m.setReg(3, 0x80300402);
    m.setReg(4, 0x40000000); m.setReg(7, 0x40100000);
    m.run({ maxInsns: 7 });
    expect(m.reg(0) >>> 0).toBe(0x11111111);
    expect(m.reg(5) >>> 0).toBe(0x22222222);
    expect(m.reg(6) >>> 0).toBe(0x22222222);
    const s = m.vmmStats();
    expect(s.shadow_fills).toBeGreaterThanOrEqual(4);  // code page, data, L1 page write, re-fill, new MiB
    expect(s.shadow_page_invals).toBe(1);
    expect(s.exc_dabt).toBe(0);                        // every abort was the VMM's own, none reached the guest
  });

  it("keeps the shadows across DACR changes between Client and No access: a No access domain faults in the guest, Client again needs no refill", () => {
    const m = paged();
    m.physWrite32(0x80100000 + 0x400 * 4, 0x80200422);  // VA 0x40000000 in domain 1
    put(m, CODE, [
      0xe5910000, // ldr r0, [r1]           fill (domain 1 Client)
      0xee032f10, // mcr DACR := r2         domain 1 No access
      0xe5915000, // ldr r5, [r1]           Domain fault -> the guest's Data Abort; retried after it
      0xeafffffe,
    ]);
    put(m, VEC + 0x10, [
      0xee158f10, // mrc r8, DFSR
      0xee033f10, // mcr DACR := r3         domain 1 Client again
      0xe25ef008, // subs pc, lr, #8        retry the ldr
    ]);
    m.pc = CODE;
    m.setReg(1, 0x40000000); m.setReg(2, 0x55555551); m.setReg(3, 0x55555555);
    m.run({ maxInsns: 8 });
    expect(m.pc >>> 0).toBe(CODE + 12);
    expect(m.reg(0) >>> 0).toBe(0x11111111);
    expect(m.reg(5) >>> 0).toBe(0x11111111);
    expect(m.reg(8) & 0x1fff).toBe(0x019);             // section Domain fault, domain 1 (B3.13.3)
    const s = m.vmmStats();
    expect(s.exc_dabt).toBe(1);
    expect(s.shadow_flushes).toBe(0);
    expect(s.shadow_fills).toBe(3);                    // code page, data page, vector page: nothing twice
  });

  it("drops the shadows when a domain enters or leaves Manager: a read-only page is writable only while Manager", () => {
    const m = paged();
    m.physWrite32(0x80100000 + 0x400 * 4, 0x80208422);  // VA 0x40000000: domain 1, APX=1 AP=01 (privileged read-only)
    put(m, CODE, [
      0xe5910000, // ldr r0, [r1]           fill read-only (Client)
      0xee032f10, // mcr DACR := r2         domain 1 Manager: no permission checks (B3.7.3)
      0xe5814000, // str r4, [r1]
      0xee033f10, // mcr DACR := r3         Client again
      0xe5814004, // str r4, [r1, #4]       Permission fault -> the guest's Data Abort
      0xeafffffe,
    ]);
    put(m, VEC + 0x10, [0xee158f10 /* mrc r8, DFSR */, 0xeafffffe]);
    m.pc = CODE;
    m.setReg(1, 0x40000000); m.setReg(2, 0x5555555d); m.setReg(3, 0x55555555); m.setReg(4, 0xc0ffee00);
    m.run({ maxInsns: 9 });
    expect(m.pc >>> 0).toBe(VEC + 0x14);
    expect(m.physRead32(0x80200000) >>> 0).toBe(0xc0ffee00);
    expect(m.physRead32(0x80200004) >>> 0).toBe(0);
    expect(m.reg(8) & 0x1fff).toBe(0x81d);             // write, section Permission fault, domain 1
    expect(m.vmmStats().shadow_flushes).toBeGreaterThanOrEqual(2);
  });

  it("with TTBCR.N = 0, a new address space copies another's shadow table for a MiB with the same guest L1 descriptor; TLBIASID drops only that ASID's", () => {
    const m = machine();
    const A = 0x80100000, B = 0x80104000;
    for (const L1 of [A, B]) {
      for (let i = 0; i < 4096; i++) m.physWrite32(L1 + 4 * i, 0);
      m.physWrite32(L1 + 0x800 * 4, 0x80000c02);            // code, identity (the upper half: N = 0 puts it in TTBR0's table)
      m.physWrite32(L1 + 0x900 * 4, 0x80220c02);            // VA 0x90000000 -> 0x80200000, not global, the same in A and B
    }
    m.physWrite32(A + 0x901 * 4, 0x80200c02);                // VA 0x90100000 -> 0x80200000 in A
    m.physWrite32(B + 0x901 * 4, 0x80300c02);                // ... -> 0x80300000 in B
    for (let k = 0; k < 3; k++) m.physWrite32(0x80200000 + 0x1000 * k, 0xa0 + k);
    m.physWrite32(0x80300000, 0xb0);
    m.setCp15({ TTBR0: A, TTBCR: 0, CONTEXTIDR: 1, DACR: 0x55555555, SCTLR: m.getCp15("SCTLR") | 1 });
    const loads = [
      0xe5945000, // ldr r5, [r4]            0x90000000
      0xe5996000, // ldr r6, [r9]            0x90001000
      0xe59b7000, // ldr r7, [r11]           0x90002000
      0xe59a8000, // ldr r8, [r10]           0x90100000
    ];
    put(m, CODE, [
      ...loads,   // (A, ASID 1)
      0xee021f10, // mcr TTBR0 := B
      0xee0d2f30, // mcr CONTEXTIDR := 2
      ...loads,   // (B, ASID 2)
      0xee020f10, // mcr TTBR0 := A
      0xee0d3f30, // mcr CONTEXTIDR := 1
      0xee082f57, // mcr TLBIASID 2
      0xe5945000, // ldr r5, [r4]            (A, ASID 1) again
      0xeafffffe,
    ]);
    m.pc = CODE;
    m.setReg(0, A); m.setReg(1, B); m.setReg(2, 2); m.setReg(3, 1);
    m.setReg(4, 0x90000000); m.setReg(9, 0x90001000); m.setReg(11, 0x90002000); m.setReg(10, 0x90100000);
    m.run({ maxInsns: 10 });
    expect([m.reg(5), m.reg(6), m.reg(7), m.reg(8)]).toEqual([0xa0, 0xa1, 0xa2, 0xb0]); // B's own 0x90100000
    let s = m.vmmStats();
    // A fills its code page and 4 data pages. (B, 1) and (B, 2) copy A's code table and (B, 2) its
    // 0x900 table, each with the faulting page's entry already in it: no fill (without the copies,
    // 3 + 2 more fills). 0x901's descriptor differs: no copy, one fill of B's own mapping.
    expect(s.shadow_table_copies).toBe(3);
    expect(s.shadow_fills).toBe(6);
    const fills = s.shadow_fills, flushes = s.shadow_flushes, faults = s.shadow_faults;
    m.run({ maxInsns: 4 });
    expect(m.reg(5)).toBe(0xa0);
    s = m.vmmStats();
    expect(s.shadow_faults - faults).toBe(1);                // the code page of the passing (A, 2) (a copy); (A, 1) kept its entries
    expect(s.shadow_fills).toBe(fills);
    expect(s.shadow_flushes - flushes).toBe(2);              // (B, 2) and (A, 2)
  });

  it("reuses an address space's shadow when the guest switches back to it (TTBR0 + ASID): no refill", () => {
    const m = machine();
    const A = 0x80100000, B = 0x80104000;
    for (const L1 of [A, B]) {
      for (let i = 0; i < 4096; i++) m.physWrite32(L1 + 4 * i, 0);
      m.physWrite32(L1 + 0x800 * 4, 0x80000c02);            // code, identity
    }
    m.physWrite32(A + 0x001 * 4, 0x80200402);                // VA 0x00100000 -> 0x80200000 in A
    m.physWrite32(B + 0x001 * 4, 0x80300402);                // ... -> 0x80300000 in B
    m.physWrite32(0x80200000, 0xaaaa0000);
    m.physWrite32(0x80300000, 0xbbbb0000);
    m.setCp15({ TTBR0: A, CONTEXTIDR: 1, DACR: 0x55555555, SCTLR: m.getCp15("SCTLR") | 1 });
    put(m, CODE, [
      0xe5945000, // ldr r5, [r4]            (A, ASID 1)
      0xee021f10, // mcr TTBR0 := B
      0xee0d2f30, // mcr CONTEXTIDR := 2
      0xe5946000, // ldr r6, [r4]            (B, ASID 2)
      0xee020f10, // mcr TTBR0 := A
      0xee0d3f30, // mcr CONTEXTIDR := 1
      0xe5947000, // ldr r7, [r4]            (A again)
      0xeafffffe,
    ]);
    m.pc = CODE;
    m.setReg(0, A); m.setReg(1, B); m.setReg(2, 2); m.setReg(3, 1); m.setReg(4, 0x00100000);
    m.run({ maxInsns: 6 });
    const before = m.vmmStats();
    expect(before.shadow_reuses).toBe(1);                    // the switch back to (A, 1) found its shadow
    m.run({ maxInsns: 2 });
    const after = m.vmmStats();
    expect([m.reg(5) >>> 0, m.reg(6) >>> 0, m.reg(7) >>> 0]).toEqual([0xaaaa0000, 0xbbbb0000, 0xaaaa0000]);
    expect(after.shadow_fills).toBe(before.shadow_fills);    // neither the code nor the data page refilled
    expect(after.shadow_faults).toBe(before.shadow_faults);
  });

  it("a switch of address space drops the code-page write translations too (stores to pages holding code)", () => {
    // VA 0x00100000 maps to PA 0x80200000 in A and 0x80300000 in B; both pages hold code the guest
    // ran (a BX LR each), so stores to them go through the User code-page write TLB set. The
    // store in B must not reuse A's translation from that set.
    const m = machine();
    const A = 0x80100000, B = 0x80104000;
    for (const L1 of [A, B]) {
      for (let i = 0; i < 4096; i++) m.physWrite32(L1 + 4 * i, 0);
      for (const mb of [0x800, 0x802, 0x803]) m.physWrite32(L1 + mb * 4, ((mb << 20) | 0xc02) >>> 0); // identity
    }
    m.physWrite32(A + 0x001 * 4, 0x80200c02);
    m.physWrite32(B + 0x001 * 4, 0x80300c02);
    m.physWrite32(0x80200004, 0xe12fff1e);                   // bx lr
    m.physWrite32(0x80300004, 0xe12fff1e);
    m.setCp15({ TTBR0: A, CONTEXTIDR: 1, DACR: 0x55555555, SCTLR: m.getCp15("SCTLR") | 1 });
    put(m, CODE, [
      0xe12fff38, // blx r8                  (runs code in PA 0x80200000)
      0xe12fff39, // blx r9                  (and in PA 0x80300000)
      0xe5845000, // str r5, [r4]            (A, ASID 1)
      0xee021f10, // mcr TTBR0 := B
      0xee0d2f30, // mcr CONTEXTIDR := 2
      0xe5846000, // str r6, [r4]            (B, ASID 2)
      0xeafffffe,
    ]);
    m.pc = CODE;
    m.setReg(1, B); m.setReg(2, 2); m.setReg(4, 0x00100000); m.setReg(5, 0xaaaa0005); m.setReg(6, 0xbbbb0006);
    m.setReg(8, 0x80200004); m.setReg(9, 0x80300004);
    const r = m.run({ maxInsns: 10 });
    expect(r.insns).toBe(10);
    expect(m.pc >>> 0).toBe(CODE + 0x18);
    expect([m.physRead(0x80200000, 4) >>> 0, m.physRead(0x80300000, 4) >>> 0]).toEqual([0xaaaa0005, 0xbbbb0006]);
  });

  it("reflects exceptions to high vectors (virtual SCTLR.V) through a mapping in the upper half", () => {
    const m = paged();
    m.physWrite32(0x80100000 + 0xfff * 4, 0x80200402);          // VA 0xFFF00000 -> PA 0x80200000
    put(m, 0x802f0008, [0xe1a0600e /* mov r6, lr */, 0xeafffffe]); // VA 0xFFFF0008: the SVC vector
    put(m, CODE, [0xef000000 /* svc #0 */, 0xeafffffe]);
    m.setCp15({ SCTLR: m.getCp15("SCTLR") | (1 << 13) });
    m.pc = CODE;
    m.run({ maxInsns: 3 });
    expect(m.reg(6) >>> 0).toBe(CODE + 4);
    expect(m.pc >>> 0).toBe(0xffff000c);
    expect(m.vmmStats().exc_svc).toBe(1);
  });

  it("keeps guest-kernel pages out of reach of guest User code (user view), reflecting a permission fault", () => {
    const m = paged();
    put(m, CODE, [0xe36ff010 /* msr spsr_cxsf, #0x10 */, 0xe28fe000 /* adr lr, user */, 0xe1b0f00e /* movs pc, lr */, 0xe5910000 /* user: ldr r0, [r1] */, 0xeafffffe]);
    put(m, VEC + 0x10, [0xee155f10 /* mrc DFSR -> r5 */, 0xee166f10 /* mrc DFAR -> r6 */, 0xeafffffe]);
    // the code section must be user-accessible for this: AP=11 already; data at 0x40000000 is AP=01
    m.pc = CODE;
    m.setReg(1, 0x40000000);
    m.run({ maxInsns: 10 });
    expect(m.reg(5) & 0x40f).toBe(0x00d);              // permission fault, section (as native would give)
    expect(m.reg(6) >>> 0).toBe(0x40000000);
    expect(m.vmmStats().exc_dabt).toBe(1);
  });

  it("LDRT/STRT from the guest kernel are checked with User permissions (a privileged-only page aborts)", () => {
    for (const store of [false, true]) {
      const m = paged();
      put(m, CODE, [
        0xe4b85000, // ldrt r5, [r8]          the code section is user-readable: allowed
        0xe4f86001, // ldrbt r6, [r8], #1     (post-indexed)
        0xe5914000, // ldr r4, [r1]           privileged access to the privileged-only page: fine
        store ? 0xe4a13000 /* strt r3, [r1] */ : 0xe4b10000 /* ldrt r0, [r1] */,
        0xe3a07001, // mov r7, #1             not reached
        0xeafffffe,
      ]);
      put(m, VEC + 0x10, [0xee159f10 /* mrc DFSR -> r9 */, 0xee16af10 /* mrc DFAR -> r10 */, 0xe1a0b00e /* mov r11, lr */, 0xeafffffe]);
      m.pc = CODE;
      m.setReg(8, CODE); m.setReg(1, 0x40000000); m.setReg(3, 0x33333333);
      m.run({ maxInsns: 10 });
      expect(m.reg(5) >>> 0).toBe(0xe4b85000);
      expect(m.reg(6)).toBe(0x00);
      expect(m.reg(8) >>> 0).toBe(CODE + 1);
      expect(m.reg(4) >>> 0).toBe(0x11111111);
      expect(m.reg(9) & 0xc0f).toBe(store ? 0x80d : 0x00d); // permission fault, section (+ WnR for STRT)
      expect(m.reg(10) >>> 0).toBe(0x40000000);
      expect(m.reg(11) >>> 0).toBe(CODE + 12 + 8);
      expect(m.reg(7)).toBe(0);
      expect(m.physRead32(0x80200000) >>> 0).toBe(0x11111111);
      const s = m.vmmStats();
      expect([s.trap_ldst_user, s.exc_dabt]).toEqual([3, 1]);
    }
  });

  it("T32 LDRT/STRT from a Thumb guest kernel are checked with User permissions too", () => {
    const m = paged();
    put(m, CODE, [
      0xe28fc001, 0xe12fff1c, // add r12, pc, #1 ; bx r12
      0x5e04f858, // ldrt r5, [r8, #4]     user-readable code: allowed
      0xf841680c, // ldr r4, [r1] ; strt r3, [r1, #8]   privileged-only page: the guest's abort
      0x27013e08, // movs r7, #1 (not reached)
      0xbf00e7fe,
    ]);
    put(m, VEC + 0x10, [0xee159f10 /* mrc DFSR -> r9 */, 0xee16af10 /* mrc DFAR -> r10 */, 0xe1a0b00e /* mov r11, lr */, 0xeafffffe]);
    m.pc = CODE;
    m.setReg(8, CODE); m.setReg(1, 0x40000000); m.setReg(3, 0x33333333);
    m.run({ maxInsns: 12 });
    expect(m.reg(5) >>> 0).toBe(0xe12fff1c);
    expect(m.reg(4) >>> 0).toBe(0x11111111);
    expect(m.reg(9) & 0xc0f).toBe(0x80d);
    expect(m.reg(10) >>> 0).toBe(0x40000008);
    expect(m.reg(11) >>> 0).toBe(CODE + 0xe + 8);
    expect(m.reg(7)).toBe(0);
    expect(m.physRead32(0x80200008)).toBe(0);
    const s = m.vmmStats();
    expect([s.trap_ldst_user, s.exc_dabt]).toEqual([2, 1]);
  });

  it("confines the guest: a mapping of the VMM-reserved RAM gives the guest an external abort", () => {
    const m = paged();
    m.physWrite32(0x80100000 + 0x500 * 4, 0x83000402); // VA 0x50000000 -> PA 0x83000000: top 16 MiB of 64
    put(m, CODE, [0xe5910000 /* ldr r0, [r1] */, 0xe3a09001 /* mov r9, #1 */, 0xeafffffe]);
    put(m, VEC + 0x10, [0xee155f10, 0xee166f10, 0xe1a0700e /* mov r7, lr */, 0xeafffffe]);
    m.pc = CODE;
    m.setReg(1, 0x50000000);
    m.run({ maxInsns: 10 });
    expect(m.reg(5) & 0x40f).toBe(0x008);              // external abort
    expect(m.reg(6) >>> 0).toBe(0x50000000);
    expect(m.reg(7) >>> 0).toBe(CODE + 8);
    expect(m.reg(9)).toBe(0);
    expect(m.cpsr & 0x1f).toBe(ABT);
  });

  it("a guest TTBR pointing outside RAM ends in a clean stop, not a host error", () => {
    const m = paged();
    m.setCp15({ TTBR0: 0x10000000 });
    put(m, CODE, [0xe1a00000, 0xeafffffe]);
    m.pc = CODE;
    const r = m.run({ maxInsns: 1000 });
    expect(r.reason).toBe("fatal");
    expect(r.message).toMatch(/exception loop/);
  });
});

describe("VMM full mode: guest page-table writes are tracked", () => {
  // The L2 tables of these tests live at 0x8011xxxx, inside the identity section of the L1 table.
  function paged(): Machine {
    const m = pagedMachine();
    for (let k = 0; k < 4; k++) { m.physWrite32(0x80200000 + 0x1000 * k, 0xa0 + k); m.physWrite32(0x80300000 + 0x1000 * k, 0xb0 + k); }
    return m;
  }

  it("a valid L1 descriptor replaced without TLB maintenance takes effect at the guest's next VMM entry (the store faulted to the VMM, not the guest)", () => {
    const m = paged();
    put(m, CODE, [
      0xe5910000, // ldr r0, [r1]          VA 0x40000000 -> PA 0x80200000 (fills; tracks the L1 frame)
      0xe5823000, // str r3, [r2]          guest L1[0x400] := PA 0x80300000, no TLBIMVA: opens a write window
      0xe5915000, // ldr r5, [r1]          window still open: the old translation (a TLB may hold it too)
      0xe10f6000, // mrs r6, cpsr          a trap: the VMM closes the window, drops what the store changed
      0xe5917000, // ldr r7, [r1]          -> PA 0x80300000
      0xeafffffe,
    ]);
    m.pc = CODE;
    m.setReg(1, 0x40000000); m.setReg(2, 0x80101000); m.setReg(3, 0x80300402);
    m.run({ maxInsns: 6 });
    expect([m.reg(0), m.reg(5), m.reg(7)]).toEqual([0xa0, 0xa0, 0xb0]);
    expect(m.physRead32(0x80101000) >>> 0).toBe(0x80300402);
    const s = m.vmmStats();
    expect(s.pt_write_faults).toBe(1);
    expect(s.exc_dabt).toBe(0);
    expect(s.shadow_page_invals).toBeGreaterThanOrEqual(1);
    expect(m.vmmCosts().ptwrite).toBeGreaterThan(0);
  });

  it("a write window closes by itself after a bounded run of instructions, without any trap", () => {
    const m = paged();
    const NOP = 0xe1a00000;
    put(m, CODE, [
      0xe5910000, // ldr r0, [r1]
      0xe5823000, // str r3, [r2]          guest L1[0x400] := PA 0x80300000
      ...Array(40).fill(NOP),
      0xe5915000, // ldr r5, [r1]          -> PA 0x80300000
      0xeafffffe,
    ]);
    m.pc = CODE;
    m.setReg(1, 0x40000000); m.setReg(2, 0x80101000); m.setReg(3, 0x80300402);
    m.run({ maxInsns: 43 });
    expect([m.reg(0), m.reg(5)]).toEqual([0xa0, 0xb0]);
    const s = m.vmmStats();
    expect(s.pt_write_faults).toBe(1);
    expect(s.traps - s.shadow_faults).toBe(0);        // no trap closed it
  });

  it("STM across two tracked L2 tables and STRD replace four small-page descriptors; reads follow at once", () => {
    const m = paged();
    const L1 = 0x80100000;
    m.physWrite32(L1 + 0x400 * 4, 0x80110c01);       // VA 0x400xxxxx: L2 table in the last KiB of frame 0x80110000
    m.physWrite32(L1 + 0x401 * 4, 0x80111001);       // VA 0x401xxxxx: L2 table at frame 0x80111000
    m.physWrite32(0x80110ffc, 0x80200012);           // VA 0x400ff000 -> 0x80200000 (small page, privileged RW)
    m.physWrite32(0x80111000, 0x80201012);           // VA 0x40100000 -> 0x80201000
    m.physWrite32(0x80111004, 0x80202012);           // VA 0x40101000 -> 0x80202000
    m.physWrite32(0x80111008, 0x80203012);           // VA 0x40102000 -> 0x80203000
    put(m, CODE, [
      0xe5990000, 0xe59a1000, 0xe59b5000, 0xe59c8000, // ldr r0,[r9]; ldr r1,[r10]; ldr r5,[r11]; ldr r8,[r12]
      0xe8820018, // stm r2, {r3, r4}        0x80110ffc and 0x80111000: two tracked frames, two windows
      0xe1c260f8, // strd r6, r7, [r2, #8]   0x80111004, 0x80111008: through the open window, no fault
      0xe10fe000, // mrs lr, cpsr            a trap closes the windows
      0xe5990000, 0xe59a1000, 0xe59b5000, 0xe59c8000,
      0xeafffffe,
    ]);
    m.pc = CODE;
    m.setReg(9, 0x400ff000); m.setReg(10, 0x40100000); m.setReg(11, 0x40101000); m.setReg(12, 0x40102000);
    m.setReg(2, 0x80110ffc);
    m.setReg(3, 0x80300012); m.setReg(4, 0x80301012); m.setReg(6, 0x80302012); m.setReg(7, 0x80303012);
    m.run({ maxInsns: 4 });
    expect([m.reg(0), m.reg(1), m.reg(5), m.reg(8)]).toEqual([0xa0, 0xa1, 0xa2, 0xa3]);
    m.run({ maxInsns: 8 });
    expect([m.reg(0), m.reg(1), m.reg(5), m.reg(8)]).toEqual([0xb0, 0xb1, 0xb2, 0xb3]);
    expect(m.pc >>> 0).toBe(CODE + 0x2c);
    const s = m.vmmStats();
    expect(s.pt_write_faults).toBe(2);                 // STM: one per page; the STRD found its window open
    expect(s.exc_dabt).toBe(0);
    expect(s.shadow_page_invals).toBe(4);
  });

  it("the VMM's own emulated stores (a trapped SRS) into a tracked table go through the window too", () => {
    const m = paged();
    put(m, CODE, [
      0xe5910000, // ldr r0, [r1]          fills VA 0x40000000; tracks the L1 frame 0x80101000
      0xf96d0513, // srsdb sp!, #0x13      sp = 0x80101008: L1[0x400] := lr, L1[0x401] := SPSR
      0xe10f6000, // mrs r6, cpsr          the next trap closes the window
      0xe5915000, // ldr r5, [r1]
      0xeafffffe,
    ]);
    m.pc = CODE;
    m.setReg(1, 0x40000000); m.setReg(13, 0x80101008); m.setReg(14, 0x80300402); m.setSpsr(SVC, 0x600001d3);
    m.run({ maxInsns: 5 });
    expect([m.reg(0), m.reg(5)]).toEqual([0xa0, 0xb0]);
    expect(m.reg(13) >>> 0).toBe(0x80101000);
    expect(m.physRead32(0x80101004) >>> 0).toBe(0x600001d3);
    const s = m.vmmStats();
    expect([s.trap_srs, s.pt_write_faults, s.exc_dabt]).toEqual([1, 1, 0]);
  });

  it("a store to a tracked table through the guest's own read-only mapping is the guest's permission fault", () => {
    const m = paged();
    m.physWrite32(0x80100000 + 0x600 * 4, 0x80108402); // VA 0x60000000 -> PA 0x80100000, privileged read-only
    put(m, CODE, [0xe5883000 /* str r3, [r8] */, 0xe3a0b001 /* mov r11, #1 */, 0xeafffffe]);
    put(m, VEC + 0x10, [0xee155f10 /* mrc DFSR -> r5 */, 0xee166f10 /* mrc DFAR -> r6 */, 0xeafffffe]);
    m.pc = CODE;
    m.setReg(8, 0x60002000);                           // the L1 frame holding entry 0x800 (the code's): tracked
    m.setReg(3, 0xdeadbeef);
    m.run({ maxInsns: 6 });
    expect(m.reg(5) & 0xc0f).toBe(0x80d);              // write, permission fault, section
    expect(m.reg(6) >>> 0).toBe(0x60002000);
    expect(m.reg(11)).toBe(0);
    expect(m.physRead32(0x80102000) >>> 0).toBe(0x80000c02);
    const s = m.vmmStats();
    expect([s.exc_dabt, s.pt_write_faults]).toEqual([1, 0]);
  });

  it("a frame that no shadow derives from any more is untracked at its next write (a freed L2 table reused as data)", () => {
    const m = paged();
    const L1 = 0x80100000;
    m.physWrite32(L1 + 0x400 * 4, 0x80110001);       // VA 0x400xxxxx: L2 table at 0x80110000
    m.physWrite32(0x80110000, 0x80200012);
    put(m, CODE, [
      0xe5990000, // ldr r0, [r9]           fills through the L2 table: tracks it
      0xe5823000, // str r3, [r2]           L1[0x400] := section 0x80300000 (pt write 1)
      0xe10f6000, // mrs r6, cpsr           a trap closes the window
      0xe5995000, // ldr r5, [r9]           refill from the section
      0xe5884000, // str r4, [r8]           the old L2 table, now data (pt write 2: untracked when its window closes)
      0xe5884004, // str r4, [r8, #4]       through the open window
      0xe10f6000, // mrs r6, cpsr           closes it
      0xe5884008, // str r4, [r8, #8]       an ordinary fill makes the page writable again
      0xeafffffe,
    ]);
    m.pc = CODE;
    m.setReg(9, 0x40000000); m.setReg(2, 0x80101000); m.setReg(3, 0x80300402);
    m.setReg(8, 0x80110000); m.setReg(4, 0x12345678);
    m.run({ maxInsns: 9 });
    expect([m.reg(0), m.reg(5)]).toEqual([0xa0, 0xb0]);
    expect([0, 4, 8].map((o) => m.physRead32(0x80110000 + o) >>> 0)).toEqual([0x12345678, 0x12345678, 0x12345678]);
    const s = m.vmmStats();
    expect(s.pt_write_faults).toBe(2);
    expect(s.exc_dabt).toBe(0);
  });
});

describe("VMM full mode: retried instructions", () => {
  it("a Thumb load inside an IT block that needs a shadow fill is retried with its own ITSTATE (not advanced twice)", () => {
    const m = machine();
    put(m, CODE, [
      0xe36ff030, // msr spsr_cxsf, #0x30   (User, Thumb)
      0xe28fe000, // adr lr, thumb
      0xe1b0f00e, // movs pc, lr
      0xbf0c4280, // thumb: cmp r0, r0 ; ite eq
      0x23016811, // ldreq r1, [r2]        (a page not yet in the shadow: filled, then retried)
                  // movne r3, #1          (condition fails)
      0x2401bf1c, // itt ne ; movne r4, #1
      0xe7fe2501, // movne r5, #1 ; b .
    ]);
    m.physWrite32(0x80300000, 0x5a5a5a5a);
    m.pc = CODE;
    m.setReg(2, 0x80300000);
    m.run({ maxInsns: 11 });
    expect(m.cpsr & 0x3f).toBe(0x30);                 // virtual User mode, Thumb
    expect(m.pc >>> 0).toBe(CODE + 0x1a);
    expect(m.reg(1) >>> 0).toBe(0x5a5a5a5a);
    expect([m.reg(3), m.reg(4), m.reg(5)]).toEqual([0, 0, 0]);
    expect(m.realCpsr & 0x0600fc00).toBe(0);          // the IT blocks are over
    const s = m.vmmStats();
    expect(s.shadow_fills).toBeGreaterThanOrEqual(2);  // the code page and the data page
    expect(s.exc_dabt).toBe(0);
  });
});

describe("VMM: a retried instruction is counted once", () => {
  it("a trapped STM ^ and a hypercall whose stores need shadow fills count once in their classes", () => {
    const m = machine();
    put(m, CODE, [0xe8c00006 /* stm r0, {r1, r2}^ (a page not yet shadowed) */, 0xeafffffe]);
    m.pc = CODE;
    m.setReg(0, 0x80300000); m.setReg(1, 0x11); m.setReg(2, 0x22);
    m.run({ maxInsns: 2 });
    expect([m.physRead32(0x80300000), m.physRead32(0x80300004)]).toEqual([0x11, 0x22]);
    let s = m.vmmStats();
    expect(s.trap_stm_user).toBe(1);
    expect(s.shadow_faults).toBe(2);                    // the code page, then the STM's page
    expect(s.traps).toBe(1 + s.shadow_faults);
    expect(s.vmm_cycles).toBe(2 * (120 + 250) + 120 + 40); // two hidden faults with fills, one emulation

    const p = machine("para");
    put(p, CODE, [0xe1400072 /* hvc #2 (HC_EXC_ENTER): stores the frame on the SVC stack */, 0xeafffffe]);
    p.pc = CODE;
    p.setReg(13, 0x80400000);                           // the frame lands on page 0x803ff000, not yet shadowed
    p.run({ maxInsns: 2 });
    expect(p.reg(0) >>> 0).toBe(0x80400000 - 72);
    s = p.vmmStats();
    expect([s.hypercalls, s.hc_exc_enter]).toEqual([1, 1]);
    expect(s.shadow_faults).toBe(2);
  });
});

describe("VMM para mode: hypercalls", () => {
  it("answers HC_VERSION, returns -ENOSYS for unknown numbers, and reflects HVC from virtual User mode as UNDEFINED", () => {
    const m = machine("para");
    put(m, CODE, [
      0xe1401273, // hvc #0x123 (unknown)
      0xe1a04000, // mov r4, r0
      0xe1400070, // hvc #0 (HC_VERSION)
      0xe1a05000, // mov r5, r0
      0xeafffffe,
    ]);
    m.pc = CODE;
    m.run({ maxInsns: 5 });
    expect(m.reg(4) | 0).toBe(-1);
    expect(m.reg(5) >>> 0).toBe(0x00010006); // ABI 1.6: the several-guest calls (1.1), the shared page's dacr word (1.2), HC_RET_USER and the spsr/usr_sp/usr_lr words (1.3), HC_TLB_FLUSH_RANGE (1.4), HC_SET_REG (1.5), und_insn, the identification block and CPACR (1.6), docs/hypercalls.md
    let s = m.vmmStats();
    expect([s.hypercalls, s.hc_errors, s.hc_version]).toEqual([2, 1, 1]);

    const u = machine("para");
    put(u, CODE, [0xe1400070 /* hvc #0 */, 0xeafffffe]);
    put(u, VEC + 4, [0xe1a0800e /* mov r8, lr */, 0xeafffffe]);
    u.setCp15({ VBAR: VEC });
    u.cpsr = USR;
    u.pc = CODE;
    u.run({ maxInsns: 4 });
    expect(u.reg(8) >>> 0).toBe(CODE + 4);
    expect(u.cpsr & 0x1f).toBe(0x1b);
    s = u.vmmStats();
    expect([s.hypercalls, s.exc_undef]).toEqual([0, 1]);
  });

  it("rejects bad arguments with errors: shared page outside the partition, bad batch address, bad ASID", () => {
    const m = machine("para");
    put(m, CODE, [
      0xe140007c, // hvc #12 (HC_SHARED_PAGE r0)
      0xe1a04000, // mov r4, r0
      0xe1a00001, // mov r0, r1
      0xe3a01001, // mov r1, #1
      0xe1400170, // hvc #16 (HC_PT_UPDATE r0 = list, r1 = 1)
      0xe1a05000, // mov r5, r0
      0xe3a00c01, // mov r0, #0x100
      0xe1400079, // hvc #9 (HC_TLB_FLUSH_ASID 0x100)
      0xe1a06000, // mov r6, r0
      0xeafffffe,
    ]);
    m.pc = CODE;
    m.setReg(0, 0x83000000);   // VMM-reserved RAM
    m.setReg(1, 0x9f000000);   // no RAM there (MMU off: physical)
    m.run({ maxInsns: 10 });
    expect(m.reg(4) | 0).toBe(-4);
    expect(m.reg(5) | 0).toBe(-3);
    expect(m.reg(6) | 0).toBe(-2);
    expect(m.vmmStats().hc_errors).toBe(3);

    // A batch entry whose descriptor address is the VMM's own RAM (a shadow table) is refused.
    const h = machine("para");
    const shadowL1 = h.realCp15("TTBR0") >>> 0;
    const before = h.physRead32(shadowL1);
    put(h, 0x80200000, [shadowL1, 0xdeadbeef, 0]);
    put(h, CODE, [0xe3a01001 /* mov r1, #1 */, 0xe1400170 /* hvc #16 */, 0xeafffffe]);
    h.pc = CODE;
    h.setReg(0, 0x80200000);
    h.run({ maxInsns: 3 });
    expect(h.reg(0) | 0).toBe(-3);
    expect(h.physRead32(shadowL1)).toBe(before);
  });
});

describe("VMM para mode: HC_RET_USER, Linux's return to User mode (ABI 1.3)", () => {
  const SH = 0x80006000, FRAME = 0x80200000, UCODE = CODE + 0x100;
  const HVC_RET_USER = 0xe140017c; // hvc #28
  // A Linux pt_regs: r0-r12, sp, lr, pc, cpsr, ORIG_r0
  function frame(m: Machine, at: number, cpsr: number): void {
    const regs = Array.from({ length: 13 }, (_, k) => 0x100 + k);
    regs[4] = SH;                      // the vector below reads the shared page through r4
    put(m, at, [...regs, 0x80300000, 0x1234, UCODE, cpsr, 0x100]);
  }
  function setup(): Machine {
    const m = machine("para");
    put(m, CODE, [
      0xe1a00004, // mov r0, r4
      0xe140007c, // hvc #12 (HC_SHARED_PAGE)
      0xe1a00005, // mov r0, r5   frame
      0xe1a01006, // mov r1, r6   User TPIDRURO
      0xe1a02007, // mov r2, r7   User DACR
      HVC_RET_USER,
      0xe1a09000, // mov r9, r0   (only after an error)
      0xeafffffe,
    ]);
    put(m, UCODE, [0xef000000 /* svc #0 */, 0xeafffffd /* b UCODE */]);
    // SVC vector: what Linux's vector_swi loads from the shared page instead of MRS SPSR and STM ^
    put(m, VEC + 8, [0xe594801c /* ldr r8, [r4, #28] */, 0xe5949020 /* ldr r9, [r4, #32] */,
      0xe594a024 /* ldr r10, [r4, #36] */, 0xeafffffe]);
    m.setCp15({ VBAR: VEC, TPIDRURO: 0x7777, DACR: 0x51 });
    m.setReg(4, SH); m.setReg(5, FRAME); m.setReg(6, 0xeeee0000); m.setReg(7, 0x55);
    m.pc = CODE;
    return m;
  }

  it("enters User mode from the frame in one call; the next exception from User mode gives back the kernel's TPIDRURO and DACR and the shared page holds SPSR, sp and lr", () => {
    const m = setup();
    frame(m, FRAME, 0x81000010);       // N set, User mode, ARM; J set (cleared: no Jazelle state)
    m.run({ maxInsns: 6 });            // up to and including the call
    expect(m.cpsr & 0x1f).toBe(USR);
    expect(m.cpsr & 0x01000000).toBe(0);
    expect(m.pc >>> 0).toBe(UCODE);
    expect(m.cpsr >>> 28).toBe(8);
    expect(Array.from({ length: 13 }, (_, k) => m.reg(k) >>> 0)).toEqual(
      Array.from({ length: 13 }, (_, k) => (k === 4 ? SH : 0x100 + k)));
    expect([m.reg(13) >>> 0, m.reg(14) >>> 0]).toEqual([0x80300000, 0x1234]);
    expect(m.getCp15("TPIDRURO")).toBe(0xeeee0000);
    expect(m.realCp15("TPIDRURO")).toBe(0xeeee0000);   // User code reads it untrapped
    expect(m.getCp15("DACR")).toBe(0x55);
    expect(m.physRead32(SH)).toBe(0);                   // virtual I clear
    expect(m.physRead32(SH + 24)).toBe(0x55);           // the shared dacr word follows
    let s = m.vmmStats();
    expect([s.hypercalls, s.hc_ret_user, s.hc_errors, s.traps - s.shadow_faults]).toEqual([2, 1, 0, 0]);

    m.run({ maxInsns: 5 });            // svc #0, then the three loads of the vector
    expect(m.cpsr & 0x1f).toBe(SVC);
    expect(m.reg(14) >>> 0).toBe(UCODE + 4);
    expect(m.reg(8) >>> 0).toBe(0x80000010);            // SPSR
    expect([m.reg(9) >>> 0, m.reg(10) >>> 0]).toEqual([0x80300000, 0x1234]);
    expect(m.getCp15("TPIDRURO")).toBe(0x7777);         // the kernel's values of the call's time
    expect(m.realCp15("TPIDRURO")).toBe(0x7777);
    expect(m.getCp15("DACR")).toBe(0x51);
    expect(m.physRead32(SH + 24)).toBe(0x51);
    expect(m.physRead32(SH)).toBe(1);                   // masked by the exception
    s = m.vmmStats();
    expect([s.exc_svc, s.traps - s.shadow_faults, s.trap_mrs, s.trap_stm_user]).toEqual([1, 1, 0, 0]);
  });

  it("a User mode not entered by HC_RET_USER keeps the kernel's TPIDRURO and DACR at the next exception", () => {
    const m = setup();
    frame(m, FRAME, 0x10);
    m.run({ maxInsns: 6 });
    expect(m.cpsr & 0x1f).toBe(USR);
    m.setReg(0, 0);
    // the guest goes back through its vector and returns to User mode with a trapped MOVS PC, LR
    put(m, VEC + 8, [0xe1b0f00e /* movs pc, lr */]);
    m.run({ maxInsns: 2 });            // svc (restores the kernel's values), movs pc, lr (User again)
    expect(m.cpsr & 0x1f).toBe(USR);
    expect(m.getCp15("TPIDRURO")).toBe(0x7777);
    expect(m.pc >>> 0).toBe(UCODE + 4);
    m.setCp15({ TPIDRURO: 0x4242, DACR: 0x45 });
    m.run({ maxInsns: 2 });            // b UCODE, svc #0 again
    expect(m.cpsr & 0x1f).toBe(SVC);
    expect(m.vmmStats().exc_svc).toBe(2);
    expect([m.getCp15("TPIDRURO"), m.getCp15("DACR")]).toEqual([0x4242, 0x45]); // nothing put back: no HC_RET_USER since
  });

  it("hostile frames and CPSRs get hypercall errors and change nothing", () => {
    const cases: [string, number, number, number][] = [
      // what, frame address, frame cpsr, expected error
      ["misaligned frame", FRAME + 2, 0x10, -2],
      ["frame in the VMM-reserved RAM", 0x83000000, 0x10, -3],
      ["frame running off the partition's end into the VMM's RAM", 0x83000000 - 64, 0x10, -3],
      ["frame with no RAM behind it", 0x9f000000, 0x10, -3],
      ["frame wrapping past 4 GiB", 0xfffffff0, 0x10, -3],
      ["cpsr asking for SVC mode", FRAME, 0x13, -2],
      ["cpsr asking for System mode", FRAME, 0x1f, -2],
      ["cpsr with an invalid mode", FRAME, 0x00, -2],
      ["cpsr masking IRQs in User mode", FRAME, 0x90, -2],
      ["cpsr masking FIQs in User mode", FRAME, 0x50, -2],
      ["cpsr masking aborts in User mode", FRAME, 0x110, -2],
    ];
    for (const [what, at, cpsr, err] of cases) {
      const m = setup();
      frame(m, FRAME, cpsr);
      m.setReg(5, at);
      m.run({ maxInsns: 8 });
      expect([what, m.reg(9) | 0]).toEqual([what, err]);
      expect(m.cpsr & 0x1f).toBe(SVC);
      expect(m.pc >>> 0).toBe(CODE + 0x1c);
      expect([m.reg(1) >>> 0, m.reg(2) >>> 0, m.reg(4) >>> 0, m.reg(13)]).toEqual([0xeeee0000, 0x55, SH, 0]);
      expect([m.getCp15("TPIDRURO"), m.getCp15("DACR")]).toEqual([0x7777, 0x51]);
      expect(m.vmmStats().hc_errors).toBe(1);
    }
  });

  it("HC_ENTER_SVC: from the mode an exception was reflected into, to SVC mode at that mode's lr, every register and the masks kept", () => {
    const m = machine("para");
    put(m, CODE, [0xe1a00004 /* mov r0, r4 */, 0xe140007c /* hvc #12 */, 0xe1a00005 /* mov r0, r5 */,
      0xe140017d /* hvc #29 (HC_ENTER_SVC) */, 0xeafffffe]);
    put(m, CODE + 0x40, [0xe1a0600d /* mov r6, sp */, 0xeafffffe]);
    m.setReg(13, 0x80400000);                             // SVC's sp
    m.cpsr = 0x1d2;                                       // virtual IRQ mode, I and F masked
    m.setReg(13, 0x80500000);                             // IRQ's sp
    m.setReg(14, CODE + 0x40);                            // the handler, as Linux's stub loads it
    m.setReg(4, 0x80006000); m.setReg(5, 0x12345678);
    m.pc = CODE;
    m.run({ maxInsns: 5 });
    expect(m.cpsr & 0x1df).toBe(0x1d3);
    expect(m.pc >>> 0).toBe(CODE + 0x44);
    expect([m.reg(0) >>> 0, m.reg(6) >>> 0]).toEqual([0x12345678, 0x80400000]);
    expect(m.physRead32(0x80006000)).toBe(1);             // still masked
    const s = m.vmmStats();
    expect([s.hc_enter_svc, s.hc_errors, s.traps - s.shadow_faults]).toEqual([1, 0, 0]);
  });

  it("HC_RET_KERNEL: Linux's svc_exit in one call, to SVC mode only; bad frames and CPSRs get errors and change nothing", () => {
    const KF = 0x80210000;
    function setupK(cpsr: number, at = KF): Machine {
      const m = machine("para");
      put(m, CODE, [0xe1a00004 /* mov r0, r4 */, 0xe140007c /* hvc #12 */, 0xe1a00005 /* mov r0, r5 */,
        0xe1a01006 /* mov r1, r6 */, 0xe140017e /* hvc #30 (HC_RET_KERNEL) */, 0xe1a09000 /* mov r9, r0 */, 0xeafffffe]);
      put(m, CODE + 0x80, [0xe1a0800d /* mov r8, sp */, 0xeafffffe]);
      put(m, KF, [...Array.from({ length: 13 }, (_, k) => 0x200 + k), 0x80480000, 0x4444, CODE + 0x80]);
      m.setReg(4, SH); m.setReg(5, at); m.setReg(6, cpsr);
      m.setReg(13, 0x80400000);
      m.pc = CODE;
      return m;
    }
    const m = setupK(0x20000013);            // C set, SVC mode, I clear: unmasks
    m.run({ maxInsns: 6 });
    expect(m.cpsr & 0x1ff).toBe(0x013);
    expect(m.cpsr >>> 28).toBe(2);
    expect(m.pc >>> 0).toBe(CODE + 0x84);
    expect(Array.from({ length: 8 }, (_, k) => m.reg(k) >>> 0)).toEqual(Array.from({ length: 8 }, (_, k) => 0x200 + k));
    expect([m.reg(8) >>> 0, m.reg(13) >>> 0, m.reg(14) >>> 0]).toEqual([0x80480000, 0x80480000, 0x4444]);
    expect(m.physRead32(SH)).toBe(0);       // the shared mask follows the cpsr's I
    let s = m.vmmStats();
    expect([s.hc_ret_kernel, s.hc_errors, s.traps - s.shadow_faults]).toEqual([1, 0, 0]);

    const bad: [string, number, number, number][] = [
      ["cpsr asking for User mode", 0x10, KF, -2],
      ["cpsr asking for IRQ mode", 0x92, KF, -2],
      ["misaligned frame", 0x13, KF + 1, -2],
      ["frame in the VMM-reserved RAM", 0x13, 0x83000000, -3],
      ["frame running off the partition's end", 0x13, 0x83000000 - 32, -3],
      ["frame wrapping past 4 GiB", 0x13, 0xffffffe0, -3],
    ];
    for (const [what, cpsr, at, err] of bad) {
      const b = setupK(cpsr, at);
      b.run({ maxInsns: 8 });
      expect([what, b.reg(9) | 0]).toEqual([what, err]);
      expect([b.cpsr & 0x1f, b.pc >>> 0, b.reg(13) >>> 0, b.reg(4) >>> 0]).toEqual([SVC, CODE + 0x18, 0x80400000, SH]);
      expect(b.physRead32(SH)).toBe(1);     // still masked
      s = b.vmmStats();
      expect([s.hc_errors, s.exc_dabt]).toEqual([1, 0]);
    }
    const irq = setupK(0x13);
    irq.cpsr = 0x1d2;                        // from virtual IRQ mode
    irq.run({ maxInsns: 8 });
    expect([irq.reg(9) | 0, irq.cpsr & 0x1f]).toEqual([-4, 0x12]);
  });

  it("refuses outside virtual SVC mode, and a frame the guest's own tables do not map", () => {
    const m = setup();
    frame(m, FRAME, 0x10);
    m.setReg(13, 0);
    m.cpsr = 0x1d2;                    // virtual IRQ mode
    m.run({ maxInsns: 8 });
    expect(m.reg(9) | 0).toBe(-4);
    expect(m.cpsr & 0x1f).toBe(0x12);

    const p = setup();
    const L1 = 0x80100000;
    for (let i = 0; i < 4096; i++) p.physWrite32(L1 + 4 * i, 0);
    p.physWrite32(L1 + 0x800 * 4, 0x80000c02);          // only the first MiB of RAM is mapped
    p.setCp15({ TTBR0: L1, DACR: 0x55555555, SCTLR: p.getCp15("SCTLR") | 1 });
    frame(p, FRAME, 0x10);
    p.setReg(5, FRAME);                                  // VA 0x80200000: no translation
    p.run({ maxInsns: 8 });
    expect(p.reg(9) | 0).toBe(-3);
    expect(p.cpsr & 0x1f).toBe(SVC);
    expect(p.vmmStats().exc_dabt).toBe(0);               // an error, not the guest's Data Abort
    frame(p, 0x80100000 - 32, 0x10);
    p.setReg(5, 0x80100000 - 32);                        // the frame's end crosses into the unmapped MiB
    p.pc = CODE + 0x8;
    p.run({ maxInsns: 6 });
    expect(p.reg(9) | 0).toBe(-3);
  });
});

describe("VMM para mode: HC_RET_USER fills the shadow entry of the User abort it returns to", () => {
  it("a User load's translation fault is reflected; the kernel maps the page and returns with HC_RET_USER; the retried load takes no hidden fault", () => {
    const m = machine("para");
    const SH = 0x80006000, FRAME = 0x80200000, UCODE = CODE + 0x100, L1 = 0x80100000, L2 = 0x80110000;
    for (let i = 0; i < 4096; i++) m.physWrite32(L1 + 4 * i, 0);
    for (let i = 0; i < 256; i++) m.physWrite32(L2 + 4 * i, 0);
    m.physWrite32(L1 + 0x800 * 4, 0x80000c02);              // code, vectors, shared page: identity section, AP 11
    m.physWrite32(L1 + 0x801 * 4, 0x80100c02);              // the tables
    m.physWrite32(L1 + 0x802 * 4, 0x80200c02);              // the frame
    m.physWrite32(L1 + 0x400 * 4, L2 | 1);                  // VA 0x40000000: L2 (entry 0 invalid)
    m.physWrite32(0x80400000, 0xfeed);
    // pt_regs: r2 the User address, r3 the PTE the abort handler writes, r4 the shared page, r5 the
    // frame, r6/r7 the User TPIDRURO/DACR, r11 the L2 entry; pc UCODE, User mode
    put(m, FRAME, [0, 0, 0x40000000, 0x80400832, SH, FRAME, 0, 0x55, 0, 0, 0, L2, 0, 0x80300000, 0, UCODE, 0x10, 0]);
    const toUser = [
      0xe1a00005, // mov r0, r5   frame
      0xe1a01006, // mov r1, r6
      0xe1a02007, // mov r2, r7
      0xe140017c, // hvc #28 (HC_RET_USER)
    ];
    put(m, CODE, [0xe1a00004 /* mov r0, r4 */, 0xe140007c /* hvc #12 (HC_SHARED_PAGE) */, ...toUser, 0xeafffffe]);
    put(m, UCODE, [0xe5921000 /* ldr r1, [r2] */, 0xeafffffe]);
    // Data Abort vector: map the page (small page, User RW), to SVC mode (CPS: trapped and emulated), back to User
    put(m, VEC + 0x10, [0xe58b3000 /* str r3, [r11] */, 0xf1020013 /* cps #0x13 */, ...toUser, 0xeafffffe]);
    m.setCp15({ TTBR0: L1, TTBCR: 0, DACR: 0x55, VBAR: VEC, SCTLR: m.getCp15("SCTLR") | 1 });
    m.setReg(4, SH); m.setReg(5, FRAME); m.setReg(6, 0); m.setReg(7, 0x55);
    m.pc = CODE;
    m.run({ maxInsns: 13 });                                 // to User, the load (its abort), the handler, back to User
    expect(m.cpsr & 0x1f).toBe(USR);
    expect(m.pc >>> 0).toBe(UCODE);
    let s = m.vmmStats();
    expect([s.exc_dabt, s.hc_ret_user, s.hc_errors]).toEqual([1, 2, 0]);
    const faults = s.shadow_faults, fills = s.shadow_fills;
    m.run({ maxInsns: 1 });                                  // the retried load
    expect(m.reg(1)).toBe(0xfeed);
    s = m.vmmStats();
    expect(s.shadow_faults - faults).toBe(0);               // its entry was filled at HC_RET_USER
    expect(s.shadow_fills - fills).toBe(0);
    expect(s.exc_dabt).toBe(1);
  });
});

describe("VMM para mode: interrupt masking through the shared page", () => {
  it("parks a timer IRQ that arrives while masked, and delivers it at HC_IRQ_CHECK after an unmask by plain store", () => {
    const m = machine("para");
    const SH = 0x80006000;
    put(m, CODE, [
      0xe1a00004, // mov r0, r4
      0xe140007c, // hvc #12 (HC_SHARED_PAGE): mask := current virtual I (1)
      0xe140007e, // hvc #14 (HC_IDLE): wakes on the masked timer IRQ, which the VMM parks
      0xe5945004, // ldr r5, [r4, #4]  pending
      0xe3a06000, // mov r6, #0
      0xe5846000, // str r6, [r4]      unmask: a store, no trap
      0xe140007d, // hvc #13 (HC_IRQ_CHECK): the interrupt is taken here
      0xe3a07001, // mov r7, #1
      0xeafffffe,
    ]);
    put(m, VEC + 0x18, [0xe1a0800e /* mov r8, lr */, 0xeafffffe]);
    m.setCp15({ VBAR: VEC });
    m.physWrite32(0x482000a8, 1 << 5);       // INTC MIR_CLEAR1: unmask IRQ 37 (GPTIMER1)
    m.physWrite32(0x48318028, 0xfffffff0);   // GPTIMER1 TCRR: overflow in 16 ticks
    m.physWrite32(0x4831801c, 2);            // TIER: overflow interrupt
    m.physWrite32(0x48318024, 1);            // TCLR: start
    m.pc = CODE;
    m.setReg(4, SH);
    m.run({ maxInsns: 9 });
    expect(m.reg(5)).toBe(1);
    expect(m.reg(7)).toBe(0);                 // the IRQ came before the instruction after HC_IRQ_CHECK
    expect(m.reg(8) >>> 0).toBe(CODE + 28 + 4);
    expect(m.cpsr & 0x1f).toBe(0x12);
    expect(m.spsr(0x12) & 0x80).toBe(0);      // taken with the virtual I clear
    expect(m.physRead32(SH)).toBe(1);         // masked again by the exception entry
    const s = m.vmmStats();
    expect([s.hc_irq_check, s.exc_irq, s.virq_injected, s.hc_idle]).toEqual([1, 1, 1, 1]);
  });
});

describe("VMM para mode: a registered para guest's remaining sensitive instructions are trapped and emulated", () => {
  it("before HC_SHARED_PAGE, MRS reads the real (User) CPSR; after it, MRS/CPS/MCR act on the virtual CPU and DACR is mirrored in the shared page", () => {
    const m = machine("para");
    const SH = 0x80006000;
    put(m, CODE, [
      0xe10f1000, // mrs r1, cpsr       untrapped: the real CPU's User mode
      0xe1a00004, // mov r0, r4
      0xe140007c, // hvc #12 (HC_SHARED_PAGE): a para guest from here on
      0xe10f2000, // mrs r2, cpsr       trapped: virtual SVC, I and F masked
      0xf1080080, // cpsie i            trapped: clears the virtual I, i.e. the shared mask word
      0xe5943000, // ldr r3, [r4]       mask
      0xe3a00e55, // mov r0, #0x550
      0xee030f10, // mcr p15, 0, r0, c3, c0, 0   DACR (trapped)
      0xe5945018, // ldr r5, [r4, #24]  the shared page's dacr word (ABI 1.1)
      0xe3a00e57, // mov r0, #0x570
      0xe1400075, // hvc #5 (HC_SET_DACR)
      0xe5946018, // ldr r6, [r4, #24]
      0xeafffffe,
    ]);
    m.pc = CODE;
    m.setReg(4, SH);
    m.run({ maxInsns: 12 });
    expect(m.reg(1) & 0x1f).toBe(USR);
    expect(m.reg(2) & 0x1ff).toBe(0x1d3);
    expect(m.reg(3)).toBe(0);
    expect(m.physRead32(SH + 24) >>> 0).toBe(0x570);
    expect(m.reg(5) >>> 0).toBe(0x550);
    expect(m.reg(6) >>> 0).toBe(0x570);
    expect(m.getCp15("DACR") >>> 0).toBe(0x570);
    const s = m.vmmStats();
    expect([s.trap_mrs, s.trap_cps, s.trap_mcr, s.hc_shared_page, s.hc_set_dacr]).toEqual([1, 1, 1, 1, 1]);
  });

  it("a kernel that registered no shared page is still stopped at its first CP15 access (not a para guest)", () => {
    const m = machine("para");
    put(m, CODE, [0xee030f10 /* mcr p15, 0, r0, c3, c0, 0 */, 0xeafffffe]);
    m.pc = CODE;
    const r = m.run({ maxInsns: 4 });
    expect(r.reason).toBe("fatal");
    expect(r.message).toMatch(/para mode: the guest's kernel accessed CP15 itself/);
  });
});

describe("VMM para mode: shadow tables of a new address space", () => {
  it("copies another address space's shadow table for a MiB mapped by the same guest section, never one derived from a guest L2 table (para mode tracks no table writes)", () => {
    const m = machine("para");
    const A = 0x80100000, B = 0x80104000, PT = 0x80110000, SHARED = 0x80400000;
    for (let i = 0; i < 256; i++) m.physWrite32(PT + 4 * i, 0);
    m.physWrite32(PT, 0x80200832);                            // VA 0xA0000000 -> 0x80200000: small page, RW, not global
    for (const L1 of [A, B]) {
      for (let i = 0; i < 4096; i++) m.physWrite32(L1 + 4 * i, 0);
      m.physWrite32(L1 + 0x800 * 4, 0x80000c02);              // code, identity section (N = 0: TTBR0's table)
      m.physWrite32(L1 + 0x900 * 4, 0x80220c02);              // VA 0x90000000 -> 0x80200000, section, the same in A and B
      m.physWrite32(L1 + 0xa00 * 4, PT | 1);                  // VA 0xA0000000: the same guest L2 table in A and B
    }
    for (let k = 0; k < 2; k++) m.physWrite32(0x80200000 + 0x1000 * k, 0xa0 + k);
    m.setCp15({ TTBR0: A, TTBCR: 0, CONTEXTIDR: 1, DACR: 0x55555555, SCTLR: m.getCp15("SCTLR") | 1 });
    const loads = [
      0xe5945000, // ldr r5, [r4]            0x90000000
      0xe5996000, // ldr r6, [r9]            0x90001000
      0xe59a7000, // ldr r7, [r10]           0xA0000000
    ];
    put(m, CODE, [
      0xe1a0000b, // mov r0, r11             the shared page
      0xe140007c, // hvc #12 (HC_SHARED_PAGE)
      ...loads,   // (A, ASID 1)
      0xe1a00001, // mov r0, r1              B
      0xe1a01002, // mov r1, r2              ASID 2
      0xe1400077, // hvc #7 (HC_SWITCH_MM)
      0xe1a05003, // mov r5, r3 (clear the results)
      0xe1a06003, // mov r6, r3
      0xe1a07003, // mov r7, r3
      ...loads,   // (B, ASID 2)
      0xeafffffe,
    ]);
    m.pc = CODE;
    m.setReg(1, B); m.setReg(2, 2); m.setReg(3, 0); m.setReg(11, SHARED);
    m.setReg(4, 0x90000000); m.setReg(9, 0x90001000); m.setReg(10, 0xa0000000);
    m.run({ maxInsns: 14 });
    expect(m.pc >>> 0).toBe(CODE + 14 * 4);               // at the final b .
    expect([m.reg(5), m.reg(6), m.reg(7)]).toEqual([0xa0, 0xa1, 0xa0]);
    const s = m.vmmStats();
    expect(s.hc_errors).toBe(0);
    // A fills its code page and 2 data pages (0x90001000 came with 0x90000000: a fill from a section
    // fills its whole MiB, as the code's did). B copies A's tables of the two section MiBs (the code
    // and 0x900, with the entries already in them: no fill) but fills 0xA0000000 itself: its table
    // comes from a guest L2 table, whose entries para mode would not know to be current.
    expect(s.shadow_table_copies).toBe(2);
    expect(s.shadow_fills).toBe(4);
    expect(s.shadow_prefills).toBe(2 * 255);
  });
});

describe("VMM para mode: a fill from a guest section fills its whole MiB", () => {
  for (const mode of ["para", "full"] as VmMode[]) {
    it(`${mode}: loads from four pages of a section MiB, then the section replaced and its MiB flushed with one HC_TLB_FLUSH_RANGE${mode === "full" ? " (full mode fills page by page, as before)" : ""}`, () => {
      const m = machine(mode);
      const L1 = 0x80100000;
      for (let i = 0; i < 4096; i++) m.physWrite32(L1 + 4 * i, 0);
      m.physWrite32(L1 + 0x800 * 4, 0x80000c02);            // code, identity section
      m.physWrite32(L1 + 0x801 * 4, 0x80100c02);            // the L1 table, identity section
      m.physWrite32(L1 + 0x900 * 4, 0x80200c02);            // VA 0x90000000 -> PA 0x80200000, section
      const pages = [0, 1, 0x80, 0xff];
      pages.forEach((k, j) => { m.physWrite32(0x80200000 + k * 0x1000, 0xa0 + j); m.physWrite32(0x80300000 + k * 0x1000, 0xb0 + j); });
      m.setCp15({ TTBR0: L1, DACR: 0x55555555, SCTLR: m.getCp15("SCTLR") | 1 });
      const LOADS = CODE, HVC = CODE + 0x100;
      put(m, LOADS, [
        0xe5945000, // ldr r5, [r4]    0x90000000
        0xe5996000, // ldr r6, [r9]    0x90001000
        0xe59a7000, // ldr r7, [r10]   0x90080000
        0xe59b8000, // ldr r8, [r11]   0x900ff000
        0xeafffffe,
      ]);
      put(m, HVC, [
        0xe5832000, // str r2, [r3]    guest L1[0x900] := section PA 0x80300000
        0xe3a00209, // mov r0, #0x90000000
        0xe2801601, // add r1, r0, #0x100000
        0xe3a02000, // mov r2, #0
        0xe140017f, // hvc #31 (HC_TLB_FLUSH_RANGE: the MiB)
        0xeafffffe,
      ]);
      const loads = () => {
        m.setReg(4, 0x90000000); m.setReg(9, 0x90001000); m.setReg(10, 0x90080000); m.setReg(11, 0x900ff000);
        m.pc = LOADS; m.run({ maxInsns: 4 });
        return [m.reg(5), m.reg(6), m.reg(7), m.reg(8)];
      };
      expect(loads()).toEqual([0xa0, 0xa1, 0xa2, 0xa3]);
      let s = m.vmmStats();
      if (mode === "para") {
        // one hidden fault for the code's MiB, one for the data's: each fills the whole MiB
        expect([s.shadow_faults, s.shadow_fills, s.shadow_prefills]).toEqual([2, 2, 2 * 255]);
        expect(m.vmmCosts().prefill).toBe(5);
      } else expect([s.shadow_faults, s.shadow_fills, s.shadow_prefills]).toEqual([5, 5, 0]);
      if (mode === "full") return;                           // (full mode has no hypercalls; its page-table writes are tracked)
      m.setReg(2, 0x80300c02); m.setReg(3, L1 + 0x900 * 4);
      m.pc = HVC; m.run({ maxInsns: 5 });
      expect(m.reg(0)).toBe(0);
      expect(loads()).toEqual([0xb0, 0xb1, 0xb2, 0xb3]);
      s = m.vmmStats();
      expect([s.shadow_faults, s.exc_dabt, s.hc_errors]).toEqual([4, 0, 0]); // + the L1 table's page, + the new section's MiB
    });
  }
});

describe("VMM para mode: a section fill stays in the partition", () => {
  it("the partition's last MiB fills whole; a section over the VMM-reserved RAM is the guest's external abort and fills nothing", () => {
    const m = machine("para");
    const L1 = 0x80100000;
    for (let i = 0; i < 4096; i++) m.physWrite32(L1 + 4 * i, 0);
    m.physWrite32(L1 + 0x800 * 4, 0x80000c02);              // code, identity section
    m.physWrite32(L1 + 0x900 * 4, 0x82f00c02);              // VA 0x90000000 -> the partition's last MiB (48 MiB of 64)
    m.physWrite32(L1 + 0x901 * 4, 0x83000c02);              // VA 0x90100000 -> PA 0x83000000: the VMM's 16 MiB
    m.physWrite32(0x82ffff00, 0x1234);
    m.setCp15({ TTBR0: L1, DACR: 0x55555555, SCTLR: m.getCp15("SCTLR") | 1, VBAR: VEC });
    put(m, CODE, [
      0xe5945f00, // ldr r5, [r4, #0xf00]   0x900fff00 (the MiB's last page)
      0xe5996000, // ldr r6, [r9]           0x90100000
      0xe3a08001, // mov r8, #1             (not reached)
      0xeafffffe,
    ]);
    put(m, VEC + 0x10, [0xe1a0700e /* mov r7, lr */, 0xeafffffe]);
    m.pc = CODE;
    m.setReg(4, 0x900ff000); m.setReg(9, 0x90100000); m.setReg(8, 0);
    m.run({ maxInsns: 6 });
    expect(m.reg(5)).toBe(0x1234);
    expect(m.reg(7) >>> 0).toBe(CODE + 12);                 // the second load's Data Abort
    expect(m.reg(8)).toBe(0);
    const s = m.vmmStats();
    expect([s.exc_dabt, s.shadow_prefills]).toEqual([1, 2 * 255]); // the code's MiB and 0x900's, not 0x901's
  });
});

describe("VMM para mode: batched page-table updates", () => {
  it("HC_PT_UPDATE writes the guest descriptor and drops the shadow entry in one call", () => {
    const m = machine("para");
    const L1 = 0x80100000;
    for (let i = 0; i < 4096; i++) m.physWrite32(L1 + 4 * i, 0);
    m.physWrite32(L1 + 0x800 * 4, 0x80000c02);
    m.physWrite32(L1 + 0x801 * 4, 0x80100c02);
    m.physWrite32(L1 + 0x802 * 4, 0x80200c02);
    m.physWrite32(L1 + 0x400 * 4, 0x80200402);
    m.physWrite32(0x80200000, 0x11111111);
    m.physWrite32(0x80300000, 0x22222222);
    put(m, 0x80200100, [0x80101000, 0x80300402, 0x40000000]); // L1[0x400] := PA 0x80300000, page 0x40000000
    m.setCp15({ TTBR0: L1, DACR: 0x55555555, SCTLR: m.getCp15("SCTLR") | 1 });
    put(m, CODE, [
      0xe5945000, // ldr r5, [r4]
      0xe1a00002, // mov r0, r2
      0xe3a01001, // mov r1, #1
      0xe1400170, // hvc #16 (HC_PT_UPDATE)
      0xe1a06000, // mov r6, r0
      0xe5947000, // ldr r7, [r4]
      0xeafffffe,
    ]);
    m.pc = CODE;
    m.setReg(2, 0x80200100); m.setReg(4, 0x40000000);
    m.run({ maxInsns: 7 });
    expect(m.reg(5) >>> 0).toBe(0x11111111);
    expect(m.reg(6)).toBe(1);
    expect(m.reg(7) >>> 0).toBe(0x22222222);
    expect(m.physRead32(L1 + 0x400 * 4) >>> 0).toBe(0x80300402);
    const s = m.vmmStats();
    expect([s.hc_pt_update, s.shadow_page_invals, s.hc_errors]).toEqual([1, 1, 0]);
  });
});

describe("VMM para mode: HC_TLB_FLUSH_RANGE (ABI 1.4)", () => {
  it("drops the shadow entries of exactly the pages of [start, end), across a MiB boundary; bad ASIDs and reversed ranges are errors; the whole space in one call", () => {
    const m = machine("para");
    const L1 = 0x80100000, PT = 0x80110000, PT2 = 0x80110400;
    for (let i = 0; i < 4096; i++) m.physWrite32(L1 + 4 * i, 0);
    for (let i = 0; i < 512; i++) m.physWrite32(PT + 4 * i, 0);
    m.physWrite32(L1 + 0x800 * 4, 0x80000c02);              // code, identity section
    m.physWrite32(L1 + 0x801 * 4, 0x80100c02);              // the tables, identity section
    m.physWrite32(L1 + 0xa00 * 4, PT | 1);                  // VA 0xA0000000: guest L2 table PT
    m.physWrite32(L1 + 0xa01 * 4, PT2 | 1);                 // VA 0xA0100000: PT2
    const page = (pa: number) => (pa | 0x832) >>> 0;        // small page, AP 11, not global
    // P0 = 0xA0000000, P2 = 0xA0002000, Q0 = 0xA00FF000 (last page of MiB 0xa00), Q1 = 0xA0100000
    const pages: [number, number, number][] = [[PT, 0x80200000, 0x80300000], [PT + 8, 0x80202000, 0x80302000],
      [PT + 0x3fc, 0x80204000, 0x80304000], [PT2, 0x80206000, 0x80306000]];
    pages.forEach(([pte, a, b], k) => { m.physWrite32(pte, page(a)); m.physWrite32(a, 0xa0 + k); m.physWrite32(b, 0xb0 + k); });
    m.setCp15({ TTBR0: L1, TTBCR: 0, CONTEXTIDR: 1, DACR: 0x55555555, SCTLR: m.getCp15("SCTLR") | 1 });
    const LOADS = CODE, STORE = CODE + 0x100, HVC = CODE + 0x200;
    put(m, LOADS, [
      0xe5945000, // ldr r5, [r4]   P0
      0xe5996000, // ldr r6, [r9]   P2
      0xe59a7000, // ldr r7, [r10]  Q0
      0xe59b8000, // ldr r8, [r11]  Q1
      0xeafffffe,
    ]);
    put(m, STORE, [0xe5810000 /* str r0, [r1] */, 0xeafffffe]);
    put(m, HVC, [0xe140017f /* hvc #31 (HC_TLB_FLUSH_RANGE) */, 0xeafffffe]);
    const loads = () => {
      m.setReg(4, 0xa0000000); m.setReg(9, 0xa0002000); m.setReg(10, 0xa00ff000); m.setReg(11, 0xa0100000);
      m.pc = LOADS; m.run({ maxInsns: 4 });
      return [m.reg(5), m.reg(6), m.reg(7), m.reg(8)];
    };
    const flush = (start: number, end: number, asid: number) => {
      m.setReg(0, start); m.setReg(1, end); m.setReg(2, asid);
      m.pc = HVC; m.run({ maxInsns: 1 });
      return m.reg(0) | 0;
    };
    expect(loads()).toEqual([0xa0, 0xa1, 0xa2, 0xa3]);
    // The guest rewrites the four descriptors (para mode tracks no table writes: the shadow, like a
    // TLB, keeps the old translations until the guest's TLB maintenance).
    for (const [pte, , b] of pages) { m.setReg(0, page(b)); m.setReg(1, pte); m.pc = STORE; m.run({ maxInsns: 1 }); }
    expect(loads()).toEqual([0xa0, 0xa1, 0xa2, 0xa3]);
    const invals0 = m.vmmStats().shadow_page_invals;
    expect(flush(0xa0000000, 0xa0001000, 1)).toBe(0);        // P0 only
    expect(loads()).toEqual([0xb0, 0xa1, 0xa2, 0xa3]);
    expect(flush(0xa00ff000, 0xa0101000, 1)).toBe(0);        // Q0 and Q1: two MiBs, two tables
    expect(loads()).toEqual([0xb0, 0xa1, 0xb2, 0xb3]);
    expect(m.vmmStats().shadow_page_invals - invals0).toBe(3);
    expect(flush(0xa0002000, 0xa0003000, 0x100)).toBe(-2);   // ASID > 255
    expect(flush(0xa0003000, 0xa0002000, 1)).toBe(-2);       // end below start
    expect(flush(0xa0002000, 0xa0002000, 1)).toBe(0);        // empty: nothing dropped
    expect(loads()).toEqual([0xb0, 0xa1, 0xb2, 0xb3]);
    expect(flush(0, 0, 0)).toBe(0);                          // 0 .. 4 GiB (end 0 = the top)
    expect(loads()).toEqual([0xb0, 0xb1, 0xb2, 0xb3]);
    const s = m.vmmStats();
    expect([s.hc_tlb_flush_range, s.hc_errors, s.exc_dabt]).toEqual([6, 2, 0]);
  });
});

describe("VMM para mode: HC_SET_REG and HC_GET_REG of FPEXC and TPIDRURO (ABI 1.5)", () => {
  const HVC_GET = 0xe1400173, HVC_SET = 0xe1400270; // hvc #19, hvc #32
  // One call at CODE: r0 = id, r1 = value; returns [r0, r1] after it.
  function call(m: Machine, word: number, id: number, v = 0): [number, number] {
    put(m, CODE, [word, 0xeafffffe]);
    m.setReg(0, id); m.setReg(1, v);
    m.pc = CODE; m.run({ maxInsns: 1 });
    return [m.reg(0) | 0, m.reg(1) | 0];
  }
  it("TPIDRURO: set in the virtual and the real register (User code reads the real one), read back; counted as hc_set_reg, not in asid_allocs' slot", () => {
    const m = machine("para");
    const a0 = m.vmmStats().asid_allocs;
    expect(call(m, HVC_SET, 12, 0xc1d0c0de)).toEqual([0, 0xc1d0c0de | 0]);
    expect(m.getCp15("TPIDRURO") >>> 0).toBe(0xc1d0c0de);
    expect(m.realCp15("TPIDRURO") >>> 0).toBe(0xc1d0c0de);
    expect(call(m, HVC_GET, 12)).toEqual([0xc1d0c0de | 0, 0]);
    const s = m.vmmStats();
    expect([s.hc_set_reg, s.hc_get_reg, s.hypercalls, s.hc_errors, s.trap_mcr]).toEqual([1, 1, 2, 0, 0]);
    expect(s.asid_allocs).toBe(a0); // call 32's counter is its own (vmm/stats.ts S_HC_HI_BASE)
  });
  it("FPEXC: EPERM until the guest's CPACR gives cp10/cp11 full access, then EN is set and cleared and VFP instructions follow it; other bits are dropped", () => {
    const m = machine("para");
    expect(call(m, HVC_SET, 11, 0x40000000)).toEqual([-4, 0x40000000]);     // CPACR: no access
    expect(call(m, HVC_GET, 11)).toEqual([0, -4]);
    m.setCp15({ CPACR: 0x00f00000 });
    expect(call(m, HVC_SET, 11, 0xc0000000 | 0)).toEqual([0, 0xc0000000 | 0]); // EX (bit 31) is dropped
    expect(call(m, HVC_GET, 11)).toEqual([0x40000000, 0]);
    put(m, CODE + 0x40, [0xee000a10 /* vmov s0, r0 */, 0xee104a10 /* vmov r4, s0 */, 0xeafffffe]);
    m.setReg(0, 0x3f800000); m.pc = CODE + 0x40; m.run({ maxInsns: 2 });
    expect(m.reg(4) >>> 0).toBe(0x3f800000);                                  // enabled: runs
    expect(call(m, HVC_SET, 11, 0)).toEqual([0, 0]);
    expect(call(m, HVC_GET, 11)).toEqual([0, 0]);
    const undef0 = m.vmmStats().exc_undef;
    m.setCp15({ VBAR: VEC });
    put(m, VEC + 4, [0xeafffffe]);
    m.pc = CODE + 0x40; m.run({ maxInsns: 1 });
    expect(m.vmmStats().exc_undef).toBe(undef0 + 1);                          // disabled: UNDEFINED, reflected
    expect(m.pc >>> 0).toBe(VEC + 4);
    const s = m.vmmStats();
    expect([s.hc_set_reg, s.hc_get_reg, s.hc_errors, s.trap_vfp]).toEqual([3, 3, 2, 0]);
  });
  it("other ids are EINVAL for HC_SET_REG (the registers with calls of their own are not writable here) and for HC_GET_REG past 13; from virtual User mode the call is UNDEFINED", () => {
    const m = machine("para");
    const sctlr = m.getCp15("SCTLR"), ttbr0 = m.getCp15("TTBR0");
    for (const id of [0, 5, 8, 10, 14, 0xffffffff]) expect(call(m, HVC_SET, id, 0x1234)[0]).toBe(-2);
    expect(m.getCp15("SCTLR")).toBe(sctlr);
    expect(m.getCp15("TTBR0")).toBe(ttbr0);
    expect(call(m, HVC_GET, 14)).toEqual([0, -2]);
    expect(m.vmmStats().hc_errors).toBe(7);
    const u = machine("para");
    put(u, CODE, [0xe1a00004 /* mov r0, r4 */, 0xe140007c /* hvc #12 (HC_SHARED_PAGE) */, 0xe3a0000c /* mov r0, #12 */,
      0xe36ff010 /* msr spsr_cxsf, #0x10 */, 0xe28fe000 /* adr lr, user */, 0xe1b0f00e /* movs pc, lr */, HVC_SET, 0xeafffffe]);
    u.setCp15({ VBAR: VEC });
    put(u, VEC + 4, [0xeafffffe]);
    u.setReg(4, 0x80006000); u.setReg(1, 0x9999);
    u.pc = CODE; u.run({ maxInsns: 8 });
    expect(u.pc >>> 0).toBe(VEC + 4);
    expect(u.getCp15("TPIDRURO") >>> 0).not.toBe(0x9999);
    expect([u.vmmStats().hc_set_reg, u.vmmStats().exc_undef]).toEqual([0, 1]);
  });
});

describe("VMM para mode: CPACR through HC_SET_REG / HC_GET_REG (ABI 1.6)", () => {
  const HVC_GET = 0xe1400173, HVC_SET = 0xe1400270; // hvc #19, hvc #32
  it("id 13 writes the virtual CPACR as MCR CPACR does (cp10/cp11 only), the real CPACR gives User mode the access the guest gave its kernel, and reads it back", () => {
    const m = machine("para");
    put(m, CODE, [
      HVC_SET,    // (r0 = 13, r1 = value)
      0xe1a04000, // mov r4, r0
      0xe3a0000d, // mov r0, #13
      HVC_GET,
      0xe1a05000, // mov r5, r0
      0xe1a06001, // mov r6, r1
      0xeafffffe,
    ]);
    m.setReg(0, 13); m.setReg(1, 0x00f0000f);   // cp10, cp11 full access; cp0/cp1 (none in vm7) dropped
    m.pc = CODE; m.run({ maxInsns: 6 });
    expect([m.reg(4) | 0, m.reg(5) >>> 0, m.reg(6) | 0]).toEqual([0, 0x00f00000, 0]);
    expect(m.getCp15("CPACR") >>> 0).toBe(0x00f00000);
    expect(m.realCp15("CPACR") >>> 0).toBe(0x00f00000); // the deprivileged kernel runs its VFP instructions
    const s = m.vmmStats();
    expect([s.hc_set_reg, s.hc_get_reg, s.hc_errors, s.trap_mcr, s.trap_mrc]).toEqual([1, 1, 0, 0, 0]);
  });
});

describe("VMM para mode: the shared page's identification block (ABI 1.6)", () => {
  it("holds, from registration, what a privileged MRC of CP15 c0 returns natively, and the Cortex-A8's FPSID, MVFR0/1 and L1 CCSIDRs", () => {
    // natively: MRC p15, 0, r0, c0, cCRm, op2 for crm 0-2, op2 0-7, stored in a row at r1
    const n = machine("native");
    const mrcs: number[] = [];
    for (let crm = 0; crm < 3; crm++) for (let op2 = 0; op2 < 8; op2++) mrcs.push((0xee100f10 | crm | (op2 << 5)) >>> 0, 0xe4810004 /* str r0, [r1], #4 */);
    put(n, CODE, [...mrcs, 0xeafffffe]);
    n.setReg(1, 0x80100000); n.pc = CODE; n.run({ maxInsns: 48 });
    const native = Array.from({ length: 24 }, (_, k) => n.physRead32(0x80100000 + 4 * k) >>> 0);
    expect(native[0]).toBe(0x413fc082);       // MIDR: Cortex-A8 r3p2, the DM3730's (Cortex-A8 TRM DDI 0344K, 3.2.4)

    const m = machine("para");
    const SH = 0x80006000;
    put(m, CODE, [0xe1a00004 /* mov r0, r4 */, 0xe140007c /* hvc #12 (HC_SHARED_PAGE) */, 0xeafffffe]);
    for (let k = 0; k < 64; k++) m.physWrite32(SH + 4 * k, 0xdeadbeef);
    m.setReg(4, SH); m.pc = CODE; m.run({ maxInsns: 2 });
    expect(Array.from({ length: 24 }, (_, k) => m.physRead32(SH + 64 + 4 * k) >>> 0)).toEqual(native);
    // FPSID, MVFR0, MVFR1 (Cortex-A8 TRM 13.4: VFPv3 with 32 double registers, no traps, short vectors),
    // CCSIDR of the 32 KiB L1 data and instruction caches (TRM 3.2.21: 4-way, 128 sets of 64 bytes)
    expect([160, 164, 168, 172, 176].map((o) => m.physRead32(SH + o) >>> 0)).toEqual(
      [0x410330c0, 0x11110222, 0x00000011, 0xe00fe01a, 0x200fe01a]);
    expect([m.physRead32(SH + 40), m.physRead32(SH + 44)]).toEqual([0, 0]); // und_insn, und_size cleared
    expect(m.physRead32(SH + 180) >>> 0).toBe(0xdeadbeef);                  // the VMM's words end there
    expect(m.vmmStats().trap_mrc).toBe(0);
  });
});

describe("VMM para mode: the instruction of an Undefined Instruction exception from User mode in the shared page (ABI 1.6)", () => {
  // Linux's __und_usr loads it instead of LDRT/LDRHT (trapped: an unprivileged load of the kernel's)
  const SH = 0x80006000, FRAME = 0x80200000, UCODE = CODE + 0x100;
  function run(cpsr: number, ucode: number[]): Machine {
    const m = machine("para");
    put(m, CODE, [
      0xe1a00004, // mov r0, r4
      0xe140007c, // hvc #12 (HC_SHARED_PAGE)
      0xe1a00005, // mov r0, r5   frame
      0xe3a01000, // mov r1, #0
      0xe3a02055, // mov r2, #0x55
      0xe140017c, // hvc #28 (HC_RET_USER)
      0xeafffffe,
    ]);
    const regs = Array.from({ length: 13 }, () => 0);
    regs[4] = SH;
    put(m, FRAME, [...regs, 0x80300000, 0, UCODE, cpsr, 0]);
    put(m, UCODE, ucode);
    // the Undefined Instruction vector: what para Linux's __und_usr loads
    put(m, VEC + 4, [0xe5948028 /* ldr r8, [r4, #40] */, 0xe594902c /* ldr r9, [r4, #44] */, 0xeafffffe]);
    m.setCp15({ VBAR: VEC, CPACR: 0 });           // no VFP access: a VFP instruction is UNDEFINED
    m.setReg(4, SH); m.setReg(5, FRAME);
    m.pc = CODE;
    m.run({ maxInsns: 12 });
    expect(m.pc >>> 0).toBe(VEC + 12);
    expect(m.cpsr & 0x1f).toBe(0x1b);
    const s = m.vmmStats();
    expect([s.exc_undef, s.trap_ldst_user, s.traps - s.shadow_faults]).toEqual([1, 0, 1]);
    return m;
  }
  it("an A32 VFP instruction (Linux's lazy VFP switch): the word, size 4", () => {
    const m = run(0x10, [0xee300a81 /* vadd.f32 s0, s1, s2 */, 0xeafffffe]);
    expect([m.reg(8) >>> 0, m.reg(9)]).toEqual([0xee300a81, 4]);
    expect(m.reg(14) >>> 0).toBe(UCODE + 4);
  });
  it("a 32-bit Thumb VFP instruction: first halfword << 16 | second, size 4, as __und_usr builds it", () => {
    const m = run(0x30, [0x0a81ee30 /* vadd.f32 s0, s1, s2 (T32: ee30 0a81) */, 0xe7fee7fe]);
    expect([m.reg(8) >>> 0, m.reg(9)]).toEqual([0xee300a81, 4]);
    expect(m.reg(14) >>> 0).toBe(UCODE + 2);      // Thumb: the exception's lr is the instruction + 2
  });
  it("a 32-bit Thumb UDF.W and a 16-bit Thumb UDF: the halfwords as fetched, sizes 4 and 2", () => {
    let m = run(0x30, [0xa000f7f0 /* udf.w #0 (T32: f7f0 a000) */, 0xe7fee7fe]);
    expect([m.reg(8) >>> 0, m.reg(9)]).toEqual([0xf7f0a000, 4]);
    m = run(0x30, [0xe7fede00 /* udf #0 (T16 de00); b . */]);
    expect([m.reg(8) >>> 0, m.reg(9)]).toEqual([0xde00, 2]);
  });
  it("an UNDEFINED instruction from a virtual privileged mode leaves the words alone (the kernel reads its own code)", () => {
    const m = machine("para");
    put(m, CODE, [0xe1a00004 /* mov r0, r4 */, 0xe140007c /* hvc #12 */, 0xe7f000f0 /* udf #0 */, 0xeafffffe]);
    put(m, VEC + 4, [0xeafffffe]);
    m.setCp15({ VBAR: VEC });
    m.setReg(4, SH); m.pc = CODE; m.run({ maxInsns: 4 });
    expect(m.pc >>> 0).toBe(VEC + 4);
    expect([m.physRead32(SH + 40), m.physRead32(SH + 44)]).toEqual([0, 0]);
  });
});

describe("VMM para mode: HC_ICACHE_SYNC verifies the decoded pages instead of dropping them", () => {
  it("a guest rewrites an instruction, calls HC_ICACHE_SYNC and runs the new one; the pages it runs are checked and kept", () => {
    const m = machine("para");
    const SUB1 = 0x80020000, SUB2 = 0x80030000;
    put(m, SUB1, [0xe3a00001 /* mov r0, #1 */, 0xe12fff1e /* bx lr */]);
    put(m, SUB2, [0xe3a01007 /* mov r1, #7 */, 0xe12fff1e /* bx lr */]);
    put(m, CODE, [
      0xe12fff38, // blx r8                SUB1: r0 = 1 (its page is decoded)
      0xe1a04000, // mov r4, r0
      0xe12fff39, // blx r9                SUB2 (another decoded page)
      0xe5883000, // str r3, [r8]          SUB1's first instruction := mov r0, #2
      0xe140007b, // hvc #11               HC_ICACHE_SYNC
      0xe12fff38, // blx r8
      0xe12fff39, // blx r9
      0xe1a05000, // mov r5, r0
      0xeafffffe,
    ]);
    m.pc = CODE;
    m.setReg(3, 0xe3a00002); m.setReg(8, SUB1); m.setReg(9, SUB2);
    const before = m.icacheStats();
    m.run({ maxInsns: 16 });
    expect(m.pc >>> 0).toBe(CODE + 32);
    expect([m.reg(4), m.reg(5), m.reg(1)]).toEqual([1, 2, 7]);
    const after = m.icacheStats();
    // CODE, SUB1 and SUB2 are each checked once after the call and kept: the guest's store went
    // through the code-page write path, which keeps the decode cache (and its copy) current.
    expect(after.kept - before.kept).toBe(3);
    expect(after.changed - before.changed).toBe(0);
    expect(m.vmmStats().hc_icache_sync).toBe(1);
  });
});

describe("VMM robustness", () => {
  it("survives random garbage rich in sensitive instructions and hypercalls, with random tables: every run ends cleanly", async () => {
    let seed = 777;
    const rnd = () => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed; };
    // Templates of the trapped rows with random operand fields (cond AL).
    const sensitive = [
      () => 0xee000f10 | (rnd() & 0x00ef00ef),           // MCR p15 (random CRn/op1/CRm/op2/Rt)
      () => 0xee100f10 | (rnd() & 0x00ef00ef),           // MRC p15
      () => 0xe10f0000 | (rnd() & 0x0040f000),           // MRS
      () => 0xe120f000 | (rnd() & 0x004f000f),           // MSR (register)
      () => 0xe320f000 | (rnd() & 0x004f0fff),           // MSR (immediate) / hints
      () => 0xf1000000 | (rnd() & 0x000e01df),           // CPS
      () => 0xf84d0500 | (rnd() & 0x01a0001f),           // SRS
      () => 0xf8100a00 | (rnd() & 0x01af0000),           // RFE
      () => 0xe8400000 | (rnd() & 0x01bfffff),           // LDM/STM ^
      () => 0xe05ff000 | (rnd() & 0x01e00fff),           // data-processing S to PC
      () => 0xe1400070 | (rnd() & 0x000fff0f),           // HVC
    ];
    for (let trial = 0; trial < 40; trial++) {
      await breathe();
      const m = Machine.createSync({ ramMiB: 32, mode: trial & 1 ? "para" : "full" });
      const ram = new Uint8Array(1 << 20);
      const dv = new DataView(ram.buffer);
      for (let i = 0; i < ram.length; i += 4) dv.setUint32(i, rnd() % 3 !== 0 ? sensitive[rnd() % sensitive.length]() >>> 0 : rnd(), true);
      m.writeRam(0x80000000, ram);
      m.setCp15({ VBAR: 0x80000000 + (rnd() & 0xfffe0) });
      if (trial % 3 !== 0) {
        // MMU on: an L1 table of garbage, but with the garbage MiB mapped (random AP, domain 0) so the
        // guest runs far enough to reach its tables, the VMM's fills and its own aborts.
        const L1 = 0x80100000;
        for (let i = 0; i < 4096; i++) m.physWrite32(L1 + 4 * i, rnd() % 4 === 0 ? rnd() : 0);
        m.physWrite32(L1 + 0x800 * 4, 0x80000002 | ((rnd() % 3 + 1) << 10));
        m.setCp15({ TTBR0: L1, TTBR1: L1, TTBCR: rnd() % 3, DACR: 0x55555555 | (rnd() & 0xaaaaaaa8), SCTLR: m.getCp15("SCTLR") | 1 });
      }
      m.pc = 0x80000000 + (rnd() & 0xffffc);
      m.cpsr = [0x10, 0x13, 0x1f, 0x1b][(trial >> 1) & 3] | 0xc0;
      let r;
      expect(() => { r = m.run({ maxInsns: 20_000 }); }).not.toThrow();
      expect(["budget", "fatal", "idle", "exit", "bkpt", "input"]).toContain(r!.reason);
      expect(m.realCpsr & 0x1f).toBe(0x10);     // the real CPU never left User mode
      expect(m.dumpRegs()).toMatch(/vmm: (full|para) mode/);
    }
  }, 60_000);
});

describe("the tiny kernel under the VMM", () => {
  const kernel = join(root, "fixtures/kernel/kernel.elf");
  const para = join(root, "fixtures/kernel/kernel-para.elf");
  function selftest(mode: VmMode, image: string) {
    const m = Machine.createSync({ mode, cmdline: "kernel" });
    m.loadElf(new Uint8Array(readFileSync(image)), image);
    const r = m.run({ maxInsns: 3e8 });
    return { r, out: m.output, stats: m.vmmStats() };
  }

  it("prints the same self-test output natively, in full mode and (its para build) in para mode", () => {
    const n = selftest("native", kernel);
    const f = selftest("full", kernel);
    const p = selftest("para", para);
    expect(n.r.exitCode).toBe(0);
    expect(n.out).toMatch(/kernel selftest: \d+ passed, 0 failed/);
    expect(f.out).toBe(n.out);
    expect(p.out).toBe(n.out);
    expect([f.r.reason, f.r.exitCode, p.r.reason, p.r.exitCode]).toEqual(["exit", 0, "exit", 0]);
    expect(Object.values(n.stats).every((v) => v === 0)).toBe(true);
    // full: the kernel's privileged instructions trapped; its shadows were reused across switches
    expect(f.stats.trap_srs).toBeGreaterThan(1000);
    expect(f.stats.trap_mcr).toBeGreaterThan(100);
    expect(f.stats.shadow_fills).toBeGreaterThan(1000);
    expect(f.stats.shadow_reuses).toBeGreaterThan(0);
    expect(f.stats.virq_injected).toBeGreaterThan(0);
    expect(f.stats.hypercalls).toBe(0);
    // para: no sensitive instruction trapped, hypercalls instead
    for (const k of ["trap_mrs", "trap_msr", "trap_cps", "trap_srs", "trap_rfe", "trap_mcr", "trap_mrc"]) expect(p.stats[k], k).toBe(0);
    expect(p.stats.hc_exc_enter).toBeGreaterThan(1000);
    expect(p.stats.hc_switch_mm).toBeGreaterThan(0);
    expect(p.stats.shadow_reuses).toBeGreaterThan(0);
    expect(p.stats.hc_errors).toBe(0);
  }, 60_000);

  it("charges the VMM's work to virtual time through the cost model (configurable)", () => {
    const run = (cost?: Record<string, number>) => {
      const m = Machine.createSync({ mode: "full", cmdline: "kernel", vmmCost: cost });
      m.loadElf(new Uint8Array(readFileSync(kernel)), kernel);
      m.writeRam(0x80007f00, new TextEncoder().encode("BOOTbench quick lat_syscall_null\0"));
      m.run({ maxInsns: 3e8 });
      return { us: Number(/BENCH lat_syscall_null (\S+)/.exec(m.output)?.[1]), stats: m.vmmStats(), costs: m.vmmCosts() };
    };
    const def = run();
    const zero = run({ trap: 0, emulate: 0, fill: 0, hypercall: 0, world_switch: 0, virq: 0, reflect: 0, flush: 0, ptwrite: 0 });
    expect(def.costs.trap).toBeGreaterThan(0);
    expect(zero.stats.vmm_cycles).toBe(0);
    expect(def.stats.vmm_cycles).toBeGreaterThan(0);
    expect(def.us).toBeGreaterThan(zero.us * 2);
    expect(() => Machine.createSync({ mode: "full", vmmCost: { bogus: 1 } })).toThrow(/unknown VMM cost 'bogus'/);
  }, 60_000);

  it("vm7 run --mode full --stats prints the counters on stderr", async () => {
    const r = await vm7(["run", "--mode", "full", "--stats", "--vmm-cost", "trap=100", kernel], { timeoutMs: 60_000 });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/kernel selftest: \d+ passed, 0 failed/);
    expect(r.stderr).toMatch(/vmm stats \(full mode\)/);
    expect(r.stderr).toMatch(/^\s+shadow_reuses\s+[1-9]\d*$/m);
    expect(r.stderr).toMatch(/^\s+trap_srs\s+[1-9]\d*$/m);
    const bad = await vm7(["run", "--mode", "full", "--ram", "16", kernel]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/full mode needs at least 32 MiB/);
    const cost = await vm7(["run", "--mode", "full", "--vmm-cost", "bogus=1", kernel]);
    expect(cost.status).toBe(2);
    expect(cost.stderr).toMatch(/unknown VMM cost 'bogus' \(known: trap, emulate, fill/);
  }, 60_000);
});
