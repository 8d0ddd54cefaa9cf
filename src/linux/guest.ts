// What every Linux boot of vm7 puts together: the committed board DTB, our static benchmark
// programs for the initramfs, and (for `vm7 bench --guest linux`) a machine loaded with Debian's
// kernel (or the one given) and an initramfs that runs one command between markers.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { randomBytes } from "node:crypto";
import type { Machine } from "../machine/machine.js";
import { loadLinux, type LinuxPlacement } from "../loaders/linux.js";
import { getKernel, getBusybox } from "./fetch.js";
import { buildInitramfs, execMarkers, type ExecMarkers } from "./initramfs.js";
import { lpjFor } from "./boot.js";
import type { BootKernel } from "./builds.js";

export { lpjFor } from "./boot.js";

const HERE = dirname(fileURLToPath(import.meta.url));

/** The committed board DTB (fixtures/linux/board.dtb, built from board.dts). */
export function boardDtbPath(): string { return join(HERE, "..", "..", "fixtures", "linux", "board.dtb"); }

/** Our static armhf benchmark programs (bench/linux/bin), installed in the initramfs as /vm7/<name>. */
export function guestPrograms(): Record<string, Uint8Array> {
  const dir = join(HERE, "..", "..", "bench", "linux", "bin");
  const out: Record<string, Uint8Array> = {};
  for (const f of ["vm7bench", "true"]) {
    const p = join(dir, f);
    if (existsSync(p)) out[`vm7/${f}`] = new Uint8Array(readFileSync(p));
  }
  return out;
}

/** Loads Debian's kernel (fast path) and an initramfs that runs `command` once booted; `files`
 *  adds files to the initramfs (path inside it -> contents, mode 0755). */
export function loadLinuxRunning(m: Machine, command: string, log: (s: string) => void, virtualCpuHz?: number,
  files: Record<string, Uint8Array> = {}, kernel?: BootKernel): { markers: ExecMarkers; placement: LinuxPlacement; kernelImage: string; kernelVersion: string } {
  const k = kernel ? { image: kernel.imagePath, version: kernel.name, textOffset: kernel.textOffset } : getKernel(log);
  const bb = getBusybox(log);
  const markers = execMarkers(randomBytes(6).toString("hex"));
  const initrd = buildInitramfs({ busybox: new Uint8Array(readFileSync(bb)), exec: { command, markers }, files: { ...guestPrograms(), ...files } });
  const placement = loadLinux(m, {
    kernel: new Uint8Array(readFileSync(k.image)), kernelName: k.version, textOffset: k.textOffset,
    dtb: new Uint8Array(readFileSync(boardDtbPath())), dtbName: "board.dtb", initrd, append: virtualCpuHz ? `quiet lpj=${lpjFor(virtualCpuHz)}` : "quiet",
  });
  return { markers, placement, kernelImage: k.image, kernelVersion: k.version };
}
