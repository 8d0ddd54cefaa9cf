// The loader fuzzer: mutated inputs for each of vm7's loaders, in-process for throughput. Each
// loader has a small corpus of valid inputs; input i of seed s is one of them with 1-4 mutations
// (bit flips, interesting bytes and words, header fields of its format set to boundary values,
// truncation, extension, chunks copied, inserted or deleted). The oracle: the loader either
// accepts the input (and then the guest runs a short budget and stops with a documented reason)
// or rejects it with an error whose message is one line (ImageError, or an Error the CLI shows
// as `vm7: <message>`); a TypeError, RangeError or any other exception, a multi-line message, or
// a hang (caught by run.mjs's watchdog) is a failure.
import { readFileSync, mkdirSync, writeFileSync, readdirSync, rmSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { rngFor } from "../difftest/gen.mjs";
import { Machine } from "../../dist/machine/machine.js";
import { ImageError } from "../../dist/loaders/elf.js";
import { parseFdt, writeFdt } from "../../dist/loaders/fdt.js";
import { loadLinux, patchDtb } from "../../dist/loaders/linux.js";
import { isZImage, parseZImage, findPayloads, detectTextOffset } from "../../dist/loaders/zimage.js";
import { extractImage } from "../../dist/loaders/zimage-unpack.js";
import { writeCpio, readCpio } from "../../dist/linux/cpio.js";
import { buildInitramfs } from "../../dist/linux/initramfs.js";
import { main } from "../../dist/cli/main.js";

const ROOT = new URL("../../", import.meta.url).pathname;
const STOP_REASONS = new Set(["exit", "budget", "fatal", "idle", "wait", "input", "bkpt", "host"]);

// ---- mutation -------------------------------------------------------------------------------------
const INTERESTING32 = [0, 1, 0xff, 0x7f, 0x80, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe, 0x10000, 0x1000, 0x100000, 0x80000000, 0x7ffffff0];
/** One mutation of `b` (a new array). `fields`: offsets of format fields worth setting to boundary values. */
export function mutateOnce(r, b, fields = [], endianBig = false) {
  const n = b.length;
  const k = r.int(10);
  const out = () => new Uint8Array(b);
  const setU32 = (a, off, v) => { if (off + 4 > a.length) return; const dv = new DataView(a.buffer, a.byteOffset); dv.setUint32(off, v >>> 0, !endianBig); };
  const val32 = () => (r.chance(0.6) ? r.pick(INTERESTING32) : r.chance(0.5) ? (n + r.int(9) - 4) >>> 0 : r.u32()) >>> 0;
  if (n === 0) return Uint8Array.from({ length: r.int(64) }, () => r.int(256));
  switch (k) {
    case 0: case 1: { const a = out(); for (let j = 1 + r.int(8); j > 0; j--) a[r.int(n)] ^= 1 << r.int(8); return a; }
    case 2: { const a = out(); for (let j = 1 + r.int(4); j > 0; j--) a[r.int(n)] = r.pick([0, 0xff, 0x7f, 0x80, 1, 0x30, 0x39, 0x61, 0x66, 0x2f]); return a; }
    case 3: case 4: {
      const a = out();
      const off = fields.length && r.chance(0.8) ? r.pick(fields) : r.int(n) & ~3;
      setU32(a, off, val32());
      return a;
    }
    case 5: return b.slice(0, r.int(n));                                               // truncate
    case 6: { const a = new Uint8Array(n + 1 + r.int(256)); a.set(b); if (r.chance(0.5)) for (let j = n; j < a.length; j++) a[j] = r.int(256); return a; }
    case 7: { const a = out(); const len = 1 + r.int(Math.min(64, n)); const from = r.int(n - len + 1), to = r.int(n - len + 1); a.copyWithin(to, from, from + len); return a; }
    case 8: { const at = r.int(n), len = 1 + r.int(Math.min(64, n - at)); const a = new Uint8Array(n - len); a.set(b.subarray(0, at)); a.set(b.subarray(at + len), at); return a; }
    default: { const at = r.int(n + 1), len = 1 + r.int(32); const a = new Uint8Array(n + len); a.set(b.subarray(0, at)); for (let j = 0; j < len; j++) a[at + j] = r.int(256); a.set(b.subarray(at), at + len); return a; }
  }
}
export function mutate(r, b, fields, endianBig) {
  let x = b;
  for (let j = 1 + r.int(4); j > 0; j--) x = mutateOnce(r, x, typeof fields === "function" ? fields(x) : fields, endianBig);
  return x;
}

// ---- the oracle for a thrown error ----------------------------------------------------------------
/** undefined when `e` is an acceptable rejection, else what is wrong with it. */
export function badError(e) {
  if (!(e instanceof Error)) return `threw a non-Error: ${String(e)}`;
  if (e.constructor !== ImageError && e.constructor !== Error) return `${e.constructor.name}: ${e.message}`;
  if (!e.message || e.message.includes("\n")) return `error message is not one line: ${JSON.stringify(e.message)}`;
  return undefined;
}
const stackOf = (e) => (e instanceof Error ? (e.stack ?? "").split("\n").slice(0, 6).join("\n") : String(e));

// A short run of whatever got loaded: it must end in a documented way.
function shortRun(m, r) {
  const budget = 2000 + r.int(30000);
  const res = m.run({ maxInsns: budget });
  if (!STOP_REASONS.has(res.reason)) return { bad: `undocumented stop reason ${res.reason}` };
  if (/VMM bug|unknown stop reason|unrecoverable CPU state/.test(res.message)) return { bad: `internal stop: ${res.message}` };
  if (res.message.includes("\n")) return { bad: "stop message not one line" };
  return { insns: res.insns, outcome: `ran: ${res.reason}` };
}

// ---- test inputs ----------------------------------------------------------------------------------
const u8w = (words) => new Uint8Array(Uint32Array.from(words).buffer);
/** A zImage-shaped stub: reads the DTB's first word (r2), exits through semihosting with status 0. */
export function stubZImage(payload = new Uint8Array(0)) {
  const code = [0xe5920000, 0xe3a00018, 0xe59f1004, 0xef123456, 0xeafffffe, 0x00020026, 0xe1a00000, 0xe1a00000, 0xe1a00000];
  const size = 4 * 13 + payload.length;
  const z = new Uint8Array(size);
  z.set(u8w([...code, 0x016f2818, 0, size, 0x04030201]));
  z.set(payload, 52);
  return z;
}
/** A raw "Image" for the fast path: the same stub without the header. */
const STUB_IMAGE = u8w([0xe5920000, 0xe3a00018, 0xe59f1004, 0xef123456, 0xeafffffe, 0x00020026]);

function elfFields(b) {
  const f = [24, 28, 32, 40, 42, 44, 46, 48, 16, 18];
  if (b.length < 52) return f;
  const dv = new DataView(b.buffer, b.byteOffset, b.length);
  const phoff = dv.getUint32(28, true), phnum = Math.min(dv.getUint16(44, true), 8), phent = dv.getUint16(42, true) || 32;
  for (let i = 0; i < phnum; i++) for (const o of [0, 4, 8, 12, 16, 20, 24]) if (phoff + i * phent + o + 4 <= b.length) f.push(phoff + i * phent + o);
  return f;
}
function fdtFields(b) {
  const f = [0, 4, 8, 12, 16, 20, 24, 28, 32, 36];
  // FDT_PROP tokens: their length and name offset words
  for (let p = 40; p + 12 <= b.length && f.length < 200; p += 4) {
    if (b[p] === 0 && b[p + 1] === 0 && b[p + 2] === 0 && (b[p + 3] === 3 || b[p + 3] === 1 || b[p + 3] === 2)) f.push(p, p + 4, p + 8);
  }
  return f;
}
function cpioFields(b) {
  // the 13 hex fields of each header: offsets of 4-byte chunks within them
  const f = [];
  for (let p = 0; p + 110 <= b.length && f.length < 300; ) {
    if (!(b[p] === 0x30 && b[p + 1] === 0x37 && b[p + 2] === 0x30 && b[p + 3] === 0x37)) break;
    for (let k = 0; k < 13; k++) f.push(p + 6 + 8 * k, p + 10 + 8 * k);
    const h = new TextDecoder().decode(b.subarray(p, p + 110));
    const namesize = parseInt(h.slice(94, 102), 16), size = parseInt(h.slice(54, 62), 16);
    if (!Number.isFinite(namesize) || !Number.isFinite(size)) break;
    p = (((p + 110 + namesize + 3) & ~3) + size + 3) & ~3;
  }
  return f;
}
/** cpio headers are ASCII hex: a field mutation writes 8 characters (hex, non-hex or huge). */
function mutateCpio(r, b) {
  if (r.chance(0.5)) return mutate(r, b, cpioFields);
  const f = cpioFields(b);
  if (f.length === 0) return mutate(r, b, []);
  const a = new Uint8Array(b);
  for (let j = 1 + r.int(3); j > 0; j--) {
    const at = r.pick(f) & ~0, len = 4;
    const s = r.pick(["ffffffff", "7fffffff", "00000000", "0000000g", "-0000001", "  12345 ", "0x123456", "zzzzzzzz", r.u32().toString(16).padStart(8, "0")]).slice(0, 8);
    const chunk = r.chance(0.5) ? s.slice(0, len) : s.slice(4, 4 + len);
    for (let k = 0; k < len && at + k < a.length; k++) a[at + k] = chunk.charCodeAt(k);
  }
  return a;
}

function fixture(...p) { return new Uint8Array(readFileSync(join(ROOT, ...p))); }
function elfCorpus() {
  const out = [fixture("fixtures/hello/hello.elf"), fixture("fixtures/kernel/kernel.elf")];
  for (const f of readdirSync(join(ROOT, "fixtures/newlib"))) if (f.endsWith(".elf")) out.push(fixture("fixtures/newlib", f));
  for (const f of readdirSync(join(ROOT, "fixtures/hostile"))) if (f.endsWith(".elf")) out.push(fixture("fixtures/hostile", f));
  return out;
}
export function cpioCorpus() {
  const fake = new TextEncoder().encode("#!/bin/sh\necho not busybox\n");
  return [
    buildInitramfs({ busybox: fake, files: { "vm7/true": new Uint8Array([1, 2, 3]) } }),
    writeCpio([{ name: "init", type: "file", data: "#!/bin/sh\nexec sh\n" }, { name: "dev", type: "dir" }, { name: "dev/console", type: "char", major: 5, minor: 1 }, { name: "sh", type: "symlink", data: "busybox" }]),
  ];
}

// A machine reused across inputs (renewed every so often: loads leave RAM as they are).
function machineFor(ctx, r) {
  if (!ctx.m || ctx.uses++ > 100) { ctx.m = Machine.createSync({ ramMiB: 160, onConsole: () => {}, cmdline: "fuzz" }); ctx.uses = 0; }
  return ctx.m;
}

// ---- the loaders --------------------------------------------------------------------------------
export const LOADERS = {
  elf: {
    setup: () => ({ corpus: elfCorpus() }),
    run(ctx, r) {
      const bytes = mutate(r, r.pick(ctx.corpus), elfFields);
      const m = machineFor(ctx, r);
      m.loadElf(bytes, "fuzz.elf");
      return shortRun(m, r);
    },
  },
  raw: {
    setup: () => ({ corpus: [fixture("fixtures/hello/hello.elf").subarray(0x1000), STUB_IMAGE, new Uint8Array(4096)] }),
    run(ctx, r) {
      const bytes = mutate(r, r.pick(ctx.corpus), []);
      const m = machineFor(ctx, r);
      const addr = r.chance(0.7) ? 0x80008000 + (r.int(256) << 2) : r.chance(0.5) ? 0x80000000 + r.int(160 << 20) : r.u32();
      const entry = r.chance(0.8) ? addr : r.u32();
      m.loadRaw(bytes, addr >>> 0, entry >>> 0, "fuzz.bin");
      return shortRun(m, r);
    },
  },
  zimage: {
    setup: () => ({
      corpus: [stubZImage(), stubZImage(gzipSync(STUB_IMAGE)), stubZImage(new Uint8Array([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 3, ...gzipSync(new Uint8Array(300)).subarray(10)]))],
      dtb: fixture("fixtures/linux/board.dtb"),
    }),
    run(ctx, r) {
      const z = mutate(r, r.pick(ctx.corpus), [0x24, 0x28, 0x2c, 0x30, 0x34, 0x38, 0x3c]);
      isZImage(z);
      detectTextOffset(z);
      if (r.chance(0.5)) {
        parseZImage(z, "fuzz.zImage");
        findPayloads(z, "fuzz.zImage");
        if (r.chance(0.3)) { const img = extractImage(z, "fuzz.zImage"); return { outcome: `extracted ${img.format}` }; }
      }
      const m = machineFor(ctx, r);
      loadLinux(m, { kernel: z, kernelName: "fuzz.zImage", dtb: ctx.dtb, dtbName: "board.dtb" });
      return shortRun(m, r);
    },
  },
  dtb: {
    setup: () => {
      const board = fixture("fixtures/linux/board.dtb");
      return { corpus: [board, patchDtb(board, { cmdline: "console=ttyS2 fuzz=1", initrd: { start: 0x88100000, end: 0x88200000 } }).blob] };
    },
    run(ctx, r) {
      const d = mutate(r, r.pick(ctx.corpus), fdtFields, true);
      const fdt = parseFdt(d, "fuzz.dtb");
      // what parses writes back and parses again to the same tree
      const again = parseFdt(writeFdt(fdt), "rewritten");
      if (JSON.stringify(again, (k, v) => (v instanceof Uint8Array ? Array.from(v) : typeof v === "bigint" ? v.toString() : v)) !==
          JSON.stringify(fdt, (k, v) => (v instanceof Uint8Array ? Array.from(v) : typeof v === "bigint" ? v.toString() : v))) {
        return { bad: "writeFdt(parseFdt(x)) parses to a different tree" };
      }
      const m = machineFor(ctx, r);
      loadLinux(m, { kernel: STUB_IMAGE, textOffset: 0x8000, dtb: d, dtbName: "fuzz.dtb", append: r.chance(0.3) ? "quiet" : undefined });
      return shortRun(m, r);
    },
  },
  initrd: {
    setup: () => ({ corpus: cpioCorpus(), dtb: fixture("fixtures/linux/board.dtb") }),
    run(ctx, r) {
      const c = mutateCpio(r, r.pick(ctx.corpus));
      let parsed = "unparsed";
      try { readCpio(c); parsed = "read"; } catch (e) { const bad = badError(e); if (bad) return { bad: `readCpio: ${bad}`, stack: stackOf(e) }; parsed = "rejected by readCpio"; }
      const m = machineFor(ctx, r);
      loadLinux(m, { kernel: STUB_IMAGE, textOffset: 0x8000, dtb: ctx.dtb, initrd: c });
      const s = shortRun(m, r);
      return { ...s, outcome: `${parsed}, ${s.outcome}` };
    },
  },
  cmdline: {
    setup: () => {
      const dir = join(tmpdir(), `vm7-fuzz-cmdline-${process.pid}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, "stub.zImage"), stubZImage());
      writeFileSync(join(dir, "board.dtb"), fixture("fixtures/linux/board.dtb"));
      writeFileSync(join(dir, "initrd.cpio"), cpioCorpus()[1]);
      writeFileSync(join(dir, "empty"), new Uint8Array(0));
      process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
      return { dir };
    },
    async run(ctx, r) {
      const argv = cmdlineArgv(r, ctx.dir);
      const out = await captureMain(argv);
      if (out.threw) return { bad: `main() threw: ${out.threw}`, stack: out.stack };
      if (!Number.isInteger(out.status) || out.status < 0 || out.status > 255) return { bad: `exit status ${out.status}` };
      if (/^\s+at .*\(.*:\d+:\d+\)$|node:internal/m.test(out.err)) return { bad: `a stack trace on stderr for ${JSON.stringify(argv)}:\n${out.err.slice(-800)}` };
      return { outcome: `status ${out.status}` };
    },
  },
};

/** argv for `vm7 run`: valid options with mutated values, bad values, unknown options. */
const NUMS = ["0", "1", "-1", "0x", "0x80008000", "0xFFFFFFFF", "0x100000000", "1e3", "1e400", "NaN", "Infinity", "1_000", "1__0", "_", "", " ", "12abc",
  "99999999999999999999", "0.5", "1.5e2", "+3", "0b101", "0o17", "٣", "0x8000_8000", "4294967296", "-0", "16", "64", "1024", "1025"];
const STRS = ["", " ", "a b c", "--", "-", "\u0000", "☃", "x".repeat(5000), "trap=1", "trap=-1", "trap=1,fill", "nope=3", ",", "trap=1e9", "trap=99999999999",
  "native", "full", "para", "FULL", "virtual", "wall", "0"];
function cmdlineArgv(r, dir) {
  const img = r.pick([join(ROOT, "fixtures/hello/hello.elf"), join(ROOT, "fixtures/kernel/kernel.elf"), join(dir, "stub.zImage"), join(dir, "empty"), dir, join(dir, "missing"), "/dev/null", join(ROOT, "fixtures/newlib/args.elf")]);
  const opts = ["--load-addr", "--entry", "--ram", "--max-insns", "--timeout", "--clock", "--cpu-hz", "--cmdline", "--semihosting-root", "--kernel", "--dtb", "--initrd",
    "--append", "--mode", "--vmm-cost"];
  const flags = ["--no-semihosting", "--dump-regs", "--stats", "--trace", "--bogus", "-x", "--help"];
  const paths = [join(dir, "board.dtb"), join(dir, "initrd.cpio"), join(dir, "stub.zImage"), join(dir, "empty"), dir, join(dir, "missing"), "/dev/null"];
  const argv = ["run", "--ram", "32"];
  for (let j = r.int(5); j > 0; j--) {
    if (r.chance(0.15)) { argv.push(r.pick(flags)); continue; }
    const o = r.pick(opts);
    const v = ["--dtb", "--initrd", "--kernel", "--semihosting-root"].includes(o) ? (r.chance(0.8) ? r.pick(paths) : r.pick(STRS))
      : ["--cmdline", "--append", "--mode", "--vmm-cost", "--clock"].includes(o) ? (r.chance(0.7) ? r.pick(STRS) : String.fromCharCode(...Array.from({ length: r.int(40) }, () => r.int(0x3000))))
      : r.pick(NUMS);
    if (r.chance(0.1)) argv.push(`${o}=${v}`); else argv.push(o, v);
  }
  if (r.chance(0.9)) argv.push(img);
  if (r.chance(0.05)) argv.push(img);
  // however the options came out, the run is short
  if (!argv.includes("--trace") || r.chance(0.2)) argv.push("--max-insns", String(1000 + r.int(50000)));
  else argv.push("--max-insns", "300");
  argv.push("--timeout", "5");
  return argv;
}

/** main(argv) with stdout and stderr captured. */
async function captureMain(argv) {
  let out = "", err = "";
  const ow = process.stdout.write, ew = process.stderr.write;
  process.stdout.write = (s) => { out += typeof s === "string" ? s : Buffer.from(s).toString(); if (out.length > 1e5) out = out.slice(-5e4); return true; };
  process.stderr.write = (s) => { err += typeof s === "string" ? s : Buffer.from(s).toString(); if (err.length > 1e5) err = err.slice(-5e4); return true; };
  try {
    const status = await main(argv);
    return { status, out, err };
  } catch (e) {
    return { threw: `${e?.constructor?.name}: ${e?.message}`, stack: stackOf(e), out, err };
  } finally {
    process.stdout.write = ow; process.stderr.write = ew;
    process.exitCode = 0;
  }
}

/** Input `index` of `seed` for loader L: { outcome, insns?, failure? }. */
export async function runLoaderInput(L, ctx, seed, index) {
  const name = Object.keys(LOADERS).find((k) => LOADERS[k] === L);
  const r = rngFor(seed ^ hash(name), index);
  try {
    const res = await L.run(ctx, r);
    if (res.bad) return { outcome: "FAILED", failure: { what: res.bad, detail: res.stack ?? "" } };
    return { outcome: res.outcome ?? "accepted", insns: res.insns };
  } catch (e) {
    const bad = badError(e);
    if (bad) { ctx.m = undefined; return { outcome: "FAILED", failure: { what: bad, detail: stackOf(e) } }; }
    return { outcome: e.constructor === ImageError ? "rejected (ImageError)" : "rejected (Error)" };
  }
}

function hash(s) { let h = 2166136261; for (const c of s) h = Math.imul(h ^ c.charCodeAt(0), 16777619); return h >>> 0; }
