// The vm7 command end to end: exit statuses, the one-line end-of-run message on stderr, guest
// console on stdout, and one clear line (never a stack trace) for every kind of bad input.
import { describe, it, expect, beforeAll } from "vitest";
import { vm7 as cli } from "./helpers/run.js";
import { mkdtempSync, writeFileSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildElf, words, exitCode } from "./helpers/elf.js";

const root = join(import.meta.dirname, "..");
const BASE = 0x80008000;
let dir = "";

async function vm7(args: string[], input = "", opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const r = await cli(args, { timeoutMs: 60_000, input, ...opts });
  return { out: r.stdout, err: r.stderr, status: r.status };
}
function file(name: string, bytes: Uint8Array | string): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}
const noTrace = (err: string) => { expect(err).not.toMatch(/\n\s+at |Error:|wasm/); };

// hello: prints "hi\n" with SYS_WRITE0 then exits with status 7.
const helloCode = [
  0xe3a00004, // mov r0, #4 (SYS_WRITE0)
  0xe28f100c, // add r1, pc, #12 -> string at +0x18
  0xef123456, // svc 0x123456
  0xe3a00020, // mov r0, #0x20
  0xe28f1008, // add r1, pc, #8 -> block at +0x20
  0xef123456, // svc 0x123456
  0x000a6968, // "hi\n\0"
  0xeafffffe, // (padding)
  0x20026, 7,
];

beforeAll(() => { dir = mkdtempSync(join(tmpdir(), "vm7-cli-")); });

describe("vm7 run", () => {
  it("runs an ELF: guest output on stdout, exit status from the guest, one end line on stderr", async () => {
    const elf = file("hello.elf", buildElf({ entry: BASE, segments: [{ paddr: BASE, data: words(...helloCode) }] }));
    const r = await vm7(["run", elf]);
    expect(r.out).toBe("hi\n");
    expect(r.status).toBe(7);
    expect(r.err).toMatch(/^vm7: guest exited with status 7 after 6 instructions\n$/);
  });

  it("runs a raw binary with --load-addr and --entry", async () => {
    const bin = file("exit.bin", words(0xeafffffe, ...exitCode(BASE + 4, 3)));
    const r = await vm7(["run", "--load-addr", "0x80008000", "--entry", "0x80008004", bin]);
    expect(r.status).toBe(3);
    expect(r.err).toContain("guest exited with status 3");
  });

  it("stops at --max-insns with status 124 and says so", async () => {
    const elf = file("spin.elf", buildElf({ entry: BASE, segments: [{ paddr: BASE, data: words(0xe2800001, 0xeafffffd) }] }));
    const r = await vm7(["run", "--max-insns", "1000", elf]);
    expect(r.status).toBe(124);
    expect(r.err).toMatch(/^vm7: stopped: --max-insns 1000 reached at pc 0x8000800[04]\n$/);
  });

  it("stops at --timeout with status 124 and says so", async () => {
    const elf = file("spin2.elf", buildElf({ entry: BASE, segments: [{ paddr: BASE, data: words(0xeafffffe) }] }));
    const r = await vm7(["run", "--timeout", "0.5", elf]);
    expect(r.status).toBe(124);
    expect(r.err).toMatch(/^vm7: stopped: --timeout 0.5s reached at pc 0x80008000 after \d+ instructions\n$/);
  });

  it("--dump-regs prints the registers after the end line", async () => {
    const elf = file("regs.elf", buildElf({ entry: BASE, segments: [{ paddr: BASE, data: words(0xe3a05063 /* mov r5, #99 */, ...exitCode(BASE + 4, 0)) }] }));
    const r = await vm7(["run", "--dump-regs", elf]);
    expect(r.status).toBe(0);
    expect(r.err).toMatch(/r5=00000063/);
    expect(r.err).toMatch(/cpsr=[0-9a-f]{8} .* svc arm I F/);
  });

  it("--trace prints each instruction with its address, encoding and mnemonic", async () => {
    const elf = file("trace.elf", buildElf({ entry: BASE, segments: [{ paddr: BASE, data: words(0xe3a05063, ...exitCode(BASE + 4, 0)) }] }));
    const r = await vm7(["run", "--trace", elf]);
    expect(r.status).toBe(0);
    const lines = r.err.split("\n").filter((l) => /^[0-9a-f]{8}: /.test(l));
    expect(lines.length).toBe(4);
    expect(lines[0]).toMatch(/^80008000: e3a05063  mov/);
    expect(lines[3]).toMatch(/^8000800c: ef123456  svc/);
  });

  it("a guest whose vectors fault ends in a clean fatal stop with a register dump", async () => {
    const elf = file("fatal.elf", buildElf({ entry: BASE, segments: [{ paddr: BASE, data: words(0xe3a0f000 /* mov pc, #0 */) }] }));
    const r = await vm7(["run", elf]);
    expect(r.status).toBe(3);
    expect(r.err).toMatch(/^vm7: stopped: guest stopped: exception loop/);
    expect(r.err).toMatch(/r15=/);
    noTrace(r.err);
  });

  it("SYS_EXIT with a run-time error reason exits 1, like qemu-arm", async () => {
    const code = [0xe3a00018 /* mov r0, #0x18 */, 0xe59f1000 /* ldr r1, [pc] */, 0xef123456, 0x20023];
    const elf = file("abort.elf", buildElf({ entry: BASE, segments: [{ paddr: BASE, data: words(...code) }] }));
    const r = await vm7(["run", elf]);
    expect(r.status).toBe(1);
  });
});

describe("vm7 run: console and clock", () => {
  // Echo UART3 input (polling LSR.DR) until a newline, then exit 0.
  const echo = [
    0xe59f1030, // ldr r1, =0x49020000
    0xe5912014, // loop: ldr r2, [r1, #0x14] (LSR)
    0xe3120001, // tst r2, #1 (DR)
    0x0afffffc, // beq loop
    0xe5910000, // ldr r0, [r1] (RBR)
    0xe5810000, // str r0, [r1] (THR)
    0xe350000a, // cmp r0, #10
    0x1afffff9, // bne loop
    ...exitCode(0, 0),
    0x49020000,
  ];
  it("feeds stdin to UART3's receiver and its transmitter to stdout", async () => {
    const elf = file("echo.elf", buildElf({ entry: BASE, segments: [{ paddr: BASE, data: words(...echo) }] }));
    const r = await vm7(["run", elf], "typed line\n");
    expect(r.out).toBe("typed line\n");
    expect(r.status).toBe(0);
  });

  it("a guest waiting for input that never comes (stdin closed) ends as idle", async () => {
    // WFI with UART RX interrupts enabled, nothing else armed.
    const code = [0xe59f100c /* ldr r1, =UART3 */, 0xe3a00001, 0xe5810004 /* IER = ERBI */, 0xe320f003 /* wfi */, 0xeafffffd, 0x49020000];
    const elf = file("wait.elf", buildElf({ entry: BASE, segments: [{ paddr: BASE, data: words(...code) }] }));
    const r = await vm7(["run", elf]);
    expect(r.status).toBe(3);
    expect(r.err).toMatch(/^vm7: stopped: .*(idle|waiting for console input)/);
  });

  // Wait until the 32 kHz counter has advanced by `ticks` (a rotated 8-bit immediate), then exit 0.
  const waitTicks = (addImm: number) => [
    0xe59f1028, // ldr r1, =0x48320010
    0xe5912000, // ldr r2, [r1]
    addImm,     // add r2, r2, #ticks
    0xe5913000, // loop: ldr r3, [r1]
    0xe1530002, // cmp r3, r2
    0x3afffffc, // bcc loop
    ...exitCode(0, 0),
    0x48320010,
  ];
  const ADD_0x800 = 0xe2822b02, ADD_0x4000 = 0xe2822901; // 1/16 s and 1/2 s
  it("--clock virtual: guest time follows the instruction count, identically every run", async () => {
    const elf = file("wait16.elf", buildElf({ entry: BASE, segments: [{ paddr: BASE, data: words(...waitTicks(ADD_0x800)) }] }));
    const a = await vm7(["run", elf]), b = await vm7(["run", elf]);
    expect(a.status).toBe(0);
    expect(a.err).toBe(b.err);                         // same instruction count
    const n = Number(/after (\d+) instructions/.exec(a.err)![1]);
    expect(n).toBeGreaterThan(62.5e6 * 0.99);          // 1/16 s at the default 1 GHz
    expect(n).toBeLessThan(62.5e6 * 1.01);
    const slow = await vm7(["run", "--cpu-hz", "1e7", elf]); // a 10 MHz guest needs 100 times fewer
    const k = Number(/after (\d+) instructions/.exec(slow.err)![1]);
    expect(k).toBeGreaterThan(n / 101);
    expect(k).toBeLessThan(n / 99);
  }, 60_000);

  it("--clock wall: guest time follows the host clock", async () => {
    const elf = file("wait2.elf", buildElf({ entry: BASE, segments: [{ paddr: BASE, data: words(...waitTicks(ADD_0x4000)) }] }));
    const t0 = Date.now();
    const r = await vm7(["run", "--clock", "wall", elf]);
    expect(r.status).toBe(0);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(450);
  }, 30_000);
});

describe("bad input: one clear line and a non-zero status", () => {
  const bad = async (args: string[], msg: RegExp) => {
    const r = await vm7(args);
    expect(r.status).toBe(2);
    expect(r.err).toMatch(msg);
    expect(r.err.trim().split("\n").length).toBeLessThanOrEqual(2);
    noTrace(r.err);
  };
  it("missing file", () => bad(["run", join(dir, "nope.elf")], /nope\.elf: no such file/));
  it("a directory", () => { mkdirSync(join(dir, "d"), { recursive: true }); return bad(["run", join(dir, "d")], /is a directory/); });
  it("an empty file", () => bad(["run", file("empty", "")], /empty file/));
  it("not an ELF, without --load-addr", () => bad(["run", file("t.txt", "hello")], /t\.txt: not an ELF file .*--load-addr/));
  it("a truncated ELF", () => {
    const elf = buildElf({ entry: BASE, segments: [{ paddr: BASE, data: words(1, 2, 3) }] });
    return bad(["run", file("trunc.elf", elf.subarray(0, elf.length - 4))], /trunc\.elf: segment 0: .* truncated \(file offset 0x38\)/);
  });
  it("a 64-bit ELF", () => bad(["run", file("x64.elf", buildElf({ entry: BASE, cls: 2, segments: [{ paddr: BASE, data: [0] }] }))], /not a 32-bit ELF/));
  it("a big-endian ELF", () => bad(["run", file("be.elf", buildElf({ entry: BASE, data: 2, segments: [{ paddr: BASE, data: [0] }] }))], /not little-endian/));
  it("a non-ARM ELF", () => bad(["run", file("x86.elf", buildElf({ entry: BASE, machine: 3, segments: [{ paddr: BASE, data: [0] }] }))], /e_machine is 3: not an ARM image/));
  it("a segment outside RAM", () => bad(["run", file("low.elf", buildElf({ entry: 0x8000, segments: [{ paddr: 0x8000, data: [0] }] }))], /segment 0 at 0x00008000-0x00008000 lies outside RAM/));
  it("a segment over a device", () => bad(["run", file("dev.elf", buildElf({ entry: BASE, segments: [{ paddr: 0x48200000, data: [0] }] }))], /overlaps the INTC registers/));
  it("a bad number", () => bad(["run", "--max-insns", "lots", file("n.elf", buildElf({ entry: BASE, segments: [{ paddr: BASE, data: [0] }] }))], /--max-insns must be a number/));
  it("an unknown option", () => bad(["run", "--frobnicate", "x"], /unknown option '--frobnicate'/));
  it("a --semihosting-root that is not a directory", () => bad(["run", "--semihosting-root", join(dir, "nodir"), file("ok.elf", buildElf({ entry: BASE, segments: [{ paddr: BASE, data: words(...exitCode(BASE, 0)) }] }))], /not a directory/));
});

describe("vm7 --help", () => {
  it("explains the run command and its options", async () => {
    const r = await vm7(["run", "--help"]);
    expect(r.status).toBe(0);
    for (const opt of ["--load-addr", "--entry", "--max-insns", "--timeout", "--clock", "--semihosting-root", "--trace", "--dump-regs", "Exit status"]) {
      expect(r.out).toContain(opt);
    }
  });

  // The terminal's width, wrapping between words only: each line but a paragraph's last is full
  // enough that the next line's first word would not have fitted; descriptions that would get a
  // column narrower than 40 go below their option instead.
  for (const cols of [60, 80, 120]) {
    it(`wraps at COLUMNS=${cols}, between words, never leaving a word alone on a line that had room`, async () => {
      for (const args of [["--help"], ["run", "--help"], ["linux", "--help"], ["bench", "--help"]]) {
        const r = await vm7(args, "", { env: { ...process.env, COLUMNS: String(cols) } });
        expect(r.status).toBe(0);
        const lines = r.out.replace(/\n$/, "").split("\n");
        for (const l of lines) expect(l.length, `${args.join(" ")}: '${l}'`).toBeLessThanOrEqual(cols);
        for (let i = 0; i + 1 < lines.length; i++) {
          const [a, b] = [lines[i], lines[i + 1]];
          const ind = (l: string) => l.length - l.trimStart().length;
          // b continues a's text when it is indented to a's text column (a paragraph or a description column).
          const col = /^(\s*\S.*?\s{2,})\S/.exec(a)?.[1].length ?? ind(a);
          if (!a.trim() || !b.trim() || ind(b) !== col || /[:.]$/.test(a) || /^\s*[A-Z][A-Za-z ]*:( |$)/.test(b)) continue;
          const first = b.trim().split(" ")[0];
          expect(a.length + 1 + first.length, `${args.join(" ")} at ${cols}: '${first}' would have fitted on\n${a}`).toBeGreaterThan(cols);
        }
      }
      const top = (await vm7(["--help"], "", { env: { ...process.env, COLUMNS: String(cols) } })).out;
      expect(top).not.toMatch(/^INTC,$/m);
      const run = (await vm7(["run", "--help"], "", { env: { ...process.env, COLUMNS: String(cols) } })).out;
      if (cols === 60) expect(run).toMatch(/^  --semihosting-root <dir>\n {8}let semihosting programs/m);
      else expect(run).toMatch(/^  --semihosting-root <dir>  let semihosting programs/m);
    }, 30_000);
  }
});

describe("vm7 --version and the images that come with vm7", () => {
  it("--version and -V print the package version and the core's build identity", async () => {
    const sha = createHash("sha256").update(readFileSync(join(root, "build/vm7-core.wasm"))).digest("hex").slice(0, 12);
    const version = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version;
    for (const flag of ["--version", "-V"]) {
      const r = await vm7([flag]);
      expect(r.status).toBe(0);
      expect(r.out).toBe(`vm7 ${version}\ncore: ${join(root, "build/vm7-core.wasm")}, sha256 ${sha}, ${Math.round(statSync(join(root, "build/vm7-core.wasm")).size / 1024)} KiB; node ${process.version}\n`);
    }
  });

  it("vm7 run --list: one line per image; vm7 run NAME runs it from any directory; a file of that name wins", async () => {
    const l = await vm7(["run", "--list"]);
    expect(l.status).toBe(0);
    const rows = l.out.trim().split("\n").map((s) => s.split(/\s+/));
    expect(rows.map((r) => r[0])).toEqual(["hello", "kernel", "kernel-para", "a32mix", "t32mix"]);
    expect(rows[0][1]).toBe("fixtures/hello/hello.elf");
    const cwd = mkdtempSync(join(tmpdir(), "vm7-cwd-"));
    const h = await vm7(["run", "hello"], "", { cwd });
    expect(h.status).toBe(0);
    expect(h.out).toMatch(/^Hello from vm7!/);
    const k = await vm7(["run", "kernel-para", "--mode", "para", "--max-insns", "2e6"], "", { cwd });
    expect(k.err).toMatch(/^vm7: (guest exited with status 0|stopped: --max-insns)/m);
    writeFileSync(join(cwd, "hello"), "not an image");
    const w = await vm7(["run", "hello"], "", { cwd });
    expect(w.status).toBe(2);
    expect(w.err).toMatch(/^vm7: hello: not an ELF file/);
    const u = await vm7(["run", "nosuch"], "", { cwd });
    expect(u.status).toBe(2);
    expect(u.err).toBe("vm7: nosuch: no such file, and no image of that name comes with vm7 (hello, kernel, kernel-para, a32mix, t32mix: see vm7 run --list)\n");
  }, 30_000);
});
