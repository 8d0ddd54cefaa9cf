// Every fixture program under `vm7 run` in every mode it can meet: the same output and exit status
// as natively (the committed goldens, which newlib.test.ts, isa-thumb.test.ts and fixtures.test.ts
// hold the native runs to), or one line saying why a mode cannot run it. (The hard-float programs
// need the VFP enabled by the host and run through the API in vfp.test.ts; the tiny kernel's
// self-test in vmm.test.ts.)
//
// In full and para mode the VMM keeps the top 16 MiB of RAM: semihosting's SYS_HEAPINFO must give
// a program the guest's own RAM as its stack, or newlib's first push faults there (every newlib
// program once stopped after 65 instructions in full mode).
import { describe, it, expect } from "vitest";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Machine } from "../src/index.js";
import { vm7, ROOT } from "./helpers/run.js";
import { buildElf, words } from "./helpers/elf.js";

const VMM_MODES = ["full", "para"] as const;
const fixture = (p: string) => join(ROOT, p);
const elfs = (dir: string) => existsSync(fixture(dir)) ? readdirSync(fixture(dir)).filter((f) => f.endsWith(".elf")).sort().map((f) => `${dir}/${f}`) : [];

function run(mode: string, elf: string, args: string[] = []) {
  return vm7(["run", "--mode", mode, "--max-insns", "500000000", ...args, fixture(elf)], { timeoutMs: 120_000 });
}
const lastLine = (err: string) => err.trim().split("\n").filter((l) => l.startsWith("vm7: ")).pop() ?? "";

// Stock newlib semihosting programs (A32 and Thumb-2): their goldens are the native output.
describe("newlib programs in full and para mode print what they print natively", () => {
  for (const elf of [...elfs("fixtures/newlib"), ...elfs("test/fixtures/thumb")]) {
    const name = elf.replace(/^.*\//, "").replace(/\.elf$/, "");
    it(elf, async () => {
      const golden = readFileSync(fixture(elf.replace(/\.elf$/, ".out")), "utf8");
      const status = Number(readFileSync(fixture(elf.replace(/\.elf$/, ".status")), "utf8").trim());
      const runs = await Promise.all(VMM_MODES.map((m) => run(m, elf, ["--cmdline", `${name} alpha beta`])));
      runs.forEach((r, k) => {
        expect(r.stdout, `${VMM_MODES[k]}: ${r.stderr}`).toBe(golden);
        expect(r.status, `${VMM_MODES[k]}: ${r.stderr}`).toBe(status);
        expect(lastLine(r.stderr)).toMatch(new RegExp(`^vm7: guest exited with status ${status} after \\d+ instructions$`));
      });
    });
  }
});

// Bare-metal programs that own the CPU (the A32 and Thumb-2 workloads touch no system register, so
// they run in every mode).
describe("bare-metal programs: the same in full mode as natively; para mode runs only what needs no privileged instruction", () => {
  it("fixtures/hello: full mode prints what native does; para mode says it is not a para guest", async () => {
    const [n, f, p] = await Promise.all(["native", "full", "para"].map((m) => run(m, "fixtures/hello/hello.elf")));
    expect(n.stdout).toContain("MIDR = 0x413fc082");
    expect(f.stdout).toBe(n.stdout);
    expect([n.status, f.status]).toEqual([0, 0]);
    expect(p.status).toBe(3);
    expect(lastLine(p.stderr)).toMatch(/^vm7: stopped: guest stopped: para mode: the guest's kernel accessed CP15 itself \(MCR\/MRC p15 at pc 0x[0-9a-f]{8}\) where a paravirtual guest makes a hypercall \(docs\/hypercalls\.md\): it is not a para guest; run it with --mode native or --mode full$/);
  });

  it("fixtures/selftest: full mode prints the golden output; para mode says it is not a para guest", async () => {
    const golden = readFileSync(fixture("fixtures/selftest/selftest.expected"), "utf8");
    const [f, p] = await Promise.all(["full", "para"].map((m) => run(m, "fixtures/selftest/selftest.elf")));
    expect(f.stdout).toBe(golden);
    expect(f.status, f.stderr).toBe(0);
    expect(p.status).toBe(3);
    expect(lastLine(p.stderr)).toMatch(/para mode: the guest's kernel accessed CP15 itself .*: it is not a para guest; run it with --mode native or --mode full$/);
  });

  for (const elf of elfs("bench/workloads")) {
    it(`${elf}: the same checksum in every mode`, async () => {
      const [n, ...vmm] = await Promise.all(["native", ...VMM_MODES].map((m) => run(m, elf)));
      expect(n.stdout).toMatch(/checksum/);
      expect(n.status, n.stderr).toBe(0);
      for (const r of vmm) { expect(r.stdout).toBe(n.stdout); expect(r.status, r.stderr).toBe(0); }
    });
  }
});

// The tiny kernel and its paravirtual build each in the modes they are not built for.
describe("the tiny kernels outside their modes: one line saying why", () => {
  it("kernel.elf in para mode: not a para guest", async () => {
    const r = await run("para", "fixtures/kernel/kernel.elf");
    expect(r.status).toBe(3);
    expect(lastLine(r.stderr)).toMatch(/para mode: the guest's kernel accessed CP15 itself .*: it is not a para guest; run it with --mode native or --mode full$/);
  });
  it("kernel-para.elf natively and in full mode: its first hypercall is UNDEFINED there, and the stop says so", async () => {
    for (const r of await Promise.all(["native", "full"].map((m) => run(m, "fixtures/kernel/kernel-para.elf")))) {
      expect(r.status).toBe(3);
      expect(lastLine(r.stderr)).toMatch(/^vm7: stopped: guest stopped: exception loop: .*; it began with HVC #\d+ at 0x8000[0-9a-f]{4}, a hypercall, UNDEFINED outside para mode: a paravirtual kernel runs with --mode para$/);
    }
  });
});

describe("the guest's RAM under the VMM", () => {
  it("an image is loaded only where the guest's RAM is: a segment in the VMM's top 16 MiB is refused in one line", () => {
    const elf = buildElf({ entry: 0x82ff0000, segments: [{ paddr: 0x82ff0000, data: words(0xeafffffe), memsz: 0x20000 }] });
    expect(() => Machine.createSync({ ramMiB: 64 }).loadElf(elf, "top.elf")).not.toThrow();
    for (const mode of ["full", "para"] as const) {
      const m = Machine.createSync({ mode, ramMiB: 64 });
      expect(m.guestRamBytes).toBe(48 << 20);
      expect(() => m.loadElf(elf, "top.elf")).toThrow(
        new RegExp(`^top\\.elf: segment 0 at 0x82ff0000-0x8300ffff lies outside the guest's RAM \\(0x80000000-0x82ffffff; the top 16 MiB are the VMM's in ${mode} mode\\)$`));
    }
  });
});
