// The host terminal as the guest's serial console (UART3). In a terminal, stdin is put in raw mode
// and Ctrl-A is an escape key, as in QEMU: Ctrl-A X quits, Ctrl-A Ctrl-A sends one Ctrl-A, and
// callers may add more Ctrl-A commands (`vm7 linux` adds H for help and S for a status line).
import type { Machine } from "../machine/machine.js";

/** Host terminal <-> UART3. In a TTY the terminal is raw and Ctrl-A X quits; a pipe is read to its end. */
export class ConsoleBridge {
  open = true;
  onQuit: () => void = () => {};
  private waiters: Array<() => void> = [];
  private ctrlA = false;
  private readonly tty = process.stdin.isTTY === true;
  private readonly onData = (buf: Buffer) => this.data(buf);
  private readonly onEnd = () => { this.open = false; this.machine.endInput(); this.wake(); };
  /** Ctrl-A <key> commands besides X (quit) and Ctrl-A (a literal Ctrl-A); keys are lower case. */
  commands: Record<string, () => void> = {};
  /** The machine whose UART3 the terminal is (a new one when the guest reboots). */
  constructor(public machine: Machine) {}

  start(): void {
    if (this.tty) process.stdin.setRawMode(true);
    process.stdin.on("data", this.onData);
    process.stdin.on("end", this.onEnd);
    process.stdin.on("error", this.onEnd);
  }
  stop(): void {
    process.stdin.off("data", this.onData);
    process.stdin.off("end", this.onEnd);
    process.stdin.off("error", this.onEnd);
    if (this.tty) process.stdin.setRawMode(false);
    process.stdin.pause();
    process.stdin.unref?.();
  }
  private data(buf: Buffer): void {
    const keep: number[] = [];
    for (const c of buf) {
      if (this.tty && this.ctrlA) {
        this.ctrlA = false;
        if (c === 0x78 || c === 0x58) { this.onQuit(); this.wake(); return; } // Ctrl-A X
        const cmd = this.commands[String.fromCharCode(c).toLowerCase()];
        if (cmd) { cmd(); continue; }
        if (c !== 0x01) keep.push(0x01);
        keep.push(c);
      } else if (this.tty && c === 0x01) this.ctrlA = true;
      else keep.push(c);
    }
    this.machine.input(Uint8Array.from(keep));
    this.wake();
  }
  private wake(): void { const w = this.waiters; this.waiters = []; w.forEach((f) => f()); }
  waitForInput(ms: number): Promise<void> {
    return new Promise((res) => {
      const t = setTimeout(() => { this.waiters = this.waiters.filter((f) => f !== done); res(); }, ms);
      const done = () => { clearTimeout(t); res(); };
      this.waiters.push(done);
    });
  }
}
