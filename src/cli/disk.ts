// --disk FILE / --disk-size SIZE for `vm7 run` and `vm7 linux`: a virtio-blk device (src/virtio/blk.ts)
// in the board's first virtio-mmio window, backed by a host file.
import { Command, InvalidArgumentError } from "commander";
import type { Machine } from "../machine/machine.js";
import { DiskError, VirtioBlk, openDisk, parseSize, type FileStorage } from "../virtio/blk.js";

export { DiskError };

export interface DiskOpts { disk?: string; diskSize?: number }

export function diskOptions(cmd: Command): Command {
  return cmd
    .option("--disk <file>", "give the guest a virtio-blk disk (/dev/vda under Linux) backed by this host file; " +
      "every write the guest makes reaches the file at once")
    .option("--disk-size <size>", "with --disk: create the file with this size when it does not exist (e.g. 8M, 1G); " +
      "an existing file must have exactly this size", (s: string) => {
      const n = parseSize(s);
      if (n === undefined || n <= 0 || n % 512 !== 0) throw new InvalidArgumentError(`'${s}' is not a size that is a positive multiple of 512 bytes (e.g. 8M)`);
      return n;
    });
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
