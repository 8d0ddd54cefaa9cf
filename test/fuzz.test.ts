// The fuzzer (tools/fuzz, `npm run fuzz`): its quick version in a child process (so no test
// worker blocks on it), and one regression test per bug it found, named by the seed and input that
// found it. Uses the compiled host in dist/ (npm test builds first).
import { describe, it, expect } from "vitest";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
// @ts-ignore: plain ESM tool, no type declarations
import { runCase } from "../tools/fuzz/core.mjs";
// @ts-ignore
import { LOADERS, runLoaderInput } from "../tools/fuzz/loaders.mjs";
import { Machine } from "../src/machine/machine.js";
import { readCpio, writeCpio } from "../src/linux/cpio.js";

const root = fileURLToPath(new URL("..", import.meta.url));

function runAsync(args: string[], timeoutMs: number): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    p.stdout.on("data", (b) => { out += b; });
    p.stderr.on("data", (b) => { out += b; });
    const t = setTimeout(() => p.kill("SIGKILL"), timeoutMs);
    p.on("close", (status) => { clearTimeout(t); resolve({ status, out }); });
  });
}

describe("npm run fuzz", () => {
  it("--quick: every mode, loader and a CLI sample, no failures", async () => {
    const r = await runAsync([join(root, "tools/fuzz/run.mjs"), "--quick"], 120_000);
    const summary = r.out.split("\n").find((l) => l.startsWith("fuzz: ") && l.includes(" core: ")) ?? "";
    for (const mode of ["native", "full", "para"]) expect(summary).toMatch(new RegExp(`${mode}/interp [\\d.]+ M`));
    for (const loader of ["elf", "raw", "zimage", "dtb", "initrd", "cmdline"]) expect(summary).toMatch(new RegExp(`[:,] ${loader} \\d+`));
    expect(summary).toMatch(/cli: \d+ runs; .*; 0 failures$/);
    expect(r.status, r.out).toBe(0);
  }, 130_000);

  it("--help and bad options", async () => {
    const h = await runAsync([join(root, "tools/fuzz/run.mjs"), "--help"], 30_000);
    expect(h.status).toBe(0);
    expect(h.out).toMatch(/--seed S.*\n.*--minutes M/);
    const b = await runAsync([join(root, "tools/fuzz/run.mjs"), "--engines", "nope"], 30_000);
    expect(b.status).toBe(2);
    expect(b.out).toMatch(/--engines nope: this build offers interp/);
  }, 60_000);
});

// Bugs the fuzzer found, each with the input that found it.
describe("fuzz regressions", () => {
  // Seed 1, core full #37: a WFI while GPTIMER wanted a match interrupt (TIER.MAT) that could never
  // come (compare off) with autoreload on: the run loop fast-forwarded virtual time from overflow to
  // overflow for ever inside one run() call, and the host hung.
  it("seed 1 core full #37: WFI waiting for an impossible timer match stops as idle", () => {
    const r = runCase(1, 37, "full", "interp");
    expect(r.failure).toBeUndefined();
    expect(r.outcomes).toContain("idle");
  });
  for (const mode of ["native", "full"] as const) {
    it(`${mode}: WFI with GPTIMER1 waiting for a match while compare is off, or TMAR below TLDR`, () => {
      for (const [tclr, tmar] of [[0x03, 0], [0x43, 0x10]]) {
        const m = Machine.createSync({ mode, ramMiB: 64 });
        const w = [
          0xe3081000, 0xe3441831,             // r1 = GPTIMER1 (0x48318000)
          0xe3a020ff, 0xe581202c,             // TLDR = 0xff: each period runs 0xff..0xffffffff
          0xe3a02c01, 0xe5812028,             // TCRR = 0x100: above TMAR from the start
          0xe3a02000 | tmar, 0xe5812038,      // TMAR
          0xe3a02001, 0xe581201c,             // TIER = MAT
          0xe3a02000 | tclr, 0xe5812024,      // TCLR: ST | AR (| CE)
          0xe320f003, 0xeafffffe,             // WFI; b .
        ];
        m.writeRam(0x80010000, new Uint8Array(Uint32Array.from(w).buffer));
        m.pc = 0x80010000;
        const r = m.run({ maxInsns: 100 });
        expect(r.reason).toBe("idle");
        expect(r.insns).toBe(13);
      }
    });
  }

  // Seed 1, loader elf (#1912 of a run that reused one machine; the next input then ran for ever):
  // the software TLB's empty tag was 1, which the fast paths' alignment-folding compare
  // (va & 0xfffff003) matched for a halfword or word access at address 1 (page 0), so the access
  // used the empty entry's stale addend as a host address: a guest load or store at address 1
  // read or wrote the core's own memory (here its instruction count) or trapped out of bounds.
  for (const mode of ["native", "full"] as const) {
    it(`${mode}: a word or halfword access at address 1 after a TLB flush is the guest's data abort`, () => {
      for (const [size, ldst] of [[4, 0xe5810000], [4, 0xe5910000], [2, 0xe1c100b0], [2, 0xe1d100b0]]) {
        const m = Machine.createSync({ mode, ramMiB: 64 });
        const vec = 0x80001000;
        m.writeRam(vec, new Uint8Array(Uint32Array.from(new Array(8).fill(0xeafffffe)).buffer)); // b .
        m.setCp15({ VBAR: vec });
        const w = [
          0xe3a01000, 0xe3481000,             // r1 = 0x80000000: page index 0 of the TLB
          0xe5810000,                         // str r0, [r1]: enters it (write set, index 0)
          0xee080f17,                         // TLBIALL: empties it, its addend stays
          0xe3a01001,                         // r1 = 1
          ldst,                               // the access at address 1 (page 0, index 0)
          0xeafffffe,
        ];
        m.writeRam(0x80010000, new Uint8Array(Uint32Array.from(w).buffer));
        m.pc = 0x80010000;
        const r = m.run({ maxInsns: 20 });
        expect(r.reason, `size ${size}`).toBe("budget");
        expect(m.pc, `size ${size}`).toBe(vec + 0x10);             // the Data Abort vector
        expect(m.getCp15("DFAR")).toBe(1);
        expect(m.icount).toBeGreaterThanOrEqual(20);
      }
    });
  }

  // Found while reducing the elf case above: SYS_WRITE / SYS_READ moved `len` bytes at once, so a
  // guest asking for 4 GiB made the host allocate and copy that much, a byte at a time (a hang).
  // Now one call moves at most MAX_TRANSFER bytes and returns the rest as not moved (a partial
  // transfer, which C libraries continue); SYS_OPEN refuses names longer than 4096 bytes.
  it("semihosting: a 4 GiB SYS_WRITE is a partial write of 1 MiB, a huge SYS_OPEN name is refused", () => {
    let out = 0;
    const m = Machine.createSync({ ramMiB: 64, onConsole: (b) => { out += b.length; } });
    const semi = (m as unknown as { semi: { call(): { kind: string } } }).semi;
    const block = 0x80100000, name = 0x80100100;
    m.writeRam(name, new TextEncoder().encode(":tt"));
    const call = (op: number, words: number[]) => {
      m.writeRam(block, new Uint8Array(Uint32Array.from(words).buffer));
      m.setReg(0, op); m.setReg(1, block);
      expect(semi.call().kind).toBe("done");
      return m.reg(0);
    };
    const h = call(0x01, [name, 4, 3]);                        // SYS_OPEN ":tt" for writing
    expect(h).toBeGreaterThan(0);
    const t0 = performance.now();
    expect(call(0x05, [h, 0x80000000, 0xffffffff])).toBe(0xffffffff - (1 << 20)); // SYS_WRITE
    expect(out).toBe(1 << 20);
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(call(0x01, [name, 4, 0x7fffffff])).toBe(0xffffffff); // SYS_OPEN: -1
  });

  // Seed 1, loader dtb #2416 and #7883: a DTB whose root #address-cells or #size-cells was
  // shorter than one cell threw a RangeError from patchDtb instead of booting or one error line.
  it("seed 1 loader dtb #2416, #7883: a short cell-count property is no host exception", async () => {
    const ctx = await LOADERS.dtb.setup({});
    for (const i of [2416, 7883]) expect((await runLoaderInput(LOADERS.dtb, ctx, 1, i)).failure).toBeUndefined();
  });

  // Seed 1, loader initrd #1777 (and others): readCpio looped for ever on a header field that was
  // not hex (parseInt gave NaN, the offset went back to 0) and put raw bytes of a bad magic into
  // a multi-line message.
  it("seed 1 loader initrd #1777: readCpio rejects damaged archives in one line", async () => {
    const ctx = await LOADERS.initrd.setup({});
    const r = await runLoaderInput(LOADERS.initrd, ctx, 1, 1777);
    expect(r.failure).toBeUndefined();
    const a = writeCpio([{ name: "init", type: "file", data: "x" }]);
    const bad = a.slice();
    bad.set(new TextEncoder().encode("zzzzzzzz"), 6 + 8 * 11); // namesize
    expect(() => readCpio(bad)).toThrow(/^cpio: header field 11 at offset 94 is "zzzzzzzz", not 8 hex digits$/);
    const long = a.slice();
    long.set(new TextEncoder().encode("7fffffff"), 6 + 8 * 6); // filesize
    expect(() => readCpio(long)).toThrow(/"init": its 2147483647 bytes of data at offset 116 run past the end/);
    const magic = a.slice();
    magic.set([0x73, 0x0a], 0);
    expect(() => readCpio(magic)).toThrow(/^cpio: bad magic "s\\n0701" at offset 0 \(newc is "070701"\)$/);
  });
});
