// host.ts for a browser: there is no build directory to read the core from (the page compiles it and
// calls setCoreModule) and no host file system for semihosting.
import type { HostFiles } from "./semihosting.js";

export function defaultCoreModule(): WebAssembly.Module {
  throw new Error("no WebAssembly core: in a browser, compile build/vm7-core.wasm and pass it to setCoreModule() first");
}

export function hostFiles(root: string): HostFiles {
  throw new Error(`semihosting root ${root}: a browser has no host files to give the guest`);
}

/** A browser has no environment variables. */
export function hostEnv(_name: string): string | undefined { return undefined; }
