// vm7's public ESM API: the same entry points the CLI and the tests use.
//   import { Machine, bundledImage } from "vm7";
//   const m = await Machine.create({ ramMiB: 64 });
//   m.loadElf(readFileSync(bundledImage("hello"))); const r = m.run({ maxInsns: 1e6 }); console.log(r.message, m.output);
export { Machine, MODE, hex } from "./machine/machine.js";
export { VM_MODES } from "./machine/machine.js";
export type { MachineOptions, RunOptions, RunResult, StopReason, Translation, VmMode } from "./machine/machine.js";
export type { JitOptions, JitStats } from "./jit/jit.js";
export { parseElf, isElf, elfSymbols, ImageError } from "./loaders/elf.js";
export type { LoadImage, Segment, ElfSymbol } from "./loaders/elf.js";
export { disasmA32 } from "./disasm/a32.js";
export { bundledImages, bundledImage, version, coreIdentity, type BundledImage } from "./images.js";
export type { HookHandle, HookRange, MemAccess, ExceptionEvent, ExceptionKind, TrapEvent, DebugStop } from "./debug/debugger.js";
