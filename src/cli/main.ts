// The `vm7` command line. Guest console output goes to stdout, vm7's own messages to stderr, and
// how a run ended is always said on stderr in one line.
import { Command, InvalidArgumentError, Option } from "commander";
import { existsSync, readFileSync, statSync } from "node:fs";
import { basename } from "node:path";
import { Machine, hex, type Engine } from "../machine/machine.js";
import { EXIT_BAD_INPUT, EXIT_FATAL, parseNumber, runGuest, VM_MODES, engineOption, formatJitStats, type VmMode } from "./common.js";
import { isElf, ImageError } from "../loaders/elf.js";
import { benchCommand } from "../bench/bench.js";
import { ConsoleBridge } from "./console.js";
import { formatVmmStats } from "./vmmstats.js";
import { linuxCommand, LinuxUsageError, boardDtbPath } from "./linux.js";
import { webCommand } from "./web.js";
import { loadLinux } from "../loaders/linux.js";
import { isZImage } from "../loaders/zimage.js";
import { addGdbOptions, runPoints, type GdbOpts, type RunPoints } from "./gdb.js";
import {
  addSnapshotOptions, joinSnapshotAt, restoreSnapshotFile, printStateHash, openReplay,
  type SnapshotOpts,
} from "./snapshot.js";
import { SnapshotError } from "../debug/snapshot.js";
import { RecordError } from "../debug/record.js";
import { bundledImages, coreIdentity, version } from "../images.js";
import { configureHelp, helpAfter } from "./help.js";
import { runGuests, GuestsUsageError, NOT_WITH_GUESTS } from "./guests.js";
import { diskOptions, DiskError, openVirtioDevices, virtioSnapshotConflict, type DiskOpts } from "./disk.js";

export { EXIT_BAD_INPUT, EXIT_FATAL, EXIT_LIMIT, EXIT_INTERRUPTED, parseNumber } from "./common.js";

const DEFAULT_LOAD = 0x80008000; // the usual kernel load address on this board, suggested in errors

const addr = parseNumber("an address", { max: 0xffffffff });

interface RunOpts {
  loadAddr?: number; entry?: number; ram: number; maxInsns?: number; timeout?: number;
  clock: "virtual" | "wall"; cpuHz: number; cmdline?: string; semihosting: boolean;
  semihostingRoot?: string; trace: boolean; dumpRegs: boolean; list?: boolean;
  kernel?: string; dtb?: string; initrd?: string; append?: string; textOffset?: number;
  mode: VmMode; stats: boolean; vmmCost?: Record<string, number>; reboot: boolean; disk?: string; diskSize?: number; engine?: Engine;
  guest?: string[]; weights?: number[]; slice?: number;
}
type RunCliOpts = RunOpts & GdbOpts & SnapshotOpts;

/** --vmm-cost trap=120,fill=250: cycles charged per VMM event (names as Machine.vmmCosts()). */
export function parseVmmCost(s: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of s.split(",").map((p) => p.trim()).filter((p) => p)) {
    const m = /^([a-z_]+)=(\d+)$/.exec(part);
    if (!m) throw new InvalidArgumentError(`--vmm-cost wants name=cycles pairs separated by commas (e.g. trap=120,fill=250), got '${part}'`);
    out[m[1]] = Number(m[2]);
  }
  return out;
}

class UsageError extends Error {}

/** `vm7 --version`: the package version, then the core this process loads and its SHA-256 (its build identity). */
function versionText(): string {
  const c = coreIdentity();
  return `vm7 ${version()}\n` + (c
    ? `core: ${c.path}, sha256 ${c.sha256}, ${Math.round(c.bytes / 1024)} KiB; node ${process.version}`
    : `core: not built (run 'npm run build')`);
}

export async function main(argv: string[]): Promise<number> {
  let status = 0;
  const program = configureHelp(new Command("vm7"))
    .description("vm7: an ARMv7-A (Cortex-A8) system emulator and VMM on WebAssembly, " +
      "emulating a BeagleBoard-xM-like board (TI DM3730: 512 MiB RAM at 0x80000000, INTC, " +
      "GPTIMER1/2, 32 kHz counter, 16550 UART3 at 0x49020000).")
    .version(versionText(), "-V, --version", "print vm7's version and the identity of its WebAssembly core")
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s), writeOut: (s) => process.stdout.write(s) })
    .showHelpAfterError("(run 'vm7 --help' for usage)");

  const runCmd = program.command("run")
    .description("boot an image: an ARM ELF (PT_LOAD segments at their physical addresses, entry from the header) " +
      "or a raw binary. It starts in SVC mode, ARM state, MMU off, IRQ/FIQ masked.")
    .argument("[image]", "ELF or raw binary to run (or a zImage, as with --kernel), or the name of an image that comes " +
      "with vm7 (see --list): hello, kernel, kernel-para, ...; a file of that name in the working directory wins")
    .option("--list", "list the images that come with vm7, one per line, and exit")
    .option("--load-addr <addr>", "run IMAGE as a raw binary loaded at this address (e.g. 0x80008000)", addr)
    .option("--entry <addr>", "start here instead of the ELF entry / raw load address", addr)
    .option("--ram <MiB>", "guest RAM size in MiB at 0x80000000", parseNumber("--ram", { min: 1, max: 1024 }), 512)
    .option("--max-insns <n>", "stop after n guest instructions", parseNumber("--max-insns", { min: 1 }))
    .option("--timeout <seconds>", "stop after this much host time", parseNumber("--timeout", { min: 0.001 }))
    .addOption(new Option("--clock <kind>", "guest time source: 'virtual' derives time from the instruction count " +
      "(the same run prints the same output), 'wall' follows the host clock").choices(["virtual", "wall"]).default("virtual"))
    .option("--cpu-hz <hz>", "virtual clock: guest instructions per guest second", parseNumber("--cpu-hz", { min: 1e3, max: 1e12 }), 1e9)
    .option("--cmdline <string>", "command line given to semihosting programs (SYS_GET_CMDLINE), argv[0] first (default: the image's file name)")
    .option("--no-semihosting", "treat SVC 0x123456 / SVC 0xAB / BKPT 0xAB as ordinary instructions")
    .option("--semihosting-root <dir>", "let semihosting programs open host files, confined to this directory (default: no host file access)")
    .option("--kernel <zImage>", "boot an ARM Linux zImage (Documentation/arm/booting.rst): zImage at 0x82000000, DTB at 0x88000000, " +
      "initrd at 0x88100000, r0=0 r1=~0 r2=DTB")
    .option("--dtb <file>", "with --kernel: the device tree (default: the board's, fixtures/linux/board.dtb)")
    .option("--initrd <file>", "with --kernel: an initramfs (its bounds go into /chosen)")
    .option("--append <args>", "with --kernel: appended to the DTB's /chosen/bootargs")
    .option("--text-offset <offset>", "with --kernel: the kernel is a raw Image (not a zImage), entered at RAM + this offset " +
      "(the kernel's TEXT_OFFSET: 0x8000 for most ARM kernels, 0x208000 for Debian's armmp)", parseNumber("--text-offset", { max: 0x10000000 }))
    .option("--no-reboot", "when the guest resets the board, end the run (status 0) instead of booting the same images again")
    .option("--trace", "print every executed instruction (address, encoding, disassembly) on stderr", false)
    .option("--dump-regs", "print the registers on stderr when the run ends", false)
    .addOption(new Option("--mode <mode>", "native: the guest owns the CPU; full: the unmodified guest runs deprivileged under the " +
      "VMM (trap-and-emulate, shadow page tables); para: a paravirtual guest calls the VMM by hypercalls (docs/vmm.md)")
      .choices(VM_MODES as unknown as string[]).default("native"))
    .addOption(engineOption())
    .option("--stats", "print the VMM counters (traps, hypercalls, shadow fills...) and, under the JIT (the default engine), the JIT's " +
      "(blocks compiled, entries, compile time...) on stderr at exit", false)
    .option("--vmm-cost <list>", "VMM cost model, cycles per event: e.g. trap=120,emulate=40,fill=250,hypercall=100," +
      "world_switch=40,virq=80,reflect=60,flush=800,ptwrite=200,guest_switch=1000,asid_rollover=300,prefill=5", parseVmmCost);
  runCmd
    .option("--guest <image>", "run several guests on one VMM (repeat: --guest A --guest B; 2 to 8; with --mode para " +
      "(the default with --guest) or full, or per guest: --guest full:A --guest para:B): RAM is split between them, each gets its own CPU state, devices and console; " +
      "their console lines go to stdout prefixed [gN]; vm7 exits with the highest guest status (docs/guests.md)",
      (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
    .option("--weights <list>", "with --guest: CPU shares, one whole number per guest (e.g. 1,3: the second gets three times the slices' instructions)",
      (v: string) => v.split(",").map((w) => { const n = Number(w); if (!Number.isInteger(n) || n < 1 || n > 100) throw new InvalidArgumentError(`--weights wants whole numbers from 1 to 100 separated by commas, got '${w}'`); return n; }))
    .option("--slice <insns>", "with --guest: instructions per time slice of weight 1 (default 100000)", parseNumber("--slice", { min: 1000, max: 1e8 }));
  diskOptions(runCmd);
  helpAfter(runCmd, "\nPower: a guest that switches the board off (the power-off latch at 0x3f000000; Linux's poweroff) " +
    "ends the run with status 0; one that resets it (PRM_RSTCTRL; Linux's reboot) boots again from the same " +
    "images, as a real board would, unless --no-reboot.\n" +
    "\nExit status: the guest's own (semihosting SYS_EXIT / SYS_EXIT_EXTENDED; 0 when it powers off); 2 bad input; " +
    "3 the guest stopped in a state it cannot leave; 124 --max-insns or --timeout reached; 130 interrupted.\n" +
    "Console: stdin feeds UART3's receiver (and semihosting reads); in a terminal, Ctrl-A X quits.");
  runCmd.action(async (image: string | undefined, o: RunCliOpts, cmd: Command) => { status = await runCommand(image, o, cmd); });
  addGdbOptions(runCmd);
  addSnapshotOptions(runCmd);

  linuxCommand(program, (s) => { status = s; });
  benchCommand(program, (s) => { status = s; });
  webCommand(program, (s) => { status = s; });

  try {
    await program.parseAsync(joinSnapshotAt(argv), { from: "user" });
  } catch (e) {
    const err = e as { code?: string; exitCode?: number; message?: string };
    if (err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.code === "commander.help") return 0;
    if (err.code?.startsWith("commander.")) return EXIT_BAD_INPUT;
    if (e instanceof ImageError || e instanceof UsageError || e instanceof LinuxUsageError || e instanceof SnapshotError || e instanceof RecordError ||
      e instanceof DiskError) { process.stderr.write(`vm7: ${err.message}\n`); return EXIT_BAD_INPUT; }
    throw e;
  }
  return status;
}

function readImage(path: string): Uint8Array {
  let st;
  try { st = statSync(path); } catch { throw new UsageError(`${path}: no such file`); }
  if (st.isDirectory()) throw new UsageError(`${path}: is a directory, not an image`);
  if (st.size === 0) throw new UsageError(`${path}: empty file`);
  return new Uint8Array(readFileSync(path));
}

/** `vm7 run --list`: name, file, what it is; one line each. */
function listImages(): number {
  const all = bundledImages();
  const w = Math.max(...all.map((i) => i.name.length)) + 2;
  const fw = Math.max(...all.map((i) => i.file.length)) + 2;
  for (const i of all) process.stdout.write(`${i.name.padEnd(w)}${i.file.padEnd(fw)}${i.what}\n`);
  return 0;
}

/** An image argument: a file, else the name of an image that comes with vm7. */
function imagePath(arg: string): string {
  if (existsSync(arg)) return arg;
  const hit = bundledImages().find((i) => i.name === arg);
  if (hit) return hit.path;
  throw new UsageError(`${arg}: no such file, and no image of that name comes with vm7 (${bundledImages().map((i) => i.name).join(", ")}: see vm7 run --list)`);
}

// Options that say how to build the machine, which a snapshot already fixes.
const MACHINE_OPTIONS = ["loadAddr", "entry", "ram", "clock", "cpuHz", "cmdline", "semihosting", "kernel", "dtb", "initrd", "append", "mode", "vmmCost", "textOffset",
  "disk", "diskSize", "net", "vconsole"];

async function runCommand(imageArg: string | undefined, o: RunCliOpts, cmd: Command): Promise<number> {
  if (o.list) return listImages();
  if (o.guest !== undefined) return guestsCommand(imageArg, o, cmd);
  for (const n of ["weights", "slice"] as const) if (o[n] !== undefined) throw new UsageError(`--${n} applies to several guests (--guest IMAGE, repeated)`);
  const stdout = (b: Uint8Array) => { process.stdout.write(b); };
  const from = o.restore !== undefined ? "--restore" : o.replay !== undefined ? "--replay" : undefined;
  if (o.restore !== undefined && o.replay !== undefined) throw new UsageError("give either --restore or --replay, not both");
  if (o.record !== undefined && o.replay !== undefined) throw new UsageError("--record and --replay: a replay is the recorded run already");
  const noSnap = virtioSnapshotConflict(o as DiskOpts & RunCliOpts);
  if (noSnap) throw new UsageError(noSnap);
  let first: Machine;
  let boot: ((rebooted: boolean) => Promise<Machine>) | undefined;
  let close = () => {};
  if (from) {
    if (imageArg !== undefined) throw new UsageError(`give either an image or ${from}, not both`);
    const given = MACHINE_OPTIONS.filter((n) => cmd.getOptionValueSource(n) === "cli");
    if (given.length) throw new UsageError(`${from}: the machine comes from the ${from === "--restore" ? "snapshot" : "recording"}; ${given.map((n) => "--" + n.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase())).join(", ")} cannot be given with it`);
    const mo = { semihostingRoot: o.semihostingRoot, engine: o.engine, onConsole: stdout, onConsoleErr: (b: Uint8Array) => { process.stderr.write(b); } };
    first = (o.restore !== undefined ? restoreSnapshotFile(o.restore, mo) : openReplay(o.replay!, mo)).m;
  } else {
    ({ boot, close } = prepareBoot(imageArg, o, stdout));
    try { first = await boot(false); } catch (e) { close(); throw e; }
  }
  let running = first; // the machine running now (a reboot boots a new one)
  let points: RunPoints, end;
  try {
    points = await runPoints(o, first, () => running, () => ({ command: "run" }), (s) => new UsageError(s));
    end = await runGuest(first, {
      maxInsns: o.maxInsns, timeout: o.timeout, trace: o.trace, sliceInsns: 8 << 20, console: new ConsoleBridge(first),
      reboot: o.reboot && boot ? async () => (running = await boot!(true)) : undefined, gdb: points.stub, gdbWait: o.gdbWait, at: points.at,
    });
  } finally { close(); }
  const { code, line, machine: m } = end;
  process.stderr.write(`vm7: ${line}\n`);
  points.finish(m);
  if (o.dumpRegs || code === EXIT_FATAL) process.stderr.write(m.dumpRegs() + "\n");
  if (o.stats) process.stderr.write(formatVmmStats(m) + formatJitStats(m));
  if (o.stateHash) printStateHash(m);
  return code;
}

/** `vm7 run --guest A --guest B ...` (src/cli/guests.ts). */
async function guestsCommand(imageArg: string | undefined, o: RunCliOpts, cmd: Command): Promise<number> {
  if (imageArg !== undefined) throw new UsageError(`give the images as --guest IMAGE each, not also as an argument ('${imageArg}')`);
  const list = o.guest!;
  if (list.length < 2) throw new UsageError(`--guest given once: several guests need at least two (one image runs as 'vm7 run IMAGE')`);
  if (list.length > 8) throw new UsageError(`--guest given ${list.length} times: at most 8 guests`);
  for (const [name, why] of NOT_WITH_GUESTS) {
    if (cmd.getOptionValueSource(name) === "cli") throw new UsageError(`--${name.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase())} cannot be used with --guest: ${why}`);
  }
  if (o.engine === "jit") throw new UsageError("--engine jit cannot be used with --guest: several guests run on the interpreter (the JIT's code cache is not yet switched with the guests)");
  const mode = cmd.getOptionValueSource("mode") === "cli" ? o.mode : "para";
  if (mode === "native") throw new UsageError("--guest runs guests under the VMM: --mode para or --mode full (native mode has one guest, which owns the CPU)");
  // full:IMAGE and para:IMAGE give that guest its own mode (full and para guests can be mixed).
  const images = list.map((g) => {
    const m = /^(full|para):(.+)$/.exec(g);
    if (/^native:/.test(g)) throw new UsageError(`--guest ${g}: several guests run under the VMM: full:IMAGE or para:IMAGE (native mode has one guest)`);
    const path = imagePath(m ? m[2] : g);
    return { path, bytes: readImage(path), mode: m?.[1] as "full" | "para" | undefined };
  });
  try {
    return await runGuests({
      images, mode, ram: o.ram, cpuHz: o.cpuHz, cmdline: o.cmdline, weights: o.weights, slice: o.slice,
      maxInsns: o.maxInsns, timeout: o.timeout, stats: o.stats, vmmCost: o.vmmCost,
    });
  } catch (e) {
    if (e instanceof GuestsUsageError || e instanceof ImageError) throw new UsageError((e as Error).message);
    throw e;
  }
}

/** Checks the image options and gives the function that boots a machine with the image loaded (and
 *  its virtio devices), and the one that closes the devices' files at the end. */
function prepareBoot(imageArg: string | undefined, o: RunCliOpts, stdout: (b: Uint8Array) => void): { boot: (rebooted: boolean) => Promise<Machine>; close: () => void } {
  if (imageArg !== undefined && o.kernel !== undefined) throw new UsageError(`give either an image or --kernel, not both`);
  const given = imageArg ?? o.kernel;
  if (given === undefined) throw new UsageError("vm7 run: no image given (an ELF, a raw binary with --load-addr, a name from vm7 run --list, or --kernel zImage)");
  const image = imagePath(given);
  const bytes = readImage(image);
  const linux = o.kernel !== undefined || isZImage(bytes);
  if (!linux && (o.dtb || o.initrd || o.append)) throw new UsageError("--dtb, --initrd and --append apply to Linux kernels (--kernel zImage)");
  if (o.semihostingRoot !== undefined) {
    try { if (!statSync(o.semihostingRoot).isDirectory()) throw new Error(); } catch { throw new UsageError(`--semihosting-root ${o.semihostingRoot}: not a directory`); }
  }
  if (o.textOffset !== undefined && !linux) throw new UsageError("--text-offset applies to Linux kernels (--kernel Image)");
  if (o.textOffset !== undefined && isZImage(bytes)) throw new UsageError(`${image}: a zImage places itself; --text-offset is for a raw Image`);
  const dtb = linux ? readImage(o.dtb ?? boardDtbPath()) : undefined;
  const initrd = linux && o.initrd !== undefined ? readImage(o.initrd) : undefined;
  // --disk, --net, --vconsole: their files are opened once; each machine booted gets the devices.
  const virtio = openVirtioDevices(o as DiskOpts, o.mode, (s) => process.stderr.write(`vm7: ${s}\n`));
  // The machine with the image loaded: the first, and a fresh one each time the guest resets the
  // board (PRM_RSTCTRL), as a real board boots the same images again.
  const boot = async (rebooted: boolean): Promise<Machine> => {
    let m: Machine;
    try {
      m = await Machine.create({
        ramMiB: o.ram, clock: o.clock, cpuHz: o.cpuHz, semihosting: o.semihosting, rebooted,
        semihostingRoot: o.semihostingRoot, cmdline: o.cmdline ?? basename(image), mode: o.mode, vmmCost: o.vmmCost, engine: o.engine,
        onConsole: stdout, onConsoleErr: (b) => { process.stderr.write(b); },
      });
    } catch (e) { throw new UsageError((e as Error).message); }
    try {
      if (linux) {
        if (o.loadAddr !== undefined) throw new UsageError(`${image}: --load-addr does not apply to a zImage (it is placed at 0x82000000)`);
        loadLinux(m, {
          kernel: bytes, kernelName: image, textOffset: o.textOffset, dtb: dtb!, dtbName: o.dtb ?? boardDtbPath(), initrd, append: o.append,
        });
      } else if (isElf(bytes)) {
        if (o.loadAddr !== undefined) throw new UsageError(`${image}: --load-addr applies to raw binaries, and this is an ELF`);
        m.loadElf(bytes, image);
      } else {
        if (o.loadAddr === undefined) {
          throw new UsageError(`${image}: not an ELF file (no \\x7fELF magic at offset 0); to run a raw binary, give --load-addr (e.g. 0x${hex(DEFAULT_LOAD)})`);
        }
        m.loadRaw(bytes, o.loadAddr, o.loadAddr, image);
      }
    } catch (e) {
      if (e instanceof ImageError || e instanceof UsageError) throw e;
      throw new UsageError((e as Error).message);
    }
    if (o.entry !== undefined) m.pc = o.entry;
    virtio.attach(m);
    return m;
  };
  return { boot, close: () => virtio.close() };
}
