// Booting ARM Linux (Documentation/arm/booting.rst): the kernel (a zImage, or a raw Image the
// host unpacked from one), a flattened device tree and an optional initramfs go into RAM, /chosen
// gets the command line and the initrd's bounds, and the CPU starts in SVC mode with IRQ/FIQ
// masked and the MMU off, with r0 = 0, r1 = ~0 (no machine number: the DTB describes the machine)
// and r2 = the DTB's physical address.
import type { Machine } from "../machine/machine.js";
import { hex } from "../machine/machine.js";
import { ImageError } from "./elf.js";
import { parseFdt, writeFdt, ensureNode, getProp, setProp, deleteProp, propString, propU32, readString, readU32 } from "./fdt.js";
import { isZImage, parseZImage } from "./zimage.js";

/** Offsets from the start of RAM (0x80000000). */
export const LINUX_LAYOUT = {
  /** A zImage: 32 MiB up, above where it decompresses the kernel, so the decompressor need not move itself. */
  zimage: 0x02000000,
  /** The DTB and the initrd, inside the first 256 MiB (lowmem) and above any kernel image. */
  dtb: 0x08000000,
  dtbMax: 0x00100000,
  initrd: 0x08100000,
  /** TEXT_OFFSET when it cannot be read from the zImage (the usual value for ARM kernels). */
  defaultTextOffset: 0x8000,
} as const;

export interface LinuxBoot {
  /** A zImage (decompressed by its own code on the guest) or, with `textOffset`, a raw Image. */
  kernel: Uint8Array;
  kernelName?: string;
  /** For a raw Image: where it runs relative to the start of RAM (TEXT_OFFSET). */
  textOffset?: number;
  dtb: Uint8Array;
  dtbName?: string;
  initrd?: Uint8Array;
  /** Replaces the DTB's /chosen/bootargs. */
  cmdline?: string;
  /** Appended (after a space) to the command line. */
  append?: string;
}

export interface LinuxPlacement {
  kernelAddr: number;
  entry: number;
  dtbAddr: number;
  initrd?: { start: number; end: number };
  cmdline: string;
  dtbSize: number;
}

/** The DTB with /chosen and /memory filled in for this boot. */
export function patchDtb(dtb: Uint8Array, o: { name?: string; cmdline?: string; append?: string; initrd?: { start: number; end: number }; ram?: { base: number; size: number } }): { blob: Uint8Array; cmdline: string } {
  const fdt = parseFdt(dtb, o.name ?? "dtb");
  const chosen = ensureNode(fdt, "/chosen");
  const old = getProp(chosen, "bootargs");
  let cmdline = o.cmdline ?? (old ? readString(old) : "");
  if (o.append) cmdline = cmdline ? `${cmdline} ${o.append}` : o.append;
  setProp(chosen, "bootargs", propString(cmdline));
  if (o.initrd) {
    setProp(chosen, "linux,initrd-start", propU32(o.initrd.start));
    setProp(chosen, "linux,initrd-end", propU32(o.initrd.end));
  } else {
    deleteProp(chosen, "linux,initrd-start");
    deleteProp(chosen, "linux,initrd-end");
  }
  if (o.ram) {
    const root = fdt.root;
    const ac = getProp(root, "#address-cells"), sc = getProp(root, "#size-cells");
    const mem = root.children.find((c) => c.name === "memory" || c.name.startsWith("memory@"));
    // (a cell-count property shorter than one cell counts as absent: the memory node is left alone)
    if (mem && ac && sc && ac.length >= 4 && sc.length >= 4 && readU32(ac) === 1 && readU32(sc) === 1) {
      setProp(mem, "reg", propU32(o.ram.base, o.ram.size));
    }
  }
  return { blob: writeFdt(fdt), cmdline };
}

/** Puts kernel, DTB and initrd into the guest's RAM (m.guestRamBytes: under the VMM, the top 16 MiB
 *  belong to the monitor) and sets up the CPU as the boot protocol says. */
export function loadLinux(m: Machine, b: LinuxBoot): LinuxPlacement {
  const base = m.ramBase, ramEnd = m.ramBase + m.guestRamBytes;
  const kname = b.kernelName ?? "kernel";
  const need = (what: string, addr: number, len: number) => {
    if (addr < base || addr + len > ramEnd) {
      throw new ImageError(`${what} (${len} bytes) does not fit at 0x${hex(addr)}: RAM is 0x${hex(base)}-0x${hex(ramEnd - 1)} ` +
        `(${m.guestRamBytes >>> 20} MiB); give the machine more RAM`);
    }
  };
  let kernelAddr: number;
  if (b.textOffset !== undefined) {
    kernelAddr = base + b.textOffset;
    if (LINUX_LAYOUT.dtb - b.textOffset < b.kernel.length) {
      throw new ImageError(`${kname}: a ${b.kernel.length}-byte Image at RAM+0x${b.textOffset.toString(16)} would overlap the DTB at RAM+0x${LINUX_LAYOUT.dtb.toString(16)}`);
    }
  } else {
    if (!isZImage(b.kernel)) {
      throw new ImageError(`${kname}: not an ARM zImage (no magic 0x016f2818 at offset 0x24); a raw Image needs its TEXT_OFFSET (e.g. --text-offset 0x8000)`);
    }
    parseZImage(b.kernel, kname);
    kernelAddr = base + LINUX_LAYOUT.zimage;
    if (LINUX_LAYOUT.dtb - LINUX_LAYOUT.zimage < b.kernel.length) {
      throw new ImageError(`${kname}: a ${b.kernel.length}-byte zImage at RAM+0x${LINUX_LAYOUT.zimage.toString(16)} would overlap the DTB`);
    }
  }
  need(kname, kernelAddr, b.kernel.length);
  // The DTB and the initrd go at RAM + 128 MiB; in a guest's partition too small for that (several
  // guests share the board's RAM) they go as high as they fit, the initrd last, the DTB 1 MiB-aligned
  // below it. A machine of one guest keeps the fixed layout (and says when RAM is too small for it).
  const initrdLen = b.initrd?.length ?? 0;
  let dtbAddr = base + LINUX_LAYOUT.dtb;
  let initrdAt = base + LINUX_LAYOUT.initrd;
  if (initrdAt + initrdLen > ramEnd && m.guestCount > 1) {
    initrdAt = Math.floor((ramEnd - initrdLen) / 0x1000) * 0x1000;
    dtbAddr = Math.floor((initrdAt - LINUX_LAYOUT.dtbMax) / 0x100000) * 0x100000;
    if (dtbAddr < kernelAddr + b.kernel.length) {
      throw new ImageError(`${kname} (${b.kernel.length} bytes), the DTB and the initrd (${initrdLen} bytes) do not fit in ` +
        `${m.guestRamBytes >>> 20} MiB of RAM; give the machine more RAM`);
    }
  }
  let initrd: { start: number; end: number } | undefined;
  if (b.initrd && b.initrd.length > 0) {
    need("initrd", initrdAt, b.initrd.length);
    initrd = { start: initrdAt, end: initrdAt + b.initrd.length };
  }
  const { blob, cmdline } = patchDtb(b.dtb, { name: b.dtbName, cmdline: b.cmdline, append: b.append, initrd, ram: { base, size: m.guestRamBytes } });
  if (blob.length > LINUX_LAYOUT.dtbMax) throw new ImageError(`${b.dtbName ?? "dtb"}: ${blob.length} bytes is larger than the 1 MiB reserved for it`);
  need("dtb", dtbAddr, blob.length);

  // (into the selected guest's RAM: its partition when several guests share the board)
  m.writeGuestRam(kernelAddr, b.kernel);
  m.writeGuestRam(dtbAddr, blob);
  if (initrd && b.initrd) m.writeGuestRam(initrd.start, b.initrd);
  // SVC mode, A/I/F masked, ARM state (booting.rst "CPU register settings"); the MMU is off at reset.
  m.cpsr = 0x1d3;
  m.setReg(0, 0);
  m.setReg(1, 0xffffffff);
  m.setReg(2, dtbAddr);
  m.pc = kernelAddr;
  m.imageEnd = Math.max(m.imageEnd, kernelAddr + b.kernel.length);
  return { kernelAddr, entry: kernelAddr, dtbAddr, initrd, cmdline, dtbSize: blob.length };
}
