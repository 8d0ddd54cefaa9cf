// virtio-net back end (virtio spec 1.1 §5.1) on a virtual switch inside vm7 (no host sockets).
// Queue 0 receives, queue 1 transmits; every buffer starts with the 12-byte struct virtio_net_hdr
// (VERSION_1: num_buffers always present). Offered: VERSION_1 and VIRTIO_NET_F_MAC only (no
// checksum or segmentation offloads, no mergeable buffers), so every frame is a plain Ethernet
// frame. A frame the guest sends goes to the switch at the notifying instruction; frames for the
// guest wait in a bounded queue until it has posted receive buffers.
import { VIRTIO_F_VERSION_1, type Chain, type VirtioDevice } from "./transport.js";

export const VIRTIO_ID_NET = 1;
export const VIRTIO_NET_F_MAC = 1n << 5n;
const HDR = 12;
const MAX_FRAME = 1514;
const RX_BACKLOG = 64;

/** Something on the switch: it receives every frame sent by another port. */
export interface SwitchPort { deliver(frame: Uint8Array): void }

/** A learning-free switch: a frame goes to every other port (a hub; with few ports that is enough). */
export class VirtualSwitch {
  private readonly ports: SwitchPort[] = [];
  frames = 0;
  attach(p: SwitchPort): void { this.ports.push(p); }
  send(from: SwitchPort, frame: Uint8Array): void {
    this.frames++;
    for (const p of this.ports) if (p !== from) p.deliver(frame);
  }
}

export class VirtioNet implements VirtioDevice, SwitchPort {
  readonly deviceId = VIRTIO_ID_NET;
  readonly features = VIRTIO_F_VERSION_1 | VIRTIO_NET_F_MAC;
  readonly queues = 2;
  readonly queueMax = 64;
  readonly config: Uint8Array;
  readonly stats = { tx: 0, rx: 0, dropped: 0 };
  private readonly backlog: Uint8Array[] = [];
  /** Set by the transport: serve a queue now (the receive queue, when a frame arrives). */
  kick: (q: number) => void = () => {};

  constructor(private readonly sw: VirtualSwitch, readonly mac: Uint8Array) {
    this.config = new Uint8Array(8);   // mac[6], status (not offered)
    this.config.set(mac, 0);
    sw.attach(this);
  }

  deliver(frame: Uint8Array): void {
    if (this.backlog.length >= RX_BACKLOG) { this.stats.dropped++; return; }
    this.backlog.push(frame.slice());
    this.kick(0);
  }

  /** Whether a received frame waits for a buffer. */
  get rxPending(): boolean { return this.backlog.length > 0; }

  request(q: number, c: Chain): number {
    if (q === 1) {
      const n = c.readableBytes;
      if (n > HDR && n - HDR <= MAX_FRAME) {
        this.stats.tx++;
        this.sw.send(this, c.read(HDR, n - HDR));
      } else this.stats.dropped++;
      return 0;
    }
    // Receive: one frame per buffer (no mergeable buffers), header with num_buffers = 1.
    const f = this.backlog.shift();
    if (!f) return -1;   // nothing to put in it: the transport leaves the buffer with the driver
    if (c.writableBytes < HDR + f.length) { this.stats.dropped++; return 0; }
    const h = new Uint8Array(HDR);
    h[10] = 1;
    c.write(0, h);
    c.write(HDR, f);
    this.stats.rx++;
    return HDR + f.length;
  }
}

/**
 * A host on the switch that answers ARP requests for its address and ICMP echo requests to it
 * (RFC 826, RFC 792): enough for `ping` from a guest. Replies are sent at once (deterministic).
 */
export class PingPeer implements SwitchPort {
  readonly mac = Uint8Array.of(0x02, 0x76, 0x6d, 0x37, 0x00, 0xfe);
  answered = { arp: 0, icmp: 0 };
  constructor(private readonly sw: VirtualSwitch, readonly ip: Uint8Array) { sw.attach(this); }

  deliver(f: Uint8Array): void {
    if (f.length < 14) return;
    const type = (f[12] << 8) | f[13];
    const dst = f.subarray(0, 6);
    const forMe = dst.every((b, i) => b === this.mac[i]);
    const bcast = dst.every((b) => b === 0xff);
    if (type === 0x0806 && f.length >= 42 && (forMe || bcast)) this.arp(f);
    else if (type === 0x0800 && forMe && f.length >= 34) this.ipv4(f);
  }

  private arp(f: Uint8Array): void {
    const a = f.subarray(14);
    // Ethernet/IPv4, request, for our address.
    if (((a[0] << 8) | a[1]) !== 1 || ((a[2] << 8) | a[3]) !== 0x0800 || ((a[6] << 8) | a[7]) !== 1) return;
    if (!a.subarray(24, 28).every((b, i) => b === this.ip[i])) return;
    const r = new Uint8Array(42);
    r.set(a.subarray(8, 14), 0); r.set(this.mac, 6); r[12] = 0x08; r[13] = 0x06;
    r.set([0, 1, 8, 0, 6, 4, 0, 2], 14);
    r.set(this.mac, 22); r.set(this.ip, 28);          // sender: us
    r.set(a.subarray(8, 14), 32); r.set(a.subarray(14, 18), 38);   // target: the asker
    this.answered.arp++;
    this.sw.send(this, r);
  }

  private ipv4(f: Uint8Array): void {
    const ip = f.subarray(14);
    const ihl = (ip[0] & 15) * 4;
    if (ip[0] >> 4 !== 4 || ihl < 20 || ip[9] !== 1) return;          // IPv4, ICMP
    if (!ip.subarray(16, 20).every((b, i) => b === this.ip[i])) return;
    const total = (ip[2] << 8) | ip[3];
    if (total < ihl + 8 || 14 + total > f.length) return;
    const icmp = ip.subarray(ihl, total);
    if (icmp[0] !== 8) return;                                          // echo request
    const r = f.slice(0, 14 + total);
    r.set(f.subarray(6, 12), 0); r.set(this.mac, 6);
    const rip = r.subarray(14);
    rip.set(ip.subarray(16, 20), 12); rip.set(ip.subarray(12, 16), 16);  // swap addresses: the header sum is unchanged
    const ric = rip.subarray(ihl, total);
    ric[0] = 0; ric[2] = 0; ric[3] = 0;
    const s = checksum(ric);
    ric[2] = s >> 8; ric[3] = s & 255;
    this.answered.icmp++;
    this.sw.send(this, r);
  }
}

/** The Internet checksum (RFC 1071). */
export function checksum(b: Uint8Array): number {
  let s = 0;
  for (let i = 0; i + 1 < b.length; i += 2) s += (b[i] << 8) | b[i + 1];
  if (b.length & 1) s += b[b.length - 1] << 8;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}
