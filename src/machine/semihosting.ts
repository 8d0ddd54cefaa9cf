// ARM semihosting (ARM "Semihosting for AArch32 and AArch64", version 2): the guest traps with
// SVC 0x123456 (ARM), SVC 0xAB (Thumb) or BKPT 0xAB; the operation number is in R0, the parameter
// (usually the address of a block of words) in R1, and the result goes back in R0.
// Enough for stock newlib `--specs=rdimon.specs` programs. Host files are reachable only below
// `root` (host.ts gives them), and not at all without one; the console is :tt.
import type { Machine } from "./machine.js";

/** Host files the guest may open (host.ts: those below a root directory). Errors are errno values. */
export interface HostFiles {
  /** The host path for a guest file name, or null when the guest may not have it. */
  path(name: string): string | null;
  /** `flags` as fopen's (r, r+, w, w+, a, a+). */
  open(path: string, flags: string): { fd: number } | { errno: number };
  close(fd: number): void;
  /** Bytes read into `buf` from file position `pos`. */
  read(fd: number, buf: Uint8Array, pos: number): number;
  /** Bytes written at file position `pos`. */
  write(fd: number, data: Uint8Array, pos: number): number;
  size(fd: number): number;
}

export interface SemihostingOptions {
  /** None: the guest can open only :tt and :semihosting-features. */
  files?: HostFiles;
  cmdline: string;
  out: (b: Uint8Array) => void;
  err: (b: Uint8Array) => void;
  readInput: (max: number) => Uint8Array;
  inputEnded: () => boolean;
  clockCs: () => number;
  timeS: () => number;
  memInfo: () => { ramBase: number; ramEnd: number; imageEnd: number };
}

export type SemihostResult = { kind: "done" } | { kind: "exit"; code: number } | { kind: "wait" };

export const SYS = {
  OPEN: 0x01, CLOSE: 0x02, WRITEC: 0x03, WRITE0: 0x04, WRITE: 0x05, READ: 0x06, READC: 0x07,
  ISERROR: 0x08, ISTTY: 0x09, SEEK: 0x0a, FLEN: 0x0c, TMPNAM: 0x0d, REMOVE: 0x0e, RENAME: 0x0f,
  CLOCK: 0x10, TIME: 0x11, SYSTEM: 0x12, ERRNO: 0x13, GET_CMDLINE: 0x15, HEAPINFO: 0x16,
  EXIT: 0x18, EXIT_EXTENDED: 0x20, ELAPSED: 0x30, TICKFREQ: 0x31,
} as const;

const ADP_Stopped_ApplicationExit = 0x20026;
// Feature bits offered through the ":semihosting-features" file: SH_EXT_EXIT_EXTENDED, SH_EXT_STDOUT_STDERR
const FEATURES = Uint8Array.from([0x53, 0x48, 0x46, 0x42, 0x03]);
export const ENOENT = 2, EACCES = 13;
const EBADF = 9, EINVAL = 22, EIO = 5;

type Handle =
  | { kind: "stdin" } | { kind: "stdout" } | { kind: "stderr" }
  | { kind: "mem"; data: Uint8Array; pos: number }
  | { kind: "file"; fd: number; pos: number };

/** The most bytes one SYS_WRITE or SYS_READ moves: a longer call is a partial transfer (its result
 *  says how many bytes were not moved, and C libraries call again), so a guest asking for 4 GiB
 *  cannot make the host allocate it or stall the run loop. */
export const MAX_TRANSFER = 1 << 20;
/** The longest file name SYS_OPEN accepts (PATH_MAX). */
const MAX_NAME = 4096;

export class Semihosting {
  private handles = new Map<number, Handle>();
  private nextHandle = 1;
  private errno = 0;
  /** The guest opened the console for reading (or read a character): input belongs to semihosting. */
  readsConsole = false;

  constructor(private readonly m: Machine, private readonly o: SemihostingOptions) {}

  private word(addr: number): number | null {
    const b = this.m.readVirt(addr, 4);
    return b ? (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0 : null;
  }
  private args(addr: number, n: number): number[] | null {
    const out: number[] = [];
    for (let i = 0; i < n; i++) { const w = this.word(addr + 4 * i); if (w === null) return null; out.push(w); }
    return out;
  }
  private cstring(addr: number, limit = 4096): string | null {
    const bytes: number[] = [];
    for (let i = 0; i < limit; i++) {
      const b = this.m.readVirt(addr + i, 1);
      if (!b) return null;
      if (b[0] === 0) return new TextDecoder().decode(Uint8Array.from(bytes));
      bytes.push(b[0]);
    }
    return null;
  }
  private ret(v: number): SemihostResult { this.m.setReg(0, v >>> 0); return { kind: "done" }; }
  private fail(err: number): SemihostResult { this.errno = err; return this.ret(-1); }

  /** Carry out the call the guest made (R0 = operation, R1 = parameter). */
  call(): SemihostResult {
    const op = this.m.reg(0), p = this.m.reg(1);
    switch (op) {
      case SYS.WRITEC: {
        const b = this.m.readVirt(p, 1);
        if (b) this.o.out(b);
        return { kind: "done" }; // R0 is corrupted by the spec; we leave it
      }
      case SYS.WRITE0: {
        const s = this.cstring(p, 1 << 20);
        if (s !== null) this.o.out(new TextEncoder().encode(s));
        return { kind: "done" };
      }
      case SYS.OPEN: return this.open(p);
      case SYS.CLOSE: {
        const a = this.args(p, 1); if (!a) return this.fail(EINVAL);
        const h = this.handles.get(a[0]); if (!h) return this.fail(EBADF);
        if (h.kind === "file") this.o.files!.close(h.fd);
        this.handles.delete(a[0]);
        return this.ret(0);
      }
      case SYS.WRITE: {
        const a = this.args(p, 3); if (!a) return this.fail(EINVAL);
        const [fd, buf, len] = a;
        const h = this.handles.get(fd); if (!h) { this.errno = EBADF; return this.ret(len); }
        const n = Math.min(len, MAX_TRANSFER);
        const data = this.m.readVirt(buf, n); if (!data) { this.errno = EINVAL; return this.ret(len); }
        if (h.kind === "stdout") this.o.out(data);
        else if (h.kind === "stderr") this.o.err(data);
        else if (h.kind === "file") {
          try { const w = this.o.files!.write(h.fd, data, h.pos); h.pos += w; return this.ret(len - w); } catch { this.errno = EIO; return this.ret(len); }
        } else { this.errno = EBADF; return this.ret(len); }
        return this.ret(len - n);
      }
      case SYS.READ: {
        const a = this.args(p, 3); if (!a) return this.fail(EINVAL);
        const [fd, buf, len] = a;
        const h = this.handles.get(fd); if (!h) { this.errno = EBADF; return this.ret(len); }
        const n = Math.min(len, MAX_TRANSFER);
        let data: Uint8Array;
        if (h.kind === "stdin") {
          data = this.o.readInput(n);
          if (data.length === 0 && !this.o.inputEnded()) return { kind: "wait" };
        } else if (h.kind === "mem") {
          data = h.data.subarray(h.pos, h.pos + n); h.pos += data.length;
        } else if (h.kind === "file") {
          const tmp = new Uint8Array(n);
          try { const got = this.o.files!.read(h.fd, tmp, h.pos); h.pos += got; data = tmp.subarray(0, got); } catch { this.errno = EIO; return this.ret(len); }
        } else { this.errno = EBADF; return this.ret(len); }
        if (!this.m.writeVirt(buf, data)) { this.errno = EINVAL; return this.ret(len); }
        return this.ret(len - data.length);
      }
      case SYS.READC: {
        this.readsConsole = true;
        const d = this.o.readInput(1);
        if (d.length === 0) return this.o.inputEnded() ? this.ret(-1) : { kind: "wait" };
        return this.ret(d[0]);
      }
      case SYS.ISERROR: {
        const a = this.args(p, 1); if (!a) return this.fail(EINVAL);
        return this.ret((a[0] | 0) < 0 ? 1 : 0);
      }
      case SYS.ISTTY: {
        const a = this.args(p, 1); if (!a) return this.fail(EINVAL);
        const h = this.handles.get(a[0]); if (!h) return this.fail(EBADF);
        return this.ret(h.kind === "stdin" || h.kind === "stdout" || h.kind === "stderr" ? 1 : 0);
      }
      case SYS.SEEK: {
        const a = this.args(p, 2); if (!a) return this.fail(EINVAL);
        const h = this.handles.get(a[0]); if (!h) return this.fail(EBADF);
        if (h.kind === "mem" || h.kind === "file") { h.pos = a[1]; return this.ret(0); }
        return this.fail(EINVAL);
      }
      case SYS.FLEN: {
        const a = this.args(p, 1); if (!a) return this.fail(EINVAL);
        const h = this.handles.get(a[0]); if (!h) return this.fail(EBADF);
        if (h.kind === "mem") return this.ret(h.data.length);
        if (h.kind === "file") return this.ret(this.o.files!.size(h.fd));
        return this.ret(0);
      }
      case SYS.CLOCK: return this.ret(this.o.clockCs());
      case SYS.TIME: return this.ret(this.o.timeS());
      case SYS.ERRNO: return this.ret(this.errno);
      case SYS.GET_CMDLINE: {
        const a = this.args(p, 2); if (!a) return this.fail(EINVAL);
        const bytes = new TextEncoder().encode(this.o.cmdline);
        if (bytes.length + 1 > a[1]) return this.fail(EINVAL);
        const z = new Uint8Array(bytes.length + 1); z.set(bytes);
        if (!this.m.writeVirt(a[0], z) || !this.m.writeVirt(p + 4, le32(bytes.length))) return this.fail(EINVAL);
        return this.ret(0);
      }
      case SYS.HEAPINFO: {
        // The parameter block holds the address of four words: heap base, heap limit, stack base, stack limit.
        const a = this.args(p, 1); if (!a) return this.fail(EINVAL);
        const { ramEnd, imageEnd } = this.o.memInfo();
        const stackBase = ramEnd, stackLimit = ramEnd - (1 << 20);
        const heapBase = (imageEnd + 7) & ~7;
        const block = new Uint8Array(16);
        [heapBase, stackLimit, stackBase, stackLimit].forEach((w, i) => block.set(le32(w), 4 * i));
        if (!this.m.writeVirt(a[0], block)) return this.fail(EINVAL);
        return this.ret(0);
      }
      case SYS.EXIT: {
        // AArch32: R1 holds the reason itself. Application exit is success; anything else (a
        // run-time error such as abort()) is failure.
        return { kind: "exit", code: p === ADP_Stopped_ApplicationExit ? 0 : 1 };
      }
      case SYS.EXIT_EXTENDED: {
        const a = this.args(p, 2); if (!a) return { kind: "exit", code: 1 };
        return { kind: "exit", code: a[0] === ADP_Stopped_ApplicationExit ? a[1] & 0xff : 1 };
      }
      case SYS.ELAPSED: {
        const t = Math.floor(this.o.clockCs());
        const ok = this.m.writeVirt(p, le32(t)) && this.m.writeVirt(p + 4, le32(0));
        return ok ? this.ret(0) : this.fail(EINVAL);
      }
      case SYS.TICKFREQ: return this.ret(100);
      case SYS.SYSTEM: case SYS.REMOVE: case SYS.RENAME: case SYS.TMPNAM:
        return this.fail(EACCES);
      default:
        return this.fail(EINVAL);
    }
  }

  private open(p: number): SemihostResult {
    const a = this.args(p, 3); if (!a) return this.fail(EINVAL);
    const [namePtr, mode, len] = a;
    if (len > MAX_NAME) return this.fail(EINVAL);
    const nameBytes = this.m.readVirt(namePtr, len);
    if (!nameBytes) return this.fail(EINVAL);
    const name = new TextDecoder().decode(nameBytes);
    let h: Handle;
    if (name === ":tt") {
      h = mode < 4 ? { kind: "stdin" } : mode < 8 ? { kind: "stdout" } : { kind: "stderr" };
      if (mode < 4) this.readsConsole = true;
    }
    else if (name === ":semihosting-features") {
      if (mode >= 4) return this.fail(EACCES);
      h = { kind: "mem", data: FEATURES, pos: 0 };
    } else {
      const path = this.o.files?.path(name);
      if (!path) return this.fail(EACCES);
      // Modes 0-11 map to fopen's r, rb, r+, r+b, w, wb, w+, w+b, a, ab, a+, a+b.
      const flags = ["r", "r", "r+", "r+", "w", "w", "w+", "w+", "a", "a", "a+", "a+"][mode];
      if (!flags) return this.fail(EINVAL);
      const f = this.o.files!.open(path, flags);
      if ("errno" in f) return this.fail(f.errno);
      h = { kind: "file", fd: f.fd, pos: 0 };
      if (flags.startsWith("a")) h.pos = this.o.files!.size(h.fd);
    }
    const n = this.nextHandle++;
    this.handles.set(n, h);
    return this.ret(n);
  }
}

function le32(v: number): Uint8Array {
  return Uint8Array.from([v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff]);
}
