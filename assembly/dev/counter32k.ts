// STUB: 32 kHz synchronous counter — to be implemented.
export function counterReset(): void {}
export function counterRead(off: u32, size: u32): u32 { return 0; }
