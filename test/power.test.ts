// The board's power devices without Linux: PRM_RSTCTRL (the DM3730 PRM's global software reset),
// PRM_RSTST (why the device was last reset) and vm7's power-off latch, in every mode. A tiny
// program reads PRM_RSTST: after power-on (GLOBAL_COLD_RST) it resets the board, after the
// software reset (GLOBAL_SW_RST) it switches the board off. Linux drives the same registers through
// its syscon-reboot and syscon-poweroff drivers (linux.test.ts).
import { describe, it, expect, beforeAll } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Machine } from "../src/index.js";
import { buildElf, words } from "./helpers/elf.js";
import { vm7 } from "./helpers/run.js";

const BASE = 0x80008000;
const PRM_RSTCTRL = 0x48307250, PRM_RSTST = 0x48307258, VM7_POWEROFF = 0x3f000000;
const PROGRAM = [
  0xe59f4044, // ldr   r4, =PRM_RSTST
  0xe5945000, // ldr   r5, [r4]
  0xe3150002, // tst   r5, #2          GLOBAL_SW_RST
  0x028f1024, // adreq r1, cold
  0x128f102c, // adrne r1, warm
  0xe3a00004, // mov   r0, #4          SYS_WRITE0
  0xef123456, // svc   0x123456
  0xe3150002, // tst   r5, #2
  0x059f4028, // ldreq r4, =PRM_RSTCTRL
  0x03a00004, // moveq r0, #4          RST_DPLL3
  0x13a0443f, // movne r4, #0x3f000000 VM7_POWEROFF
  0x13a00001, // movne r0, #1          DEVOFF
  0xe5840000, // str   r0, [r4]
  0xeafffffe, // b     .
];
function program(): Uint8Array {
  const code = new Uint8Array(0x54);
  code.set(words(...PROGRAM));
  code.set(new TextEncoder().encode("cold boot\n\0"), 0x38);
  code.set(new TextEncoder().encode("reboot\n\0"), 0x44);
  code.set(words(PRM_RSTST, PRM_RSTCTRL), 0x4c);
  return buildElf({ entry: BASE, segments: [{ paddr: BASE, data: code }] });
}

const MODES = ["native", "full", "para"] as const;
let elf = "";
beforeAll(() => {
  elf = join(mkdtempSync(join(tmpdir(), "vm7-power-")), "power.elf");
  writeFileSync(elf, program());
});

describe("power devices (bare metal)", () => {
  for (const mode of MODES) {
    it(`${mode}: the reset ends run() with "reset", PRM_RSTST tells the next boot, the power-off with "poweroff"; both stay`, () => {
      const first = Machine.createSync({ mode, ramMiB: 64 });
      first.loadElf(program());
      const r = first.run({ maxInsns: 1000 });
      expect(r.reason, r.message).toBe("reset");
      expect(first.output).toBe("cold boot\n");
      expect(first.physRead32(PRM_RSTST)).toBe(1);                 // GLOBAL_COLD_RST since power-on
      expect(first.run({ maxInsns: 1000 })).toMatchObject({ reason: "reset", insns: 0 }); // no more instructions
      const second = Machine.createSync({ mode, ramMiB: 64, rebooted: true });
      second.loadElf(program());
      expect(second.physRead32(PRM_RSTST)).toBe(2);                // GLOBAL_SW_RST: booted by a software reset
      const p = second.run({ maxInsns: 1000 });
      expect(p.reason, p.message).toBe("poweroff");
      expect(p.message).toBe("the guest powered the board off");
      expect(second.output).toBe("reboot\n");
      expect(second.run({ maxInsns: 1000 })).toMatchObject({ reason: "poweroff", insns: 0 });
    });
  }

  it("PRM_RSTST bits clear by writing 1; PRM_RSTCTRL reads 0; the rest of the PRM page and of the latch's is unmapped", () => {
    const m = Machine.createSync({ ramMiB: 16 });
    m.physWrite32(PRM_RSTST, 1);
    expect(m.physRead32(PRM_RSTST)).toBe(0);
    expect(m.physRead32(PRM_RSTCTRL)).toBe(0);
    expect(m.physRead32(VM7_POWEROFF)).toBe(0);
    expect(() => m.physRead32(0x48307000)).toThrow(/nothing is mapped there/);   // PER_PRM: not modelled
    expect(() => m.physRead32(VM7_POWEROFF + 4)).toThrow(/nothing is mapped there/);
  });

  for (const mode of MODES) {
    it(`vm7 run --mode ${mode}: a reset boots the same image again, the power-off ends the run with status 0`, async () => {
      const r = await vm7(["run", "--mode", mode, elf]);
      expect(r.stdout).toBe("cold boot\nreboot\n");
      expect(r.stderr).toMatch(/^vm7: the guest reset the board after \d+ instructions: rebooting$/m);
      expect(r.stderr).toMatch(/^vm7: the guest powered the board off after \d+ instructions$/m);
      expect(r.stderr.trim().split("\n")).toHaveLength(2);
      expect(r.status).toBe(0);
    });
  }

  it("vm7 run --no-reboot: the reset ends the run with status 0", async () => {
    const r = await vm7(["run", "--no-reboot", elf]);
    expect(r.stdout).toBe("cold boot\n");
    expect(r.stderr).toMatch(/^vm7: the guest reset the board after \d+ instructions; not rebooting it \(--no-reboot\)$/m);
    expect(r.status).toBe(0);
  });

  it("--max-insns counts the instructions of every boot", async () => {
    // 13 instructions to the reset, then the second boot's first 3 (it would print at its 7th)
    const r = await vm7(["run", "--max-insns", "16", elf]);
    expect(r.stdout).toBe("cold boot\n");
    expect(r.stderr).toMatch(/after 13 instructions: rebooting\n.*--max-insns 16 reached/);
    expect(r.status).toBe(124);
  });
});
