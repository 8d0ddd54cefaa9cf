// Architectural CPU state: general registers, CPSR/SPSR, mode banking (ARM ARM B1.3).
// Registers of the current mode live in R0..R15 at fixed offsets; the other modes' banked copies sit
// in BANKS/FIQ_R8/USR_R8 and are swapped on a mode change.
import {
  STATE, R_BASE, NF, ZF, CF, VF, CPSR_REST, BANKS, FIQ_R8, USR_R8, ICOUNT, SCRATCH,
} from "./layout";

export const STATE_SCRATCH: u32 = STATE + SCRATCH;

export const MODE_USR: u32 = 0x10;
export const MODE_FIQ: u32 = 0x11;
export const MODE_IRQ: u32 = 0x12;
export const MODE_SVC: u32 = 0x13;
export const MODE_MON: u32 = 0x16;
export const MODE_ABT: u32 = 0x17;
export const MODE_UND: u32 = 0x1b;
export const MODE_SYS: u32 = 0x1f;

export const PSR_T: u32 = 1 << 5;
export const PSR_F: u32 = 1 << 6;
export const PSR_I: u32 = 1 << 7;
export const PSR_A: u32 = 1 << 8;
export const PSR_E: u32 = 1 << 9;
export const PSR_Q: u32 = 1 << 27;

// --- execution globals (not architectural, rebuilt from state when a slice starts) -------------
export let curPC: u32 = 0;     // address of the instruction being executed
export let nextPC: u32 = 0;    // branch target, valid while EV_BRANCH is set
// Events raised by the instruction being executed; the run loop tests this one word after every
// instruction and takes its slow path only when it is non-zero.
export const EV_BRANCH: u32 = 1; // the instruction wrote the PC (or took an exception): go to nextPC
export const EV_BREAK: u32 = 2;  // breakSlice(): leave the inner loop after this instruction
export let loopEvent: u32 = 0;
export let sliceEnd: u64 = 0;  // the inner loop leaves when ICOUNT reaches this; 0 forces a re-check
export let privileged: bool = true;
export let curMode: u32 = MODE_SVC;
export let fault: bool = false; // set by a memory access that raised an abort: the handler must stop

export function setCurPC(v: u32): void { curPC = v; }
// Every PC write goes through here; the run loop otherwise just steps to the next instruction,
// which keeps the PC out of memory on the common path.
@inline export function setNextPC(v: u32): void { nextPC = v; loopEvent |= EV_BRANCH; }
export function takeBranch(): u32 { loopEvent &= ~EV_BRANCH; return nextPC; }
export function setFault(v: bool): void { fault = v; }
export function breakSlice(): void { sliceEnd = 0; loopEvent |= EV_BREAK; }
export function setSliceEnd(v: u64): void { sliceEnd = v; loopEvent &= ~EV_BREAK; }

// Instruction count while the A32 loop runs: ICOUNT in memory is only written when the loop
// leaves a block, so inside one the count is the block's starting count plus the instructions
// since its first (A32 blocks are straight-line, 4 bytes per instruction), the current one included.
// The Thumb loop (2- and 4-byte instructions) stores ICOUNT after every instruction instead and
// leaves icLive clear.
export let icLive: bool = false;
export let blockIc: u64 = 0;
export let blockPC: u32 = 0;
@inline export function liveStart(pc: u32, ic: u64): void { blockPC = pc; blockIc = ic; icLive = true; }
@inline export function liveEnd(): void { icLive = false; }

@inline export function getR(n: u32): u32 { return load<u32>(STATE + R_BASE + (n << 2)); }
@inline export function setR(n: u32, v: u32): void { store<u32>(STATE + R_BASE + (n << 2), v); }

@inline export function getN(): u32 { return load<u32>(STATE + NF); }
@inline export function getZ(): u32 { return load<u32>(STATE + ZF); }
@inline export function getC(): u32 { return load<u32>(STATE + CF); }
@inline export function getV(): u32 { return load<u32>(STATE + VF); }
@inline export function setNZ(r: u32): void {
  store<u32>(STATE + NF, r >>> 31);
  store<u32>(STATE + ZF, u32(r == 0));
}
@inline export function setC(c: u32): void { store<u32>(STATE + CF, c); }
@inline export function setV(v: u32): void { store<u32>(STATE + VF, v); }
@inline export function getRest(): u32 { return load<u32>(STATE + CPSR_REST); }
@inline export function setRest(v: u32): void { store<u32>(STATE + CPSR_REST, v); }
@inline export function thumb(): bool { return (getRest() & PSR_T) != 0; }

export function icount(): u64 {
  return icLive ? blockIc + <u64>((curPC - blockPC) >>> 2) + 1 : load<u64>(STATE + ICOUNT);
}
@inline export function setIcount(v: u64): void { store<u64>(STATE + ICOUNT, v); }
// The instruction being executed does not retire after all (the VMM retries an access after
// resolving a hidden shadow fault): take it back off the count. The caller breaks the slice, so
// the A32 loop ends the block with the adjusted blockIc; the Thumb loop has stored ICOUNT already.
export function uncountCurrent(): void {
  if (icLive) blockIc--; else store<u64>(STATE + ICOUNT, load<u64>(STATE + ICOUNT) - 1);
}

export function getCPSR(): u32 {
  return (getN() << 31) | (getZ() << 30) | (getC() << 29) | (getV() << 28) | getRest();
}

// Bank slot of a mode (ARM ARM B1.3.2); -1 for encodings that are not a mode of this CPU.
export function bankOf(mode: u32): i32 {
  switch (mode) {
    case MODE_USR: case MODE_SYS: return 0;
    case MODE_FIQ: return 1;
    case MODE_IRQ: return 2;
    case MODE_SVC: return 3;
    case MODE_ABT: return 4;
    case MODE_UND: return 5;
    case MODE_MON: return 6;
  }
  return -1;
}

@inline export function validMode(mode: u32): bool {
  // Monitor mode needs the Security Extensions' secure state, which vm7 does not model.
  return mode != MODE_MON && bankOf(mode) >= 0;
}

// Register banking (B1.3.2) over a bank block at `base`: per bankOf() slot 16 bytes (R13, R14,
// SPSR; the slot of the current mode is stale, its R13/R14 live in the register file), then FIQ
// mode's R8-R12 while another mode runs (base + BANK_FIQ_R8), then the other modes' R8-R12 while
// FIQ mode runs (base + BANK_USR_R8). The real CPU's block is STATE + BANKS; the VMM's virtual CPU
// has its own (vmm/layout.ts V_BANKS) and uses these same routines with its virtual mode.
// A mode with no bank slot (not a mode of this CPU) reads 0 and ignores writes.
export const BANK_FIQ_R8: u32 = 0x80;
export const BANK_USR_R8: u32 = 0xa0;
// @ts-ignore: AssemblyScript builtin (compile-time check of the real block's layout)
if (FIQ_R8 != BANKS + BANK_FIQ_R8 || USR_R8 != BANKS + BANK_USR_R8) ERROR("cpu/layout.ts: FIQ_R8/USR_R8 must follow BANKS");

@inline function slotAt(base: u32, bank: i32): u32 { return base + (<u32>bank << 4); }

// Save the banked registers of mode `from` (in the register file) into the block, load `to`'s.
export function bankSwitch(base: u32, from: u32, to: u32): void {
  const fb = bankOf(from), tb = bankOf(to);
  if (fb != tb && fb >= 0 && tb >= 0) {
    store<u32>(slotAt(base, fb), getR(13));
    store<u32>(slotAt(base, fb), getR(14), 4);
    setR(13, load<u32>(slotAt(base, tb)));
    setR(14, load<u32>(slotAt(base, tb), 4));
  }
  if ((from == MODE_FIQ) != (to == MODE_FIQ)) {
    const save = base + (from == MODE_FIQ ? BANK_FIQ_R8 : BANK_USR_R8);
    const restore = base + (from == MODE_FIQ ? BANK_USR_R8 : BANK_FIQ_R8);
    for (let i: u32 = 0; i < 5; i++) {
      store<u32>(save + (i << 2), getR(8 + i));
      setR(8 + i, load<u32>(restore + (i << 2)));
    }
  }
}
// R8-R14 of mode `mode` while mode `cur` runs.
export function bankedRead(base: u32, cur: u32, mode: u32, n: u32): u32 {
  const b = bankOf(mode);
  if (b < 0) return 0;
  if (n >= 13) return b == bankOf(cur) ? getR(n) : load<u32>(slotAt(base, b) + ((n - 13) << 2));
  if (n >= 8 && (cur == MODE_FIQ) != (mode == MODE_FIQ)) {
    return load<u32>(base + (mode == MODE_FIQ ? BANK_FIQ_R8 : BANK_USR_R8) + ((n - 8) << 2));
  }
  return getR(n);
}
export function bankedWrite(base: u32, cur: u32, mode: u32, n: u32, v: u32): void {
  const b = bankOf(mode);
  if (b < 0) return;
  if (n >= 13) { if (b == bankOf(cur)) setR(n, v); else store<u32>(slotAt(base, b) + ((n - 13) << 2), v); return; }
  if (n >= 8 && (cur == MODE_FIQ) != (mode == MODE_FIQ)) {
    store<u32>(base + (mode == MODE_FIQ ? BANK_FIQ_R8 : BANK_USR_R8) + ((n - 8) << 2), v);
    return;
  }
  setR(n, v);
}
// The SPSR of mode `mode` (0 for User/System, which have none; writes to them ignored).
export function bankSpsr(base: u32, mode: u32): u32 { const b = bankOf(mode); return b <= 0 ? 0 : load<u32>(slotAt(base, b), 8); }
export function setBankSpsr(base: u32, mode: u32, v: u32): void { const b = bankOf(mode); if (b > 0) store<u32>(slotAt(base, b), v, 8); }

export function getSPSR(): u32 {
  if (bankOf(curMode) <= 0) return getCPSR(); // UNPREDICTABLE in User/System mode: read the CPSR
  return bankSpsr(STATE + BANKS, curMode);
}
export function setSPSR(v: u32): void { setBankSpsr(STATE + BANKS, curMode, v); } // User/System: ignored
export function getSPSRof(mode: u32): u32 { return bankSpsr(STATE + BANKS, mode); }
export function setSPSRof(mode: u32, v: u32): void { setBankSpsr(STATE + BANKS, mode, v); }

// Read/write R8-R14 of a given mode whether or not it is current (SRS, LDM/STM user bank, MRS banked).
export function getBankedR(mode: u32, n: u32): u32 { return bankedRead(STATE + BANKS, curMode, mode, n); }
export function setBankedR(mode: u32, n: u32, v: u32): void { bankedWrite(STATE + BANKS, curMode, mode, n, v); }

// Hook run after every privilege/mode change (the MMU selects its TLB set); set by the CPU wiring.
export let onModeChange: () => void = noop;
function noop(): void {}
export function setOnModeChange(f: () => void): void { onModeChange = f; }

// Switch the register file to `mode`, saving the current mode's banked registers (B1.3.2).
export function switchMode(mode: u32): void {
  const from = curMode;
  if (from == mode) return;
  bankSwitch(STATE + BANKS, from, mode);
  curMode = mode;
  const priv = mode != MODE_USR;
  if (priv != privileged) { privileged = priv; }
  onModeChange();
}

// Write the whole CPSR as an exception return or reset does (mode change included).
// Invalid mode encodings keep the current mode (UNPREDICTABLE in the ARM ARM).
export function setCPSR(v: u32): void {
  store<u32>(STATE + NF, v >>> 31);
  store<u32>(STATE + ZF, (v >>> 30) & 1);
  store<u32>(STATE + CF, (v >>> 29) & 1);
  store<u32>(STATE + VF, (v >>> 28) & 1);
  let mode = v & 0x1f;
  if (!validMode(mode)) mode = curMode;
  setRest((v & 0x0fffffe0) | mode);
  switchMode(mode);
  breakSlice(); // the I/F masks or privilege may have changed: re-check interrupts and the TLB set
}

// Called once at reset/after a snapshot restore so that the globals agree with the stored CPSR.
export function syncFromState(): void {
  curMode = getRest() & 0x1f;
  privileged = curMode != MODE_USR;
  onModeChange();
}
