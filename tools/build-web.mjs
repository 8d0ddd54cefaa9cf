#!/usr/bin/env node
// `npm run web`: bundles the web page (web/src, with the emulator's host code from src/ and xterm) into
// web/dist, a static site: index.html, page.js, worker.js, the core's vm7-core.wasm, and the bundled
// images (hello, the tiny kernel and its para build, the board DTB). `vm7 web` serves it, with Debian's
// Linux beside it; any static server serves the rest. esbuild maps src/machine/host.js to its browser
// twin through package.json's "browser" field.
import { build } from "esbuild";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "web", "dist");
const core = join(root, "build", "vm7-core.wasm");
if (!existsSync(core)) {
  console.error(`build-web: ${core} is missing: run 'npm run build:core' (or 'npm run build') first`);
  process.exit(2);
}
// esbuild does not type-check: tsc does, with the DOM's types (and Node's, for src/machine/host.ts, which the
// bundle swaps out: esbuild, bundling for the browser, refuses any node: import that would remain).
const tsc = spawnSync(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", join(root, "web", "tsconfig.json")], { stdio: "inherit" });
if (tsc.status !== 0) process.exit(1);

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, "images"), { recursive: true });
const common = { bundle: true, platform: "browser", target: "es2022", sourcemap: "linked", logLevel: "warning", legalComments: "none" };
await build({ ...common, entryPoints: [join(root, "web", "src", "page.ts")], outfile: join(out, "page.js"), format: "esm" });
await build({ ...common, entryPoints: [join(root, "web", "src", "worker.ts")], outfile: join(out, "worker.js"), format: "iife" });
const copies = [
  ["web/index.html", "index.html"], ["web/style.css", "style.css"],
  ["node_modules/@xterm/xterm/css/xterm.css", "xterm.css"], ["build/vm7-core.wasm", "vm7-core.wasm"],
  ["fixtures/hello/hello.elf", "images/hello.elf"], ["fixtures/kernel/kernel.elf", "images/kernel.elf"],
  ["fixtures/kernel/kernel-para.elf", "images/kernel-para.elf"], ["fixtures/linux/board.dtb", "images/board.dtb"],
];
for (const [from, to] of copies) copyFileSync(join(root, from), join(out, to));
console.log(`build-web: wrote ${out}`);
