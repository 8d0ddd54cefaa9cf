// `monitor` commands of the GDB stub (qRcmd): what the VMM and the MMU are doing, physical memory,
// the instruction count, snapshots. Each returns the text to show.
import { hex, type Machine } from "../machine/machine.js";
import { formatVmmStats } from "../cli/vmmstats.js";

/** Extra commands the session adds (snapshot save|load, reverse execution's figures). */
export type MonitorExtra = Record<string, { help: string; run: (args: string[]) => string | Promise<string> }>;

const HELP: Array<[string, string]> = [
  ["stats", "the VMM's counters (full and para mode)"],
  ["mode", "the execution mode and RAM layout"],
  ["phys ADDR [LEN]", "physical memory, hex dump (LEN bytes, default 64, at most 4096)"],
  ["tlb", "the software TLB's valid entries (virtual page -> physical page), per context bank and set"],
  ["shadow VA", "the guest's own translation of VA and (full/para) the shadow translation the CPU uses"],
  ["icount", "instructions retired since power-on"],
];

export async function monitorCommand(m: Machine, line: string, extra: MonitorExtra = {}): Promise<string> {
  const [cmd, ...args] = line.split(/\s+/).filter((s) => s);
  const num = (s: string | undefined, what: string): number => {
    const v = s === undefined ? NaN : /^0x/i.test(s) ? parseInt(s, 16) : Number(s);
    if (!Number.isFinite(v) || v < 0 || v > 0xffffffff) throw new Error(`${what}: want a number (decimal or 0x hex), got '${s ?? ""}'`);
    return v;
  };
  switch (cmd) {
    case undefined: case "help": {
      const rows = [...HELP, ...Object.entries(extra).map(([k, v]) => [k, v.help] as [string, string])];
      return "vm7 monitor commands:\n" + rows.map(([c, h]) => `  ${c.padEnd(22)} ${h}`).join("\n") + "\n";
    }
    case "stats":
      return m.mode === "native" ? "native mode: no VMM (run with --mode full or para for its counters)\n" : formatVmmStats(m).replace(/^vm7: /, "");
    case "mode": {
      const guest = m.mode === "native" ? m.ramBytes : m.ramBytes - (16 << 20);
      return `${m.mode} mode; RAM 0x${hex(m.ramBase)}-0x${hex(m.ramBase + m.ramBytes - 1)} (${m.ramBytes >>> 20} MiB)` +
        (m.mode === "native" ? "" : `, the guest's partition the first ${guest >>> 20} MiB, the VMM's the top 16 MiB`) +
        `; guest cpsr=${hex(m.cpsr)}` + (m.mode === "native" ? "" : `, real cpsr=${hex(m.realCpsr)}`) + "\n";
    }
    case "phys": {
      const a = num(args[0], "phys ADDR");
      const len = Math.min(args[1] === undefined ? 64 : num(args[1], "phys LEN"), 4096);
      const lines: string[] = [];
      for (let o = 0; o < len; o += 16) {
        const bytes: string[] = [];
        let text = "";
        for (let i = 0; i < 16 && o + i < len; i++) {
          let b: number;
          try { b = m.physRead((a + o + i) >>> 0, 1); } catch { return lines.join("") + `0x${hex(a + o + i)}: nothing is mapped there\n`; }
          bytes.push(b.toString(16).padStart(2, "0"));
          text += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : ".";
        }
        lines.push(`${hex(a + o)}: ${bytes.join(" ").padEnd(47)}  ${text}\n`);
      }
      return lines.join("");
    }
    case "tlb": return tlbDump(m);
    case "shadow": {
      const va = num(args[0], "shadow VA") >>> 0;
      const { x } = m.core;
      const kinds = ["read", "write", "execute"];
      const out: string[] = [];
      const priv = m.mode === "native" ? (m.cpsr & 0x1f) !== 0x10 : (m.cpsr & 0x1f) !== 0x10;
      if (m.mode !== "native") {
        for (let k = 0; k < 3; k++) {
          const pa = x.vmmGuestTranslate(va, k, priv ? 1 : 0) >>> 0, f = x.vmmGuestFault() >>> 0;
          out.push(`guest  ${kinds[k].padEnd(7)} 0x${hex(va)} -> ${f === 0 ? `0x${hex(pa)}` : `fault, fsr 0x${f.toString(16)}`}`);
        }
      }
      // The real CPU's translation: natively the guest's own tables; under the VMM the shadow
      // tables (the real CPU runs in User mode there).
      const realPriv = m.mode === "native" ? priv : false;
      for (let k = 0; k < 3; k++) {
        const t = m.translate(va, k as 0 | 1 | 2, realPriv);
        out.push(`${m.mode === "native" ? "mmu   " : "shadow"} ${kinds[k].padEnd(7)} 0x${hex(va)} -> ${"pa" in t ? `0x${hex(t.pa)}` : `fault, fsr 0x${t.fault.toString(16)}`}`);
      }
      return out.join("\n") + "\n";
    }
    case "icount": return `${m.icount} instructions retired\n`;
    default: {
      const e = extra[cmd];
      if (e) return e.run(args);
      return `unknown monitor command '${cmd}' (try 'monitor help')\n`;
    }
  }
}

// The software TLB (assembly/mmu/tlb.ts): an empty set, then banks of 8 sets (one bank per
// translation context), 1024 entries { tag, addend } per set; data sets' addends lead to host
// (WebAssembly) addresses, fetch sets' to physical ones.
const SET_NAMES = ["priv read", "priv write", "priv fetch", "user read", "user write", "user fetch", "priv code-page write", "user code-page write"];
function tlbDump(m: Machine): string {
  const { x, k } = m.core;
  const v = new DataView(x.memory.buffer);
  const out: string[] = [];
  for (let s = 1; s < k.LAYOUT_TLB_SETS; s++) {
    const rows: string[] = [];
    const kind = (s - 1) % 8;
    for (let i = 0; i < 1024; i++) {
      const e = k.LAYOUT_TLB + s * 8192 + i * 8;
      const tag = v.getUint32(e, true), add = v.getUint32(e + 4, true);
      if ((tag & 0xfff) !== 0) continue; // invalid
      const fetch = kind === 2 || kind === 5;
      const pa = fetch ? (tag + add) >>> 0 : (tag + add - k.LAYOUT_RAM + k.LAYOUT_RAM_PHYS) >>> 0;
      rows.push(`  0x${hex(tag)} -> 0x${hex(pa)}`);
    }
    if (rows.length) out.push(`bank ${Math.floor((s - 1) / 8)} ${SET_NAMES[kind]}: ${rows.length} entries\n${rows.slice(0, 64).join("\n")}${rows.length > 64 ? `\n  ... ${rows.length - 64} more` : ""}`);
  }
  return out.length ? out.join("\n") + "\n" : "the software TLB is empty\n";
}
