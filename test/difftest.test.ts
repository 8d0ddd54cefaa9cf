// Differential test against QEMU (tools/difftest): random User-mode sequences generated from the
// decode tables run in vm7 and in qemu-arm -cpu cortex-a8, A32 and Thumb (T16/T32 with IT blocks),
// both with VFP; r0-r14, N Z C V Q GE, T and ITSTATE, D0-D31, FPSCR and the scratch block must
// agree. Skipped when qemu-arm is not installed. Uses the compiled host in dist/ (npm test builds
// first). `npm run difftest -- --isa all --count N --seed S` runs the long version.
import { describe, it, expect } from "vitest";
import { breathe } from "./helpers/run.js";
// @ts-ignore: plain ESM tool, no type declarations
import { difftest, qemuAvailable, reproducer, generateAny } from "../tools/difftest/lib.mjs";
// @ts-ignore
import { Vm7Runner } from "../tools/difftest/vm7.mjs";
// @ts-ignore
import { SEQ } from "../tools/difftest/layout.mjs";
// @ts-ignore
import { POOL } from "../tools/difftest/gen.mjs";
// @ts-ignore
import { TPOOL } from "../tools/difftest/tgen.mjs";
// @ts-ignore
import { matchThumb } from "../dist/disasm/thumb.js";

const COUNT = 15000; // per instruction set
const JIT_COUNT = 1500; // per instruction set under --engine jit (each sequence runs twice, compiling costs ~1 ms a block)
const SEED = 20261123;

describe("generators", () => {
  it("are deterministic and reach every pattern of their pools", async () => {
    expect(generateAny(SEED, 17, { isa: "a32" }).words).toEqual(generateAny(SEED, 17, { isa: "a32" }).words);
    expect(generateAny(SEED, 17, { isa: "t32" }).words).toEqual(generateAny(SEED, 17, { isa: "t32" }).words);
    const seen = new Set<string>();
    const note = (name: string) => { for (const n of name.split(/[+ ]/)) seen.add(n); };
    for (let k = 0; k < 6000; k++) {
      if (k % 500 === 0) await breathe();
      for (const u of generateAny(SEED, k, { isa: "a32" }).units) note(u.name);
      for (const u of generateAny(SEED, k, { isa: "t32" }).units) { note(u.name); if (u.members) seen.add("IT"); }
    }
    seen.add("t32:LDREX"); // pairs are named LDREX+STREX
    const missing = [...POOL.filter((n: string) => !seen.has(n)), ...TPOOL.filter((n: string) => !seen.has(n) && !seen.has(n.replace(/^t32:/, "t32:LDREX+")))];
    expect(missing).toEqual([]);
  });

  // An independent check of the IT rules (ARM ARM A8.8.54 IT): walk the halfwords of many Thumb
  // tests, and for every IT count its members from the mask and check what may not be inside.
  it("builds IT blocks by the ARM ARM rules", async () => {
    let blocks = 0;
    for (let k = 0; k < 3000; k++) {
      if (k % 500 === 0) await breathe();
      const t = generateAny(SEED, k, { isa: "t32" });
      // the units' halfwords, but not the ARM islands (A32 words inside a Thumb test)
      const h: number[] = t.units.filter((u: any) => !u.name.endsWith(">arm")).flatMap((u: any) => u.words);
      let left = 0;
      for (let i = 0; i < h.length;) {
        const wide = h[i] >= 0xe800;
        const insn = wide ? ((h[i] << 16) | h[i + 1]) >>> 0 : h[i];
        const name = matchThumb(insn, wide)?.name;
        if (left > 0) {
          expect(["IT", "CBZ", "CBNZ", "SETEND", "CPS", "BKPT"].includes(name) || (!wide && name === "B_cond") || (wide && name === "B_cond")).toBe(false);
          if (["B", "BL", "BX", "BLX_r", "BXJ"].includes(name)) expect(left).toBe(1);
          left--;
        } else if (!wide && name === "IT") {
          const firstcond = (insn >>> 4) & 15, mask = insn & 15;
          expect(mask).not.toBe(0);
          expect(firstcond).not.toBe(15);
          left = 4 - (mask & -mask).toString(2).length + 1; // position of the lowest set bit
          if (firstcond === 14) expect(mask & ~(mask & -mask) & 15).toBe(0); // AL: every member "then"
          blocks++;
        }
        i += wide ? 2 : 1;
      }
      expect(left).toBe(0); // no block runs past the end
    }
    expect(blocks).toBeGreaterThan(1000);
  });
});

describe.skipIf(!qemuAvailable())("against qemu-arm", () => {
  for (const isa of ["a32", "t32"]) {
    it(`${COUNT} random ${isa === "a32" ? "A32" : "Thumb"} sequences agree (seed ${SEED})`, async () => {
      const res = await difftest({ count: COUNT, seed: SEED, shrinkMax: 100, isa });
      const msg = [`${res.fails} of ${COUNT} sequences differ; after shrinking:`,
        ...res.groups.map((g: any) => `  ${g.count}  ${g.key}`),
        ...res.groups.slice(0, 10).map((g: any) => `\n== ${g.key}\n${reproducer(g.example)}`)].join("\n");
      expect(res.fails, msg).toBe(0);
      expect(res.counts[isa]).toBe(COUNT);
      expect(res.counts[isa + "vfp"]).toBeGreaterThan(COUNT / 10);
    }, 300_000);
  }

  // The JIT (--engine jit): each sequence runs once interpreted, which makes its blocks known at
  // threshold 1, then again from the same inputs through compiled code, whose result is compared.
  for (const isa of ["a32", "t32"]) {
    it(`${JIT_COUNT} random ${isa === "a32" ? "A32" : "Thumb"} sequences agree under --engine jit (seed ${SEED + 1})`, async () => {
      const res = await difftest({ count: JIT_COUNT, seed: SEED + 1, shrinkMax: 20, isa, engine: "jit", batch: 500 });
      const msg = [`${res.fails} of ${JIT_COUNT} sequences differ under the JIT; after shrinking:`,
        ...res.groups.map((g: any) => `  ${g.count}  ${g.key}`),
        ...res.groups.slice(0, 5).map((g: any) => `\n== ${g.key}\n${reproducer(g.example)}`)].join("\n");
      expect(res.fails, msg).toBe(0);
      expect(res.engine).toBe("jit");
      expect(res.counts[isa]).toBe(JIT_COUNT);
      // compiled code ran: at least one block compiled and entered per sequence
      expect(res.jit.compiled).toBeGreaterThanOrEqual(JIT_COUNT);
      expect(res.jit.entries).toBeGreaterThanOrEqual(JIT_COUNT);
    }, 300_000);
  }

  // Self-modifying stores (--smc): each A32 sequence holds one STR that rewrites an instruction after
  // it in the same block (behind an ISB, see gen.mjs unitSelfModifying), under both engines.
  for (const engine of ["interp", "jit"]) {
    it(`1000 A32 sequences with a self-modifying store agree (${engine}, seed ${SEED + 2})`, async () => {
      const res = await difftest({ count: 1000, seed: SEED + 2, shrinkMax: 20, isa: "a32", engine, smc: true, batch: 500 });
      const msg = [`${res.fails} of 1000 sequences differ; after shrinking:`, ...res.groups.map((g: any) => `  ${g.count}  ${g.key}`),
        ...res.groups.slice(0, 5).map((g: any) => `\n== ${g.key}\n${reproducer(g.example)}`)].join("\n");
      expect(res.fails, msg).toBe(0);
      if (engine === "jit") expect(res.jit.entries).toBeGreaterThanOrEqual(1000);
    }, 300_000);
  }

  it("--smc sequences really rewrite their own code: STR rT, [PC, #0|4], ISB, and the word after it changes", () => {
    const vm = new Vm7Runner();
    let changed = 0;
    for (let k = 0; k < 200; k++) {
      const t = generateAny(SEED + 2, k, { isa: "a32", smc: true });
      expect(t.units.some((x: any) => x.name === "SETEND")).toBe(false);
      const at = t.units.findIndex((u: any) => u.name === "STR>code");
      expect(at).toBeGreaterThanOrEqual(0);
      const u = t.units[at];
      const str = u.words[2] >>> 0;
      expect(((str & 0xffff0fff) >>> 0).toString(16)).toMatch(/^e58f000[04]$/); // STR rT, [PC, #0] / [PC, #4]
      expect(u.words[3] >>> 0).toBe(0xf57ff06f);                                 // ISB
      expect(u.words.length).toBe((str & 0xfff) === 4 ? 6 : 5);                  // the rewritten word is the unit's last
      // Where the unit lies, and whether its store ran (it may be skipped by a branch or an abort before it).
      const first = t.units.slice(0, at).reduce((n: number, x: any) => n + x.words.length, 0);
      const target = first + u.words.length - 1;
      const r = vm.run(t);
      const after = new DataView(vm.m.readRam(SEQ + 4 * target, 4).buffer).getUint32(0, true);
      if (r.status === "ok" && after !== t.words[target] >>> 0) changed++;
    }
    expect(changed).toBeGreaterThan(100);
  });
});
