// Fixed layout of the VMM's state in WASM memory (from cpu/layout.ts VMM, up to UART_TX): the
// virtual CPU the deprivileged guest sees, its virtual CP15, the counters, the cost model and the
// shadow page-table contexts. Offsets are described once here; the host reads counters through
// index.ts exports, never by its own offsets.
import { VMM, CP15, RAM_MAX } from "../cpu/layout";

export const MODE_NATIVE: u32 = 0;
export const MODE_FULL: u32 = 1;
export const MODE_PARA: u32 = 2;

export const V_MODE: u32 = VMM + 0x000;      // MODE_* of this machine
export const V_CPSR: u32 = VMM + 0x004;      // virtual CPSR bits the real CPU does not hold: M[4:0], F, I, A
export const V_RAMSIZE: u32 = VMM + 0x008;   // bytes of RAM in the guest's partition (from RAM_PHYS)
export const V_SHARED: u32 = VMM + 0x00c;    // para: guest-physical address of the shared page, 0 = none
export const V_RESERVED: u32 = VMM + 0x010;  // physical base of the VMM-reserved RAM (shadow tables)
// Machine-physical offset of the guest's partition: guest-physical pa is machine-physical pa + V_PBASE
// (0 with one guest; guest k of several: k * the partition stride, vmm/guests.ts)
export const V_PBASE: u32 = VMM + 0x014;
// Banked R13, R14, SPSR of each virtual mode, 16 bytes per bank, in cpu/state.ts bankOf() order:
// 0 usr/sys, 1 fiq, 2 irq, 3 svc, 4 abt, 5 und. The bank of the current virtual mode is stale: its
// R13/R14 live in the real registers.
export const V_BANKS: u32 = VMM + 0x020;
export const V_FIQ_R8: u32 = VMM + 0x0a0;    // R8-R12 of virtual FIQ mode while another mode runs
export const V_USR_R8: u32 = VMM + 0x0c0;    // R8-R12 of the other modes while virtual FIQ mode runs
// HC_RET_USER (hypercall.ts): the guest kernel's TPIDRURO and DACR at the call, put back when the VMM
// next reflects an exception taken in the User mode the call entered (V_KRET_ON = 1 until then)
export const V_KRET_ON: u32 = VMM + 0x0e0;
export const V_KRET_TP: u32 = VMM + 0x0e4;
export const V_KRET_DACR: u32 = VMM + 0x0e8;
// Para: the last guest abort the VMM reflected from virtual User mode (address, access kind + 1,
// 0 = none, and the CONTEXTIDR it was taken under); the next HC_RET_USER to that address space fills
// its shadow entry if the guest kernel has mapped it meanwhile (shadow.ts shadowPrefault)
export const V_RETFILL_VA: u32 = VMM + 0x0ec;
export const V_RETFILL_KIND: u32 = VMM + 0x0f0;
export const V_RETFILL_CTX: u32 = VMM + 0x0f4;
// (FPEXC needs no virtual copy: the VMM never uses the VFP, so the real FPEXC is the guest's.)
// Virtual CP15: same layout as the real block (cpu/layout.ts CP15 .. CP15_END)
export const V_CP15: u32 = VMM + 0x100;
@inline export function vcp(off: u32): u32 { return V_CP15 + (off - CP15); }

// Counters: u64 each, indexes in stats.ts
export const V_STATS: u32 = VMM + 0x200;
export const V_STATS_N: u32 = 80;
// Cost model: cycles charged per event, u32 each, indexes in stats.ts
export const V_COSTS: u32 = VMM + 0x480;
export const V_COSTS_N: u32 = 16;

// @ts-ignore: AssemblyScript builtin (compile-time check)
if (V_COSTS + (V_COSTS_N << 2) > VMM + 0x500) ERROR("vmm/layout.ts: the cost model overlaps the shadow contexts");
// Shadow contexts: CTX_N records of CTX_BYTES (shadow.ts)
export const V_CTX: u32 = VMM + 0x500;
export const CTX_N: u32 = 48;
export const CTX_BYTES: u32 = 32;
// Free stack of shadow L2 tables (physical addresses), L2_N entries
export const V_L2FREE: u32 = VMM + 0x1000;
export const L2_N: u32 = 8192;
export const V_END: u32 = V_L2FREE + (L2_N << 2);

// VMM-reserved RAM at the top of physical RAM: CTX_N shadow L1 tables of 16 KiB (a lower context
// uses the first 8 KiB of its slot, an upper context the second), then L2_N shadow L2 tables of 1 KiB.
export const RESERVED_BYTES: u32 = 16 << 20;
export const RES_L1_BYTES: u32 = CTX_N << 14;
// After the shadow L2 tables (full mode page-table write tracking, shadow.ts):
//   RES_TRACKED  1 bit per 4 KiB guest frame: the frame holds a guest table a live shadow entry came from
//   RES_SRC_ADDR per shadow L2 table: guest-physical address of the guest L1 descriptor its entries
//                came from (0 = none, 1 = flat context)
//   RES_SRC_VAL  per shadow L2 table: that L1 descriptor's value at the last fill (its L2 table)
//   RES_SRC_MIB  per shadow L2 table: the MiB (VA >> 20) it is linked at in its context (the TLB
//                entries to drop when its entries change)
//   RES_SNAP     copies of the tracked frames open for one guest store (PT_WIN_N frames)
export const RES_TRACKED: u32 = RES_L1_BYTES + (L2_N << 10);
// The bitmap has room for every frame of the largest RAM a machine may have (RAM_MAX: 32 KiB for
// 1 GiB); a VMM machine uses the first trackedBytes(partition) of it (shadow.ts), and vmmInit
// refuses a RAM size whose partition would not fit.
export const RES_TRACKED_BYTES: u32 = RAM_MAX >>> 15;     // RAM_MAX / 4 KiB per frame / 8 frames per byte
export const RES_SRC_ADDR: u32 = RES_TRACKED + RES_TRACKED_BYTES;
export const RES_SRC_VAL: u32 = RES_SRC_ADDR + (L2_N << 2);
export const RES_SRC_MIB: u32 = RES_SRC_VAL + (L2_N << 2);
export const PT_WIN_N: u32 = 4;
export const RES_SNAP: u32 = RES_SRC_MIB + (L2_N << 2);
// Several guests (vmm/guests.ts): the guest's saved CPU, device and VMM state while another runs.
export const RES_GUEST: u32 = (RES_SNAP + (PT_WIN_N << 12) + 0xffff) & ~0xffff;
export const RES_GUEST_BYTES: u32 = 0x20000;
export const RES_USED: u32 = RES_GUEST + RES_GUEST_BYTES;
// Every structure above fits the reserved RAM (a compile-time check: the branch is compiled, and
// the error raised, only when the condition holds).
// @ts-ignore: AssemblyScript builtin
if (RES_USED > RESERVED_BYTES) ERROR("vmm/layout.ts: the VMM-reserved RAM layout exceeds RESERVED_BYTES");
