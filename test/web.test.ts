// The web page in a real browser: Debian's Chromium, headless, driven through playwright-core, against
// `vm7 web` (a child process, so that fetching Linux or serving never blocks this worker). Skipped with
// the reason where there is no Chromium (VM7_CHROMIUM names another binary) or no built page.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { spawn, execFile, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { buildElf, words } from "./helpers/elf.js";
import type { Browser, Page } from "playwright-core";

const root = join(import.meta.dirname, "..");
const chromiumPath = process.env.VM7_CHROMIUM ?? "/usr/bin/chromium";
let unavailable = "";
if (!existsSync(chromiumPath)) unavailable = `no Chromium at ${chromiumPath} (Debian package chromium; or set VM7_CHROMIUM)`;
else if (!existsSync(join(root, "web", "dist", "index.html"))) unavailable = "the page is not built (npm run web)";
if (unavailable) process.stderr.write(`web.test: SKIPPED: ${unavailable}\n`);

const run = promisify(execFile);
let server: ChildProcess | undefined;
let base = "";
let browser: Browser | undefined;
let linuxVersion = "";

/** The page at `query`, with console and page errors collected. */
async function open(query: string, init?: () => void): Promise<{ page: Page; errors: string[] }> {
  const page = await browser!.newPage({ viewport: { width: 1400, height: 900 } });
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  if (init) await page.addInitScript(init);
  await page.goto(base + query);
  return { page, errors };
}
const transcript = (page: Page) => page.evaluate(() => document.getElementById("console-text")!.textContent ?? "");
const stoppedLine = async (page: Page) => {
  await page.waitForSelector("#stopped:not([hidden])", { timeout: 90_000 });
  return (await page.textContent("#stopped-line")) ?? "";
};

describe.skipIf(unavailable !== "")("vm7 in the browser (headless Chromium)", () => {
  beforeAll(async () => {
    server = spawn(process.execPath, [join(root, "bin", "vm7.js"), "web", "--port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    server.stderr!.on("data", (b) => { err += b; });
    base = await new Promise<string>((res, rej) => {
      let out = "";
      server!.stdout!.on("data", (b) => { out += b; const m = /^(http:\S+)\n/m.exec(out); if (m) res(m[1]); });
      server!.once("exit", (code) => rej(new Error(`vm7 web exited with ${code}: ${err}`)));
    });
    const manifest = await (await fetch(base + "linux/manifest.json")).json() as { version?: string; error?: string };
    linuxVersion = manifest.version ?? "";
    if (!linuxVersion) process.stderr.write(`web.test: the Linux test is SKIPPED: ${manifest.error}\n`);
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({ executablePath: chromiumPath, args: process.getuid?.() === 0 ? ["--no-sandbox"] : [] });
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    server?.kill();
  });

  it("hello prints its greeting, with the instruction count vm7 run reports", async () => {
    const { page, errors } = await open("?boot=hello");
    expect(await stoppedLine(page)).toBe("guest exited with status 0 after 2904 instructions");
    expect(await transcript(page)).toContain("Hello from vm7! An ARMv7-A Cortex-A8");
    expect(await page.inputValue("#engine")).toBe("jit"); // the Machine API's default when the address names none
    expect(await page.isHidden("#error")).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  for (const mode of ["native", "full", "para"]) {
    it(`the tiny kernel's self-test passes in ${mode} mode: the same output and instruction count as vm7 run`, async () => {
      const image = join(root, "fixtures", "kernel", mode === "para" ? "kernel-para.elf" : "kernel.elf");
      const cli = run(process.execPath, [join(root, "bin", "vm7.js"), "run", "--mode", mode, image], { maxBuffer: 1 << 24 });
      const { page, errors } = await open(`?boot=kernel&mode=${mode}`);
      const line = await stoppedLine(page);
      const text = await transcript(page);
      expect(text).toMatch(/kernel selftest: \d+ passed, 0 failed/);
      expect(line).toMatch(/^guest exited with status 0 after \d+ instructions$/);
      const { stdout, stderr } = await cli;
      expect(stderr).toContain(`vm7: ${line}`);
      expect(text).toBe(stdout.replace(/\r/g, ""));
      if (mode !== "native") expect(Number((await page.textContent('#figures dd[data-figure="traps"]'))!.replace(/,/g, ""))).toBeGreaterThan(1000);
      if (mode === "para") expect(Number((await page.textContent('#figures dd[data-figure="hypercalls"]'))!.replace(/,/g, ""))).toBeGreaterThan(1000);
      expect(errors).toEqual([]);
      await page.close();
    }, 90_000);
  }

  // The JIT in the browser: the worker compiles blocks with WebAssembly.Module/Instance synchronously
  // and puts them in the core's table, as in Node; the page offers the engine and the run is the same.
  it("the JIT engine is offered and runs the tiny kernel's self-test to the same output and instruction count as vm7 run", async () => {
    const image = join(root, "fixtures", "kernel", "kernel.elf");
    const cli = run(process.execPath, [join(root, "bin", "vm7.js"), "run", "--engine", "interp", image], { maxBuffer: 1 << 24 });
    const { page, errors } = await open("?boot=kernel&engine=jit");
    const line = await stoppedLine(page);
    expect(await page.$$eval("#engine option", (os) => os.map((o) => (o as HTMLOptionElement).value))).toEqual(["interp", "jit"]);
    expect(await page.inputValue("#engine")).toBe("jit");
    const text = await transcript(page);
    expect(text).toMatch(/kernel selftest: \d+ passed, 0 failed/);
    const { stdout, stderr } = await cli;
    expect(stderr).toContain(`vm7: ${line}`);
    expect(text).toBe(stdout.replace(/\r/g, ""));
    expect(errors).toEqual([]);
    await page.close();
  }, 90_000);

  it("Debian's Linux boots to the shell and answers uname -r typed into the terminal, and a pasted line", async (ctx) => {
    if (!linuxVersion) ctx.skip();
    const { page, errors } = await open("?boot=linux");
    await page.waitForFunction(() => /vm7:[^\n]*# $/.test(document.getElementById("console-text")!.textContent ?? ""), null, { timeout: 120_000 });
    await page.click("#terminal");
    await page.keyboard.type("uname -r\n");
    await page.waitForFunction(() => /uname -r\n6\.1\.0-\d+-armmp\n/.test(document.getElementById("console-text")!.textContent ?? ""), null, { timeout: 30_000 });
    // The release is the one the page says it booted (linux-image-<release>_<version>).
    const release = /\n(6\.1\.0-\d+-armmp)\n/.exec(await transcript(page))![1];
    expect(linuxVersion).toContain(`linux-image-${release}_`);
    // A paste reaches the guest like typing (the shell computes 6*7, so the echo of the line is not the answer).
    await page.evaluate(() => {
      const dt = new DataTransfer();
      dt.setData("text/plain", "echo pasted-$((6*7))\n");
      document.querySelector(".xterm-helper-textarea")!.dispatchEvent(new ClipboardEvent("paste", { clipboardData: dt, bubbles: true, cancelable: true }));
    });
    await page.waitForFunction(() => /\npasted-42\n/.test(document.getElementById("console-text")!.textContent ?? ""), null, { timeout: 30_000 });
    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);

  it("the bench suites run in native, full and para mode: vm7 bench's table and chart", async () => {
    const { page, errors } = await open("?bench=quick");
    await page.waitForSelector("#bench[data-done]", { timeout: 120_000 });
    const table = (await page.textContent("#bench-table"))!;
    expect(table).toMatch(/^benchmark\s+mode\s+value\s+unit\s+x native\s+guest insns\s+host s\s+host x\s+guest MIPS\s+traps\s+hypercalls\s+shadow fills$/m);
    for (const mode of ["native", "full", "para"]) expect(table).toMatch(new RegExp(`^lat_syscall_null\\s+${mode}\\s`, "m"));
    expect(table).toMatch(/^\(total\)\s+para\s/m);
    // 15 benchmarks x 3 modes, each a bar of the chart src/bench/chart.ts draws.
    expect(await page.locator("#bench-chart svg rect.bar").count()).toBe(45);
    expect(errors).toEqual([]);
    await page.close();
  }, 150_000);

  it("says in the page what failed (a file that is no image, a broken ELF, a guest that stops, no WebAssembly); a dropped file boots", async () => {
    const { page, errors } = await open("");
    await page.waitForFunction(() => document.getElementById("status")!.textContent === "ready");
    await page.setInputFiles("#file-input", { name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("not an image\n") });
    await page.click("#start");
    await expect.poll(() => page.textContent("#error")).toMatch(/^notes\.txt: not a bootable image: vm7 boots an ELF .* this file starts 6e 6f 74 20/);
    // ELF magic, then nonsense: the loader's own message.
    await page.setInputFiles("#file-input", { name: "broken.elf", mimeType: "application/octet-stream", buffer: Buffer.from([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1, 0, ...new Array(40).fill(0)]) });
    await page.click("#start");
    await expect.poll(() => page.textContent("#error")).toMatch(/^broken\.elf: /);
    // A guest whose vectors fault: the stop reason and the registers, as vm7 run prints them.
    const fatal = buildElf({ entry: 0x80008000, segments: [{ paddr: 0x80008000, data: words(0xe3a0f000 /* mov pc, #0 */) }] });
    await page.setInputFiles("#file-input", { name: "fatal.elf", mimeType: "application/octet-stream", buffer: Buffer.from(fatal) });
    await page.click("#start");
    await expect.poll(() => page.textContent("#error")).toMatch(/^the guest stopped: stopped: guest stopped: exception loop/);
    expect(await page.textContent("#regs")).toMatch(/r15=/);
    // A file dropped on the page boots like a picked one.
    const hello = await page.evaluateHandle((bytes) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(bytes)], "dropped.elf"));
      return dt;
    }, Array.from(readFileSync(join(root, "fixtures", "hello", "hello.elf"))));
    await page.dispatchEvent("#drop", "drop", { dataTransfer: hello });
    await page.click("#start");
    expect(await stoppedLine(page)).toBe("guest exited with status 0 after 2904 instructions");
    expect(await page.isHidden("#error")).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
    const noWasm = await open("?boot=hello", () => { delete (globalThis as { WebAssembly?: unknown }).WebAssembly; });
    await expect.poll(() => noWasm.page.textContent("#error")).toMatch(/has no WebAssembly/);
    await noWasm.page.close();
  }, 60_000);
});
