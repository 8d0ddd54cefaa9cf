// Layering (issue 10 §6): the CPU, ISA, decoders, MMU, bus and devices never import the VMM; the VMM
// attaches at the trap points of assembly/cpu/traps.ts.
import { describe, it, expect } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const root = join(__dirname, "..", "assembly");
const lower = ["cpu", "isa", "decode", "mmu", "bus", "dev"];

function imports(file: string): string[] {
  const src = readFileSync(file, "utf8");
  return [...src.matchAll(/\bfrom\s+"([^"]+)"|^\s*import\s+"([^"]+)"/gm)].map((m) => m[1] ?? m[2]);
}

describe("assembly layering", () => {
  it("reads imports (the scan finds the CPU's own imports)", () => {
    expect(imports(join(root, "cpu", "run.ts"))).toContain("./traps");
    expect(imports(join(root, "vmm", "trap.ts"))).toContain("../cpu/traps");
  });

  for (const dir of lower) {
    it(`assembly/${dir} imports nothing from assembly/vmm`, () => {
      const bad: string[] = [];
      for (const f of readdirSync(join(root, dir)).filter((n) => n.endsWith(".ts"))) {
        for (const m of imports(join(root, dir, f))) if (/(^|\/)vmm\//.test(m)) bad.push(`${dir}/${f}: ${m}`);
      }
      expect(bad).toEqual([]);
    });
  }
});
