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

/** Attaches --vconsole's port; returns a function that closes its file. */
export function attachConsole(m: Machine, o: DiskOpts, log: (s: string) => void): (() => void) | undefined {
  if (o.vconsole === undefined) return undefined;
  if (m.mode === "para") throw new DiskError("--vconsole: not available in para mode (no para guest has a virtio front end); use --mode native or full");
  let fd: number;
  try { fd = openSync(o.vconsole, "w"); } catch (e) {
    throw new DiskError(`--vconsole ${o.vconsole}: cannot open it for writing (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  m.attachVirtio(new VirtioConsole((b) => { writeSync(fd, b); }), log);
  return () => closeSync(fd);
}

/** Attaches --net's card and the switch's ping peer to `m`. */
export function attachNet(m: Machine, o: DiskOpts, log: (s: string) => void): VirtioNet | undefined {
  if (!o.net) return undefined;
  if (m.mode === "para") throw new DiskError("--net: not available in para mode (no para guest has a virtio front end); use --mode native or full");
  const sw = new VirtualSwitch();
  new PingPeer(sw, Uint8Array.from(NET_PEER_IP.split(".").map(Number)));
  const dev = new VirtioNet(sw, Uint8Array.of(0x02, 0x76, 0x6d, 0x37, 0x00, 0x01));
  m.attachVirtio(dev, log);
  return dev;
}

/** Opens --disk and attaches it to `m` (before the guest runs). Returns the storage to close at exit. */
export function attachDisk(m: Machine, o: DiskOpts, log: (s: string) => void): FileStorage | undefined {
  if (o.disk === undefined) {
    if (o.diskSize !== undefined) throw new DiskError("--disk-size needs --disk FILE");
    return undefined;
  }
  if (m.mode === "para") {
    throw new DiskError("--disk: not available in para mode (no para guest has a virtio front end); use --mode native or full");
  }
  const st = openDisk(o.disk, o.diskSize);
  m.attachVirtio(new VirtioBlk(st), log);
  return st;
}
