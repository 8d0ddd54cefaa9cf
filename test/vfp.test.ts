// VFPv3 against QEMU: test/fixtures/vfp-cases.json holds cases recorded under `qemu-arm -cpu
// cortex-a8` by tools/gen-vfp-cases.mjs (D registers, FPSCR, APSR, r0-r12 before; instruction words
// at their recorded addresses; what QEMU produced). Each case is replayed in User mode with the VFP
// enabled the way an OS would (CPACR cp10/cp11 = full access, FPEXC.EN = 1) and compared in full:
// all 32 D registers, FPSCR, N Z C V Q, r0-r12, the next PC and the data buffer. The access-control
// tests at the end (FPEXC.EN, CPACR, privilege) follow the ARM ARM (B6.1, B4.1.40); QEMU's user mode
// cannot show them. No QEMU is needed to run this file.
import { describe, it, expect, beforeAll } from "vitest";
import { readFileSync } from "node:fs";
import { Machine } from "../src/machine/machine.js";

interface Case {
  asm: string; group: string; addr: string; words: string[]; d: Record<string, string>; fpscr: string; apsr: string;
  regs: string[]; sp: string;
  out: { d: Record<string, string>; fpscr: string; apsr: string; regs: string[]; mem?: string };
}
interface Fixture { data: string; dataInit: string; cases: Case[]; probes: { name: string; words: string[]; outcome: string }[] }

// VFP_CASES=path replays another recording (e.g. a larger sweep: SEED=.. SCALE=.. OUT=.. node tools/gen-vfp-cases.mjs).
const fx: Fixture = JSON.parse(readFileSync(process.env.VFP_CASES ?? new URL("./fixtures/vfp-cases.json", import.meta.url), "utf8"));
const DATA = Number(fx.data);
const USR = 0x10, SVC = 0x13, UND = 0x1b;
const hex = (v: number) => "0x" + (v >>> 0).toString(16).padStart(8, "0");
const hex64 = (v: bigint) => "0x" + v.toString(16).padStart(16, "0");
const FPEXC_EN = 0x40000000;

let m: Machine;
beforeAll(() => { m = Machine.createSync({ ramMiB: 16 }); });

function enableVfp(): void {
  m.setCp15({ CPACR: 0x00f00000 });
  m.fpexc = FPEXC_EN;
}

// T32 encodings of the VFP instructions are 1110 followed by bits 27:0 of the A32 encoding (cond
// AL), stored as two halfwords, first halfword first.
const t32Of = (w: number) => { const t = ((0xe << 28) | (w & 0x0fffffff)) >>> 0; return ((t << 16) | (t >>> 16)) >>> 0; };

function replay(c: Case, thumb = false) {
  m.writeRam(DATA, new Uint8Array(Buffer.from(fx.dataInit, "hex")));
  const addr = Number(c.addr);
  c.words.forEach((w, k) => m.physWrite32(addr + 4 * k, thumb ? t32Of(Number(w)) : Number(w)));
  m.cpsr = 0x1d3;
  enableVfp();
  m.cpsr = (Number(c.apsr) & 0xf8000000) | USR | (thumb ? 0x20 : 0);
  for (let n = 0; n < 32; n++) m.setVfpD(n, BigInt(c.d[n] ?? 0));
  m.fpscr = Number(c.fpscr);
  c.regs.forEach((v, n) => m.setReg(n, Number(v)));
  m.setReg(13, Number(c.sp));
  m.pc = addr;
  m.run({ maxInsns: c.words.length });
  const d: Record<string, string> = {};
  for (let n = 0; n < 32; n++) {
    const v = m.vfpD(n);
    if (v !== BigInt(c.d[n] ?? 0)) d[n] = hex64(v);
  }
  return {
    d, fpscr: hex(m.fpscr), apsr: hex(m.cpsr & 0xf8000000), thumb: (m.cpsr & 0x20) !== 0, regs: Array.from({ length: 13 }, (_, n) => hex(m.reg(n))),
    pc: hex(m.pc), mode: m.cpsr & 0x1f, mem: Buffer.from(m.readRam(DATA, fx.dataInit.length / 2)).toString("hex"),
  };
}

// Deliberate differences from QEMU. Short-vector two-operand double-precision operations (VMOV,
// VNEG, VABS, VSQRT .F64 with FPSCR.Len > 0): QEMU 7.2 writes the second element to the wrong
// register (for "vmov.f64 d8, d4" with Len = 1 it writes D8 = D4 and D5 = D4); the ARM ARM
// (A2.7? VFP vector operations, VFPv3 short vectors) gives D8 = D4, D9 = D5, which vm7 does (checked
// below in "short vectors follow the ARM ARM"). These cases are skipped.
// And single-precision short vectors with FPSCR.Stride = 0b11 (stride 2): QEMU 7.2 steps the
// registers by 4 (delta_d = vec_stride + 1 in do_vfp_3op_sp / do_vfp_2op_sp), the ARM ARM by 2
// ({s1, s3, s5}); vm7 follows the ARM ARM ("stride 2 in single precision" below). Skipped too.
const KNOWN_SKIP = new Set(["short-vector|vmov.f64 d8, d4", "short-vector|vneg.f64 d12, d6"]);
const qemuStrideBug = (c: Case) => c.group === "short-vector" && !/f64/.test(c.asm) && ((Number(c.fpscr) >>> 20) & 3) === 3
  && ((Number(c.fpscr) >>> 16) & 7) !== 0;

const groups = new Map<string, Case[]>();
for (const c of fx.cases) groups.set(c.group, [...(groups.get(c.group) ?? []), c]);

describe("VFPv3 instructions match QEMU (cortex-a8)", () => {
  it("fixture has the expected coverage", () => { expect(fx.cases.length).toBeGreaterThan(2000); });
  for (const [group, cs] of groups) {
    describe(group, () => {
      cs.forEach((c, k) => {
        const known = (KNOWN_SKIP.has(`${c.group}|${c.asm}`) && Number(c.fpscr) & 0x70000) || qemuStrideBug(c);
        (known ? it.skip : it)(`${c.asm} [${k}] ${c.words.join(" ")}`, () => {
          const got = replay(c);
          const want = {
            ...c.out, pc: hex(Number(c.addr) + 4 * c.words.length), mode: USR, mem: c.out.mem ?? fx.dataInit, thumb: false,
          };
          expect(got).toEqual(want);
        });
      });
    });
  }
});

// The same cases in Thumb state: every case whose instructions are all unconditional VFP
// instructions (coprocessor space, cond = AL) runs again from its T32 encodings, through the T32
// decode table, and must give the same result.
describe("VFPv3 T32 encodings give the same results", () => {
  const t32Cases = fx.cases.filter((c) => c.words.every((w) => (Number(w) >>> 28) === 0xe && ((Number(w) >>> 25) & 7) >= 6) &&
    !KNOWN_SKIP.has(`${c.group}|${c.asm}`) && !qemuStrideBug(c));
  it("covers most cases", () => { expect(t32Cases.length).toBeGreaterThan(2800); });
  for (const [group, cs] of groups) {
    const mine = cs.filter((c) => t32Cases.includes(c));
    if (mine.length === 0) continue;
    it(`${group} (${mine.length} cases)`, () => {
      for (const c of mine) {
        const got = replay(c, true);
        const want = { ...c.out, pc: hex(Number(c.addr) + 4 * c.words.length), mode: USR, mem: c.out.mem ?? fx.dataInit, thumb: true };
        expect(got, `${c.asm} [${c.words.join(" ")}]`).toEqual(want);
      }
    });
  }
});

describe("UNDEFINED VFP encodings and alignment faults match QEMU", () => {
  for (const u of fx.probes) {
    it(`${u.name}: ${u.outcome} ${u.words.join(" ")}`, () => {
      const addr = DATA - 0x100;
      u.words.forEach((w, k) => m.physWrite32(addr + 4 * k, Number(w)));
      m.cpsr = 0x1d3;
      enableVfp();
      m.cpsr = USR;
      m.setReg(0, 0);
      m.setCp15({ VBAR: 0x80000000 });
      m.pc = addr;
      m.run({ maxInsns: u.words.length });
      const mode = m.cpsr & 0x1f;
      const got = mode === UND && m.pc === 0x80000004 ? "undefined"
        : mode === 0x17 && m.pc === 0x80000010 ? "abort"
        : mode === USR && m.pc === addr + 4 * u.words.length ? "ok" : `other mode 0x${mode.toString(16)} pc 0x${m.pc.toString(16)}`;
      expect(got).toBe(u.outcome);
      m.cpsr = 0x1d3;
    });
  }
});

// Run one instruction word in `mode` with the given CPACR and FPEXC; report UNDEF or the result.
function exec(word: number, mode: number, cpacr: number, fpexc: number, regs: Record<number, number> = {}) {
  const addr = DATA - 0x200;
  m.physWrite32(addr, word);
  m.cpsr = 0x1d3;
  m.setCp15({ CPACR: cpacr, VBAR: 0x80000000 });
  m.fpexc = fpexc;
  m.cpsr = mode;
  for (const [n, v] of Object.entries(regs)) m.setReg(Number(n), v);
  m.pc = addr;
  m.run({ maxInsns: 1 });
  const undef = (m.cpsr & 0x1f) === UND && m.pc === 0x80000004;
  const lr = m.reg(14);
  m.cpsr = 0x1d3;
  return { undef, lr, r0: m.reg(0) };
}
const VADD = 0xee300a01;           // vadd.f32 s0, s0, s2
const VMRS_FPEXC = 0xeef80a10;     // vmrs r0, fpexc
const VMSR_FPEXC = 0xeee80a10;     // vmsr fpexc, r0
const VMRS_FPSID = 0xeef00a10, VMRS_MVFR0 = 0xeef70a10, VMRS_MVFR1 = 0xeef60a10;
const VMRS_FPSCR = 0xeef10a10;
const VLDR = 0xed900a00;           // vldr s0, [r0]
const VMOV_CORE = 0xee000a10;      // vmov s0, r0

describe("VFP access control (ARM ARM B6.1, B4.1.40 CPACR)", () => {
  it("FPEXC.EN = 0: data processing, loads and transfers are UNDEFINED (LR = the instruction + 4)", () => {
    for (const w of [VADD, VLDR, VMOV_CORE, VMRS_FPSCR]) {
      const r = exec(w, SVC, 0x00f00000, 0, { 0: DATA });
      expect(r.undef).toBe(true);
      expect(r.lr).toBe(DATA - 0x200 + 4);
    }
  });
  it("FPEXC.EN = 0: privileged VMRS/VMSR of FPEXC, FPSID, MVFR0/1 still work", () => {
    expect(exec(VMRS_FPEXC, SVC, 0x00f00000, 0)).toMatchObject({ undef: false, r0: 0 });
    expect(exec(VMRS_FPSID, SVC, 0x00f00000, 0)).toMatchObject({ undef: false, r0: 0x410330c0 });
    expect(exec(VMRS_MVFR0, SVC, 0x00f00000, 0)).toMatchObject({ undef: false, r0: 0x11110222 });
    expect(exec(VMRS_MVFR1, SVC, 0x00f00000, 0)).toMatchObject({ undef: false, r0: 0x00000011 });
    expect(exec(VMSR_FPEXC, SVC, 0x00f00000, 0, { 0: 0xffffffff }).undef).toBe(false);
    expect(m.fpexc).toBe(FPEXC_EN); // only EN is implemented (no trapped exceptions)
    expect(exec(VADD, SVC, 0x00f00000, FPEXC_EN).undef).toBe(false);
  });
  it("CPACR cp10/cp11 = 00 (or the reserved 10): everything is UNDEFINED, also FPEXC in privileged modes", () => {
    for (const cpacr of [0, 0x00a00000]) {
      for (const w of [VADD, VMRS_FPEXC, VMSR_FPEXC, VMRS_FPSID, VMRS_FPSCR]) expect(exec(w, SVC, cpacr, FPEXC_EN).undef).toBe(true);
    }
  });
  it("CPACR = 01 (privileged only): User mode is UNDEFINED, SVC mode is not", () => {
    expect(exec(VADD, USR, 0x00500000, FPEXC_EN).undef).toBe(true);
    expect(exec(VMRS_FPSCR, USR, 0x00500000, FPEXC_EN).undef).toBe(true);
    expect(exec(VADD, SVC, 0x00500000, FPEXC_EN).undef).toBe(false);
  });
  it("User mode: FPEXC, FPSID and MVFRx are UNDEFINED even when enabled; FPSCR is accessible", () => {
    for (const w of [VMRS_FPEXC, VMSR_FPEXC, VMRS_FPSID, VMRS_MVFR0, VMRS_MVFR1]) expect(exec(w, USR, 0x00f00000, FPEXC_EN).undef).toBe(true);
    expect(exec(VMRS_FPSCR, USR, 0x00f00000, FPEXC_EN).undef).toBe(false);
  });
  it("a failed condition check does not trap (the condition is checked first)", () => {
    m.cpsr = 0x1d3;
    const r = exec(0x0e300a01, SVC, 0x00f00000, 0); // vaddeq with Z = 0
    expect(r.undef).toBe(false);
  });
});

describe("short vectors follow the ARM ARM where QEMU differs", () => {
  it("vmov.f64 d8, d4 with Len = 1: D8 = D4, D9 = D5", () => {
    const addr = DATA - 0x300;
    m.physWrite32(addr, 0xeeb08b44);
    m.cpsr = 0x1d3;
    enableVfp();
    for (let n = 0; n < 16; n++) m.setVfpD(n, BigInt(n + 1));
    m.fpscr = 0x00010000;
    m.pc = addr;
    m.run({ maxInsns: 1 });
    expect([m.vfpD(8), m.vfpD(9), m.vfpD(5), m.vfpD(10)]).toEqual([5n, 6n, 6n, 11n]);
  });

  // FPSCR.Stride = 0b11 is a stride of 2 registers in either precision (a single-precision vector of
  // length 3 from S8 is {S8, S10, S12}); QEMU 7.2 steps single precision by 4.
  const f32 = (x: number) => { const b = Buffer.alloc(4); b.writeFloatLE(x); return b.readUInt32LE(); };
  function vectorAdd(word: number, fpscr: number, init: Record<number, number>) {
    const addr = DATA - 0x300;
    m.physWrite32(addr, word);
    m.cpsr = 0x1d3;
    enableVfp();
    for (let n = 0; n < 32; n++) m.setVfpS(n, init[n] ?? f32(1000 + n));
    m.fpscr = fpscr;
    m.pc = addr;
    m.run({ maxInsns: 1 });
  }
  it("stride 2 in single precision: vadd.f32 s8, s16, s24 with Len = 3 writes S8, S10, S12", () => {
    vectorAdd(0xee384a0c, 0x00320000, { 16: f32(1), 18: f32(2), 20: f32(3), 24: f32(10), 26: f32(20), 28: f32(30) });
    expect([8, 10, 12].map((n) => m.vfpS(n))).toEqual([f32(11), f32(22), f32(33)]);
    expect([9, 11, 13, 14, 15].map((n) => m.vfpS(n))).toEqual([9, 11, 13, 14, 15].map((n) => f32(1000 + n)));
  });
  it("stride 2 in double precision: vadd.f64 d4, d8, d12 with Len = 2 writes D4, D6", () => {
    const addr = DATA - 0x300;
    m.physWrite32(addr, 0xee384b0c); // vadd.f64 d4, d8, d12
    m.cpsr = 0x1d3;
    enableVfp();
    const d64 = (x: number) => { const b = Buffer.alloc(8); b.writeDoubleLE(x); return b.readBigUInt64LE(); };
    for (let n = 0; n < 32; n++) m.setVfpD(n, d64(1000 + n));
    m.setVfpD(8, d64(1)); m.setVfpD(10, d64(2)); m.setVfpD(12, d64(10)); m.setVfpD(14, d64(20));
    m.fpscr = 0x00310000;
    m.pc = addr;
    m.run({ maxInsns: 1 });
    expect([m.vfpD(4), m.vfpD(6), m.vfpD(5), m.vfpD(7)]).toEqual([d64(11), d64(22), d64(1005), d64(1007)]);
  });
});

// A hard-float newlib program (fixtures/vfp, built by fixtures/vfp/build.sh): libm, printf of
// doubles, conversions, NaN/Inf/denormals, rounding modes, FZ/DN. newlib's crt0 does not enable the
// VFP, so the host does it as an OS would (CPACR cp10/cp11 full access, FPEXC.EN = 1). In every
// mode: under the VMM the guest's CPACR is virtual and its FPEXC the real one (docs/vmm.md).
describe("hard-float newlib program matches qemu-arm", () => {
  const dir = new URL("../fixtures/vfp/", import.meta.url);
  for (const [name, mode] of ["vfp", "vfp-thumb"].flatMap((n) => (["native", "full", "para"] as const).map((m) => [n, m] as const))) {
    it(`${name}, ${mode} mode: same stdout and exit status as the golden`, () => {
      let out = "";
      const mm = Machine.createSync({ mode, cmdline: `${name} alpha beta`, onConsole: (b) => { out += Buffer.from(b).toString("latin1"); } });
      mm.loadElf(new Uint8Array(readFileSync(new URL(`${name}.elf`, dir))), name);
      mm.setCp15({ CPACR: 0x00f00000 });
      mm.fpexc = FPEXC_EN;
      let r;
      for (;;) { r = mm.run({ maxInsns: 1 << 24 }); if (r.reason !== "budget") break; }
      expect(out).toBe(readFileSync(new URL(`${name}.out`, dir), "latin1"));
      expect(r.exitCode).toBe(Number(readFileSync(new URL(`${name}.status`, dir), "utf8").trim()));
    });
  }
});
