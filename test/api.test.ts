// The package's public entry point exposes the same Machine the CLI uses.
import { describe, it, expect } from "vitest";
import * as vm7 from "../src/index.js";

describe("public API", () => {
  it("creates a machine, loads, runs for a budget, reads registers and memory, stops", async () => {
    const m = await vm7.Machine.create({ ramMiB: 8 });
    m.loadRaw(Uint8Array.from([0x01, 0x00, 0x80, 0xe2, 0xfd, 0xff, 0xff, 0xea]), 0x80000000); // add r0, r0, #1 ; b .-4
    const r = m.run({ maxInsns: 11 });
    expect(r).toMatchObject({ reason: "budget", insns: 11 });
    expect(m.reg(0)).toBe(6);
    m.setReg(0, 100);
    m.physWrite32(0x80001000, 0xcafef00d);
    expect(m.readRam(0x80001000, 4)).toEqual(Uint8Array.from([0x0d, 0xf0, 0xfe, 0xca]));
    expect(vm7.disasmA32(0xe2800001, 0)).toMatch(/^add/);
    expect(() => m.physRead32(0x10000000)).toThrow(/nothing is mapped there/);
    expect(vm7.MODE.svc).toBe(0x13);
  });
});
