// Flattened device tree (devicetree specification v0.4, chapter 5 "Flattened Devicetree (DTB)
// Format"): a reader that turns a .dtb into a tree of nodes and properties, and a writer that turns
// such a tree back into a .dtb (version 17, last compatible version 16). The Linux loader uses it to
// put `bootargs` and `linux,initrd-start/end` into /chosen. Every field is checked before use, and
// a bad one is named in the error with its offset.
import { ImageError } from "./elf.js";

export const FDT_MAGIC = 0xd00dfeed;
const FDT_BEGIN_NODE = 1, FDT_END_NODE = 2, FDT_PROP = 3, FDT_NOP = 4, FDT_END = 9;
const HEADER_SIZE = 40;

export interface FdtNode {
  name: string;
  /** Properties in file order. */
  props: Array<{ name: string; value: Uint8Array }>;
  children: FdtNode[];
}

export interface Fdt {
  root: FdtNode;
  /** Memory reservation block entries. */
  reserved: Array<{ address: bigint; size: bigint }>;
  bootCpuid: number;
}

export function isFdt(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0) === FDT_MAGIC;
}

export function parseFdt(bytes: Uint8Array, name = "dtb"): Fdt {
  const fail = (off: number, msg: string): never => { throw new ImageError(`${name}: ${msg} (offset 0x${off.toString(16)})`); };
  if (bytes.length < HEADER_SIZE) fail(0, `too short for a device tree header (${bytes.length} bytes, need ${HEADER_SIZE})`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = v.getUint32(0);
  if (magic !== FDT_MAGIC) fail(0, `bad magic 0x${magic.toString(16)} (a .dtb starts with 0xd00dfeed)`);
  const totalsize = v.getUint32(4), offStruct = v.getUint32(8), offStrings = v.getUint32(12), offRsv = v.getUint32(16);
  const version = v.getUint32(20), lastComp = v.getUint32(24), bootCpuid = v.getUint32(28);
  const sizeStrings = v.getUint32(32), sizeStruct = v.getUint32(36);
  if (totalsize > bytes.length) fail(4, `totalsize ${totalsize} is larger than the file (${bytes.length} bytes)`);
  if (lastComp > 17) fail(24, `last_comp_version ${lastComp} is newer than 17, which this reader understands`);
  if (version < 16) fail(20, `version ${version}: only versions 16 and 17 are supported`);
  const inside = (off: number, len: number, field: number, what: string) => {
    if (off > totalsize || len > totalsize - off) fail(field, `${what} 0x${off.toString(16)}+${len} lies outside the blob (totalsize ${totalsize})`);
  };
  inside(offStruct, sizeStruct, 8, "off_dt_struct");
  inside(offStrings, sizeStrings, 12, "off_dt_strings");
  if (offRsv % 8 !== 0) fail(16, `off_mem_rsvmap 0x${offRsv.toString(16)} is not 8-byte aligned`);
  if (offStruct % 4 !== 0) fail(8, `off_dt_struct 0x${offStruct.toString(16)} is not 4-byte aligned`);

  const reserved: Fdt["reserved"] = [];
  for (let p = offRsv; ; p += 16) {
    inside(p, 16, 16, "memory reservation entry");
    const address = v.getBigUint64(p), size = v.getBigUint64(p + 8);
    if (address === 0n && size === 0n) break;
    reserved.push({ address, size });
  }

  const dec = new TextDecoder("utf-8", { fatal: false });
  const cstr = (start: number, end: number, what: string): string => {
    let e = start;
    while (e < end && bytes[e] !== 0) e++;
    if (e >= end) fail(start, `${what} is not NUL-terminated`);
    return dec.decode(bytes.subarray(start, e));
  };
  const endStruct = offStruct + sizeStruct;
  let p = offStruct;
  const token = () => {
    if (p + 4 > endStruct) fail(p, "structure block ends without FDT_END");
    const t = v.getUint32(p); p += 4; return t;
  };
  const stack: FdtNode[] = [];
  let root: FdtNode | undefined;
  for (;;) {
    const at = p;
    const t = token();
    if (t === FDT_NOP) continue;
    if (t === FDT_BEGIN_NODE) {
      const nm = cstr(p, endStruct, "node name");
      p = align4(p + new TextEncoder().encode(nm).length + 1);
      const node: FdtNode = { name: nm, props: [], children: [] };
      if (stack.length === 0) {
        if (root) fail(at, "a second root node");
        root = node;
      } else stack[stack.length - 1].children.push(node);
      stack.push(node);
    } else if (t === FDT_PROP) {
      if (stack.length === 0) fail(at, "property outside any node");
      if (p + 8 > endStruct) fail(at, "truncated FDT_PROP");
      const len = v.getUint32(p), nameoff = v.getUint32(p + 4);
      p += 8;
      if (len > endStruct - p) fail(at, `property length ${len} runs past the structure block`);
      if (nameoff >= sizeStrings) fail(at + 8, `property name offset ${nameoff} is outside the strings block (${sizeStrings} bytes)`);
      const pname = cstr(offStrings + nameoff, offStrings + sizeStrings, "property name");
      stack[stack.length - 1].props.push({ name: pname, value: bytes.slice(p, p + len) });
      p = align4(p + len);
    } else if (t === FDT_END_NODE) {
      if (stack.length === 0) fail(at, "FDT_END_NODE without a matching FDT_BEGIN_NODE");
      stack.pop();
    } else if (t === FDT_END) {
      if (stack.length !== 0) fail(at, `FDT_END with ${stack.length} node(s) still open`);
      break;
    } else fail(at, `unknown structure token 0x${t.toString(16)}`);
  }
  if (!root) fail(offStruct, "no root node");
  return { root: root!, reserved, bootCpuid };
}

export function writeFdt(fdt: Fdt): Uint8Array {
  const enc = new TextEncoder();
  // Strings block: each property name once, in order of first use.
  const strOff = new Map<string, number>();
  const strParts: Uint8Array[] = [];
  let strLen = 0;
  const nameOff = (n: string): number => {
    let o = strOff.get(n);
    if (o === undefined) {
      o = strLen;
      const b = enc.encode(n + "\0");
      strParts.push(b); strLen += b.length; strOff.set(n, o);
    }
    return o;
  };
  const struct: Uint8Array[] = [];
  let structLen = 0;
  const push = (b: Uint8Array) => { struct.push(b); structLen += b.length; };
  const u32 = (x: number) => { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, x >>> 0); push(b); };
  const padded = (b: Uint8Array) => { push(b); const pad = align4(b.length) - b.length; if (pad) push(new Uint8Array(pad)); };
  const walk = (n: FdtNode) => {
    u32(FDT_BEGIN_NODE);
    padded(enc.encode(n.name + "\0"));
    for (const pr of n.props) { u32(FDT_PROP); u32(pr.value.length); u32(nameOff(pr.name)); padded(pr.value); }
    for (const c of n.children) walk(c);
    u32(FDT_END_NODE);
  };
  walk(fdt.root);
  u32(FDT_END);
  const offRsv = HEADER_SIZE; // already 8-aligned
  const rsvLen = (fdt.reserved.length + 1) * 16;
  const offStruct = offRsv + rsvLen;
  const offStrings = offStruct + structLen;
  const total = offStrings + strLen;
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  v.setUint32(0, FDT_MAGIC); v.setUint32(4, total); v.setUint32(8, offStruct); v.setUint32(12, offStrings);
  v.setUint32(16, offRsv); v.setUint32(20, 17); v.setUint32(24, 16); v.setUint32(28, fdt.bootCpuid >>> 0);
  v.setUint32(32, strLen); v.setUint32(36, structLen);
  fdt.reserved.forEach((r, i) => { v.setBigUint64(offRsv + 16 * i, r.address); v.setBigUint64(offRsv + 16 * i + 8, r.size); });
  let p = offStruct;
  for (const b of struct) { out.set(b, p); p += b.length; }
  for (const b of strParts) { out.set(b, p); p += b.length; }
  return out;
}

function align4(n: number): number { return (n + 3) & ~3; }

// --- tree helpers ------------------------------------------------------------------------------

/** The node at an absolute path such as "/chosen" (unit addresses must be given in full). */
export function findNode(fdt: Fdt, path: string): FdtNode | undefined {
  let n: FdtNode | undefined = fdt.root;
  for (const part of path.split("/").filter((s) => s.length > 0)) {
    n = n.children.find((c) => c.name === part);
    if (!n) return undefined;
  }
  return n;
}

/** The node at `path`, created (empty, under an existing parent chain) when absent. */
export function ensureNode(fdt: Fdt, path: string): FdtNode {
  let n = fdt.root;
  for (const part of path.split("/").filter((s) => s.length > 0)) {
    let c = n.children.find((x) => x.name === part);
    if (!c) { c = { name: part, props: [], children: [] }; n.children.push(c); }
    n = c;
  }
  return n;
}

export function getProp(node: FdtNode, name: string): Uint8Array | undefined {
  return node.props.find((p) => p.name === name)?.value;
}

/** Replace a property's value in place (keeping its position), or append it. */
export function setProp(node: FdtNode, name: string, value: Uint8Array): void {
  const p = node.props.find((x) => x.name === name);
  if (p) p.value = value; else node.props.push({ name, value });
}

export function deleteProp(node: FdtNode, name: string): void {
  node.props = node.props.filter((p) => p.name !== name);
}

export function propString(s: string): Uint8Array { return new TextEncoder().encode(s + "\0"); }
export function propU32(...cells: number[]): Uint8Array {
  const b = new Uint8Array(4 * cells.length);
  const v = new DataView(b.buffer);
  cells.forEach((c, i) => v.setUint32(4 * i, c >>> 0));
  return b;
}
export function readString(value: Uint8Array): string {
  const end = value.indexOf(0);
  return new TextDecoder().decode(value.subarray(0, end < 0 ? value.length : end));
}
export function readU32(value: Uint8Array, index = 0): number {
  return new DataView(value.buffer, value.byteOffset, value.byteLength).getUint32(4 * index);
}
