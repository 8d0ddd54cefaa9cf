// STUB: MPU INTC (DM3730 TRM ch. 12) — to be implemented.
export function intcReset(): void {}
export function intcRead(off: u32, size: u32): u32 { return 0; }
export function intcWrite(off: u32, size: u32, v: u32): void {}
export function intcSetLine(irq: u32, level: bool): void {}
export function intcIrq(): bool { return false; }
export function intcFiq(): bool { return false; }
