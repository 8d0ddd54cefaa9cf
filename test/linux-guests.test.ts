// Several Linux guests on one VMM (`vm7 linux --guests N`, docs/guests.md "Linux guests"): Debian's
// kernel boots in every guest's partition in full mode, each guest's /init sees VM7_GUEST, --exec
// runs in every guest and vm7 exits with the highest status. The options that cannot work with
// several guests yet are refused in one line each (no boot). Each Linux boot is a child process;
// the packages are fetched first (skipped with the reason when apt cannot get them).
import { describe, it, expect, beforeAll } from "vitest";
import { join } from "node:path";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { debianPackages } from "./helpers/packages.js";
import { vm7 } from "./helpers/run.js";
import { hostileVirtio, MemDisk } from "./helpers/hostile-virtio.js";

const root = join(import.meta.dirname, "..");

const { needPackages, skipWithout } = debianPackages("linux-guests.test");

/** A VMM counter of guest k from --stats' per-guest blocks. */
function stat(stderr: string, k: number, name: string): number {
  const block = stderr.split(`vm7: vmm stats of guest ${k} `)[1] ?? "";
  const m = new RegExp(`^\\s+${name}\\s+(\\d+)$`, "m").exec(block.split("vm7: vmm stats of guest")[0]);
  return m ? Number(m[1]) : NaN;
}

describe("vm7 linux --guests N", () => {
  needPackages();

  it("two Debian kernels in full mode: each guest's /init has VM7_GUEST, --exec runs in both, the status is the highest", async (ctx) => {
    skipWithout(ctx);
    const r = await vm7(["linux", "--guests", "2", "--exec", "echo guest=$VM7_GUEST; exit $VM7_GUEST", "--stats", "--max-insns", "3e9"],
      { timeoutMs: 240_000 });
    expect(r.status, r.stderr.slice(-3000)).toBe(1);
    const out = r.stdout.split("\n").filter((l) => l !== "").sort();
    expect(out).toEqual(["[g0] guest=0", "[g1] guest=1"]);
    expect(r.stderr).toMatch(/^vm7: \[g0\] command exited with status 0 after \d+ instructions/m);
    expect(r.stderr).toMatch(/^vm7: \[g1\] command exited with status 1 after \d+ instructions/m);
    // Each guest has its own partition: 240 MiB at machine 0x80000000 and 0x90000000, the same guest-physical layout.
    expect(r.stderr).toMatch(/guest 0: .* at 0x80208000, DTB at 0x88000000, .* in 240 MiB at machine 0x80000000; command line: .*VM7_GUEST=0$/m);
    expect(r.stderr).toMatch(/guest 1: .* at 0x80208000, DTB at 0x88000000, .* in 240 MiB at machine 0x90000000; command line: .*VM7_GUEST=1$/m);
    // The same kernel doing the same work in each partition: its page-table stores are write-tracked in
    // both (guest 1's were not, before the VMM compared its shadow PTEs against machine addresses).
    const pt0 = stat(r.stderr, 0, "pt_write_faults"), pt1 = stat(r.stderr, 1, "pt_write_faults");
    expect(pt0).toBeGreaterThan(10_000);
    expect(Math.abs(pt1 - pt0) / pt0).toBeLessThan(0.1);
  }, 250_000);

  it("two of vm7's para kernels in para mode: each its own HC_VERSION and shared page, --exec in both, the status is the highest", async (ctx) => {
    skipWithout(ctx);
    const r = await vm7(["linux", "--guests", "2", "--mode", "para", "--exec", "echo guest=$VM7_GUEST; uname -r; exit $VM7_GUEST", "--stats",
      "--max-insns", "3e9"], { timeoutMs: 240_000 });
    expect(r.status, r.stderr.slice(-3000)).toBe(1);
    const out = r.stdout.split("\n").filter((l) => l !== "").sort();
    expect(out).toEqual(["[g0] 6.1.176-vm7-para", "[g0] guest=0", "[g1] 6.1.176-vm7-para", "[g1] guest=1"]);
    for (const k of [0, 1]) {
      expect(stat(r.stderr, k, "hc_version")).toBe(1);
      expect(stat(r.stderr, k, "hc_shared_page")).toBe(1);
      expect(stat(r.stderr, k, "hc_set_dacr")).toBeGreaterThan(100);
    }
  }, 250_000);

  it("a virtio-net card per guest on one switch: guest 0 pings guest 1 (10.0.7.1 -> 10.0.7.2); a disk and a virtio console per guest (FILE.g<k>)", async (ctx) => {
    skipWithout(ctx);
    const dir = mkdtempSync(join(tmpdir(), "vm7-guests-"));
    const disk = join(dir, "d.img");
    const hvc = join(dir, "hvc.txt");
    const cmd = "ifconfig eth0 | grep 'inet addr'; echo vm7-disk-of-guest-$VM7_GUEST | dd of=/dev/vda conv=sync 2>/dev/null; sync; " +
      "echo hvc0-of-guest-$VM7_GUEST > /dev/hvc0; " +
      "if [ $VM7_GUEST = 0 ]; then ping -c 3 10.0.7.2; else sleep 4; echo guest 1 outlived guest 0; fi";
    const r = await vm7(["linux", "--guests", "2", "--net", "--disk", disk, "--disk-size", "1M", "--vconsole", hvc, "--exec", cmd, "--max-insns", "8e9"],
      { timeoutMs: 240_000 });
    expect(r.status, r.stderr.slice(-3000)).toBe(0);
    expect(r.stdout).toMatch(/^\[g0\]\s+inet addr:10\.0\.7\.1\s+Bcast:10\.0\.7\.255\s+Mask:255\.255\.255\.0$/m);
    expect(r.stdout).toMatch(/^\[g1\]\s+inet addr:10\.0\.7\.2\s+Bcast:10\.0\.7\.255\s+Mask:255\.255\.255\.0$/m);
    expect(r.stdout).toMatch(/^\[g0\] 64 bytes from 10\.0\.7\.2: seq=2 ttl=64/m);
    expect(r.stdout).toMatch(/^\[g0\] 3 packets transmitted, 3 packets received, 0% packet loss$/m);
    // guest 0 powered off after its ping (~2 s of guest time); guest 1 slept on to 4 s and finished alone
    expect(r.stdout).toMatch(/^\[g1\] guest 1 outlived guest 0$/m);
    expect(r.stdout.indexOf("[g1] guest 1 outlived")).toBeGreaterThan(r.stdout.indexOf("[g0] 3 packets transmitted"));
    for (const k of [0, 1]) {
      const b = readFileSync(`${disk}.g${k}`);
      expect(b.length).toBe(1 << 20);
      const want = `vm7-disk-of-guest-${k}\n`;
      expect(b.subarray(0, want.length).toString("latin1")).toBe(want);
      expect(b.subarray(want.length, 512).every((x) => x === 0)).toBe(true);
      expect(readFileSync(`${hvc}.g${k}`, "utf8").replace(/\r/g, "")).toBe(`hvc0-of-guest-${k}\n`);
    }
  }, 250_000);

  it("para mode: vm7's para kernels (virtio-net and virtio-console built in) ping each other on the switch; a disk and a virtio console each", async (ctx) => {
    skipWithout(ctx);
    const dir = mkdtempSync(join(tmpdir(), "vm7-guests-para-"));
    const disk = join(dir, "d.img");
    const hvc = join(dir, "hvc.txt");
    const cmd = "uname -r; ifconfig eth0 | grep 'inet addr'; echo para-disk-of-guest-$VM7_GUEST | dd of=/dev/vda conv=sync 2>/dev/null; sync; " +
      "echo hvc0-of-para-guest-$VM7_GUEST > /dev/hvc0; " +
      "if [ $VM7_GUEST = 0 ]; then ping -c 3 10.0.7.2; ping -c 1 10.0.7.254 | grep -c 'bytes from'; else sleep 5; fi";
    const r = await vm7(["linux", "--guests", "2", "--mode", "para", "--net", "--disk", disk, "--disk-size", "1M", "--vconsole", hvc,
      "--exec", cmd, "--stats", "--max-insns", "8e9"], { timeoutMs: 240_000 });
    expect(r.status, r.stderr.slice(-3000)).toBe(0);
    for (const k of [0, 1]) {
      expect(r.stdout).toMatch(new RegExp(`^\\[g${k}\\] 6\\.1\\.\\d+-vm7-para$`, "m"));
      expect(r.stdout).toMatch(new RegExp(`^\\[g${k}\\]\\s+inet addr:10\\.0\\.7\\.${k + 1}\\s+Bcast:10\\.0\\.7\\.255\\s+Mask:255\\.255\\.255\\.0$`, "m"));
      // both ran as para guests
      expect(stat(r.stderr, k, "hc_set_dacr")).toBeGreaterThan(100);
    }
    expect(r.stdout).toMatch(/^\[g0\] 64 bytes from 10\.0\.7\.2: seq=2 ttl=64/m);
    expect(r.stdout).toMatch(/^\[g0\] 3 packets transmitted, 3 packets received, 0% packet loss$/m);
    // the switch's built-in peer answers a para guest too
    expect(r.stdout).toMatch(/^\[g0\] 1$/m);
    for (const k of [0, 1]) {
      const b = readFileSync(`${disk}.g${k}`);
      const want = `para-disk-of-guest-${k}\n`;
      expect(b.subarray(0, want.length).toString("latin1")).toBe(want);
      expect(b.subarray(want.length, 512).every((x) => x === 0)).toBe(true);
      expect(readFileSync(`${hvc}.g${k}`, "utf8").replace(/\r/g, "")).toBe(`hvc0-of-para-guest-${k}\n`);
    }
  }, 250_000);
});

describe("vm7 linux --guests 2 without --exec: both consoles, every line prefixed, input to guest 0", () => {
  needPackages();

  it("both shells prompt ([gN] vm7:/root# ); a command piped in runs in guest 0; the run ends 2 s after stdin and the consoles go quiet", async (ctx) => {
    skipWithout(ctx);
    const { spawn } = await import("node:child_process");
    const p = spawn(process.execPath, [join(root, "bin/vm7.js"), "linux", "--guests", "2", "--max-insns", "6e9", "--stats"], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "", err = "";
    let sent = false;
    p.stderr.on("data", (b: Buffer) => { err += b.toString("utf8"); });
    p.stdout.on("data", (b: Buffer) => {
      out += b.toString("utf8");
      // Once both shells prompt, leave them idle for 1.5 s (stdin open: the host waits for input
      // while every guest idles), then type into guest 0's console and end the input.
      if (!sent && /^\[g0\] vm7:\S*# /m.test(out) && /^\[g1\] vm7:\S*# /m.test(out)) {
        sent = true;
        setTimeout(() => p.stdin.end("echo typed-into-guest-$VM7_GUEST\n"), 1500);
      }
    });
    const status = await new Promise<number | null>((res) => {
      const t = setTimeout(() => p.kill("SIGKILL"), 120_000);
      p.on("close", (c) => { clearTimeout(t); res(c); });
    });
    expect(sent, out.slice(-2000) + err.slice(-2000)).toBe(true);
    expect(status, err.slice(-2000)).toBe(0);
    const lines = out.replace(/\r/g, "").split("\n").filter((l) => l !== "");
    expect(lines.every((l) => /^\[g[01]\] /.test(l)), lines.filter((l) => !/^\[g[01]\] /.test(l)).join("\n")).toBe(true);
    expect(lines).toContain("[g0] typed-into-guest-0");
    expect(lines.some((l) => l.includes("typed-into-guest-1"))).toBe(false);
    expect(lines.filter((l) => /^\[g1\] vm7: Linux is up/.test(l))).toHaveLength(1);
    expect(err).toMatch(/^vm7: \[g0\] stopped: stdin ended and the consoles have been quiet for 2 s/m);
    // While both guests idled with stdin open, the run waited for input instead of moving the clock at once.
    const waits = /(\d+) waits for console input while every guest idled/.exec(err);
    expect(waits, err.slice(-2000)).not.toBeNull();
    expect(Number(waits![1])).toBeGreaterThan(0);
  }, 250_000);
});

describe("a hostile guest next to a Linux guest", () => {
  needPackages();

  it("bad virtio rings, then a spin with interrupts masked: each ring its own device's reset; Linux runs its command to the end", async (ctx) => {
    skipWithout(ctx);
    const { Guests } = await import("../src/machine/guests.js");
    const { loadLinuxRunning } = await import("../src/linux/guest.js");
    const { parseExecOutput } = await import("../src/linux/initramfs.js");
    type Markers = ReturnType<typeof loadLinuxRunning>["markers"];
    const errors: string[] = [];
    const attackerDisk = new MemDisk(64 * 1024, 0xa5);
    // Two guests of the default 512 MiB: 240 MiB partitions.
    const attack = hostileVirtio(attackerDisk, (e) => errors.push(e), { partBytes: 240 << 20, end: "spin" });
    let markers: Markers | undefined;
    let transcript = "";
    let out: { output: string; status: number } | undefined;
    const cmd = "echo victim-ok; grep -c . /proc/cpuinfo >/dev/null && echo $((6 * 7)); ls /sys/bus/virtio/devices | wc -l";
    const g = new Guests({
      mode: "full", semihosting: false,
      guests: [
        { name: "linux", load: (m) => { markers = loadLinuxRunning(m, cmd, () => {}, 1e9).markers; } },
        { name: "attacker", load: attack.load },
      ],
      onLine: (k, l) => { if (k === 0) transcript += l + "\n"; },
    });
    const r = await g.run({
      maxInsns: 3e9,
      endGuest: (k) => { if (k === 0 && !out) out = parseExecOutput(transcript, markers!); return undefined; },
      shouldStop: () => out !== undefined,
    });
    expect(out, transcript.slice(-2000)).toBeDefined();
    expect(out!.status).toBe(0);
    // (no virtio device of its own: the board's windows read device ID 0 in its partition's copy)
    expect(out!.output).toBe("victim-ok\n42\n0\n");
    expect(errors).toHaveLength(attack.cases.length);
    attack.cases.forEach((c, i) => expect(errors[i], c.what).toMatch(c.msg));
    g.select(1);
    expect(g.machine.readGuestRam(attack.STAT, 1)[0]).toBe(0);
    expect(g.machine.readGuestRam(attack.DATA, 512).every((b) => b === 0xa5)).toBe(true);
    // the attacker spun with interrupts masked all along and was preempted like any other guest
    expect(r.guests[1].slices).toBeGreaterThan(100);
  }, 250_000);
});

describe("vm7 linux --guests and vm7 run --guest: what cannot work with several guests yet is refused in one line", () => {
  // No boot: every refusal comes before the kernel is fetched or a machine made.
  const linux = ["linux", "--guests", "2"];
  const run2 = ["run", "--guest", "kernel-para", "--guest", "kernel-para"];
  const cases: Array<[string[], RegExp]> = [
    [[...linux, "--gdb", "1234"], /^vm7: --gdb cannot be used with --guests: the debugger attaches to one guest$/],
    [[...linux, "--snapshot-at", "1000", "/tmp/x.snap"], /^vm7: --snapshot-at cannot be used with --guests: snapshots hold one guest$/],
    [[...linux, "--restore", "/tmp/x.snap"], /^vm7: --restore cannot be used with --guests: snapshots hold one guest$/],
    [[...linux, "--record", "/tmp/x.rec"], /^vm7: --record cannot be used with --guests: record\/replay is for one guest$/],
    [[...linux, "--replay", "/tmp/x.rec"], /^vm7: --replay cannot be used with --guests: record\/replay is for one guest$/],
    [[...linux, "--trace"], /^vm7: --trace cannot be used with --guests: tracing follows one guest$/],
    [[...linux, "--clock", "wall"], /^vm7: --clock wall cannot be used with --guests: several guests run on virtual time only/],
    [[...linux, "--engine", "jit"], /^vm7: --engine jit cannot be used with --guests: several guests run on the interpreter/],
    [[...linux, "--weights", "1,2,3"], /^vm7: --weights gives 3 weight\(s\) for 2 guests: give one per guest$/],
    [["linux", "--guests", "1", "--slice", "5000"], /^vm7: --slice applies to several guests \(--guests N\)$/],
    [[...linux, "--mode", "native"], /^vm7: --guests 2: several guests run under the VMM: give --mode full/],
    [[...linux, "--mode", "para", "--kernel-build", "debian"], /^vm7: --mode para: Debian's kernel is not paravirtualized/],
    [[...run2, "--gdb", "1234"], /^vm7: --gdb cannot be used with --guest: the debugger attaches to one guest$/],
    [[...run2, "--snapshot-at", "1000", "/tmp/x.snap"], /^vm7: --snapshot-at cannot be used with --guest: snapshots hold one guest$/],
    [[...run2, "--restore", "/tmp/x.snap"], /^vm7: --restore cannot be used with --guest: snapshots hold one guest$/],
    [[...run2, "--record", "/tmp/x.rec"], /^vm7: --record cannot be used with --guest: record\/replay is for one guest$/],
    [[...run2, "--replay", "/tmp/x.rec"], /^vm7: --replay cannot be used with --guest: record\/replay is for one guest$/],
    [[...run2, "--trace"], /^vm7: --trace cannot be used with --guest: tracing follows one guest$/],
    [[...run2, "--clock", "wall"], /^vm7: --clock cannot be used with --guest: several guests run on virtual time only$/],
    [[...run2, "--engine", "jit"], /^vm7: --engine jit cannot be used with --guest: several guests run on the interpreter/],
  ];
  for (const [args, want] of cases) {
    it(args.slice(args[0] === "linux" ? 3 : 5).join(" ") + ` (vm7 ${args[0]})`, async () => {
      const r = await vm7(args, { timeoutMs: 60_000 });
      expect(r.status, r.stderr).toBe(2);
      const lines = r.stderr.trim().split("\n");
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(want);
      expect(r.stdout).toBe("");
    }, 70_000);
  }
});

describe("vm7 bench --guest linux --io (src/bench/io.ts): the rows from the guests' lines", () => {
  const out = [
    "[g1] VM7IO tcp_received 4194304",
    "[g0] VM7IO disk_write 8388608 4096",
    "[g0] VM7IO disk_read 8388608 2048",
    "[g0] VM7IO ping_peer round-trip min/avg/max = 0.100/0.122/0.150 ms",
    "[g0] VM7IO ping_guest round-trip min/avg/max = 0.200/0.223/0.300 ms",
    "[g0] VM7IO tcp 4194304 16384",
    "[g0] BENCH lat_ctx_2p_0k 19.550 us iterations=64 ticks=38 procs=2 ws_kb=0 overhead_us=11.920",
  ].join("\n") + "\n";

  it("bandwidths from bytes and 32 kHz ticks, round trips from ping's line, the hand-off as half the guest-to-guest round trip", async () => {
    const { parseIo } = await import("../src/bench/io.js");
    const rows = Object.fromEntries(parseIo(out).map((r) => [r.name, r.value]));
    expect(rows.disk_write).toBeCloseTo(64, 6);      // 8 MiB in 1/8 s
    expect(rows.disk_read).toBeCloseTo(128, 6);
    expect(rows.ping_peer).toBeCloseTo(122, 6);
    expect(rows.ping_guest).toBeCloseTo(223, 6);
    expect(rows.tcp).toBeCloseTo(8, 6);
    expect(rows.lat_ctx_one_guest).toBe(19.55);
    expect(rows.lat_ctx_two_guests).toBeCloseTo(111.5, 6);
  });

  it("a missing figure or a short TCP transfer is an error naming it", async () => {
    const { parseIo } = await import("../src/bench/io.js");
    expect(() => parseIo(out.replace(/^.*disk_read.*\n/m, ""))).toThrow(/guest 0 printed no disk_read figure/);
    expect(() => parseIo(out.replace("tcp_received 4194304", "tcp_received 5120"))).toThrow(/guest 1 received 5120 bytes of the 4194304/);
    expect(() => parseIo(out.replace(/ping_guest .*/, "ping_guest ping: sendto: Network unreachable"))).toThrow(/ping_guest: ping printed no round-trip line/);
  });

  it("--modes full,para: full mode boots zImage-vm7 (like with like), para zImage-para; full alone Debian's kernel", async () => {
    const { ioKernelBuild, ioArgs } = await import("../src/bench/io.js");
    expect(ioKernelBuild("full", ["full"])).toBe("debian");
    expect(ioKernelBuild("full", ["full"], "vm7")).toBe("vm7");
    expect(ioKernelBuild("full", ["full", "para"])).toBe("vm7");
    expect(ioKernelBuild("para", ["para"])).toBe("vm7");
    const o = { quick: true, cpuHz: 1e9, ram: 512 };
    const full = ioArgs(o, "full", "debian", "/tmp/d.img");
    expect(full.slice(0, 5)).toEqual(["linux", "--guests", "2", "--mode", "full"]);
    expect(full).not.toContain("--kernel-build");
    expect(ioArgs(o, "full", "vm7", "/tmp/d.img").slice(3, 7)).toEqual(["--mode", "full", "--kernel-build", "vm7"]);
    expect(ioArgs(o, "para", "vm7", "/tmp/d.img").slice(3, 5)).toEqual(["--mode", "para"]);
    expect(ioArgs(o, "para", "vm7", "/tmp/d.img")).toContain("--net");
  });

  it("the table: one column per mode and para/full when both ran; the event-channel row in the para column", async () => {
    const { parseIo, ioTable } = await import("../src/bench/io.js");
    const full = parseIo(out);
    const para = parseIo(out.replace("disk_write 8388608 4096", "disk_write 8388608 2048").replace("tcp 4194304 16384", "tcp 4194304 4096"));
    const ring = { name: "lat_ctx_two_para_guests", what: "hand-off between two para guests (tiny kernel, event channel, round trip / 2)", value: 1.419, unit: "us" };
    const mk = (mode: "full" | "para", rows: typeof full, kernel: string) => ({ mode, kernel, rows, hostSeconds: 10, switches: 100, insns: [1e8, 2e8] });
    const t = ioTable({ modes: [mk("full", full, "zImage-vm7"), mk("para", para, "zImage-para")], ring, hostSecondsAll: 25 });
    expect(t).toMatch(/^Linux I\/O: two guests on one VMM \(zImage-vm7 in full mode, zImage-para in para mode\)/);
    expect(t).toMatch(/^measurement\s+full\s+para\s+para\/full\s+unit$/m);
    expect(t).toMatch(/^dd to \/dev\/vda .*\s+64\.000\s+128\.0\s+2\.00\s+MB\/s$/m);
    expect(t).toMatch(/^TCP guest 0 -> guest 1 .*\s+8\.000\s+32\.000\s+4\.00\s+MB\/s$/m);
    expect(t).toMatch(/^ping RTT guest 0 -> guest 1\s+223\.0\s+223\.0\s+1\.00\s+us$/m);
    expect(t).toMatch(/^hand-off between two para guests .*\s{12}1\.419\s{11}\s+us$/m);
    expect(t).toMatch(/^host, para mode: 10\.0 s for the Linux run/m);
    const one = ioTable({ modes: [mk("full", full, "Debian's armmp 6.1")], ring, hostSecondsAll: 12 });
    expect(one).toMatch(/^measurement\s+full\s+unit$/m);
    expect(one).not.toMatch(/para\/full/);
    expect(one).toMatch(/^hand-off between two para guests .*\s+1\.419\s+us$/m);
  });

  it("refuses what it cannot run, in one line each", async () => {
    for (const [args, want] of [
      [["bench", "--io"], /--io applies to --guest linux/],
      [["bench", "--guest", "linux", "--io", "--modes", "native,full"], /in full and\/or para mode \(native mode has one guest/],
      [["bench", "--guest", "linux", "--io", "--modes", "full,fast"], /'fast' is not one of them/],
      [["bench", "--guest", "linux", "--io", "--modes", "para", "--kernel-build", "debian"], /Debian's kernel is not paravirtualized/],
      [["bench", "--guest", "linux", "--io", "--engine", "jit"], /interpreter/],
    ] as Array<[string[], RegExp]>) {
      const r = await vm7(args, { timeoutMs: 60_000 });
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(want);
    }
  }, 70_000);
});

describe("vm7 bench --guest linux --io --modes full,para --quick: the rows in both modes (two boots of vm7's builds, ~20 s)", () => {
  needPackages();

  it("every row in both modes from zImage-vm7 (full) and zImage-para (para); para is faster than full where the kernel is entered", async (ctx) => {
    skipWithout(ctx);
    const dir = mkdtempSync(join(tmpdir(), "vm7-bench-io-"));
    const json = join(dir, "io.json");
    const r = await vm7(["bench", "--guest", "linux", "--io", "--modes", "full,para", "--quick", "--json", json], { timeoutMs: 180_000 });
    expect(r.status, r.stderr.slice(-3000)).toBe(0);
    expect(r.stdout).toMatch(/^Linux I\/O: two guests on one VMM \(zImage-vm7 in full mode, zImage-para in para mode\)/);
    expect(r.stdout).toMatch(/^measurement\s+full\s+para\s+para\/full\s+unit$/m);
    const j = JSON.parse(readFileSync(json, "utf8")) as { io: Record<string, { kernel: string; rows: Array<{ name: string; value: number }> }> };
    expect(Object.keys(j.io)).toEqual(["full", "para"]);
    expect(j.io.full.kernel).toBe("zImage-vm7");
    expect(j.io.para.kernel).toBe("zImage-para");
    const v = (mode: string, name: string) => j.io[mode].rows.find((x) => x.name === name)!.value;
    for (const mode of ["full", "para"]) {
      expect(j.io[mode].rows.map((x) => x.name)).toEqual(["disk_write", "disk_read", "ping_peer", "ping_guest", "tcp", "lat_ctx_one_guest", "lat_ctx_two_guests"]);
      for (const x of j.io[mode].rows) expect(x.value, `${mode} ${x.name}`).toBeGreaterThan(0);
      // between two guests the hand-off crosses two network stacks: dearer than a switch inside one
      expect(v(mode, "lat_ctx_two_guests")).toBeGreaterThan(v(mode, "lat_ctx_one_guest"));
    }
    // para's kernel entries are cheaper (docs/vmm.md, "Linux in para mode"): context switches and the network round trip
    expect(v("para", "lat_ctx_one_guest")).toBeLessThan(v("full", "lat_ctx_one_guest"));
    expect(v("para", "ping_guest")).toBeLessThan(v("full", "ping_guest"));
  }, 190_000);
});
