// `npm install vm7` gives a vm7 that works like the checkout: pack this checkout, install the tarball
// into an empty project without the network, and run the package's commands and the README's API
// example from there. Every step is an asynchronous child process, so the test worker's event loop
// stays free (a worker that blocks it for long loses its connection to vitest).
//
// The tarball is packed with --ignore-scripts: `npm test` has just built (pretest), which is what the
// package's prepack step does (checked below). Its dependencies come from npm's local cache (--offline);
// where the cache lacks them, from the copies this checkout installed (packed the same way); where
// neither works the tests are skipped with the reason.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = join(import.meta.dirname, "..");
const pkg = JSON.parse(await readFile(join(root, "package.json"), "utf8"));

interface Ran { out: string; err: string; status: number | null }
/** Runs a command asynchronously; never rejects (the status says how it went). */
function run(cmd: string, args: string[], opts: { cwd?: string; timeout?: number; env?: NodeJS.ProcessEnv } = {}): Promise<Ran> {
  return new Promise((res) => {
    execFile(cmd, args, { cwd: opts.cwd, timeout: opts.timeout ?? 120_000, env: opts.env ?? process.env, maxBuffer: 64 << 20, encoding: "utf8" },
      (e, out, err) => res({ out, err, status: e ? (typeof e.code === "number" ? e.code : null) : 0 }));
  });
}
const npm = (args: string[], cwd: string) => run("npm", ["--no-audit", "--no-fund", "--no-update-notifier", ...args], { cwd, timeout: 120_000 });

let tmp = "";
let proj = "";
let tarball = "";
let packed: { files: Array<{ path: string; size: number }>; size: number; unpackedSize: number } | undefined;
let unavailable = "";

/** The installed package's command, as `npx vm7` runs it. */
const vm7 = (args: string[], timeout = 120_000) => run(process.execPath, [join(proj, "node_modules/vm7/bin/vm7.js"), ...args], { cwd: proj, timeout });

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "vm7-pack-"));
  const p = await npm(["pack", "--ignore-scripts", "--json", "--pack-destination", tmp], root);
  if (p.status !== 0) throw new Error(`npm pack failed (${p.status}):\n${p.err}`);
  const info = JSON.parse(p.out)[0];
  packed = info;
  tarball = join(tmp, info.filename);
  proj = join(tmp, "project");
  await mkdir(proj);
  await writeFile(join(proj, "package.json"), JSON.stringify({ name: "uses-vm7", version: "1.0.0", private: true, type: "module" }, null, 2));
  let i = await npm(["install", "--offline", tarball], proj);
  let how = "dependencies from npm's cache";
  if (i.status !== 0) {
    how = "dependencies packed from the checkout's node_modules (npm's cache lacks them)";
    // The cache lacks a dependency: take the checkout's installed copies instead (no network either).
    const deps = Object.keys(pkg.dependencies ?? {});
    const tgz: string[] = [];
    for (const d of deps) {
      const dp = await npm(["pack", "--ignore-scripts", "--json", "--pack-destination", tmp, join(root, "node_modules", d)], root);
      if (dp.status !== 0) { unavailable = `dependency ${d} is neither in npm's cache nor installed in the checkout: ${i.err.split("\n").find((l) => /ERR/.test(l)) ?? i.err}`; break; }
      tgz.push(join(tmp, JSON.parse(dp.out)[0].filename));
    }
    if (!unavailable) {
      i = await npm(["install", "--offline", ...tgz, tarball], proj);
      if (i.status !== 0) unavailable = `npm install --offline failed: ${i.err.trim().split("\n").slice(-3).join(" ")}`;
    }
  }
  process.stderr.write(unavailable ? `package.test: SKIPPED: ${unavailable}\n` : `package.test: installed ${info.filename} offline, ${how}\n`);
}, 240_000);

afterAll(async () => { if (tmp) await rm(tmp, { recursive: true, force: true }); });

describe("the npm package", () => {
  it("is built by prepack and carries what the commands and the API use at run time, not sources, tests or tools", () => {
    expect(pkg.scripts.prepack).toMatch(/npm run build\b/);
    const files = new Set(packed!.files.map((f) => f.path));
    for (const f of [
      "package.json", "README.md", "bin/vm7.js", "dist/index.js", "dist/index.d.ts", "dist/cli/main.js", "build/vm7-core.wasm",
      "fixtures/hello/hello.elf", "fixtures/kernel/kernel.elf", "fixtures/kernel/kernel-para.elf", "fixtures/linux/board.dtb",
      "bench/workloads/a32mix.elf", "bench/workloads/t32mix.elf", "bench/linux/bin/vm7bench", "bench/linux/bin/true",
    ]) expect(files, f).toContain(f);
    const unwanted = [...files].filter((f) => /^(src|test|tools|assembly|docs)\/|\.(ts|c|S|ld|sh|map|dts|inc)$/.test(f) && !f.endsWith(".d.ts"));
    expect(unwanted).toEqual([]);
    process.stderr.write(`package.test: ${packed!.files.length} files, ${(packed!.size / 1024).toFixed(0)} KiB packed, ${(packed!.unpackedSize / 1024).toFixed(0)} KiB unpacked\n`);
  });
});

describe.concurrent("vm7 installed from the tarball (no network)", () => {
  it("vm7 --version and -V: the package version and the core's build identity", async ({ skip }) => {
    if (unavailable) skip();
    const sha = createHash("sha256").update(await readFile(join(root, "build/vm7-core.wasm"))).digest("hex").slice(0, 12);
    for (const flag of ["--version", "-V"]) {
      const r = await vm7([flag]);
      expect(r.status, r.err).toBe(0);
      expect(r.out).toMatch(new RegExp(`^vm7 ${pkg.version.replace(/\./g, "\\.")}\\n`));
      expect(r.out).toContain(`sha256 ${sha}`);
    }
  }, 60_000);

  it("vm7 run hello, vm7 run --list; a file of that name in the working directory wins", async ({ skip }) => {
    if (unavailable) skip();
    const r = await vm7(["run", "hello"]);
    expect(r.status, r.err).toBe(0);
    expect(r.out).toMatch(/hello/i);
    expect(r.err).toMatch(/^vm7: guest exited with status 0 after \d+ instructions\n$/);
    const l = await vm7(["run", "--list"]);
    expect(l.status, l.err).toBe(0);
    const names = l.out.trim().split("\n").map((s) => s.split(/\s+/)[0]);
    expect(names).toEqual(expect.arrayContaining(["hello", "kernel", "kernel-para"]));
    await writeFile(join(proj, "hello"), "not an image");
    const w = await vm7(["run", "hello"]);
    expect(w.status).toBe(2);
    expect(w.err).toMatch(/^vm7: hello: not an ELF file/);
    await rm(join(proj, "hello"));
  }, 60_000);

  it("vm7 bench --quick --modes native,full,para", async ({ skip }) => {
    if (unavailable) skip();
    const r = await vm7(["bench", "--quick", "--modes", "native,full,para"], 180_000);
    expect(r.status, r.err).toBe(0);
    expect(r.out).toMatch(/quick suites of node_modules\/vm7\/fixtures\/kernel\/kernel\.elf and node_modules\/vm7\/fixtures\/kernel\/kernel-para\.elf in native, full, para mode/);
    for (const mode of ["native", "full", "para"]) expect(r.out).toMatch(new RegExp(`^dhrystone\\s+${mode}\\s`, "m"));
  }, 180_000);

  it("vm7 linux --exec 'uname -r' (where the Linux packages can be fetched)", async ({ skip }) => {
    if (unavailable) skip();
    const r = await vm7(["linux", "--exec", "uname -r", "--max-insns", "3e9"], 300_000);
    if (r.status === 69) { process.stderr.write(`package.test: vm7 linux SKIPPED: ${r.err.trim().split("\n").pop()}\n`); skip(); }
    expect(r.status, r.err).toBe(0);
    expect(r.out).toMatch(/^6\.1\.0-\d+-armmp\n$/);
  }, 300_000);

  it("the README's API example: its types check with tsc in the project, and it runs", async ({ skip }) => {
    if (unavailable) skip();
    const readme = await readFile(join(root, "README.md"), "utf8");
    const m = /## Using it from code\n[\s\S]*?```js\n([\s\S]*?)```/.exec(readme);
    expect(m, "README.md: no js block under '## Using it from code'").not.toBeNull();
    expect(m![1]).toMatch(/from "vm7"/);
    await writeFile(join(proj, "example.mjs"), m![1]);
    await writeFile(join(proj, "tsconfig.json"), JSON.stringify({
      compilerOptions: {
        target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, noEmit: true,
        allowJs: true, checkJs: true, typeRoots: [join(root, "node_modules/@types")], types: ["node"],
      },
      files: ["example.mjs"],
    }));
    const tsc = join(root, "node_modules/typescript/bin/tsc");
    expect(existsSync(tsc), "typescript is a devDependency of the checkout").toBe(true);
    const t = await run(process.execPath, [tsc, "-p", proj], { cwd: proj });
    expect(t.out + t.err).toBe("");
    expect(t.status).toBe(0);
    const r = await run(process.execPath, ["example.mjs"], { cwd: proj });
    expect(r.status, r.err).toBe(0);
    expect(r.out).toMatch(/guest exited with status 0/);
  }, 60_000);
});
