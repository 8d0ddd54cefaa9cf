// Debian's kernel and busybox packages for the tests that boot Linux: `vm7 linux --fetch-only` once per
// test file, in beforeAll (on an empty cache apt takes a minute, too long to block a test worker), and
// a skip with the reason where apt cannot get them.
import { beforeAll } from "vitest";
import { join } from "node:path";
import { run } from "./run.js";

const root = join(import.meta.dirname, "..", "..");

/** needPackages() in a describe block fetches them; skipWithout(ctx) in a test skips it without them.
 *  `tag` names the test file in the lines written to stderr. */
export function debianPackages(tag: string): { needPackages: () => void; skipWithout: (ctx: { skip: (note?: string) => never }) => void } {
  let fetching: Promise<string> | undefined;
  let unavailable = "";
  return {
    needPackages(): void {
      beforeAll(async () => {
        unavailable = await (fetching ??= (async () => {
          const r = await run(process.execPath, [join(root, "bin/vm7.js"), "linux", "--fetch-only"], {
            timeoutMs: 900_000, onStderrLine: (l) => process.stderr.write(`${tag}: ${l.replace(/^vm7: /, "")}\n`),
          });
          if (r.status === 0) return "";
          const why = r.stderr.trim().split("\n").pop() || `vm7 linux --fetch-only exited with ${r.status}`;
          process.stderr.write(`${tag}: SKIPPED the Linux boots: ${why}\n`);
          return why;
        })());
      }, 900_000);
    },
    skipWithout(ctx): void {
      if (unavailable !== "") ctx.skip(`cannot get Debian's packages: ${unavailable}`);
    },
  };
}
