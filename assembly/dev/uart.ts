// UART3 (DM3730 TRM ch. 17 "UART/IrDA/CIR"), modelled as the 16550A it is compatible with:
// registers 4 bytes apart, IRQ 74. Transmission is instantaneous (every THR write goes to the
// console ring at once), so THRE and TEMT always read 1. Received bytes come from the host
// (uartRxPush) into a 64-byte FIFO. The interrupt output follows the 16550 identification
// priorities and drives INTC line 74.
import { UART_TX, UART_TX_DATA, UART_TX_CAP, STOP_UART_FULL } from "../cpu/layout";
import { requestStop } from "../cpu/stop";
import { intcSetLine, intcEnabled } from "./intc";
import { STATE, DEV_UART } from "../cpu/layout";

// Console output ring (layout.ts): the core only advances the write count, the host the read count.
// Stop for the host well before the ring is full, so no byte is ever dropped: an instruction can
// write at most 16 more bytes (STM) before the run loop leaves. Whatever writes more in one step
// (the para console hypercall) must first ask uartTxRoom, and stop for the host when it says no.
export const UART_TX_MARGIN: u32 = 64;
export function uartTxPush(b: u32): void {
  const w = load<u32>(UART_TX), r = load<u32>(UART_TX, 4);
  store<u8>(UART_TX_DATA + (w & (UART_TX_CAP - 1)), <u8>b);
  store<u32>(UART_TX, w + 1);
  if (w + 1 - r >= UART_TX_CAP - UART_TX_MARGIN) requestStop(STOP_UART_FULL, 0);
}

// Whether n more bytes fit in the ring and leave the margin the instruction-at-a-time writers need.
export function uartTxRoom(n: u32): bool {
  const used = load<u32>(UART_TX) - load<u32>(UART_TX, 4);
  return used + n <= UART_TX_CAP - UART_TX_MARGIN;
}

const IRQ: u32 = 74;
const RX_CAP: u32 = 64;

// IER bits
const ERBI: u32 = 1;   // received data available
const ETBEI: u32 = 2;  // transmitter holding register empty
// LSR bits
const DR: u32 = 0x01;
const THRE: u32 = 0x20;
const TEMT: u32 = 0x40;
// MCR
const LOOP: u32 = 0x10;

// State in the state block (cpu/layout.ts DEV_UART): the registers as u32 words, the RX FIFO after.
const U: u32 = STATE + DEV_UART;
const IER: u32 = 0x00;
const LCR: u32 = 0x04;
const MCR: u32 = 0x08;
const FCR: u32 = 0x0c;    // last FCR write (bit 0: FIFOs enabled; 7:6 RX trigger level)
const DLL: u32 = 0x10;
const DLM: u32 = 0x14;
const SPR: u32 = 0x18;
const MDR1: u32 = 0x1c;
const MDR2: u32 = 0x20;
const EFR: u32 = 0x24;
const SYSC: u32 = 0x28;
const RX_HEAD: u32 = 0x2c;
const RX_COUNT: u32 = 0x30;
// The THR-empty interrupt condition: set when THR becomes empty (every write, instantly sent) or
// when ETBEI goes 0 -> 1; cleared by reading IIR while it reports it (16550 semantics).
const THRE_PENDING: u32 = 0x34;
const IRQ_OUT: u32 = 0x38;
const RXF: u32 = U + 0x40;  // RX_CAP bytes
@inline function r(o: u32): u32 { return load<u32>(U + o); }
@inline function w(o: u32, v: u32): void { store<u32>(U + o, v); }

// RX FIFO trigger level from FCR bits 7:6 (1, 4, 8, 14 bytes), 1 without FIFOs.
function rxTrigger(): u32 {
  if ((r(FCR) & 1) == 0) return 1;
  switch (r(FCR) >>> 6) { case 0: return 1; case 1: return 4; case 2: return 8; }
  return 14;
}

// Interrupt identification (IIR bits 3:0): 0x4 data at the trigger level, 0xC data below it
// (the character timeout: reported at once, since no real time passes on the line), 0x2 THR
// empty, 0x1 none. Line status and modem status never have a cause here.
function iirId(): u32 {
  const n = r(RX_COUNT);
  if ((r(IER) & ERBI) != 0 && n > 0) return n >= rxTrigger() ? 0x4 : 0xc;
  if ((r(IER) & ETBEI) != 0 && r(THRE_PENDING) != 0) return 0x2;
  return 0x1;
}

function update(): void {
  const on = iirId() != 0x1;
  if (on != (r(IRQ_OUT) != 0)) { w(IRQ_OUT, on ? 1 : 0); intcSetLine(IRQ, on); }
}

function rxClear(): void { w(RX_HEAD, 0); w(RX_COUNT, 0); }

export function uartReset(): void {
  w(IER, 0); w(LCR, 0); w(MCR, 0); w(FCR, 0); w(DLL, 0); w(DLM, 0); w(SPR, 0); w(MDR1, 0); w(MDR2, 0); w(EFR, 0); w(SYSC, 0);
  rxClear();
  w(THRE_PENDING, 0);
  w(IRQ_OUT, 0);
  intcSetLine(IRQ, false);
}

// A byte from the host's console. False when the FIFO is full (the host keeps it for later).
export function uartRxPush(b: u32): bool {
  const n = r(RX_COUNT);
  if (n >= RX_CAP) return false;
  store<u8>(RXF + ((r(RX_HEAD) + n) & (RX_CAP - 1)), <u8>b);
  w(RX_COUNT, n + 1);
  update();
  return true;
}

export function uartRxSpace(): u32 { return RX_CAP - r(RX_COUNT); }

// Received bytes would interrupt the CPU: IER.ERBI set and line 74 unmasked in the INTC.
export function uartRxWakes(): bool { return (r(IER) & ERBI) != 0 && intcEnabled(IRQ); }

function rxPop(): u32 {
  const n = r(RX_COUNT), h = r(RX_HEAD);
  if (n == 0) return 0;
  const b = <u32>load<u8>(RXF + h);
  w(RX_HEAD, (h + 1) & (RX_CAP - 1));
  w(RX_COUNT, n - 1);
  update();
  return b;
}

function modemStatus(): u32 {
  // Loopback wires DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD; otherwise the console is always
  // "connected" (DCD, DSR, CTS). No delta bits: modem status never changes.
  const mcr = r(MCR);
  if ((mcr & LOOP) != 0) return ((mcr & 1) << 5) | ((mcr & 2) << 3) | ((mcr & 4) << 4) | ((mcr & 8) << 4);
  return 0xb0;
}

function read8(off: u32): u32 {
  const dlab = (r(LCR) & 0x80) != 0;
  switch (off) {
    case 0x00: return dlab ? r(DLL) : rxPop();
    case 0x04: return dlab ? r(DLM) : r(IER);
    case 0x08: {
      if (r(LCR) == 0xbf) return r(EFR); // configuration mode B: EFR
      const id = iirId();
      if (id == 0x2) { w(THRE_PENDING, 0); update(); }
      return id | ((r(FCR) & 1) != 0 ? 0xc0 : 0);
    }
    case 0x0c: return r(LCR);
    case 0x10: return r(MCR);
    case 0x14: return THRE | TEMT | (r(RX_COUNT) > 0 ? DR : 0);
    case 0x18: return modemStatus();
    case 0x1c: return r(SPR);
    case 0x20: return r(MDR1);
    case 0x24: return r(MDR2);
    case 0x54: return r(SYSC);
    case 0x58: return 1; // SYSS.RESETDONE
  }
  return 0;
}

function write8(off: u32, v: u32): void {
  const dlab = (r(LCR) & 0x80) != 0;
  switch (off) {
    case 0x00:
      if (dlab) { w(DLL, v); return; }
      if ((r(MCR) & LOOP) != 0) { uartRxPush(v); } else uartTxPush(v);
      w(THRE_PENDING, 1); // THR is empty again at once
      break;
    case 0x04:
      if (dlab) { w(DLM, v); return; }
      if ((v & ETBEI) != 0 && (r(IER) & ETBEI) == 0) w(THRE_PENDING, 1); // re-assert on 0 -> 1
      w(IER, v & 0x0f);
      break;
    case 0x08:
      if (r(LCR) == 0xbf) { w(EFR, v); return; }
      if (((v ^ r(FCR)) & 1) != 0 || (v & 2) != 0) rxClear(); // enabling/disabling FIFOs clears them
      w(FCR, v & 0xc9); // bits 1 and 2 self-clear
      break;
    case 0x0c: w(LCR, v); return;
    case 0x10: w(MCR, v & 0x1f); return;
    case 0x1c: w(SPR, v); return;
    case 0x20: w(MDR1, v); return;
    case 0x24: w(MDR2, v); return;
    case 0x54:
      if ((v & 2) != 0) { uartReset(); return; } // SYSC.SOFTRESET
      w(SYSC, v & 0x1d);
      return;
    default: return;
  }
  update();
}

// Registers are 8 bits wide on 32-bit boundaries (reg-shift 2); any access size reaches them.
export function uartRead(off: u32, size: u32): u32 { return (off & 3) == 0 ? read8(off) : 0; }
export function uartWrite(off: u32, size: u32, v: u32): void { if ((off & 3) == 0) write8(off, v & 0xff); }
