// The page: what to boot, in which mode, the terminal on UART3, the live figures, the benchmark table
// and chart. The emulator itself runs in a Web Worker (worker.ts); this side only draws and forwards.
import { Terminal } from "@xterm/xterm";
import { FitAddon } from "@xterm/addon-fit";
import { resultsTable, rateResults, grouped } from "../../src/bench/report.js";
import { ratioChart, el, text } from "../../src/bench/chart.js";
import { BENCHMARK_NAMES, type SuiteResult, type SuiteRun } from "../../src/bench/runner.js";
import { isElf } from "../../src/loaders/elf.js";
import { isZImage } from "../../src/loaders/zimage.js";
import { isFdt } from "../../src/loaders/fdt.js";
import { buildInitramfs, execMarkers, parseExecOutput, type ExecMarkers } from "../../src/linux/initramfs.js";
import { linuxAppend } from "../../src/linux/boot.js";
import type { Boot, Clock, FromWorker, MachineChoice, Mode, ToWorker } from "./protocol.js";

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);

// --- errors and status ----------------------------------------------------------------------------------
function showError(msg: string): void { const e = $("error"); e.textContent = msg; e.hidden = false; }
function clearError(): void { const e = $("error"); e.textContent = ""; e.hidden = true; }
const setStatus = (s: string) => { $("status").textContent = s; };

// --- the terminal ---------------------------------------------------------------------------------------
// convertEol: a guest that ends lines with a bare LF (the tiny kernel) reads as it does on a host terminal,
// whose tty turns LF into CR LF; Linux's CR LF is unchanged by it.
const term = new Terminal({ convertEol: true, cursorBlink: true, fontSize: 13, scrollback: 5000, theme: { background: "#000000" } });
const fit = new FitAddon();
term.loadAddon(fit);
term.open($("terminal"));
fit.fit();
new ResizeObserver(() => fit.fit()).observe($("terminal"));
const enc = new TextEncoder();
// Keys and pastes (xterm delivers both through onData) go to UART3's receiver.
term.onData((d) => worker?.postMessage({ type: "input", bytes: enc.encode(d) } satisfies ToWorker));

/** The console's text, without terminal escapes, for tests and screen readers (and --exec output). */
let transcript = "";
const TRANSCRIPT_MAX = 1 << 20;
const consoleText = $("console-text");
let textDecoder = new TextDecoder();
function consoleOut(bytes: Uint8Array): void {
  term.write(bytes);
  const s = textDecoder.decode(bytes, { stream: true });
  transcript += s;
  if (transcript.length > TRANSCRIPT_MAX) transcript = transcript.slice(-TRANSCRIPT_MAX / 2);
  consoleText.append(s.replace(/\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][0-9A-Za-z]|\r/g, ""));
  if (consoleText.textContent!.length > TRANSCRIPT_MAX) consoleText.textContent = consoleText.textContent!.slice(-TRANSCRIPT_MAX / 2);
  if (exec) checkExec();
}

// --- the core and the worker ----------------------------------------------------------------------------
let core: WebAssembly.Module | undefined;
let worker: Worker | undefined;
let workerFresh = false;
let available: Mode[] = ["native"];
let engines: string[] = ["interp"];

async function compileCore(): Promise<WebAssembly.Module> {
  const res = await fetch("vm7-core.wasm");
  if (!res.ok) throw new Error(`vm7-core.wasm: cannot load the emulator core (HTTP ${res.status})`);
  // compileStreaming wants the application/wasm type, which not every static server sends.
  return WebAssembly.compile(await res.arrayBuffer());
}

function newWorker(onMessage: (m: FromWorker) => void): Worker {
  const w = new Worker("worker.js");
  w.onmessage = (ev: MessageEvent<FromWorker>) => onMessage(ev.data);
  w.onerror = (ev) => { showError(`the emulator stopped with an error: ${ev.message}`); setRunning("idle"); };
  return w;
}

/** A worker for the next run: the one that answered the probe if it is still unused, else a new one. */
function runWorker(): Worker {
  if (worker && workerFresh) { workerFresh = false; return worker; }
  worker?.terminate();
  worker = newWorker(onRunMessage);
  workerFresh = false;
  return worker;
}

// --- what to boot ---------------------------------------------------------------------------------------
interface LinuxManifest { version: string; textOffset: number; image: string; busybox: string; programs: Record<string, string> }
let linux: LinuxManifest | undefined;
let userFiles: File[] = [];

const MODES_OF: Record<string, Mode[]> = { hello: ["native", "full"], kernel: ["native", "full", "para"], linux: ["native", "full"] };
const bootChoice = () => (document.querySelector<HTMLInputElement>('input[name="boot"]:checked')?.value ?? "hello");

async function fetchBytes(path: string, what: string): Promise<Uint8Array> {
  let res: Response;
  try { res = await fetch(path); } catch (e) { throw new Error(`${what}: cannot load ${path} (${(e as Error).message})`); }
  if (!res.ok) throw new Error(`${what}: cannot load ${path} (HTTP ${res.status} ${res.statusText})`);
  return new Uint8Array(await res.arrayBuffer());
}

type Kind = "elf" | "zimage" | "dtb" | "initrd";
function kindOf(b: Uint8Array): Kind {
  if (isElf(b)) return "elf";
  if (isZImage(b)) return "zimage";
  if (isFdt(b)) return "dtb";
  return "initrd";
}

async function classifyFiles(): Promise<Array<{ file: File; bytes: Uint8Array; kind: Kind }>> {
  return Promise.all(userFiles.map(async (file) => {
    const bytes = new Uint8Array(await file.arrayBuffer());
    return { file, bytes, kind: kindOf(bytes) };
  }));
}

async function userModes(): Promise<Mode[]> {
  const files = await classifyFiles();
  return files.some((f) => f.kind === "elf") ? ["native", "full", "para"] : ["native", "full"];
}

async function refreshModes(): Promise<void> {
  const b = bootChoice();
  const want = b === "files" ? await userModes() : MODES_OF[b];
  const sel = $<HTMLSelectElement>("mode"), keep = sel.value;
  sel.replaceChildren(...want.map((m) => {
    const o = new Option(m === "native" ? "native" : m === "full" ? "full (trap and emulate)" : "para (hypercalls)", m);
    o.disabled = !available.includes(m);
    return o;
  }));
  if (want.includes(keep as Mode)) sel.value = keep;
  const exec = $("exec-label"), input = $<HTMLInputElement>("exec");
  exec.textContent = b === "linux" ? "Command" : "Arguments";
  input.placeholder = b === "linux" ? "run once, e.g. uname -a" : b === "kernel" ? "e.g. bench quick" : "command-line arguments";
}

/** The chosen image as a Boot message, plus the semihosting command line `vm7 run` would give it. */
async function makeBoot(clock: Clock, cpuHz: number): Promise<{ boot: Boot; cmdline: string; markers?: ExecMarkers }> {
  const b = bootChoice(), mode = $<HTMLSelectElement>("mode").value as Mode;
  const args = $<HTMLInputElement>("exec").value.trim();
  const cmd = (name: string) => args ? `${name} ${args}` : name;
  if (b === "hello" || b === "kernel") {
    const file = b === "hello" ? "hello.elf" : mode === "para" ? "kernel-para.elf" : "kernel.elf";
    return { boot: { kind: "elf", name: file, bytes: await fetchBytes(`images/${file}`, file) }, cmdline: cmd(file) };
  }
  if (b === "linux") {
    if (!linux) throw new Error("Debian's Linux is only there when the page is served by `vm7 web` (it fetches the kernel and busybox with apt)");
    const [kernel, busybox, dtb] = await Promise.all([fetchBytes(linux.image, "the kernel Image"), fetchBytes(linux.busybox, "busybox"), fetchBytes("images/board.dtb", "board.dtb")]);
    const files: Record<string, Uint8Array> = {};
    for (const [path, url] of Object.entries(linux.programs)) files[path] = await fetchBytes(url, path);
    const markers = args ? execMarkers(Array.from(crypto.getRandomValues(new Uint8Array(6)), (x) => x.toString(16).padStart(2, "0")).join("")) : undefined;
    const initrd = buildInitramfs({ busybox, exec: markers ? { command: args, markers } : undefined, files });
    const append = linuxAppend({ exec: markers !== undefined, clock, cpuHz });
    return { boot: { kind: "linux", name: linux.version, kernel, textOffset: linux.textOffset, dtb, initrd, append: append || undefined }, cmdline: "vm7", markers };
  }
  const files = await classifyFiles();
  if (!files.length) throw new Error("no files: choose an ELF, or a zImage with an optional DTB and initrd (file picker or drag and drop)");
  const elf = files.filter((f) => f.kind === "elf"), zimage = files.filter((f) => f.kind === "zimage");
  const dtbs = files.filter((f) => f.kind === "dtb"), rest = files.filter((f) => f.kind === "initrd");
  if (elf.length === 1 && files.length === 1) return { boot: { kind: "elf", name: elf[0].file.name, bytes: elf[0].bytes }, cmdline: cmd(elf[0].file.name) };
  if (zimage.length === 1 && elf.length === 0 && dtbs.length <= 1 && rest.length <= 1) {
    const dtb = dtbs[0]?.bytes ?? await fetchBytes("images/board.dtb", "board.dtb");
    return { boot: { kind: "linux", name: zimage[0].file.name, kernel: zimage[0].bytes, dtb, initrd: rest[0]?.bytes, append: args || undefined }, cmdline: "vm7" };
  }
  const bad = files.find((f) => f.kind === "initrd" && zimage.length === 0) ?? files[0];
  const head = Array.from(bad.bytes.subarray(0, 8), (x) => x.toString(16).padStart(2, "0")).join(" ");
  throw new Error(`${bad.file.name}: not a bootable image: vm7 boots an ELF (magic 7f 45 4c 46), or an ARM zImage (magic 0x016f2818 at offset 0x24) ` +
    `with an optional DTB and initrd; this file starts ${head || "(empty)"}` +
    (files.length > 1 ? ` (given: ${files.map((f) => `${f.file.name} as ${f.kind}`).join(", ")})` : ""));
}

// --- running --------------------------------------------------------------------------------------------
let exec: { markers: ExecMarkers; done: boolean } | undefined;
let last: { icount: number; seconds: number; events: number } | undefined;
let samples: Array<{ mips: number; events: number }> = [];
let runMode: Mode = "native";
let state: "idle" | "running" | "paused" = "idle";

function setRunning(s: typeof state): void {
  state = s;
  $<HTMLButtonElement>("pause").disabled = s === "idle";
  $<HTMLButtonElement>("pause").textContent = s === "paused" ? "Resume" : "Pause";
  $<HTMLButtonElement>("reset").disabled = s === "idle" && !lastStart;
}

let lastStart: (() => Promise<void>) | undefined;
let clockChosen = params.has("clock");
async function start(): Promise<void> {
  clearError();
  $("stopped").hidden = true; $("exec-result").hidden = true;
  if (!core) { showError("the emulator core is not loaded yet"); return; }
  // As `vm7 linux`: an interactive shell gets the wall clock (it idles instead of racing virtual time
  // ahead), everything else the virtual clock, unless the user chose.
  if (!clockChosen) $<HTMLSelectElement>("clock").value = bootChoice() === "linux" && !$<HTMLInputElement>("exec").value.trim() ? "wall" : "virtual";
  const clock = $<HTMLSelectElement>("clock").value as Clock, cpuHz = 1e9;
  const mode = $<HTMLSelectElement>("mode").value as Mode;
  let made;
  try { made = await makeBoot(clock, cpuHz); } catch (e) { showError((e as Error).message); setStatus("not started"); return; }
  const machine: MachineChoice = { mode, clock, cpuHz, ramMiB: 512, engine: $<HTMLSelectElement>("engine").value };
  const w = runWorker();
  term.reset(); transcript = ""; consoleText.textContent = ""; textDecoder = new TextDecoder();
  exec = made.markers ? { markers: made.markers, done: false } : undefined;
  last = undefined; samples = []; runMode = mode;
  renderFigures(0, 0, {}); renderChart();
  w.postMessage({ type: "boot", boot: made.boot, machine, cmdline: made.cmdline, core } satisfies ToWorker);
  setRunning("running");
  setStatus(`running ${made.boot.name} in ${mode} mode (${clock} clock)`);
  lastStart = start;
  term.focus();
}

function checkExec(): void {
  if (!exec || exec.done) return;
  const x = parseExecOutput(transcript, exec.markers);
  if (!x) return;
  exec.done = true;
  $("exec-status").textContent = `command exited with status ${x.status}`;
  $("exec-output").textContent = x.output;
  $("exec-result").hidden = false;
  worker?.terminate(); worker = undefined;
  setRunning("idle");
  setStatus(`done: the command exited with status ${x.status}`);
}

function onRunMessage(msg: FromWorker): void {
  switch (msg.type) {
    case "ready":
      available = msg.modes; engines = msg.engines;
      $<HTMLSelectElement>("engine").replaceChildren(...engines.map((e) => new Option(e, e)));
      // The Machine API's default (the JIT) unless the address names one.
      $<HTMLSelectElement>("engine").value = params.get("engine") ?? (engines.includes("jit") ? "jit" : "interp");
      void refreshModes().then(() => { setStatus("ready"); autostart(); });
      break;
    case "console": consoleOut(msg.bytes); break;
    case "figures": figuresIn(msg.icount, msg.seconds, msg.vmm); break;
    case "stopped": {
      setRunning("idle");
      const box = $("stopped");
      box.classList.toggle("exit", msg.reason === "exit" && msg.exitCode === 0);
      $("stopped-line").textContent = msg.message;
      $("regs").textContent = msg.regs ?? "";
      box.hidden = false;
      setStatus(msg.message);
      if (msg.reason !== "exit") showError(`the guest stopped: ${msg.message}\n${msg.regs ?? ""}`);
      break;
    }
    case "error": showError(msg.message); setRunning("idle"); setStatus("stopped by an error"); break;
    default: break;
  }
}

// --- live figures ---------------------------------------------------------------------------------------
function figuresIn(icount: number, seconds: number, vmm: Record<string, number>): void {
  const events = (vmm.traps ?? 0) + (vmm.hypercalls ?? 0);
  if (last && seconds > last.seconds) {
    const dt = seconds - last.seconds;
    samples.push({ mips: (icount - last.icount) / dt / 1e6, events: (events - last.events) / dt });
    if (samples.length > 90) samples.shift();
  }
  last = { icount, seconds, events };
  renderFigures(icount, seconds, vmm);
  renderChart();
}

function renderFigures(icount: number, seconds: number, vmm: Record<string, number>): void {
  const now = samples.at(-1)?.mips;
  const rows: Array<[string, string]> = [
    ["guest MIPS", now === undefined ? "-" : now.toFixed(1)],
    ["average MIPS", seconds > 0 ? (icount / seconds / 1e6).toFixed(1) : "-"],
    ["instructions", grouped(icount)],
    ["host seconds", seconds.toFixed(3)],
  ];
  if (runMode !== "native") {
    for (const k of ["traps", "hypercalls", "shadow_fills", "shadow_reuses", "shadow_flushes", "world_switches"]) rows.push([k.replace(/_/g, " "), grouped(vmm[k] ?? 0)]);
  }
  const dl = (id: string, list: Array<[string, string]>) => $(id).replaceChildren(...list.flatMap(([k, v]) => {
    const dt = document.createElement("dt"), dd = document.createElement("dd");
    dt.textContent = k; dd.textContent = v; dd.dataset.figure = k;
    return [dt, dd];
  }));
  dl("figures", rows);
  // Traps by class and hypercalls by number, those that happened.
  dl("traps", runMode === "native" ? [] : Object.entries(vmm).filter(([k, v]) => v > 0 && /^(trap|exc|hc)_/.test(k)).map(([k, v]) => [k, grouped(v)]));
}

/** Guest MIPS over the last samples (and VMM events per second in full/para mode), drawn with the
 *  SVG writer `vm7 bench` draws its chart with. */
function renderChart(): void {
  const W = 240, H = 70, pad = 4;
  const line = (vals: number[], color: string, label: string) => {
    const max = Math.max(1e-9, ...vals);
    const pts = vals.map((v, i) => `${(pad + (i * (W - 2 * pad)) / 89).toFixed(1)},${(H - pad - (v / max) * (H - 2 * pad - 12)).toFixed(1)}`).join(" ");
    return el("svg", { xmlns: "http://www.w3.org/2000/svg", width: W, height: H, viewBox: `0 0 ${W} ${H}`, "font-family": "sans-serif" },
      el("rect", { x: 0, y: 0, width: W, height: H, fill: "#f6f6f8" }),
      el("text", { x: pad, y: 11, "font-size": 10, fill: "#444444" }, text(vals.length > 1 ? `${label} (max ${max >= 100 ? max.toFixed(0) : max.toPrecision(3)})` : `${label}: no samples yet`)),
      vals.length > 1 ? el("polyline", { points: pts, fill: "none", stroke: color, "stroke-width": 1.5 }) : "");
  };
  const parts = [line(samples.map((s) => s.mips), "#1f77b4", "guest MIPS")];
  if (runMode !== "native") parts.push(line(samples.map((s) => s.events), "#d62728", "traps + hypercalls / s"));
  $("live-chart").innerHTML = parts.join("");
}

// --- benchmarks -----------------------------------------------------------------------------------------
let benchWorker: Worker | undefined;
async function runBench(): Promise<void> {
  clearError();
  if (!core) { showError("the emulator core is not loaded yet"); return; }
  const modes = (["native", "full", "para"] as Mode[]).filter((m) => available.includes(m));
  const quick = $<HTMLInputElement>("bench-quick").checked;
  let kernels: Record<Mode, Uint8Array>;
  try {
    const [k, p] = await Promise.all([fetchBytes("images/kernel.elf", "kernel.elf"), fetchBytes("images/kernel-para.elf", "kernel-para.elf")]);
    kernels = { native: k, full: k, para: p };
  } catch (e) { showError((e as Error).message); return; }
  benchWorker?.terminate();
  const results: SuiteResult[] = [], runs: SuiteRun[] = [];
  const draw = () => {
    $("bench-table").textContent = results.length ? resultsTable(results, BENCHMARK_NAMES, modes, runs) : "";
    if (!results.some((r) => r.mode === "native")) return;
    const bars = rateResults(results, BENCHMARK_NAMES, modes).map((r) => ({ benchmark: r.benchmark, mode: r.mode, ratio: r.ratio }));
    $("bench-chart").innerHTML = ratioChart(bars, BENCHMARK_NAMES, modes, {
      subtitle: `vm7 in ${navigator.userAgent.match(/(Chrome|Firefox|Safari)\/[\d.]+/)?.[0] ?? "a browser"}, ${quick ? "quick" : "full"} suites, virtual clock; ${modes.join(", ")}; iter/s and MB/s inverted so that higher is slower`,
    }).replace(/^<\?xml[^>]*>\s*/, "");
  };
  draw(); $("bench-chart").innerHTML = "";
  $<HTMLButtonElement>("bench-run").disabled = true;
  const t0 = performance.now();
  benchWorker = newWorker((msg) => {
    if (msg.type === "bench-progress") $("bench-status").textContent = msg.text;
    else if (msg.type === "bench-result") { results.push(msg.result); draw(); }
    else if (msg.type === "bench-run") { runs.push(msg.run); draw(); }
    else if (msg.type === "bench-done") {
      $("bench-status").textContent = `done: ${modes.join(", ")} in ${((performance.now() - t0) / 1000).toFixed(1)} s`;
      $<HTMLButtonElement>("bench-run").disabled = false;
      $("bench").dataset.done = "1";
    } else if (msg.type === "error") {
      showError(`benchmarks: ${msg.message}`);
      $("bench-status").textContent = "stopped by an error";
      $<HTMLButtonElement>("bench-run").disabled = false;
    }
  });
  benchWorker.postMessage({ type: "bench", quick, modes, kernels, machine: { clock: "virtual", cpuHz: 1e9, ramMiB: 512, engine: $<HTMLSelectElement>("engine").value }, core } satisfies ToWorker);
}

// --- wiring ---------------------------------------------------------------------------------------------
function setFiles(files: File[]): void {
  userFiles = files;
  $("file-list").replaceChildren(...files.map((f) => { const li = document.createElement("li"); li.textContent = `${f.name} (${grouped(f.size)} bytes)`; return li; }));
  document.querySelector<HTMLInputElement>('input[name="boot"][value="files"]')!.checked = true;
  void refreshModes();
}

function autostart(): void {
  const boot = params.get("boot");
  if (params.get("bench")) { $<HTMLInputElement>("bench-quick").checked = params.get("bench") !== "full"; void runBench(); }
  if (!boot) return;
  const radio = document.querySelector<HTMLInputElement>(`input[name="boot"][value="${CSS.escape(boot)}"]`);
  if (!radio || boot === "files") { showError(`?boot=${boot}: not something the page can boot (hello, kernel or linux)`); return; }
  radio.checked = true;
  void refreshModes().then(() => {
    const mode = params.get("mode");
    if (mode) {
      const opt = Array.from($<HTMLSelectElement>("mode").options).find((o) => o.value === mode);
      if (!opt || opt.disabled) { showError(`?mode=${mode}: ${boot} cannot run in that mode here (choices: ${Array.from($<HTMLSelectElement>("mode").options).filter((o) => !o.disabled).map((o) => o.value).join(", ")})`); return; }
      $<HTMLSelectElement>("mode").value = mode;
    }
    void start();
  });
}

async function main(): Promise<void> {
  if (typeof WebAssembly !== "object" || typeof WebAssembly.compile !== "function") {
    showError("This browser has no WebAssembly, which vm7's emulator core is written in: use a current Chrome, Firefox or Safari.");
    setStatus("cannot run here");
    $<HTMLButtonElement>("start").disabled = true; $<HTMLButtonElement>("bench-run").disabled = true;
    return;
  }
  if (params.get("exec")) $<HTMLInputElement>("exec").value = params.get("exec")!;
  if (params.get("clock") === "wall" || params.get("clock") === "virtual") $<HTMLSelectElement>("clock").value = params.get("clock")!;
  for (const r of document.querySelectorAll<HTMLInputElement>('input[name="boot"]')) r.addEventListener("change", () => void refreshModes());
  $("clock").addEventListener("change", () => { clockChosen = true; });
  $("start").addEventListener("click", () => void start());
  $("reset").addEventListener("click", () => { if (lastStart) { workerFresh = false; void lastStart(); } });
  $("pause").addEventListener("click", () => {
    if (state === "running") { worker?.postMessage({ type: "pause" } satisfies ToWorker); setRunning("paused"); setStatus("paused"); }
    else if (state === "paused") { worker?.postMessage({ type: "resume" } satisfies ToWorker); setRunning("running"); setStatus("running"); term.focus(); }
  });
  $("bench-run").addEventListener("click", () => void runBench());
  $<HTMLInputElement>("file-input").addEventListener("change", (ev) => setFiles(Array.from((ev.target as HTMLInputElement).files ?? [])));
  const drop = $("drop");
  for (const t of [document.body, drop]) {
    t.addEventListener("dragover", (ev) => { ev.preventDefault(); drop.classList.add("over"); });
    t.addEventListener("dragleave", () => drop.classList.remove("over"));
    t.addEventListener("drop", (ev) => { ev.preventDefault(); ev.stopPropagation(); drop.classList.remove("over"); setFiles(Array.from(ev.dataTransfer?.files ?? [])); });
  }
  let noLinux = "served by `vm7 web` only";
  try {
    const res = await fetch("linux/manifest.json");
    const body = await res.json() as LinuxManifest | { error: string };
    if (res.ok && !("error" in body)) linux = body;
    else if ("error" in body) noLinux = `unavailable: ${body.error}`;
  } catch { /* a plain static server: no Linux */ }
  $("linux-note").textContent = linux ? linux.version : `(${noLinux})`;
  if (!linux) document.querySelector<HTMLInputElement>('input[name="boot"][value="linux"]')!.disabled = true;
  try { core = await compileCore(); } catch (e) { showError((e as Error).message); setStatus("cannot run here"); return; }
  worker = newWorker(onRunMessage);
  workerFresh = true;
  worker.postMessage({ type: "probe", core } satisfies ToWorker);
  setStatus("checking which modes this build runs...");
}

void main();
