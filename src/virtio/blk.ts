// virtio-blk back end (virtio spec 1.1 §5.2): a request is a 16-byte header (type, reserved,
// sector) in the device-readable part, then data, then one status byte at the very end of the
// device-writable part. Served: VIRTIO_BLK_T_IN, OUT, FLUSH (VIRTIO_BLK_F_FLUSH offered) and
// GET_ID; anything else is VIRTIO_BLK_S_UNSUPP. A storage error (a failed host write or read)
// is VIRTIO_BLK_S_IOERR for that request: the guest learns of it, nothing is silently lost.
import { closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, statSync, writeSync } from "node:fs";
import { VIRTIO_F_VERSION_1, type Chain, type VirtioDevice } from "./transport.js";

export const VIRTIO_ID_BLOCK = 2;
export const VIRTIO_BLK_F_FLUSH = 1n << 9n;
export const VIRTIO_BLK_T_IN = 0, VIRTIO_BLK_T_OUT = 1, VIRTIO_BLK_T_FLUSH = 4, VIRTIO_BLK_T_GET_ID = 8;
export const VIRTIO_BLK_S_OK = 0, VIRTIO_BLK_S_IOERR = 1, VIRTIO_BLK_S_UNSUPP = 2;
const SECTOR = 512;
const ID_BYTES = 20;

/** What a virtio-blk device stores its blocks in. Errors are thrown (any Error). */
export interface BlockStorage {
  readonly size: number;
  read(buf: Uint8Array, pos: number): void;
  write(buf: Uint8Array, pos: number): void;
  flush(): void;
}

/** A host file, read and written in place (every guest write reaches the file at once: a write
 *  the guest was told succeeded is in the host's page cache even if vm7 is killed). */
export class FileStorage implements BlockStorage {
  private fd: number | undefined;
  readonly size: number;
  constructor(readonly path: string, fd: number) { this.fd = fd; this.size = fstatSync(fd).size; }
  read(buf: Uint8Array, pos: number): void {
    let done = 0;
    while (done < buf.length) {
      const n = readSync(this.fd!, buf, done, buf.length - done, pos + done);
      if (n <= 0) { buf.fill(0, done); return; }
      done += n;
    }
  }
  write(buf: Uint8Array, pos: number): void {
    let done = 0;
    while (done < buf.length) done += writeSync(this.fd!, buf, done, buf.length - done, pos + done);
  }
  flush(): void { fsyncSync(this.fd!); }
  close(): void {
    if (this.fd === undefined) return;
    try { fsyncSync(this.fd); } catch { /* best effort at exit */ }
    closeSync(this.fd);
    this.fd = undefined;
  }
}

export class DiskError extends Error {}

/** Parses a size: bytes, or with K, M, G (binary multiples), e.g. "8M". */
export function parseSize(s: string): number | undefined {
  const m = /^(\d+)([KMG]?)i?B?$/i.exec(s.trim());
  if (!m) return undefined;
  const mul = { "": 1, K: 1024, M: 1 << 20, G: 1 << 30 }[m[2].toUpperCase() as "" | "K" | "M" | "G"];
  return Number(m[1]) * mul;
}

/**
 * Opens the disk image `path` for --disk: created with `size` bytes when absent; an existing file
 * must have exactly `size` bytes when a size is given. One-line DiskError for anything wrong.
 */
export function openDisk(path: string, size?: number): FileStorage {
  if (size !== undefined && (!Number.isSafeInteger(size) || size <= 0 || size % SECTOR !== 0)) {
    throw new DiskError(`--disk-size ${size}: must be a positive multiple of ${SECTOR} bytes`);
  }
  if (!existsSync(path)) {
    if (size === undefined) throw new DiskError(`--disk ${path}: no such file (give --disk-size to create it)`);
    let fd: number;
    try { fd = openSync(path, "wx+"); ftruncateSync(fd, size); } catch (e) {
      throw new DiskError(`--disk ${path}: cannot create it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    return new FileStorage(path, fd);
  }
  const st = statSync(path);
  if (!st.isFile()) throw new DiskError(`--disk ${path}: not a regular file`);
  if (size !== undefined && st.size !== size) throw new DiskError(`--disk ${path}: is ${st.size} bytes, --disk-size says ${size}`);
  if (st.size === 0 || st.size % SECTOR !== 0) throw new DiskError(`--disk ${path}: its size ${st.size} is not a positive multiple of ${SECTOR} bytes`);
  let fd: number;
  try { fd = openSync(path, "r+"); } catch (e) {
    throw new DiskError(`--disk ${path}: cannot open it for reading and writing (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return new FileStorage(path, fd);
}

export class VirtioBlk implements VirtioDevice {
  readonly deviceId = VIRTIO_ID_BLOCK;
  readonly features = VIRTIO_F_VERSION_1 | VIRTIO_BLK_F_FLUSH;
  readonly queues = 1;
  readonly queueMax = 128;
  readonly config: Uint8Array;
  /** Requests by outcome. */
  readonly stats = { read: 0, write: 0, flush: 0, getId: 0, ioerr: 0, unsupp: 0 };

  constructor(private readonly disk: BlockStorage, private readonly id = "vm7-disk") {
    // struct virtio_blk_config: capacity (le64, 512-byte sectors) first; the rest is for features not offered.
    this.config = new Uint8Array(8);
    new DataView(this.config.buffer).setBigUint64(0, BigInt(Math.floor(disk.size / SECTOR)), true);
  }

  request(_q: number, c: Chain): number {
    const rb = c.readableBytes, wb = c.writableBytes;
    if (rb < 16 || wb < 1) return 0;   // no room for a header or a status: nothing to answer with
    const h = new DataView(c.read(0, 16).buffer);
    const type = h.getUint32(0, true);
    const sector = h.getBigUint64(8, true);
    const status = (s: number, data = 0): number => {
      if (s === VIRTIO_BLK_S_IOERR) this.stats.ioerr++;
      if (s === VIRTIO_BLK_S_UNSUPP) this.stats.unsupp++;
      c.write(wb - 1, Uint8Array.of(s));
      return data + 1;
    };
    const span = (len: number): number | undefined => {
      const pos = sector * BigInt(SECTOR);
      if (len % SECTOR !== 0 || pos + BigInt(len) > BigInt(this.disk.size)) return undefined;
      return Number(pos);
    };
    switch (type) {
      case VIRTIO_BLK_T_IN: {
        const len = wb - 1, pos = span(len);
        if (pos === undefined) return status(VIRTIO_BLK_S_IOERR);
        const buf = new Uint8Array(len);
        try { this.disk.read(buf, pos); } catch { return status(VIRTIO_BLK_S_IOERR); }
        c.write(0, buf);
        this.stats.read++;
        return status(VIRTIO_BLK_S_OK, len);
      }
      case VIRTIO_BLK_T_OUT: {
        const len = rb - 16, pos = span(len);
        if (pos === undefined) return status(VIRTIO_BLK_S_IOERR);
        try { this.disk.write(c.read(16, len), pos); } catch { return status(VIRTIO_BLK_S_IOERR); }
        this.stats.write++;
        return status(VIRTIO_BLK_S_OK);
      }
      case VIRTIO_BLK_T_FLUSH:
        try { this.disk.flush(); } catch { return status(VIRTIO_BLK_S_IOERR); }
        this.stats.flush++;
        return status(VIRTIO_BLK_S_OK);
      case VIRTIO_BLK_T_GET_ID: {
        // §5.2.6.1: up to 20 bytes, NUL-padded when shorter.
        const id = new Uint8Array(ID_BYTES);
        id.set(new TextEncoder().encode(this.id).subarray(0, ID_BYTES));
        const n = Math.min(ID_BYTES, wb - 1);
        c.write(0, id.subarray(0, n));
        this.stats.getId++;
        return status(VIRTIO_BLK_S_OK, n);
      }
      default:
        return status(VIRTIO_BLK_S_UNSUPP);
    }
  }
}
