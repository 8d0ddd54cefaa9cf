// Record and replay (--record FILE / --replay FILE, src/debug/record.ts): a recorded run replayed in a
// fresh process prints the same console output and ends in the same state (--state-hash), with a
// wall clock (the tiny kernel's timers follow the host's clock: every reading is in the recording)
// and with console input (an interactive Debian Linux session fed through a pipe). vm7 runs as
// child processes, asynchronously.
import { describe, it, expect } from "vitest";
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getKernel, getBusybox } from "../src/linux/fetch.js";

const root = join(import.meta.dirname, "..");
const dir = mkdtempSync(join(tmpdir(), "vm7-rec-"));

/** vm7 with `input` written to its stdin after `delayMs` (then stdin ends). */
function vm7(args: string[], input?: { text: string; delayMs: number }): Promise<{ out: string; err: string; status: number | null }> {
  return new Promise((res) => {
    const p = spawn(process.execPath, [join(root, "bin/vm7.js"), ...args], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "", err = "";
    p.stdout.on("data", (d) => { out += d; });
    p.stderr.on("data", (d) => { err += d; });
    if (input) setTimeout(() => { p.stdin.write(input.text); setTimeout(() => p.stdin.end(), 3000); }, input.delayMs);
    else p.stdin.end();
    const t = setTimeout(() => p.kill("SIGKILL"), 300_000);
    p.on("close", (status) => { clearTimeout(t); res({ out, err, status }); });
  });
}
const hashOf = (err: string) => /state hash ([0-9a-f]{64}) at (\d+) instructions/.exec(err)?.slice(1, 3).join(" ");

describe("record and replay", () => {
  it("replays a wall-clock run of the tiny kernel exactly (every clock reading comes from the recording)", async () => {
    const file = join(dir, "kernel.rec");
    const a = await vm7(["run", "--clock", "wall", "--record", file, "--state-hash", join(root, "fixtures/kernel/kernel.elf")]);
    expect(a.status).toBe(0);
    expect(a.err).toMatch(/recording of \d+ instructions \(\d+ input events\) saved to .*kernel\.rec/);
    const b = await vm7(["run", "--replay", file, "--state-hash"]);
    expect(b.err).toMatch(/replaying .*kernel\.rec: native mode, from 0 to \d+ instructions/);
    expect(b.out).toBe(a.out);
    expect(hashOf(b.err)).toBe(hashOf(a.err));
    expect(hashOf(a.err)).toBeDefined();
  }, 300_000);

  let linuxMissing = "";
  try { const log = () => {}; getKernel(log); getBusybox(log); } catch (e) { linuxMissing = (e as Error).message; }
  it.skipIf(linuxMissing !== "")("replays an interactive Linux session fed through a pipe exactly", async () => {
    const file = join(dir, "linux.rec");
    const a = await vm7(["linux", "--record", file, "--state-hash"], { text: "echo typed-$((6*7))\nuname -r\n", delayMs: 20_000 });
    expect(a.out).toContain("typed-42");
    const b = await vm7(["linux", "--replay", file, "--state-hash"]);
    expect(b.err).toMatch(/replay finished: it reached the end of its recording at \d+ instructions/);
    expect(b.out).toBe(a.out);                 // the typed commands and their output, from the recording
    expect(hashOf(b.err)).toBe(hashOf(a.err));
  }, 600_000);

  it("refuses a file that is not a recording, in one line", async () => {
    const r = await vm7(["run", "--replay", join(root, "fixtures/hello/hello.elf")]);
    expect(r.status).toBe(2);
    expect(r.err.trim()).toMatch(/hello\.elf: not a vm7 recording \(no VM7REC magic\)$/);
  }, 60_000);
});
