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

  describe("stop()", () => {
    // add r0, r0, #1 ; b .-4: runs for ever, r0 counts the iterations.
    const spin = Uint8Array.from([0x01, 0x00, 0x80, 0xe2, 0xfd, 0xff, 0xff, 0xea]);

    it("from a timer while runAsync() is going: the run ends with reason host, and the machine runs on after", async () => {
      const m = await vm7.Machine.create({ ramMiB: 8 });
      m.loadRaw(spin, 0x80000000);
      let fired = 0;
      const t = setTimeout(() => { fired = m.icount; m.stop(); }, 30);
      const r = await m.runAsync({ sliceInsns: 100_000 });
      clearTimeout(t);
      expect(r.reason).toBe("host");
      expect(r.message).toMatch(/^stopped by the host at pc 0x8000000[04]$/);
      expect(fired).toBeGreaterThan(0);
      expect(r.insns).toBe(m.icount);
      expect(r.insns - fired).toBeLessThanOrEqual(100_000); // at the next slice boundary
      const r0 = m.reg(0);
      expect(m.run({ maxInsns: 1000 })).toMatchObject({ reason: "budget", insns: 1000 });
      expect(m.reg(0)).toBe(r0 + 500);
    });

    it("from an async task between run() slices, and from the console callback inside run()", async () => {
      const m = await vm7.Machine.create({ ramMiB: 8 });
      m.loadRaw(spin, 0x80000000);
      setImmediate(() => m.stop());
      let r = m.run({ maxInsns: 10_000 });
      expect(r.reason).toBe("budget");
      await new Promise((res) => setImmediate(res));
      r = m.run({ maxInsns: 10_000 }); // the request made meanwhile ends the next run at once
      expect(r).toMatchObject({ reason: "host", insns: 0 });
      expect(m.run({ maxInsns: 10_000 })).toMatchObject({ reason: "budget", insns: 10_000 });

      // A guest that writes 'x' to UART3 for ever; the console callback stops it.
      const out: string[] = [];
      const n = await vm7.Machine.create({ ramMiB: 8, onConsole: (b) => { out.push(new TextDecoder().decode(b)); n.stop(); } });
      n.loadRaw(Uint8Array.from([
        0x49, 0x14, 0xa0, 0xe3, // mov r1, #0x49000000
        0x02, 0x18, 0x81, 0xe3, // orr r1, r1, #0x20000  (UART3 THR)
        0x78, 0x00, 0xa0, 0xe3, // mov r0, #'x'
        0x00, 0x00, 0xc1, 0xe5, // strb r0, [r1]
        0xfd, 0xff, 0xff, 0xea, // b .-4
      ]), 0x80000000);
      r = n.run({ maxInsns: 50_000_000 });
      expect(r.reason).toBe("host");
      expect(r.insns).toBeLessThan(50_000_000);
      expect(out.join("")).toMatch(/^x+$/);
      expect(n.run({ maxInsns: 100 }).reason).toBe("host"); // the callback stops it again at its next output
    });
  });
});
