// vm7's API in a browser or a Web Worker: what index.ts offers, and the loaders a page needs, without
// anything of Node. A bundler maps machine/host.js to machine/host-browser.js (package.json "browser");
// the page compiles the core itself and hands it over before it creates machines:
//   setCoreModule(await WebAssembly.compileStreaming(fetch("vm7-core.wasm")));
export { Machine, MODE, VM_MODES, hex } from "./machine/machine.js";
export type { MachineOptions, RunOptions, RunResult, StopReason, Translation, VmMode } from "./machine/machine.js";
export { setCoreModule } from "./machine/core.js";
export { parseElf, isElf, ImageError } from "./loaders/elf.js";
export type { LoadImage, Segment } from "./loaders/elf.js";
export { loadLinux, type LinuxBoot } from "./loaders/linux.js";
export { isZImage } from "./loaders/zimage.js";
export { disasmA32 } from "./disasm/a32.js";
