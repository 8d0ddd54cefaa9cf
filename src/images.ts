// The images that come with vm7 (in a checkout and in the npm package alike), by name: `vm7 run hello`,
// `vm7 run kernel --mode full`, `vm7 run kernel-para --mode para`; and what identifies this vm7 (its
// package version and the core it loads) for `vm7 --version`.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { corePath } from "./machine/host.js";

/** The package's root directory (the checkout, or node_modules/vm7). */
export const packageRoot = fileURLToPath(new URL("..", import.meta.url));

export interface BundledImage {
  /** The name `vm7 run NAME` accepts. */
  name: string;
  /** Its path inside the package. */
  file: string;
  /** What it is, in one line. */
  what: string;
}

const IMAGES: readonly BundledImage[] = [
  { name: "hello", file: "fixtures/hello/hello.elf", what: "says hello and the CPU's MIDR on UART3, then exits through semihosting (status 0)" },
  { name: "kernel", file: "fixtures/kernel/kernel.elf", what: "the tiny test kernel: processes, fork, pipes, page faults; runs its self-test (native or --mode full; --cmdline \"kernel bench quick\" runs the benchmarks)" },
  { name: "kernel-para", file: "fixtures/kernel/kernel-para.elf", what: "the tiny kernel's paravirtual build (--mode para): calls the VMM by hypercalls" },
  { name: "a32mix", file: "bench/workloads/a32mix.elf", what: "emulator speed workload (A32 integer mix), prints a checksum" },
  { name: "t32mix", file: "bench/workloads/t32mix.elf", what: "emulator speed workload (the same mix in Thumb-2), prints the same checksum" },
];

/** The bundled images present in this copy of vm7, with absolute paths. */
export function bundledImages(): Array<BundledImage & { path: string }> {
  return IMAGES.map((i) => ({ ...i, path: join(packageRoot, i.file) })).filter((i) => existsSync(i.path));
}

/** The path of bundled image `name` (throws when there is none by that name). */
export function bundledImage(name: string): string {
  const all = bundledImages();
  const hit = all.find((i) => i.name === name);
  if (!hit) throw new Error(`no bundled image '${name}' (have: ${all.map((i) => i.name).join(", ") || "none"})`);
  return hit.path;
}

/** This vm7's package version (package.json). */
export function version(): string {
  try { return String(JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8")).version ?? "unknown"); }
  catch { return "unknown"; }
}

/** The core this process loads: its path, size and the first 12 hex digits of its SHA-256 (its build identity). */
export function coreIdentity(): { path: string; bytes: number; sha256: string } | undefined {
  const path = corePath();
  try {
    const bytes = readFileSync(path);
    return { path, bytes: statSync(path).size, sha256: createHash("sha256").update(bytes).digest("hex").slice(0, 12) };
  } catch { return undefined; }
}
