// ARM Linux zImage (arch/arm/boot/compressed/head.S; Documentation/arm/booting.rst): a
// position-independent decompressor with the compressed kernel inside. The header is a table of
// little-endian words at offset 0x24: the magic 0x016F2818, the image's start and end addresses
// (0 and its size for a position-independent image) and an endianness flag 0x04030201.
//
// The host can also do the decompressor's job once (the "fast path"): find the compressed payload
// in the image (gzip or XZ, as the kernel's CONFIG_KERNEL_* chose), unpack the raw Image
// (zimage-unpack.ts, on Node) and enter it at RAM base + TEXT_OFFSET with the same registers.
import { ImageError } from "./elf.js";

export const ZIMAGE_MAGIC = 0x016f2818;
export const ZIMAGE_MAGIC_OFFSET = 0x24;

export interface ZImageHeader {
  start: number;
  end: number;
  /** Size of the image the header describes (end - start). */
  size: number;
}

export function isZImage(bytes: Uint8Array): boolean {
  return bytes.length >= 0x30 && u32(bytes, ZIMAGE_MAGIC_OFFSET) === ZIMAGE_MAGIC;
}

export function parseZImage(bytes: Uint8Array, name = "zImage"): ZImageHeader {
  const fail = (off: number, msg: string): never => { throw new ImageError(`${name}: ${msg} (file offset 0x${off.toString(16)})`); };
  if (bytes.length < 0x30) fail(0, `too short for a zImage header (${bytes.length} bytes)`);
  const magic = u32(bytes, ZIMAGE_MAGIC_OFFSET);
  if (magic !== ZIMAGE_MAGIC) {
    fail(ZIMAGE_MAGIC_OFFSET, `not an ARM zImage: magic field is 0x${magic.toString(16).padStart(8, "0")}, expected 0x016f2818` +
      (magic === 0x18286f01 ? " (this one is big-endian)" : ""));
  }
  const start = u32(bytes, 0x28), end = u32(bytes, 0x2c);
  if (end < start) fail(0x2c, `end address 0x${end.toString(16)} is below the start address 0x${start.toString(16)}`);
  const size = end - start;
  if (size > bytes.length) fail(0x2c, `end - start = ${size} bytes, but the file has only ${bytes.length}`);
  if (size < 0x30) fail(0x2c, `end - start = ${size} bytes is smaller than the header itself`);
  if (bytes.length >= 0x34) {
    const e = u32(bytes, 0x30);
    // Kernels since 3.17 put the endianness flag here; older ones may not, so only a big-endian flag is an error.
    if (e === 0x01020304) fail(0x30, "endianness flag says big-endian; vm7's board is little-endian");
  }
  return { start, end, size };
}

export type Compression = "gzip" | "xz";

/** Candidate payload offsets, by their format's magic, in file order. */
export function findPayloads(bytes: Uint8Array, name = "zImage"): Array<{ offset: number; format: Compression }> {
  const hdr = parseZImage(bytes, name);
  const hay = bytes.subarray(0, hdr.size);
  // XZ stream header: FD 37 7A 58 5A 00 (.xz file format 1.0.4, 2.1.1.1); gzip: 1F 8B 08 (RFC 1952 2.3.1).
  const out: Array<{ offset: number; format: Compression }> = [];
  for (const i of indexesOf(hay, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])) out.push({ offset: i, format: "xz" });
  for (const i of indexesOf(hay, [0x1f, 0x8b, 0x08])) out.push({ offset: i, format: "gzip" });
  return out.sort((a, b) => a.offset - b.offset);
}

function u32(b: Uint8Array, off: number): number {
  return (b[off] | (b[off + 1] << 8) | (b[off + 2] << 16) | (b[off + 3] << 24)) >>> 0;
}

function indexesOf(hay: Uint8Array, needle: number[]): number[] {
  const out: number[] = [];
  const first = needle[0];
  for (let i = hay.indexOf(first); i >= 0 && i <= hay.length - needle.length; i = hay.indexOf(first, i + 1)) {
    let ok = true;
    for (let j = 1; j < needle.length; j++) if (hay[i + j] !== needle[j]) { ok = false; break; }
    if (ok) out.push(i);
  }
  return out;
}

/**
 * TEXT_OFFSET, where the decompressor puts the kernel relative to the start of RAM, read from the
 * zImage's code: with CONFIG_AUTO_ZRELADDR, head.S computes the destination as
 * `mov rX, pc; and rX, rX, #0xf8000000; ... add r4, rX, #TEXT_OFFSET`. Returns undefined when that
 * sequence is not there (then the build's fixed ZRELADDR applies, usually RAM + 0x8000).
 */
export function detectTextOffset(bytes: Uint8Array): number | undefined {
  const n = Math.min(bytes.length, 0x10000) & ~3;
  for (let i = 0; i + 8 <= n; i += 4) {
    const mov = u32(bytes, i), and = u32(bytes, i + 4);
    // MOV Rd, PC (A8.8.104, cond AL): 0xE1A0d00F; AND Rd, Rd, #0xF8000000 (A8.8.13): 0xE20dd33E.
    if (((mov & 0xffff0fff) >>> 0) !== 0xe1a0000f) continue;
    const rd = (mov >>> 12) & 15;
    if (and !== ((0xe200033e | (rd << 16) | (rd << 12)) >>> 0)) continue;
    for (let j = i + 8; j < Math.min(n, i + 8 + 4 * 24); j += 4) {
      const w = u32(bytes, j);
      // ADD R4, Rd, #imm (A8.8.5): 0xE28d4iii, the modified immediate is imm8 ROR 2*rot.
      if (((w & 0xfffff000) >>> 0) === ((0xe2804000 | (rd << 16)) >>> 0)) {
        const rot = ((w >>> 8) & 15) * 2, imm8 = w & 0xff;
        return ((imm8 >>> rot) | (imm8 << (32 - rot))) >>> 0;
      }
    }
  }
  return undefined;
}
