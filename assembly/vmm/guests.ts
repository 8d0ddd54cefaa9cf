// Several guests on one VMM (docs/guests.md). The machine's RAM is split into N equal strides; guest
// k owns stride k: its RAM partition (what it sees at guest-physical 0x80000000 upward) and, right
// above it, its own VMM-reserved RAM (shadow tables, write tracking) that ends with its guest block.
//
//   machine RAM:  | part 0 | res 0 | part 1 | res 1 | ... |      stride = part + RESERVED_BYTES
//
// Only one guest is loaded into the core at a time: the CPU state block (registers, banks, real
// CP15, VFP, the devices' registers and the saved execution globals) and the VMM block (virtual CPU,
// virtual CP15, counters, costs, shadow contexts) are the current guest's. A switch saves both into
// the outgoing guest's block (RES_GUEST in its reserved RAM) and loads the incoming one's, keeping
// the machine's clock (ICOUNT, CYCLES_EXTRA): virtual time is one for all guests. So each guest has
// its own vCPU, virtual CP15, shadow contexts, counters, and its own UART3, GPTIMER1/2, 32 kHz counter
// and INTC (the device models' state is in the state block): its device pages reach its own copy.
// The guest-physical -> machine-physical step is shadow.ts gHost/gMachine (V_PBASE).
//
// The scheduler is the host's (src/machine/guests.ts): round-robin slices of instructions, weighted.
// This module gives it the switch, each guest's wake-up time when it idles (WFI/HC_IDLE end the
// slice instead of fast-forwarding the shared clock: cpu/wfi.ts wfiYield) and the inter-guest
// channels of hypercall.ts (event channels and grant references), which live here outside the
// per-guest blocks because they join two guests.
import {
  STATE, STATE_SIZE, VMM, ICOUNT, CYCLES_EXTRA, STOP_REASON, STOP_INFO, RAM_PHYS, EXCL_OPEN,
} from "../cpu/layout";
import { syncFromState, setCurPC, getR } from "../cpu/state";
import { wfiPending, setWfiYield } from "../cpu/wfi";
import { dcacheFlushAll } from "../cpu/dcache";
import { nextEventCycle, cycles, NEVER } from "../bus/clock";
import { ramHost } from "../bus/bus";
import { intcSetLine } from "../dev/intc";
import { V_END, V_MODE, RESERVED_BYTES, RES_GUEST, RES_GUEST_BYTES, MODE_NATIVE } from "./layout";
import { virtioSave, virtioLoad, VIRTIO_SAVE_BYTES } from "../dev/virtio_mmio";
import { vmmInitPart } from "./vcpu";
import { ptClose } from "./shadow";
import { saveExec, loadExec } from "../snapshot";
import { ptWin } from "../cpu/traps";
import { charge, C_GUEST_SWITCH } from "./stats";

export const GUESTS_MAX: u32 = 8;
export const EVT_PORTS: u32 = 32;       // event-channel ports per guest (0 is never bound)
export const GRANTS: u32 = 16;          // grant references per guest
export const EVT_IRQ: u32 = 95;         // the INTC line an event channel raises in its guest (unused on the board)

export let guestCount: u32 = 1;         // 1: the single-guest path, nothing here is used
export let guestCur: u32 = 0;
let stride: u32 = 0;
let part: u32 = 0;
// Tables that join guests, in static memory (one word per entry; wake is u64):
const WAKE: usize = memory.data(<i32>(GUESTS_MAX * 8), 8);         // cycle a guest that idled wakes at (NEVER: only an event)
const EVT_PENDING: usize = memory.data(<i32>(GUESTS_MAX * 4), 4);  // pending ports, bit p = port p
const EVT_NEW: usize = memory.data(<i32>(GUESTS_MAX * 4), 4);      // a send since the guest last ran: it may wake
const EVT_PEER: usize = memory.data(<i32>(GUESTS_MAX * EVT_PORTS * 4), 4); // 0 = unbound, else remote guest + 1
const GRANT_PA: usize = memory.data(<i32>(GUESTS_MAX * GRANTS * 4), 4);    // granted page, guest-physical
const GRANT_TO: usize = memory.data(<i32>(GUESTS_MAX * GRANTS * 4), 4);    // 0 = free, else grantee + 1; bit 31: read-only
@inline function getW(t: usize, i: u32): u32 { return load<u32>(t + (<usize>i << 2)); }
@inline function setW(t: usize, i: u32, v: u32): void { store<u32>(t + (<usize>i << 2), v); }

const STATE_COPY: u32 = 0;              // offsets in the guest block
const VMM_COPY: u32 = STATE_SIZE;
const VMM_BYTES: u32 = V_END - VMM;
const VIRTIO_COPY: u32 = 0x1c000;       // its virtio-mmio register file (above the reset state guestsInit keeps at 0x10000)
// @ts-ignore: AssemblyScript builtin (compile-time check)
if (VMM_COPY + VMM_BYTES > <u32>0x10000) ERROR("vmm/guests.ts: the VMM block's copy overlaps the reset state");
// @ts-ignore: AssemblyScript builtin (compile-time check)
if (VIRTIO_COPY + VIRTIO_SAVE_BYTES > RES_GUEST_BYTES) ERROR("vmm/guests.ts: the virtio copy does not fit the guest block");

@inline export function partOf(k: u32): u32 { return RAM_PHYS + k * stride; } // machine address of guest-physical RAM_PHYS
@inline function block(k: u32): u32 { return ramHost(partOf(k) + part + RES_GUEST); }

// Set up `n` guests of `mode` over `ramBytes` of RAM. Returns 0, 1 if a partition would be smaller
// than 16 MiB, 2 for a bad count. Guest 0 is current afterwards; every guest starts from the reset
// state the core had (each its own copy of it).
// `modes`, when not 0, gives each guest its own mode (a mix of full and para guests): 2 bits per
// guest, guest k's at bits 2k+1:2k (MODE_FULL or MODE_PARA); `mode` is then unused.
export function guestsInit(mode: u32, n: u32, ramBytes: u32, modes: u32 = 0): u32 {
  if (n < 2 || n > GUESTS_MAX || (modes == 0 && mode == MODE_NATIVE)) return 2;
  for (let k: u32 = 0; modes != 0 && k < n; k++) if (((modes >>> (2 * k)) & 3) == MODE_NATIVE) return 2;
  const s = (ramBytes / n) & ~0xfffff;
  if (s < RESERVED_BYTES + (16 << 20)) return 1;
  stride = s; part = s - RESERVED_BYTES;
  // the reset state, kept in guest 0's block while the others are made from it
  const pristine = block(0) + 0x10000;
  memory.copy(pristine, STATE, STATE_SIZE);
  for (let k = n; k-- > 0;) {
    memory.copy(STATE, pristine, STATE_SIZE);
    syncFromState(); setCurPC(getR(15));
    const rc = vmmInitPart(modes != 0 ? (modes >>> (2 * k)) & 3 : mode, k * stride, part);
    if (rc != 0) return rc;
    saveTo(k);
    store<u64>(WAKE + (<usize>k << 3), 0); setW(EVT_PENDING, k, 0); setW(EVT_NEW, k, 0);
  }
  memory.fill(EVT_PEER, 0, GUESTS_MAX * EVT_PORTS * 4);
  memory.fill(GRANT_PA, 0, GUESTS_MAX * GRANTS * 4);
  memory.fill(GRANT_TO, 0, GUESTS_MAX * GRANTS * 4);
  guestCount = n;
  setWfiYield(true);
  loadFrom(0);
  guestCur = 0;
  return 0;
}

export function guestPartBytes(): u32 { return part; }
export function guestStride(): u32 { return stride; }

// Save the current guest into block k: the execution globals into the SAVED area (as a snapshot
// does), then the state block and the VMM block.
function saveTo(k: u32): void {
  if (ptWin > 0) ptClose();
  saveExec();
  const b = block(k);
  memory.copy(b + STATE_COPY, STATE, STATE_SIZE);
  memory.copy(b + VMM_COPY, VMM, VMM_BYTES);
  virtioSave(b + VIRTIO_COPY);
  store<u64>(WAKE + (<usize>k << 3), wfiPending ? nextEventCycle : 0);
}

// Load block k as the current guest; the clock (instruction count, extra cycles) stays the machine's.
function loadFrom(k: u32): void {
  const ic = load<u64>(STATE + ICOUNT), extra = load<u64>(STATE + CYCLES_EXTRA);
  const oldMode = load<u32>(V_MODE);
  const b = block(k);
  memory.copy(STATE, b + STATE_COPY, STATE_SIZE);
  memory.copy(VMM, b + VMM_COPY, VMM_BYTES);
  virtioLoad(b + VIRTIO_COPY);
  store<u64>(STATE + ICOUNT, ic); store<u64>(STATE + CYCLES_EXTRA, extra);
  store<u32>(STATE + STOP_REASON, 0); store<u32>(STATE + STOP_INFO, 0);
  store<u32>(STATE + EXCL_OPEN, 0); // a context switch clears the local exclusive monitor (A3.4.4)
  loadExec();
  // Decoded instructions are keyed by machine-physical page and each guest's code is in its own
  // partition; only a different mode (full and para substitute different rows) needs them dropped.
  if (load<u32>(V_MODE) != oldMode) dcacheFlushAll();
  // An event that arrived while the guest was out raises its event line now.
  intcSetLine(EVT_IRQ, getW(EVT_PENDING, k) != 0);
  setW(EVT_NEW, k, 0);
}

// Make guest k current (the host's scheduler, between slices).
export function guestSwitch(k: u32): void {
  if (guestCount < 2 || k >= guestCount || k == guestCur) return;
  saveTo(guestCur);
  loadFrom(k);
  guestCur = k;
  charge(C_GUEST_SWITCH); // the incoming guest's vmm_cycles; the shared clock
}

// Cycle at which guest k, idle (in WFI or HC_IDLE), has its next device event: 0 = runnable now
// (not idle, or an event channel fired), NEVER = only an event channel can wake it.
export function guestWake(k: u32): u64 {
  if (k >= guestCount) return NEVER;
  if (getW(EVT_NEW, k) != 0) return 0;
  if (k == guestCur) return wfiPending ? nextEventCycle : 0;
  return load<u64>(WAKE + (<usize>k << 3));
}

// The host has input for guest k (a frame its virtio-net card received while it was switched out):
// it is runnable at once; the host serves the input when it switches the guest in.
export function guestKick(k: u32): void { if (k < guestCount) setW(EVT_NEW, k, 1); }

// --- event channels --------------------------------------------------------------------------------
// Port p of guest a bound to guest b and port p of guest b bound to guest a form a channel; a send
// on it sets bit p of the peer's pending word and raises the peer's EVT_IRQ line.

export const EVT_OK: i32 = 0;
export const EVT_EINVAL: i32 = -2;
export const EVT_EAGAIN: i32 = -5;

export function evtBind(remote: u32, port: u32): i32 {
  if (guestCount < 2 || remote >= guestCount || remote == guestCur || port == 0 || port >= EVT_PORTS) return EVT_EINVAL;
  setW(EVT_PEER, guestCur * EVT_PORTS + port, remote + 1);
  return EVT_OK;
}

export function evtSend(port: u32): i32 {
  if (guestCount < 2 || port == 0 || port >= EVT_PORTS) return EVT_EINVAL;
  const r = getW(EVT_PEER, guestCur * EVT_PORTS + port);
  if (r == 0) return EVT_EINVAL;                                             // not bound here
  const peer = r - 1;
  if (getW(EVT_PEER, peer * EVT_PORTS + port) != guestCur + 1) return EVT_EAGAIN; // the peer has not bound it (yet)
  setW(EVT_PENDING, peer, getW(EVT_PENDING, peer) | (1 << port));
  setW(EVT_NEW, peer, 1);
  return EVT_OK;
}

// The current guest's pending ports, cleared; its event line drops.
export function evtTake(): u32 {
  if (guestCount < 2) return 0;
  const p = getW(EVT_PENDING, guestCur);
  setW(EVT_PENDING, guestCur, 0);
  intcSetLine(EVT_IRQ, false);
  return p;
}

// --- grant references ------------------------------------------------------------------------------
// Guest a grants guest b one page of its partition (guest-physical, page-aligned) under a reference
// (an index into a's table). b names (a, ref) to copy from or into the page through the VMM, which
// checks the entry, the grantee, the direction and the bounds on every use.

export function grantAdd(pa: u32, to: u32, readOnly: bool): i32 {
  if (guestCount < 2 || to >= guestCount || to == guestCur) return EVT_EINVAL;
  if ((pa & 0xfff) != 0 || pa - RAM_PHYS >= part) return -4; // HV_EPERM: not a page of the caller's partition
  for (let r: u32 = 0; r < GRANTS; r++) {
    const i = guestCur * GRANTS + r;
    if (getW(GRANT_TO, i) != 0) continue;
    setW(GRANT_PA, i, pa);
    setW(GRANT_TO, i, (to + 1) | (readOnly ? 0x80000000 : 0));
    return <i32>r;
  }
  return -6; // HV_ENOSPC
}

export function grantRevoke(ref: u32): i32 {
  if (guestCount < 2 || ref >= GRANTS || getW(GRANT_TO, guestCur * GRANTS + ref) == 0) return EVT_EINVAL;
  setW(GRANT_TO, guestCur * GRANTS + ref, 0);
  setW(GRANT_PA, guestCur * GRANTS + ref, 0);
  return EVT_OK;
}

// Host address of byte `off` of the page guest `owner` granted the current guest under `ref`, for an
// access of `len` bytes (write: the grant must allow it); 0 if any check fails.
export function grantHost(owner: u32, ref: u32, off: u32, len: u32, write: bool): u32 {
  if (guestCount < 2 || owner >= guestCount || owner == guestCur || ref >= GRANTS) return 0;
  if (off >= 0x1000 || len > 0x1000 - off) return 0;
  const i = owner * GRANTS + ref;
  const to = getW(GRANT_TO, i);
  if ((to & 0x7fffffff) != guestCur + 1) return 0;
  if (write && (to & 0x80000000) != 0) return 0;
  return ramHost(partOf(owner) + (getW(GRANT_PA, i) - RAM_PHYS)) + off;
}
