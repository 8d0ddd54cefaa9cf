// zImage recognition and host-side unpacking, TEXT_OFFSET detection, and the ARM Linux boot
// protocol as loadLinux sets it up (registers, mode, placement, the patched DTB in guest RAM).
import { describe, it, expect } from "vitest";
import { readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { vm7 } from "./helpers/run.js";
import { gzipSync } from "node:zlib";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Machine } from "../src/machine/machine.js";
import { parseZImage, isZImage, detectTextOffset } from "../src/loaders/zimage.js";
import { extractImage } from "../src/loaders/zimage-unpack.js";
import { loadLinux, LINUX_LAYOUT } from "../src/loaders/linux.js";
import { parseFdt, findNode, getProp, readString, readU32 } from "../src/loaders/fdt.js";

const root = join(import.meta.dirname, "..");
const board = new Uint8Array(readFileSync(join(root, "fixtures/linux/board.dtb")));
const haveXz = spawnSync("xz", ["--version"]).status === 0;

/** A zImage-shaped file: 9 NOPs + branch, the header words at 0x24, `code` words, then `payload`. */
function zimage(code: number[], payload: Uint8Array, trailer = 4): Uint8Array {
  const head = 0x40 + 4 * code.length;
  const size = (head + payload.length + trailer + 3) & ~3;
  const b = new Uint8Array(size);
  const v = new DataView(b.buffer);
  for (let i = 0; i < 9; i++) v.setUint32(4 * i, 0xe1a00000, true); // mov r0, r0
  v.setUint32(0x20, 0xea000006, true); // b 0x40
  v.setUint32(0x24, 0x016f2818, true);
  v.setUint32(0x28, 0, true);
  v.setUint32(0x2c, size, true);
  v.setUint32(0x30, 0x04030201, true);
  code.forEach((w, i) => v.setUint32(0x40 + 4 * i, w >>> 0, true));
  b.set(payload, head);
  return b;
}

const kernelBytes = new Uint8Array(70000).map((_, i) => (i * 7 + (i >> 9)) & 0xff);

describe("zImage header", () => {
  it("recognizes the magic and reads start/end", () => {
    const z = zimage([], new Uint8Array(100));
    expect(isZImage(z)).toBe(true);
    expect(parseZImage(z)).toEqual({ start: 0, end: z.length, size: z.length });
  });
  it("names the bad field", () => {
    const z = zimage([], new Uint8Array(100));
    const noMagic = z.slice(); noMagic[0x24] = 0;
    expect(() => parseZImage(noMagic, "k")).toThrow(/k: not an ARM zImage: magic field is 0x016f2800, expected 0x016f2818 \(file offset 0x24\)/);
    const badEnd = z.slice(); new DataView(badEnd.buffer).setUint32(0x2c, z.length + 4096, true);
    expect(() => parseZImage(badEnd, "k")).toThrow(/k: end - start = \d+ bytes, but the file has only \d+ \(file offset 0x2c\)/);
    const backwards = z.slice(); new DataView(backwards.buffer).setUint32(0x28, 0x1000, true); new DataView(backwards.buffer).setUint32(0x2c, 0x800, true);
    expect(() => parseZImage(backwards, "k")).toThrow(/end address 0x800 is below the start address 0x1000 \(file offset 0x2c\)/);
    const be = z.slice(); new DataView(be.buffer).setUint32(0x30, 0x01020304, true);
    expect(() => parseZImage(be, "k")).toThrow(/big-endian.*offset 0x30/);
    expect(() => parseZImage(new Uint8Array(16), "k")).toThrow(/too short/);
  });
});

describe("host-side unpacking (the fast path)", () => {
  it("finds and gunzips a gzip payload, skipping a false magic in the code before it", () => {
    const gz = gzipSync(kernelBytes);
    // 0x00088b1f: the bytes 1f 8b 08 00 appear in the "code" but are not a gzip stream.
    const z = zimage([0x00088b1f, 0xe1a00000], gz);
    const r = extractImage(z, "k");
    expect(r.format).toBe("gzip");
    expect(Buffer.from(r.image).equals(Buffer.from(kernelBytes))).toBe(true);
  });
  it.skipIf(!haveXz)("unpacks an XZ payload with the ARM BCJ filter, as Debian's kernels are built", () => {
    const dir = mkdtempSync(join(tmpdir(), "vm7-xz-"));
    writeFileSync(join(dir, "k"), kernelBytes);
    const r = spawnSync("xz", ["--format=xz", "--check=crc32", "--arm", "--lzma2=preset=6", "--stdout", join(dir, "k")]);
    expect(r.status).toBe(0);
    const z = zimage([0xe1a00000], new Uint8Array(r.stdout));
    const out = extractImage(z, "k");
    expect(out.format).toBe("xz");
    expect(Buffer.from(out.image).equals(Buffer.from(kernelBytes))).toBe(true);
  });
  it("says which payloads it tried when none decompresses", () => {
    const z = zimage([], new Uint8Array([0x1f, 0x8b, 0x08, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
    expect(() => extractImage(z, "k")).toThrow(/k: no compressed payload in the zImage decompresses \(gzip at 0x40: /);
    expect(() => extractImage(zimage([], new Uint8Array(64)), "k")).toThrow(/no gzip .* or XZ .* payload found/);
  });
  it("reads TEXT_OFFSET from the decompressor's AUTO_ZRELADDR sequence", () => {
    // mov r0, pc; and r0, r0, #0xf8000000; ldr r1, [r1]; add r4, r0, #0x208000 (as in Debian's 6.1 armmp zImage)
    expect(detectTextOffset(zimage([0xe1a0000f, 0xe200033e, 0xe5911000, 0xe2804982], new Uint8Array(8)))).toBe(0x208000);
    // mov r3, pc; and r3, r3, #0xf8000000; add r4, r3, #0x8000
    expect(detectTextOffset(zimage([0xe1a0300f, 0xe203333e, 0xe2834902], new Uint8Array(8)))).toBe(0x8000);
    expect(detectTextOffset(zimage([0xe1a0000f, 0xe1a00000], new Uint8Array(8)))).toBeUndefined();
  });
});

describe("loadLinux: the ARM boot protocol", () => {
  it("zImage: placed at RAM+32 MiB, SVC with IRQ/FIQ masked, r0=0 r1=~0 r2=DTB, /chosen filled in", () => {
    const m = Machine.createSync({ ramMiB: 256 });
    const z = zimage([0xe1a00000], gzipSync(kernelBytes));
    const initrd = new Uint8Array(1000).fill(0x5a);
    const p = loadLinux(m, { kernel: z, dtb: board, initrd, append: "foo=bar" });
    expect(p.kernelAddr).toBe(0x82000000);
    expect(m.pc).toBe(0x82000000);
    expect([m.reg(0), m.reg(1), m.reg(2)]).toEqual([0, 0xffffffff, 0x88000000]);
    expect(m.cpsr & 0x1ff).toBe(0x1d3);
    expect(m.getCp15("SCTLR") & 1).toBe(0);
    expect(Buffer.from(m.readRam(0x82000000, z.length)).equals(Buffer.from(z))).toBe(true);
    expect(Buffer.from(m.readRam(0x88100000, 1000)).equals(Buffer.from(initrd))).toBe(true);
    const f = parseFdt(m.readRam(0x88000000, p.dtbSize));
    const ch = findNode(f, "/chosen")!;
    expect(readString(getProp(ch, "bootargs")!)).toMatch(/console=ttyS2,115200n8 .* foo=bar$/);
    expect(readU32(getProp(ch, "linux,initrd-start")!)).toBe(0x88100000);
    expect(readU32(getProp(ch, "linux,initrd-end")!)).toBe(0x88100000 + 1000);
    expect(readU32(getProp(findNode(f, "/memory@80000000")!, "reg")!, 1)).toBe(256 << 20);
    // The first instructions run: nine NOPs and the branch over the header.
    m.run({ maxInsns: 10 });
    expect(m.pc).toBe(0x82000044);
  });
  it("raw Image: entered at RAM + TEXT_OFFSET", () => {
    const m = Machine.createSync({ ramMiB: 256 });
    const p = loadLinux(m, { kernel: kernelBytes, textOffset: 0x208000, dtb: board });
    expect(p.entry).toBe(0x80208000);
    expect(m.pc).toBe(0x80208000);
    expect(m.reg(2)).toBe(0x80000000 + LINUX_LAYOUT.dtb);
  });
  it("clear errors for what does not fit or is not a kernel", () => {
    const m = Machine.createSync({ ramMiB: 64 });
    expect(() => loadLinux(m, { kernel: zimage([], new Uint8Array(8)), dtb: board, kernelName: "k" })).toThrow(/does not fit at 0x8(2|8)000000: RAM is 0x80000000-0x83ffffff \(64 MiB\)/);
    const m2 = Machine.createSync({ ramMiB: 256 });
    expect(() => loadLinux(m2, { kernel: kernelBytes, dtb: board, kernelName: "k" })).toThrow(/k: not an ARM zImage .*--text-offset/);
    expect(() => loadLinux(m2, { kernel: zimage([], new Uint8Array(8)), dtb: new Uint8Array(64), dtbName: "d.dtb" })).toThrow(/d\.dtb: bad magic/);
  });
});

describe("vm7 run --kernel", () => {
  it("boots a zImage with the protocol's registers: the guest checks r0, r1, the DTB magic at r2 and the mode", async () => {
    // status = byte at [r2] (0xd0, the DTB magic's first byte) + r0 + (r1 + 1) + ((cpsr & 0xff) - 0xd3)
    const code = [
      0xe5d25000, 0xe0855000, 0xe2811001, 0xe0855001, // ldrb r5,[r2]; add r5,r5,r0; add r1,r1,#1; add r5,r5,r1
      0xe10f6000, 0xe20660ff, 0xe24660d3, 0xe0855006, // mrs r6,cpsr; and r6,r6,#0xff; sub r6,r6,#0xd3; add r5,r5,r6
      0xe28f100c, 0xe5815004, 0xe3a00020, 0xef123456, // add r1,pc,#12; str r5,[r1,#4]; mov r0,#0x20; svc 0x123456
      0xeafffffe, 0x20026, 0,                         // b .; SYS_EXIT_EXTENDED block
    ];
    const dir = mkdtempSync(join(tmpdir(), "vm7-zimage-"));
    const k = join(dir, "zImage");
    writeFileSync(k, zimage(code, new Uint8Array(16)));
    const run = (args: string[]) => vm7(["run", ...args], { timeoutMs: 60_000 });
    const r = await run(["--kernel", k, "--append", "x=1", "--initrd", k]);
    expect(r.stderr).toMatch(/guest exited with status 208/);
    expect(r.status).toBe(208);
    // The same file as the image argument is recognized as a zImage by its magic.
    expect((await run([k])).status).toBe(208);
    // The same code as a raw Image, entered at RAM + --text-offset with the same registers.
    const img = join(dir, "Image");
    writeFileSync(img, new Uint8Array(new Uint32Array(code).buffer));
    const raw = await run(["--kernel", img, "--text-offset", "0x8000", "--initrd", k]);
    expect(raw.stderr).toMatch(/guest exited with status 208/);
    expect(raw.status).toBe(208);
    expect((await run(["--kernel", k, "--text-offset", "0x8000"])).stderr).toMatch(/^vm7: .*zImage: a zImage places itself; --text-offset is for a raw Image$/m);
    const bad = await run(["--kernel", k, "--dtb", k]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^vm7: .*zImage: bad magic 0x.* \(a \.dtb starts with 0xd00dfeed\) \(offset 0x0\)$/m);
  });
});
