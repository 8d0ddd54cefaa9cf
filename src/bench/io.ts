// `vm7 bench --guest linux --io`: the I/O rows (docs/guests.md, "Figures"). Two Debian Linux guests
// on one VMM in full mode, each with a virtio-blk disk and a virtio-net card on vm7's virtual switch
// (`vm7 linux --guests 2 --net --disk`), run one script: guest 0 measures its disk (dd to and from
// /dev/vda), ping to the switch's built-in peer (no second guest involved) and to guest 1, TCP
// bandwidth to guest 1 (busybox nc), and lat_ctx between two processes inside itself (vm7bench);
// guest 1 serves the TCP stream. A last row runs two para guests of the tiny kernel passing a token
// over an event channel: the scheduler's hand-off without a network stack. Every figure is measured by the guest on its 32 kHz counter
// (0x48320010, read with busybox devmem) or by ping's own clock: guest time, which with the default
// virtual clock follows the instruction count (deterministic but for the host's own timing lines).
// The run is a child process of this vm7 (bin/vm7.js linux), so the bench's event loop stays free.
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

export interface IoResult { rows: IoRow[]; hostSeconds: number; hostSecondsAll: number; switches: number; insns: number[] }

/** Runs the two guests (child process) and returns the rows. */
export async function runIo(o: { quick: boolean; cpuHz: number; ram: number; maxInsns?: number; note: (s: string) => void }): Promise<IoResult> {
  const dir = mkdtempSync(join(tmpdir(), "vm7-bench-io-"));
  const args = [VM7, "linux", "--guests", "2", "--mode", "full", "--net", "--disk", join(dir, "disk.img"), "--disk-size", "16M",
    "--cpu-hz", String(o.cpuHz), "--ram", String(o.ram), "--max-insns", String(o.maxInsns ?? 4e10), "--exec", ioScript(o.quick)];
  const t0 = performance.now();
  o.note("vm7 bench: --io: two Linux guests in full mode (vm7 linux --guests 2 --net --disk), guest 0 measures");
  const r = await new Promise<{ out: string; err: string; status: number | null }>((res) => {
    // A fixed nonce for /init's markers: the same initramfs every run, so the same figures (virtual time).
    const p = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, VM7_EXEC_NONCE: "benchio" } });
    let out = "", err = "";
    p.stdout.on("data", (b: Buffer) => { out += b.toString("utf8"); });
    p.stderr.on("data", (b: Buffer) => { err += b.toString("utf8"); });
    p.on("close", (status) => res({ out, err, status }));
  });
  const hostSeconds = (performance.now() - t0) / 1000;
  try { rmSync(dir, { recursive: true, force: true }); } catch { /* a temporary directory */ }
  if (r.status !== 0) {
    throw new BenchRunError(`--io: the two-guest run exited with status ${r.status}`, r.err.trim().split("\n").slice(-12), "its command: vm7 linux " + args.slice(2, -2).join(" "), 3);
  }
  // The scheduler's own hand-off, without a network stack: two para guests of the tiny kernel pass
  // a token over an event channel 1000 times (its ring demo with "ringbench"; docs/guests.md).
  const ring = await new Promise<{ out: string; status: number | null }>((res) => {
    const p = spawn(process.execPath, [VM7, "run", "--guest", "kernel-para", "--guest", "kernel-para", "--cmdline", "kernel ring ringbench",
      "--cpu-hz", String(o.cpuHz)], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    p.stdout.on("data", (b: Buffer) => { out += b.toString("utf8"); });
    p.on("close", (status) => res({ out, status }));
  });
  const trip = /^\[g0\] ring: guest 0: (\d+) round trips in \d+ ticks of 32 kHz \((\d+) ns each\)$/m.exec(ring.out);
  if (ring.status !== 0 || !trip) throw new BenchRunError("--io: the event-channel ping-pong of two para guests printed no round-trip line", ring.out.trim().split("\n").slice(-8), "", 3);
  const hostSecondsAll = (performance.now() - t0) / 1000;
  const switches = Number(/(\d+) switches/.exec(r.err)?.[1] ?? NaN);
  const insns = [...r.err.matchAll(/^vm7: \[g\d\] .* after (\d+) instructions/gm)].map((m) => Number(m[1]));
  const rows = parseIo(r.out);
  rows.push({ name: "lat_ctx_two_para_guests", what: "hand-off between two para guests (tiny kernel, event channel, round trip / 2)", value: Number(trip[2]) / 2 / 1000, unit: "us" });
  return { rows, hostSeconds, hostSecondsAll, switches, insns };
}

export function ioTable(r: IoResult): string {
  const w = Math.max(...r.rows.map((x) => x.what.length));
  const lines = [
    "Linux I/O: two Debian 6.1 guests on one VMM, full mode, virtio-blk and virtio-net on vm7's switch (guest-measured)",
    "",
    `${"measurement".padEnd(w)}  ${"value".padStart(10)}  unit`,
    `${"-".repeat(w)}  ${"-".repeat(10)}  ----`,
    ...r.rows.map((x) => `${x.what.padEnd(w)}  ${x.value.toFixed(x.value >= 100 ? 1 : 3).padStart(10)}  ${x.unit}`),
    "",
    `host: ${r.hostSeconds.toFixed(1)} s for the Linux run (two boots included), ${r.switches} guest switches, ` +
      `${r.insns.map((n) => (n / 1e6).toFixed(0) + "M").join(" + ")} guest instructions; ${r.hostSecondsAll.toFixed(1)} s with the para ping-pong`,
  ];
  return lines.join("\n") + "\n";
}
