// Our own bare-metal fixtures under `vm7 run`: the demo kernel (fixtures/hello) must greet and exit
// with status 0; the system self-test (fixtures/selftest) must print exactly its golden output
// (every case PASS) and exit with status 0 (its status is the number of failed cases). Where the
// cross compiler is installed, the committed images must also be what their sources build to.
import { describe, it, expect, beforeAll } from "vitest";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { run, vm7 as cli, type Ran } from "./helpers/run.js";

const root = join(import.meta.dirname, "..");
const haveGcc = spawnSync("arm-none-eabi-gcc", ["--version"]).status === 0;

function vm7(elf: string, args: string[] = []): Promise<Ran> {
  return cli(["run", ...args, join(root, elf)], { timeoutMs: 120_000 });
}

describe("fixtures/hello", () => {
  it("prints the banner and the MIDR, and exits with status 0", async () => {
    const r = await vm7("fixtures/hello/hello.elf");
    expect(r.stdout).toContain("Hello from vm7!");
    expect(r.stdout).toContain("BeagleBoard-xM");
    expect(r.stdout).toContain("MIDR = 0x413fc082");
    expect(r.stdout).toContain("Goodbye");
    expect(r.status, r.stderr).toBe(0);
  });
});

describe("fixtures/selftest", () => {
  let r: Ran;
  beforeAll(async () => { r = await vm7("fixtures/selftest/selftest.elf", ["--max-insns", "500000000"]); });
  const golden = readFileSync(join(root, "fixtures/selftest/selftest.expected"), "utf8");

  it("has no failing case", () => {
    const failing = r.stdout.split("\n").filter((l) => l.startsWith("FAIL"));
    expect(failing).toEqual([]);
  });
  it("prints exactly the golden output", () => {
    expect(r.stdout).toBe(golden);
  });
  it("exits with status 0", () => {
    expect(r.status, r.stderr).toBe(0);
  });
  it("golden output is consistent: one PASS per case and a 0-failure summary", () => {
    const lines = golden.trimEnd().split("\n");
    const passes = lines.filter((l) => l.startsWith("PASS ")).length;
    expect(lines.at(-1)).toBe(`selftest: ${passes} passed, 0 failed`);
  });
});

describe.skipIf(!haveGcc)("fixtures/build.sh --check", () => {
  it("the committed images are byte for byte what the sources build to", async () => {
    const r = await run("bash", [join(root, "fixtures/build.sh"), "--check"], { timeoutMs: 300_000 });
    expect(r.stdout + r.stderr).not.toContain("differs");
    expect(r.status, r.stdout + r.stderr).toBe(0);
  }, 300_000);
});
