// vm7's public ESM API: the same entry points the CLI and the tests use.
//   import { Machine } from "vm7";
//   const m = await Machine.create({ ramMiB: 64 });
//   m.loadElf(bytes); const r = m.run({ maxInsns: 1e6 }); console.log(r.message, m.reg(0));
export { Machine, MODE, hex } from "./machine/machine.js";
export type { MachineOptions, RunOptions, RunResult, StopReason, Translation } from "./machine/machine.js";
export { parseElf, isElf, elfSymbols, ImageError } from "./loaders/elf.js";
export type { LoadImage, Segment, ElfSymbol } from "./loaders/elf.js";
export { disasmA32 } from "./disasm/a32.js";
export type { HookHandle, HookRange, MemAccess, ExceptionEvent, ExceptionKind, TrapEvent, DebugStop } from "./debug/debugger.js";
