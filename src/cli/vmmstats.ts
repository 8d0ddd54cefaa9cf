// The VMM's counters as `vm7 run --stats` and `vm7 linux --stats` print them.
import type { Machine } from "../machine/machine.js";

/** The VMM counters as printed by --stats: one 'name value' per line (hypercall counters only when non-zero). */
export function formatVmmStats(m: Machine): string {
  const st = m.vmmStats();
  const keys = Object.keys(st);
  const lines = [`vm7: vmm stats (${m.mode} mode):`];
  for (const k of keys) if (st[k] !== 0 || !k.startsWith("hc_")) lines.push(`  ${k.padEnd(20)} ${st[k]}`);
  return lines.join("\n") + "\n";
}
