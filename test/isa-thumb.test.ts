// Thumb and Thumb-2 execution (assembly/decode/t16.decode, t32.decode, assembly/isa/thumb.ts, t32.ts,
// the Thumb loop in assembly/cpu/run.ts): hand-assembled sequences for the state machinery (R15 reads,
// IT blocks across exceptions, UNDEF return address, page-crossing instructions, interworking), and
// Thumb-2 programs (test/fixtures/thumb, built by its build.sh) whose output must match the goldens
// recorded with qemu-arm -cpu cortex-a8, and a live qemu-arm run where it is installed.
// Encodings come from arm-none-eabi-as -mthumb -mcpu=cortex-a8 + objdump.
import { describe, it, expect } from "vitest";
import { spawnSync } from "node:child_process";
import { run } from "./helpers/run.js";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Machine } from "../src/machine/machine.js";
import { matchThumb } from "../src/disasm/thumb.js";
import { traceLine } from "../src/disasm/trace.js";

const CODE = 0x80008000;
const VEC = 0x80000000;
const T = 0x20;
const MODE_UND = 0x1b, MODE_SVC = 0x13, MODE_ABT = 0x17;

// Halfwords in program order (a 32-bit instruction is written as its two halfwords, first first).
function putT(m: Machine, addr: number, hws: number[]): void {
  const b = new Uint8Array(hws.length * 2);
  hws.forEach((h, k) => { b[2 * k] = h & 0xff; b[2 * k + 1] = (h >>> 8) & 0xff; });
  for (let k = 0; k < b.length; k++) {
    const a = addr + k, w = a & ~3;
    const old = m.physRead32(w);
    const sh = (a & 3) * 8;
    m.physWrite32(w, ((old & ~(0xff << sh)) | (b[k] << sh)) >>> 0);
  }
}
const putA = (m: Machine, addr: number, ws: number[]) => ws.forEach((w, k) => m.physWrite32(addr + 4 * k, w >>> 0));

// A machine in SVC mode, Thumb state, at CODE, with vectors (ARM) at VEC.
function thumbMachine(): Machine {
  const m = Machine.createSync({ ramMiB: 16 });
  m.setCp15({ VBAR: VEC });
  m.cpsr = 0x1d3 | T;
  m.pc = CODE;
  return m;
}
const mode = (m: Machine) => m.cpsr & 0x1f;
const itBits = (psr: number) => ((psr >>> 8) & 0xfc) | ((psr >>> 25) & 3);

describe("Thumb state machinery", () => {
  it("16-bit UDF: UNDEF with LR = address + 2, SPSR.T set", () => {
    const m = thumbMachine();
    putT(m, CODE, [0xde00]);
    m.run({ maxInsns: 1 });
    expect(mode(m)).toBe(MODE_UND);
    expect(m.pc).toBe(VEC + 4);
    expect(m.cpsr & T).toBe(0);
    expect(m.reg(14)).toBe(CODE + 2);
    expect(m.spsr(MODE_UND) & T).toBe(T);
  });

  it("32-bit UDF and SDIV (absent on Cortex-A8): UNDEF with LR = address + 2 (not + 4)", () => {
    for (const ins of [[0xf7f0, 0xa000], [0xfb90, 0xf0f1]]) {
      const m = thumbMachine();
      putT(m, CODE, [0xbf00, ...ins]); // nop; <ins>
      m.run({ maxInsns: 2 });
      expect(mode(m)).toBe(MODE_UND);
      expect(m.reg(14)).toBe(CODE + 2 + 2);
    }
  });

  it("R15 reads as the address + 4; ADR uses Align(PC, 4)", () => {
    const m = thumbMachine();
    // 0: nop ; 2: mov r0, pc ; 4: subw r1, pc, #0 (adr r1, .) ; 8: mov r2, pc
    putT(m, CODE, [0xbf00, 0x4678, 0xf2af, 0x0100, 0x467a]);
    m.run({ maxInsns: 4 });
    expect(m.reg(0)).toBe(CODE + 2 + 4);
    expect(m.reg(1)).toBe(CODE + 8);
    expect(m.reg(2)).toBe(CODE + 8 + 4);
    expect(m.pc).toBe(CODE + 10);
  });

  it("IT: ITSTATE shows in the CPSR, advances per instruction and ends after the block", () => {
    const m = thumbMachine();
    // cmp r0, r0 ; itete eq ; moveq r1,#1 ; movne r2,#2 ; moveq r3,#3 ; movne r4,#4 ; movs r5,#0
    putT(m, CODE, [0x4280, 0xbf0b, 0x2101, 0x2202, 0x2303, 0x2404, 0x2500]);
    m.setReg(1, 0xaa); m.setReg(3, 0xcc);
    m.run({ maxInsns: 2 });
    expect(itBits(m.cpsr)).toBe(0x0b);
    m.run({ maxInsns: 1 });
    expect(itBits(m.cpsr)).toBe(0x16);
    m.run({ maxInsns: 3 });
    expect(itBits(m.cpsr)).toBe(0);
    // ITETE EQ with Z = 1: the 1st and 3rd instructions execute, the 2nd and 4th do not
    expect([m.reg(1), m.reg(2), m.reg(3), m.reg(4)]).toEqual([1, 0, 3, 0]);
    m.run({ maxInsns: 1 });
    expect(m.cpsr >>> 30 & 1).toBe(1); // movs outside the block sets Z
  });

  it("16-bit flag-setting forms set flags outside IT blocks only", () => {
    const m = thumbMachine();
    // movs r0,#0 (Z=1) ; it eq ; addeq r1, r1, r2 (16-bit ADDS encoding: no flags inside) ; adds r3, r1, r2
    putT(m, CODE, [0x2000, 0xbf08, 0x1889, 0x188b]);
    m.setReg(1, 0xffffffff); m.setReg(2, 2);
    m.run({ maxInsns: 3 });
    expect(m.reg(1)).toBe(1);
    expect(m.cpsr >>> 28).toBe(0x4); // Z still set, C not set by the add inside the block
    m.run({ maxInsns: 1 });
    expect(m.reg(3)).toBe(3);
    expect(m.cpsr >>> 28).toBe(0x0);
  });

  it("SVC inside an IT block saves the advanced ITSTATE; MOVS PC, LR returns into the block", () => {
    const m = thumbMachine();
    // cmp r0,r0 ; itete eq ; svceq #1 ; movne r1,#1 ; moveq r2,#2 ; movne r3,#3 ; b .
    putT(m, CODE, [0x4280, 0xbf0b, 0xdf01, 0x2101, 0x2202, 0x2303, 0xe7fe]);
    putA(m, VEC + 8, [0xe3a05005 /* mov r5, #5 */, 0xe1b0f00e /* movs pc, lr */]);
    m.run({ maxInsns: 3 });
    expect(mode(m)).toBe(MODE_SVC);
    expect(m.reg(14)).toBe(CODE + 6);
    expect(itBits(m.spsr(MODE_SVC))).toBe(0x16); // after the SVC: (ne, eq, ne) remain
    expect(itBits(m.cpsr)).toBe(0);
    m.run({ maxInsns: 6 });
    expect(m.reg(5)).toBe(5);
    expect([m.reg(1), m.reg(2), m.reg(3)]).toEqual([0, 2, 0]);
    expect(m.pc).toBe(CODE + 12);
    expect(m.cpsr & T).toBe(T);
  });

  it("a data abort inside an IT block re-executes the instruction with its ITSTATE (SUBS PC, LR, #8)", () => {
    const m = thumbMachine();
    // cmp r0,r0 ; ittet eq ; ldreq r1,[r6] ; addeq r2,r1,#1 ; addne r3,#1 ; addeq r4,#1 ; b .
    putT(m, CODE, [0x4280, 0xbf05, 0x6831, 0x1c4a, 0x3301, 0x3401, 0xe7fe]);
    // abort handler: mov r6, r7 ; subs pc, lr, #8
    putA(m, VEC + 0x10, [0xe1a06007, 0xe25ef008]);
    m.physWrite32(0x80010000, 41);
    m.setReg(6, 0x00004000); // nothing there: external abort
    m.setReg(7, 0x80010000);
    m.run({ maxInsns: 3 });
    expect(mode(m)).toBe(MODE_ABT);
    expect(m.reg(14)).toBe(CODE + 4 + 8);
    expect(itBits(m.spsr(MODE_ABT))).toBe(0x05); // the faulting instruction's own ITSTATE
    m.run({ maxInsns: 2 + 4 });
    expect(m.reg(1)).toBe(41);
    expect(m.reg(2)).toBe(42);
    expect(m.reg(3)).toBe(0);
    expect(m.reg(4)).toBe(1);
    expect(m.pc).toBe(CODE + 12);
  });

  it("an IRQ between instructions of an IT block: SPSR keeps ITSTATE, SUBS PC, LR, #4 resumes the block", () => {
    const m = thumbMachine();
    const MODE_IRQ = 0x12;
    // cmp r0,r0 ; itete eq ; moveq r1,#1 ; movne r2,#2 ; moveq r3,#3 ; movne r4,#4 ; b .
    putT(m, CODE, [0x4280, 0xbf0b, 0x2101, 0x2202, 0x2303, 0x2404, 0xe7fe]);
    putA(m, VEC + 0x18, [0xe3a0c000 /* mov r12, #0 */, 0xe25ef004 /* subs pc, lr, #4 */]);
    m.run({ maxInsns: 3 });
    m.cpsr = (m.cpsr & ~0x80) >>> 0; // unmask IRQ (ITSTATE kept)
    m.physWrite32(0x48200088, 1 << 5); // INTC MIR_CLEAR0: line 5 unmasked
    m.physWrite32(0x48200090, 1 << 5); // ISR_SET0: raise it
    m.run({ maxInsns: 1 });
    expect(mode(m)).toBe(MODE_IRQ);
    expect(m.banked(MODE_IRQ, 14)).toBe(CODE + 6 + 4);
    expect(itBits(m.spsr(MODE_IRQ))).toBe(0x16);
    m.physWrite32(0x48200094, 1 << 5); // ISR_CLEAR0
    m.run({ maxInsns: 5 });
    expect([m.reg(1), m.reg(2), m.reg(3), m.reg(4)]).toEqual([1, 0, 3, 0]);
    expect(m.pc).toBe(CODE + 12);
    expect(m.cpsr & T).toBe(T);
  });

  it("Thumb exception handlers (SCTLR.TE): T32 SUBS PC, LR, #0 returns into the IT block", () => {
    const m = thumbMachine();
    m.setCp15({ SCTLR: (m.getCp15("SCTLR") | (1 << 30)) >>> 0 });
    putT(m, CODE, [0x4280, 0xbf0b, 0xdf01, 0x2101, 0x2202, 0x2303, 0xe7fe]);
    putT(m, VEC + 8, [0x2505 /* movs r5, #5 */, 0xf3de, 0x8f00 /* subs pc, lr, #0 */]);
    m.run({ maxInsns: 3 });
    expect(m.cpsr & T).toBe(T); // TE: handlers run in Thumb state
    m.run({ maxInsns: 6 });
    expect(m.reg(5)).toBe(5);
    expect([m.reg(1), m.reg(2), m.reg(3)]).toEqual([0, 2, 0]);
    expect(m.pc).toBe(CODE + 12);
  });

  it("a 32-bit instruction crossing a page boundary executes, and is refetched after a change", () => {
    const m = thumbMachine();
    const at = 0x80008ffe;
    // movw r0, #0x1234 straddles the page ; b .
    putT(m, at, [0xf241, 0x2034, 0xe7fe]);
    m.pc = at;
    m.run({ maxInsns: 2 });
    expect(m.reg(0)).toBe(0x1234);
    putT(m, at + 2, [0x2035]); // second halfword: movw r0, #0x1235
    m.pc = at;
    m.run({ maxInsns: 1 });
    expect(m.reg(0)).toBe(0x1235);
  });

  it("a 32-bit instruction whose second halfword is on an unmapped page: prefetch abort, IFAR = that halfword", () => {
    const m = thumbMachine();
    const L1 = 0x80200000;
    for (let i = 0; i < 4096; i++) m.physWrite32(L1 + 4 * i, 0);
    m.physWrite32(L1 + (0x800 << 2), 0x80000c02); // VA 0x80000000 (1 MiB section) -> PA, AP = 3
    const at = 0x800ffffe;                          // the next MiB (0x80100000) is unmapped
    putT(m, at, [0xf241]);                          // first half of movw r0, #0x1234
    m.setCp15({ TTBR0: L1, DACR: 0x55555555, SCTLR: (m.getCp15("SCTLR") | 1) >>> 0 });
    m.pc = at;
    m.run({ maxInsns: 1 });
    expect(mode(m)).toBe(MODE_ABT);
    expect(m.pc).toBe(VEC + 0x0c + 4);
    expect(m.reg(14)).toBe(at + 4);
    expect(m.getCp15("IFAR")).toBe(0x80100000);
    expect(m.getCp15("IFSR") & 0x40f).toBe(0x5); // section translation fault
  });

  it("BLX (register) to ARM sets LR = next | 1; BX LR returns to Thumb", () => {
    const m = thumbMachine();
    // Thumb at CODE: ldr r3, =ARM (even) ; blx r3 ; adds r0, #1 ; b .
    const ARM = CODE + 0x100;
    putT(m, CODE, [0x4b01, 0x4798, 0x3001, 0xe7fe, 0x0000, 0x0000]);
    m.physWrite32(CODE + 8, ARM);
    // ARM: add r0, r0, #1 ; bx lr
    putA(m, ARM, [0xe2800001, 0xe12fff1e]);
    m.run({ maxInsns: 3 });
    expect(m.cpsr & T).toBe(0);
    expect(m.pc).toBe(ARM + 4);
    expect(m.reg(14)).toBe(((CODE + 4) | 1) >>> 0);
    m.run({ maxInsns: 3 });
    expect(m.cpsr & T).toBe(T);
    expect(m.reg(0)).toBe(2);
    expect(m.pc).toBe(CODE + 6);
  });

  it("LDM (T16) writes back unless the base is in the list; CPSID/MRS/MSR in Thumb", () => {
    const m = thumbMachine();
    // ldmia r0, {r0, r1} ; ldmia r2!, {r3, r4} ; cpsid i ; mrs r5, cpsr ; msr cpsr_c, r6
    putT(m, CODE, [0xc803, 0xca18, 0xb672, 0xf3ef, 0x8500, 0xf386, 0x8100]);
    putA(m, 0x80010000, [11, 22, 33, 44]);
    m.setReg(0, 0x80010000); m.setReg(2, 0x80010008);
    m.cpsr = 0x153 | T; // I clear
    m.setReg(6, 0x1d7 | T);
    m.run({ maxInsns: 4 });
    expect([m.reg(0), m.reg(1), m.reg(2), m.reg(3), m.reg(4)]).toEqual([11, 22, 0x80010010, 33, 44]);
    expect(m.cpsr & 0x80).toBe(0x80);
    expect(m.reg(5) & 0x1ff).toBe(0x1d3); // MRS: mode and masks; T reads as zero
    m.run({ maxInsns: 1 });
    expect(mode(m)).toBe(MODE_ABT);
    expect(m.cpsr & T).toBe(T);  // MSR cannot change the execution state
  });

  it("system instructions in Thumb: SRS/RFE, MCR/MRC, LDRT, MRS/MSR SPSR, CPS with a mode, BKPT", () => {
    const m = thumbMachine();
    const SP = 0x80020000, BACK = CODE + 0x20;
    // srsdb sp!, #0x13 ; rfeia sp! (returns to BACK with the SPSR)
    putT(m, CODE, [0xe82d, 0xc013, 0xe9bd, 0xc000]);
    // BACK: mcr p15,0,r1,c13,c0,3 ; mrc p15,0,r0,c13,c0,3 ; ldrt r2,[r3,#4] ; mrs r4, spsr ;
    //       msr spsr_fsxc, r5 ; cpsid if, #31 ; bkpt #1
    putT(m, BACK, [0xee0d, 0x1f70, 0xee1d, 0x0f70, 0xf853, 0x2e04, 0xf3ff, 0x8400, 0xf395, 0x8f00,
      0xf3af, 0x877f, 0xbe01]);
    m.setReg(13, SP); m.setReg(14, BACK);
    m.setSpsr(MODE_SVC, 0x80000153 | T);
    m.setReg(1, 0xcafef00d); m.setReg(3, 0x80010000); m.setReg(5, 0x600001d3);
    m.physWrite32(0x80010004, 0x5a5a1234);
    m.run({ maxInsns: 2 });
    expect(m.physRead32(SP - 8)).toBe(BACK);
    expect(m.pc).toBe(BACK);
    expect(m.reg(13)).toBe(SP);
    expect(m.cpsr).toBe((0x80000153 | T) >>> 0);
    m.run({ maxInsns: 5 });
    expect(m.reg(0)).toBe(0xcafef00d);
    expect(m.reg(2)).toBe(0x5a5a1234);
    expect(m.reg(4)).toBe((0x80000153 | T) >>> 0);
    expect(m.spsr(MODE_SVC)).toBe(0x600001d3);
    m.run({ maxInsns: 1 });
    expect(m.cpsr & 0x1ff).toBe(0x1ff); // System mode, A I F masked, Thumb
    m.run({ maxInsns: 1 });
    expect(mode(m)).toBe(MODE_ABT); // BKPT without a debugger: prefetch abort
    expect(m.reg(14)).toBe(BACK + 24 + 4);
  });
});

// --- programs -------------------------------------------------------------------------------------
const root = join(import.meta.dirname, "..");
const fix = join(root, "test/fixtures/thumb");
const PROGRAMS = ["isa", "random", "intmath", "strings", "jumps", "heap"];
const haveQemu = spawnSync("qemu-arm", ["--version"]).status === 0;

function runVm7(elf: string, name: string) {
  const m = Machine.createSync({ ramMiB: 64, cmdline: `${name} alpha beta` });
  m.endInput();
  m.loadElf(readFileSync(elf), name);
  const r = m.run({ maxInsns: 500_000_000 });
  return { out: m.output, status: r.exitCode, reason: r.reason, message: r.message };
}

describe("Thumb-2 programs match qemu-arm", () => {
  for (const name of PROGRAMS) {
    const elf = join(fix, `${name}.elf`);
    it.skipIf(!existsSync(elf))(`${name}: same output and exit status as the golden`, () => {
      const r = runVm7(elf, name);
      expect(r.reason, r.message).toBe("exit");
      expect(r.out).toBe(readFileSync(join(fix, `${name}.out`), "utf8"));
      expect(r.status).toBe(Number(readFileSync(join(fix, `${name}.status`), "utf8").trim()));
    }, 60_000);
    it.skipIf(!existsSync(elf) || !haveQemu)(`${name}: same as a live qemu-arm run`, async () => {
      const q = await run("qemu-arm", ["-cpu", "cortex-a8", elf, "alpha", "beta"], { timeoutMs: 60_000 });
      const r = runVm7(elf, name);
      expect(r.out).toBe(q.stdout);
      expect(r.status).toBe(q.status);
    }, 60_000);
  }
});

const haveGcc = spawnSync("arm-none-eabi-gcc", ["--version"]).status === 0;
describe.skipIf(!haveGcc)("test/fixtures/thumb", () => {
  it("the committed images are what build.sh makes of their sources", async () => {
    const r = await run("bash", [join(fix, "build.sh"), "--check"], { timeoutMs: 120_000 });
    expect(r.stdout + r.stderr).toContain("images match the sources");
    expect(r.status).toBe(0);
  }, 120_000);
});

// Every Thumb instruction the assembler/compiler put in the fixtures decodes to a real table entry
// (not UNDEFINED), per objdump's view of the code (mapping symbols separate code from data).
const haveObjdump = spawnSync("arm-none-eabi-objdump", ["--version"]).status === 0;
describe.skipIf(!haveObjdump)("decode tables cover the fixtures' Thumb code", () => {
  for (const name of PROGRAMS) {
    const elf = join(fix, `${name}.elf`);
    it.skipIf(!existsSync(elf))(`${name}: no instruction decodes as UNDEFINED`, () => {
      const dis = spawnSync("arm-none-eabi-objdump", ["-d", elf], { encoding: "utf8", maxBuffer: 1 << 28 }).stdout;
      const bad: string[] = [];
      let n = 0;
      for (const line of dis.split("\n")) {
        const mm = /^\s*[0-9a-f]+:\s+([0-9a-f]{4})(?: ([0-9a-f]{4}))?\s+(\S+)/.exec(line);
        if (!mm || /^(udf|\.word|\.short|\.byte)/.test(mm[3])) continue;
        const wide = mm[2] !== undefined;
        const insn = wide ? ((parseInt(mm[1], 16) << 16) | parseInt(mm[2], 16)) >>> 0 : parseInt(mm[1], 16);
        const p = matchThumb(insn, wide);
        n++;
        if (!p || /UNDEF/.test(p.name)) bad.push(line.trim());
      }
      expect(n).toBeGreaterThan(1000);
      expect(bad.slice(0, 20)).toEqual([]);
    });
  }
});

describe("--trace in Thumb state", () => {
  it("shows both halfwords of a 32-bit instruction and the table entry", () => {
    const m = thumbMachine();
    putT(m, CODE, [0xf241, 0x2034, 0x2001]); // movw r0, #0x1234 ; movs r0, #1
    expect(traceLine(m)).toBe("80008000: f241 2034  [T32 MOVW]");
    m.run({ maxInsns: 1 });
    expect(traceLine(m)).toBe("80008004: 2001       [T16 MOV_i]");
  });
});
