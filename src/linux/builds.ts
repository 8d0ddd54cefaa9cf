// Which Linux kernel `vm7 linux` and `vm7 bench --guest linux` boot (`--kernel-build`):
//   debian  Debian's own armmp binary (linux-image-6.1.0-*-armmp, fetched with apt: src/linux/fetch.ts),
//           the reference for native and full mode; it is not paravirtualized, so no para mode.
//   vm7     vm7's own builds of the same source (Debian's linux-source-6.1) with the board's
//           configuration, committed in fixtures/linux-kernel (build-kernel.sh): zImage-vm7 for
//           native and full mode, zImage-para (the same plus the paravirtual patch series) for para
//           mode, so the three modes compare one kernel.
// The raw Image of a committed zImage is unpacked on the host once and cached by its SHA-256 in
// the same cache as Debian's packages.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { detectTextOffset, parseZImage } from "../loaders/zimage.js";
import { extractImage } from "../loaders/zimage-unpack.js";
import { LINUX_LAYOUT } from "../loaders/linux.js";
import { cacheDir, getKernel } from "./fetch.js";

export const KERNEL_BUILDS = ["debian", "vm7"] as const;

/** A kernel build that cannot be booted (missing image, refused mode): one line, no stack. */
export class KernelBuildError extends Error {}
export type KernelBuild = (typeof KERNEL_BUILDS)[number];

const HERE = dirname(fileURLToPath(import.meta.url));

/** The directory of vm7's committed kernel images. */
export function kernelFixtureDir(): string { return join(HERE, "..", "..", "fixtures", "linux-kernel"); }

/** The committed zImage of vm7's build for a mode: the paravirtual one for para, else the plain one. */
export function vm7ZImagePath(mode: string): string {
  return join(kernelFixtureDir(), mode === "para" ? "zImage-para" : "zImage-vm7");
}

/** A kernel ready to load: the zImage, its raw Image (unpacked on the host) and where that runs. */
export interface BootKernel { name: string; zimagePath: string; imagePath: string; textOffset: number; modulesFromDebian: boolean }

/** undefined when `build` can boot in `mode`, else why not (one phrase). */
export function kernelBuildRefusal(build: KernelBuild, mode: string): string | undefined {
  if (build === "debian" && mode === "para") {
    return "Debian's kernel is not paravirtualized; --mode para boots vm7's paravirtual build (--kernel-build vm7, the default in para mode)";
  }
  return undefined;
}

/** The default build for a mode: Debian's binary (the reference) natively and in full mode, vm7's para build in para mode. */
export function defaultKernelBuild(mode: string): KernelBuild { return mode === "para" ? "vm7" : "debian"; }

const byImage = new Map<string, BootKernel>();
/** The kernel bootKernel() gave for this raw Image path (how `vm7 bench` hands a mode its kernel). */
export function kernelOfImage(imagePath: string): BootKernel | undefined { return byImage.get(imagePath); }

/** The kernel of `build` for `mode` (Debian's is fetched with apt the first time). */
export function bootKernel(build: KernelBuild, mode: string, log: (s: string) => void, refresh = false): BootKernel {
  const k = bootKernelOf(build, mode, log, refresh);
  byImage.set(k.imagePath, k);
  return k;
}

function bootKernelOf(build: KernelBuild, mode: string, log: (s: string) => void, refresh: boolean): BootKernel {
  const why = kernelBuildRefusal(build, mode);
  if (why) throw new KernelBuildError(why);
  if (build === "debian") {
    const k = getKernel(log, refresh);
    return { name: k.version, zimagePath: k.zimage, imagePath: k.image, textOffset: k.textOffset, modulesFromDebian: true };
  }
  const zimagePath = vm7ZImagePath(mode);
  if (!existsSync(zimagePath)) {
    throw new KernelBuildError(`--kernel-build vm7: ${zimagePath} is missing ('bash fixtures/linux-kernel/build-kernel.sh ` +
      `${mode === "para" ? "para" : "vm7"}' builds it; the npm package does not include vm7's kernel images)`);
  }
  const z = new Uint8Array(readFileSync(zimagePath));
  const name = zimagePath.split("/").pop()!;
  parseZImage(z, name);
  const sha = createHash("sha256").update(z).digest("hex").slice(0, 16);
  const dir = join(cacheDir(), `vm7-kernel-${sha}`);
  const imagePath = join(dir, "Image");
  if (!existsSync(imagePath)) {
    mkdirSync(dir, { recursive: true });
    const { image } = extractImage(z, name);
    writeFileSync(imagePath + ".tmp", image); renameSync(imagePath + ".tmp", imagePath);
  }
  const textOffset = detectTextOffset(z) ?? LINUX_LAYOUT.defaultTextOffset;
  return { name: `vm7's Linux 6.1 build (${name})`, zimagePath, imagePath, textOffset, modulesFromDebian: false };
}
