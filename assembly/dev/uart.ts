// STUB: UART3 (16550A-compatible) — to be implemented. Only the console ring is real.
import { UART_TX, UART_TX_DATA, UART_TX_CAP, STOP_UART_FULL } from "../cpu/layout";
import { requestStop } from "../cpu/stop";

// Console output ring (layout.ts): the core only advances the write count, the host the read count.
// Stop for the host well before the ring is full, so no byte is ever dropped: an instruction can
// write at most 16 more bytes (STM) before the run loop leaves.
export function uartTxPush(b: u32): void {
  const w = load<u32>(UART_TX), r = load<u32>(UART_TX, 4);
  store<u8>(UART_TX_DATA + (w & (UART_TX_CAP - 1)), <u8>b);
  store<u32>(UART_TX, w + 1);
  if (w + 1 - r >= UART_TX_CAP - 64) requestStop(STOP_UART_FULL, 0);
}

export function uartReset(): void {}
export function uartRead(off: u32, size: u32): u32 { return off == 0x14 ? 0x60 : 0; }
export function uartWrite(off: u32, size: u32, v: u32): void { if (off == 0) uartTxPush(v & 0xff); }
export function uartRxPush(b: u32): bool { return false; }
export function uartRxSpace(): u32 { return 0; }
