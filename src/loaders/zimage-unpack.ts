// The host's half of the zImage fast path (zimage.ts): unpacking the kernel's compressed payload
// with node:zlib (gzip) or Debian's xz program (XZ), which a browser has neither of.
import { gunzipSync } from "node:zlib";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ImageError } from "./elf.js";
import { parseZImage, findPayloads, type Compression } from "./zimage.js";

/**
 * Unpacks the raw kernel Image from a zImage: the first gzip or XZ stream in it that decompresses.
 * gzip is done with node's zlib; XZ (Debian's armmp kernels use it, with the ARM BCJ filter) with
 * the `xz` program from Debian's xz-utils, run once per kernel (callers cache the result).
 */
export function extractImage(bytes: Uint8Array, name = "zImage"): { image: Uint8Array; offset: number; format: Compression } {
  const hdr = parseZImage(bytes, name);
  const cands = findPayloads(bytes, name);
  if (cands.length === 0) {
    throw new ImageError(`${name}: no gzip (1f 8b 08) or XZ (fd 37 7a 58 5a 00) payload found in the zImage; ` +
      "kernels compressed otherwise (LZMA, LZO, LZ4) can only boot with --zimage (decompression on the guest)");
  }
  const errors: string[] = [];
  for (const { offset, format } of cands.slice(0, 16)) {
    const payload = bytes.subarray(offset, hdr.size);
    if (format === "gzip") {
      try {
        // The payload is followed by the decompressed size word: stop at the end of the gzip member.
        return { image: new Uint8Array(gunzipSync(payload)), offset, format };
      } catch (e) {
        errors.push(`gzip at 0x${offset.toString(16)}: ${(e as Error).message}`);
        continue;
      }
    }
    // From a file: xz stops reading after the first stream (the size word follows it), which
    // would break a pipe.
    const dir = mkdtempSync(join(tmpdir(), "vm7-xz-"));
    let r;
    try {
      writeFileSync(join(dir, "payload.xz"), payload);
      r = spawnSync("xz", ["--decompress", "--stdout", "--single-stream", "--format=xz", join(dir, "payload.xz")], { maxBuffer: 1 << 30 });
    } finally { rmSync(dir, { recursive: true, force: true }); }
    if (r.error && (r.error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new ImageError(`${name}: the kernel is XZ-compressed and unpacking it on the host needs the 'xz' program ` +
        "(Debian package xz-utils), which is not installed; or boot it with --zimage");
    }
    if (r.error) throw new ImageError(`${name}: running xz: ${r.error.message}`);
    if (r.status === 0) return { image: new Uint8Array(r.stdout), offset, format };
    errors.push(`XZ at 0x${offset.toString(16)}: ${r.stderr.toString().trim()}`);
  }
  throw new ImageError(`${name}: no compressed payload in the zImage decompresses (${errors.join("; ")})`);
}
