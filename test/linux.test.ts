// Boots Debian's unmodified armhf Linux 6.1 (linux-image-6.1.0-*-armmp) with Debian's static
// busybox through `vm7 linux --exec` and `vm7 run --kernel`, and checks what the guest reports
// about the machine: kernel version, the Cortex-A8, ticks on GPTIMER1's interrupt (INTC line 37),
// UART3 as ttyS2; and that it powers the board off and reboots it (syscon-poweroff and
// syscon-reboot over the power-off latch and PRM_RSTCTRL): every --exec run ends with /init's
// `poweroff -f`.
//
// The packages come from apt, cached in $VM7_CACHE (default ~/.cache/vm7): `vm7 linux --fetch-only`
// gets them once per run in a child process, before the first boot, with a line per step on
// stderr (a fresh machine spends a minute in apt-get and unpacking; a test worker must not block
// that long). Where apt cannot fetch them the tests are skipped with the reason. Fast path and
// zImage path, each natively and under the full-virtualization VMM. The zImage boots
// (decompression on the guest, ~2e9 more instructions, ~14 s of host CPU each) are left out with
// VM7_LINUX_ZIMAGE=0.
import { describe, it, expect, beforeAll } from "vitest";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { vm7, ROOT as root } from "./helpers/run.js";
import { buildInitramfs, execMarkers } from "../src/linux/initramfs.js";

const CMD = "uname -a; cat /proc/cpuinfo; cat /proc/interrupts; ls /; echo";

interface Packages { zimage: string; image: string; textOffset: string; busybox: string }
let fetching: Promise<Packages | string> | undefined;
/** Debian's kernel and busybox (`vm7 linux --fetch-only`, once per file), or why they are not there. */
function packages(): Promise<Packages | string> {
  return fetching ??= (async () => {
    const r = await vm7(["linux", "--fetch-only"], { timeoutMs: 900_000, onStderrLine: (l) => process.stderr.write(`linux.test: ${l.replace(/^vm7: /, "")}\n`) });
    if (r.status !== 0) {
      const why = r.stderr.trim().split("\n").pop() ?? `vm7 linux --fetch-only exited with ${r.status}`;
      process.stderr.write(`linux.test: SKIPPED: cannot get linux-image-6.1.0-*-armmp:armhf / busybox-static:armhf: ${why}\n`);
      return why;
    }
    const kv = new Map(r.stdout.trim().split("\n").map((l) => [l.slice(0, l.indexOf(" ")), l.slice(l.indexOf(" ") + 1)]));
    return { zimage: kv.get("zimage")!, image: kv.get("image")!, textOffset: kv.get("text-offset")!, busybox: kv.get("busybox")! };
  })();
}
let pkgs: Packages | undefined;
let unavailable = "";
/** In each describe that boots Linux: fetch first (tests then skip with the reason if that failed). */
function needPackages(): void {
  beforeAll(async () => {
    const p = await packages();
    if (typeof p === "string") unavailable = p; else pkgs = p;
  }, 900_000);
}
function skipWithout(ctx: { skip: (note?: string) => never }): Packages {
  if (!pkgs) ctx.skip(`cannot get Debian's packages: ${unavailable}`);
  return pkgs!;
}

function vm7linux(args: string[], timeoutS = 240) {
  return vm7(["linux", ...args], { timeoutMs: timeoutS * 1000 }).then((r) => ({ out: r.stdout, err: r.stderr, status: r.status }));
}

function checkMachine(out: string) {
  // uname -a
  expect(out).toMatch(/^Linux vm7 6\.1\.0-\d+-armmp #1 SMP Debian 6\.1\.\d+-\d+ .* armv7l GNU\/Linux$/m);
  // /proc/cpuinfo: ARM Ltd (0x41), ARMv7, part 0xc08 = Cortex-A8, r3p2 (MIDR 0x413FC082), VFPv3, no NEON.
  expect(out).toMatch(/^model name\s*: ARMv7 Processor rev 2 \(v7l\)$/m);
  expect(out).toMatch(/^CPU implementer\s*: 0x41$/m);
  expect(out).toMatch(/^CPU architecture\s*: 7$/m);
  expect(out).toMatch(/^CPU variant\s*: 0x3$/m);
  expect(out).toMatch(/^CPU part\s*: 0xc08$/m);
  expect(out).toMatch(/^CPU revision\s*: 2$/m);
  expect(out).toMatch(/^Features\s*:.*\bvfpv3\b/m);
  expect(out).toMatch(/^Hardware\s*: Generic DT based system$/m);
  // /proc/interrupts: the clock-event device on INTC line 37 (GPTIMER1) has ticked, ttyS2 on line 74.
  const tick = /^\s*\d+:\s+(\d+)\s+INTC\s+37\s+\S+\s+clockevent$/m.exec(out);
  expect(tick, "no GPTIMER1 (INTC 37) clockevent line in /proc/interrupts").not.toBeNull();
  expect(Number(tick![1])).toBeGreaterThan(10);
  expect(out).toMatch(/^\s*\d+:\s+\d+\s+INTC\s+74\s+\S+\s+ttyS2$/m);
  // ls /
  for (const d of ["bin", "dev", "init", "proc", "sys", "tmp"]) expect(out).toMatch(new RegExp(`(^|\\s)${d}(\\s|$)`, "m"));
}

// --stats says how the run ended: every --exec run ends with /init's `poweroff -f` after the end marker.
const POWERED_OFF = /^vm7: stats: .* end \(powered off\): /m;

describe("Debian Linux 6.1 on vm7, native and under the VMM", () => {
  needPackages();

  it("fast path (host-extracted Image at 0x80208000): uname, cpuinfo, interrupts, ls; /init powers the board off", async (ctx) => {
    skipWithout(ctx);
    const r = await vm7linux(["--exec", CMD, "--max-insns", "3e9", "--stats"]);
    expect(r.err).toMatch(/Image at 0x80208000/);
    expect(r.status, r.err).toBe(0);
    checkMachine(r.out);
    expect(r.err).toMatch(POWERED_OFF);
    // Nothing but the command's output on stdout: no kernel log, no markers, no banner.
    expect(r.out).not.toMatch(/@@vm7-exec|Booting Linux|\[\s*\d+\.\d+\]|Linux is up/);
    // ... and on stderr only vm7's own lines (the power-off that ended the run is /init's, not news).
    expect(r.err.trim().split("\n").filter((l) => !l.startsWith("vm7: ") && !/^\s+\w+\s+[\d.]+$/.test(l))).toEqual([]);
  }, 300_000);

  it("UART3 is the 16550A ttyS2 at 0x49020000; the command's exit status is vm7's", async (ctx) => {
    skipWithout(ctx);
    const r = await vm7linux(["--exec", "cat /proc/tty/driver/serial; ls /dev/ttyS2; exit 7", "--max-insns", "3e9"]);
    expect(r.status, r.err).toBe(7);
    expect(r.out).toMatch(/^2: uart:16550A mmio:0x49020000 irq:\d+ /m);
    expect(r.out).toMatch(/^\/dev\/ttyS2$/m);
    expect(r.err).toBe("");
  }, 300_000);

  it.skipIf(process.env.VM7_LINUX_ZIMAGE === "0")("zImage path (the unmodified zImage decompresses itself on the guest; VM7_LINUX_ZIMAGE=0 skips)", async (ctx) => {
    skipWithout(ctx);
    const r = await vm7linux(["--zimage", "--exec", CMD, "--max-insns", "8e9", "--stats"], 600);
    expect(r.err).toMatch(/zImage at 0x82000000/);
    expect(r.status, r.err).toBe(0);
    checkMachine(r.out);
    expect(r.err).toMatch(POWERED_OFF);
  }, 700_000);

  it("--mode full: the same checks under the full-virtualization VMM (or one line saying this build has none)", async (ctx) => {
    skipWithout(ctx);
    const r = await vm7linux(["--mode", "full", "--exec", CMD, "--max-insns", "3e9", "--stats"]);
    if (r.status === 2) {
      expect(r.err.trim().split("\n").filter((l) => l.startsWith("vm7:")).pop()).toMatch(/--mode full: this vm7 build cannot run it/);
      expect(r.err).not.toMatch(/\n\s+at /);
      return;
    }
    expect(r.status, r.err).toBe(0);
    checkMachine(r.out);
    // The power-off latch is passed through to the guest like the other devices.
    expect(r.err).toMatch(POWERED_OFF);
    // --stats prints the VMM's counters. Linux's address-space switches find their shadows again,
    // and its DACR writes (software PAN, ~10k per boot) do not drop them: that took 14,852 context
    // flushes and gave 0 reuses before the real DACR mirrored the guest's (docs/vmm.md, Domains).
    const stat = (name: string) => Number(new RegExp(`^\\s+${name}\\s+(\\d+)$`, "m").exec(r.err)?.[1] ?? NaN);
    expect(stat("shadow_reuses")).toBeGreaterThan(0);
    expect(stat("shadow_flushes")).toBeLessThan(1000);
    expect(stat("pt_write_faults")).toBeGreaterThan(0);   // guest page-table writes are tracked
  }, 300_000);

  it.skipIf(process.env.VM7_LINUX_ZIMAGE === "0")("--zimage --mode full: the unmodified zImage decompresses itself and boots under the VMM", async (ctx) => {
    skipWithout(ctx);
    const r = await vm7linux(["--zimage", "--mode", "full", "--exec", CMD, "--max-insns", "8e9", "--stats"], 600);
    if (r.status === 2 && /--mode full: this vm7 build cannot run it/.test(r.err)) return;
    expect(r.err).toMatch(/zImage at 0x82000000/);
    expect(r.status, r.err).toBe(0);
    checkMachine(r.out);
    expect(r.err).toMatch(POWERED_OFF);
  }, 700_000);
});

// A command that reboots the board on its first boot and powers it off on the next: PRM_RSTST says
// which boot it is (GLOBAL_COLD_RST after power-on, GLOBAL_SW_RST after the reset), read with
// busybox's devmem. `reboot -f` and `poweroff -f` call the kernel directly; plain `reboot` and
// `halt` signal init, and vm7's /init reboots or powers off for them.
const REBOOT_ONCE = 'r=$(devmem 0x48307258); echo "PRM_RSTST=$r"; if [ "$r" = 0x00000001 ]; then reboot -f; fi; poweroff -f';
const REBOOT_ONCE_BY_INIT = 'r=$(devmem 0x48307258); echo "PRM_RSTST=$r"; if [ "$r" = 0x00000001 ]; then reboot; else halt; fi';

describe("Linux powers the board off and reboots it (syscon-poweroff, syscon-reboot)", () => {
  needPackages();
  let dir = "";
  /** An initramfs of vm7's whose /init runs `command` (for `vm7 run --kernel`). */
  const initrd = (name: string, command: string) => {
    dir ||= mkdtempSync(join(tmpdir(), "vm7-linux-"));
    const p = join(dir, name);
    writeFileSync(p, buildInitramfs({ busybox: new Uint8Array(readFileSync(pkgs!.busybox)), exec: { command, markers: execMarkers("test") } }));
    return p;
  };
  const runKernel = (args: string[], initrdPath: string) => vm7(["run", "--kernel", pkgs!.image, "--text-offset", pkgs!.textOffset,
    "--initrd", initrdPath, "--append", "quiet", "--max-insns", "6e9", ...args], { timeoutMs: 300_000 });

  it("vm7 linux --exec: `reboot` boots the same kernel and initramfs again; `halt` then powers off and ends vm7 with status 0", async (ctx) => {
    skipWithout(ctx);
    const r = await vm7linux(["--exec", REBOOT_ONCE_BY_INIT, "--max-insns", "6e9"]);
    expect(r.out).toBe("PRM_RSTST=0x00000002\n");   // the second boot's output: the first one's went with its reset
    expect(r.err).toMatch(/^vm7: the guest reset the board after \d+ instructions: rebooting\nvm7: the guest powered the board off after \d+ instructions\n$/);
    expect(r.status).toBe(0);
  }, 300_000);

  it("vm7 run --kernel Image --initrd, --mode full: `reboot -f`, then `poweroff -f` under the VMM", async (ctx) => {
    const p = skipWithout(ctx);
    const r = await runKernel(["--mode", "full"], initrd("reboot-once.cpio", REBOOT_ONCE));
    if (r.status === 2 && /this vm7 build|--mode/.test(r.stderr)) return;
    // The console in full: each boot's banner and begin marker, its output, the kernel's last words.
    const boots = r.stdout.split("vm7: Linux is up").length - 1;
    expect(boots, r.stdout).toBe(2);
    expect(r.stdout).toMatch(/PRM_RSTST=0x00000001\r?\n[^]*reboot: Restarting system[^]*PRM_RSTST=0x00000002\r?\n[^]*reboot: Power down/);
    expect(r.stderr).toMatch(/^vm7: the guest reset the board after \d+ instructions: rebooting\nvm7: the guest powered the board off after \d+ instructions\n$/);
    expect(r.status).toBe(0);
    expect(p.textOffset).toBe("0x208000");
  }, 300_000);

  it("vm7 run --kernel Image --initrd --no-reboot: the guest's reboot ends vm7 with status 0", async (ctx) => {
    skipWithout(ctx);
    const r = await runKernel(["--no-reboot"], initrd("reboot.cpio", "echo rebooting; reboot -f"));
    expect(r.stdout).toMatch(/^rebooting\r?$/m);
    expect(r.stdout.split("vm7: Linux is up").length - 1).toBe(1);
    expect(r.stderr).toMatch(/^vm7: the guest reset the board after \d+ instructions; not rebooting it \(--no-reboot\)\n$/);
    expect(r.status).toBe(0);
  }, 300_000);
});

describe("vm7 linux: bad input", () => {
  it("names the missing or wrong file in one line", async () => {
    const r = await vm7linux(["--kernel", "/nonexistent/zImage", "--initrd", "/nonexistent/initrd"]);
    expect(r.status).toBe(2);
    expect(r.err).toMatch(/^vm7: --kernel \/nonexistent\/zImage: no such file$/m);
    const b = await vm7linux(["--kernel", join(root, "fixtures/linux/board.dtb"), "--initrd", join(root, "fixtures/linux/board.dtb")]);
    expect(b.status).toBe(2);
    expect(b.err).toMatch(/board\.dtb: not an ARM zImage \(no magic 0x016f2818 at offset 0x24\)/);
    const c = await vm7linux(["--exec", "true", "--initrd", "/x"]);
    expect(c.status).toBe(2);
    expect(c.err).toMatch(/--exec needs vm7's own initramfs/);
  });
});

describe("vm7 bench --guest linux", () => {
  needPackages();
  it("runs bench/linux/bin/vm7bench inside Linux and prints the table", async (ctx) => {
    skipWithout(ctx);
    const r = await vm7(["bench", "--guest", "linux", "--modes", "native", "--quick", "--no-mips-section",
      "dhrystone", "lat_syscall_null", "lat_proc_fork"], { timeoutMs: 300_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/quick suites of .*linux-image-6\.1\.0-\d+-armmp.*\/vmlinuz in native mode/);
    expect(r.stdout).toMatch(/^dhrystone\s+native\s+\d+\.\d{3}\s+iter\/s\s/m);
    expect(r.stdout).toMatch(/^lat_syscall_null\s+native\s+\d+\.\d{3}\s+us\s/m);
    expect(r.stdout).toMatch(/^lat_proc_fork\s+native\s+\d+\.\d{3}\s+us\s/m);
    expect(r.stdout).not.toMatch(/^lat_pipe/m);
  }, 300_000);
});
