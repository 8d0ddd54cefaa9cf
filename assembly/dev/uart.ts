// STUB: UART3 (16550A-compatible) — to be implemented.
import { UART_TX } from "../cpu/layout";
export function uartReset(): void { store<u32>(UART_TX, 0); store<u32>(UART_TX, 0, 4); }
export function uartRead(off: u32, size: u32): u32 { return off == 0x14 ? 0x60 : 0; }
export function uartWrite(off: u32, size: u32, v: u32): void {
  if (off == 0) { const h = load<u32>(UART_TX); store<u8>(UART_TX + 16 + (h & 0xffff), <u8>v); store<u32>(UART_TX, (h + 1) & 0xffff); }
}
export function uartRxPush(b: u32): bool { return false; }
export function uartRxSpace(): u32 { return 0; }
