// Block transfers (ARM ARM A8.8.58-61 LDM*, A8.8.199-202 STM*, B9.3.5-6 LDM/STM user registers,
// B9.3.7 LDM exception return): cccc 100P USWL nnnn rrrr rrrr rrrr rrrr.
// Loads gather every word before any register changes, so an abort leaves the registers intact.
import {
  getR, setR, fault, getBankedR, setBankedR, getSPSR, MODE_USR, STATE_SCRATCH,
} from "../cpu/state";
import { read32, write32, checkAligned, hostRangeRead, hostRangeWrite } from "../mmu/mmu";
import { bxWritePC } from "./alu";
import { exceptionReturn } from "../cpu/psr";

// Lowest address of the transfer: IA base, IB base+4, DA base-4n+4, DB base-4n (A8.8.58-61).
@inline export function startAddr(i: u32, base: u32, count: u32): u32 {
  const p = (i >>> 24) & 1, u = (i >>> 23) & 1;
  if (u != 0) return p != 0 ? base + 4 : base;
  return p != 0 ? base - (count << 2) : base - (count << 2) + 4;
}

export function ldm(i: u32): void {
  const n = (i >>> 16) & 15;
  const list = i & 0xffff;
  const count = <u32>popcnt<u32>(list);
  const base = getR(n);
  let addr = startAddr(i, base, count);
  if (!checkAligned(addr, 3, false)) return;
  const userBank = (i & (1 << 22)) != 0 && (list & 0x8000) == 0;
  if (!userBank && count != 0) {
    // Fast path: the whole transfer is in one page already in the TLB, so no word can fault.
    let h = hostRangeRead(addr, count << 2);
    if (h != 0) {
      if ((i & (1 << 21)) != 0) setR(n, (i & (1 << 23)) != 0 ? base + (count << 2) : base - (count << 2));
      let l = list & 0x7fff;
      while (l != 0) {
        setR(<u32>ctz<u32>(l), load<u32>(h));
        h += 4;
        l &= l - 1;
      }
      if ((list & 0x8000) != 0) ldmWritePC(i, load<u32>(h));
      return;
    }
  }
  if (ldmSlow(i, addr, STATE_SCRATCH, setUserR) && (list & 0x8000) != 0) ldmWritePC(i, ldmPC);
}

function setUserR(r: u32, v: u32): void { setBankedR(MODE_USR, r, v); }
function getUserR(r: u32): u32 { return getBankedR(MODE_USR, r); }

export let ldmPC: u32 = 0; // the PC's word of the last ldmSlow, if the list has the PC

// LDM from `addr` (already checked for alignment) word by word, shared with the VMM's emulation of
// LDM (user registers) and LDM (exception return) (vmm/trap.ts), which passes its own User-bank
// setter. Gathers every word into `scratch` before any register changes (an abort returns false with
// the registers intact), writes back Rn, then sets R0-R14 (for LDM (user registers), bit 22 set and
// no PC, the User mode's through setUser) and leaves the PC's word, if listed, in ldmPC.
export function ldmSlow(i: u32, addr: u32, scratch: u32, setUser: (r: u32, v: u32) => void): bool {
  const n = (i >>> 16) & 15;
  const list = i & 0xffff;
  const count = <u32>popcnt<u32>(list);
  const base = getR(n);
  const userBank = (i & (1 << 22)) != 0 && (list & 0x8000) == 0;
  let k: u32 = 0;
  for (let r: u32 = 0; r < 16; r++) {
    if ((list & (1 << r)) == 0) continue;
    const v = read32(addr);
    if (fault) return false;
    store<u32>(scratch + (k << 2), v);
    addr += 4; k++;
  }
  if ((i & (1 << 21)) != 0) setR(n, (i & (1 << 23)) != 0 ? base + (count << 2) : base - (count << 2));
  k = 0;
  for (let r: u32 = 0; r < 15; r++) {
    if ((list & (1 << r)) == 0) continue;
    const v = load<u32>(scratch + (k << 2));
    if (userBank) setUser(r, v); else setR(r, v);
    k++;
  }
  ldmPC = load<u32>(scratch + (k << 2));
  return true;
}

function ldmWritePC(i: u32, pcv: u32): void {
  if ((i & (1 << 22)) != 0) exceptionReturn(pcv, getSPSR()); // LDM (exception return)
  else bxWritePC(pcv);                                       // LoadWritePC interworks
}

export function stm(i: u32): void {
  const n = (i >>> 16) & 15;
  const list = i & 0xffff;
  const count = <u32>popcnt<u32>(list);
  const base = getR(n);
  let addr = startAddr(i, base, count);
  if (!checkAligned(addr, 3, true)) return;
  const userBank = (i & (1 << 22)) != 0;
  if (!userBank && count != 0) {
    let h = hostRangeWrite(addr, count << 2);
    if (h != 0) {
      let l = list;
      while (l != 0) {
        store<u32>(h, getR(<u32>ctz<u32>(l)));
        h += 4;
        l &= l - 1;
      }
      if ((i & (1 << 21)) != 0) setR(n, (i & (1 << 23)) != 0 ? base + (count << 2) : base - (count << 2));
      return;
    }
  }
  stmSlow(i, addr, getUserR);
}

// STM to `addr` (already checked for alignment) word by word, shared with the VMM's emulation of
// STM (user registers) (vmm/trap.ts), which passes its own User-bank getter: stores the listed
// registers (for bit 22 set, the User mode's through getUser) and then writes back Rn; an abort
// stops it with Rn unchanged.
export function stmSlow(i: u32, addr: u32, getUser: (r: u32) => u32): void {
  const n = (i >>> 16) & 15;
  const list = i & 0xffff;
  const count = <u32>popcnt<u32>(list);
  const base = getR(n);
  const userBank = (i & (1 << 22)) != 0;
  for (let r: u32 = 0; r < 16; r++) {
    if ((list & (1 << r)) == 0) continue;
    const v = userBank ? getUser(r) : getR(r);
    write32(addr, v);
    if (fault) return;
    addr += 4;
  }
  if ((i & (1 << 21)) != 0) setR(n, (i & (1 << 23)) != 0 ? base + (count << 2) : base - (count << 2));
}
