// VMM counters and the cost model. Every VMM event bumps a u64 counter at V_STATS and charges
// virtual cycles (bus/clock.ts addCycles), so that guest-measured time includes the VMM's work.
// The defaults and their reasoning are in docs/vmm.md; the host may change them (index.ts).
import { V_STATS, V_STATS_N, V_COSTS } from "./layout";
import { addCycles } from "../bus/clock";
import { dbgTrapOn, dbgEvent, EV_TRAP } from "../debug/dbg";

// Counter indexes (index.ts exports each as VMM_STAT_<NAME>; the host lower-cases the name).
export const S_TRAPS: u32 = 0;             // every guest entry into the VMM except hypercalls
export const S_TRAP_MRS: u32 = 1;
export const S_TRAP_MSR: u32 = 2;
export const S_TRAP_CPS: u32 = 3;
export const S_TRAP_SRS: u32 = 4;
export const S_TRAP_RFE: u32 = 5;
export const S_TRAP_LDM_USER: u32 = 6;     // LDM (user registers)
export const S_TRAP_STM_USER: u32 = 7;     // STM (user registers)
export const S_TRAP_ERET: u32 = 8;         // LDM ^ with PC, data-processing S with Rd = PC
export const S_TRAP_MCR: u32 = 9;
export const S_TRAP_MRC: u32 = 10;
export const S_TRAP_VFP: u32 = 11;         // VMRS/VMSR of FPSID, FPEXC, MVFRx
export const S_TRAP_WFI: u32 = 12;
export const S_EXC_SVC: u32 = 13;          // guest exceptions reflected into the guest's vectors
export const S_EXC_UNDEF: u32 = 14;
export const S_EXC_PABT: u32 = 15;
export const S_EXC_DABT: u32 = 16;
export const S_EXC_IRQ: u32 = 17;
export const S_EXC_FIQ: u32 = 18;
export const S_SHADOW_FAULTS: u32 = 19;    // real aborts on the shadow tables (hidden from the guest)
export const S_SHADOW_FILLS: u32 = 20;     // shadow PTEs written that were not there (not the PT-write re-fills)
export const S_SHADOW_FLUSHES: u32 = 21;   // shadow contexts dropped (guest TLBIALL/TLBIASID, eviction)
export const S_SHADOW_REUSES: u32 = 22;    // address-space switches that found a populated shadow
export const S_SHADOW_PAGE_INVALS: u32 = 23; // shadow PTEs dropped by guest TLBIMVA / PT updates
export const S_PT_WRITE_FAULTS: u32 = 24;  // guest stores to tracked guest page-table frames (full mode)
export const S_VIRQ_INJECTED: u32 = 25;
export const S_WORLD_SWITCHES: u32 = 26;   // guest kernel <-> guest user shadow-view switches
export const S_HYPERCALLS: u32 = 27;
export const S_HC_ERRORS: u32 = 28;        // hypercalls that returned an error
export const S_VMM_CYCLES: u32 = 29;       // virtual cycles charged by the cost model
export const S_TRAP_LDST_USER: u32 = 30;   // LDRT/STRT family from a virtual privileged mode (checked as User)
export const S_SHADOW_TABLE_COPIES: u32 = 31; // new shadow L2 tables copied from another context's (full mode)
export const S_HC_BASE: u32 = 32;          // S_HC_BASE + n: hypercall number n (n < 32)
export const S_ASID_ALLOCS: u32 = 64;      // real ASIDs given to a pair of shadow views (shadow.ts)
export const S_ASID_ROLLOVERS: u32 = 65;   // real ASIDs ran out: a new generation and a full TLB flush
export const S_SHADOW_PREFILLS: u32 = 66;  // para mode: shadow PTEs of a guest section's MiB filled with a fault's (shadow.ts sectionFill)
// S_HC_HI_BASE + (n - 32): hypercall number n for 32 <= n < 32 + S_HC_HI_N. The slots after
// S_HC_BASE's 32 were taken (asid_allocs, ...) before there was a call 32: the host maps a call's
// number to its counter with the same rule (src/machine/core.ts hcStatIndex).
export const S_HC_HI_BASE: u32 = 67;
export const S_HC_HI_N: u32 = 8;
export const S_COUNT: u32 = 75;

// Cost indexes
export const C_TRAP: u32 = 0;        // entering and leaving the VMM (exception entry + return, state save)
export const C_EMULATE: u32 = 1;     // decoding and emulating one sensitive instruction
export const C_FILL: u32 = 2;        // one shadow fill (guest table walk + shadow PTE write)
export const C_HYPERCALL: u32 = 3;   // entering the VMM by HVC and dispatching (no decode)
export const C_WORLD_SWITCH: u32 = 4;// switching shadow view: TTBR0/TTBR1/CONTEXTIDR writes + ISBs (no TLB flush: ASIDs)
export const C_VIRQ: u32 = 5;        // injecting a virtual interrupt (exception reflection)
export const C_REFLECT: u32 = 6;     // reflecting a guest exception into its vectors
export const C_FLUSH: u32 = 7;       // dropping one shadow context
export const C_PTWRITE: u32 = 8;     // a guest store to a tracked page table: performing it, dropping derived shadow entries
export const C_GUEST_SWITCH: u32 = 9;// several guests: switching the CPU from one guest to another (vmm/guests.ts)
export const C_ASID_ROLLOVER: u32 = 10;// the VMM's real ASIDs ran out: TLBIALL and the refills that follow (shadow.ts)
export const C_PREFILL: u32 = 11;    // para mode: one shadow PTE of a section's MiB filled with a fault's (shadow.ts sectionFill)
export const C_COUNT: u32 = 12;

export function costDefaults(): void {
  store<u32>(V_COSTS + (C_TRAP << 2), 120);
  store<u32>(V_COSTS + (C_EMULATE << 2), 40);
  store<u32>(V_COSTS + (C_FILL << 2), 250);
  store<u32>(V_COSTS + (C_HYPERCALL << 2), 100);
  // A view switch writes the real TTBR0, TTBR1 and CONTEXTIDR (the pair's own ASID) and keeps the TLB:
  // three CP15 writes and the synchronisation B3.10.4 asks for around an ASID + TTBR change (two ISBs,
  // each a pipeline flush: the Cortex-A8 TRM (DDI 0344, 5.6.1) says a context-changing CP15 write
  // flushes the pipeline, ~13 stages to refill): ~40. The TLB flush it used to include is now
  // C_ASID_ROLLOVER's, paid once per 255 new ASIDs.
  store<u32>(V_COSTS + (C_WORLD_SWITCH << 2), 40);
  store<u32>(V_COSTS + (C_VIRQ << 2), 80);
  store<u32>(V_COSTS + (C_REFLECT << 2), 60);
  store<u32>(V_COSTS + (C_FLUSH << 2), 800);
  store<u32>(V_COSTS + (C_PTWRITE << 2), 200);
  store<u32>(V_COSTS + (C_GUEST_SWITCH << 2), 1000);
  // What every world switch cost before ASIDs (300: TTBR writes, a full TLB flush and the refills that
  // follow, a Cortex-A8 data TLB miss replaying with a ~24-cycle table walk when the tables are in L2:
  // the Cortex-A8 TRM's instruction cycle timing chapter, memory system effects).
  store<u32>(V_COSTS + (C_ASID_ROLLOVER << 2), 300);
  // A section's page filled with the fill that faulted (para mode, shadow.ts sectionFill): the
  // descriptor is known (the section's base plus an offset, its attributes), so each entry is an
  // add, an orr, a bounds compare and a store in a loop of up to 255: ~5 cycles (the stores go
  // to one 1 KiB table, write-allocated into a few cache lines).
  store<u32>(V_COSTS + (C_PREFILL << 2), 5);
}

@inline export function count(i: u32): void {
  const a = V_STATS + (i << 3);
  store<u64>(a, load<u64>(a) + 1);
  if (dbgTrapOn) dbgEvent(EV_TRAP, i, 0, 0, 0); // a debugger's hook (debug/dbg.ts)
}
export function statGet(i: u32): u64 { return i < S_COUNT ? load<u64>(V_STATS + (i << 3)) : 0; }
export function costGet(i: u32): u32 { return i < C_COUNT ? load<u32>(V_COSTS + (i << 2)) : 0; }
export function costSet(i: u32, v: u32): void { if (i < C_COUNT) store<u32>(V_COSTS + (i << 2), v); }

// Charge the cost of event kind c in virtual cycles.
export function charge(c: u32): void {
  const n = <u64>load<u32>(V_COSTS + (c << 2));
  if (n == 0) return;
  addCycles(n);
  const a = V_STATS + (S_VMM_CYCLES << 3);
  store<u64>(a, load<u64>(a) + n);
}

if (S_COUNT > V_STATS_N) ERROR("vmm/stats.ts: more counters than the VMM block's V_STATS_N slots");
