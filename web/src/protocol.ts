// The messages between the page (page.ts) and the emulator's Web Worker (worker.ts).
import type { SuiteResult, SuiteRun } from "../../src/bench/runner.js";

export type Mode = "native" | "full" | "para";
export type Clock = "virtual" | "wall";

/** What to boot: an ELF (hello, the tiny kernel, the user's), or a Linux kernel with its DTB and initrd
 *  (a zImage the guest decompresses, or a raw Image entered at RAM + textOffset). */
export type Boot =
  | { kind: "elf"; name: string; bytes: Uint8Array }
  | { kind: "linux"; name: string; kernel: Uint8Array; textOffset?: number; dtb: Uint8Array; initrd?: Uint8Array; append?: string };

export interface MachineChoice { mode: Mode; clock: Clock; cpuHz: number; ramMiB: number; engine?: string }

/** Messages to the worker; `core` (the compiled emulator core) comes with the first one. */
export type ToWorker = { core?: WebAssembly.Module } & (
  | { type: "probe" }
  | { type: "boot"; boot: Boot; machine: MachineChoice; cmdline: string }
  | { type: "input"; bytes: Uint8Array }
  | { type: "pause" }
  | { type: "resume" }
  | { type: "bench"; quick: boolean; modes: Mode[]; kernels: Record<Mode, Uint8Array>; machine: Omit<MachineChoice, "mode"> });

/** VMM counters sampled with the live figures (all 0 in native mode). */
export type VmmCounters = Record<string, number>;

export type FromWorker =
  | { type: "ready"; modes: Mode[]; engines: string[] }
  | { type: "console"; bytes: Uint8Array }
  | { type: "figures"; icount: number; seconds: number; running: boolean; vmm: VmmCounters }
  | { type: "stopped"; reason: string; message: string; exitCode?: number; icount: number; regs?: string }
  | { type: "error"; message: string }
  | { type: "bench-progress"; mode: string; text: string }
  | { type: "bench-result"; result: SuiteResult }
  | { type: "bench-run"; run: SuiteRun }
  | { type: "bench-done" };
