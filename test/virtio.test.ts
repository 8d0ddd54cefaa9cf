// vm7's virtio-mmio transport (assembly/dev/virtio_mmio.ts + src/virtio/transport.ts) and its
// virtio-blk and virtio-net back ends (src/virtio/blk.ts, net.ts), against virtio spec 1.1 §4.2
// (MMIO), §2.6 (split virtqueues), §5.2 (block) and §5.1 (network): register level with hand-built
// rings and a guest that writes QueueNotify; then `vm7 run`/`vm7 linux --disk/--net` end to end
// (Debian's virtio_mmio, virtio_blk, virtio_net).
import { describe, it, expect, beforeAll } from "vitest";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync, statSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Machine } from "../src/machine/machine.js";
import { VirtioBlk, type BlockStorage, VIRTIO_BLK_S_OK, VIRTIO_BLK_S_IOERR, VIRTIO_BLK_S_UNSUPP } from "../src/virtio/blk.js";
import { machine, put, li, A, CODE, INTC } from "./dev-helpers.js";
import { debianPackages } from "./helpers/packages.js";
import { vm7 as cli } from "./helpers/run.js";
import { VirtioNet, VirtualSwitch, PingPeer, checksum } from "../src/virtio/net.js";

const root = join(import.meta.dirname, "..");
const BASE = 0x4a000000;
const R = {
  MAGIC: 0x000, VERSION: 0x004, DEVICE_ID: 0x008, VENDOR: 0x00c, DEV_FEAT: 0x010, DEV_FEAT_SEL: 0x014,
  DRV_FEAT: 0x020, DRV_FEAT_SEL: 0x024, QUEUE_SEL: 0x030, QUEUE_NUM_MAX: 0x034, QUEUE_NUM: 0x038,
  QUEUE_READY: 0x044, QUEUE_NOTIFY: 0x050, INT_STATUS: 0x060, INT_ACK: 0x064, STATUS: 0x070,
  DESC_LO: 0x080, DESC_HI: 0x084, DRIVER_LO: 0x090, DRIVER_HI: 0x094, DEVICE_LO: 0x0a0, DEVICE_HI: 0x0a4, CONFIG: 0x100,
};
const ACK = 1, DRIVER = 2, DRIVER_OK = 4, FEATURES_OK = 8, NEEDS_RESET = 0x40;
// Guest RAM the tests lay the rings and buffers out in (16 MiB machine at 0x80000000).
const DESC = 0x80100000, AVAIL = 0x80100100, USED = 0x80100200, HDR = 0x80101000, DATA = 0x80102000, STATUS_B = 0x80103000;
const QSIZE = 8;

class MemStorage implements BlockStorage {
  readonly bytes: Uint8Array;
  failWrites = false;
  flushes = 0;
  constructor(readonly size: number) { this.bytes = new Uint8Array(size); }
  read(buf: Uint8Array, pos: number) { buf.set(this.bytes.subarray(pos, pos + buf.length)); }
  write(buf: Uint8Array, pos: number) { if (this.failWrites) throw new Error("EIO"); this.bytes.set(buf, pos); }
  flush() { this.flushes++; }
}

const rd = (m: Machine, off: number, slot = 0) => m.physRead32(BASE + 0x200 * slot + off);
const wr = (m: Machine, off: number, v: number, slot = 0) => m.physWrite32(BASE + 0x200 * slot + off, v);

/** A 16 MiB machine with a virtio-blk device on `st`, and a guest at CODE that writes QueueNotify(0) then spins. */
function setup(st: BlockStorage = new MemStorage(64 * 1024)) {
  const m = machine();
  const errors: string[] = [];
  const blk = new VirtioBlk(st);
  const slot = m.attachVirtio(blk, (s) => errors.push(s));
  // str r3, [r0] with r0 = QueueNotify, r3 = 0; then b .
  put(m, CODE, [...li(0, BASE + R.QUEUE_NOTIFY), ...li(3, 0), 0xe5803000, A.B_SELF]);
  return { m, blk, slot, errors, st };
}

/** The driver side of §3.1.1 and §4.2.3.2: acknowledge, negotiate, set queue 0 up, DRIVER_OK. */
function initDriver(m: Machine, featHi = 1, featLo = 0) {
  wr(m, R.STATUS, 0);
  wr(m, R.STATUS, ACK);
  wr(m, R.STATUS, ACK | DRIVER);
  wr(m, R.DRV_FEAT_SEL, 0); wr(m, R.DRV_FEAT, featLo);
  wr(m, R.DRV_FEAT_SEL, 1); wr(m, R.DRV_FEAT, featHi);
  wr(m, R.STATUS, ACK | DRIVER | FEATURES_OK);
  wr(m, R.QUEUE_SEL, 0);
  wr(m, R.QUEUE_NUM, QSIZE);
  wr(m, R.DESC_LO, DESC); wr(m, R.DESC_HI, 0);
  wr(m, R.DRIVER_LO, AVAIL); wr(m, R.DRIVER_HI, 0);
  wr(m, R.DEVICE_LO, USED); wr(m, R.DEVICE_HI, 0);
  wr(m, R.QUEUE_READY, 1);
  wr(m, R.STATUS, ACK | DRIVER | FEATURES_OK | DRIVER_OK);
  for (let a = DESC; a < USED + 6 + 8 * QSIZE; a += 4) m.physWrite32(a, 0);
}

function desc(m: Machine, i: number, addr: number, len: number, flags: number, next: number, hi = 0) {
  const d = DESC + 16 * i;
  m.physWrite32(d, addr); m.physWrite32(d + 4, hi); m.physWrite32(d + 8, len);
  m.physWrite32(d + 12, (flags & 0xffff) | (next << 16));
}
let availIdx = 0;
function offer(m: Machine, head: number) {
  const idx = m.physRead(AVAIL + 2, 2);
  m.physWrite(AVAIL + 4 + 2 * (idx % QSIZE), 2, head);
  m.physWrite(AVAIL + 2, 2, (idx + 1) & 0xffff);
  availIdx = idx + 1;
}
function header(m: Machine, type: number, sector: number) {
  m.physWrite32(HDR, type); m.physWrite32(HDR + 4, 0); m.physWrite32(HDR + 8, sector); m.physWrite32(HDR + 12, 0);
}
/** A three-descriptor request: header (readable), data (readable for OUT, writable for IN), status (writable). */
function request(m: Machine, type: number, sector: number, len: number, dataWritable: boolean) {
  header(m, type, sector);
  desc(m, 0, HDR, 16, 1, 1);
  desc(m, 1, DATA, len, 1 | (dataWritable ? 2 : 0), 2);
  desc(m, 2, STATUS_B, 1, 2, 0);
  m.physWrite8(STATUS_B, 0xff);
  offer(m, 0);
}
/** Runs the guest from CODE: its 5th instruction (the STR) notifies; returns the instructions run. */
function notify(m: Machine, max = 5) {
  m.pc = CODE;
  return m.run({ maxInsns: max });
}
const usedIdx = (m: Machine) => m.physRead(USED + 2, 2);
const itr1 = (m: Machine) => m.physRead32(INTC + 0x80 + 0x20);   // raw lines 32-63: virtio slot 0 is line 50

describe("virtio-mmio transport: registers (virtio 1.1 §4.2.2)", () => {
  it("identifies itself: magic 'virt', version 2, block device in window 0, empty windows read device ID 0", () => {
    const { m, slot } = setup();
    expect(slot).toBe(0);
    expect(rd(m, R.MAGIC)).toBe(0x74726976);
    expect(rd(m, R.VERSION)).toBe(2);
    expect(rd(m, R.DEVICE_ID)).toBe(2);
    expect(rd(m, R.VENDOR)).toBe(0x00376d76);
    for (const s of [1, 2, 3]) { expect(rd(m, R.MAGIC, s)).toBe(0x74726976); expect(rd(m, R.DEVICE_ID, s)).toBe(0); }
    // Config space: capacity in 512-byte sectors (64 KiB -> 128), any access width.
    expect(rd(m, R.CONFIG)).toBe(128);
    expect(m.physRead(BASE + R.CONFIG, 1)).toBe(128);
    expect(rd(m, R.CONFIG + 4)).toBe(0);
    // Past the four windows nothing answers but the page is the device's: reads 0, no abort.
    expect(m.physRead32(BASE + 0x800)).toBe(0);
  });

  it("feature negotiation: offers VERSION_1 and BLK_F_FLUSH; FEATURES_OK only for an accepted subset with VERSION_1", () => {
    const { m } = setup();
    wr(m, R.DEV_FEAT_SEL, 0); expect(rd(m, R.DEV_FEAT)).toBe(1 << 9);
    wr(m, R.DEV_FEAT_SEL, 1); expect(rd(m, R.DEV_FEAT)).toBe(1);
    wr(m, R.DEV_FEAT_SEL, 2); expect(rd(m, R.DEV_FEAT)).toBe(0);
    const negotiate = (lo: number, hi: number) => {
      wr(m, R.STATUS, 0); wr(m, R.STATUS, ACK | DRIVER);
      wr(m, R.DRV_FEAT_SEL, 0); wr(m, R.DRV_FEAT, lo); wr(m, R.DRV_FEAT_SEL, 1); wr(m, R.DRV_FEAT, hi);
      wr(m, R.STATUS, ACK | DRIVER | FEATURES_OK);
      return rd(m, R.STATUS);
    };
    expect(negotiate(1 << 9, 1)).toBe(ACK | DRIVER | FEATURES_OK);
    expect(negotiate(0, 1)).toBe(ACK | DRIVER | FEATURES_OK);
    expect(negotiate(1 << 9, 0)).toBe(ACK | DRIVER);                // no VERSION_1: legacy driver refused
    expect(negotiate((1 << 9) | (1 << 28), 1)).toBe(ACK | DRIVER);  // INDIRECT_DESC was not offered
    // Once FEATURES_OK is set the driver's features are fixed.
    negotiate(1 << 9, 1);
    wr(m, R.DRV_FEAT_SEL, 0); wr(m, R.DRV_FEAT, 0xffffffff);
    expect(m.virtioDriverFeatures()).toBe((1n << 32n) | (1n << 9n));
    wr(m, R.STATUS, 0);
    expect(rd(m, R.STATUS)).toBe(0);
  });

  it("queue setup: QueueNumMax 128, QueueNum bounded and fixed while ready, addresses read back, reset clears them", () => {
    const { m } = setup();
    initDriver(m);
    wr(m, R.QUEUE_SEL, 0);
    expect(rd(m, R.QUEUE_NUM_MAX)).toBe(128);
    expect(rd(m, R.QUEUE_READY)).toBe(1);
    expect(rd(m, R.DESC_LO)).toBe(DESC); expect(rd(m, R.DRIVER_LO)).toBe(AVAIL); expect(rd(m, R.DEVICE_LO)).toBe(USED);
    wr(m, R.DESC_LO, 0x80200000);            // ignored while ready
    expect(rd(m, R.DESC_LO)).toBe(DESC);
    wr(m, R.QUEUE_SEL, 1);                   // a queue the device does not have
    expect(rd(m, R.QUEUE_NUM_MAX)).toBe(0);
    expect(rd(m, R.QUEUE_READY)).toBe(0);
    wr(m, R.STATUS, 0);
    wr(m, R.QUEUE_SEL, 0);
    expect(rd(m, R.QUEUE_READY)).toBe(0);
    expect(rd(m, R.DESC_LO)).toBe(0);
    wr(m, R.QUEUE_NUM, 256);                 // above QueueNumMax: ignored
    wr(m, R.DESC_LO, 0x80200000);
    expect(rd(m, R.DESC_LO)).toBe(0x80200000);
  });
});

describe("virtio-blk requests through a hand-built descriptor chain (§2.6, §5.2.6)", () => {
  it("OUT then IN: the data reaches the storage and comes back; served at the notifying store; used ring, interrupt, ack", () => {
    const { m, st } = setup();
    initDriver(m);
    for (let i = 0; i < 1024; i += 4) m.physWrite32(DATA + i, (0x01020304 * (i + 1)) >>> 0);
    const sent = m.readRam(DATA, 1024);
    request(m, 1 /* OUT */, 3, 1024, false);
    // The STR is the guest's 5th instruction: after exactly 5 the request is complete.
    const r = notify(m, 5);
    expect(r.insns).toBe(5);
    expect(usedIdx(m)).toBe(1);
    expect(m.physRead32(USED + 4)).toBe(0);        // id = head
    expect(m.physRead32(USED + 8)).toBe(1);        // bytes written: the status
    expect(m.physRead8(STATUS_B)).toBe(VIRTIO_BLK_S_OK);
    expect((st as MemStorage).bytes.subarray(3 * 512, 3 * 512 + 1024)).toEqual(sent);
    expect(rd(m, R.INT_STATUS)).toBe(1);
    expect(itr1(m) & (1 << 18)).not.toBe(0);      // INTC line 50
    wr(m, R.INT_ACK, 1);
    expect(rd(m, R.INT_STATUS)).toBe(0);
    expect(itr1(m) & (1 << 18)).toBe(0);
    // Read it back into zeroed memory.
    for (let i = 0; i < 1024; i += 4) m.physWrite32(DATA + i, 0);
    request(m, 0 /* IN */, 3, 1024, true);
    notify(m);
    expect(usedIdx(m)).toBe(2);
    expect(m.physRead32(USED + 4 + 8 + 4)).toBe(1025);   // second element: id, then len
    expect(m.physRead8(STATUS_B)).toBe(VIRTIO_BLK_S_OK);
    expect(m.readRam(DATA, 1024)).toEqual(sent);
  });

  it("GET_ID, FLUSH, an unknown type (UNSUPP), a transfer past the end (IOERR), a failed host write (IOERR)", () => {
    const st = new MemStorage(64 * 1024);
    const { m, blk } = setup(st);
    initDriver(m);
    request(m, 8 /* GET_ID */, 0, 20, true);
    notify(m);
    expect(m.physRead8(STATUS_B)).toBe(VIRTIO_BLK_S_OK);
    expect(new TextDecoder().decode(m.readRam(DATA, 8))).toBe("vm7-disk");
    request(m, 4 /* FLUSH */, 0, 0, false);
    desc(m, 0, HDR, 16, 1, 2);                     // header + status only
    notify(m);
    expect(m.physRead8(STATUS_B)).toBe(VIRTIO_BLK_S_OK);
    expect(st.flushes).toBe(1);
    request(m, 99, 0, 512, true);
    notify(m);
    expect(m.physRead8(STATUS_B)).toBe(VIRTIO_BLK_S_UNSUPP);
    request(m, 0, 127, 1024, true);                // sectors 127-128 of 128
    notify(m);
    expect(m.physRead8(STATUS_B)).toBe(VIRTIO_BLK_S_IOERR);
    st.failWrites = true;
    m.physWrite32(DATA, 0xdeadbeef);
    request(m, 1, 0, 512, false);
    notify(m);
    expect(m.physRead8(STATUS_B)).toBe(VIRTIO_BLK_S_IOERR);
    expect(st.bytes[0]).toBe(0);
    expect(blk.stats).toMatchObject({ getId: 1, flush: 1, unsupp: 1, ioerr: 2, write: 0 });
    expect(rd(m, R.STATUS) & NEEDS_RESET).toBe(0);  // request errors are not device errors
  });
});

describe("bad descriptors put the device in DEVICE_NEEDS_RESET, never throw on the host (§2.1.2)", () => {
  const cases: Array<[string, (m: Machine) => void, RegExp]> = [
    ["a loop (0 -> 1 -> 0)", (m) => { desc(m, 0, HDR, 16, 1, 1); desc(m, 1, DATA, 512, 1, 0); offer(m, 0); }, /longer than the queue/],
    ["a chain longer than the queue", (m) => { for (let i = 0; i < QSIZE; i++) desc(m, i, HDR, 16, 1, (i + 1) % QSIZE); offer(m, 3); }, /longer than the queue/],
    ["a buffer outside guest RAM", (m) => { desc(m, 0, 0x90000000, 16, 0, 0); offer(m, 0); }, /outside guest RAM/],
    ["a buffer running past the end of RAM", (m) => { desc(m, 0, 0x80fffff0, 0x20, 0, 0); offer(m, 0); }, /outside guest RAM/],
    ["a buffer above 4 GiB", (m) => { desc(m, 0, HDR, 16, 0, 0, 1); offer(m, 0); }, /outside guest RAM/],
    ["the device registers as a buffer", (m) => { desc(m, 0, BASE, 16, 0, 0); offer(m, 0); }, /outside guest RAM/],
    ["next out of range", (m) => { desc(m, 0, HDR, 16, 1, 40); offer(m, 0); }, /next 40 out of range/],
    ["a head index out of range", (m) => { offer(m, 9); }, /index 9 out of range/],
    ["an indirect table (not offered)", (m) => { desc(m, 0, HDR, 16, 4, 0); offer(m, 0); }, /indirect/],
    ["readable after writable", (m) => { desc(m, 0, HDR, 16, 3, 1); desc(m, 1, DATA, 16, 0, 0); offer(m, 0); }, /readable after device-writable/],
    ["an available index far ahead", (m) => { m.physWrite(AVAIL + 2, 2, 100); }, /more than 8 ahead/],
    ["a ring outside RAM", (m) => { wr(m, R.QUEUE_READY, 0); wr(m, R.DESC_LO, 0x7ffffff0); wr(m, R.QUEUE_READY, 1); offer(m, 0); }, /descriptor table .* outside guest RAM/],
    ["a queue size not a power of 2", (m) => { wr(m, R.QUEUE_READY, 0); wr(m, R.QUEUE_NUM, 6); wr(m, R.QUEUE_READY, 1); offer(m, 0); }, /not a power of 2/],
  ];
  for (const [what, build, msg] of cases) {
    it(what, () => {
      const { m, errors, st } = setup();
      initDriver(m);
      build(m);
      const r = notify(m, 100);
      expect(r.reason).toBe("budget");
      expect(rd(m, R.STATUS) & NEEDS_RESET).toBe(NEEDS_RESET);
      expect(rd(m, R.INT_STATUS) & 2).toBe(2);         // configuration change notification
      expect(m.virtioTransport!.lastError).toMatch(msg);
      expect(errors).toHaveLength(1);
      expect(usedIdx(m)).toBe(0);
      // A needs-reset device ignores notifications; a reset brings it back.
      notify(m);
      expect(errors).toHaveLength(1);
      initDriver(m);
      availIdx = 0;
      request(m, 8, 0, 20, true);
      notify(m);
      expect(m.physRead8(STATUS_B)).toBe(VIRTIO_BLK_S_OK);
      expect((st as MemStorage).size).toBe(64 * 1024);
    });
  }
});

// --- the command line ---------------------------------------------------------------------------

const tmp = mkdtempSync(join(tmpdir(), "vm7-virtio-"));
async function vm7(args: string[], timeoutS = 60): Promise<{ out: string; err: string; status: number | null }> {
  const r = await cli(args, { timeoutMs: timeoutS * 1000 });
  return { out: r.stdout, err: r.stderr, status: r.status };
}

describe("--disk on the command line", () => {
  it("refuses a missing file without --disk-size, a size mismatch, a bad size, a directory, and para mode, in one line each", async () => {
    const img = join(tmp, "a.img");
    writeFileSync(img, new Uint8Array(4096));
    const cases: Array<[string[], RegExp]> = [
      [["run", "hello", "--disk", join(tmp, "none.img")], /--disk .*none\.img: no such file \(give --disk-size to create it\)/],
      [["run", "hello", "--disk", img, "--disk-size", "8M"], /a\.img: is 4096 bytes, --disk-size says 8388608/],
      [["run", "hello", "--disk", img, "--disk-size", "1000"], /'1000' is not a size that is a positive multiple of 512/],
      [["run", "hello", "--disk", tmp], /not a regular file/],
      [["run", "hello", "--disk-size", "8M"], /--disk-size needs --disk FILE/],
      [["run", "kernel-para", "--mode", "para", "--disk", img], /--disk: not available in para mode/],
      [["run", "kernel-para", "--mode", "para", "--net"], /--net: not available in para mode/],
      [["run", "kernel-para", "--mode", "para", "--vconsole", join(tmp, "c.txt")], /--vconsole: not available in para mode/],
      // Snapshots and recordings do not carry the back ends' state: refused, not silently incomplete.
      [["run", "hello", "--disk", img, "--snapshot-at", `1000 ${join(tmp, "s.vm7")}`], /--snapshot-at cannot be used with --disk: snapshots do not carry virtio devices yet/],
      [["run", "hello", "--net", "--record", join(tmp, "r.rec")], /--record cannot be used with --net: snapshots do not carry virtio devices yet/],
      [["linux", "--vconsole", join(tmp, "c.txt"), "--record", join(tmp, "r.rec")], /--record cannot be used with --vconsole/],
    ];
    for (const [args, re] of cases) {
      const r = await vm7(args);
      expect(r.status, args.join(" ")).toBe(2);
      // One line saying what is wrong (commander adds its usual "run vm7 --help" hint to option errors).
      expect(r.err.trim().split("\n").filter((l) => !/^\(run 'vm7 --help'/.test(l))).toHaveLength(1);
      expect(r.err).toMatch(re);
    }
  }, 120_000);

  it("creates the file with --disk-size, and a guest with no virtio driver runs as before (native and full)", async () => {
    const img = join(tmp, "new.img");
    for (const mode of ["native", "full"]) {
      const r = await vm7(["run", "hello", "--mode", mode, "--disk", img, "--disk-size", "1M"]);
      expect(r.status, r.err).toBe(0);
      expect(r.out).toMatch(/Hello/i);
      expect(statSync(img).size).toBe(1 << 20);
    }
  }, 120_000);
});

// Debian's kernel and busybox (test/helpers/packages.ts): fetched once per file before the first
// boot (on an empty cache apt takes a minute, too long to block a test worker); the Linux boots are
// skipped with the reason where apt cannot get them.
const { needPackages, skipWithout } = debianPackages("virtio.test");

describe("Linux's virtio_blk on vm7's virtio-blk: /dev/vda", () => {
  needPackages();
  const img = join(tmp, "linux.img");
  let md5 = "";
  beforeAll(() => { mkdirSync(tmp, { recursive: true }); });

  it("native: dd 64 KiB to /dev/vda at 1 MiB, sync, exit: the file holds exactly those bytes", async (ctx) => {
    skipWithout(ctx);
    const cmd = "cat /sys/block/vda/size; dd if=/dev/urandom of=/tmp/p bs=4k count=16 2>/dev/null; " +
      "dd if=/tmp/p of=/dev/vda bs=4k seek=256 2>/dev/null; sync; md5sum /tmp/p";
    const r = await vm7(["linux", "--disk", img, "--disk-size", "8M", "--exec", cmd, "--max-insns", "4e9", "--stats"], 240);
    expect(r.status, r.err).toBe(0);
    expect(r.err).toMatch(/end \(powered off\)/);   // /init's poweroff -f after the command ended the run
    expect(r.out).toMatch(/^16384$/m);               // 8 MiB in 512-byte sectors
    const g = /^([0-9a-f]{32})  \/tmp\/p$/m.exec(r.out);
    expect(g, r.out).not.toBeNull();
    md5 = g![1];
    const disk = readFileSync(img);
    expect(disk.length).toBe(8 << 20);
    expect(createHash("md5").update(disk.subarray(1 << 20, (1 << 20) + 65536)).digest("hex")).toBe(md5);
    expect(disk.subarray(0, 1 << 20).every((b) => b === 0)).toBe(true);
    expect(disk.subarray((1 << 20) + 65536).every((b) => b === 0)).toBe(true);
  }, 250_000);

  it("full mode, second boot: reads it back with dd (same checksum); writes more, syncs, and is stopped by --max-insns: the file has it", async (ctx) => {
    skipWithout(ctx);
    expect(md5).toMatch(/^[0-9a-f]{32}$/);
    // The command's output is only cut out at a clean end: with --verbose the console goes to stderr.
    // The boot takes ~2.4e8 instructions to the command; 3.6e8 stops it in the sleep after the sync.
    const cmd = "dd if=/dev/vda bs=4k skip=256 count=16 2>/dev/null | md5sum; echo vm7-second-write | dd of=/dev/vda bs=512 seek=100 2>/dev/null; " +
      "sync; echo synced; sleep 100000";
    const r = await vm7(["linux", "--mode", "full", "--disk", img, "--exec", cmd, "--verbose", "--max-insns", "3.6e8"], 240);
    expect(r.status, r.err.slice(-2000)).toBe(124);
    expect(r.err).toContain(`${md5}  -`);
    expect(r.err).toContain("synced");
    const disk = readFileSync(img);
    expect(disk.subarray(100 * 512, 100 * 512 + 17).toString()).toBe("vm7-second-write\n");
    expect(createHash("md5").update(disk.subarray(1 << 20, (1 << 20) + 65536)).digest("hex")).toBe(md5);
  }, 250_000);

  it("native: the disk stays attached across the guest's reboot: what the first boot wrote, the second boot reads", async (ctx) => {
    skipWithout(ctx);
    const img2 = join(tmp, "reboot.img");
    // PRM_RSTST says which boot this is (GLOBAL_COLD_RST 1 after power-on, GLOBAL_SW_RST 2 after a reset).
    const cmd = 'if [ "$(devmem 0x48307258)" = 0x00000001 ]; then echo written-on-boot-1 > /dev/vda; sync; reboot -f; fi; head -c 18 /dev/vda';
    const r = await vm7(["linux", "--disk", img2, "--disk-size", "1M", "--exec", cmd, "--max-insns", "8e9", "--stats"], 240);
    expect(r.status, r.err.slice(-2000)).toBe(0);
    expect(r.err).toMatch(/^vm7: the guest reset the board after \d+ instructions: rebooting$/m);
    expect(r.err).toMatch(/end \(powered off, boot 2\)/);
    expect(r.out).toBe("written-on-boot-1\n");           // the second boot's output
    expect(readFileSync(img2).subarray(0, 18).toString()).toBe("written-on-boot-1\n");
  }, 250_000);
});

const hasDtc = !spawnSync("dtc", ["--version"]).error;
it.skipIf(!hasDtc)("the board DTB describes the four virtio-mmio windows", () => {
  const r = spawnSync("dtc", ["-I", "dtb", "-O", "dts", join(root, "fixtures/linux/board.dtb")], { encoding: "utf8" });
  for (let i = 0; i < 4; i++) {
    const a = (BASE + 0x200 * i).toString(16);
    expect(r.stdout).toMatch(new RegExp(`virtio@${a} \\{\\s*compatible = "virtio,mmio";\\s*reg = <0x${a} 0x200>;\\s*interrupts = <0x${(50 + i).toString(16)}>;`));
  }
});

// --- virtio-net on the virtual switch (§5.1) ------------------------------------------------------

const GUEST_MAC = [0x02, 0, 0, 0, 0, 1], PEER_IP = [10, 0, 7, 254], GUEST_IP = [10, 0, 7, 1];
function arpRequest(): Uint8Array {
  return Uint8Array.from([
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, ...GUEST_MAC, 0x08, 0x06,
    0, 1, 8, 0, 6, 4, 0, 1, ...GUEST_MAC, ...GUEST_IP, 0, 0, 0, 0, 0, 0, ...PEER_IP,
  ]);
}
function echoRequest(peerMac: Uint8Array): Uint8Array {
  const icmp = Uint8Array.from([8, 0, 0, 0, 0x12, 0x34, 0, 1, ...new TextEncoder().encode("vm7 ping payload")]);
  const c = checksum(icmp); icmp[2] = c >> 8; icmp[3] = c & 255;
  const ip = Uint8Array.from([0x45, 0, 0, 20 + icmp.length, 0, 0, 0x40, 0, 64, 1, 0, 0, ...GUEST_IP, ...PEER_IP]);
  const ic = checksum(ip); ip[10] = ic >> 8; ip[11] = ic & 255;
  return Uint8Array.from([...peerMac, ...GUEST_MAC, 0x08, 0x00, ...ip, ...icmp]);
}

describe("the virtual switch's ping peer (RFC 826 ARP, RFC 792 echo)", () => {
  it("answers ARP for its address and echo requests to it, with valid checksums; ignores the rest", () => {
    const sw = new VirtualSwitch();
    const peer = new PingPeer(sw, Uint8Array.from(PEER_IP));
    const got: Uint8Array[] = [];
    const me = { deliver: (f: Uint8Array) => { got.push(f.slice()); } };
    sw.attach(me);
    sw.send(me, arpRequest());
    expect(got).toHaveLength(1);
    const a = got[0];
    expect([...a.subarray(0, 6)]).toEqual(GUEST_MAC);
    expect((a[20] << 8) | a[21]).toBe(2);                       // ARP reply
    expect([...a.subarray(22, 28)]).toEqual([...peer.mac]);      // sender hardware address
    expect([...a.subarray(28, 32)]).toEqual(PEER_IP);
    expect([...a.subarray(38, 42)]).toEqual(GUEST_IP);
    sw.send(me, echoRequest(peer.mac));
    expect(got).toHaveLength(2);
    const e = got[1];
    expect(e[14 + 9]).toBe(1);
    expect([...e.subarray(26, 30)]).toEqual(PEER_IP);
    expect([...e.subarray(30, 34)]).toEqual(GUEST_IP);
    expect(checksum(e.subarray(14, 34))).toBe(0);                // IPv4 header checksum still right
    expect(e[34]).toBe(0);                                       // echo reply
    expect(checksum(e.subarray(34))).toBe(0);
    expect(new TextDecoder().decode(e.subarray(42))).toBe("vm7 ping payload");
    // Not for it: ARP for another address, an echo to another address, garbage.
    const other = arpRequest(); other[41] = 9;
    sw.send(me, other);
    const e2 = echoRequest(peer.mac); e2[33] = 9;
    sw.send(me, e2);
    sw.send(me, new Uint8Array(5));
    expect(got).toHaveLength(2);
    expect(peer.answered).toEqual({ arp: 1, icmp: 1 });
  });
});

describe("virtio-net through hand-built rings: a frame out on queue 1, the answer in on queue 0", () => {
  const RX = { desc: 0x80110000, avail: 0x80110100, used: 0x80110200 }, TX = { desc: 0x80120000, avail: 0x80120100, used: 0x80120200 };
  const RXBUF = 0x80130000, TXBUF = 0x80140000;
  function netMachine() {
    const m = machine();
    const sw = new VirtualSwitch();
    new PingPeer(sw, Uint8Array.from(PEER_IP));
    const dev = new VirtioNet(sw, Uint8Array.from(GUEST_MAC));
    expect(m.attachVirtio(dev)).toBe(0);
    wr(m, R.STATUS, 0); wr(m, R.STATUS, ACK | DRIVER);
    wr(m, R.DRV_FEAT_SEL, 0); wr(m, R.DRV_FEAT, 1 << 5); wr(m, R.DRV_FEAT_SEL, 1); wr(m, R.DRV_FEAT, 1);
    wr(m, R.STATUS, ACK | DRIVER | FEATURES_OK);
    expect(rd(m, R.STATUS)).toBe(ACK | DRIVER | FEATURES_OK);
    for (const [q, r] of [[0, RX], [1, TX]] as const) {
      for (let a = r.desc; a < r.used + 6 + 8 * QSIZE; a += 4) m.physWrite32(a, 0);
      wr(m, R.QUEUE_SEL, q); wr(m, R.QUEUE_NUM, QSIZE);
      wr(m, R.DESC_LO, r.desc); wr(m, R.DRIVER_LO, r.avail); wr(m, R.DEVICE_LO, r.used); wr(m, R.QUEUE_READY, 1);
    }
    wr(m, R.STATUS, ACK | DRIVER | FEATURES_OK | DRIVER_OK);
    return { m, dev };
  }
  const d = (m: Machine, r: { desc: number }, i: number, addr: number, len: number, flags: number) => {
    m.physWrite32(r.desc + 16 * i, addr); m.physWrite32(r.desc + 16 * i + 4, 0); m.physWrite32(r.desc + 16 * i + 8, len); m.physWrite32(r.desc + 16 * i + 12, flags);
  };
  const post = (m: Machine, r: { avail: number }, head: number) => {
    const idx = m.physRead(r.avail + 2, 2);
    m.physWrite(r.avail + 4 + 2 * (idx % QSIZE), 2, head); m.physWrite(r.avail + 2, 2, idx + 1);
  };
  const kick = (m: Machine, q: number) => {
    put(m, CODE, [...li(0, BASE + R.QUEUE_NOTIFY), ...li(3, q), 0xe5803000, A.B_SELF]);
    m.pc = CODE;
    m.run({ maxInsns: 5 });
  };
  const send = (m: Machine, frame: Uint8Array) => {
    m.writeRam(TXBUF, new Uint8Array(12));
    m.writeRam(TXBUF + 12, frame);
    d(m, TX, 0, TXBUF, 12 + frame.length, 0);
    post(m, TX, 0);
    kick(m, 1);
  };

  it("RX buffer posted first: the ARP reply lands in it at the notifying instruction, num_buffers 1, interrupt raised", () => {
    const { m, dev } = netMachine();
    d(m, RX, 0, RXBUF, 1526, 2);
    post(m, RX, 0);
    kick(m, 0);                                  // nothing to receive yet: the buffer stays posted
    expect(m.physRead(RX.used + 2, 2)).toBe(0);
    send(m, arpRequest());
    expect(m.physRead(TX.used + 2, 2)).toBe(1);
    expect(m.physRead(RX.used + 2, 2)).toBe(1);
    expect(m.physRead32(RX.used + 8)).toBe(12 + 42);
    expect(m.physRead(RXBUF + 10, 2)).toBe(1);   // num_buffers
    const f = m.readRam(RXBUF + 12, 42);
    expect((f[20] << 8) | f[21]).toBe(2);
    expect(rd(m, R.INT_STATUS) & 1).toBe(1);
    expect(dev.stats).toEqual({ tx: 1, rx: 1, dropped: 0 });
  });

  it("no RX buffer yet: the reply waits in the device and arrives when the driver posts one", () => {
    const { m, dev } = netMachine();
    send(m, arpRequest());
    expect(dev.rxPending).toBe(true);
    d(m, RX, 0, RXBUF, 1526, 2);
    post(m, RX, 0);
    kick(m, 0);
    expect(m.physRead(RX.used + 2, 2)).toBe(1);
    expect(dev.rxPending).toBe(false);
    // An echo request to the peer's MAC (as learnt from the ARP reply) comes back as a reply.
    const peerMac = m.readRam(RXBUF + 12 + 6, 6);
    d(m, RX, 1, RXBUF + 0x1000, 1526, 2);
    post(m, RX, 1);
    send(m, echoRequest(peerMac));
    expect(m.physRead(RX.used + 2, 2)).toBe(2);
    expect(m.physRead8(RXBUF + 0x1000 + 12 + 34)).toBe(0);   // ICMP type 0
  });

  it("a TX chain pointing outside guest RAM puts the card in DEVICE_NEEDS_RESET", () => {
    const { m } = netMachine();
    d(m, TX, 0, 0x10000000, 64, 0);
    post(m, TX, 0);
    kick(m, 1);
    expect(rd(m, R.STATUS) & NEEDS_RESET).toBe(NEEDS_RESET);
  });
});

describe("Linux's virtio_net on vm7's switch: ping", () => {
  needPackages();
  for (const mode of ["native", "full"]) {
    it(`${mode}: eth0 is 10.0.7.1/24 and ping 10.0.7.254 gets 3 of 3 answers`, async (ctx) => {
      skipWithout(ctx);
      const r = await vm7(["linux", "--mode", mode, "--net", "--exec", "ifconfig eth0; ping -c 3 10.0.7.254", "--max-insns", "4e9"], 240);
      expect(r.status, r.err.slice(-2000)).toBe(0);
      expect(r.out).toMatch(/inet addr:10\.0\.7\.1\s+Bcast:10\.0\.7\.255\s+Mask:255\.255\.255\.0/);
      expect(r.out).toMatch(/HWaddr 02:76:6D:37:00:01/);
      expect(r.out).toMatch(/^64 bytes from 10\.0\.7\.254: seq=2 ttl=64/m);
      expect(r.out).toMatch(/3 packets transmitted, 3 packets received, 0% packet loss/);
    }, 250_000);
  }
});

describe("Linux's virtio_console on vm7's virtio-console: /dev/hvc0", () => {
  needPackages();
  for (const mode of ["native", "full"]) {
    it(`${mode}: what the guest writes to /dev/hvc0 is in the --vconsole file`, async (ctx) => {
      skipWithout(ctx);
      const out = join(tmp, `hvc-${mode}.txt`);
      const r = await vm7(["linux", "--mode", mode, "--vconsole", out, "--exec", "echo hello-from-hvc0 > /dev/hvc0; echo done", "--max-insns", "4e9"], 240);
      expect(r.status, r.err.slice(-2000)).toBe(0);
      expect(r.out).toMatch(/^done$/m);
      expect(readFileSync(out, "utf8").replace(/\r/g, "")).toBe("hello-from-hvc0\n");
    }, 250_000);
  }
});
