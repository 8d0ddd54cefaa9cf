// Execution modes of a Machine, feature-detected: `native` (the guest owns the emulated board) always
// exists; `full` (the unmodified kernel deprivileged under the VMM) and `para` (a paravirtual kernel
// calling the VMM) exist in builds whose Machine accepts a `mode` option and has `vmmStats()` (the
// VMM's API contract). Code that wants a VMM mode asks modeSupport() first instead of assuming one.
import { Machine, VM_MODES, type MachineOptions } from "./machine.js";

/** What the VMM keeps for itself at the top of RAM in full and para mode (docs/vmm.md, "Memory
 *  partition"): a machine of R MiB gives the guest R - 16. */
export const VMM_RESERVED_MIB = 16;

/** The RAM a machine in `mode` needs so that its guest gets `guestMiB`. */
export function machineRamFor(mode: string, guestMiB: number): number {
  return mode === "native" ? guestMiB : guestMiB + VMM_RESERVED_MIB;
}

/** The RAM the guest gets in a machine of `ramMiB` in `mode`. */
export function guestRamOf(mode: string, ramMiB: number): number {
  return mode === "native" ? ramMiB : ramMiB - VMM_RESERVED_MIB;
}

/** A Machine with the VMM's API. */
type VmmMachine = Machine & { vmmStats?: () => Record<string, number>; mode?: unknown };
type ModeOptions = MachineOptions & { mode?: string };

/** Whether this build's Machine has the VMM: undefined when it does, else why not (one phrase). */
export function vmmSupport(): string | undefined {
  if (typeof (Machine.prototype as VmmMachine).vmmStats !== "function") return "no VMM: its Machine has no vmmStats()";
  return undefined;
}

const checked = new Map<string, string | undefined>();
/** undefined when this build can run `mode`, else why not (checked once, by creating a small machine). */
export function modeSupport(mode: string): string | undefined {
  if (mode === "native") return undefined;
  if (!(VM_MODES as readonly string[]).includes(mode)) return `no such mode (valid: ${VM_MODES.join(", ")})`;
  const why = vmmSupport();
  if (why) return why;
  if (!checked.has(mode)) {
    let reason: string | undefined;
    try {
      const m = Machine.createSync({ ramMiB: 64, mode } as ModeOptions) as VmmMachine;
      if (m.mode !== undefined && m.mode !== mode) reason = `its Machine ran mode ${String(m.mode)} when asked for ${mode}`;
      else if (typeof m.vmmStats?.() !== "object") reason = "its Machine's vmmStats() returned no counters";
    } catch (e) { reason = `its Machine refuses the mode: ${(e as Error).message.split("\n")[0]}`; }
    checked.set(mode, reason);
  }
  return checked.get(mode);
}

/** A machine in `mode` (native: no `mode` option at all, so any build accepts it). */
export function createMachineIn(mode: string, opts: MachineOptions = {}): Machine {
  return Machine.createSync(mode === "native" ? opts : { ...opts, mode } as ModeOptions);
}

/** The VMM's counters of a machine (empty for a machine without the VMM); non-numbers dropped. */
export function vmmStatsOf(m: Machine): Record<string, number> {
  const f = (m as VmmMachine).vmmStats;
  if (typeof f !== "function") return {};
  const raw = f.call(m) ?? {};
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(raw)) if (typeof v === "number" && Number.isFinite(v)) out[k] = v;
  return out;
}
