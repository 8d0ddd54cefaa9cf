// virtio 1.x MMIO transport (virtio spec 1.1 §4.2, "Virtio Over MMIO", version 2 register layout):
// VIRTIO_SLOTS windows of 0x200 bytes in one page at VIRTIO_BASE, window n raising INTC line
// VIRTIO_IRQ0 + n. No DM3730 peripheral lives there: this is vm7's own device, described in
// fixtures/linux/board.dts as `compatible = "virtio,mmio"`.
//
// The core holds only the register file. The back ends (block, ...) live in the host
// (src/virtio): the host sets a slot up (device ID, features, queue size, config space), and a
// QueueNotify write marks the queue pending and ends the slice (STOP_VIRTIO), so the host serves
// the request at that instruction count (deterministic), reading and writing the rings in guest
// RAM itself, then calls virtioUsed (InterruptStatus bit 0) or virtioNeedsReset (status bit 6
// DEVICE_NEEDS_RESET, §2.1.2, with the configuration-change interrupt).
import { requestStop } from "../cpu/stop";
import { STOP_VIRTIO } from "../cpu/layout";
import { intcSetLine } from "./intc";

export const VIRTIO_BASE: u32 = 0x4a000000;
export const VIRTIO_SLOTS: u32 = 4;
export const VIRTIO_STRIDE: u32 = 0x200;
export const VIRTIO_IRQ0: u32 = 50;
export const VIRTIO_QUEUES: u32 = 8;      // queues per slot the register file holds
const CONFIG_BYTES: u32 = 0x100;          // device configuration space, 0x100..0x1ff

const MAGIC: u32 = 0x74726976;            // "virt"
const VENDOR: u32 = 0x00376d76;           // "vm7"

// Device status bits (§2.1)
export const ST_ACKNOWLEDGE: u32 = 1;
export const ST_DRIVER: u32 = 2;
export const ST_DRIVER_OK: u32 = 4;
export const ST_FEATURES_OK: u32 = 8;
export const ST_NEEDS_RESET: u32 = 0x40;
export const ST_FAILED: u32 = 0x80;

// Per-queue fields (u32 each)
export const Q_NUM: u32 = 0;
export const Q_READY: u32 = 1;
export const Q_DESC_LO: u32 = 2;
export const Q_DESC_HI: u32 = 3;
export const Q_DRIVER_LO: u32 = 4;
export const Q_DRIVER_HI: u32 = 5;
export const Q_DEVICE_LO: u32 = 6;
export const Q_DEVICE_HI: u32 = 7;
export const Q_LAST_AVAIL: u32 = 8;       // the back end's next avail index (kept here so a reset clears it)
const Q_FIELDS: u32 = 9;

// Per-slot fields
const S_DEVICE_ID: u32 = 0;
const S_NQUEUES: u32 = 1;
const S_QMAX: u32 = 2;
const S_FEAT_LO: u32 = 3;
const S_FEAT_HI: u32 = 4;
const S_DEV_FEAT_SEL: u32 = 5;
const S_DRV_FEAT_SEL: u32 = 6;
const S_DRV_FEAT_LO: u32 = 7;
const S_DRV_FEAT_HI: u32 = 8;
const S_QUEUE_SEL: u32 = 9;
const S_INT_STATUS: u32 = 10;
const S_STATUS: u32 = 11;
const S_CONFIG_GEN: u32 = 12;
const S_FIELDS: u32 = 13;

const SLOT_BYTES: u32 = (S_FIELDS + VIRTIO_QUEUES * Q_FIELDS) * 4 + CONFIG_BYTES;
const SLOTS: usize = memory.data(<i32>(SLOT_BYTES * VIRTIO_SLOTS));

let pending: u32 = 0;   // bit slot*8 + queue: a QueueNotify the host has not served yet

@inline function sAddr(slot: u32, f: u32): usize { return SLOTS + slot * SLOT_BYTES + (f << 2); }
@inline function sGet(slot: u32, f: u32): u32 { return load<u32>(sAddr(slot, f)); }
@inline function sSet(slot: u32, f: u32, v: u32): void { store<u32>(sAddr(slot, f), v); }
@inline function qAddr(slot: u32, q: u32, f: u32): usize { return SLOTS + slot * SLOT_BYTES + ((S_FIELDS + q * Q_FIELDS + f) << 2); }
@inline function cfgAddr(slot: u32): usize { return SLOTS + slot * SLOT_BYTES + ((S_FIELDS + VIRTIO_QUEUES * Q_FIELDS) << 2); }

function updateIrq(slot: u32): void { intcSetLine(VIRTIO_IRQ0 + slot, sGet(slot, S_INT_STATUS) != 0); }

// Device reset (§4.2.2.1: writing 0 to Status): everything the driver set goes back to its reset
// value; what the host set up (device ID, features, queue size, config space) stays.
function deviceReset(slot: u32): void {
  for (let f = S_DEV_FEAT_SEL; f < S_FIELDS; f++) if (f != S_CONFIG_GEN) sSet(slot, f, 0);
  memory.fill(qAddr(slot, 0, 0), 0, VIRTIO_QUEUES * Q_FIELDS * 4);
  pending &= ~(0xff << (slot << 3));
  updateIrq(slot);
}

// Several guests (vmm/guests.ts): each has its own windows. A guest switch saves the register file
// and the pending notifications of the outgoing guest (VIRTIO_SAVE_BYTES at p) and loads the incoming
// one's; the INTC lines follow InterruptStatus in the incoming guest's own INTC (restored with it).
export const VIRTIO_SAVE_BYTES: u32 = SLOT_BYTES * VIRTIO_SLOTS + 4;
export function virtioSave(p: usize): void {
  memory.copy(p, SLOTS, SLOT_BYTES * VIRTIO_SLOTS);
  store<u32>(p + SLOT_BYTES * VIRTIO_SLOTS, pending);
}
export function virtioLoad(p: usize): void {
  memory.copy(SLOTS, p, SLOT_BYTES * VIRTIO_SLOTS);
  pending = load<u32>(p + SLOT_BYTES * VIRTIO_SLOTS);
}

export function virtioReset(): void {
  for (let s: u32 = 0; s < VIRTIO_SLOTS; s++) deviceReset(s);
  pending = 0;
}

// --- the host's side ---------------------------------------------------------------------------

/** Put a device in window `slot` (deviceId 0: no device, §4.2.3.1.1). */
export function virtioSetup(slot: u32, deviceId: u32, nQueues: u32, qMax: u32, featLo: u32, featHi: u32): bool {
  if (slot >= VIRTIO_SLOTS || nQueues > VIRTIO_QUEUES || qMax > 0x8000) return false;
  memory.fill(sAddr(slot, 0), 0, SLOT_BYTES);
  sSet(slot, S_DEVICE_ID, deviceId);
  sSet(slot, S_NQUEUES, nQueues);
  sSet(slot, S_QMAX, qMax);
  sSet(slot, S_FEAT_LO, featLo);
  sSet(slot, S_FEAT_HI, featHi);
  deviceReset(slot);
  return true;
}
export function virtioConfigSet(slot: u32, off: u32, b: u32): void {
  if (slot < VIRTIO_SLOTS && off < CONFIG_BYTES) store<u8>(cfgAddr(slot) + off, <u8>b);
}
export function virtioQueueGet(slot: u32, q: u32, f: u32): u32 {
  return slot < VIRTIO_SLOTS && q < VIRTIO_QUEUES && f < Q_FIELDS ? load<u32>(qAddr(slot, q, f)) : 0;
}
export function virtioLastAvailSet(slot: u32, q: u32, v: u32): void {
  if (slot < VIRTIO_SLOTS && q < VIRTIO_QUEUES) store<u32>(qAddr(slot, q, Q_LAST_AVAIL), v & 0xffff);
}
export function virtioStatus(slot: u32): u32 { return slot < VIRTIO_SLOTS ? sGet(slot, S_STATUS) : 0; }
export function virtioDriverFeatures(slot: u32, hi: bool): u32 {
  return slot < VIRTIO_SLOTS ? sGet(slot, hi ? S_DRV_FEAT_HI : S_DRV_FEAT_LO) : 0;
}
/** The notifications not yet served (bit slot*8 + queue), cleared by the call. */
export function virtioTakePending(): u32 { const p = pending; pending = 0; return p; }
/** The device used buffers: InterruptStatus bit 0 ("used buffer notification"). */
export function virtioUsed(slot: u32): void {
  if (slot >= VIRTIO_SLOTS) return;
  sSet(slot, S_INT_STATUS, sGet(slot, S_INT_STATUS) | 1);
  updateIrq(slot);
}
/** The device hit an error it cannot recover from without a reset (§2.1.2): DEVICE_NEEDS_RESET and
 *  a configuration-change notification (InterruptStatus bit 1). */
export function virtioNeedsReset(slot: u32): void {
  if (slot >= VIRTIO_SLOTS) return;
  sSet(slot, S_STATUS, sGet(slot, S_STATUS) | ST_NEEDS_RESET);
  sSet(slot, S_INT_STATUS, sGet(slot, S_INT_STATUS) | 2);
  updateIrq(slot);
}

// --- the guest's side (§4.2.2, table "MMIO Device Register Layout") ----------------------------

export function virtioRead(off: u32, size: u32): u32 {
  const slot = off / VIRTIO_STRIDE, r = off % VIRTIO_STRIDE;
  if (slot >= VIRTIO_SLOTS) return 0;
  if (r >= 0x100) {
    // Device configuration space: any width the driver uses (§4.2.2.2 allows 8/16/32-bit).
    const c = cfgAddr(slot) + (r - 0x100);
    if (size == 4 && r <= 0x1fc) return load<u32>(c);
    if (size == 2 && r <= 0x1fe) return load<u16>(c);
    return load<u8>(c);
  }
  if (size != 4 || (r & 3) != 0) return 0;   // registers are 32-bit only
  const q = sGet(slot, S_QUEUE_SEL);
  const qOk = q < sGet(slot, S_NQUEUES);
  switch (r) {
    case 0x000: return MAGIC;
    case 0x004: return 2;
    case 0x008: return sGet(slot, S_DEVICE_ID);
    case 0x00c: return VENDOR;
    case 0x010: {
      const sel = sGet(slot, S_DEV_FEAT_SEL);
      return sel == 0 ? sGet(slot, S_FEAT_LO) : sel == 1 ? sGet(slot, S_FEAT_HI) : 0;
    }
    case 0x034: return qOk ? sGet(slot, S_QMAX) : 0;
    case 0x044: return qOk ? load<u32>(qAddr(slot, q, Q_READY)) : 0;
    case 0x060: return sGet(slot, S_INT_STATUS);
    case 0x070: return sGet(slot, S_STATUS);
    case 0x080: case 0x084: case 0x090: case 0x094: case 0x0a0: case 0x0a4:
      return qOk ? load<u32>(qAddr(slot, q, Q_DESC_LO + ((r - 0x80) >>> 4) * 2 + ((r >>> 2) & 1))) : 0;
    case 0x0fc: return sGet(slot, S_CONFIG_GEN);
  }
  return 0;
}

export function virtioWrite(off: u32, size: u32, v: u32): void {
  const slot = off / VIRTIO_STRIDE, r = off % VIRTIO_STRIDE;
  if (slot >= VIRTIO_SLOTS || sGet(slot, S_DEVICE_ID) == 0) return;
  if (r >= 0x100) return;   // no device here has a writable configuration field: ignored
  if (size != 4 || (r & 3) != 0) return;
  const q = sGet(slot, S_QUEUE_SEL);
  const qOk = q < sGet(slot, S_NQUEUES);
  const st = sGet(slot, S_STATUS);
  switch (r) {
    case 0x014: sSet(slot, S_DEV_FEAT_SEL, v); return;
    case 0x020: {
      const sel = sGet(slot, S_DRV_FEAT_SEL);
      if ((st & ST_FEATURES_OK) != 0) return;   // features are fixed once accepted (§3.1.1)
      if (sel == 0) sSet(slot, S_DRV_FEAT_LO, v); else if (sel == 1) sSet(slot, S_DRV_FEAT_HI, v);
      return;
    }
    case 0x024: sSet(slot, S_DRV_FEAT_SEL, v); return;
    case 0x030: sSet(slot, S_QUEUE_SEL, v); return;
    case 0x038:
      // QueueNum: only while the queue is not ready, at most QueueNumMax (§4.2.3.2).
      if (qOk && load<u32>(qAddr(slot, q, Q_READY)) == 0 && v <= sGet(slot, S_QMAX)) store<u32>(qAddr(slot, q, Q_NUM), v);
      return;
    case 0x044:
      if (!qOk) return;
      store<u32>(qAddr(slot, q, Q_READY), v & 1);
      if ((v & 1) == 0) store<u32>(qAddr(slot, q, Q_LAST_AVAIL), 0);
      return;
    case 0x050:
      // QueueNotify: served by the host at this instruction boundary.
      if (v < sGet(slot, S_NQUEUES) && (st & ST_DRIVER_OK) != 0 && (st & ST_NEEDS_RESET) == 0) {
        pending |= 1 << ((slot << 3) + v);
        requestStop(STOP_VIRTIO, slot);
      }
      return;
    case 0x064:
      sSet(slot, S_INT_STATUS, sGet(slot, S_INT_STATUS) & ~v);
      updateIrq(slot);
      return;
    case 0x070: {
      if (v == 0) { deviceReset(slot); return; }
      let nv = (v & 0xff) | (st & ST_NEEDS_RESET);
      // FEATURES_OK (§3.1.1 step 6): only if the driver accepted a subset of what is offered,
      // including VIRTIO_F_VERSION_1 (bit 32, required of a version-2 transport's drivers).
      if ((nv & ST_FEATURES_OK) != 0 && (st & ST_FEATURES_OK) == 0) {
        const lo = sGet(slot, S_DRV_FEAT_LO), hi = sGet(slot, S_DRV_FEAT_HI);
        const ok = (lo & ~sGet(slot, S_FEAT_LO)) == 0 && (hi & ~sGet(slot, S_FEAT_HI)) == 0 && (hi & 1) != 0;
        if (!ok) nv &= ~ST_FEATURES_OK;
      }
      sSet(slot, S_STATUS, nv);
      return;
    }
    case 0x080: case 0x084: case 0x090: case 0x094: case 0x0a0: case 0x0a4:
      if (qOk && load<u32>(qAddr(slot, q, Q_READY)) == 0) {
        store<u32>(qAddr(slot, q, Q_DESC_LO + ((r - 0x80) >>> 4) * 2 + ((r >>> 2) & 1)), v);
      }
      return;
  }
}
