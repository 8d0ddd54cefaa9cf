// Child processes for the tests, run without blocking the test worker. A vitest worker whose event
// loop is blocked for a minute (a spawnSync of a Linux boot, a fixture rebuild, a package download)
// loses its RPC link to the main process and the run fails with `Timeout calling "onTaskUpdate"`,
// even when every test passed: anything that can take seconds runs through here instead.
import { spawn } from "node:child_process";
import { join } from "node:path";

export const ROOT = join(import.meta.dirname, "..", "..");
export const VM7 = join(ROOT, "bin", "vm7.js");

export interface Ran { stdout: string; stderr: string; status: number | null; signal: NodeJS.Signals | null }

export interface RunOptions {
  /** Bytes for stdin (default: none, stdin closed at once). */
  input?: string | Uint8Array;
  /** Kill the process (SIGKILL) after this long; status is then null, as with spawnSync's timeout. */
  timeoutMs?: number;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Called with each complete line the process writes on stderr, as it comes (progress lines). */
  onStderrLine?: (line: string) => void;
}

/** Runs `cmd` to its end; never rejects (a command that cannot start gives status null and its error on stderr). */
export function run(cmd: string, args: string[], o: RunOptions = {}): Promise<Ran> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { cwd: o.cwd, env: o.env, stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [], err: Buffer[] = [];
    let partial = "";
    p.stdout.on("data", (b: Buffer) => out.push(b));
    p.stderr.on("data", (b: Buffer) => {
      err.push(b);
      if (!o.onStderrLine) return;
      const lines = (partial + b.toString("utf8")).split("\n");
      partial = lines.pop() ?? "";
      for (const l of lines) o.onStderrLine(l);
    });
    let spawnError = "";
    p.on("error", (e) => { spawnError = `${cmd}: ${e.message}\n`; });
    const timer = o.timeoutMs !== undefined ? setTimeout(() => p.kill("SIGKILL"), o.timeoutMs) : undefined;
    p.on("close", (status, signal) => {
      if (timer) clearTimeout(timer);
      if (o.onStderrLine && partial) o.onStderrLine(partial);
      resolve({ stdout: Buffer.concat(out).toString("utf8"), stderr: spawnError + Buffer.concat(err).toString("utf8"), status, signal });
    });
    p.stdin.on("error", () => { /* the process may exit before reading its input */ });
    p.stdin.end(o.input ?? "");
  });
}

/** `node bin/vm7.js args...` (the CLI as a user runs it). */
export function vm7(args: string[], o: RunOptions = {}): Promise<Ran> {
  return run(process.execPath, [VM7, ...args], o);
}

/** Lets the worker's event loop run (vitest's RPC among it) between the steps of a long in-process test. */
export function breathe(): Promise<void> { return new Promise((res) => setImmediate(res)); }
