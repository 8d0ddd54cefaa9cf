// One line of `--trace` output: where the CPU is about to execute, the encoding and its disassembly.
import { hex, type Machine } from "../machine/machine.js";
import { disasmA32 } from "./a32.js";
import { isT32, matchThumb } from "./thumb.js";

export function traceLine(m: Machine): string {
  const pc = m.pc;
  const thumb = (m.cpsr & 0x20) !== 0;
  const b = m.readVirt(pc, thumb ? 2 : 4);
  if (!b) return `${hex(pc)}: <not mapped>`;
  if (thumb) {
    const h4 = (v: number) => v.toString(16).padStart(4, "0");
    const hw1 = b[0] | (b[1] << 8);
    if (!isT32(hw1)) return `${hex(pc)}: ${h4(hw1)}       [T16 ${matchThumb(hw1, false)?.name ?? "?"}]`;
    const c = m.readVirt(pc + 2, 2);
    if (!c) return `${hex(pc)}: ${h4(hw1)} <second halfword not mapped>`;
    const hw2 = c[0] | (c[1] << 8);
    return `${hex(pc)}: ${h4(hw1)} ${h4(hw2)}  [T32 ${matchThumb(((hw1 << 16) | hw2) >>> 0, true)?.name ?? "?"}]`;
  }
  const w = (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0;
  return `${hex(pc)}: ${hex(w)}  ${disasmA32(w, pc)}`;
}
