// A GDB remote stub for one Machine (`vm7 run --gdb [HOST:]PORT`, `vm7 linux --gdb ...`): the
// all-stop remote serial protocol over TCP for one client (/work/shared/reference/gdb-protocol.md).
// The run loop (src/cli/gdb.ts) owns execution: it runs the machine while the client has resumed
// it and calls stopped() when it stops; packets that arrive while the machine runs wait until then,
// except Ctrl-C (0x03), which asks the loop to stop. A client that connects while the machine runs
// stops it; one that goes away (or detaches) lets it run on without breakpoints.
//
// Registers are those of the target description below: r0-r12, sp, lr, pc, cpsr (regnum 25), then
// d0-d31 and fpscr (26-58), as the guest sees them (in full and para mode its virtual CPSR and
// banked registers, from Machine). Memory goes through the guest's current translation.
import { createServer, type Server, type Socket } from "node:net";
import type { Machine } from "../machine/machine.js";
import { RspParser, frame, unescape, escape, toHex, le32, le64 } from "./rsp.js";
import type { WatchType } from "./debugger.js";

export interface StopInfo {
  /** POSIX signal number of the stop reply: 5 SIGTRAP, 2 SIGINT, 11 SIGSEGV. */
  signal: number;
  /** swbreak / hwbreak (a breakpoint), watch / rwatch / awatch (with addr), replaylog (history's start). */
  reason?: "swbreak" | "hwbreak" | "watch" | "rwatch" | "awatch" | "replaylog";
  addr?: number;
  /** Console text for the client before the stop reply (an O packet). */
  message?: string;
}
export type Resume =
  | { kind: "continue" } | { kind: "step" } | { kind: "reverse-continue" } | { kind: "reverse-step" }
  | { kind: "detach" } | { kind: "kill" };

export interface GdbStubOptions {
  host: string;
  port: number;
  /** vm7's own messages (stderr). */
  log: (s: string) => void;
  /** `monitor CMD` (qRcmd): the text to show, or an Error whose message is shown. */
  monitor: (cmd: string) => string | Promise<string>;
  /** Reverse execution is available (ReverseStep+, ReverseContinue+). */
  reverse: boolean;
  /** The client is about to change registers or memory (history after this point is void). */
  onModify?: () => void;
}

const REG_CPSR = 25, REG_D0 = 26, REG_FPSCR = 58;

export function targetXml(): string {
  const core = [...Array.from({ length: 13 }, (_, i) => `<reg name="r${i}" bitsize="32" type="uint32"/>`),
    `<reg name="sp" bitsize="32" type="data_ptr"/>`, `<reg name="lr" bitsize="32"/>`, `<reg name="pc" bitsize="32" type="code_ptr"/>`,
    `<reg name="cpsr" bitsize="32" regnum="${REG_CPSR}"/>`];
  const vfp = [...Array.from({ length: 32 }, (_, i) => `<reg name="d${i}" bitsize="64" type="ieee_double"/>`),
    `<reg name="fpscr" bitsize="32" type="int" group="float"/>`];
  return `<?xml version="1.0"?>\n<!DOCTYPE target SYSTEM "gdb-target.dtd">\n<target>\n<architecture>arm</architecture>\n` +
    `<feature name="org.gnu.gdb.arm.core">\n${core.join("\n")}\n</feature>\n` +
    `<feature name="org.gnu.gdb.arm.vfp">\n${vfp.join("\n")}\n</feature>\n</target>\n`;
}

/** `[HOST:]PORT` as --gdb takes it (127.0.0.1 when no host is given). */
export function parseListen(s: string): { host: string; port: number } | undefined {
  const m = /^(?:(.*):)?(\d+)$/.exec(s.trim());
  if (!m) return undefined;
  const port = Number(m[2]);
  if (!(port >= 0 && port <= 65535)) return undefined;
  const host = m[1] === undefined || m[1] === "" ? "127.0.0.1" : m[1].replace(/^\[(.*)\]$/, "$1");
  return { host, port };
}

export class GdbStub {
  private server: Server | undefined;
  private sock: Socket | undefined;
  private parser = new RspParser();
  private noAck = false;
  private lastSent: Buffer | undefined;
  private queue: Buffer[] = [];
  private running = true;
  private resumeWaiter: ((r: Resume) => void) | undefined;
  private clientWaiters: Array<() => void> = [];
  /** A resume was handed to the run loop and its stop reply is still owed. */
  private owesReply = false;
  private last: StopInfo = { signal: 5 };
  private busy = Promise.resolve();
  /** Set by Ctrl-C or a new client: the run loop should stop the machine and call stopped(). */
  wantStop = false;
  /** Set when the client goes away: the run loop drops the breakpoints and runs on. */
  detached = false;

  constructor(private readonly m: Machine, private readonly o: GdbStubOptions) {}

  get connected(): boolean { return this.sock !== undefined; }

  listen(): Promise<{ host: string; port: number }> {
    return new Promise((res, rej) => {
      const srv = createServer((s) => this.accept(s));
      srv.maxConnections = 1;
      srv.once("error", rej);
      srv.listen(this.o.port, this.o.host, () => {
        srv.off("error", rej);
        this.server = srv;
        const a = srv.address();
        res({ host: this.o.host, port: typeof a === "object" && a ? a.port : this.o.port });
      });
    });
  }
  close(): void {
    this.sock?.destroy();
    this.sock = undefined;
    this.server?.close();
    this.server = undefined;
    this.wakeClientWaiters();
  }
  /** Resolves when a client is connected. */
  waitForClient(): Promise<void> {
    if (this.sock) return Promise.resolve();
    return new Promise((res) => this.clientWaiters.push(res));
  }
  private wakeClientWaiters(): void { const w = this.clientWaiters; this.clientWaiters = []; w.forEach((f) => f()); }

  private accept(s: Socket): void {
    if (this.sock) { s.destroy(); return; } // one client at a time
    this.sock = s;
    this.parser = new RspParser();
    this.noAck = false;
    this.queue = [];
    this.detached = false;
    s.setNoDelay(true);
    this.o.log(`gdb: client connected from ${s.remoteAddress}:${s.remotePort}`);
    if (this.running) this.wantStop = true; // gdb expects a stopped target on connection
    s.on("data", (d) => this.data(d));
    s.on("error", () => {});
    s.on("close", () => this.gone());
    this.wakeClientWaiters();
  }

  private gone(): void {
    if (!this.sock) return;
    this.sock = undefined;
    this.o.log("gdb: client disconnected; the machine runs on without breakpoints");
    this.m.debugger.clearBreakpoints();
    this.wantStop = false;
    this.owesReply = false;
    this.detached = true;
    if (!this.running) this.resume({ kind: "detach" });
  }

  private data(d: Buffer): void {
    for (const ev of this.parser.push(d)) {
      switch (ev.kind) {
        case "interrupt": if (this.running) this.wantStop = true; break;
        case "nak": if (this.lastSent) this.sock?.write(this.lastSent); break;
        case "ack": break;
        case "bad": if (!this.noAck) this.sock?.write("-"); break;
        case "packet":
          if (!this.noAck) this.sock?.write("+");
          if (this.running) this.queue.push(ev.data);
          else this.handleSerial(ev.data);
          break;
      }
    }
  }

  // Packets are handled one after another even when a handler awaits (monitor commands).
  private handleSerial(p: Buffer): void {
    this.busy = this.busy.then(() => this.handle(p)).catch((e) => { this.send(`E01`); this.o.log(`gdb: ${(e as Error).message}`); });
  }

  private send(data: string | Buffer): void {
    if (!this.sock) return;
    const f = frame(data);
    this.lastSent = f;
    this.sock.write(f);
  }

  private resume(r: Resume): void {
    this.running = true;
    this.owesReply = r.kind !== "detach" && r.kind !== "kill";
    const w = this.resumeWaiter;
    this.resumeWaiter = undefined;
    w?.(r);
  }

  /** The machine has stopped (after a resume, or because wantStop was set): report it if a stop
   *  reply is owed, then serve the client until it resumes the machine. */
  stopped(info: StopInfo): Promise<Resume> {
    this.running = false;
    this.wantStop = false;
    this.last = info;
    const p = new Promise<Resume>((res) => { this.resumeWaiter = res; });
    if (!this.sock) { this.resume({ kind: "detach" }); return p; }
    if (this.owesReply) {
      if (info.message) this.send("O" + Buffer.from(info.message).toString("hex"));
      this.send(stopReply(info));
      this.owesReply = false;
    }
    const q = this.queue;
    this.queue = [];
    for (const pk of q) this.handleSerial(pk);
    return p;
  }

  /** The guest ended (semihosting exit): tell the client, which then sees no process. */
  exited(code: number): void {
    if (this.sock) this.send(`W${(code & 0xff).toString(16).padStart(2, "0")}`);
  }

  // --- packets ---------------------------------------------------------------------------------
  private async handle(p: Buffer): Promise<void> {
    const s = p.toString("latin1");
    const c = s[0];
    switch (c) {
      case "?": this.send(stopReply(this.last)); return;
      case "g": this.send(this.readAllRegs()); return;
      case "G": this.o.onModify?.(); this.writeAllRegs(s.slice(1)); this.send("OK"); return;
      case "p": { const v = this.readReg(parseInt(s.slice(1), 16)); this.send(v ?? "E00"); return; }
      case "P": {
        const [n, v] = s.slice(1).split("=");
        this.o.onModify?.();
        this.send(this.writeReg(parseInt(n, 16), v) ? "OK" : "E00");
        return;
      }
      case "m": {
        const [a, l] = s.slice(1).split(",").map((x) => parseInt(x, 16));
        if (!(l >= 0) || l > 0x10000) { this.send("E01"); return; }
        const b = this.m.readVirt(a >>> 0, l);
        this.send(b ? toHex(b) : "E01");
        return;
      }
      case "M": case "X": {
        const colon = p.indexOf(0x3a);
        const [a, l] = s.slice(1, colon).split(",").map((x) => parseInt(x, 16));
        const body = p.subarray(colon + 1);
        const bytes = c === "M" ? Buffer.from(body.toString("latin1"), "hex") : unescape(body);
        if (colon < 0 || !(l >= 0) || bytes.length !== l) { this.send("E01"); return; }
        if (l === 0) { this.send("OK"); return; }
        this.o.onModify?.();
        this.send(this.m.writeVirt(a >>> 0, bytes) ? "OK" : "E01");
        return;
      }
      case "c": case "C": this.setPC(c === "c" ? s.slice(1) : s.split(";")[1]); this.resume({ kind: "continue" }); return;
      case "s": case "S": this.setPC(c === "s" ? s.slice(1) : s.split(";")[1]); this.resume({ kind: "step" }); return;
      case "b":
        if (this.o.reverse && s === "bs") { this.resume({ kind: "reverse-step" }); return; }
        if (this.o.reverse && s === "bc") { this.resume({ kind: "reverse-continue" }); return; }
        this.send("");
        return;
      case "Z": case "z": this.send(this.breakpoint(c === "Z", s.slice(1))); return;
      case "D": this.send("OK"); this.m.debugger.clearBreakpoints(); this.resume({ kind: "detach" }); this.detach(); return;
      case "k": this.resume({ kind: "kill" }); return;
      case "H": this.send("OK"); return;
      case "T": this.send("OK"); return;
      case "q": case "Q": await this.query(s); return;
      case "v": this.vPacket(s); return;
      default: this.send(""); return;
    }
  }

  private detach(): void {
    const s = this.sock;
    this.sock = undefined;
    this.detached = true;
    this.o.log("gdb: client detached; the machine runs on without breakpoints");
    s?.end();
  }

  private setPC(arg: string | undefined): void {
    if (arg) { this.o.onModify?.(); this.m.pc = parseInt(arg, 16) >>> 0; }
  }

  private vPacket(s: string): void {
    if (s === "vCont?") { this.send(this.o.reverse ? "vCont;c;C;s;S" : "vCont;c;C;s;S"); return; }
    if (s.startsWith("vCont;")) {
      // All-stop with one thread: the first action decides (s/S step, c/C continue).
      const act = s.slice(6).split(";")[0];
      if (act[0] === "s" || act[0] === "S") this.resume({ kind: "step" });
      else if (act[0] === "c" || act[0] === "C") this.resume({ kind: "continue" });
      else this.send("E01");
      return;
    }
    if (s.startsWith("vKill")) { this.send("OK"); this.resume({ kind: "kill" }); return; }
    this.send(""); // vMustReplyEmpty and everything else
  }

  private async query(s: string): Promise<void> {
    if (s.startsWith("qSupported")) {
      this.send("PacketSize=4000;qXfer:features:read+;swbreak+;hwbreak+;vContSupported+;QStartNoAckMode+" +
        (this.o.reverse ? ";ReverseStep+;ReverseContinue+" : ""));
      return;
    }
    if (s === "QStartNoAckMode") { this.send("OK"); this.noAck = true; return; }
    if (s.startsWith("qXfer:features:read:")) {
      const m = /^qXfer:features:read:([^:]+):([0-9a-f]+),([0-9a-f]+)$/i.exec(s);
      if (!m || m[1] !== "target.xml") { this.send("E00"); return; }
      const xml = Buffer.from(targetXml());
      const off = parseInt(m[2], 16), len = parseInt(m[3], 16);
      const part = xml.subarray(off, off + len);
      this.send(Buffer.concat([Buffer.from(off + len >= xml.length ? "l" : "m"), escape(part)]));
      return;
    }
    if (s === "qAttached") { this.send("1"); return; }
    if (s === "qfThreadInfo") { this.send("m1"); return; }
    if (s === "qsThreadInfo") { this.send("l"); return; }
    if (s === "qC") { this.send("QC1"); return; }
    if (s.startsWith("qRcmd,")) {
      const cmd = Buffer.from(s.slice(6), "hex").toString();
      let out: string;
      try { out = await this.o.monitor(cmd.trim()); } catch (e) { out = `error: ${(e as Error).message}\n`; }
      if (out) this.send("O" + Buffer.from(out.endsWith("\n") ? out : out + "\n").toString("hex"));
      this.send("OK");
      return;
    }
    this.send("");
  }

  // Z0/z0 breakpoints (kind 2 Thumb, 3 Thumb-2, 4 ARM: the address decides, never memory), Z1
  // hardware breakpoints alike; Z2/Z3/Z4 write/read/access watchpoints.
  private breakpoint(insert: boolean, args: string): string {
    const [t, a, k] = args.split(",");
    const addr = parseInt(a, 16) >>> 0, n = parseInt(k, 16);
    if (!Number.isFinite(addr) || !Number.isFinite(n)) return "E01";
    try {
      if (t === "0" || t === "1") {
        if (insert) this.m.debugger.addBreakpoint(addr); else this.m.debugger.removeBreakpoint(addr);
        return "OK";
      }
      const type: WatchType | undefined = t === "2" ? "write" : t === "3" ? "read" : t === "4" ? "access" : undefined;
      if (!type) return "";
      if (insert) this.m.debugger.addWatchpoint(addr, n, type); else this.m.debugger.removeWatchpoint(addr, n, type);
      return "OK";
    } catch (e) {
      this.o.log(`gdb: ${(e as Error).message}`);
      return "E01";
    }
  }

  // --- registers ---------------------------------------------------------------------------------
  private readReg(n: number): string | undefined {
    if (n >= 0 && n < 16) return le32(this.m.reg(n));
    if (n === REG_CPSR) return le32(this.m.cpsr);
    if (n >= REG_D0 && n < REG_D0 + 32) return le64(this.m.vfpD(n - REG_D0));
    if (n === REG_FPSCR) return le32(this.m.fpscr);
    return undefined;
  }
  private writeReg(n: number, hex: string): boolean {
    const b = Buffer.from(hex ?? "", "hex");
    if (n >= 0 && n < 16 && b.length === 4) { if (n === 15) this.m.pc = b.readUInt32LE(); else this.m.setReg(n, b.readUInt32LE()); return true; }
    if (n === REG_CPSR && b.length === 4) { this.m.cpsr = b.readUInt32LE(); return true; }
    if (n >= REG_D0 && n < REG_D0 + 32 && b.length === 8) { this.m.setVfpD(n - REG_D0, b.readBigUInt64LE()); return true; }
    if (n === REG_FPSCR && b.length === 4) { this.m.fpscr = b.readUInt32LE(); return true; }
    return false;
  }
  private readAllRegs(): string {
    let out = "";
    for (let n = 0; n < 16; n++) out += le32(this.m.reg(n));
    out += le32(this.m.cpsr);
    for (let n = 0; n < 32; n++) out += le64(this.m.vfpD(n));
    return out + le32(this.m.fpscr);
  }
  private writeAllRegs(hex: string): void {
    const b = Buffer.from(hex, "hex");
    const at = (i: number, len: number) => b.length >= i + len;
    for (let n = 0; n < 16 && at(4 * n, 4); n++) {
      const v = b.readUInt32LE(4 * n);
      if (n === 15) this.m.pc = v; else if (v !== this.m.reg(n)) this.m.setReg(n, v);
    }
    if (at(64, 4) && b.readUInt32LE(64) !== this.m.cpsr) this.m.cpsr = b.readUInt32LE(64);
    for (let n = 0; n < 32 && at(68 + 8 * n, 8); n++) this.m.setVfpD(n, b.readBigUInt64LE(68 + 8 * n));
    if (at(324, 4)) this.m.fpscr = b.readUInt32LE(324);
  }
}

export function stopReply(i: StopInfo): string {
  const sig = i.signal.toString(16).padStart(2, "0");
  if (!i.reason) return `T${sig}`;
  if (i.reason === "swbreak" || i.reason === "hwbreak") return `T${sig}${i.reason}:;`;
  if (i.reason === "replaylog") return `T${sig}replaylog:begin;`;
  return `T${sig}${i.reason}:${(i.addr ?? 0).toString(16)};`;
}
