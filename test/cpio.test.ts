// The newc cpio writer, checked against GNU cpio (Debian's cpio package) listing and extracting
// our archives, and against our reader; and the initramfs's /init script and --exec output parsing.
import { describe, it, expect } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync, readFileSync, lstatSync, readlinkSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeCpio, readCpio, type CpioEntry } from "../src/linux/cpio.js";
import { buildInitramfs, initScript, execMarkers, parseExecOutput, partialExecOutput, APPLETS } from "../src/linux/initramfs.js";

const haveCpio = spawnSync("cpio", ["--version"]).status === 0;
const binary = new Uint8Array(1001).map((_, i) => (i * 31) & 0xff);
const entries: CpioEntry[] = [
  { name: "bin", type: "dir" },
  { name: "bin/prog", type: "file", data: binary, mode: 0o755 },
  { name: "bin/sh", type: "symlink", data: "prog" },
  { name: "etc", type: "dir", mode: 0o700 },
  { name: "etc/motd", type: "file", data: "hello\n", mode: 0o644 },
  { name: "etc/empty", type: "file", mode: 0o600 },
  { name: "dev", type: "dir" },
  { name: "dev/console", type: "char", major: 5, minor: 1 },
];

describe("newc cpio writer", () => {
  it("writes 070701 headers, 4-byte padding, a trailer, and a 512-byte multiple", () => {
    const a = writeCpio(entries);
    expect(a.length % 512).toBe(0);
    expect(new TextDecoder().decode(a.subarray(0, 6))).toBe("070701");
    const back = readCpio(a);
    expect(back.map((e) => e.name)).toEqual(entries.map((e) => e.name));
    const prog = back.find((e) => e.name === "bin/prog")!;
    expect(prog.mode).toBe(0o100755);
    expect(Buffer.from(prog.data).equals(Buffer.from(binary))).toBe(true);
    expect(back.find((e) => e.name === "bin/sh")!.mode).toBe(0o120777);
    expect(new TextDecoder().decode(back.find((e) => e.name === "bin/sh")!.data)).toBe("prog");
    const con = back.find((e) => e.name === "dev/console")!;
    expect([con.mode, con.rdevmajor, con.rdevminor]).toEqual([0o020600, 5, 1]);
    expect(back.find((e) => e.name === "etc")!.mode).toBe(0o040700);
  });

  it("refuses bad names, duplicates and data on directories", () => {
    expect(() => writeCpio([{ name: "/abs", type: "file" }])).toThrow(/bad entry name '\/abs'/);
    expect(() => writeCpio([{ name: "a/../b", type: "file" }])).toThrow(/bad entry name/);
    expect(() => writeCpio([{ name: "a", type: "file" }, { name: "a", type: "dir" }])).toThrow(/duplicate entry 'a'/);
    expect(() => writeCpio([{ name: "d", type: "dir", data: "x" }])).toThrow(/d: a dir has no data/);
    expect(() => writeCpio([{ name: "l", type: "symlink" }])).toThrow(/l: a symlink needs a target/);
  });

  it.skipIf(!haveCpio)("GNU cpio lists and extracts our archive exactly", () => {
    const a = writeCpio(entries.filter((e) => e.type !== "char")); // mknod needs root; listing covers it below
    const dir = mkdtempSync(join(tmpdir(), "vm7-cpio-"));
    const list = spawnSync("cpio", ["-t", "--quiet"], { input: a, encoding: "utf8" });
    expect(list.status).toBe(0);
    expect(list.stdout.trim().split("\n")).toEqual(entries.filter((e) => e.type !== "char").map((e) => e.name));
    const x = spawnSync("cpio", ["-i", "-d", "--quiet", "--no-absolute-filenames"], { input: a, cwd: dir, encoding: "utf8" });
    expect(x.stderr).toBe("");
    expect(x.status).toBe(0);
    expect(Buffer.from(readFileSync(join(dir, "bin/prog"))).equals(Buffer.from(binary))).toBe(true);
    expect(statSync(join(dir, "bin/prog")).mode & 0o7777).toBe(0o755);
    expect(readlinkSync(join(dir, "bin/sh"))).toBe("prog");
    expect(readFileSync(join(dir, "etc/motd"), "utf8")).toBe("hello\n");
    expect(statSync(join(dir, "etc/empty")).size).toBe(0);
    expect(lstatSync(join(dir, "etc")).isDirectory()).toBe(true);
    // The device node as GNU cpio reads the header.
    const verbose = spawnSync("cpio", ["-tv", "--quiet"], { input: writeCpio(entries), encoding: "utf8" });
    expect(verbose.stdout).toMatch(/^crw------- .* 5, +1 .* dev\/console$/m);
  });
});

describe("initramfs", () => {
  it("holds busybox, applet links, /init and the --exec command", () => {
    const mk = execMarkers("abc123");
    const a = readCpio(buildInitramfs({ busybox: binary, exec: { command: "uname -a", markers: mk }, files: { "vm7/bench/x": new Uint8Array([1]) } }));
    const names = a.map((e) => e.name);
    expect(names).toContain("bin/busybox");
    for (const ap of APPLETS) expect(names).toContain(`bin/${ap}`);
    expect(names).toContain("vm7/bench");
    expect(new TextDecoder().decode(a.find((e) => e.name === "vm7/exec")!.data)).toBe("uname -a\n");
    const init = new TextDecoder().decode(a.find((e) => e.name === "init")!.data);
    expect(init.startsWith("#!/bin/sh\n")).toBe(true);
    expect(a.find((e) => e.name === "init")!.mode).toBe(0o100755);
    // The markers are assembled at run time: the script itself never contains them whole.
    expect(init).not.toContain(mk.begin);
    expect(init).toContain("sh /vm7/exec");
  });
  it.skipIf(spawnSync("sh", ["-c", "true"]).status !== 0)("the /init marker lines print the markers (run by the host's sh)", () => {
    const mk = execMarkers("n0nce");
    const lines = initScript(mk).split("\n");
    const keep = lines.filter((l) => /^(B=|E=|echo "\$B"|echo ""|echo "\$E \$rc")/.test(l));
    const r = spawnSync("sh", ["-c", "rc=7\n" + keep.join("\n")], { encoding: "utf8" });
    expect(r.stdout).toBe(`${mk.begin}\n\n${mk.end} 7\n`);
  });
  it("cuts the command's output and status out of the console transcript", () => {
    const mk = execMarkers("f00");
    const t = `[    0.1] boot noise\r\nvm7: Linux is up\r\n${mk.begin}\r\nline 1\r\n[    2.345678] random: crng init done\r\nline 2\r\n\r\n${mk.end} 42\r\nmore`;
    expect(parseExecOutput(t, mk)).toEqual({ output: "line 1\nline 2\n", status: 42 });
    expect(parseExecOutput(`${mk.begin}\n\n${mk.end} 0\n`, mk)).toEqual({ output: "", status: 0 });
    expect(parseExecOutput(`${mk.begin}\nno newline\n${mk.end} 1\n`, mk)).toEqual({ output: "no newline", status: 1 });
    expect(parseExecOutput(`${mk.begin}\nstill running\n`, mk)).toBeUndefined();
    expect(parseExecOutput(`${mk.begin}\n\n${mk.end} 3`, mk)).toBeUndefined(); // status line not complete yet
  });
  it("what a command printed before it powered the board off (no end marker): its lines, without the kernel's", () => {
    const mk = execMarkers("f01");
    expect(partialExecOutput(`noise\r\n${mk.begin}\r\nPRM_RSTST=0x00000002\r\n[    0.144836] reboot: Power down\r\n`, mk)).toBe("PRM_RSTST=0x00000002\n");
    expect(partialExecOutput("no marker at all\n", mk)).toBe("");
  });
  it("/init powers the board off after the end marker, and turns busybox's halt/poweroff/reboot signals into the real thing", () => {
    const exec = initScript(execMarkers("n1")).split("\n");
    expect(exec.slice(exec.indexOf('echo "$E $rc"') + 1, exec.indexOf('echo "$E $rc"') + 2)).toEqual(["poweroff -f"]);
    for (const init of [exec, initScript().split("\n")]) {
      expect(init).toContain("trap 'poweroff -f' USR1 USR2");
      expect(init).toContain("trap 'reboot -f' TERM");
    }
    expect(initScript()).toMatch(/setsid cttyhack \/bin\/sh -l &\n\s*wait \$! \|\| \/bin\/sh\n/);
  });
});
