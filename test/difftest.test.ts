// Differential test of A32 execution against QEMU (tools/difftest): random User-mode sequences
// generated from the decode table run in vm7 and in qemu-arm -cpu cortex-a8; registers r0-r14,
// N Z C V Q GE and the scratch block must agree. Skipped when qemu-arm is not installed. Uses the
// compiled host in dist/ (npm test builds first).
import { describe, it, expect } from "vitest";
// @ts-ignore: plain ESM tool, no type declarations
import { difftest, qemuAvailable, reproducer } from "../tools/difftest/lib.mjs";
// @ts-ignore
import { generate, POOL } from "../tools/difftest/gen.mjs";

const COUNT = 20000;
const SEED = 20261123;
// Known and documented gap, left out so this test guards everything else: vm7 does not model
// big-endian data accesses after SETEND BE (assembly/isa/system.ts), QEMU does. `npm run difftest`
// still generates SETEND; drop this filter once CPSR.E is honoured by loads and stores.
const UNMODELLED = ["SETEND"];

describe("A32 generator", () => {
  it("is deterministic and reaches every pattern of its pool", () => {
    expect(generate(SEED, 17).words).toEqual(generate(SEED, 17).words);
    const seen = new Set<string>();
    for (let k = 0; k < 4000; k++) for (const u of generate(SEED, k).units) seen.add(u.name.split("+").pop()!);
    expect(POOL.filter((n: string) => !seen.has(n))).toEqual([]);
  });
});

describe.skipIf(!qemuAvailable())("A32 against qemu-arm", () => {
  it(`${COUNT} random sequences agree (seed ${SEED})`, async () => {
    const pool = POOL.filter((n: string) => !UNMODELLED.includes(n));
    const res = await difftest({ count: COUNT, seed: SEED, shrinkMax: 100, pool });
    const msg = [`${res.fails} of ${COUNT} sequences differ; after shrinking:`,
      ...res.groups.map((g: any) => `  ${g.count}  ${g.key}`),
      ...res.groups.slice(0, 10).map((g: any) => `\n== ${g.key}\n${reproducer(g.example)}`)].join("\n");
    expect(res.fails, msg).toBe(0);
  }, 300_000);
});
