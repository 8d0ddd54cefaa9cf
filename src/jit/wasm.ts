// A small WebAssembly binary writer for the JIT's compiled blocks (WebAssembly core specification
// 2.0, chapter 5 "Binary Format"): one module per compiled block, with a fixed set of imports (the
// core's memory, execution globals and helper functions) and one exported function.

export const I32 = 0x7f;
export const I64 = 0x7e;

/** Opcodes used by the translator (spec 5.4). */
export const Op = {
  unreachable: 0x00, block: 0x02, loop: 0x03, if: 0x04, else: 0x05, end: 0x0b, br: 0x0c, brIf: 0x0d,
  return: 0x0f, call: 0x10, returnCall: 0x12, drop: 0x1a, select: 0x1b,
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
  i64(v: bigint): this { return this.op(Op.i64Const).s64(v); }
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
function str(s: string): number[] { const b = [...utf8.encode(s)]; return [...uleb(b.length), ...b]; }
function section(id: number, body: number[]): number[] { return [id, ...uleb(body.length), ...body]; }
function vec(items: number[][]): number[] { return [...uleb(items.length), ...items.flat()]; }

export interface FuncType { params: number[]; results: number[] }
export interface FuncBody { type: number; locals: number[]; code: Code }
export interface ModuleSpec {
  types: FuncType[];
  /** Imported functions (module, name, type index), then globals (mutable i32), then memory. */
  funcs: { module: string; name: string; type: number }[];
  globals: { module: string; name: string; type: number; mutable: boolean }[];
  memory: { module: string; name: string };
  /** The compiled functions, exported as "f0", "f1", ... */
  bodies: FuncBody[];
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
  const first = m.funcs.length;
  const mid = [
    ...section(3, vec(m.bodies.map((b) => uleb(b.type)))),
    ...section(7, vec(m.bodies.map((_, i) => [...str(`f${i}`), 0x00, ...uleb(first + i)]))),
  ];
  // Code section: each body is its locals (run-length groups of one type), code, end.
  const parts: { head: number[]; code: number[] }[] = m.bodies.map((b) => {
    const groups: number[][] = [];
    for (const t of b.locals) {
      const last = groups[groups.length - 1];
      if (last && last[1] === t) last[0]++; else groups.push([1, t]);
    }
    return { head: vec(groups.map(([n, t]) => [...uleb(n), t])), code: b.code.b };
  });
  let codeLen = uleb(parts.length).length;
  const sizes = parts.map((p) => { const n = p.head.length + p.code.length + 1; codeLen += uleb(n).length + n; return n; });
  const secHead = [10, ...uleb(codeLen), ...uleb(parts.length)];
  const out = new Uint8Array(pre.length + mid.length + secHead.length + codeLen - uleb(parts.length).length);
  let o = 0;
  out.set(pre, o); o += pre.length;
  out.set(mid, o); o += mid.length;
  out.set(secHead, o); o += secHead.length;
  parts.forEach((p, i) => {
    const sz = uleb(sizes[i]);
    out.set(sz, o); o += sz.length;
    out.set(p.head, o); o += p.head.length;
    out.set(p.code, o); o += p.code.length;
    out[o++] = Op.end;
  });
  return out;
}
