// The test runner's settings. Tests that emulate millions of instructions in-process take seconds,
// several times more on a loaded 2-core machine than vitest's 5 s default allows: 60 s per test
// unless the test says otherwise. Long host steps (Linux packages, fixture rebuilds, boots, qemu)
// run in child processes (test/helpers/run.ts) so that no worker blocks its event loop for long.
//
// Two projects (issue 11: the JIT is the default engine, the interpreter stays the proven reference):
// - "default": every test file, machines on the default engine (the JIT, or $VM7_ENGINE);
// - "interp": the ISA, exception, MMU and VMM suites again with VM7_ENGINE=interp (about 20 s).
// Tests that name an engine keep theirs in both. `npx vitest run --project interp` runs one.
import { defineConfig } from "vitest/config";

/** The reference suites run under the interpreter as well. */
export const INTERP_SUITES = [
  "test/isa-a32.test.ts", "test/isa-thumb.test.ts", "test/vfp.test.ts", "test/exceptions.test.ts",
  "test/mmu.test.ts", "test/tlb-asid.test.ts", "test/cp15.test.ts", "test/vmm.test.ts", "test/vmm-asid.test.ts",
];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    projects: [
      { extends: true, test: { name: "default" } },
      { extends: true, test: { name: "interp", include: INTERP_SUITES, env: { VM7_ENGINE: "interp" } } },
    ],
  },
});
