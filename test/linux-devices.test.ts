// Opt-in: Debian's Linux 6.1 armmp kernel drives the four devices (linux-boot.md). Runs only when
// VM7_LINUX_IMAGE names a raw kernel Image (decompressed from the package's vmlinuz) and dtc is
// installed; it boots to a tiny ARM init that echoes console lines, so it checks the INTC, the
// 32k counter, the GPTIMER1 clockevent and the interrupt-driven 8250 driver on UART3 end to end.
// Getting the Image (linux-boot.md for the package): the zImage's payload is the XZ stream that
// decompresses, e.g. python3's lzma tried at each b"\xfd7zXZ\0" offset of k/boot/vmlinuz-*.
// VM7_LINUX_LOG=<file> keeps the console log of the boot.
import { describe, it, expect } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { Machine } from "../src/machine/machine.js";
import { buildElf, words } from "./helpers/elf.js";

const image = process.env.VM7_LINUX_IMAGE ?? "";
const haveDtc = spawnSync("dtc", ["--version"]).status === 0;
const INITRD = 0x88100000, DTB = 0x88000000, KERNEL = 0x80208000;

// init: write "init: hello\n"; loop { n = read(0, buf, 64); write(1, "got:"); write(1, buf, n) }
// (arm-none-eabi-as; EABI syscalls through r7)
const INIT_CODE = [
  0xe3a00001, 0xe28f1054, 0xe3a0200c, 0xe3a07004, 0xef000000, 0xe3a00000, 0xe28f1050, 0xe3a02040,
  0xe3a07003, 0xef000000, 0xe3500000, 0xdafffff8, 0xe1a06000, 0xe3a00001, 0xe28f102c, 0xe3a02004,
  0xe3a07004, 0xef000000, 0xe3a00001, 0xe28f101c, 0xe1a02006, 0xe3a07004, 0xef000000, 0xeaffffec,
];

function initElf(): Uint8Array {
  const text = new TextEncoder().encode("init: hello\ngot:");
  const seg = new Uint8Array(96 + text.length + 64);
  seg.set(words(...INIT_CODE));
  seg.set(text, 96);
  // The segment starts at file offset 84 (ELF + one program header): its address must agree
  // with that offset modulo the page size, or execve fails with EINVAL.
  const at = 0x10000 + 52 + 32;
  const elf = buildElf({ entry: at, segments: [{ paddr: at, data: seg }] });
  const v = new DataView(elf.buffer);
  v.setUint32(36, 0x05000000, true);  // e_flags: EABI version 5
  v.setUint32(52 + 24, 7, true);      // p_flags: RWX (buf lives in the same segment)
  return elf;
}

function cpioNewc(files: Array<{ name: string; mode: number; data: Uint8Array }>): Uint8Array {
  const parts: Uint8Array[] = [];
  const pad = (n: number) => new Uint8Array((4 - (n % 4)) % 4);
  const all = [...files, { name: "TRAILER!!!", mode: 0, data: new Uint8Array() }];
  all.forEach((f, i) => {
    const name = new TextEncoder().encode(f.name + "\0");
    const fields = [i + 1, f.mode, 0, 0, 1, 0, f.data.length, 0, 0, 0, 0, name.length, 0];
    const hdr = new TextEncoder().encode("070701" + fields.map((x) => x.toString(16).toUpperCase().padStart(8, "0")).join(""));
    parts.push(hdr, name, pad(hdr.length + name.length), f.data, pad(f.data.length));
  });
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

function dtb(initrdEnd: number): Uint8Array {
  const dts = `/dts-v1/;
/ {
	model = "BeagleBoard-xM-like (vm7)"; compatible = "vm7,beagleboard-xm";
	#address-cells = <1>; #size-cells = <1>; interrupt-parent = <&intc>;
	chosen {
		bootargs = "console=ttyS2,115200n8 earlycon rdinit=/init cryptomgr.notests=1";
		stdout-path = "serial2:115200n8";
		linux,initrd-start = <0x${INITRD.toString(16)}>; linux,initrd-end = <0x${initrdEnd.toString(16)}>;
	};
	aliases { serial2 = &uart3; };
	cpus { #address-cells = <1>; #size-cells = <0>;
		cpu@0 { device_type = "cpu"; compatible = "arm,cortex-a8"; reg = <0>; }; };
	memory@80000000 { device_type = "memory"; reg = <0x80000000 0x10000000>; };
	clocks { sys_32k_ck: sys_32k_ck { compatible = "fixed-clock"; #clock-cells = <0>; clock-frequency = <32768>; }; };
	intc: interrupt-controller@48200000 { compatible = "ti,omap3-intc"; interrupt-controller;
		#interrupt-cells = <1>; #address-cells = <0>; reg = <0x48200000 0x1000>; };
	counter@48320000 { compatible = "ti,omap-counter32k"; reg = <0x48320000 0x20>; };
	target-module@48318000 { compatible = "ti,sysc"; reg = <0x48318000 0x4>;
		#address-cells = <1>; #size-cells = <1>; ranges = <0x0 0x48318000 0x1000>;
		clocks = <&sys_32k_ck>; clock-names = "fck"; ti,no-reset-on-init; ti,no-idle;
		timer@0 { compatible = "ti,omap3430-timer"; reg = <0x0 0x80>; interrupts = <37>; ti,timer-alwon; ti,timer-secure; }; };
	uart3: serial@49020000 { compatible = "ns16550a"; reg = <0x49020000 0x400>; interrupts = <74>;
		reg-shift = <2>; reg-io-width = <4>; clock-frequency = <48000000>; };
};`;
  const r = spawnSync("dtc", ["-I", "dts", "-O", "dtb", "-o", "-", "-"], { input: dts });
  if (r.status !== 0) throw new Error(`dtc: ${r.stderr}`);
  return new Uint8Array(r.stdout);
}

describe.skipIf(!image || !existsSync(image) || !haveDtc)("Linux 6.1 on the board's devices (VM7_LINUX_IMAGE)", () => {
  it("finds all four devices, boots to init, and echoes console input through UART3 interrupts", () => {
    let out = "";
    const m = Machine.createSync({ ramMiB: 256, onConsole: (b) => { out += Buffer.from(b).toString("latin1"); } });
    const initrd = gzipSync(cpioNewc([{ name: "init", mode: 0o100755, data: initElf() }]));
    m.writeRam(KERNEL, readFileSync(image));
    m.writeRam(DTB, dtb(INITRD + initrd.length));
    m.writeRam(INITRD, initrd);
    m.setReg(0, 0); m.setReg(1, 0xffffffff); m.setReg(2, DTB);
    m.cpsr = 0x1d3; m.pc = KERNEL;
    const runUntil = (text: string, max: number) => {
      const start = m.icount;
      while (!out.includes(text) && m.icount - start < max) {
        const r = m.run({ maxInsns: 10_000_000 });
        if (r.reason !== "budget") break;
      }
    };
    runUntil("init: hello", 600_000_000);
    if (process.env.VM7_LINUX_LOG) writeFileSync(process.env.VM7_LINUX_LOG, out);
    expect(out).toMatch(/Found an INTC .* with 96 interrupts/);
    expect(out).toContain("32k_counter at 32768 Hz");
    expect(out).toContain("TI gptimer clockevent: always-on 32768 Hz");
    expect(out).toMatch(/ttyS2 at MMIO 0x49020000 .* is a 16550A/);
    expect(out).not.toMatch(/spurious|nobody cared|LSR safety/);
    expect(out).toContain("init: hello");
    m.input("vm7 echo\n");
    runUntil("got:vm7 echo", 100_000_000);
    expect(out).toContain("vm7 echo\r\ngot:vm7 echo"); // the tty's echo, then init's write
  }, 300_000);
});
