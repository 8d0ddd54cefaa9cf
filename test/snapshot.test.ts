// Snapshots (src/debug/snapshot.ts, --snapshot-at N FILE / --restore FILE / --state-hash): for the
// tiny kernel in all three modes and Debian's Linux natively and in full mode, an uninterrupted run,
// a run that saves at N, and a run restored from that file in a fresh process print the same
// console output and end in the same state (the hash of registers, CP15, VFP, devices, VMM and
// RAM). A truncated, corrupted, other-version or foreign file gets one line. vm7 runs as child
// processes, asynchronously.
import { describe, it, expect, beforeAll } from "vitest";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getKernel, getBusybox } from "../src/linux/fetch.js";

const root = join(import.meta.dirname, "..");
const dir = mkdtempSync(join(tmpdir(), "vm7-snap-"));

function vm7(args: string[], env: Record<string, string> = {}): Promise<{ out: string; err: string; status: number | null }> {
  return new Promise((res) => {
    const p = spawn(process.execPath, [join(root, "bin/vm7.js"), ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
    let out = "", err = "";
    p.stdout.on("data", (d) => { out += d; });
    p.stderr.on("data", (d) => { err += d; });
    const t = setTimeout(() => p.kill("SIGKILL"), 300_000);
    p.on("close", (status) => { clearTimeout(t); res({ out, err, status }); });
  });
}
const hashOf = (err: string) => /state hash ([0-9a-f]{64}) at (\d+) instructions/.exec(err)?.slice(1, 3).join(" ");

/** A, B (saves at n), C (restored from B's file): same output, same end state. */
async function proof(cmd: string[], restoreCmd: string, n: number, name: string, env: Record<string, string> = {}) {
  const file = join(dir, `${name}.vm7`);
  const [a, b] = await Promise.all([vm7([...cmd, "--state-hash"], env), vm7([...cmd, "--state-hash", "--snapshot-at", String(n), file], env)]);
  const c = await vm7([restoreCmd, "--restore", file, "--state-hash"], env);
  expect(hashOf(a.err), a.err).toBeDefined();
  expect(b.err).toMatch(new RegExp(`snapshot at ${n} instructions saved to .*${name}\\.vm7 \\([\\d.]+ MiB, [\\d.]+ s\\)`));
  expect(c.err).toMatch(new RegExp(`restored .*${name}\\.vm7: \\w+ mode, \\d+ MiB, at ${n} instructions`));
  expect(b.out).toBe(a.out);                       // saving does not disturb the run
  expect(hashOf(b.err)).toBe(hashOf(a.err));
  expect(hashOf(c.err)).toBe(hashOf(a.err));       // the restored run ends in the same state
  expect(a.status).toBe(b.status);
  expect(c.status).toBe(a.status);
  return { a, b, c, file };
}

describe("snapshots of the tiny kernel", () => {
  for (const mode of ["native", "full", "para"]) {
    it(`save at N, restore in a fresh process: same output and end state (${mode})`, async () => {
      const kernel = join(root, "fixtures/kernel", mode === "para" ? "kernel-para.elf" : "kernel.elf");
      const { a, c } = await proof(["run", "--mode", mode, kernel], "run", mode === "native" ? 23_456_789 : 7_654_321, `kernel-${mode}`);
      expect(a.out).toContain("kernel selftest: 33 passed, 0 failed");
      // The restored run prints what the uninterrupted one printed after N.
      expect(c.out.length).toBeGreaterThan(100);
      expect(a.out.endsWith(c.out)).toBe(true);
      expect(a.status).toBe(0);
    }, 300_000);
  }
});

describe("snapshot files that cannot be restored", () => {
  let good: Buffer;
  beforeAll(async () => {
    const f = join(dir, "hello.vm7");
    const r = await vm7(["run", "--snapshot-at", "3", f, join(root, "fixtures/hello/hello.elf")]);
    expect(r.status).toBe(0);
    good = readFileSync(f);
  }, 60_000);

  const cases: Array<[string, (b: Buffer) => Buffer, RegExp]> = [
    ["truncated", (b) => b.subarray(0, b.length - 100), /: truncated \(\d+ bytes of \d+\)$/],
    ["cut inside its header", (b) => b.subarray(0, 40), /: truncated/],
    ["corrupted", (b) => { const c = Buffer.from(b); c[c.length >> 1] ^= 0x40; return c; }, /: corrupted \(checksum mismatch\)$/],
    ["of another format version", (b) => { const c = Buffer.from(b); c.writeUInt32LE(99, 8); return c; }, /: snapshot format version 99; this vm7 reads version 1$/],
    ["not a snapshot", () => Buffer.from("\x7fELF not a snapshot at all"), /: not a vm7 snapshot \(no VM7SNAP magic\)$/],
    ["empty", () => Buffer.alloc(0), /: not a vm7 snapshot/],
  ];
  for (const [what, mangle, want] of cases) {
    it(`refuses a file that is ${what}, in one line (status 2)`, async () => {
      const f = join(dir, `bad-${what.replace(/\W+/g, "-")}.vm7`);
      writeFileSync(f, mangle(good));
      const r = await vm7(["run", "--restore", f]);
      expect(r.status).toBe(2);
      expect(r.out).toBe("");
      const lines = r.err.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(want);
    }, 60_000);
  }

  it("refuses machine options beside --restore, and a second image", async () => {
    const f = join(dir, "hello.vm7");
    let r = await vm7(["run", "--restore", f, "--mode", "full"]);
    expect(r.status).toBe(2);
    expect(r.err.trim()).toBe("vm7: --restore: the machine comes from the snapshot; --mode cannot be given with it");
    r = await vm7(["run", "--restore", f, join(root, "fixtures/hello/hello.elf")]);
    expect(r.err.trim()).toBe("vm7: give either an image or --restore, not both");
    r = await vm7(["run", "--restore", join(dir, "nope.vm7")]);
    expect(r.err.trim()).toMatch(/--restore .*nope\.vm7: no such file$/);
    r = await vm7(["linux", "--restore", f]);
    expect(r.status).toBe(2);
    expect(r.err.trim()).toMatch(/hello\.vm7: saved by 'vm7 run', not by 'vm7 linux' \(use vm7 run --restore\)$/);
  }, 60_000);
});

let linuxMissing = "";
try { const log = () => {}; getKernel(log); getBusybox(log); } catch (e) { linuxMissing = (e as Error).message; }
if (linuxMissing) process.stderr.write(`snapshot.test: SKIPPED the Linux snapshots: ${linuxMissing}\n`);

describe.skipIf(linuxMissing !== "")("snapshots of Debian's Linux", () => {
  for (const mode of ["native", "full"]) {
    it(`vm7 linux --exec: saved mid-boot and restored, same output and end state (${mode})`, async () => {
      const cmd = ["linux", "--mode", mode, "--exec", "uname -a; cat /proc/interrupts; echo done"];
      const env = { VM7_EXEC_NONCE: "5eed5eed5eed" }; // the same initramfs in all three runs
      const { a, c, file } = await proof(cmd, "linux", 123_456_789, `linux-${mode}`, env);
      expect(a.status).toBe(0);
      expect(a.out).toMatch(/^Linux vm7 6\.1\.0-\d+-armmp .* armv7l GNU\/Linux$/m);
      expect(a.out).toContain("done");
      expect(c.out).toBe(a.out);                   // --exec prints the command's output, from the restored transcript
      expect(existsSync(file)).toBe(true);
    }, 600_000);
  }
});
