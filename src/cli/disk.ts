// --disk FILE / --disk-size SIZE for `vm7 run` and `vm7 linux`: a virtio-blk device (src/virtio/blk.ts)
// in the board's first virtio-mmio window, backed by a host file.
import { Command, InvalidArgumentError } from "commander";
import type { Machine } from "../machine/machine.js";
import { DiskError, VirtioBlk, openDisk, parseSize, type FileStorage } from "../virtio/blk.js";
import { VirtioNet, VirtualSwitch, PingPeer } from "../virtio/net.js";
import { VirtioConsole } from "../virtio/console.js";
import { closeSync, openSync, writeSync } from "node:fs";

export { DiskError };

export interface DiskOpts { disk?: string; diskSize?: number; net?: boolean; vconsole?: string }

/** Snapshots and recordings do not carry the virtio back ends' state (host files, queues in flight):
 *  the one line that refuses --snapshot-at/--record with virtio devices, or undefined. */
export function virtioSnapshotConflict(o: DiskOpts & { snapshotAt?: unknown; record?: string }): string | undefined {
  const dev = [o.disk !== undefined && "--disk", o.net && "--net", o.vconsole !== undefined && "--vconsole"].filter(Boolean);
  const snap = [o.snapshotAt && "--snapshot-at", o.record !== undefined && "--record"].filter(Boolean);
  return dev.length && snap.length ? `${snap.join(" and ")} cannot be used with ${dev.join(", ")}: snapshots do not carry virtio devices yet` : undefined;
}

/** --net: the guest's address on the virtual switch, and the switch's built-in ping peer. */
export const NET_GUEST_IP = "10.0.7.1";
export const NET_PEER_IP = "10.0.7.254";

export function diskOptions(cmd: Command): Command {
  return cmd
    .option("--disk <file>", "give the guest a virtio-blk disk (/dev/vda under Linux) backed by this host file; " +
      "every write the guest makes reaches the file at once")
    .option("--disk-size <size>", "with --disk: create the file with this size when it does not exist (e.g. 8M, 1G); " +
      "an existing file must have exactly this size", (s: string) => {
      const n = parseSize(s);
      if (n === undefined || n <= 0 || n % 512 !== 0) throw new InvalidArgumentError(`'${s}' is not a size that is a positive multiple of 512 bytes (e.g. 8M)`);
      return n;
    })
    .option("--net", `give the guest a virtio-net card (eth0, ${NET_GUEST_IP}/24 under vm7 linux) on a virtual switch inside vm7 ` +
      `(no host networking), where a built-in peer at ${NET_PEER_IP} answers ARP and ping`, false)
    .option("--vconsole <file>", "give the guest a virtio-console port (/dev/hvc0 under Linux) whose output is written to this host file");
}

/**
 * The virtio devices --disk, --net and --vconsole ask for. Their host files are opened once, here
 * (the checks and errors come before any guest runs); `attach` gives a booted machine its own
 * front-end state over them: the first machine, and the fresh one each reboot brings (the disk and
 * console file carry over, as a real board's disk does). `close` closes the files at exit.
 */
export interface VirtioHostDevices { attach(m: Machine): void; close(): void }

export function openVirtioDevices(o: DiskOpts, mode: string, log: (s: string) => void, paraFrontEnds = false): VirtioHostDevices {
  const para = (opt: string) => new DiskError(`${opt}: not available in para mode (no para guest of vm7 run has a virtio front end); use --mode native or full, or vm7 linux --mode para`);
  if (o.disk === undefined && o.diskSize !== undefined) throw new DiskError("--disk-size needs --disk FILE");
  // `paraFrontEnds`: the para guest has virtio front ends (vm7 linux: vm7's para kernel has virtio-blk,
  // virtio-net and virtio-console built in); vm7 run's para guests (the tiny kernel) have none.
  if (mode === "para" && !paraFrontEnds) {
    if (o.disk !== undefined) throw para("--disk");
    if (o.net) throw para("--net");
    if (o.vconsole !== undefined) throw para("--vconsole");
  }
  const disk = o.disk !== undefined ? openDisk(o.disk, o.diskSize) : undefined;
  let fd: number | undefined;
  if (o.vconsole !== undefined) {
    try { fd = openSync(o.vconsole, "w"); } catch (e) {
      disk?.close();
      throw new DiskError(`--vconsole ${o.vconsole}: cannot open it for writing (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  }
  return {
    // Window order: disk, card, console (the guest's /dev/vda, eth0, /dev/hvc0 do not depend on it).
    attach(m: Machine): void {
      if (disk) m.attachVirtio(new VirtioBlk(disk), log);
      if (o.net) {
        const sw = new VirtualSwitch();
        new PingPeer(sw, Uint8Array.from(NET_PEER_IP.split(".").map(Number)));
        m.attachVirtio(new VirtioNet(sw, Uint8Array.of(0x02, 0x76, 0x6d, 0x37, 0x00, 0x01)), log);
      }
      if (fd !== undefined) { const f = fd; m.attachVirtio(new VirtioConsole((b) => { writeSync(f, b); }), log); }
    },
    close(): void {
      disk?.close();
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}

/** --net with several guests: guest k's address, set by /init from VM7_GUEST (10.0.7.1, .2, ...). */
export const NET_GUESTS_IP = "10.0.7.$((${VM7_GUEST:-0}+1))";

/** With several guests, guest k's file for --disk FILE or --vconsole FILE: FILE.g<k>. */
export function guestFile(path: string, k: number): string { return `${path}.g${k}`; }

/**
 * The virtio devices of `vm7 linux --guests N`: each guest gets its own --disk (FILE.g<k>, created
 * with --disk-size when absent) and --vconsole file (FILE.g<k>), and its own virtio-net card
 * (MAC 02:76:6d:37:00:<k+1>) on one virtual switch that joins them all, with the ping peer at
 * NET_PEER_IP. Files are opened here, before any guest runs (one-line errors).
 */
export function openGuestsVirtio(o: DiskOpts, n: number, log: (s: string) => void): { attach(m: Machine, k: number): void; close(): void } {
  if (o.disk === undefined && o.diskSize !== undefined) throw new DiskError("--disk-size needs --disk FILE");
  const disks: FileStorage[] = [];
  const fds: number[] = [];
  const close = () => { for (const d of disks) d.close(); for (const f of fds) closeSync(f); disks.length = 0; fds.length = 0; };
  try {
    for (let k = 0; k < n; k++) {
      if (o.disk !== undefined) {
        try { disks.push(openDisk(guestFile(o.disk, k), o.diskSize)); } catch (e) {
          if (e instanceof DiskError) throw new DiskError(`${e.message} (guest ${k}'s disk: --disk ${o.disk} gives guest k the file ${o.disk}.g<k>)`);
          throw e;
        }
      }
      if (o.vconsole !== undefined) {
        const path = guestFile(o.vconsole, k);
        try { fds.push(openSync(path, "w")); } catch (e) {
          throw new DiskError(`--vconsole ${path}: cannot open it for writing (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
        }
      }
    }
  } catch (e) { close(); throw e; }
  const sw = o.net ? new VirtualSwitch() : undefined;
  if (sw) new PingPeer(sw, Uint8Array.from(NET_PEER_IP.split(".").map(Number)));
  return {
    attach(m: Machine, k: number): void {
      const tag = (s: string) => log(`[g${k}] ${s}`);
      if (o.disk !== undefined) m.attachVirtio(new VirtioBlk(disks[k]), tag);
      if (sw) m.attachVirtio(new VirtioNet(sw, Uint8Array.of(0x02, 0x76, 0x6d, 0x37, 0x00, k + 1)), tag);
      if (o.vconsole !== undefined) { const f = fds[k]; m.attachVirtio(new VirtioConsole((b) => { writeSync(f, b); }), tag); }
    },
    close,
  };
}
