// ARM semihosting as the host serves it (src/machine/semihosting.ts): each case puts the
// operation in R0 and its parameter in R1, executes SVC 0x123456 (or BKPT 0xAB) and checks R0,
// guest memory and the host side.
import { describe, it, expect, beforeEach } from "vitest";
import { mkdtempSync, writeFileSync, readFileSync, mkdirSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Machine, type MachineOptions } from "../src/machine/machine.js";
import { SYS } from "../src/machine/semihosting.js";

const CODE = 0x80001000, BLOCK = 0x80002000, BUF = 0x80003000;
const SVC = 0xef123456, BKPT_AB = 0xe1200a7b, B_SELF = 0xeafffffe;

let m: Machine;
function make(opts: MachineOptions = {}) {
  m = Machine.createSync({ ramMiB: 16, cmdline: "prog alpha beta", ...opts });
  m.physWrite32(CODE, SVC);
  m.physWrite32(CODE + 4, B_SELF);
}
function call(op: number, param: number, trap = SVC) {
  m.physWrite32(CODE, trap);
  m.pc = CODE;
  m.setReg(0, op);
  m.setReg(1, param);
  return m.run({ maxInsns: 1 });
}
function block(...ws: number[]) { ws.forEach((w, i) => m.physWrite32(BLOCK + 4 * i, w)); return BLOCK; }
function str(addr: number, s: string) { const b = new TextEncoder().encode(s + "\0"); m.writeRam(addr, b); return b.length - 1; }
const r0 = () => m.reg(0) | 0;

describe("semihosting", () => {
  beforeEach(() => make());

  it("SYS_WRITE0 and SYS_WRITEC print on the console; the PC moves past the SVC", () => {
    str(BUF, "hello ");
    call(SYS.WRITE0, BUF);
    m.physWrite8(BUF, 0x21);
    call(SYS.WRITEC, BUF);
    expect(m.output).toBe("hello !");
    expect(m.pc).toBe(CODE + 4);
  });

  it("BKPT 0xAB is a semihosting trap too", () => {
    str(BUF, "bkpt");
    call(SYS.WRITE0, BUF, BKPT_AB);
    expect(m.output).toBe("bkpt");
  });

  it("opens :tt for stdout and writes through SYS_WRITE, returning the bytes not written", () => {
    const n = str(BUF, ":tt");
    call(SYS.OPEN, block(BUF, 4, n));
    const fd = r0();
    expect(fd).toBeGreaterThan(0);
    str(BUF + 0x100, "via write\n");
    call(SYS.WRITE, block(fd, BUF + 0x100, 10));
    expect(r0()).toBe(0);
    expect(m.output).toBe("via write\n");
    call(SYS.ISTTY, block(fd));
    expect(r0()).toBe(1);
  });

  it("reads stdin from the console input, and sees end of file after endInput", () => {
    const fd = (str(BUF, ":tt"), call(SYS.OPEN, block(BUF, 0, 3)), r0());
    m.input("abc");
    call(SYS.READ, block(fd, BUF + 0x100, 8));
    expect(r0()).toBe(5); // 8 asked, 3 read
    expect(Array.from(m.readRam(BUF + 0x100, 3))).toEqual([0x61, 0x62, 0x63]);
    const waiting = call(SYS.READ, block(fd, BUF + 0x100, 8));
    expect(waiting.reason).toBe("input");
    m.endInput();
    m.run({ maxInsns: 0 });
    expect(r0()).toBe(8); // nothing read: end of file
  });

  it("console input goes to UART3 until the guest opens :tt for reading through semihosting", () => {
    m.input("u");
    m.physWrite32(CODE, B_SELF);
    m.pc = CODE;
    m.run({ maxInsns: 1 });
    expect(m.physRead32(0x49020014) & 1).toBe(1);      // LSR.DR: the byte reached the UART
    expect(m.physRead32(0x49020000)).toBe(0x75);
    str(BUF, ":tt");
    call(SYS.OPEN, block(BUF, 0, 3));
    const fd = r0();
    m.input("s");
    call(SYS.READ, block(fd, BUF + 0x100, 1));
    expect(r0()).toBe(0);
    expect(m.readRam(BUF + 0x100, 1)[0]).toBe(0x73);
    expect(m.physRead32(0x49020014) & 1).toBe(0);      // and not to the UART
  });

  it("offers SYS_EXIT_EXTENDED through the :semihosting-features file", () => {
    const n = str(BUF, ":semihosting-features");
    call(SYS.OPEN, block(BUF, 0, n));
    const fd = r0();
    call(SYS.FLEN, block(fd));
    expect(r0()).toBe(5);
    call(SYS.READ, block(fd, BUF + 0x100, 5));
    expect(r0()).toBe(0);
    expect(Array.from(m.readRam(BUF + 0x100, 5))).toEqual([0x53, 0x48, 0x46, 0x42, 0x03]);
  });

  it("SYS_EXIT_EXTENDED gives the status; SYS_EXIT maps ApplicationExit to 0 and other reasons to 1", () => {
    expect(call(SYS.EXIT_EXTENDED, block(0x20026, 17))).toMatchObject({ reason: "exit", exitCode: 17 });
    make();
    expect(call(SYS.EXIT, 0x20026)).toMatchObject({ reason: "exit", exitCode: 0 });
    make();
    expect(call(SYS.EXIT, 0x20023)).toMatchObject({ reason: "exit", exitCode: 1 });
  });

  it("SYS_GET_CMDLINE returns the command line and its length; too small a buffer fails", () => {
    call(SYS.GET_CMDLINE, block(BUF, 64));
    expect(r0()).toBe(0);
    expect(new TextDecoder().decode(m.readRam(BUF, 15))).toBe("prog alpha beta");
    expect(m.physRead32(BLOCK + 4)).toBe(15);
    call(SYS.GET_CMDLINE, block(BUF, 10));
    expect(r0()).toBe(-1);
  });

  it("SYS_HEAPINFO describes a heap above the image and a stack at the top of RAM", () => {
    m.imageEnd = 0x80123455;
    call(SYS.HEAPINFO, block(BUF));
    expect([0, 4, 8, 12].map((o) => m.physRead32(BUF + o))).toEqual([0x80123458, 0x80f00000, 0x81000000, 0x80f00000]);
  });

  it("SYS_HEAPINFO under the VMM: the stack at the top of the guest's RAM, below the 16 MiB the VMM keeps", () => {
    for (const mode of ["full", "para"] as const) {
      make({ mode, ramMiB: 64 });
      expect(m.guestRamBytes).toBe(48 << 20);
      m.imageEnd = 0x80123455;
      call(SYS.HEAPINFO, block(BUF));
      expect([0, 4, 8, 12].map((o) => m.physRead32(BUF + o)), mode).toEqual([0x80123458, 0x82f00000, 0x83000000, 0x82f00000]);
    }
  });

  it("SYS_CLOCK and SYS_TIME follow virtual time, so runs repeat exactly", () => {
    call(SYS.CLOCK, 0);
    expect(r0()).toBe(0);
    m.physWrite32(CODE + 8, 0xeafffffe);
    m.pc = CODE + 8;
    m.run({ maxInsns: 30_000_000 }); // 30 ms of guest time at the default 1 GHz
    call(SYS.CLOCK, 0);
    expect(r0()).toBe(3);
    call(SYS.TIME, 0);
    expect(r0()).toBe(0);
  });

  it("denies host files without --semihosting-root", () => {
    const n = str(BUF, "/etc/hostname");
    call(SYS.OPEN, block(BUF, 0, n));
    expect(r0()).toBe(-1);
    call(SYS.ERRNO, 0);
    expect(r0()).toBe(13); // EACCES
  });

  it("confines host files to --semihosting-root, symbolic links included", () => {
    const root = mkdtempSync(join(tmpdir(), "vm7-semi-"));
    mkdirSync(join(root, "sub"));
    writeFileSync(join(root, "sub/in.txt"), "inside");
    const outside = mkdtempSync(join(tmpdir(), "vm7-out-"));
    writeFileSync(join(outside, "secret"), "secret");
    symlinkSync(outside, join(root, "link"));
    make({ semihostingRoot: root });
    const open = (name: string, mode: number) => { const n = str(BUF, name); call(SYS.OPEN, block(BUF, mode, n)); return r0(); };
    const fd = open("sub/in.txt", 0);
    expect(fd).toBeGreaterThan(0);
    call(SYS.FLEN, block(fd));
    expect(r0()).toBe(6);
    call(SYS.READ, block(fd, BUF + 0x100, 6));
    expect(new TextDecoder().decode(m.readRam(BUF + 0x100, 6))).toBe("inside");
    call(SYS.CLOSE, block(fd));
    expect(r0()).toBe(0);
    expect(open("../" + outside.split("/").pop() + "/secret", 0)).toBe(-1);
    expect(open("link/secret", 0)).toBe(-1);
    expect(open("sub/missing", 0)).toBe(-1);
    const w = open("new.txt", 4);
    expect(w).toBeGreaterThan(0);
    str(BUF + 0x200, "written");
    call(SYS.WRITE, block(w, BUF + 0x200, 7));
    expect(r0()).toBe(0);
    call(SYS.CLOSE, block(w));
    expect(readFileSync(join(root, "new.txt"), "utf8")).toBe("written");
  });

  it("with semihosting off, SVC 0x123456 is an ordinary supervisor call", () => {
    make({ semihosting: false });
    m.setCp15({ VBAR: 0x80000000 });
    m.cpsr = 0x1d3;
    call(SYS.WRITE0, BUF);
    expect(m.pc).toBe(0x80000008);
    expect(m.output).toBe("");
  });
});
