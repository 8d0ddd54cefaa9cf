// The "newc" cpio format (SVR4 portable ASCII, magic 070701) that Linux's initramfs unpacker reads
// (Documentation/driver-api/early-userspace/buffer-format.rst): per entry a 110-byte header of
// thirteen 8-digit hex fields, the NUL-terminated name padded to a multiple of 4, then the data
// padded to a multiple of 4; the archive ends with an entry named "TRAILER!!!".
export interface CpioEntry {
  /** Path inside the archive, without a leading "/" (e.g. "bin/busybox"). */
  name: string;
  type: "file" | "dir" | "symlink" | "char" | "block";
  /** Permission bits (default 0755 for directories and files, 0777 for links, 0600 for devices). */
  mode?: number;
  uid?: number;
  gid?: number;
  /** File contents or, for a symlink, the target. */
  data?: Uint8Array | string;
  /** For devices. */
  major?: number;
  minor?: number;
  mtime?: number;
}

const TYPE_BITS: Record<CpioEntry["type"], number> = {
  file: 0o100000, dir: 0o040000, symlink: 0o120000, char: 0o020000, block: 0o060000,
};
const DEFAULT_PERM: Record<CpioEntry["type"], number> = { file: 0o755, dir: 0o755, symlink: 0o777, char: 0o600, block: 0o600 };

export function writeCpio(entries: CpioEntry[]): Uint8Array {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  let len = 0;
  const push = (b: Uint8Array) => { parts.push(b); len += b.length; const pad = (4 - (len & 3)) & 3; if (pad) { parts.push(new Uint8Array(pad)); len += pad; } };
  const seen = new Set<string>();
  let ino = 1;
  const field = (v: number, what: string, name: string) => {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new Error(`cpio: ${name}: ${what} ${v} does not fit an 8-digit hex field`);
    return v.toString(16).padStart(8, "0");
  };
  const entry = (e: CpioEntry, nlink: number) => {
    const data = e.data === undefined ? new Uint8Array(0) : typeof e.data === "string" ? enc.encode(e.data) : e.data;
    const name = enc.encode(e.name + "\0");
    const mode = TYPE_BITS[e.type] | ((e.mode ?? DEFAULT_PERM[e.type]) & 0o7777);
    const hdr = "070701" + [
      ino++, mode, e.uid ?? 0, e.gid ?? 0, nlink, e.mtime ?? 0, data.length,
      0, 0, e.major ?? 0, e.minor ?? 0, name.length, 0,
    ].map((v, i) => field(v, ["ino", "mode", "uid", "gid", "nlink", "mtime", "filesize", "devmajor", "devminor", "rdevmajor", "rdevminor", "namesize", "check"][i], e.name)).join("");
    push(enc.encode(hdr).length === 110 ? concat(enc.encode(hdr), name) : fail());
    if (data.length) push(data);
  };
  const fail = (): never => { throw new Error("cpio: internal error: header is not 110 bytes"); };
  for (const e of entries) {
    if (e.name === "" || e.name.startsWith("/") || e.name.split("/").includes("..")) throw new Error(`cpio: bad entry name '${e.name}' (relative paths without '..')`);
    if (seen.has(e.name)) throw new Error(`cpio: duplicate entry '${e.name}'`);
    seen.add(e.name);
    if ((e.type === "dir" || e.type === "char" || e.type === "block") && e.data !== undefined && e.data.length > 0) {
      throw new Error(`cpio: ${e.name}: a ${e.type} has no data`);
    }
    if (e.type === "symlink" && (e.data === undefined || (typeof e.data === "string" ? e.data.length : e.data.length) === 0)) {
      throw new Error(`cpio: ${e.name}: a symlink needs a target`);
    }
    entry(e, e.type === "dir" ? 2 : 1);
  }
  entry({ name: "TRAILER!!!", type: "file", mode: 0 }, 1);
  // Pad the archive to a 512-byte block, as cpio(1) does.
  const out = new Uint8Array((len + 511) & ~511);
  let p = 0;
  for (const b of parts) { out.set(b, p); p += b.length; }
  return out;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const o = new Uint8Array(a.length + b.length); o.set(a); o.set(b, a.length); return o;
}

/** Reads a newc archive back (for tests and for checking an initrd): entries up to the trailer.
 *  A damaged archive (a field that is not 8 hex digits, a name or data running past the end, no
 *  trailer) is an Error naming the offset. */
export function readCpio(bytes: Uint8Array): Array<{ name: string; mode: number; size: number; data: Uint8Array; nlink: number; rdevmajor: number; rdevminor: number }> {
  const dec = new TextDecoder();
  const out = [];
  let p = 0;
  for (;;) {
    if (p + 110 > bytes.length) throw new Error(`cpio: truncated header at offset ${p}`);
    const h = dec.decode(bytes.subarray(p, p + 110));
    if (h.slice(0, 6) !== "070701") throw new Error(`cpio: bad magic ${JSON.stringify(h.slice(0, 6))} at offset ${p} (newc is "070701")`);
    const f = (i: number) => {
      const t = h.slice(6 + 8 * i, 14 + 8 * i);
      if (!/^[0-9a-fA-F]{8}$/.test(t)) throw new Error(`cpio: header field ${i} at offset ${p + 6 + 8 * i} is ${JSON.stringify(t)}, not 8 hex digits`);
      return parseInt(t, 16);
    };
    const mode = f(1), nlink = f(4), size = f(6), rmaj = f(9), rmin = f(10), namesize = f(11);
    if (namesize === 0 || p + 110 + namesize > bytes.length) throw new Error(`cpio: entry at offset ${p}: its ${namesize}-byte name runs past the end of the archive`);
    const name = dec.decode(bytes.subarray(p + 110, p + 110 + namesize - 1));
    p = (p + 110 + namesize + 3) & ~3;
    if (size > bytes.length - Math.min(p, bytes.length)) throw new Error(`cpio: ${JSON.stringify(name)}: its ${size} bytes of data at offset ${p} run past the end of the archive`);
    const data = bytes.slice(p, p + size);
    p = (p + size + 3) & ~3;
    if (name === "TRAILER!!!") return out;
    out.push({ name, mode, size, data, nlink, rdevmajor: rmaj, rdevminor: rmin });
  }
}
