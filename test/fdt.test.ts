// The flattened-device-tree reader/writer, checked against Debian's dtc (a reference we did not
// write): our reading of dtc's blobs, and dtc's reading of ours.
import { describe, it, expect } from "vitest";
import { readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseFdt, writeFdt, findNode, getProp, readString, readU32, setProp, propString, propU32, ensureNode } from "../src/loaders/fdt.js";
import { patchDtb } from "../src/loaders/linux.js";
import { ImageError } from "../src/loaders/elf.js";

const root = join(import.meta.dirname, "..");
const board = new Uint8Array(readFileSync(join(root, "fixtures/linux/board.dtb")));
const haveDtc = spawnSync("dtc", ["--version"]).status === 0;
const dir = mkdtempSync(join(tmpdir(), "vm7-fdt-"));

function dtcToDts(blob: Uint8Array): string {
  const p = join(dir, `b${Math.random().toString(36).slice(2)}.dtb`);
  writeFileSync(p, blob);
  const r = spawnSync("dtc", ["-q", "-I", "dtb", "-O", "dts", p], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`dtc rejected the blob: ${r.stderr}`);
  return r.stdout;
}

describe("FDT reader", () => {
  it("reads the board's dtc-built blob: nodes, strings, cells, phandle references", () => {
    const f = parseFdt(board, "board.dtb");
    expect(f.root.name).toBe("");
    expect(readString(getProp(f.root, "compatible")!)).toBe("vm7,beagleboard-xm");
    const uart = findNode(f, "/serial@49020000")!;
    expect(readString(getProp(uart, "compatible")!)).toBe("ns16550a");
    expect([readU32(getProp(uart, "reg")!, 0), readU32(getProp(uart, "reg")!, 1)]).toEqual([0x49020000, 0x400]);
    expect(readU32(getProp(uart, "interrupts")!)).toBe(74);
    const timer = findNode(f, "/target-module@48318000/timer@0")!;
    expect(readU32(getProp(timer, "interrupts")!)).toBe(37);
    expect(getProp(timer, "ti,timer-alwon")!.length).toBe(0);
    // interrupt-parent = <&intc> holds the phandle dtc gave the INTC node.
    const intc = findNode(f, "/interrupt-controller@48200000")!;
    expect(readU32(getProp(f.root, "interrupt-parent")!)).toBe(readU32(getProp(intc, "phandle")!));
    expect(readString(getProp(findNode(f, "/aliases")!, "serial2")!)).toBe("/serial@49020000");
  });

  it("names the bad field and its offset", () => {
    const bad = board.slice(); bad[0] = 0;
    expect(() => parseFdt(bad, "x.dtb")).toThrow(/x\.dtb: bad magic 0xdfeed.*offset 0x0/);
    expect(() => parseFdt(board.subarray(0, 20), "x.dtb")).toThrow(/too short/);
    const big = board.slice(); new DataView(big.buffer).setUint32(4, board.length + 100);
    expect(() => parseFdt(big, "x.dtb")).toThrow(/totalsize .* larger than the file.*offset 0x4/);
    const tok = board.slice(); const off = new DataView(tok.buffer).getUint32(8);
    new DataView(tok.buffer).setUint32(off, 7);
    expect(() => parseFdt(tok, "x.dtb")).toThrow(new RegExp(`unknown structure token 0x7 \\(offset 0x${off.toString(16)}\\)`));
    const noEnd = board.slice(); const v = new DataView(noEnd.buffer);
    v.setUint32(36, v.getUint32(36) - 4); // structure block cut before FDT_END
    expect(() => parseFdt(noEnd, "x.dtb")).toThrow(ImageError);
  });
});

describe("FDT writer", () => {
  it("round-trips the board blob: same tree, and dtc decompiles ours to the same source", () => {
    const f = parseFdt(board);
    const ours = writeFdt(f);
    expect(parseFdt(ours)).toEqual(f);
    if (haveDtc) expect(dtcToDts(ours)).toBe(dtcToDts(board));
  });

  it("adds and changes properties and nodes that dtc then reads back", () => {
    const f = parseFdt(board);
    setProp(ensureNode(f, "/chosen"), "linux,initrd-start", propU32(0x88100000));
    setProp(ensureNode(f, "/chosen"), "bootargs", propString("console=ttyS2 hello"));
    setProp(ensureNode(f, "/extra/deeper"), "odd", new Uint8Array([1, 2, 3])); // length not a multiple of 4
    f.reserved.push({ address: 0x9ff00000n, size: 0x100000n });
    const blob = writeFdt(f);
    const back = parseFdt(blob);
    expect(readString(getProp(findNode(back, "/chosen")!, "bootargs")!)).toBe("console=ttyS2 hello");
    expect(Array.from(getProp(findNode(back, "/extra/deeper")!, "odd")!)).toEqual([1, 2, 3]);
    expect(back.reserved).toEqual([{ address: 0x9ff00000n, size: 0x100000n }]);
    if (haveDtc) {
      const dts = dtcToDts(blob);
      expect(dts).toMatch(/bootargs = "console=ttyS2 hello";/);
      expect(dts).toMatch(/linux,initrd-start = <0x88100000>;/);
      expect(dts).toMatch(/odd = \[01 02 03\];/);
      expect(dts).toMatch(/\/memreserve\/\s+0x0*9ff00000 0x0*100000;/);
    }
  });
});

describe("DTB patching for a Linux boot", () => {
  it("sets bootargs (appending), the initrd bounds and the RAM size", () => {
    const { blob, cmdline } = patchDtb(board, { append: "loglevel=8", initrd: { start: 0x88100000, end: 0x88123456 }, ram: { base: 0x80000000, size: 256 << 20 } });
    expect(cmdline).toBe("console=ttyS2,115200n8 earlycon rdinit=/init cryptomgr.notests=1 loglevel=8");
    const f = parseFdt(blob);
    const ch = findNode(f, "/chosen")!;
    expect(readString(getProp(ch, "bootargs")!)).toBe(cmdline);
    expect(readU32(getProp(ch, "linux,initrd-start")!)).toBe(0x88100000);
    expect(readU32(getProp(ch, "linux,initrd-end")!)).toBe(0x88123456);
    const mem = getProp(findNode(f, "/memory@80000000")!, "reg")!;
    expect([readU32(mem, 0), readU32(mem, 1)]).toEqual([0x80000000, 0x10000000]);
    // A replaced command line, and no initrd: the initrd properties go away.
    const again = parseFdt(patchDtb(blob, { cmdline: "x=1" }).blob);
    expect(readString(getProp(findNode(again, "/chosen")!, "bootargs")!)).toBe("x=1");
    expect(getProp(findNode(again, "/chosen")!, "linux,initrd-start")).toBeUndefined();
  });
});
