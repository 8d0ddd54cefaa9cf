#!/usr/bin/env node
// Guest MIPS in Chromium next to Node's, on the same workload (bench/workloads/<name>.elf, default
// a32mix and t32mix): Node runs it as `vm7 bench --mips` does (one warm-up, best of --repeat); the
// browser runs it in the web page (a Web Worker, as a user's own ELF), warm-up and best of --repeat,
// reading the instruction count and host seconds the page shows. Alternates Node and Chromium rounds
// so that other load on the host hits both alike.
//   node tools/web-mips.mjs [--repeat N] [--rounds N] [name...]     (needs npm run build, /usr/bin/chromium)
import { spawn } from "node:child_process";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { readFileSync } from "node:fs";
import { chromium } from "playwright-core";
import { bestOf, workloadsDir } from "../dist/bench/workloads.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const opt = (name, def) => { const i = args.indexOf(name); if (i < 0) return def; const v = Number(args[i + 1]); args.splice(i, 2); return v; };
const repeat = opt("--repeat", 3), rounds = opt("--rounds", 2);
const names = args.length ? args : ["a32mix", "t32mix"];

const server = spawn(process.execPath, [join(root, "bin", "vm7.js"), "web", "--port", "0", "--no-linux"], { stdio: ["ignore", "pipe", "inherit"] });
const base = await new Promise((res) => { let out = ""; server.stdout.on("data", (b) => { out += b; const m = /^(http:\S+)\n/m.exec(out); if (m) res(m[1]); }); });
const browser = await chromium.launch({ executablePath: process.env.VM7_CHROMIUM ?? "/usr/bin/chromium", args: process.getuid?.() === 0 ? ["--no-sandbox"] : [] });
const page = await browser.newPage();
await page.goto(base);
await page.waitForFunction(() => document.getElementById("status").textContent === "ready");

async function browserRun(name) {
  await page.setInputFiles("#file-input", { name: `${name}.elf`, mimeType: "application/octet-stream", buffer: readFileSync(join(workloadsDir, `${name}.elf`)) });
  await page.click("#start");
  await page.waitForSelector("#stopped:not([hidden])", { timeout: 300_000 });
  const fig = async (k) => Number((await page.textContent(`#figures dd[data-figure="${k}"]`)).replace(/,/g, ""));
  const insns = await fig("instructions"), seconds = await fig("host seconds");
  return { insns, seconds, mips: insns / seconds / 1e6, line: await page.textContent("#stopped-line") };
}
function browserBest(name) {
  return (async () => {
    await browserRun(name);
    let best;
    for (let k = 0; k < repeat; k++) { const r = await browserRun(name); if (!best || r.mips > best.mips) best = r; }
    return best;
  })();
}

const ua = await browser.version();
console.log(`guest MIPS, Node ${process.version} vs Chromium ${ua} (best of ${repeat} after a warm-up; ${rounds} alternating rounds)`);
for (const name of names) {
  for (let r = 0; r < rounds; r++) {
    const n = bestOf(name, repeat);
    const b = await browserBest(name);
    console.log(`${name.padEnd(8)} round ${r + 1}: Node ${n.mips.toFixed(1)} MIPS (${n.insns} insns), Chromium ${b.mips.toFixed(1)} MIPS (${b.insns} insns): ${(b.mips / n.mips).toFixed(2)}x`);
  }
}
await browser.close();
server.kill();
