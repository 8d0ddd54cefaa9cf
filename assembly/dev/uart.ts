// UART3 (DM3730 TRM ch. 17 "UART/IrDA/CIR"), modelled as the 16550A it is compatible with:
// registers 4 bytes apart, IRQ 74. Transmission is instantaneous (every THR write goes to the
// console ring at once), so THRE and TEMT always read 1. Received bytes come from the host
// (uartRxPush) into a 64-byte FIFO. The interrupt output follows the 16550 identification
// priorities and drives INTC line 74.
import { UART_TX, UART_TX_DATA, UART_TX_CAP, STOP_UART_FULL } from "../cpu/layout";
import { requestStop } from "../cpu/stop";
import { intcSetLine, intcEnabled } from "./intc";

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
const RXF: u32 = <u32>memory.data(RX_CAP);

// IER bits
const ERBI: u32 = 1;   // received data available
const ETBEI: u32 = 2;  // transmitter holding register empty
// LSR bits
const DR: u32 = 0x01;
const THRE: u32 = 0x20;
const TEMT: u32 = 0x40;
// MCR
const LOOP: u32 = 0x10;

let ier: u32 = 0;
let lcr: u32 = 0;
let mcr: u32 = 0;
let fcr: u32 = 0;    // last FCR write (bit 0: FIFOs enabled; 7:6 RX trigger level)
let dll: u32 = 0;
let dlm: u32 = 0;
let spr: u32 = 0;
let mdr1: u32 = 0;
let mdr2: u32 = 0;
let efr: u32 = 0;
let sysc: u32 = 0;
let rxHead: u32 = 0;
let rxCount: u32 = 0;
// The THR-empty interrupt condition: set when THR becomes empty (every write, instantly sent) or
// when ETBEI goes 0 -> 1; cleared by reading IIR while it reports it (16550 semantics).
let threPending: bool = false;
let irqOut: bool = false;

// RX FIFO trigger level from FCR bits 7:6 (1, 4, 8, 14 bytes), 1 without FIFOs.
function rxTrigger(): u32 {
  if ((fcr & 1) == 0) return 1;
  switch (fcr >>> 6) { case 0: return 1; case 1: return 4; case 2: return 8; }
  return 14;
}

// Interrupt identification (IIR bits 3:0): 0x4 data at the trigger level, 0xC data below it
// (the character timeout: reported at once, since no real time passes on the line), 0x2 THR
// empty, 0x1 none. Line status and modem status never have a cause here.
function iirId(): u32 {
  if ((ier & ERBI) != 0 && rxCount > 0) return rxCount >= rxTrigger() ? 0x4 : 0xc;
  if ((ier & ETBEI) != 0 && threPending) return 0x2;
  return 0x1;
}

function update(): void {
  const on = iirId() != 0x1;
  if (on != irqOut) { irqOut = on; intcSetLine(IRQ, on); }
}

function rxClear(): void { rxHead = 0; rxCount = 0; }

export function uartReset(): void {
  ier = 0; lcr = 0; mcr = 0; fcr = 0; dll = 0; dlm = 0; spr = 0; mdr1 = 0; mdr2 = 0; efr = 0; sysc = 0;
  rxClear();
  threPending = false;
  irqOut = false;
  intcSetLine(IRQ, false);
}

// A byte from the host's console. False when the FIFO is full (the host keeps it for later).
export function uartRxPush(b: u32): bool {
  if (rxCount >= RX_CAP) return false;
  store<u8>(RXF + ((rxHead + rxCount) & (RX_CAP - 1)), <u8>b);
  rxCount++;
  update();
  return true;
}

export function uartRxSpace(): u32 { return RX_CAP - rxCount; }

// Received bytes would interrupt the CPU: IER.ERBI set and line 74 unmasked in the INTC.
export function uartRxWakes(): bool { return (ier & ERBI) != 0 && intcEnabled(IRQ); }

function rxPop(): u32 {
  if (rxCount == 0) return 0;
  const b = <u32>load<u8>(RXF + rxHead);
  rxHead = (rxHead + 1) & (RX_CAP - 1);
  rxCount--;
  update();
  return b;
}

function modemStatus(): u32 {
  // Loopback wires DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD; otherwise the console is always
  // "connected" (DCD, DSR, CTS). No delta bits: modem status never changes.
  if ((mcr & LOOP) != 0) {
    return ((mcr & 1) << 5) | ((mcr & 2) << 3) | ((mcr & 4) << 4) | ((mcr & 8) << 4);
  }
  return 0xb0;
}

function read8(off: u32): u32 {
  const dlab = (lcr & 0x80) != 0;
  switch (off) {
    case 0x00: return dlab ? dll : rxPop();
    case 0x04: return dlab ? dlm : ier;
    case 0x08: {
      if (lcr == 0xbf) return efr; // configuration mode B: EFR
      const id = iirId();
      if (id == 0x2) { threPending = false; update(); }
      return id | ((fcr & 1) != 0 ? 0xc0 : 0);
    }
    case 0x0c: return lcr;
    case 0x10: return mcr;
    case 0x14: return THRE | TEMT | (rxCount > 0 ? DR : 0);
    case 0x18: return modemStatus();
    case 0x1c: return spr;
    case 0x20: return mdr1;
    case 0x24: return mdr2;
    case 0x54: return sysc;
    case 0x58: return 1; // SYSS.RESETDONE
  }
  return 0;
}

function write8(off: u32, v: u32): void {
  const dlab = (lcr & 0x80) != 0;
  switch (off) {
    case 0x00:
      if (dlab) { dll = v; return; }
      if ((mcr & LOOP) != 0) { uartRxPush(v); } else uartTxPush(v);
      threPending = true; // THR is empty again at once
      break;
    case 0x04:
      if (dlab) { dlm = v; return; }
      if ((v & ETBEI) != 0 && (ier & ETBEI) == 0) threPending = true; // re-assert on 0 -> 1
      ier = v & 0x0f;
      break;
    case 0x08:
      if (lcr == 0xbf) { efr = v; return; }
      if (((v ^ fcr) & 1) != 0 || (v & 2) != 0) rxClear(); // enabling/disabling FIFOs clears them
      fcr = v & 0xc9; // bits 1 and 2 self-clear
      break;
    case 0x0c: lcr = v; return;
    case 0x10: mcr = v & 0x1f; return;
    case 0x1c: spr = v; return;
    case 0x20: mdr1 = v; return;
    case 0x24: mdr2 = v; return;
    case 0x54:
      if ((v & 2) != 0) { uartReset(); return; } // SYSC.SOFTRESET
      sysc = v & 0x1d;
      return;
    default: return;
  }
  update();
}

// Registers are 8 bits wide on 32-bit boundaries (reg-shift 2); any access size reaches them.
export function uartRead(off: u32, size: u32): u32 { return (off & 3) == 0 ? read8(off) : 0; }
export function uartWrite(off: u32, size: u32, v: u32): void { if ((off & 3) == 0) write8(off, v & 0xff); }
