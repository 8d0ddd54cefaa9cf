// Snapshots of the whole machine (src/debug/snapshot.ts writes the file). The architectural state,
// the devices' state and the VMM's state live in memory at fixed offsets (cpu/layout.ts STATE,
// vmm/layout.ts), and the host copies those regions and RAM. What remains in
// WebAssembly globals and is machine state, snapSave copies into the SAVED area of the state block
// (so that the copy of the state block carries it) and snapLoad copies back; everything else is
// derived (the mode globals, the TLB set selection) or a cache (the software TLB, decoded
// instructions) and is re-derived or dropped here.
import { STATE, SAVED_CPU, SAVED_CLOCK, SAVED_VMM, SAVED, SAVED_END } from "./cpu/layout";
import { syncFromState, setCurPC, curPC, getR, setR } from "./cpu/state";
import { excSave, excLoad } from "./cpu/exceptions";
import { wfiPending, setWfi } from "./cpu/wfi";
import { clearStop } from "./cpu/stop";
import { dcacheFlushAll } from "./cpu/dcache";
import { clockSave, clockLoad } from "./bus/clock";
import { tlbFlushAll } from "./mmu/tlb";
import { semihosting, setSemihosting } from "./isa/system";
import { vmmSave, vmmLoad } from "./vmm/vcpu";

export function snapSave(): void { saveExec(); }

// The execution globals that are machine state into the SAVED area (a snapshot, a guest switch).
export function saveExec(): void {
  setR(15, curPC); // the host may have moved the PC since the last run (pcSet keeps it in curPC)
  memory.fill(STATE + SAVED, 0, SAVED_END - SAVED);
  excSave(STATE + SAVED_CPU);
  store<u32>(STATE + SAVED_CPU, wfiPending ? 1 : 0, 12);
  store<u32>(STATE + SAVED_CPU, semihosting ? 1 : 0, 16);
  clockSave(STATE + SAVED_CLOCK);
  vmmSave(STATE + SAVED_VMM);
}

// After the host wrote back the state block, the VMM block, the TLB and RAM of a snapshot.
export function snapLoad(): void {
  loadExec();
  clearStop();
  dcacheFlushAll();
}

// The execution globals back from the SAVED area of the state block just written (a snapshot's
// restore, a guest switch), and what follows from the restored CPSR and PC.
export function loadExec(): void {
  excLoad(STATE + SAVED_CPU);
  setWfi(load<u32>(STATE + SAVED_CPU, 12) != 0);
  setSemihosting(load<u32>(STATE + SAVED_CPU, 16) != 0);
  clockLoad(STATE + SAVED_CLOCK);
  vmmLoad(STATE + SAVED_VMM);
  tlbFlushAll();   // the TLB is a cache: emptied, its banks take the restored context
  syncFromState(); // mode and privilege, and the TLB sets they select
  setCurPC(getR(15));
}
