// The host half of vm7's virtio-mmio transport (the register file is assembly/dev/virtio_mmio.ts):
// when the guest writes QueueNotify, the core ends its slice and the Machine hands the pending
// queues here. This walks the split virtqueue (virtio spec 1.1 §2.6) in guest RAM: every
// descriptor is checked (inside the guest's RAM, chain no longer than the queue, no loops, no
// indirect tables since VIRTIO_F_INDIRECT_DESC is not offered, device-writable after
// device-readable), the back end serves the chain, and the used ring gets its element. Anything
// wrong puts the device in DEVICE_NEEDS_RESET (§2.1.2) instead of throwing: the guest's driver
// sees a broken device, the host goes on.
import type { CoreExports, CoreConstants } from "../machine/core.js";

export const VIRTIO_F_VERSION_1 = 1n << 32n;

const VRING_DESC_F_NEXT = 1;
const VRING_DESC_F_WRITE = 2;
const VRING_DESC_F_INDIRECT = 4;

// Queue fields in the core's register file (dev/virtio_mmio.ts Q_*).
const Q_NUM = 0, Q_READY = 1, Q_DESC_LO = 2, Q_DESC_HI = 3, Q_DRIVER_LO = 4, Q_DRIVER_HI = 5, Q_DEVICE_LO = 6, Q_DEVICE_HI = 7, Q_LAST_AVAIL = 8;

/** A guest buffer: guest-physical address and length, already checked to lie in guest RAM. */
export interface Segment { pa: number; len: number }

/** One descriptor chain as the back end sees it. */
export class Chain {
  constructor(private readonly ram: () => Uint8Array, private readonly ramBase: number, private readonly written: (pa: number, len: number) => void,
    readonly head: number, readonly readable: Segment[], readonly writable: Segment[]) {}
  get readableBytes(): number { return this.readable.reduce((a, s) => a + s.len, 0); }
  get writableBytes(): number { return this.writable.reduce((a, s) => a + s.len, 0); }
  /** `len` bytes of the device-readable part from offset `off` (the caller checked the bounds). */
  read(off: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    const ram = this.ram();
    let done = 0;
    for (const s of this.readable) {
      if (done >= len) break;
      if (off >= s.len) { off -= s.len; continue; }
      const n = Math.min(s.len - off, len - done);
      const o = s.pa - this.ramBase + off;
      out.set(ram.subarray(o, o + n), done);
      done += n; off = 0;
    }
    return out;
  }
  /** Write `bytes` into the device-writable part at offset `off`. */
  write(off: number, bytes: Uint8Array): void {
    const ram = this.ram();
    let done = 0;
    for (const s of this.writable) {
      if (done >= bytes.length) break;
      if (off >= s.len) { off -= s.len; continue; }
      const n = Math.min(s.len - off, bytes.length - done);
      ram.set(bytes.subarray(done, done + n), s.pa - this.ramBase + off);
      this.written(s.pa + off, n);
      done += n; off = 0;
    }
  }
}

/** A back end (virtio-blk, ...). */
export interface VirtioDevice {
  /** Virtio device ID (§5: 2 block, 1 network, 3 console). */
  readonly deviceId: number;
  /** Feature bits offered (VIRTIO_F_VERSION_1 must be among them). */
  readonly features: bigint;
  readonly queues: number;
  readonly queueMax: number;
  /** The device configuration space (at most 256 bytes). */
  readonly config: Uint8Array;
  /** Serve one chain of queue q; returns how many bytes it wrote into the writable part, or -1 to
   *  leave the chain with the driver for now (a receive buffer with nothing to receive). */
  request(q: number, chain: Chain): number;
  /** Set by the transport for devices with input of their own (network): serve queue q now. */
  kick?: (q: number) => void;
}

export class VirtioError extends Error {}

export class VirtioTransport {
  private readonly devices: Array<VirtioDevice | undefined> = [];
  /** The last reason a device was put in DEVICE_NEEDS_RESET (for tests and the log). */
  lastError: string | undefined;
  /** Requests served, per slot. */
  readonly served: number[] = [];

  /** Machine RAM offset of the guest's RAM (its partition's: 0 for one guest). */
  private readonly offset: number;
  private readonly isCurrent: () => boolean;
  private readonly wake: () => void;
  /** Queues with input (bit slot*8 + queue) that arrived while the guest was switched out. */
  private deferred = 0;

  constructor(private readonly x: CoreExports, private readonly k: CoreConstants, private readonly ramBase: number,
    private readonly guestRamBytes: number, private readonly onError: (msg: string) => void,
    guest: { offset: number; isCurrent: () => boolean; wake: () => void } = { offset: 0, isCurrent: () => true, wake: () => {} }) {
    this.offset = guest.offset; this.isCurrent = guest.isCurrent; this.wake = guest.wake;
  }

  /** Puts `dev` in the first free window; returns its slot (window at VIRTIO_BASE + slot * 0x200, IRQ VIRTIO_IRQ0 + slot). */
  attach(dev: VirtioDevice): number {
    const slot = this.devices.findIndex((d) => d === undefined);
    const s = slot >= 0 ? slot : this.devices.length;
    if (s >= this.k.VIRTIO_SLOTS) throw new VirtioError(`no free virtio-mmio window (the board has ${this.k.VIRTIO_SLOTS})`);
    if ((dev.features & VIRTIO_F_VERSION_1) === 0n) throw new VirtioError("a virtio device must offer VIRTIO_F_VERSION_1");
    if (dev.config.length > 256) throw new VirtioError("virtio configuration space larger than 256 bytes");
    const ok = this.x.virtioSetup(s, dev.deviceId, dev.queues, dev.queueMax,
      Number(dev.features & 0xffffffffn), Number((dev.features >> 32n) & 0xffffffffn));
    if (!ok) throw new VirtioError(`virtio device with ${dev.queues} queues of ${dev.queueMax}: not supported by the transport`);
    dev.config.forEach((b, i) => this.x.virtioConfigSet(s, i, b));
    if ("kick" in dev) dev.kick = (q: number) => this.pump(s, q);
    this.devices[s] = dev;
    this.served[s] = 0;
    return s;
  }

  private ram(): Uint8Array { return new Uint8Array(this.x.memory.buffer, this.k.LAYOUT_RAM + this.offset, this.guestRamBytes); }

  /** Serves the notifications in `mask` (bit slot*8 + queue), as virtioTakePending() returns them. */
  serve(mask: number): void {
    for (let bit = 0; mask !== 0 && bit < 32; bit++) {
      if ((mask & (1 << bit)) === 0) continue;
      mask &= ~(1 << bit);
      const slot = bit >>> 3, q = bit & 7;
      const dev = this.devices[slot];
      if (!dev) continue;
      try {
        if (this.serveQueue(slot, q, dev) > 0) this.x.virtioUsed(slot);
      } catch (e) {
        if (!(e instanceof VirtioError)) throw e;
        this.lastError = `virtio slot ${slot} queue ${q}: ${e.message}`;
        this.x.virtioNeedsReset(slot);
        this.onError(`${this.lastError}; the device now needs a reset`);
      }
    }
  }

  /** Serves queue q of `slot` outside a notification (input arrived), if the driver has it running. */
  pump(slot: number, q: number): void {
    // The register file, the RAM the rings are in and the INTC are the selected guest's: a guest
    // switched out gets its input when it is switched in (serveDeferred), and is woken for it.
    if (!this.isCurrent()) { this.deferred |= 1 << (slot * 8 + q); this.wake(); return; }
    const dev = this.devices[slot];
    const st = this.x.virtioStatus(slot) >>> 0;
    if (!dev || (st & 4) === 0 || (st & 0x40) !== 0 || this.x.virtioQueueGet(slot, q, Q_READY) === 0) return;
    this.serve(1 << (slot * 8 + q));
  }

  /** The guest was switched in: serve the input that arrived for it meanwhile. */
  serveDeferred(): void {
    let d = this.deferred;
    this.deferred = 0;
    for (let bit = 0; d !== 0 && bit < 32; bit++) {
      if ((d & (1 << bit)) === 0) continue;
      d &= ~(1 << bit);
      this.pump(bit >>> 3, bit & 7);
    }
  }

  private inRam(pa: number, len: number): boolean {
    return pa >= this.ramBase && len >= 0 && pa - this.ramBase <= this.guestRamBytes - len;
  }
  private area(slot: number, q: number, lo: number, hi: number, len: number, align: number, what: string): number {
    const pa = this.x.virtioQueueGet(slot, q, lo) >>> 0;
    if ((this.x.virtioQueueGet(slot, q, hi) >>> 0) !== 0) throw new VirtioError(`${what} above 4 GiB`);
    if (pa % align !== 0) throw new VirtioError(`${what} at 0x${pa.toString(16)} not ${align}-byte aligned`);
    if (!this.inRam(pa, len)) throw new VirtioError(`${what} at 0x${pa.toString(16)}+${len} outside guest RAM`);
    return pa - this.ramBase;
  }

  private serveQueue(slot: number, q: number, dev: VirtioDevice): number {
    const x = this.x;
    if (x.virtioQueueGet(slot, q, Q_READY) === 0) throw new VirtioError("notified while not ready");
    const num = x.virtioQueueGet(slot, q, Q_NUM) >>> 0;
    if (num === 0 || (num & (num - 1)) !== 0 || num > dev.queueMax) throw new VirtioError(`queue size ${num} is not a power of 2 up to ${dev.queueMax}`);
    // §2.6: descriptor table 16-byte aligned, available ring 2, used ring 4.
    const desc = this.area(slot, q, Q_DESC_LO, Q_DESC_HI, 16 * num, 16, "descriptor table");
    const avail = this.area(slot, q, Q_DRIVER_LO, Q_DRIVER_HI, 6 + 2 * num, 2, "available ring");
    const used = this.area(slot, q, Q_DEVICE_LO, Q_DEVICE_HI, 6 + 8 * num, 4, "used ring");
    const ram = this.ram();
    const dv = new DataView(ram.buffer, ram.byteOffset, ram.byteLength);
    const availIdx = dv.getUint16(avail + 2, true);
    let last = x.virtioQueueGet(slot, q, Q_LAST_AVAIL) & 0xffff;
    if (((availIdx - last) & 0xffff) > num) throw new VirtioError(`available index ${availIdx} is more than ${num} ahead of ${last}`);
    let usedIdx = dv.getUint16(used + 2, true);
    let n = 0;
    const written = (pa: number, len: number) => x.ramWritten(pa + this.offset, len);
    while (last !== availIdx) {
      const head = dv.getUint16(avail + 4 + 2 * (last % num), true);
      const chain = this.walk(dv, desc, num, head, written);
      const len = dev.request(q, chain);
      if (len < 0) break;
      const e = used + 4 + 8 * (usedIdx % num);
      dv.setUint32(e, head, true);
      dv.setUint32(e + 4, len >>> 0, true);
      usedIdx = (usedIdx + 1) & 0xffff;
      dv.setUint16(used + 2, usedIdx, true);
      x.ramWritten(this.ramBase + this.offset + e, 8);
      last = (last + 1) & 0xffff;
      x.virtioLastAvailSet(slot, q, last);
      n++;
    }
    this.served[slot] += n;
    return n;
  }

  private walk(dv: DataView, desc: number, num: number, head: number, written: (pa: number, len: number) => void): Chain {
    if (head >= num) throw new VirtioError(`descriptor index ${head} out of range (queue size ${num})`);
    const readable: Segment[] = [], writable: Segment[] = [];
    let i = head;
    for (let hops = 0; ; hops++) {
      if (hops >= num) throw new VirtioError(`descriptor chain from ${head} longer than the queue (${num}): a loop`);
      const d = desc + 16 * i;
      const lo = dv.getUint32(d, true), hi = dv.getUint32(d + 4, true);
      const len = dv.getUint32(d + 8, true), flags = dv.getUint16(d + 12, true), next = dv.getUint16(d + 14, true);
      if (flags & VRING_DESC_F_INDIRECT) throw new VirtioError(`descriptor ${i}: indirect table, a feature not offered`);
      if (hi !== 0 || !this.inRam(lo, len)) throw new VirtioError(`descriptor ${i}: buffer 0x${hi ? hi.toString(16) + lo.toString(16).padStart(8, "0") : lo.toString(16)}+${len} outside guest RAM`);
      if (flags & VRING_DESC_F_WRITE) writable.push({ pa: lo, len });
      else if (writable.length > 0) throw new VirtioError(`descriptor ${i}: device-readable after device-writable`);
      else readable.push({ pa: lo, len });
      if ((flags & VRING_DESC_F_NEXT) === 0) break;
      if (next >= num) throw new VirtioError(`descriptor ${i}: next ${next} out of range (queue size ${num})`);
      i = next;
    }
    return new Chain(() => this.ram(), this.ramBase, written, head, readable, writable);
  }
}
