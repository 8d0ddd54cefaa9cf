// Trap points where a VMM attaches to the CPU (docs/vmm.md). The run loop, the exception entry and
// the generated decoders' VMM_TRAP rows call through these; the VMM (assembly/vmm) installs its
// handlers with setTraps when it starts running a guest deprivileged, so the CPU, the ISA and the
// decoders compile and read without it. While `trapping` is false none of the hooks is called.

export let trapping: bool = false;   // a VMM runs the guest: exceptions and sensitive rows go to it
// Open page-table write windows of the VMM (vmm/shadow.ts keeps the count here): while > 0 the run
// loop ends slices at windowEnd() and calls stepEnd() after each.
export let ptWin: i32 = 0;

function noException(mode: u32, vector: u32, lr: u32, setA: bool, setF: bool): void {}
function sameRow(op: u32, raw: u32): u32 { return op; }
function noTrap(i: u32): void {}
function noWindowEnd(): u64 { return 0xffffffffffffffff; }
function noStepEnd(): void {}

// Exception entry (cpu/exceptions.ts): the VMM reflects the exception into the guest's vectors.
export let onException: (mode: u32, vector: u32, lr: u32, setA: bool, setF: bool) => void = noException;
// Decode-cache fill (cpu/run.ts): the row to cache for `raw` decoded as `op` (sensitive -> VMM_TRAP).
export let substA32: (op: u32, raw: u32) => u32 = sameRow;
export let substT16: (op: u32, raw: u32) => u32 = sameRow;
export let substT32: (op: u32, raw: u32) => u32 = sameRow;
// Handlers of the VMM_TRAP rows (decode/*.decode), which exist only where subst* put them.
let trapA32: (i: u32) => void = noTrap;
let trapT16: (i: u32) => void = noTrap;
let trapT32: (i: u32) => void = noTrap;
// Page-table write windows (cpu/run.ts): the instruction count a slice must stop at, and the check after it.
export let windowEnd: () => u64 = noWindowEnd;
export let stepEnd: () => void = noStepEnd;

export function setTrapping(on: bool): void { trapping = on; }

export function setTraps(
  exc: (mode: u32, vector: u32, lr: u32, setA: bool, setF: bool) => void,
  sA32: (op: u32, raw: u32) => u32, sT16: (op: u32, raw: u32) => u32, sT32: (op: u32, raw: u32) => u32,
  tA32: (i: u32) => void, tT16: (i: u32) => void, tT32: (i: u32) => void,
  wEnd: () => u64, sEnd: () => void,
): void {
  onException = exc;
  substA32 = sA32; substT16 = sT16; substT32 = sT32;
  trapA32 = tA32; trapT16 = tT16; trapT32 = tT32;
  windowEnd = wEnd; stepEnd = sEnd;
}

// The VMM_TRAP rows' handlers named in decode/*.decode.
export function vmmTrap(i: u32): void { trapA32(i); }
export function vmmTrapT16(i: u32): void { trapT16(i); }
export function vmmTrapT32(i: u32): void { trapT32(i); }
