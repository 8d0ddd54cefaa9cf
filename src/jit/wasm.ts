// A small WebAssembly binary writer for the JIT's compiled blocks (WebAssembly core specification
// 2.0, chapter 5 "Binary Format"): one module per compiled block, with a fixed set of imports (the
// core's memory, execution globals and helper functions) and one exported function.

export const I32 = 0x7f;
export const I64 = 0x7e;

/** Opcodes used by the translator (spec 5.4). */
export const Op = {
  unreachable: 0x00, block: 0x02, loop: 0x03, if: 0x04, else: 0x05, end: 0x0b, br: 0x0c, brIf: 0x0d,
  return: 0x0f, call: 0x10, returnCall: 0x12, returnCallIndirect: 0x13, drop: 0x1a, select: 0x1b,
  localGet: 0x20, localSet: 0x21, localTee: 0x22, globalGet: 0x23, globalSet: 0x24,
  i32Load: 0x28, i64Load: 0x29, i32Load8s: 0x2c, i32Load8u: 0x2d, i32Load16s: 0x2e, i32Load16u: 0x2f,
  i32Store: 0x36, i64Store: 0x37, i32Store8: 0x3a, i32Store16: 0x3b,
  i32Const: 0x41, i64Const: 0x42,
  i32Eqz: 0x45, i32Eq: 0x46, i32Ne: 0x47, i32LtU: 0x49, i32GtU: 0x4b, i32LeU: 0x4d, i32GeU: 0x4f,
  i32Clz: 0x67, i32Add: 0x6a, i32Sub: 0x6b, i32Mul: 0x6c, i32And: 0x71, i32Or: 0x72, i32Xor: 0x73,
  i32Shl: 0x74, i32ShrS: 0x75, i32ShrU: 0x76, i32Rotr: 0x78,
  i64Add: 0x7c, i64Mul: 0x7e, i64ShrU: 0x88,
  i32WrapI64: 0xa7, i64ExtendI32s: 0xac, i64ExtendI32u: 0xad,
} as const;

/** Bytes of one function body, with LEB128 immediates. */
export class Code {
  b: number[] = [];
  op(o: number): this { this.b.push(o); return this; }
  u(v: number): this { // unsigned LEB128
    v >>>= 0;
    do { let x = v & 0x7f; v >>>= 7; if (v !== 0) x |= 0x80; this.b.push(x); } while (v !== 0);
    return this;
  }
  s(v: number): this { // signed LEB128 of a 32-bit value
    v |= 0;
    for (;;) {
      const x = v & 0x7f; v >>= 7;
      if ((v === 0 && (x & 0x40) === 0) || (v === -1 && (x & 0x40) !== 0)) { this.b.push(x); return this; }
      this.b.push(x | 0x80);
    }
  }
  s64(v: bigint): this {
    for (;;) {
      const x = Number(v & 0x7fn); v >>= 7n;
      if ((v === 0n && (x & 0x40) === 0) || (v === -1n && (x & 0x40) !== 0)) { this.b.push(x); return this; }
      this.b.push(x | 0x80);
    }
  }
  i32(v: number): this { return this.op(Op.i32Const).s(v); }
  /** i32.const of a value in [0, 2^31) patched later (patchI32): a 5-byte LEB128. Returns the
   *  position of the immediate. */
  i32pad(v: number): number { this.op(Op.i32Const); const at = this.b.length; this.b.push(0, 0, 0, 0, 0); this.patchI32(at, v); return at; }
  patchI32(at: number, v: number): void {
    for (let i = 0; i < 4; i++) this.b[at + i] = ((v >>> (7 * i)) & 0x7f) | 0x80;
    this.b[at + 4] = (v >>> 28) & 0x07;
  }
  i64(v: bigint): this { return this.op(Op.i64Const).s64(v); }
  /** i64.const of a small value (a 32-bit signed one: its signed LEB128 is the same at either width),
   *  without a BigInt. */
  i64s(v: number): this { return this.op(Op.i64Const).s(v); }
  get(l: number): this { return this.op(Op.localGet).u(l); }
  set(l: number): this { return this.op(Op.localSet).u(l); }
  tee(l: number): this { return this.op(Op.localTee).u(l); }
  gget(g: number): this { return this.op(Op.globalGet).u(g); }
  gset(g: number): this { return this.op(Op.globalSet).u(g); }
  call(f: number): this { return this.op(Op.call).u(f); }
  /** Memory access at a constant address: the address operand is 0 and the offset is `addr`. */
  load(o: number, align: number, offset: number): this { return this.op(o).u(align).u(offset); }
  store(o: number, align: number, offset: number): this { return this.op(o).u(align).u(offset); }
  if(type = 0x40): this { return this.op(Op.if).op(type); }
  block(type = 0x40): this { return this.op(Op.block).op(type); }
  loop(type = 0x40): this { return this.op(Op.loop).op(type); }
  end(): this { return this.op(Op.end); }
}

function uleb(v: number): number[] { const c = new Code(); c.u(v); return c.b; }
const utf8 = new TextEncoder();
/** Append helpers: bytes are pushed one by one (spreads and flat() of large arrays are slow). */
function put(out: number[], bytes: ArrayLike<number>): void { for (let i = 0; i < bytes.length; i++) out.push(bytes[i]); }
function putU(out: number[], v: number): void {
  v >>>= 0;
  do { let x = v & 0x7f; v >>>= 7; if (v !== 0) x |= 0x80; out.push(x); } while (v !== 0);
}
function str(s: string): number[] { const b = utf8.encode(s); const o: number[] = []; putU(o, b.length); put(o, b); return o; }
function section(id: number, body: number[]): number[] { const o = [id]; putU(o, body.length); put(o, body); return o; }
function vec(items: number[][]): number[] { const o: number[] = []; putU(o, items.length); for (const it of items) put(o, it); return o; }

export interface FuncType { params: number[]; results: number[] }
export interface FuncBody { type: number; locals: number[]; code: Code }
export interface ModuleSpec {
  types: FuncType[];
  /** Imported functions (module, name, type index), then globals (mutable i32), then memory. */
  funcs: { module: string; name: string; type: number }[];
  globals: { module: string; name: string; type: number; mutable: boolean }[];
  memory: { module: string; name: string };
  /** The module's own functions, exported under `names` (default "f0", "f1", ...; "" = not exported). */
  bodies: FuncBody[];
  names?: string[];
  /** A table of its own (funcref, `size` entries, each initialised to function index `fill`),
   *  exported as `name`: the first table of the module (call_indirect's table 0). */
  table?: { size: number; fill: number; name: string };
}

/** The module's bytes. The type and import sections are the same for every module of one spec
 *  shape (keyed by its types array): they are built once and reused. */
const prefixes = new WeakMap<object, number[]>();
export function moduleBytes(m: ModuleSpec): Uint8Array<ArrayBuffer> {
  let pre = prefixes.get(m.types);
  if (!pre) {
    const types = vec(m.types.map((t) => [0x60, ...vec(t.params.map((p) => [p])), ...vec(t.results.map((r) => [r]))]));
    const imports = vec([
      ...m.funcs.map((f) => [...str(f.module), ...str(f.name), 0x00, ...uleb(f.type)]),
      ...m.globals.map((g) => [...str(g.module), ...str(g.name), 0x03, g.type, g.mutable ? 1 : 0]),
      [...str(m.memory.module), ...str(m.memory.name), 0x02, 0x00, 0x00],
    ]);
    pre = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...section(1, types), ...section(2, imports)];
    prefixes.set(m.types, pre);
  }
  const first = m.funcs.length, n = m.bodies.length;
  // Small pieces go through number arrays; the bodies' code is copied once, with
  // Uint8Array.set, into the module's bytes (sizes are known first).
  const mid: number[] = [];
  const funcs: number[] = []; putU(funcs, n);
  const exps: number[] = [];
  let nexp = 0;
  const exp = (name: string, kind: number, idx: number): void => {
    putU(exps, name.length);
    for (let j = 0; j < name.length; j++) exps.push(name.charCodeAt(j));
    exps.push(kind); putU(exps, idx); nexp++;
  };
  for (let i = 0; i < n; i++) {
    putU(funcs, m.bodies[i].type);
    const name = m.names ? m.names[i] : `f${i}`;
    if (name !== "") exp(name, 0x00, first + i);
  }
  if (m.table) exp(m.table.name, 0x01, 0);
  mid.push(3); putU(mid, funcs.length); put(mid, funcs);   // function section: type indexes
  if (m.table) {                                            // table section: funcref, min size
    const t: number[] = [1, 0x70, 0x00]; putU(t, m.table.size);
    mid.push(4); putU(mid, t.length); put(mid, t);
  }
  const expSec: number[] = []; putU(expSec, nexp); put(expSec, exps);
  mid.push(7); putU(mid, expSec.length); put(mid, expSec);  // export section
  if (m.table) {                                            // element section: table 0 from 0, all `fill`
    const e: number[] = [1, 0x00, Op.i32Const, 0x00, Op.end]; putU(e, m.table.size);
    for (let i = 0; i < m.table.size; i++) putU(e, m.table.fill);
    mid.push(9); putU(mid, e.length); put(mid, e);
  }
  // Code section: each body is its size, its locals (run-length groups of one type), code, end.
  const heads: number[][] = [];
  let codeLen = uleb(n).length;
  for (const b of m.bodies) {
    const groups: number[] = [];
    let count = 0;
    for (let i = 0; i < b.locals.length;) {
      let j = i; while (j < b.locals.length && b.locals[j] === b.locals[i]) j++;
      putU(groups, j - i); groups.push(b.locals[i]); count++; i = j;
    }
    const h: number[] = [];
    const size = uleb(count).length + groups.length + b.code.b.length + 1;
    putU(h, size); putU(h, count); put(h, groups);
    heads.push(h);
    codeLen += h.length + b.code.b.length + 1;
  }
  const secHead: number[] = [10]; putU(secHead, codeLen); putU(secHead, n);
  const out = new Uint8Array(pre.length + mid.length + secHead.length + codeLen - uleb(n).length);
  let o = 0;
  out.set(pre, o); o += pre.length;
  out.set(mid, o); o += mid.length;
  out.set(secHead, o); o += secHead.length;
  m.bodies.forEach((b, i) => {
    out.set(heads[i], o); o += heads[i].length;
    out.set(b.code.b, o); o += b.code.b.length;
    out[o++] = Op.end;
  });
  return out;
}
