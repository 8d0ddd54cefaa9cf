// `vm7 linux`: boots Debian's armhf Linux 6.1 (linux-image-6.1.0-*-armmp) with a busybox initramfs
// on the board, interactively on the terminal or running one command (--exec).
import { Command, InvalidArgumentError, Option } from "commander";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { Machine, hex, type MachineOptions } from "../machine/machine.js";
import { EXIT_FATAL, EXIT_NO_PACKAGES, parseNumber, runGuest, VM_MODES, engineOption, formatJitStats, type VmMode, type Engine } from "./common.js";
import { ImageError } from "../loaders/elf.js";
import { loadLinux, type LinuxPlacement } from "../loaders/linux.js";
import { detectTextOffset, isZImage } from "../loaders/zimage.js";
import { extractImage } from "../loaders/zimage-unpack.js";
import { LINUX_LAYOUT } from "../loaders/linux.js";
import { getKernel, getBusybox, FetchError, cacheDir } from "../linux/fetch.js";
import { buildInitramfs, execMarkers, parseExecOutput, partialExecOutput, BANNER, type ExecMarkers } from "../linux/initramfs.js";
import { ConsoleBridge } from "./console.js";
import { helpWidth, reflow } from "./help.js";
import { formatVmmStats } from "./vmmstats.js";
import { addGdbOptions, runPoints } from "./gdb.js";
import {
  addSnapshotOptions, restoreSnapshotFile, printStateHash, openReplay, type SnapshotOpts,
} from "./snapshot.js";
import { boardDtbPath, guestPrograms } from "../linux/guest.js";
import { linuxAppend } from "../linux/boot.js";
import { modeSupport, createMachineIn } from "../machine/modes.js";
import { diskOptions, openVirtioDevices, openGuestsVirtio, virtioSnapshotConflict, NET_GUEST_IP, NET_GUESTS_IP } from "./disk.js";
import { getKernelModules } from "../linux/fetch.js";
import { linuxGuestsRefusal, runLinuxGuests } from "./linux-guests.js";
import { KERNEL_BUILDS, KernelBuildError, bootKernel, defaultKernelBuild, kernelBuildRefusal, type KernelBuild } from "../linux/builds.js";

export { EXIT_BAD_INPUT, EXIT_FATAL, EXIT_LIMIT, EXIT_INTERRUPTED, EXIT_NO_PACKAGES, type VmMode } from "./common.js";
export { boardDtbPath };

/** Creates the machine; modes other than native need a build whose Machine has the VMM. */
export async function createMachine(mode: VmMode, opts: MachineOptions): Promise<Machine> {
  const why = modeSupport(mode);
  if (why) throw new LinuxUsageError(`--mode ${mode}: this vm7 build cannot run it (${why}); only --mode native works`);
  return createMachineIn(mode, opts);
}

export class LinuxUsageError extends Error {}

type LinuxOpts = { guests?: number; weights?: number[]; slice?: number;
  kernel?: string; kernelBuild?: KernelBuild; initrd?: string; dtb?: string; append?: string; mode: VmMode; zimage: boolean;
  exec?: string; engine?: Engine; ram: number; maxInsns?: number; timeout?: number; clock?: "virtual" | "wall"; cpuHz: number;
  verbose: boolean; stats: boolean; trace: boolean; refresh: boolean; reboot: boolean; fetchOnly: boolean;
  gdb?: string; gdbWait: boolean;
  disk?: string; diskSize?: number; net: boolean; vconsole?: string;
} & SnapshotOpts;

/** What a snapshot (or a recording's start) of `vm7 linux` carries for the command itself. */
interface LinuxSnapshotApp { command: "linux"; markers?: ExecMarkers; interactive: boolean; transcript: string; bannerSeen: boolean }

// Options that say how to build the machine and what it boots, which a snapshot already fixes.
const BOOT_OPTIONS = ["kernel", "kernelBuild", "initrd", "dtb", "append", "mode", "zimage", "exec", "ram", "clock", "cpuHz", "refresh",
  "disk", "diskSize", "net", "vconsole"];

/**
 * --exec: instructions the guest may run after the command's end marker before it must have
 * powered the board off (/init's `poweroff -f` takes ~1e6); a DTB without the power-off node
 * leaves the kernel halted, and the run then ends here with the command's status all the same.
 */
const EXEC_POWEROFF_GRACE = 200_000_000;

export function linuxCommand(program: Command, setStatus: (s: number) => void): void {
  const cmd = program.command("linux")
    .description("boot Debian's armhf Linux 6.1 (linux-image-6.1.0-*-armmp) with a busybox initramfs. " +
      "The kernel and busybox-static:armhf come from apt (cached in " + cacheDir() + "). " +
      "By default the raw Image, unpacked once on the host, is entered at RAM + TEXT_OFFSET (the fast path); " +
      "--zimage boots the unmodified zImage, which decompresses itself on the guest.")
    .option("--kernel <file>", "boot this zImage instead of Debian's")
    .addOption(new Option("--kernel-build <build>", "which Linux 6.1 to boot: 'debian' (Debian's armmp binary, the reference; " +
      "native and full mode) or 'vm7' (vm7's own build of the same source with the board's configuration, " +
      "fixtures/linux-kernel; in para mode its paravirtual build) (default: debian, in para mode vm7)").choices(KERNEL_BUILDS as unknown as string[]))
    .option("--initrd <file>", "use this initramfs (cpio, optionally compressed) instead of the busybox one")
    .option("--dtb <file>", "use this device tree blob instead of the board's (fixtures/linux/board.dtb)")
    .option("--append <args>", "append to the kernel command line (the DTB's /chosen/bootargs)")
    .addOption(new Option("--mode <mode>", "execution mode: native (the CPU runs the guest directly), full " +
      "(full virtualization under the VMM) or para (paravirtualized)").choices(VM_MODES as unknown as string[]).default("native"))
    .addOption(engineOption())
    .option("--zimage", "boot the zImage itself (decompression on the guest) instead of the host-extracted Image", false)
    .option("--exec <cmd>", "boot, run CMD in the guest shell, print its output and exit with its status")
    .option("--ram <MiB>", "guest RAM in MiB", parseNumber("--ram", { min: 160, max: 1024 }), 512)
    .option("--max-insns <n>", "stop after n guest instructions", parseNumber("--max-insns", { min: 1 }))
    .option("--timeout <seconds>", "stop after this much host time", parseNumber("--timeout", { min: 0.001, max: 1e9 }))
    .addOption(new Option("--clock <kind>", "guest time: 'virtual' follows the instruction count (repeatable), 'wall' the host clock " +
      "(default: wall for an interactive terminal, where a virtual clock would race ahead and keep a host core busy while " +
      "the guest idles; virtual otherwise)").choices(["virtual", "wall"]))
    .option("--cpu-hz <hz>", "virtual clock: guest instructions per guest second", parseNumber("--cpu-hz", { min: 1e3, max: 1e12 }), 1e9)
    .option("--refresh", "ask apt for the current kernel and busybox now (otherwise at most once a day)", false)
    .option("--fetch-only", "only get the kernel and busybox (or find them in the cache), print where they are, and exit", false)
    .option("--no-reboot", "when the guest resets the board (reboot), end the run with status 0 instead of booting again")
    .option("--verbose", "with --exec: also show the kernel's console output (on stderr)", false)
    .option("--stats", "print boot-to-shell time and instruction counts on stderr (with --mode full, also the VMM counters; " +
      "under the JIT, the default engine, the JIT's)", false)
    .option("--trace", "print every executed instruction on stderr (very slow)", false)
    .option("--guests <n>", "boot n Linux guests (2 to 8) on one VMM, in full mode (the default with --guests; --mode para boots " +
      "vm7's para kernel in each): RAM is split " +
      "into one partition per guest, each boots the same kernel and initramfs with VM7_GUEST=<index> in its environment; " +
      "console lines (with --exec, each guest's command output) go to stdout prefixed [gN]; vm7 exits with the highest " +
      "guest status (docs/guests.md)", parseNumber("--guests", { min: 1, max: 8 }))
    .option("--weights <list>", "with --guests: CPU shares, one whole number per guest (e.g. 1,3: the second gets three times the slices' instructions)",
      (v: string) => v.split(",").map((w) => { const n = Number(w); if (!Number.isInteger(n) || n < 1 || n > 100) throw new InvalidArgumentError(`--weights wants whole numbers from 1 to 100 separated by commas, got '${w}'`); return n; }))
    .option("--slice <insns>", "with --guests: instructions per time slice of weight 1 (default 100000)", parseNumber("--slice", { min: 1000, max: 1e8 }));
  diskOptions(cmd)
    .addHelpText("after", () => reflow(`
Console: the terminal is the serial console (ttyS2 = UART3), in raw mode. Escape keys, as in QEMU:
  Ctrl-A X        quit
  Ctrl-A H        show these keys
  Ctrl-A S        print a status line (instructions, pc, host seconds) on stderr
  Ctrl-A Ctrl-A   send a Ctrl-A to the guest
With --exec the guest's console is not shown (see --verbose): only CMD's output is printed, taken
from between markers the initramfs's /init prints, and vm7 exits with CMD's exit status.

Power: the board has a reset (PRM_RSTCTRL) and a power-off latch that Linux drives with its built-in
syscon-reboot and syscon-poweroff drivers. 'poweroff -f' in the guest ends the run with status 0;
'reboot -f' boots the machine again with the same kernel and initramfs (or ends the run with
--no-reboot). With --exec, /init powers the board off after CMD.

Exit status: CMD's (with --exec; 0 when the guest powers off or resets with --no-reboot before
CMD finishes); 2 bad input; 3 the guest stopped in a state it cannot leave;
69 the packages could not be fetched (apt failed and nothing is cached); 124 --max-insns/--timeout;
130 interrupted.`, helpWidth()))
    .action(async (o: LinuxOpts, command: Command) => { setStatus(await linuxRun(o, command)); });
  addGdbOptions(cmd);
  addSnapshotOptions(cmd);
}

function readInput(path: string, what: string): Uint8Array {
  let st;
  try { st = statSync(path); } catch { throw new LinuxUsageError(`${what} ${path}: no such file`); }
  if (!st.isFile()) throw new LinuxUsageError(`${what} ${path}: not a regular file`);
  if (st.size === 0) throw new LinuxUsageError(`${what} ${path}: empty file`);
  return new Uint8Array(readFileSync(path));
}

const log = (s: string) => process.stderr.write(`vm7: ${s}\n`);

/** --fetch-only: the packages' files, one "name path" line each on stdout (for scripts and tests). */
function fetchOnly(o: LinuxOpts): number {
  try {
    const k = getKernel(log, o.refresh);
    const bb = getBusybox(log, o.refresh);
    process.stdout.write(`kernel ${k.version}\nzimage ${k.zimage}\nimage ${k.image}\ntext-offset 0x${k.textOffset.toString(16)}\nbusybox ${bb}\n`);
    return 0;
  } catch (e) {
    if (e instanceof FetchError) { log(e.message); return EXIT_NO_PACKAGES; }
    throw e;
  }
}

async function linuxRun(o: LinuxOpts, cmd: Command): Promise<number> {
  const several = o.guests !== undefined && o.guests > 1;
  for (const n of ["weights", "slice"] as const) if (o[n] !== undefined && !several) throw new LinuxUsageError(`--${n} applies to several guests (--guests N)`);
  if (several && o.weights && o.weights.length !== o.guests) {
    throw new LinuxUsageError(`--weights gives ${o.weights.length} weight(s) for ${o.guests} guests: give one per guest`);
  }
  if (several) {
    const modeGiven = cmd.getOptionValueSource("mode") === "cli";
    if (!modeGiven) o.mode = "full";
    const why = linuxGuestsRefusal(o, modeGiven, (n) => cmd.getOptionValueSource(n) === "cli");
    if (why) throw new LinuxUsageError(why);
  }
  if (o.fetchOnly) return fetchOnly(o);
  if (o.restore !== undefined && o.replay !== undefined) throw new LinuxUsageError("give either --restore or --replay, not both");
  if (o.record !== undefined && o.replay !== undefined) throw new LinuxUsageError("--record and --replay: a replay is the recorded run already");
  const noSnap = virtioSnapshotConflict(o);
  if (noSnap) throw new LinuxUsageError(noSnap);
  if (o.restore !== undefined || o.replay !== undefined) return linuxResume(o, cmd);
  const interactiveMode = o.exec === undefined;
  if (o.exec !== undefined && o.initrd) throw new LinuxUsageError("--exec needs vm7's own initramfs: it cannot be combined with --initrd");
  const t0 = performance.now();
  if (o.kernel && o.kernelBuild) throw new LinuxUsageError("give either --kernel or --kernel-build, not both");
  const build: KernelBuild = o.kernelBuild ?? defaultKernelBuild(o.mode);
  if (!o.kernel) {
    const why = kernelBuildRefusal(build, o.mode);
    if (why) throw new LinuxUsageError(`--mode ${o.mode}: ${why}`);
  }
  // Kernel.
  let kernel: Uint8Array, textOffset: number | undefined, kernelName: string;
  let modules: Array<{ name: string; data: Uint8Array }> = [];
  try {
    if (o.kernel) {
      const z = readInput(o.kernel, "--kernel");
      kernelName = o.kernel;
      if (!isZImage(z)) throw new ImageError(`${o.kernel}: not an ARM zImage (no magic 0x016f2818 at offset 0x24)`);
      if (o.zimage) kernel = z;
      else {
        kernel = extractImage(z, o.kernel).image;
        textOffset = detectTextOffset(z) ?? LINUX_LAYOUT.defaultTextOffset;
      }
    } else if (build === "vm7") {
      // vm7's builds have everything built in (virtio-mmio, -blk, -net and -console too): no modules.
      const k = bootKernel(build, o.mode, log);
      kernelName = k.name;
      if (o.zimage) kernel = new Uint8Array(readFileSync(k.zimagePath));
      else { kernel = new Uint8Array(readFileSync(k.imagePath)); textOffset = k.textOffset; }
    } else {
      const k = getKernel(log, o.refresh);
      kernelName = k.version;
      if (o.zimage) kernel = new Uint8Array(readFileSync(k.zimage));
      else { kernel = new Uint8Array(readFileSync(k.image)); textOffset = k.textOffset; }
      // The disk's front end: virtio_mmio and virtio_blk from the same package, insmodded by /init.
      const want = [...(o.disk !== undefined ? ["virtio_blk"] : []), ...(o.net ? ["failover", "net_failover", "virtio_net"] : []),
        ...(o.vconsole !== undefined ? ["virtio_console"] : [])];
      if (want.length > 0 && !o.initrd) modules = getKernelModules(k, ["virtio_mmio", ...want], log);
    }
  } catch (e) {
    if (e instanceof FetchError) { log(e.message); return EXIT_NO_PACKAGES; }
    if (e instanceof KernelBuildError) throw new LinuxUsageError(e.message);
    throw e;
  }
  // Initramfs.
  let initrd: Uint8Array;
  let markers: ExecMarkers | undefined;
  if (o.initrd) initrd = readInput(o.initrd, "--initrd");
  else {
    let bb: string;
    try { bb = getBusybox(log, o.refresh); } catch (e) {
      if (e instanceof FetchError) { log(e.message); return EXIT_NO_PACKAGES; }
      throw e;
    }
    // VM7_EXEC_NONCE fixes the markers' nonce: two runs of one command boot the same initramfs.
    if (o.exec !== undefined) markers = execMarkers(process.env.VM7_EXEC_NONCE ?? randomBytes(6).toString("hex"));
    initrd = buildInitramfs({
      busybox: new Uint8Array(readFileSync(bb)),
      exec: markers && o.exec !== undefined ? { command: o.exec, markers } : undefined,
      files: guestPrograms(),
      modules,
      ipv4: o.net ? (several ? NET_GUESTS_IP : NET_GUEST_IP) : undefined,
    });
  }
  const dtbPath = o.dtb ?? boardDtbPath();
  if (!o.dtb && !existsSync(dtbPath)) throw new LinuxUsageError(`the board DTB ${dtbPath} is missing (run 'bash fixtures/linux/build.sh')`);
  const dtb = readInput(dtbPath, "--dtb");
  const clock = several ? "virtual" : o.clock ?? (interactiveMode && process.stdin.isTTY ? "wall" : "virtual");
  const append = linuxAppend({ exec: o.exec !== undefined, verbose: o.verbose, clock, cpuHz: o.cpuHz, append: o.append });
  if (several) {
    const devs = openGuestsVirtio(o, o.guests!, log);
    try {
      return await runLinuxGuests({
        n: o.guests!, mode: o.mode, ram: o.ram, cpuHz: o.cpuHz, kernel, kernelName, textOffset, dtb, dtbName: dtbPath, initrd, append,
        markers, verbose: o.verbose, stats: o.stats, maxInsns: o.maxInsns, timeout: o.timeout, log, attach: devs.attach,
        weights: o.weights, slice: o.slice,
      });
    } finally { devs.close(); }
  }

  const con = consoleState(o.exec === undefined, o.verbose);
  // --disk, --net, --vconsole: their files are opened once; each machine booted gets the devices.
  // (every mode: in para mode vm7's para kernel has the front ends built in, a --kernel of the user's its own)
  const virtio = openVirtioDevices(o, o.mode, log, true);
  // A machine booted with these images: the first one, and a fresh one each time the guest resets
  // the board (PRM_RSTCTRL), as a real board reboots into the same kernel and initramfs.
  const boot = async (rebooted: boolean): Promise<{ m: Machine; place: LinuxPlacement }> => {
    const m = await createMachine(o.mode, { ramMiB: o.ram, clock, cpuHz: o.cpuHz, semihosting: false, rebooted, onConsole: con.onConsole, engine: o.engine });
    let place: LinuxPlacement;
    try {
      place = loadLinux(m, { kernel, kernelName, textOffset, dtb, dtbName: dtbPath, initrd, append: append || undefined });
    } catch (e) { if (e instanceof ImageError) throw e; throw new LinuxUsageError((e as Error).message); }
    virtio.attach(m);
    return { m, place };
  };
  let m: Machine, place: LinuxPlacement;
  try { ({ m, place } = await boot(false)); } catch (e) { virtio.close(); throw e; }
  const tLoaded = performance.now();
  if (o.stats || o.verbose) {
    log(`${kernelName}: ${o.zimage ? "zImage" : "Image"} at 0x${hex(place.kernelAddr)}, DTB at 0x${hex(place.dtbAddr)}` +
      (place.initrd ? `, initrd 0x${hex(place.initrd.start)}-0x${hex(place.initrd.end)}` : "") + `, mode ${o.mode}; command line: ${place.cmdline}`);
  }
  try {
    return await linuxGuest(o, m, con, markers, t0, tLoaded, async (rebooted) => (await boot(rebooted)).m);
  } finally { virtio.close(); }
}

/** The console as `vm7 linux` shows and keeps it (the transcript: for the banner and --exec's markers). */
function consoleState(interactive: boolean, verbose: boolean) {
  const dec = new TextDecoder();
  const c = {
    transcript: "", lastOutput: performance.now(), interactive, bannerSeen: false,
    onConsole: (b: Uint8Array) => {
      c.lastOutput = performance.now();
      if (c.interactive) { process.stdout.write(b); if (!c.bannerSeen) c.transcript += dec.decode(b, { stream: true }); }
      else { c.transcript += dec.decode(b, { stream: true }); if (verbose) process.stderr.write(b); }
    },
  };
  return c;
}
type ConsoleState = ReturnType<typeof consoleState>;

/** --restore / --replay: the machine and what the command needs from the snapshot. */
async function linuxResume(o: LinuxOpts, cmd: Command): Promise<number> {
  const from = o.restore !== undefined ? "--restore" : "--replay";
  const given = BOOT_OPTIONS.filter((n) => cmd.getOptionValueSource(n) === "cli");
  if (given.length) throw new LinuxUsageError(`${from}: the machine and what it boots come from the ${from === "--restore" ? "snapshot" : "recording"}; ${given.map((n) => "--" + n.replace(/[A-Z]/g, (x) => "-" + x.toLowerCase())).join(", ")} cannot be given with it`);
  const t0 = performance.now();
  const con = consoleState(true, o.verbose);
  const file = (o.restore ?? o.replay)!;
  const mo = { onConsole: con.onConsole, engine: o.engine };
  const r = o.restore !== undefined ? restoreSnapshotFile(file, mo) : openReplay(file, mo);
  const app = r.header.app as Partial<LinuxSnapshotApp>;
  if (app.command !== "linux") throw new LinuxUsageError(`${from} ${file}: saved by 'vm7 ${String(app.command ?? "?")}', not by 'vm7 linux' (use vm7 ${String(app.command ?? "run")} ${from})`);
  con.interactive = app.interactive ?? true;
  con.transcript = app.transcript ?? "";
  con.bannerSeen = app.bannerSeen ?? false;
  return linuxGuest(o, r.m, con, app.markers, t0, performance.now(), undefined);
}

/** Runs a booted (or restored) Linux machine to its end: the console, --exec's output, the stats. */
async function linuxGuest(o: LinuxOpts, m: Machine, con: ConsoleState, markers: ExecMarkers | undefined, t0: number, tLoaded: number,
  boot: ((rebooted: boolean) => Promise<Machine>) | undefined): Promise<number> {
  const interactive = con.interactive;
  const linuxApp = (): LinuxSnapshotApp => ({ command: "linux", markers, interactive, transcript: con.transcript, bannerSeen: con.bannerSeen });
  const points = await runPoints(o, m, () => m, () => linuxApp() as unknown as Record<string, unknown>, (s) => new LinuxUsageError(s));

  let bannerAt: { ms: number; insns: number } | undefined = con.bannerSeen ? { ms: 0, insns: m.icount } : undefined;
  let beginAt: { ms: number; insns: number } | undefined;
  let execResult: { output: string; status: number } | undefined;
  let endAt = 0; // instructions (of all boots) when --exec's end marker arrived
  let boots = 1;
  const bridge = interactive ? new ConsoleBridge(m) : undefined;
  if (bridge) {
    bridge.commands = {
      h: () => process.stderr.write("\r\nvm7: Ctrl-A X quit, Ctrl-A S status, Ctrl-A H help, Ctrl-A Ctrl-A send Ctrl-A\r\n"),
      s: () => process.stderr.write(`\r\nvm7: ${insnsNow} instructions, pc 0x${hex(m.pc)}, ${((performance.now() - tLoaded) / 1000).toFixed(1)} s host time\r\n`),
    };
  }
  let insnsNow = 0; // instructions retired so far, over every boot (runGuest's count)
  const end = await runGuest(m, {
    maxInsns: o.maxInsns, timeout: o.timeout, trace: o.trace, console: bridge,
    sliceInsns: 1 << 20, // 1M slices: --stats counts are exact to 1M instructions
    before: (insns) => {
      insnsNow = insns;
      // Console input from a pipe: once it has ended and the guest has been quiet for 2 s, stop
      // (a Linux guest never idles for good: its timers keep virtual time going).
      if (o.replay === undefined && bridge && !bridge.open && performance.now() - con.lastOutput > 2000) return "stdin ended and the console has been quiet for 2 s";
      // --exec: /init powers the board off after the end marker; a guest that cannot (a --dtb
      // without the power-off node) is stopped once the marker has been out for a while.
      if (execResult && insns - endAt > EXEC_POWEROFF_GRACE) return "";
      return undefined;
    },
    after: (insns) => {
      insnsNow = insns;
      const now = { ms: performance.now() - tLoaded, insns };
      if (!bannerAt && con.transcript.includes(BANNER)) { bannerAt = now; con.bannerSeen = true; if (interactive) con.transcript = ""; }
      if (markers && !execResult) {
        if (!beginAt && con.transcript.includes(markers.begin)) beginAt = now;
        if (beginAt) {
          execResult = parseExecOutput(con.transcript, markers);
          if (execResult) endAt = insns;
        }
      }
      return false;
    },
    // A fresh machine with the same images; --exec runs its command again, as /init does.
    reboot: o.reboot && boot ? async () => {
      boots++;
      m = await boot(true);
      con.transcript = ""; con.bannerSeen = false; bannerAt = undefined; beginAt = undefined; execResult = undefined;
      return m;
    } : undefined,
    gdb: points.stub, gdbWait: o.gdbWait, at: points.at,
  });
  points.finish(m);
  if (o.stateHash) printStateHash(m);
  const tEnd = performance.now() - tLoaded;
  const result = end.result;
  // With --exec, the command's status is vm7's and its output the run's: the power-off that follows is expected.
  const line = execResult ? "" : end.line;
  let code = end.code;
  if (execResult) {
    process.stdout.write(execResult.output);
    code = execResult.status;
  } else if (result?.reason === "poweroff" || result?.reason === "reset") {
    // The command (or the shell's user) powered the board off or reset it with --no-reboot: what
    // it printed so far is its output, and the run ended as the guest wanted (status 0, as QEMU).
    if (markers && beginAt) process.stdout.write(partialExecOutput(con.transcript, markers));
  }
  if (!execResult && !interactive && code !== 0) {
    // Show the end of what the guest printed: the reason is usually there (a panic, an oops).
    const tail = con.transcript.replace(/\r/g, "").split("\n").slice(-25).join("\n");
    process.stderr.write(`vm7: the command did not finish; last console output:\n${tail}\n`);
  }
  if (line) log(line);
  if (o.stats) {
    const f = (x?: { ms: number; insns: number }) => x ? `${(x.ms / 1000).toFixed(2)} s, ${x.insns} instructions` : "not reached";
    const how = result?.reason === "poweroff" ? "powered off" : result?.reason === "reset" ? "reset" : execResult ? "stopped after the end marker" : "stopped";
    log(`stats: setup (fetch, initramfs, load) ${((tLoaded - t0) / 1000).toFixed(2)} s; boot to /init banner: ${f(bannerAt)}; ` +
      (markers ? `to command start: ${f(beginAt)}; ` : "") + `end (${how}${boots > 1 ? `, boot ${boots}` : ""}): ${f({ ms: tEnd, insns: end.insns })} ` +
      `(${(end.insns / Math.max(tEnd, 1) / 1000).toFixed(1)} M instructions/s)`);
    const ic = m.icacheStats();
    log(`stats: instruction-cache maintenance: ${ic.kept} decoded pages checked and kept, ${ic.changed} changed and decoded again`);
    if (m.mode !== "native") process.stderr.write(formatVmmStats(m));
    process.stderr.write(formatJitStats(m));
  }
  if (!execResult && code === EXIT_FATAL) process.stderr.write(m.dumpRegs() + "\n");
  return code;
}
