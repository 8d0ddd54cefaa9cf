// A hostile guest for the several-guests tests (full mode, MMU off, hand-assembled): it drives its own
// virtio-blk window from guest code. For each case it resets the device, sets queue 0 up on rings the
// host laid out in its RAM, and notifies; then comes a valid read of 512 bytes from its disk into its
// 0x80008000 (where a victim's kernel is in the victim's partition); then it exits through
// semihosting (status 0), or spins with interrupts masked.
import type { Machine } from "../../src/machine/machine.js";
import { VirtioBlk, type BlockStorage } from "../../src/virtio/blk.js";
import { li } from "../dev-helpers.js";

export class MemDisk implements BlockStorage {
  readonly bytes: Uint8Array;
  constructor(readonly size: number, fill: number) { this.bytes = new Uint8Array(size).fill(fill); }
  read(b: Uint8Array, pos: number) { b.set(this.bytes.subarray(pos, pos + b.length)); }
  write(b: Uint8Array, pos: number) { this.bytes.set(b, pos); }
  flush() {}
}

type D = [addr: number, len: number, flags: number, next: number];
export interface HostileCase { what: string; descs: D[]; head?: number; availIdx?: number; descAt?: number; msg: RegExp }

const V = 0x4a000000, Q = 8;
const HDR = 0x80200000, STAT = 0x80200100, DATA = 0x80008000;
const ring = (c: number) => ({ desc: 0x80100000 + c * 0x1000, avail: 0x80100100 + c * 0x1000, used: 0x80100200 + c * 0x1000 });
const hex = (n: number) => n.toString(16);

/** The attack for a guest whose partition has `partBytes` of RAM at 0x80000000. */
export function hostileVirtio(disk: BlockStorage, onError: (e: string) => void, o: { partBytes?: number; end?: "exit" | "spin" } = {}) {
  const partEnd = 0x80000000 + (o.partBytes ?? 16 << 20);
  const cases: HostileCase[] = [
    { what: "a loop", descs: [[HDR, 16, 1, 1], [HDR, 16, 1, 0]], msg: /longer than the queue \(8\): a loop/ },
    { what: "a chain through every descriptor and round again", descs: Array.from({ length: Q }, (_, i): D => [HDR, 16, 1, (i + 1) % Q]), head: 3, msg: /longer than the queue/ },
    { what: "a buffer across the partition's end", descs: [[partEnd - 8, 16, 0, 0]], msg: /outside guest RAM/ },
    { what: "a buffer where the next partition would be", descs: [[partEnd + (16 << 20), 16, 0, 0]], msg: /outside guest RAM/ },
    { what: "a buffer below RAM", descs: [[0x7fff0000, 0x100, 0, 0]], msg: /outside guest RAM/ },
    { what: "a buffer wrapping round 4 GiB", descs: [[0xfffff000, 0x2000, 0, 0]], msg: /outside guest RAM/ },
    { what: "a descriptor table past the partition", descs: [], descAt: partEnd, msg: new RegExp(`descriptor table at 0x${hex(partEnd)}\\+128 outside guest RAM`) },
    { what: "more chains offered than the queue holds", descs: [[HDR, 16, 0, 0]], availIdx: 100, msg: /available index 100 is more than 8 ahead/ },
  ];
  const valid: D[] = [[HDR, 16, 1, 1], [DATA, 512, 3, 2], [STAT, 1, 2, 0]];
  const store = (a: number, v: number) => [...li(0, a), ...li(3, v), 0xe5803000]; // str r3, [r0]
  const code: number[] = [];
  [...cases.map((c, i) => c.descAt ?? ring(i).desc), ring(cases.length).desc].forEach((desc, i) => {
    const r = ring(i);
    // Status 0 (reset), ACKNOWLEDGE, DRIVER; DriverFeatures word 1 = VERSION_1; FEATURES_OK; queue 0 of 8
    // at the case's rings; QueueReady; DRIVER_OK; QueueNotify(0).
    for (const [off, v] of [[0x70, 0], [0x70, 1], [0x70, 3], [0x24, 1], [0x20, 1], [0x70, 11], [0x30, 0], [0x38, Q],
      [0x80, desc], [0x84, 0], [0x90, r.avail], [0x94, 0], [0xa0, r.used], [0xa4, 0], [0x44, 1], [0x70, 15], [0x50, 0]]) code.push(...store(V + off, v));
  });
  if (o.end === "spin") code.push(0xeafffffe); // b . (IRQs stay masked)
  else code.push(...li(0, 0x18), ...li(1, 0x20026), 0xef123456); // semihosting SYS_EXIT, ADP_Stopped_ApplicationExit: status 0
  const words = (ws: number[]) => { const b = new Uint8Array(ws.length * 4); const dv = new DataView(b.buffer); ws.forEach((w, i) => dv.setUint32(4 * i, w >>> 0, true)); return b; };
  const load = (m: Machine) => {
    m.attachVirtio(new VirtioBlk(disk), onError);
    const put = (r: { desc: number; avail: number }, descs: D[], availIdx: number, head: number) => {
      descs.forEach(([a, len, fl, nx], j) => m.writeGuestRam(r.desc + 16 * j, words([a, 0, len, fl | (nx << 16)])));
      m.writeGuestRam(r.avail, words([availIdx << 16, head]));
    };
    cases.forEach((c, i) => put(ring(i), c.descs, c.availIdx ?? 1, c.head ?? 0));
    put(ring(cases.length), valid, 1, 0);
    m.writeGuestRam(HDR, words([0, 0, 0, 0])); // VIRTIO_BLK_T_IN, sector 0
    m.writeGuestRam(STAT, Uint8Array.of(0xff));
    m.writeGuestRam(0x80000000, words(Array(8).fill(0xeafffffe))); // vectors: b .
    m.setCp15({ VBAR: 0x80000000 });
    m.writeGuestRam(0x80001000, words(code));
    m.pc = 0x80001000; m.cpsr = 0x1d3;
  };
  return { cases, load, V, HDR, STAT, DATA };
}
