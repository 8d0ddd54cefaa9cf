// GDB remote serial protocol framing (gdb's "Remote Protocol" appendix, /work/shared/reference/
// gdb-protocol.md): packets `$data#cs` (cs = sum of the data bytes mod 256), acknowledged with
// `+` / `-` until QStartNoAckMode; a raw 0x03 byte is an interrupt request. Binary data inside
// packets escapes `#`, `$`, `}` and `*` as 0x7d followed by the byte XOR 0x20.

export type RspEvent =
  | { kind: "packet"; data: Buffer }
  | { kind: "bad"; data: Buffer }      // a packet whose checksum did not match (answered with '-')
  | { kind: "interrupt" }              // 0x03
  | { kind: "ack" } | { kind: "nak" };

/** Splits the incoming byte stream into events; keeps partial packets across chunks. */
export class RspParser {
  private buf: Buffer = Buffer.alloc(0);
  push(chunk: Buffer): RspEvent[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: RspEvent[] = [];
    let i = 0;
    while (i < this.buf.length) {
      const c = this.buf[i];
      if (c === 0x03) { out.push({ kind: "interrupt" }); i++; continue; }
      if (c === 0x2b) { out.push({ kind: "ack" }); i++; continue; }
      if (c === 0x2d) { out.push({ kind: "nak" }); i++; continue; }
      if (c !== 0x24) { i++; continue; } // noise between packets
      const hash = this.buf.indexOf(0x23, i + 1);
      if (hash < 0 || hash + 2 >= this.buf.length) break; // incomplete
      const data = this.buf.subarray(i + 1, hash);
      const want = parseInt(this.buf.subarray(hash + 1, hash + 3).toString("latin1"), 16);
      let sum = 0;
      for (const b of data) sum = (sum + b) & 0xff;
      out.push({ kind: sum === want ? "packet" : "bad", data: Buffer.from(data) });
      i = hash + 3;
    }
    this.buf = this.buf.subarray(i);
    if (this.buf.length > 1 << 20) this.buf = Buffer.alloc(0); // a runaway packet: drop it
    return out;
  }
}

/** `$data#cs` for a reply (data already escaped where binary). */
export function frame(data: string | Buffer): Buffer {
  const d = typeof data === "string" ? Buffer.from(data, "latin1") : data;
  let sum = 0;
  for (const b of d) sum = (sum + b) & 0xff;
  return Buffer.concat([Buffer.from("$"), d, Buffer.from("#" + sum.toString(16).padStart(2, "0"))]);
}

/** Undo the 0x7d escapes of binary packet data (X packets). */
export function unescape(b: Buffer): Buffer {
  const out: number[] = [];
  for (let i = 0; i < b.length; i++) out.push(b[i] === 0x7d && i + 1 < b.length ? b[++i] ^ 0x20 : b[i]);
  return Buffer.from(out);
}

/** Escape binary reply data (qXfer replies may carry any byte). */
export function escape(b: Buffer): Buffer {
  const out: number[] = [];
  for (const c of b) {
    if (c === 0x23 || c === 0x24 || c === 0x7d || c === 0x2a) out.push(0x7d, c ^ 0x20);
    else out.push(c);
  }
  return Buffer.from(out);
}

export const toHex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
/** A 32-bit value as 8 hex digits in target (little-endian) byte order. */
export function le32(v: number): string {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0);
  return b.toString("hex");
}
export function le64(v: bigint): string {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt.asUintN(64, v));
  return b.toString("hex");
}
