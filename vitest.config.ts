// The test runner's settings. Tests that emulate millions of instructions in-process take seconds,
// several times more on a loaded 2-core machine than vitest's 5 s default allows: 60 s per test
// unless the test says otherwise. Long host steps (Linux packages, fixture rebuilds, boots, qemu)
// run in child processes (test/helpers/run.ts) so that no worker blocks its event loop for long.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    testTimeout: 60_000,
  },
});
