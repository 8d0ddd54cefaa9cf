// The GDB remote stub (`vm7 run --gdb`), driven by Debian's gdb-multiarch in batch mode: breakpoints
// at a fixture's symbols, steps in ARM and Thumb code, registers and memory read and written, a
// watchpoint firing, Ctrl-C, monitor commands, natively and in full mode; and a raw client sending
// bad packets and wrong checksums, or disconnecting mid-run. Breakpoints, steps and watchpoints
// must not change what the guest computes: a run under gdb ends with the same output and the same
// instruction count as a plain one. vm7 and gdb run as child processes (asynchronously).
import { describe, it, expect } from "vitest";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { connect } from "node:net";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = join(import.meta.dirname, "..");
const kernel = join(root, "fixtures/kernel/kernel.elf");
const args = join(root, "fixtures/newlib/args.elf");
const dir = mkdtempSync(join(tmpdir(), "vm7-gdb-"));

const gdbPresent = spawnSync("gdb-multiarch", ["--version"]).status === 0;
if (!gdbPresent) process.stderr.write("gdb.test: SKIPPED the gdb-multiarch sessions: gdb-multiarch is not installed (apt-get install gdb-multiarch)\n");

interface Vm7 { proc: ChildProcess; port: Promise<number>; done: Promise<{ status: number | null; out: string; err: string }> }

/** vm7 with --gdb 0 (an ephemeral port, read back from its stderr). */
function vm7(argv: string[]): Vm7 {
  const proc = spawn(process.execPath, [join(root, "bin/vm7.js"), ...argv], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "", err = "";
  let gotPort: (p: number) => void;
  const port = new Promise<number>((res) => { gotPort = res; });
  proc.stdout!.on("data", (d) => { out += d; });
  proc.stderr!.on("data", (d) => {
    err += d;
    const m = /gdb: listening on [^:]+:(\d+)/.exec(err);
    if (m) gotPort(Number(m[1]));
  });
  const done = new Promise<{ status: number | null; out: string; err: string }>((res) => proc.on("close", (status) => res({ status, out, err })));
  return { proc, port, done };
}

function plain(argv: string[]): Promise<{ status: number | null; out: string; err: string }> {
  const v = vm7(argv);
  return v.done;
}

/** gdb-multiarch -batch with `lines` (after 'target remote :PORT'). */
function gdb(port: number, elf: string, lines: string[]): Promise<string> {
  const script = join(dir, `s${port}.gdb`);
  writeFileSync(script, ["set pagination off", "set confirm off", `target remote 127.0.0.1:${port}`, ...lines, ""].join("\n"));
  return new Promise((res) => {
    const p = spawn("gdb-multiarch", ["-nx", "-batch", "-x", script, elf], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    p.stdout.on("data", (d) => { out += d; });
    p.stderr.on("data", (d) => { out += d; });
    const t = setTimeout(() => p.kill("SIGKILL"), 90_000);
    p.on("close", () => { clearTimeout(t); res(out); });
  });
}

const instructions = (err: string) => /after (\d+) instructions/.exec(err)?.[1];

// One session over the tiny kernel (ARM code): the same script natively and in full mode.
const KERNEL_SCRIPT = [
  "break kmain",
  "continue",
  "printf \"at=%x\\n\", $pc",
  "stepi",
  "printf \"step1=%x\\n\", $pc",
  "stepi",
  "printf \"step2=%x\\n\", $pc",
  "set $r5 = 0x12345678",
  "printf \"r5=%x\\n\", $r5",
  "printf \"cpsr-mode=%x\\n\", $cpsr & 0x1f",
  "x/1wx 0xc001cd14",
  "set *(unsigned int *)0xc001cd14 = 0xcafe0001",
  "printf \"mem=%x\\n\", *(unsigned int *)0xc001cd14",
  "set *(unsigned int *)0xc001cd14 = 0",
  "set $r5 = 0",
  "delete",
  "watch *(int *)&ticks",
  "continue",
  "printf \"watch-pc=%x\\n\", $pc",
  "delete",
  "break trap_svc",
  "continue",
  "printf \"svc-pc=%x\\n\", $pc",
  "bt 2",
  "delete",
  "monitor icount",
  "monitor mode",
  "monitor shadow 0xc0009000",
  "continue",
];

describe.skipIf(!gdbPresent)("gdb-multiarch against vm7 run --gdb", () => {
  for (const mode of ["native", "full"]) {
    it(`breaks, steps, reads and writes registers and memory, watches, takes Ctrl-C (tiny kernel, ${mode})`, async () => {
      const ref = plain(["run", "--mode", mode, kernel]);
      const v = vm7(["run", "--mode", mode, "--gdb", "0", "--gdb-wait", kernel]);
      const out = await gdb(await v.port, kernel, KERNEL_SCRIPT);
      const end = await v.done, want = await ref;
      expect(out).toMatch(/Breakpoint 1, 0xc000963c in kmain/);
      expect(out).toContain("at=c000963c");
      expect(out).toContain("step1=c0009640");      // ARM: 4 bytes per step
      expect(out).toContain("step2=c0009644");
      expect(out).toContain("r5=12345678");
      expect(out).toContain("cpsr-mode=13");         // the guest's SVC mode, in full mode too (its virtual CPSR)
      expect(out).toContain("mem=cafe0001");
      expect(out).toMatch(/Hardware watchpoint 2: \*\(int \*\)&ticks\s+Old value = 0\s+New value = 1/);
      expect(out).toMatch(/watch-pc=c000a9bc/);     // just after the store in timer_tick (gdb steps over it)
      expect(out).toMatch(/Breakpoint 3, 0xc00093d4 in trap_svc/);
      expect(out).toMatch(/#1 +0xc00090d8 in vec_svc/);
      expect(out).toMatch(/\d+ instructions retired/);
      expect(out).toContain(`${mode} mode; RAM 0x80000000-0x9fffffff`);
      expect(out).toMatch(mode === "native" ? /mmu +read +0xc0009000 -> 0x80009000/ : /guest +read +0xc0009000 -> 0x80009000[\s\S]*shadow +read +0xc0009000 -> 0x80009000/);
      expect(out).toMatch(/exited normally/);
      // Same guest, same end: output and instruction count of a run without gdb.
      expect(end.status).toBe(0);
      expect(end.out).toBe(want.out);
      expect(instructions(end.err)).toBe(instructions(want.err));
      expect(instructions(end.err)).toBeDefined();
    }, 180_000);

    it(`stops a guest spinning with interrupts masked on Ctrl-C, and lets it go on (${mode})`, async () => {
      const spin = join(root, "fixtures/hostile/spin.elf");
      // (A bound no engine reaches within the test: the JIT spins at more than 2e9 instructions a second.)
      const v = vm7(["run", "--mode", mode, "--gdb", "0", "--gdb-wait", "--max-insns", "1000000000000", spin]);
      const out = await gdb(await v.port, spin, [
        // gdb forwards its own SIGINT to the target as 0x03 while it runs.
        "shell (sleep 1 && kill -INT $PPID) &", "continue",
        "printf \"interrupted-at=%x\\n\", $pc", "monitor icount",
        "shell (sleep 0.5 && kill -INT $PPID) &", "continue",
        "printf \"again-at=%x\\n\", $pc",
        "kill",
      ]);
      const end = await v.done;
      expect(out.match(/Program received signal SIGINT/g)?.length).toBe(2);
      expect(out).toMatch(/interrupted-at=800080(8c|90)/);
      expect(out).toMatch(/again-at=80008[0-9a-f]{3}/);
      expect(out).toMatch(/[1-9]\d{5,} instructions retired/);
      expect(end.status).toBe(130);
      expect(end.err).toContain("killed by the gdb client");
    }, 120_000);
  }

  it("reverse-stepi back across a branch and an SVC, reverse-continue to the previous breakpoint hit (tiny kernel, both modes)", async () => {
    for (const mode of ["native", "full"]) {
      const ref = plain(["run", "--mode", mode, kernel]);
      const v = vm7(["run", "--mode", mode, "--gdb", "0", "--gdb-wait", kernel]);
      const out = await gdb(await v.port, kernel, [
        "break kputs", "continue",
        "reverse-stepi", "printf \"back-bl=%x\\n\", $pc",          // the bl in kmain that called kputs
        "stepi", "printf \"again=%x\\n\", $pc",
        "delete", "break vec_svc", "continue", "delete",
        "reverse-stepi", "printf \"back-vector=%x\\n\", $pc",      // the vector's branch
        "reverse-stepi", "printf \"back-svc=%x mode=%x\\n\", $pc, $cpsr & 0x1f",  // the SVC, in the user process
        "x/i $pc",
        "stepi", "stepi", "printf \"forward=%x\\n\", $pc",
        "break timer_tick", "continue", "continue", "monitor icount",
        "reverse-continue", "monitor icount", "printf \"revc=%x\\n\", $pc",
        "reverse-continue",                                          // no earlier hit: the start of history
        "printf \"start=%x\\n\", $pc", "monitor icount", "monitor reverse",
        "delete", "continue",
      ]);
      const end = await v.done, want = await ref;
      expect(out, mode).toContain("back-bl=c000964c");
      expect(out).toContain("again=c0009228");
      expect(out).toContain("back-vector=c0009048");
      expect(out).toMatch(/back-svc=[0-9a-f]+ mode=10\n=> 0x[0-9a-f]+:\s+svc/);
      expect(out).toContain("forward=c00090b4");
      const counts = [...out.matchAll(/(\d+) instructions retired/g)].map((x) => Number(x[1]));
      expect(counts).toHaveLength(3);
      expect(counts[1]).toBeLessThan(counts[0]);       // the previous timer_tick hit
      expect(counts[2]).toBe(0);
      expect(out).toContain("revc=c000a98c");
      expect(out).toMatch(/No more reverse-execution history/);
      expect(out).toContain("start=80008000");
      expect(out).toMatch(/history from instruction 0 to \d+: \d+ checkpoints/);
      // Going back and forth changes nothing: same output, same count as a run without gdb.
      expect(end.out).toBe(want.out);
      expect(instructions(end.err)).toBe(instructions(want.err));
    }
  }, 300_000);

  it("steps Thumb code (newlib's crt0 and main), 2- and 4-byte instructions, natively", async () => {
    const v = vm7(["run", "--gdb", "0", "--gdb-wait", args]);
    const out = await gdb(await v.port, args, [
      "printf \"entry=%x t=%x\\n\", $pc, ($cpsr >> 5) & 1",
      "stepi", "printf \"s1=%x\\n\", $pc",             // nop.w: 4 bytes
      "stepi", "printf \"s2=%x\\n\", $pc",             // movs r0, #22: 2 bytes
      "break main", "continue", "printf \"main=%x\\n\", $pc",
      "stepi", "printf \"m1=%x\\n\", $pc",
      "continue",
    ]);
    const end = await v.done;
    expect(out).toContain("entry=801001d8 t=1");
    expect(out).toContain("s1=801001dc");
    expect(out).toContain("s2=801001de");
    expect(out).toMatch(/Breakpoint 1, 0x8010004c in main/);
    expect(out).toContain("main=8010004c");
    expect(out).toContain("m1=80100050");
    expect(out).toMatch(/exited with code 03/);
    expect(end.status).toBe(3);
    expect(end.out).toContain("returning 3 from main");
  }, 120_000);
});

// A raw client: the protocol's error paths, without gdb.
function rawClient(port: number) {
  const sock = connect(port, "127.0.0.1");
  let buf = "";
  sock.on("data", (d) => { buf += d.toString("latin1"); });
  const cs = (s: string) => [...Buffer.from(s, "latin1")].reduce((a, b) => (a + b) & 0xff, 0).toString(16).padStart(2, "0");
  return {
    sock,
    send(raw: string) { sock.write(Buffer.from(raw, "latin1")); },
    packet(s: string) { sock.write(Buffer.from(`$${s}#${cs(s)}`, "latin1")); },
    /** Wait until the received text matches, then return it and start afresh. */
    async expect(re: RegExp, ms = 20_000): Promise<string> {
      const t0 = Date.now();
      while (!re.test(buf)) {
        if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${re} (got ${JSON.stringify(buf)})`);
        await new Promise((r) => setTimeout(r, 20));
      }
      const got = buf;
      buf = "";
      return got;
    },
  };
}

describe("the GDB stub's protocol edges (raw client)", () => {
  it("answers bad checksums with '-', ignores garbage, serves good packets, and the machine runs on when the client disconnects mid-run", async () => {
    const ref = plain(["run", "--mode", "full", kernel]);
    const v = vm7(["run", "--mode", "full", "--gdb", "0", "--gdb-wait", kernel]);
    const c = rawClient(await v.port);
    c.send("garbage without a packet\x7f");
    c.send("$?#00");                                   // wrong checksum
    await c.expect(/-/);
    c.packet("?");
    await c.expect(/\$T05#/);
    c.packet("qSupported:multiprocess+;swbreak+");
    await c.expect(/PacketSize=4000;qXfer:features:read\+/);
    c.packet("g");
    expect(await c.expect(/\$[0-9a-f]{656}#/)).toMatch(/\$0{8}/);  // 16 + 1 + 2*32 + 1 words
    c.packet("m0,4");                                  // unmapped for this guest (MMU off, no RAM at 0)
    await c.expect(/\$E01#/);
    c.packet("Zx,0,0");                                // unknown breakpoint type
    await c.expect(/\$#00/);
    c.packet("Z0,c000963c,4");
    await c.expect(/\$OK#/);
    c.packet("c");
    await c.expect(/\$T05swbreak:;#/);
    c.packet("z0,c000963c,4");
    await c.expect(/\$OK#/);
    c.packet("c");
    // Gone while the machine runs: at once (the packet, then the end of the stream), not after a
    // delay: the rest of this run takes ~0.1 s, less than the 300 ms the test used to wait.
    c.sock.end();
    const end = await v.done, want = await ref;
    expect(end.err).toContain("client disconnected; the machine runs on");
    expect(end.status).toBe(0);
    expect(end.out).toBe(want.out);
    expect(instructions(end.err)).toBe(instructions(want.err));
  }, 120_000);

  it("stops cleanly when the client kills the machine, and refuses a second client meanwhile", async () => {
    const v = vm7(["run", "--gdb", "0", "--gdb-wait", kernel]);
    const port = await v.port;
    const c = rawClient(port);
    c.packet("?");
    await c.expect(/\$T05#/);
    const second = rawClient(port);
    await new Promise((r) => second.sock.on("close", r));   // closed at once
    c.packet("k");
    const end = await v.done;
    expect(end.status).toBe(130);
    expect(end.err).toMatch(/vm7: stopped: killed by the gdb client at pc 0x80008000 after 0 instructions/);
  }, 60_000);

  it("refuses a bad --gdb value in one line", async () => {
    const r = await plain(["run", "--gdb", "nope", kernel]);
    expect(r.status).toBe(2);
    expect(r.err).toMatch(/--gdb wants \[HOST:\]PORT/);
    expect(r.err.split("\n").filter((l) => l).length).toBeLessThanOrEqual(2);
  }, 30_000);
});
