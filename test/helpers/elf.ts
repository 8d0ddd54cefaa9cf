// Builds small ELF32 images in memory, so loader and CLI tests need no cross compiler.
export interface SegSpec { paddr: number; data: Uint8Array | number[]; memsz?: number; vaddr?: number }
export interface ElfSpec {
  entry: number; segments: SegSpec[];
  cls?: number; data?: number; machine?: number; type?: number; version?: number;
}

/** ARM instruction words to little-endian bytes. */
export function words(...ws: number[]): Uint8Array {
  const b = new Uint8Array(ws.length * 4);
  const v = new DataView(b.buffer);
  ws.forEach((w, i) => v.setUint32(i * 4, w >>> 0, true));
  return b;
}

export function buildElf(spec: ElfSpec): Uint8Array {
  const phoff = 52, phentsize = 32, n = spec.segments.length;
  let off = phoff + n * phentsize;
  const placed = spec.segments.map((s) => {
    const data = s.data instanceof Uint8Array ? s.data : Uint8Array.from(s.data);
    const o = off; off += data.length;
    return { ...s, data, offset: o };
  });
  const out = new Uint8Array(off);
  const v = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, spec.cls ?? 1, spec.data ?? 1, spec.version ?? 1]);
  v.setUint16(16, spec.type ?? 2, true);
  v.setUint16(18, spec.machine ?? 40, true);
  v.setUint32(20, 1, true);
  v.setUint32(24, spec.entry >>> 0, true);
  v.setUint32(28, phoff, true);
  v.setUint16(40, 52, true);
  v.setUint16(42, phentsize, true);
  v.setUint16(44, n, true);
  placed.forEach((s, i) => {
    const h = phoff + i * phentsize;
    v.setUint32(h, 1, true);                       // PT_LOAD
    v.setUint32(h + 4, s.offset, true);
    v.setUint32(h + 8, (s.vaddr ?? s.paddr) >>> 0, true);
    v.setUint32(h + 12, s.paddr >>> 0, true);
    v.setUint32(h + 16, s.data.length, true);
    v.setUint32(h + 20, (s.memsz ?? s.data.length) >>> 0, true);
    v.setUint32(h + 24, 5, true);
    out.set(s.data, s.offset);
  });
  return out;
}

/** ARM code that exits through semihosting SYS_EXIT_EXTENDED with `status` (block right after it). */
export function exitCode(base: number, status: number): number[] {
  return [
    0xe3a00020,             // mov r0, #0x20 (SYS_EXIT_EXTENDED)
    0xe28f1004,             // add r1, pc, #4 -> the block after the svc and the b .
    0xef123456,             // svc 0x123456
    0xeafffffe,             // b .
    0x20026, status >>> 0,  // ADP_Stopped_ApplicationExit, status
  ];
}
