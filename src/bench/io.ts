// `vm7 bench --guest linux --io`: the I/O rows (docs/guests.md, "Figures"). Two Linux guests on one
// VMM, each with a virtio-blk disk and a virtio-net card on vm7's virtual switch (`vm7 linux --guests
// 2 --net --disk`), in full mode (Debian's kernel; vm7's zImage-vm7 when para runs too) and/or para
// mode (vm7's zImage-para), run one script: guest 0 measures its disk (dd to and from /dev/vda), ping
// to the switch's built-in peer (no second guest involved) and to guest 1, TCP bandwidth to guest 1
// (busybox nc), and lat_ctx between two processes inside itself (vm7bench); guest 1 serves the TCP
// stream. A last row runs two para guests of the tiny kernel passing a token over an event channel:
// the scheduler's hand-off without a network stack. Every figure is measured by the guest on its
// 32 kHz counter (0x48320010, read with busybox devmem) or by ping's own clock: guest time, which with
// the default virtual clock follows the instruction count (deterministic but for the host's own
// timing lines). Each run is a child process of this vm7 (bin/vm7.js linux), so the bench's event
// loop stays free.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { spawn } from "node:child_process";
import { BenchRunError } from "./runner.js";

const VM7 = fileURLToPath(new URL("../../bin/vm7.js", import.meta.url));

export interface IoRow { name: string; what: string; value: number; unit: string }

const DISK_BLOCKS = 128, TCP_BLOCKS = 64; // 64 KiB blocks: 8 MiB to the disk, 4 MiB over TCP
const PINGS = 10;

/** The script both guests run (--exec); guest 0's lines "VM7IO name bytes ticks" carry the figures. */
export function ioScript(quick: boolean): string {
  const disk = quick ? DISK_BLOCKS / 4 : DISK_BLOCKS, tcp = quick ? TCP_BLOCKS / 4 : TCP_BLOCKS, pings = quick ? 3 : PINGS;
  return [
    "T() { echo $(( $(devmem 0x48320010) )); }",
    "if [ $VM7_GUEST = 0 ]; then",
    `  a=$(T); dd if=/dev/zero of=/dev/vda bs=64k count=${disk} conv=fsync 2>/dev/null; b=$(T); echo "VM7IO disk_write $((${disk}*65536)) $((b-a))"`,
    "  echo 3 > /proc/sys/vm/drop_caches",
    `  a=$(T); dd if=/dev/vda of=/dev/null bs=64k count=${disk} 2>/dev/null; b=$(T); echo "VM7IO disk_read $((${disk}*65536)) $((b-a))"`,
    `  echo "VM7IO ping_peer $(ping -c ${pings} 10.0.7.254 | tail -1)"`,
    `  echo "VM7IO ping_guest $(ping -c ${pings} 10.0.7.2 | tail -1)"`,
    `  a=$(T); dd if=/dev/zero bs=64k count=${tcp} 2>/dev/null | nc 10.0.7.2 5001; b=$(T); echo "VM7IO tcp $((${tcp}*65536)) $((b-a))"`,
    `  /vm7/vm7bench ${quick ? "quick " : ""}lat_ctx_2p_0k`,
    "else",
    // The server's stdin must stay open (from /dev/null its EOF would close the connection at once).
    "  sleep 60 | nc -l -p 5001 | wc -c | sed 's/^/VM7IO tcp_received /'",
    "fi",
  ].join("\n");
}

/** The rows from the run's stdout ("[gN] " prefixed lines). Throws BenchRunError for a missing figure. */
export function parseIo(stdout: string): IoRow[] {
  const line = (name: string) => new RegExp(`^\\[g[01]\\] VM7IO ${name} (.*)$`, "m").exec(stdout)?.[1];
  const need = (name: string): string => {
    const v = line(name);
    if (v === undefined) throw new BenchRunError(`--io: guest 0 printed no ${name} figure`, [], "run the script with vm7 linux --guests 2 --net --disk ... to see why", 3);
    return v;
  };
  const bw = (name: string): number => {
    const [bytes, ticks] = need(name).split(" ").map(Number);
    if (!(ticks > 0)) throw new BenchRunError(`--io: ${name}: no time measured (${ticks} ticks)`, [], "", 3);
    return bytes / (ticks / 32768) / (1 << 20);
  };
  const rtt = (name: string): number => {
    const m = /round-trip min\/avg\/max = [\d.]+\/([\d.]+)\/[\d.]+ ms/.exec(need(name));
    if (!m) throw new BenchRunError(`--io: ${name}: ping printed no round-trip line ('${need(name)}')`, [], "", 3);
    return Number(m[1]);
  };
  const received = Number(line("tcp_received"));
  const sent = Number(need("tcp").split(" ")[0]);
  if (received !== sent) throw new BenchRunError(`--io: guest 1 received ${received} bytes of the ${sent} guest 0 sent over TCP`, [], "", 3);
  const ctx = /^\[g0\] BENCH lat_ctx_2p_0k ([\d.]+) us/m.exec(stdout);
  if (!ctx) throw new BenchRunError("--io: vm7bench printed no lat_ctx_2p_0k line", [], "", 3);
  const pingGuest = rtt("ping_guest");
  return [
    { name: "disk_write", what: "dd to /dev/vda (64 KiB blocks, conv=fsync)", value: bw("disk_write"), unit: "MB/s" },
    { name: "disk_read", what: "dd from /dev/vda (64 KiB blocks, after drop_caches)", value: bw("disk_read"), unit: "MB/s" },
    { name: "ping_peer", what: "ping RTT to the switch's peer (host side, no second guest)", value: rtt("ping_peer") * 1000, unit: "us" },
    { name: "ping_guest", what: "ping RTT guest 0 -> guest 1", value: pingGuest * 1000, unit: "us" },
    { name: "tcp", what: "TCP guest 0 -> guest 1 (busybox nc)", value: bw("tcp"), unit: "MB/s" },
    { name: "lat_ctx_one_guest", what: "lat_ctx_2p_0k inside one guest (vm7bench, pipe token)", value: Number(ctx[1]), unit: "us" },
    { name: "lat_ctx_two_guests", what: "hand-off between two guests (ping RTT guest 0 -> 1, / 2)", value: pingGuest * 1000 / 2, unit: "us" },
  ];
}

/** One mode's Linux run: its rows and what it cost the host. */
export interface IoModeResult {
  mode: IoMode; kernel: string; rows: IoRow[]; hostSeconds: number; switches: number; insns: number[];
}
export interface IoResult { modes: IoModeResult[]; ring: IoRow; hostSecondsAll: number }

/** The modes the I/O rows run in: two guests need the VMM, so full and para (native has one guest). */
export const IO_MODES = ["full", "para"] as const;
export type IoMode = (typeof IO_MODES)[number];

/**
 * Which kernel a mode boots: Debian's armmp binary in full mode alone (the reference, its virtio front
 * ends are modules /init loads); with para among the modes, like with like, vm7's own builds of the
 * same source (zImage-vm7 in full mode, zImage-para in para mode; everything built in).
 */
export function ioKernelBuild(mode: IoMode, modes: readonly IoMode[], asked?: "debian" | "vm7"): "debian" | "vm7" {
  if (mode === "para") return "vm7";
  return asked ?? (modes.includes("para") ? "vm7" : "debian");
}

/** The kernel's name in the table's heading and notes. */
function kernelName(mode: IoMode, build: "debian" | "vm7"): string {
  return build === "debian" ? "Debian's armmp 6.1" : mode === "para" ? "zImage-para" : "zImage-vm7";
}

/** The arguments of the two-guest `vm7 linux` run of one mode. */
export function ioArgs(o: { quick: boolean; cpuHz: number; ram: number; maxInsns?: number }, mode: IoMode, build: "debian" | "vm7", disk: string): string[] {
  return ["linux", "--guests", "2", "--mode", mode, ...(build === "vm7" ? ["--kernel-build", "vm7"] : []), "--net", "--disk", disk, "--disk-size", "16M",
    "--cpu-hz", String(o.cpuHz), "--ram", String(o.ram), "--max-insns", String(o.maxInsns ?? 4e10), "--exec", ioScript(o.quick)];
}

function child(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ out: string; err: string; status: number | null }> {
  return new Promise((res) => {
    const p = spawn(process.execPath, [VM7, ...args], { stdio: ["ignore", "pipe", "pipe"], env });
    let out = "", err = "";
    p.stdout.on("data", (b: Buffer) => { out += b.toString("utf8"); });
    p.stderr.on("data", (b: Buffer) => { err += b.toString("utf8"); });
    p.on("close", (status) => res({ out, err, status }));
  });
}

/** Runs the two Linux guests of one mode (a child process) and returns its rows. */
async function runIoMode(o: { quick: boolean; cpuHz: number; ram: number; maxInsns?: number; note: (s: string) => void },
  mode: IoMode, build: "debian" | "vm7"): Promise<IoModeResult> {
  const dir = mkdtempSync(join(tmpdir(), "vm7-bench-io-"));
  const args = ioArgs(o, mode, build, join(dir, "disk.img"));
  const kernel = kernelName(mode, build);
  const t0 = performance.now();
  o.note(`vm7 bench: --io: two Linux guests (${kernel}) in ${mode} mode (vm7 linux --guests 2 --net --disk), guest 0 measures`);
  // A fixed nonce for /init's markers: the same initramfs every run, so the same figures (virtual time).
  const r = await child(args, { ...process.env, VM7_EXEC_NONCE: "benchio" });
  const hostSeconds = (performance.now() - t0) / 1000;
  try { rmSync(dir, { recursive: true, force: true }); } catch { /* a temporary directory */ }
  if (r.status !== 0) {
    throw new BenchRunError(`--io: the two-guest run in ${mode} mode exited with status ${r.status}`, r.err.trim().split("\n").slice(-12),
      "its command: vm7 " + args.slice(0, -2).join(" "), 3);
  }
  const switches = Number(/(\d+) switches/.exec(r.err)?.[1] ?? NaN);
  const insns = [...r.err.matchAll(/^vm7: \[g\d\] .* after (\d+) instructions/gm)].map((m) => Number(m[1]));
  return { mode, kernel, rows: parseIo(r.out), hostSeconds, switches, insns };
}

/** Runs the two guests of each mode in turn (child processes), then the para ping-pong, and returns the rows. */
export async function runIo(o: { modes: readonly IoMode[]; kernelBuild?: "debian" | "vm7"; quick: boolean; cpuHz: number; ram: number;
  maxInsns?: number; note: (s: string) => void }): Promise<IoResult> {
  const t0 = performance.now();
  const modes: IoModeResult[] = [];
  for (const mode of o.modes) modes.push(await runIoMode(o, mode, ioKernelBuild(mode, o.modes, o.kernelBuild)));
  // The scheduler's own hand-off, without a network stack: two para guests of the tiny kernel pass
  // a token over an event channel 1000 times (its ring demo with "ringbench"; docs/guests.md).
  const ring = await child(["run", "--guest", "kernel-para", "--guest", "kernel-para", "--cmdline", "kernel ring ringbench", "--cpu-hz", String(o.cpuHz)]);
  const trip = /^\[g0\] ring: guest 0: (\d+) round trips in \d+ ticks of 32 kHz \((\d+) ns each\)$/m.exec(ring.out);
  if (ring.status !== 0 || !trip) throw new BenchRunError("--io: the event-channel ping-pong of two para guests printed no round-trip line", ring.out.trim().split("\n").slice(-8), "", 3);
  const hostSecondsAll = (performance.now() - t0) / 1000;
  return {
    modes, hostSecondsAll,
    ring: { name: "lat_ctx_two_para_guests", what: "hand-off between two para guests (tiny kernel, event channel, round trip / 2)", value: Number(trip[2]) / 2 / 1000, unit: "us" },
  };
}

const fmt = (v: number) => v.toFixed(v >= 100 ? 1 : 3);

/** The table: one value column per mode (and para / full when both ran), then the host's costs. */
export function ioTable(r: IoResult): string {
  const rows = r.modes[0].rows.map((x) => x.name);
  const what = new Map([...r.modes[0].rows, r.ring].map((x) => [x.name, x]));
  const w = Math.max(...[...what.values()].map((x) => x.what.length));
  const both = r.modes.length === 2;
  const cols = r.modes.map((m) => m.mode);
  const heading = r.modes.map((m) => `${m.kernel} in ${m.mode} mode`).join(", ");
  const cell = (s: string) => s.padStart(10);
  const lines = [
    `Linux I/O: two guests on one VMM (${heading}), virtio-blk and virtio-net on vm7's switch (guest-measured)`,
    ...(both ? ["(like with like: with para among the modes, full mode boots vm7's build of the same source, zImage-vm7;",
      " para/full is the ratio of the values: above 1 para is faster in MB/s, below 1 it is faster in us)"] : []),
    "",
    `${"measurement".padEnd(w)}  ${cols.map(cell).join("  ")}${both ? "  para/full" : ""}  unit`,
    `${"-".repeat(w)}  ${cols.map(() => "-".repeat(10)).join("  ")}${both ? "  ---------" : ""}  ----`,
    ...rows.map((name) => {
      const vals = r.modes.map((m) => m.rows.find((x) => x.name === name)!.value);
      const x = what.get(name)!;
      return `${x.what.padEnd(w)}  ${vals.map((v) => cell(fmt(v))).join("  ")}${both ? `  ${(vals[1] / vals[0]).toFixed(2).padStart(9)}` : ""}  ${x.unit}`;
    }),
    // (a figure of the tiny kernel's para guests, whatever the modes: in the para column when there is one)
    `${r.ring.what.padEnd(w)}  ${cols.map((c) => cell(c === "para" || !cols.includes("para") ? fmt(r.ring.value) : "")).join("  ")}${both ? " ".repeat(11) : ""}  ${r.ring.unit}`,
    "",
    ...r.modes.map((m) => `host, ${m.mode} mode: ${m.hostSeconds.toFixed(1)} s for the Linux run (two boots included), ${m.switches} guest switches, ` +
      `${m.insns.map((n) => (n / 1e6).toFixed(0) + "M").join(" + ")} guest instructions`),
    `host: ${r.hostSecondsAll.toFixed(1)} s in all, with the para ping-pong of the tiny kernel`,
  ];
  return lines.join("\n") + "\n";
}
