// Stock newlib semihosting programs (fixtures/newlib, built with arm-none-eabi-gcc -marm
// -mfloat-abi=soft --specs=rdimon.specs) must print the same and exit with the same status under
// `vm7 run` as under `qemu-arm -cpu cortex-a8`. The committed goldens were recorded with qemu-arm;
// where qemu-arm is installed the comparison is also made live.
import { describe, it, expect } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { run, vm7 as cli } from "./helpers/run.js";

const root = join(import.meta.dirname, "..");
const dir = join(root, "fixtures/newlib");
const programs = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".elf")).sort() : [];
const haveQemu = spawnSync("qemu-arm", ["--version"]).status === 0;

function vm7(elf: string, args: string[] = []) {
  return cli(["run", ...args, elf], { timeoutMs: 120_000 });
}

describe.skipIf(programs.length === 0)("newlib programs match qemu-arm", () => {
  for (const prog of programs) {
    const name = prog.replace(/\.elf$/, "");
    const elf = join(dir, prog);
    it(`${name}: same stdout and exit status as the golden`, async () => {
      const golden = readFileSync(join(dir, `${name}.out`), "utf8");
      const status = Number(readFileSync(join(dir, `${name}.status`), "utf8").trim());
      const r = await vm7(elf, ["--cmdline", `${name} alpha beta`]);
      expect(r.stdout).toBe(golden);
      expect(r.status, r.stderr).toBe(status);
    });
    it.skipIf(!haveQemu)(`${name}: same as a live qemu-arm run`, async () => {
      const q = await run("qemu-arm", ["-cpu", "cortex-a8", elf, "alpha", "beta"], { timeoutMs: 60_000 });
      const r = await vm7(elf, ["--cmdline", `${name} alpha beta`]);
      expect(r.stdout).toBe(q.stdout);
      expect(r.status).toBe(q.status);
    });
  }
});
