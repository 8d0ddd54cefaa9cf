// What a Machine takes from the host it runs on, for Node: the core's .wasm read from the build
// directory, and the host file system below a root for semihosting. A browser build swaps this module
// for host-browser.ts (package.json "browser" field), so that the Machine itself imports nothing of Node.
import { readFileSync, existsSync, openSync, closeSync, readSync, writeSync, fstatSync, realpathSync } from "node:fs";
import { resolve, sep, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { EACCES, ENOENT, type HostFiles } from "./semihosting.js";

/** Where the core is: VM7_CORE overrides the default build/vm7-core.wasm. */
export function corePath(): string {
  return process.env.VM7_CORE ?? fileURLToPath(new URL("../../build/vm7-core.wasm", import.meta.url));
}

/** The core compiled from corePath(). */
export function defaultCoreModule(): WebAssembly.Module {
  const path = corePath();
  if (!existsSync(path)) throw new Error(`${path}: the WebAssembly core is not built (run 'npm run build')`);
  return new WebAssembly.Module(readFileSync(path));
}

/** The files below `root` (a directory), for semihosting's SYS_OPEN and what follows it. */
export function hostFiles(root: string): HostFiles {
  const top = realpathSync(root);
  return {
    /** The host path for a guest file name, or null when it falls outside the root. */
    path(name) {
      if (name.length === 0 || name.includes("\0")) return null;
      const path = resolve(top, name.replace(/^\/+/, ""));
      if (path !== top && !path.startsWith(top + sep)) return null;
      // Symbolic links inside the root must not lead out of it either.
      let probe = path;
      while (!existsSync(probe)) probe = dirname(probe);
      const real = realpathSync(probe);
      if (real !== top && !real.startsWith(top + sep)) return null;
      return path;
    },
    open(path, flags) {
      if (flags.startsWith("r") && !existsSync(path)) return { errno: ENOENT };
      try { return { fd: openSync(path, flags) }; } catch { return { errno: EACCES }; }
    },
    close: (fd) => closeSync(fd),
    read: (fd, buf, pos) => readSync(fd, buf, 0, buf.length, pos),
    write: (fd, data, pos) => writeSync(fd, data, 0, data.length, pos),
    size: (fd) => fstatSync(fd).size,
  };
}

/** An environment variable (a browser has none). */
export function hostEnv(name: string): string | undefined { return process.env[name]; }
