#!/usr/bin/env node
// The vm7 command: runs the compiled host (dist/, built by `npm run build`).
import { existsSync } from "node:fs";
const main = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(main)) {
  process.stderr.write("vm7: not built yet: run 'npm run build' in the vm7 directory first\n");
  process.exit(2);
}
// A closed pipe (vm7 ... | head) ends the run quietly, as other command-line tools do.
for (const s of [process.stdout, process.stderr]) s.on("error", (e) => { if (e.code === "EPIPE") process.exit(0); throw e; });
const { main: run } = await import(main.href);
process.exitCode = await run(process.argv.slice(2));
