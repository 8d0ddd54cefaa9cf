// virtio-console back end (virtio spec 1.1 §5.3), one port, no VIRTIO_CONSOLE_F_MULTIPORT: queue 0
// receives (nothing is ever sent to the guest: its buffers stay posted), queue 1 transmits. What
// the guest writes to its port (/dev/hvc0 under Linux) goes to `out` at the notifying instruction.
import { VIRTIO_F_VERSION_1, type Chain, type VirtioDevice } from "./transport.js";

export const VIRTIO_ID_CONSOLE = 3;

export class VirtioConsole implements VirtioDevice {
  readonly deviceId = VIRTIO_ID_CONSOLE;
  readonly features = VIRTIO_F_VERSION_1;
  readonly queues = 2;
  readonly queueMax = 64;
  readonly config = new Uint8Array(12);   // cols, rows, max_nr_ports, emerg_wr: none offered
  bytesOut = 0;

  constructor(private readonly out: (bytes: Uint8Array) => void) {}

  request(q: number, c: Chain): number {
    if (q === 0) return -1;               // receive: no input to give
    const n = c.readableBytes;
    if (n > 0) { this.out(c.read(0, n)); this.bytesOut += n; }
    return 0;
  }
}
