// ELF32 little-endian ARM executables (System V gABI, ARM ELF supplement): the PT_LOAD segments
// are placed at their physical addresses (p_paddr), and the entry point is e_entry. Every field is
// checked before it is used, and a bad one is named in the error with its file offset.

export interface Segment {
  /** Index of the program header this came from. */
  index: number;
  paddr: number;
  /** File contents (p_filesz bytes); the rest up to memsz is zero. */
  data: Uint8Array;
  memsz: number;
}

export interface LoadImage {
  entry: number;
  segments: Segment[];
}

export class ImageError extends Error {}

const PT_LOAD = 1;
const EM_ARM = 40;

export function isElf(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
}

export function parseElf(bytes: Uint8Array, name: string): LoadImage {
  const fail = (off: number, msg: string): never => { throw new ImageError(`${name}: ${msg} (file offset 0x${off.toString(16)})`); };
  if (!isElf(bytes)) fail(0, "not an ELF file (no \\x7fELF magic)");
  if (bytes.length < 52) fail(bytes.length, `truncated ELF header: ${bytes.length} bytes, need 52`);
  if (bytes[4] !== 1) fail(4, `EI_CLASS is ${bytes[4]}: not a 32-bit ELF (vm7 runs ARMv7 AArch32 images)`);
  if (bytes[5] !== 1) fail(5, `EI_DATA is ${bytes[5]}: not little-endian`);
  if (bytes[6] !== 1) fail(6, `EI_VERSION is ${bytes[6]}, expected 1`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = v.getUint16(16, true);
  if (type !== 2 && type !== 3) fail(16, `e_type is ${type}: not an executable (ET_EXEC or ET_DYN)`);
  const machine = v.getUint16(18, true);
  if (machine !== EM_ARM) fail(18, `e_machine is ${machine}: not an ARM image (EM_ARM = 40)`);
  const entry = v.getUint32(24, true);
  const phoff = v.getUint32(28, true);
  const phentsize = v.getUint16(42, true);
  const phnum = v.getUint16(44, true);
  if (phnum === 0) fail(44, "no program headers (e_phnum = 0): nothing to load");
  if (phentsize < 32) fail(42, `e_phentsize is ${phentsize}, expected at least 32`);
  if (phoff + phnum * phentsize > bytes.length) {
    fail(28, `program headers at 0x${phoff.toString(16)} (${phnum} x ${phentsize} bytes) run past the end of the ${bytes.length}-byte file: truncated`);
  }
  const segments: Segment[] = [];
  for (let i = 0; i < phnum; i++) {
    const h = phoff + i * phentsize;
    if (v.getUint32(h, true) !== PT_LOAD) continue;
    const offset = v.getUint32(h + 4, true);
    const paddr = v.getUint32(h + 12, true);
    const filesz = v.getUint32(h + 16, true);
    const memsz = v.getUint32(h + 20, true);
    if (filesz > memsz) fail(h + 16, `segment ${i}: p_filesz 0x${filesz.toString(16)} exceeds p_memsz 0x${memsz.toString(16)}`);
    if (offset + filesz > bytes.length) {
      fail(h + 4, `segment ${i}: its ${filesz} bytes at file offset 0x${offset.toString(16)} run past the end of the ${bytes.length}-byte file: truncated`);
    }
    if (paddr + memsz > 0x1_0000_0000) fail(h + 12, `segment ${i}: 0x${paddr.toString(16)} + 0x${memsz.toString(16)} wraps past 4 GiB`);
    segments.push({ index: i, paddr, data: bytes.subarray(offset, offset + filesz), memsz });
  }
  if (segments.every((s) => s.memsz === 0)) fail(phoff, "no PT_LOAD segment with contents: nothing to load");
  for (let a = 0; a < segments.length; a++) {
    for (let b = a + 1; b < segments.length; b++) {
      const s = segments[a], t = segments[b];
      if (s.memsz && t.memsz && s.paddr < t.paddr + t.memsz && t.paddr < s.paddr + s.memsz) {
        fail(phoff + t.index * phentsize + 12, `segments ${s.index} and ${t.index} overlap at physical 0x${Math.max(s.paddr, t.paddr).toString(16)}`);
      }
    }
  }
  return { entry, segments };
}

export interface ElfSymbol { name: string; addr: number; size: number; func: boolean }

/** The function, object and (assembly) label symbols of an ELF's .symtab (none when it is stripped
 *  or malformed), sorted by address; a Thumb function's address has bit 0 clear here. For debuggers
 *  and hooks. */
export function elfSymbols(bytes: Uint8Array): ElfSymbol[] {
  if (!isElf(bytes) || bytes.length < 52) return [];
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shoff = v.getUint32(32, true), shentsize = v.getUint16(46, true), shnum = v.getUint16(48, true);
  if (shentsize < 40 || shoff + shnum * shentsize > bytes.length) return [];
  const sh = (i: number, f: number) => v.getUint32(shoff + i * shentsize + f, true);
  const out: ElfSymbol[] = [];
  for (let i = 0; i < shnum; i++) {
    if (sh(i, 4) !== 2) continue; // SHT_SYMTAB
    const off = sh(i, 16), size = sh(i, 20), link = sh(i, 24), ent = sh(i, 36) || 16;
    if (link >= shnum || off + size > bytes.length) return [];
    const stroff = sh(link, 16), strsize = sh(link, 20);
    if (stroff + strsize > bytes.length) return [];
    for (let s = off; s + 16 <= off + size; s += ent) {
      const type = bytes[s + 12] & 15, shndx = v.getUint16(s + 14, true);
      if (type > 2 || shndx === 0 || shndx >= 0xff00) continue; // STT_NOTYPE/OBJECT/FUNC in a section
      const n = v.getUint32(s, true);
      let e = stroff + n;
      while (e < stroff + strsize && bytes[e] !== 0) e++;
      const name = new TextDecoder().decode(bytes.subarray(stroff + n, e));
      if (!name || name.startsWith("$")) continue; // mapping symbols ($a, $t, $d)
      out.push({ name, addr: (v.getUint32(s + 4, true) & ~(type === 2 ? 1 : 0)) >>> 0, size: v.getUint32(s + 8, true), func: type === 2 });
    }
  }
  return out.sort((a, b) => a.addr - b.addr);
}
