// Shared pieces of the device tests: a machine with vectors at VEC, small hand-assembled ARM
// programs (encodings from arm-none-eabi-as + objdump), and the board's register addresses.
import { Machine, type MachineOptions } from "../src/machine/machine.js";

export const VEC = 0x80000000;   // VBAR
export const CODE = 0x80001000;
export const INTC = 0x48200000;
export const GPT1 = 0x48318000;
export const GPT2 = 0x49032000;
export const CNT32K = 0x48320000;
export const UART3 = 0x49020000;
export const SVC = 0x13, IRQ = 0x12, FIQ = 0x11;

export const A = {
  B_SELF: 0xeafffffe,   // b .
  CPSIE_I: 0xf1080080,  // cpsie i
  CPSIE_IF: 0xf10800c0, // cpsie if
  WFI: 0xe320f003,      // wfi
  ADD_R5_1: 0xe2855001, // add r5, r5, #1
  ADD_R4_1: 0xe2844001, // add r4, r4, #1
  B_BACK4: 0xeafffffb,  // b <4 instructions back>
  SUBS_PC_LR_4: 0xe25ef004,
  NOP: 0xe320f000,
};

// `main: cpsie i; wfi; add r5, r5, #1; b main` — sleeps until each interrupt, counts wake-ups in r5.
export const WFI_LOOP = [A.CPSIE_I, A.WFI, A.ADD_R5_1, A.B_BACK4];

// movw/movt pair loading a 32-bit constant into register rd.
export function movw(rd: number, v: number): number { return (0xe3000000 | ((v >>> 12) & 0xf) << 16 | rd << 12 | (v & 0xfff)) >>> 0; }
export function movt(rd: number, hi: number): number { return (movw(rd, hi) | 0x400000) >>> 0; }
export function li(rd: number, v: number): number[] { return [movw(rd, v & 0xffff), movt(rd, v >>> 16)]; }

export function machine(opts: MachineOptions = {}): Machine {
  const m = Machine.createSync({ ramMiB: 16, ...opts });
  m.setCp15({ VBAR: VEC });
  for (let k = 0; k < 8; k++) m.physWrite32(VEC + 4 * k, A.B_SELF);
  m.pc = CODE;
  m.cpsr = SVC | 0xc0;
  return m;
}

export function put(m: Machine, addr: number, words: number[]): void {
  words.forEach((w, k) => m.physWrite32(addr + 4 * k, w >>> 0));
}

// The IRQ vector branches to a handler placed at HANDLER.
export const HANDLER = 0x80002000;
export function installIrq(m: Machine, handler: number[]): void {
  const off = (HANDLER - (VEC + 0x18) - 8) >> 2;
  m.physWrite32(VEC + 0x18, (0xea000000 | (off & 0xffffff)) >>> 0); // b HANDLER
  put(m, HANDLER, handler);
}

// `*(u32 *)addr = v` using r0 and r3.
export function store32(addr: number, v: number): number[] {
  return [...li(0, addr), ...li(3, v), 0xe5803000 /* str r3, [r0] */];
}

// IRQ handler: r1 = SIR_IRQ, then `quiet` (code that silences the source; may use r0, r2, r3),
// CONTROL.NEWIRQAGR, r4++, return to the interrupted instruction.
export function sirHandler(quiet: number[]): number[] {
  return [
    ...li(0, INTC + 0x40), 0xe5901000, // ldr r1, [r0]
    ...quiet,
    ...store32(INTC + 0x48, 1),
    A.ADD_R4_1, A.SUBS_PC_LR_4,
  ];
}

export const time32k = (m: Machine) => m.physRead32(CNT32K + 0x10);
