// The tiny test kernel (fixtures/kernel): its self-test under `vm7 run`, the quick benchmark suite,
// boot arguments written by the host at 0x80007F00, and the deterministic build (when the cross
// toolchain is installed).
import { describe, it, expect } from "vitest";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Machine } from "../src/index.js";
import { run, vm7 as cli } from "./helpers/run.js";

const root = join(import.meta.dirname, "..");
const kernel = join(root, "fixtures/kernel/kernel.elf");
const BENCHMARKS = [
  "dhrystone", "lat_syscall_null", "lat_syscall_write", "lat_ctx_2p_0k", "lat_ctx_2p_16k", "lat_ctx_8p_16k",
  "lat_pipe", "lat_proc_fork", "lat_proc_exec", "lat_pagefault", "lat_mmap", "bw_mem_rd", "bw_mem_wr",
  "bw_mem_cp", "lat_mem_rd",
];

async function vm7(args: string[]) {
  const r = await cli(args, { timeoutMs: 60_000 });
  return { out: r.stdout, err: r.stderr, status: r.status };
}

function benchLines(out: string): Map<string, { value: number; unit: string }> {
  const m = new Map<string, { value: number; unit: string }>();
  for (const line of out.split("\n")) {
    const b = /^BENCH (\S+) (\d+\.\d+) (\S+) iterations=\d+ ticks=\d+/.exec(line);
    if (b) m.set(b[1], { value: Number(b[2]), unit: b[3] });
  }
  return m;
}

const toolchain = spawnSync("arm-none-eabi-gcc", ["--version"]).status === 0;

describe("tiny kernel", () => {
  it("passes its self-test under vm7 run (default boot, no arguments)", async () => {
    const r = await vm7(["run", "--timeout", "50", kernel]);
    const summary = /kernel selftest: (\d+) passed, (\d+) failed/.exec(r.out);
    expect(r.out).not.toMatch(/^FAIL /m);
    expect(r.out).not.toContain("kernel panic");
    expect(summary, r.out + r.err).not.toBeNull();
    expect(Number(summary![2])).toBe(0);
    expect(Number(summary![1])).toBeGreaterThanOrEqual(33);
    expect(r.out).toMatch(/^PASS fault_killed$/m);
    expect(r.status).toBe(0);
    expect(r.err).toContain("guest exited with status 0");
  }, 60_000);

  it("runs the quick benchmark suite: every benchmark prints one line with a positive value", async () => {
    const r = await vm7(["run", "--timeout", "50", "--cmdline", "kernel bench quick", kernel]);
    expect(r.status, r.out + r.err).toBe(0);
    expect(r.out).toContain("BENCH-BEGIN mode=quick");
    expect(r.out).toContain("BENCH-END");
    const got = benchLines(r.out);
    for (const name of BENCHMARKS) {
      expect(got.has(name), `missing ${name}`).toBe(true);
      expect(got.get(name)!.value, name).toBeGreaterThan(0);
    }
    expect(got.get("lat_syscall_null")!.unit).toBe("us");
    expect(got.get("bw_mem_rd")!.unit).toBe("MB/s");
    expect(got.get("dhrystone")!.unit).toBe("iter/s");
    expect(got.get("lat_mem_rd")!.unit).toBe("ns");
  }, 60_000);

  it("takes boot arguments the host writes at 0x80007F00 (\"BOOT\" + string), e.g. one quick benchmark", async () => {
    const m = await Machine.create({ ramMiB: 512 });
    m.loadElf(new Uint8Array(readFileSync(kernel)), "kernel.elf");
    m.writeRam(0x80007f00, new TextEncoder().encode("BOOTbench quick lat_syscall_null\0"));
    const res = m.run({ maxInsns: 200_000_000 });
    expect(res.reason).toBe("exit");
    expect(res.exitCode).toBe(0);
    const got = benchLines(m.output);
    expect([...got.keys()]).toEqual(["lat_syscall_null"]);
    expect(m.output).toContain('args "bench quick lat_syscall_null"');
  }, 60_000);

  it.skipIf(!toolchain)("is exactly what its sources build to (fixtures/kernel/build.sh --check)", async () => {
    const r = await run("bash", [join(root, "fixtures/kernel/build.sh"), "--check"], { timeoutMs: 120_000 });
    expect(r.status, r.stdout + r.stderr).toBe(0);
  }, 120_000);
});
