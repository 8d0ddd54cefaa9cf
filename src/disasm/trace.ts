// One line of `--trace` output: where the CPU is about to execute, the encoding and its disassembly.
import { hex, type Machine } from "../machine/machine.js";
import { disasmA32 } from "./a32.js";

export function traceLine(m: Machine): string {
  const pc = m.pc;
  const thumb = (m.cpsr & 0x20) !== 0;
  const b = m.readVirt(pc, thumb ? 2 : 4);
  if (!b) return `${hex(pc)}: <not mapped>`;
  if (thumb) return `${hex(pc)}: ${(b[0] | (b[1] << 8)).toString(16).padStart(4, "0")}      (thumb)`;
  const w = (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0;
  return `${hex(pc)}: ${hex(w)}  ${disasmA32(w, pc)}`;
}
