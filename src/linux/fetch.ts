// Getting Debian's armhf kernel and busybox with Debian's own client (apt-get download + dpkg -x),
// cached outside the repository: $VM7_CACHE, else $XDG_CACHE_HOME/vm7, else ~/.cache/vm7.
//
//   debs/*.deb                          the downloaded packages (kept: a later run works offline)
//   linux-<version>/vmlinuz             the zImage from the kernel package
//   linux-<version>/Image               the raw Image unpacked from it on the host (the fast path)
//   linux-<version>/text-offset         where that Image runs relative to the start of RAM
//   linux-<version>/modules/*.ko        the virtio front-end modules (VIRTIO_MODULES), taken from the package
//   busybox-<version>/busybox           the static armhf busybox
//
// apt is tolerant of one armhf index being mid-sync (apt-get update exits 100 but keeps what it
// got), and when apt cannot fetch a package at all a cached .deb of it is used.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync, renameSync, rmSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { detectTextOffset, parseZImage } from "../loaders/zimage.js";
import { extractImage } from "../loaders/zimage-unpack.js";
import { LINUX_LAYOUT } from "../loaders/linux.js";

export class FetchError extends Error {}

export function cacheDir(): string {
  if (process.env.VM7_CACHE) return process.env.VM7_CACHE;
  const xdg = process.env.XDG_CACHE_HOME;
  return join(xdg && xdg.length > 0 ? xdg : join(homedir(), ".cache"), "vm7");
}

type Log = (line: string) => void;

function run(cmd: string, args: string[], opts: { cwd?: string } = {}): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd: opts.cwd, encoding: "utf8", maxBuffer: 64 << 20, env: { ...process.env, LC_ALL: "C" } });
  if (r.error) return { status: -1, stdout: "", stderr: `${cmd}: ${r.error.message}` };
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

let updated = false;

/** armhf is a foreign architecture and its package lists are present (apt-get update once if not). */
function ensureArmhf(log: Log): void {
  const arches = run("dpkg", ["--print-foreign-architectures"]);
  if (arches.status === -1) throw new FetchError("dpkg not found: fetching the kernel needs Debian's dpkg and apt (or pass --kernel and --initrd)");
  if (!arches.stdout.split(/\s+/).includes("armhf")) {
    log("adding the armhf architecture (dpkg --add-architecture armhf)");
    const r = run("dpkg", ["--add-architecture", "armhf"]);
    if (r.status !== 0) throw new FetchError(`dpkg --add-architecture armhf failed (run it as root once): ${r.stderr.trim()}`);
    aptUpdate(log, true);
  }
  if (!hasCandidate("busybox-static:armhf")) aptUpdate(log, true);
}

function aptUpdate(log: Log, force = false): void {
  if (updated && !force) return;
  updated = true;
  log("apt-get update");
  const r = run("apt-get", ["update", "-qq"]);
  // Exit status 100 with some lists fetched is normal while one armhf index is mid-sync.
  if (r.status !== 0) log(`apt-get update exited with status ${r.status} (continuing with the lists it has): ${lastLine(r.stderr)}`);
}

function candidate(pkg: string): string | undefined {
  const r = run("apt-cache", ["policy", pkg]);
  const m = /Candidate:\s*(\S+)/.exec(r.stdout);
  return m && m[1] !== "(none)" ? m[1] : undefined;
}
function hasCandidate(pkg: string): boolean { return candidate(pkg) !== undefined; }

function lastLine(s: string): string { const l = s.trim().split("\n"); return l[l.length - 1] ?? ""; }

/** The current linux-image-6.1.0-N-armmp, through the linux-image-armmp metapackage. */
function kernelPackage(): string | undefined {
  const r = run("apt-cache", ["depends", "--no-recommends", "--no-suggests", "linux-image-armmp:armhf"]);
  const m = /Depends:\s*(linux-image-6\.1\.0-\d+-armmp)(:armhf)?\s*$/m.exec(r.stdout);
  if (m) return m[1];
  const s = run("apt-cache", ["search", "--names-only", "^linux-image-6\\.1\\.0-[0-9]+-armmp$"]);
  const names = [...s.stdout.matchAll(/^(linux-image-6\.1\.0-(\d+)-armmp)\s/gm)].sort((a, b) => Number(b[2]) - Number(a[2]));
  return names[0]?.[1];
}

/** Downloads `pkg`:armhf into the cache (or finds it there); returns the .deb's path. */
function download(pkg: string | undefined, pattern: RegExp, log: Log): string {
  const debs = join(cacheDir(), "debs");
  mkdirSync(debs, { recursive: true });
  const cached = () => readdirSync(debs).filter((f) => pattern.test(f)).sort(debVersionCompare).reverse();
  const errors: string[] = [];
  if (pkg) {
    const ver = candidate(`${pkg}:armhf`);
    if (ver) {
      const have = readdirSync(debs).find((f) => f.startsWith(`${pkg}_`) && debVersion(f) === ver && pattern.test(f));
      if (have) return join(debs, have);
    }
    for (let attempt = 0; attempt < 2; attempt++) {
      log(`downloading ${pkg}:armhf${ver ? ` ${ver}` : ""} (apt-get download, into ${debs})`);
      const before = new Set(readdirSync(debs));
      const r = run("apt-get", ["download", "-qq", `${pkg}:armhf`], { cwd: debs });
      if (r.status === 0) {
        const got = readdirSync(debs).filter((f) => pattern.test(f) && f.startsWith(pkg.split(":")[0] + "_"));
        const fresh = got.find((f) => !before.has(f)) ?? got.sort(debVersionCompare).reverse()[0];
        if (fresh) return join(debs, fresh);
      }
      errors.push(lastLine(r.stderr) || `apt-get download exited with ${r.status}`);
      if (attempt === 0) aptUpdate(log, true); // a mid-sync index or stale lists: refresh once and retry
    }
  } else errors.push("no package name found in the apt lists");
  const c = cached();
  if (c.length > 0) {
    log(`apt could not fetch ${pkg ?? pattern.source} (${errors[errors.length - 1]}); using the cached ${c[0]}`);
    return join(debs, c[0]);
  }
  throw new FetchError(`cannot get ${pkg ?? pattern.source}:armhf with apt: ${errors.join("; ")}`);
}

function debVersionCompare(a: string, b: string): number {
  const r = run("dpkg", ["--compare-versions", debVersion(a), "lt", debVersion(b)]);
  if (r.status === 0) return -1;
  return a === b ? 0 : 1;
}
function debVersion(file: string): string { return file.split("_")[1]?.replace(/%3a/gi, ":") ?? ""; }

function extractDeb(deb: string, into: string): void {
  const tmp = `${into}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const r = run("dpkg-deb", ["-x", deb, tmp]);
  if (r.status !== 0) { rmSync(tmp, { recursive: true, force: true }); throw new FetchError(`dpkg-deb -x ${deb}: ${lastLine(r.stderr)}`); }
  rmSync(into, { recursive: true, force: true });
  renameSync(tmp, into);
}

export interface LinuxKernel {
  version: string;
  zimage: string;
  image: string;
  textOffset: number;
  deb: string;
}

/**
 * Which .deb a package resolved to last time: apt is asked again (a second or more of apt-cache
 * per package) only after a day, or with refresh (vm7 linux --refresh).
 */
const RESOLVE_TTL_MS = 24 * 3600 * 1000;
function resolved(key: string, refresh: boolean, resolve: () => string): string {
  const f = join(cacheDir(), "resolved.json");
  let db: Record<string, { deb: string; at: number }> = {};
  try { db = JSON.parse(readFileSync(f, "utf8")); } catch { /* first run */ }
  const hit = db[key];
  if (!refresh && hit && Date.now() - hit.at < RESOLVE_TTL_MS && existsSync(hit.deb)) return hit.deb;
  const deb = resolve();
  db[key] = { deb, at: Date.now() };
  mkdirSync(cacheDir(), { recursive: true });
  writeFileSync(f + ".tmp", JSON.stringify(db, null, 1)); renameSync(f + ".tmp", f);
  return deb;
}

/** The armmp kernel: zImage, and the raw Image unpacked from it once (cached). */
export function getKernel(log: Log, refresh = false): LinuxKernel {
  const deb = resolved("kernel", refresh, () => {
    ensureArmhf(log);
    return download(kernelPackage(), /^linux-image-6\.1\.0-\d+-armmp_.*_armhf\.deb$/, log);
  });
  const base = deb.split("/").pop()!.replace(/_armhf\.deb$/, "");
  const dir = join(cacheDir(), base);
  const zimage = join(dir, "vmlinuz"), image = join(dir, "Image"), toff = join(dir, "text-offset");
  if (!existsSync(zimage) || !existsSync(image) || !existsSync(toff)) {
    log(`unpacking ${deb.split("/").pop()}`);
    const x = join(dir, "deb");
    extractDeb(deb, x);
    const boot = join(x, "boot");
    const vmlinuz = readdirSync(boot).find((f) => f.startsWith("vmlinuz-"));
    if (!vmlinuz) throw new FetchError(`${deb}: no boot/vmlinuz-* in the package`);
    const z = new Uint8Array(readFileSync(join(boot, vmlinuz)));
    parseZImage(z, vmlinuz);
    log(`extracting the raw Image from ${vmlinuz} (once; cached in ${dir})`);
    const { image: raw } = extractImage(z, vmlinuz);
    const off = detectTextOffset(z) ?? LINUX_LAYOUT.defaultTextOffset;
    writeFileSync(zimage, z);
    writeFileSync(image + ".tmp", raw); renameSync(image + ".tmp", image);
    writeFileSync(toff, `0x${off.toString(16)}\n`);
    rmSync(x, { recursive: true, force: true });
  }
  return { version: base, zimage, image, textOffset: parseInt(readFileSync(toff, "utf8").trim(), 16), deb };
}

/** Debian's static armhf busybox (cached). */
export function getBusybox(log: Log, refresh = false): string {
  const deb = resolved("busybox", refresh, () => {
    ensureArmhf(log);
    return download("busybox-static", /^busybox-static_.*_armhf\.deb$/, log);
  });
  const base = deb.split("/").pop()!.replace(/_armhf\.deb$/, "");
  const dir = join(cacheDir(), base);
  const bb = join(dir, "busybox");
  if (!existsSync(bb)) {
    log(`unpacking ${deb.split("/").pop()}`);
    const x = join(dir, "deb");
    extractDeb(deb, x);
    const p = join(x, "bin", "busybox");
    if (!existsSync(p)) throw new FetchError(`${deb}: no bin/busybox in the package`);
    writeFileSync(bb + ".tmp", readFileSync(p)); renameSync(bb + ".tmp", bb);
    rmSync(x, { recursive: true, force: true });
  }
  return bb;
}

/** The front-end modules vm7's virtio devices need, by name, with their paths in the kernel package
 *  (under lib/modules/<version>/kernel/; shared/reference/debian-kernel-config.md). VIRTIO core is built in. */
export const VIRTIO_MODULES: Record<string, string> = {
  virtio_mmio: "drivers/virtio/virtio_mmio.ko",
  virtio_blk: "drivers/block/virtio_blk.ko",
  failover: "net/core/failover.ko",
  net_failover: "drivers/net/net_failover.ko",
  virtio_net: "drivers/net/virtio_net.ko",
  virtio_console: "drivers/char/virtio_console.ko",
};

/** The modules `names` (keys of VIRTIO_MODULES) from the kernel package, extracted once and cached. */
export function getKernelModules(k: LinuxKernel, names: string[], log: Log): Array<{ name: string; data: Uint8Array }> {
  const dir = join(dirname(k.image), "modules");
  const missing = names.filter((n) => !existsSync(join(dir, `${n}.ko`)));
  if (missing.length > 0) {
    for (const n of missing) if (!VIRTIO_MODULES[n]) throw new FetchError(`unknown kernel module ${n}`);
    log(`extracting the virtio modules from ${k.deb.split("/").pop()} (once; cached in ${dir})`);
    const x = join(dirname(k.image), "deb-modules");
    extractDeb(k.deb, x);
    try {
      const root = join(x, "lib", "modules");
      const ver = readdirSync(root)[0];
      if (!ver) throw new FetchError(`${k.deb}: no lib/modules/<version> in the package`);
      mkdirSync(dir, { recursive: true });
      for (const [n, rel] of Object.entries(VIRTIO_MODULES)) {
        const p = join(root, ver, "kernel", rel);
        if (!existsSync(p)) throw new FetchError(`${k.deb}: no ${rel} in the package`);
        writeFileSync(join(dir, `${n}.ko.tmp`), readFileSync(p)); renameSync(join(dir, `${n}.ko.tmp`), join(dir, `${n}.ko`));
      }
    } finally { rmSync(x, { recursive: true, force: true }); }
  }
  return names.map((name) => ({ name, data: new Uint8Array(readFileSync(join(dir, `${name}.ko`))) }));
}
