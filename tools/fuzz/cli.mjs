// A sample through the real command line, each run in a child process: `vm7 run --kernel` with a
// mutated DTB or initrd (a stub zImage that exits through semihosting), `vm7 run` of a mutated
// ELF or raw image, and, where Debian's kernel is cached (`vm7 linux` fetched it once), `vm7 linux`
// booting the real kernel with a mutated DTB or initramfs for a bounded number of instructions.
// The oracle: exit status 0-255 and one the CLI documents for what happened (the guest's own, 2 bad
// input, 3 stopped, 124 the limit), the end said in one `vm7:` line, no stack trace, no signal.
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync, rmSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { rngFor } from "../difftest/gen.mjs";
import { mutate, stubZImage, cpioCorpus } from "./loaders.mjs";
import { getBusybox } from "../../dist/linux/fetch.js";
import { buildInitramfs } from "../../dist/linux/initramfs.js";
import { guestPrograms } from "../../dist/linux/guest.js";
import { cacheDir } from "../../dist/linux/fetch.js";

const ROOT = new URL("../../", import.meta.url).pathname;
const VM7 = join(ROOT, "bin/vm7.js");

/** Whether `vm7 linux` has its kernel and busybox cached (the sample then boots Linux too). */
export function linuxCached() {
  try {
    const d = cacheDir();
    const names = readdirSync(d);
    return names.some((n) => n.startsWith("linux-image-")) && names.some((n) => n.startsWith("busybox-static"));
  } catch { return false; }
}

function run(argv, timeoutMs) {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [VM7, ...argv], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "", err = "";
    p.stdout.on("data", (b) => { out += b; if (out.length > 1e5) out = out.slice(-5e4); });
    p.stderr.on("data", (b) => { err += b; if (err.length > 1e5) err = err.slice(-5e4); });
    const t = setTimeout(() => p.kill("SIGKILL"), timeoutMs);
    p.on("close", (status, signal) => { clearTimeout(t); resolve({ status, signal, out, err }); });
  });
}

let linuxInitrd;
const KINDS = ["kernel-dtb", "kernel-initrd", "elf", "raw", "linux-dtb", "linux-initrd"];

/** Sample `index` of `seed`: { outcome, failure? }. job.linux: include `vm7 linux` boots. */
export async function runCliSample(seed, index, job) {
  const r = rngFor(seed ^ 0xc11, index);
  const kinds = job.linux ? KINDS : KINDS.filter((k) => !k.startsWith("linux"));
  // Linux boots are ~100 times dearer: one in 16 samples
  let kind = r.pick(kinds);
  if (kind.startsWith("linux") && !r.chance(1 / 8)) kind = r.pick(KINDS.slice(0, 4));
  const dir = mkdtempSync(join(tmpdir(), "vm7-fuzz-cli-"));
  try {
    const board = new Uint8Array(readFileSync(join(ROOT, "fixtures/linux/board.dtb")));
    const hello = new Uint8Array(readFileSync(join(ROOT, "fixtures/hello/hello.elf")));
    const f = (name, bytes) => { const p = join(dir, name); writeFileSync(p, bytes); return p; };
    let argv, expect;
    const cpio = () => mutate(r, r.pick(cpioCorpus()), []);
    switch (kind) {
      case "kernel-dtb":
        argv = ["run", "--ram", "160", "--kernel", f("k.zImage", stubZImage()), "--dtb", f("m.dtb", mutate(r, board, [0, 4, 8, 12, 16, 20, 24, 32, 36], true)), "--max-insns", "100000"];
        break;
      case "kernel-initrd":
        argv = ["run", "--ram", "160", "--kernel", f("k.zImage", stubZImage()), "--initrd", f("m.cpio", cpio()), "--max-insns", "100000"];
        break;
      case "elf":
        argv = ["run", "--ram", "64", f("m.elf", mutate(r, hello, [24, 28, 42, 44, 52, 56, 60, 64, 68])), "--max-insns", "100000"];
        break;
      case "raw":
        argv = ["run", "--ram", "64", "--load-addr", "0x80008000", f("m.bin", mutate(r, hello.subarray(0x1000), [])), "--max-insns", "100000"];
        break;
      case "linux-dtb":
        argv = ["linux", "--dtb", f("m.dtb", mutate(r, board, [0, 4, 8, 12, 16, 20, 24, 32, 36], true)), "--max-insns", "250000000"];
        break;
      case "linux-initrd":
        linuxInitrd ??= buildInitramfs({ busybox: new Uint8Array(readFileSync(getBusybox(() => {}))), files: guestPrograms() });
        argv = ["linux", "--initrd", f("m.cpio", mutate(r, linuxInitrd, [])), "--max-insns", "250000000"];
        break;
    }
    if (r.chance(0.2) && !kind.startsWith("linux")) argv.push("--mode", "full");
    const res = await run(argv, kind.startsWith("linux") ? 120_000 : 30_000);
    const lines = res.err.split("\n").filter((l) => l.startsWith("vm7: "));
    const what = `vm7 ${argv.map((a) => a.startsWith(dir) ? a.slice(dir.length + 1) : a).join(" ")}`;
    if (res.signal) return { outcome: "FAILED", failure: { what: `${what}: killed by ${res.signal}${res.signal === "SIGKILL" ? " (timeout)" : ""}`, detail: res.err.slice(-1500) } };
    if (/^\s+at .*:\d+:\d+\)?$|node:internal|Error: /m.test(res.err.replace(/^vm7: .*$/gm, ""))) return { outcome: "FAILED", failure: { what: `${what}: a host exception`, detail: res.err.slice(-1500) } };
    if (![0, 2, 3, 124].includes(res.status) && !(res.status > 0 && res.status < 256 && /guest exited with status/.test(res.err))) {
      return { outcome: "FAILED", failure: { what: `${what}: exit status ${res.status}`, detail: res.err.slice(-1500) } };
    }
    if (lines.length === 0 && res.status !== 0) return { outcome: "FAILED", failure: { what: `${what}: exit status ${res.status} without a vm7: line`, detail: res.err.slice(-1500) } };
    return { outcome: `${kind}: status ${res.status}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
