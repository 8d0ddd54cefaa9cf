// The reference side: qemu-arm (user mode, -cpu cortex-a8) running harness/harness.elf, many
// tests per process. Tests go in as fixed records on stdin, results come back on stdout; if a test
// kills the process (a signal: a generator bug), it is reported as such and the batch resumes
// after it in a new process.
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { RECORD_WORDS, CPSR_MASK, IN_D, IN_CODE, OUT_D, OUT_ND } from "./layout.mjs";

export const HARNESS = fileURLToPath(new URL("./harness/harness.elf", import.meta.url));
export const QEMU = process.env.QEMU_ARM ?? "qemu-arm";

export function qemuAvailable() {
  const r = spawnSync(QEMU, ["-version"], { encoding: "utf8" });
  return r.status === 0;
}

/** The code bytes of a test as little-endian words (Thumb: halfwords in order, zero-padded). */
export function codeWords(t) {
  if (!t.thumb) return t.words;
  const h = new Uint16Array(t.words.length + 1);
  h.set(t.words);
  return Array.from(new Uint32Array(h.buffer, 0, h.length >>> 1));
}

function encodeBatch(tests) {
  const buf = new Uint32Array(tests.length * RECORD_WORDS);
  tests.forEach((t, k) => {
    const o = k * RECORD_WORDS;
    const code = codeWords(t);
    buf[o] = k; buf[o + 1] = t.nbytes; buf[o + 2] = t.apsr; buf[o + 3] = t.scratchSeed;
    for (let j = 0; j < 15; j++) buf[o + 4 + j] = t.regs[j];
    buf[o + 19] = t.fpscr; buf[o + 20] = t.thumb ? 1 : 0;
    for (let j = 0; j < 64; j++) buf[o + IN_D + j] = t.d[j];
    for (let j = 0; j < code.length; j++) buf[o + IN_CODE + j] = code[j];
  });
  return Buffer.from(buf.buffer);
}

// One harness process over `input`; resolves with what it wrote and how it ended.
function harness(input, timeoutMs) {
  return new Promise((resolve) => {
    const p = spawn(QEMU, ["-cpu", "cortex-a8", HARNESS], { stdio: ["pipe", "pipe", "pipe"] });
    const out = [], err = [];
    let timedOut = false, spawnError = null;
    const timer = setTimeout(() => { timedOut = true; p.kill("SIGKILL"); }, timeoutMs);
    p.stdout.on("data", (b) => out.push(b));
    p.stderr.on("data", (b) => err.push(b));
    p.stdin.on("error", () => {}); // EPIPE when a test kills the harness early
    p.on("error", (e) => { spawnError = e; });
    p.on("close", (status, signal) => {
      clearTimeout(timer);
      resolve({ stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString(), status, signal, timedOut, spawnError });
    });
    p.stdin.end(input);
  });
}

// The harness catches SIGILL, SIGBUS and SIGSEGV and reports them with the faulting pc; vm7.mjs
// describes UNDEF and abort exceptions with the same words.
function faultStatus(signo, pc) {
  if (signo === 0) return "ok";
  const at = "0x" + (pc >>> 0).toString(16).padStart(8, "0");
  if (signo === 4) return `undefined instruction at ${at}`;
  if (signo === 7 || signo === 11) return `abort at ${at}`;
  return `signal ${signo} at ${at}`;
}

/** Results in test order: { status, regs, apsr (CPSR_MASK bits), fpscr, d[64] (D0-D31 lo, hi), mem: Map(offset -> word) }. `jobs` harness
 *  processes share the batch. */
export async function runQemu(tests, jobs = 2) {
  if (jobs > 1 && tests.length >= 64) {
    const per = Math.ceil(tests.length / jobs);
    const parts = await Promise.all(Array.from({ length: jobs }, (_, k) => runQemu(tests.slice(k * per, (k + 1) * per), 1)));
    return parts.flat();
  }
  const results = [];
  while (results.length < tests.length) {
    const rest = tests.slice(results.length);
    // A sequence that never reaches its end (a generator bug) hangs the harness: the timeout
    // kills it and the test after the last result is reported as the culprit.
    const p = await harness(encodeBatch(rest), 20_000 + 2 * rest.length);
    if (p.spawnError) throw new Error(`cannot run ${QEMU}: ${p.spawnError.message}`);
    const out = p.stdout;
    const w = new Uint32Array(out.buffer, out.byteOffset, out.length >>> 2);
    let o = 0;
    const before = results.length;
    while (o + OUT_ND + 1 <= w.length) {
      const nd = w[o + OUT_ND];
      if (o + OUT_ND + 1 + 2 * nd > w.length) break;
      if (w[o] !== results.length - before) throw new Error(`qemu harness: result ${w[o]} out of order`);
      const mem = new Map();
      for (let k = 0; k < nd; k++) mem.set(w[o + OUT_ND + 1 + 2 * k], w[o + OUT_ND + 2 + 2 * k]);
      results.push({
        status: faultStatus(w[o + 1], w[o + 2]), regs: Array.from(w.subarray(o + 3, o + 18)), apsr: (w[o + 18] & CPSR_MASK) >>> 0,
        fpscr: w[o + 19], d: Array.from(w.subarray(o + OUT_D, o + OUT_D + 64)), mem,
      });
      o += OUT_ND + 1 + 2 * nd;
    }
    if (results.length < tests.length && (p.status !== 0 || p.signal)) {
      const why = p.timedOut ? "timed out (the sequence never reached its end)" : p.signal ? `signal ${p.signal}` : `exit ${p.status}`;
      const msg = p.stderr.trim().split("\n")[0];
      results.push({ status: `qemu died: ${why}${msg ? ` (${msg})` : ""}`, regs: [], apsr: 0, fpscr: 0, d: [], mem: new Map() });
    } else if (results.length < tests.length && results.length === before) {
      throw new Error(`qemu harness produced no results (exit ${p.status}): ${p.stderr}`);
    }
  }
  return results;
}
