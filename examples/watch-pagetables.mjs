#!/usr/bin/env node
// Who writes the guest kernel's page tables? Boots vm7's tiny kernel (fixtures/kernel) and watches
// every guest store into its first-level translation tables with Machine.hookMem (physical
// addresses, so any virtual alias the kernel writes through is caught), printing the writing
// instruction's address and function, the table entry and the value written: the memory-write
// trap that detects page-table tampering, as a debugger hook. Works in every mode: natively, and
// under the VMM (--mode full, --mode para with kernel-para.elf), where the hook sees the guest's own
// stores, not the VMM's shadow tables.
//
//   npm run build && node examples/watch-pagetables.mjs [--mode native|full|para] [--all] [kernel.elf]
// (--all prints every write, the tables being cleared included; by default the first 30 non-zero ones)
import { readFileSync } from "node:fs";
import { Machine, elfSymbols, hex } from "../dist/index.js";

const argv = process.argv.slice(2);
const mode = argv.includes("--mode") ? argv[argv.indexOf("--mode") + 1] : "native";
const all = argv.includes("--all");
const image = argv.find((a, i) => !a.startsWith("--") && argv[i - 1] !== "--mode")
  ?? new URL(`../fixtures/kernel/${mode === "para" ? "kernel-para" : "kernel"}.elf`, import.meta.url).pathname;
const elf = readFileSync(image);

// Symbols for "who wrote": the function containing an address.
const syms = elfSymbols(elf);
const funcs = syms.filter((s) => s.func || s.size === 0); // functions and assembly labels
function where(pc) {
  let best;
  for (const f of funcs) if (f.addr <= pc && (!best || f.addr > best.addr)) best = f;
  return best && pc - best.addr < Math.max(best.size, 0x1000) ? `${best.name}+0x${(pc - best.addr).toString(16)}` : "?";
}
const sym = (name) => syms.find((s) => s.name === name);

const m = await Machine.create({ mode });
m.loadElf(elf, image);

// The tiny kernel's L1 tables: kernel_l1 (16 KiB, TTBR1) and the per-process user_l1 pool (TTBR0,
// 8 KiB each with TTBCR.N = 1). Their physical addresses come from the guest's own translation
// once its MMU is on; until then virtual = physical - 0x40000000 for this kernel's linked image.
const toPA = (va) => (va - 0xc0000000 + 0x80000000) >>> 0;
const tables = [
  { name: "kernel_l1", base: toPA(sym("kernel_l1").addr), size: 0x4000 },
  { name: "user_l1", base: toPA(sym("user_l1").addr), size: sym("user_l1").size },
];

const byWriter = new Map();
let shown = 0;
for (const t of tables) {
  m.hookMem("write", { begin: t.base, end: t.base + t.size - 1 }, (a) => {
    const key = where(a.pc);
    byWriter.set(key, (byWriter.get(key) ?? 0) + 1);
    // The boot code and memset clear whole tables: by default only mappings being made are shown.
    if (!all && (shown >= 30 || a.value === 0)) return;
    shown++;
    const off = a.physical - t.base;
    const table = t.name === "user_l1" ? `user_l1[${Math.floor(off / 0x2000)}]` : "kernel_l1";
    const idx = (off % (t.name === "user_l1" ? 0x2000 : 0x4000)) >>> 2;
    const kind = ["fault", "page table", "section", "reserved"][a.value & 3];
    console.log(`#${String(a.icount).padStart(9)}  pc 0x${hex(a.pc)} ${where(a.pc).padEnd(24)} ${table} entry ${String(idx).padStart(4)} ` +
      `(VA 0x${hex(idx << 20)}) = 0x${hex(a.value)} (${kind})`);
  }, { physical: true });
}
// The guest's exceptions (hookInterrupt) tell which system call or fault led there.
let exceptions = 0;
m.hookInterrupt(() => { exceptions++; });

const r = m.run();
process.stdout.write(m.output.split("\n").filter((l) => /selftest|exited/.test(l)).join("\n") + "\n");
console.log(`\n${r.message} after ${m.icount} instructions (${mode} mode), ${exceptions} guest exceptions`);
console.log("page-table writes by writer:");
for (const [w, n] of [...byWriter].sort((a, b) => b[1] - a[1])) console.log(`  ${String(n).padStart(6)}  ${w}`);
