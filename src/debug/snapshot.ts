// Snapshots of the whole machine: the CPU's state block (registers, banks, CP15, VFP, counters, the
// devices' registers, and the execution globals the core copies into it: assembly/snapshot.ts),
// the VMM's block, guest RAM and the host side (semihosting handles, a pending
// semihosting call). Two forms:
// - MachineImage, in memory: what reverse execution keeps every few million instructions. Its RAM
//   is a page list that shares unchanged pages with the image taken before it (capture compares).
// - A file (--snapshot-at N FILE, --restore FILE, `monitor snapshot save|load`): a versioned
//   container with a magic number, a JSON header (the machine's configuration, the core's layout
//   fingerprint, what the command needs to carry on), zlib-compressed sections (RAM sparse: zero
//   pages skipped), and a SHA-256 of everything before it. A truncated, corrupted, other-version
//   or other-layout file gets one line saying which.
import { createHash } from "node:crypto";
import { deflateSync, inflateSync, constants as zc } from "node:zlib";
import { Machine, type HostState, type MachineOptions } from "../machine/machine.js";
import type { CoreConstants } from "../machine/core.js";

const PAGE = 4096;
export const SNAPSHOT_MAGIC = "VM7SNAP\0";
export const SNAPSHOT_VERSION = 1;

export class SnapshotError extends Error {}

/** The machine's state, in memory. `pages[i]` is RAM page i, or undefined for a page of zeros. */
export interface MachineImage {
  icount: number;
  state: Uint8Array;
  vmm: Uint8Array;
  pages: Array<Uint8Array | undefined>;
  host: HostState;
}

function regions(m: Machine): { k: CoreConstants; mem: () => Uint8Array } {
  const { x, k } = m.core;
  return { k, mem: () => new Uint8Array(x.memory.buffer) };
}

const ZERO = new Uint8Array(PAGE);
const BLOCK = 16; // pages tested for zeros at once (most of a small guest's RAM is untouched)
const ZERO_BLOCK = new Uint8Array(PAGE * BLOCK);
const same = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b) === 0; // memcmp
const isZero = (b: Uint8Array) => same(b, b.length === PAGE ? ZERO : ZERO_BLOCK);

/** The machine's state now. With `prev` (an image of the same machine), pages unchanged since it
 *  are shared with it, not copied. */
export function captureImage(m: Machine, prev?: MachineImage): MachineImage {
  if (m.guestCount > 1) throw new SnapshotError(`a machine of ${m.guestCount} guests cannot be saved: snapshots hold one guest (docs/guests.md)`);
  const { x } = m.core;
  const { k, mem } = regions(m);
  x.snapSave();
  const M = mem();
  const copy = (at: number, len: number) => M.slice(at, at + len);
  const n = m.ramBytes / PAGE;
  const pages = new Array<Uint8Array | undefined>(n);
  for (let i = 0; i < n; i++) {
    const at = k.LAYOUT_RAM + i * PAGE;
    if (i % BLOCK === 0 && i + BLOCK <= n && isZero(M.subarray(at, at + PAGE * BLOCK))) { i += BLOCK - 1; continue; }
    const cur = M.subarray(at, at + PAGE);
    const old = prev?.pages[i];
    if (old && same(old, cur)) pages[i] = old;
    else pages[i] = isZero(cur) ? undefined : cur.slice();
  }
  return {
    icount: m.icount,
    state: copy(k.LAYOUT_STATE, k.STATE_SIZE),
    vmm: copy(k.LAYOUT_VMM, k.LAYOUT_VMM_BYTES),
    pages,
    host: structuredClone(m.hostState()),
  };
}

/** Put `img` back into `m` (created with the same configuration). With `cur`, the image whose
 *  state `m` is known to hold now (nothing ran since), only the pages that differ are written;
 *  "fresh" says that m's RAM is all zeros (a machine that never ran). */
export function applyImage(m: Machine, img: MachineImage, cur?: MachineImage | "fresh"): void {
  const { x } = m.core;
  const { k, mem } = regions(m);
  const M = mem();
  M.set(img.state, k.LAYOUT_STATE);
  M.set(img.vmm, k.LAYOUT_VMM);
  for (let i = 0; i < img.pages.length; i++) {
    const p = img.pages[i];
    if (cur === "fresh" ? p === undefined : cur && cur.pages[i] === p) continue;
    M.set(p ?? ZERO, k.LAYOUT_RAM + i * PAGE);
  }
  x.snapLoad();
  m.setHostState(structuredClone(img.host));
}

/** SHA-256 of the machine's state (registers, CP15, VFP, devices, VMM, RAM),
 *  for comparing two runs' end states (--state-hash). */
export function stateHash(m: Machine): string {
  const img = captureImage(m);
  const h = createHash("sha256");
  h.update(img.state); h.update(img.vmm);
  const idx = Buffer.alloc(4);
  img.pages.forEach((p, i) => { if (p) { idx.writeUInt32LE(i); h.update(idx); h.update(p); } });
  return h.digest("hex");
}

// --- the file -----------------------------------------------------------------------------------

export interface SnapshotHeader {
  version: number;
  /** The Machine's configuration: a restore creates the same machine. */
  machine: Machine["config"];
  icount: number;
  /** Fingerprint of the core's layout (every offset and constant it exports). */
  layout: string;
  host: HostState;
  /** What the command that saved it needs to carry on (vm7 linux: its --exec markers...). */
  app: Record<string, unknown>;
  sections: Array<{ name: string; bytes: number; raw: number }>;
  created: string;
}

export function layoutFingerprint(k: CoreConstants): string {
  const flat: Array<[string, unknown]> = Object.entries(k).sort(([a], [b]) => (a < b ? -1 : 1));
  return createHash("sha256").update(JSON.stringify(flat)).digest("hex").slice(0, 16);
}

/** The machine `m` as a snapshot file's bytes; `app` travels in its header. */
export function encodeSnapshot(m: Machine, app: Record<string, unknown> = {}): Buffer {
  const img = captureImage(m);
  const n = img.pages.length;
  const bitmap = Buffer.alloc(Math.ceil(n / 8));
  const data: Uint8Array[] = [];
  img.pages.forEach((p, i) => { if (p) { bitmap[i >> 3] |= 1 << (i & 7); data.push(p); } });
  const raw: Array<[string, Buffer]> = [
    ["state", Buffer.from(img.state)], ["vmm", Buffer.from(img.vmm)],
    ["ram-map", bitmap], ["ram", Buffer.concat(data)],
  ];
  const packed = raw.map(([name, b]) => ({ name, raw: b.length, z: deflateSync(b, { level: name === "ram" ? 1 : 6 }) }));
  const header: SnapshotHeader = {
    version: SNAPSHOT_VERSION, machine: m.config, icount: img.icount, layout: layoutFingerprint(m.core.k),
    host: img.host, app, sections: packed.map((p) => ({ name: p.name, bytes: p.z.length, raw: p.raw })),
    created: new Date().toISOString(),
  };
  const hj = Buffer.from(JSON.stringify(header));
  const head = Buffer.alloc(16);
  head.write(SNAPSHOT_MAGIC, 0, "latin1");
  head.writeUInt32LE(SNAPSHOT_VERSION, 8);
  head.writeUInt32LE(hj.length, 12);
  const body = Buffer.concat([head, hj, ...packed.map((p) => p.z)]);
  return Buffer.concat([body, createHash("sha256").update(body).digest()]);
}

export interface DecodedSnapshot { header: SnapshotHeader; image: MachineImage }

/** Parse and check a snapshot file (`name` for messages): one-line SnapshotErrors for every defect. */
export function decodeSnapshot(file: Uint8Array, name: string): DecodedSnapshot {
  const b = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  const fail = (why: string): never => { throw new SnapshotError(`${name}: ${why}`); };
  const magic = b.toString("latin1", 0, Math.min(8, b.length));
  if (magic !== SNAPSHOT_MAGIC.slice(0, magic.length) || b.length === 0) fail("not a vm7 snapshot (no VM7SNAP magic)");
  if (b.length < 16) fail(`truncated (${b.length} bytes)`);
  const version = b.readUInt32LE(8);
  if (version !== SNAPSHOT_VERSION) fail(`snapshot format version ${version}; this vm7 reads version ${SNAPSHOT_VERSION}`);
  const hlen = b.readUInt32LE(12);
  if (16 + hlen + 32 > b.length) fail(`truncated (${b.length} bytes; its header alone needs ${16 + hlen + 32})`);
  let header: SnapshotHeader;
  try { header = JSON.parse(b.toString("utf8", 16, 16 + hlen)) as SnapshotHeader; } catch { return fail("corrupted (its header is not valid JSON)"); }
  const total = 16 + hlen + (header.sections ?? []).reduce((a, s) => a + s.bytes, 0) + 32;
  if (b.length < total) fail(`truncated (${b.length} bytes of ${total})`);
  if (b.length > total) fail(`corrupted (${b.length - total} bytes after its end)`);
  const sum = createHash("sha256").update(b.subarray(0, total - 32)).digest();
  if (!sum.equals(b.subarray(total - 32))) fail("corrupted (checksum mismatch)");
  const sec = new Map<string, Buffer>();
  let at = 16 + hlen;
  for (const s of header.sections) {
    let d: Buffer;
    try { d = inflateSync(b.subarray(at, at + s.bytes), { finishFlush: zc.Z_SYNC_FLUSH }); } catch { return fail(`corrupted (section ${s.name} does not decompress)`); }
    if (d.length !== s.raw) fail(`corrupted (section ${s.name}: ${d.length} bytes, expected ${s.raw})`);
    sec.set(s.name, d);
    at += s.bytes;
  }
  const need = (n: string) => sec.get(n) ?? fail(`corrupted (no ${n} section)`);
  const map = need("ram-map"), ram = need("ram");
  const npages = (header.machine.ramMiB << 20) / PAGE;
  if (map.length !== Math.ceil(npages / 8)) fail("corrupted (its RAM map does not match its RAM size)");
  const pages = new Array<Uint8Array | undefined>(npages);
  let off = 0;
  for (let i = 0; i < npages; i++) {
    if ((map[i >> 3] >> (i & 7)) & 1) {
      if (off + PAGE > ram.length) fail("corrupted (fewer RAM pages than its map says)");
      pages[i] = new Uint8Array(ram.buffer, ram.byteOffset + off, PAGE);
      off += PAGE;
    }
  }
  const image: MachineImage = { icount: header.icount, state: need("state"), vmm: need("vmm"), pages, host: header.host };
  return { header, image };
}

/** A machine in the snapshot's state: created with its configuration (plus `opts`: console sinks,
 *  semihosting root), layout checked, state applied. */
export function restoreSnapshot(file: Uint8Array, name: string, opts: MachineOptions = {}): { m: Machine; header: SnapshotHeader } {
  const { header, image } = decodeSnapshot(file, name);
  const c = header.machine;
  const m = Machine.createSync({ ...opts, mode: c.mode, ramMiB: c.ramMiB, clock: c.clock, cpuHz: c.cpuHz, semihosting: c.semihosting, cmdline: c.cmdline });
  const { k } = m.core;
  if (header.layout !== layoutFingerprint(k)) {
    throw new SnapshotError(`${name}: made by a vm7 whose core has another state layout (fingerprint ${header.layout}, this one ${layoutFingerprint(k)}): it cannot be restored here`);
  }
  if (image.state.length !== k.STATE_SIZE || image.vmm.length !== k.LAYOUT_VMM_BYTES) {
    throw new SnapshotError(`${name}: corrupted (section sizes do not match this core's layout)`);
  }
  applyImage(m, image, "fresh");
  return { m, header };
}
