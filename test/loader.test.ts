// ELF and raw image loading (src/loaders/elf.ts, Machine.loadElf/loadRaw): images land at their
// physical addresses, and every malformed or misplaced image is refused with a message naming the
// file, the field and its offset.
import { describe, it, expect } from "vitest";
import { Machine } from "../src/machine/machine.js";
import { parseElf } from "../src/loaders/elf.js";
import { buildElf, words, exitCode } from "./helpers/elf.js";

const BASE = 0x80008000;

describe("ELF loader", () => {
  it("places PT_LOAD segments at their physical addresses, zero-fills the BSS and sets the entry", () => {
    const m = Machine.createSync({ ramMiB: 16 });
    m.writeRam(0x80010000, new Uint8Array(64).fill(0xee)); // junk where the BSS goes
    const elf = buildElf({
      entry: BASE + 4,
      segments: [
        { paddr: BASE, vaddr: 0xc0008000, data: words(0x11111111, 0x22222222) },
        { paddr: 0x80010000, data: [1, 2, 3], memsz: 64 },
      ],
    });
    m.loadElf(elf, "t.elf");
    expect(m.pc).toBe(BASE + 4);
    expect(m.physRead32(BASE)).toBe(0x11111111);
    expect(m.physRead32(BASE + 4)).toBe(0x22222222);
    expect(Array.from(m.readRam(0x80010000, 6))).toEqual([1, 2, 3, 0, 0, 0]);
    expect(m.physRead32(0x8001003c)).toBe(0);
    expect(m.imageEnd).toBe(0x80010040);
  });

  it("runs a loaded program to its semihosting exit status", () => {
    const m = Machine.createSync({ ramMiB: 16 });
    m.loadElf(buildElf({ entry: BASE, segments: [{ paddr: BASE, data: words(...exitCode(BASE, 42)) }] }));
    const r = m.run({ maxInsns: 100 });
    expect(r.reason).toBe("exit");
    expect(r.exitCode).toBe(42);
    expect(r.insns).toBe(3);
  });

  it("starts in Thumb state when the entry address has bit 0 set, as qemu-arm does", () => {
    const m = Machine.createSync({ ramMiB: 16 });
    m.loadElf(buildElf({ entry: BASE + 1, segments: [{ paddr: BASE, data: words(0) }] }));
    expect(m.pc).toBe(BASE);
    expect(m.cpsr & 0x20).toBe(0x20);
    m.loadElf(buildElf({ entry: BASE, segments: [{ paddr: BASE, data: words(0) }] }));
    expect(m.cpsr & 0x20).toBe(0);
  });

  it("loads raw binaries at the given address", () => {
    const m = Machine.createSync({ ramMiB: 16 });
    m.loadRaw(words(0xdeadbeef), 0x80100000);
    expect(m.pc).toBe(0x80100000);
    expect(m.physRead32(0x80100000)).toBe(0xdeadbeef);
  });

  const good = () => buildElf({ entry: BASE, segments: [{ paddr: BASE, data: words(0xe1a00000) }] });
  const cases: Array<[string, () => Uint8Array, RegExp]> = [
    ["not an ELF", () => new Uint8Array([1, 2, 3, 4, 5]), /x\.elf: not an ELF file .*offset 0x0/],
    ["truncated header", () => good().subarray(0, 40), /x\.elf: truncated ELF header: 40 bytes.*offset 0x28/],
    ["64-bit class", () => buildElf({ entry: BASE, cls: 2, segments: [{ paddr: BASE, data: [0] }] }), /EI_CLASS is 2: not a 32-bit ELF.*offset 0x4/],
    ["big-endian", () => buildElf({ entry: BASE, data: 2, segments: [{ paddr: BASE, data: [0] }] }), /EI_DATA is 2: not little-endian.*offset 0x5/],
    ["wrong machine", () => buildElf({ entry: BASE, machine: 62, segments: [{ paddr: BASE, data: [0] }] }), /e_machine is 62: not an ARM image.*offset 0x12/],
    ["relocatable object", () => buildElf({ entry: BASE, type: 1, segments: [{ paddr: BASE, data: [0] }] }), /e_type is 1: not an executable.*offset 0x10/],
    ["truncated segment", () => good().subarray(0, 86), /segment 0: its 4 bytes at file offset 0x54 run past the end of the 86-byte file: truncated.*offset 0x38/],
    ["program headers cut off", () => good().subarray(0, 60), /program headers .* run past the end of the 60-byte file: truncated/],
    ["filesz > memsz", () => buildElf({ entry: BASE, segments: [{ paddr: BASE, data: words(1, 2), memsz: 4 }] }), /segment 0: p_filesz 0x8 exceeds p_memsz 0x4.*offset 0x44/],
    ["overlapping segments", () => buildElf({ entry: BASE, segments: [{ paddr: BASE, data: words(1, 2) }, { paddr: BASE + 4, data: words(3) }] }), /segments 0 and 1 overlap at physical 0x80008004/],
  ];
  for (const [name, make, msg] of cases) {
    it(`refuses ${name} with a precise message`, () => {
      expect(() => parseElf(make(), "x.elf")).toThrow(msg);
    });
  }

  it("refuses segments outside RAM, naming a device they would overlap", () => {
    const m = Machine.createSync({ ramMiB: 16 });
    const uart = buildElf({ entry: BASE, segments: [{ paddr: 0x49020000, data: words(1) }] });
    expect(() => m.loadElf(uart, "u.elf")).toThrow(/u\.elf: segment 0 at 0x49020000-0x49020003 lies outside RAM \(0x80000000-0x80ffffff; it overlaps the UART3 registers/);
    const past = buildElf({ entry: BASE, segments: [{ paddr: 0x80fffffc, data: words(1, 2) }] });
    expect(() => m.loadElf(past, "p.elf")).toThrow(/segment 0 at 0x80fffffc-0x81000003 lies outside RAM/);
    // Nothing of a refused image is loaded.
    expect(m.physRead32(0x80fffffc)).toBe(0);
  });
});
