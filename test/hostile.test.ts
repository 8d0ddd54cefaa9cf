// Hostile guest kernels (fixtures/hostile): each tries something a guest must not get away with, and
// must end in a fault the guest itself handles, or in a clean VM stop (guest exit, instruction budget,
// timeout, idle, exception loop) with a register dump; never a host exception, a WASM trap or a hang.
// Each runs in native mode and, when this build has the VMM, in full mode (feature-detected: without
// it the full-mode cases are skipped and their names say why). After each, the same process must still
// run a fresh Machine.
import { describe, it, expect } from "vitest";
import { spawnSync } from "node:child_process";
import { run, vm7 as cli } from "./helpers/run.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { hex, type Machine, type RunResult } from "../src/machine/machine.js";
import { modeSupport, createMachineIn, machineRamFor } from "../src/machine/modes.js";

const root = join(import.meta.dirname, "..");
const image = (name: string) => join(root, "fixtures/hostile", `${name}.elf`);
// The kernels probe the memory just past 16 MiB: "memory the guest was not given". In the VMM modes
// the machine has 16 MiB more, the VMM's own (docs/vmm.md, memory partition): the probes hit it.
const GUEST_MIB = 16;
// Kernels that need more: highpt keeps a page table past the first 512 MiB (1024 MiB in full mode).
const GUEST_MIB_OF: Record<string, number> = { highpt: 1008 };
const guestMib = (name: string) => GUEST_MIB_OF[name] ?? GUEST_MIB;

interface Run { out: string; r: RunResult; m: Machine; mode: string }
function runKernel(name: string, mode: string, maxInsns = 5_000_000): Run {
  const m = createMachineIn(mode, { ramMiB: machineRamFor(mode, guestMib(name)) });
  m.loadElf(new Uint8Array(readFileSync(image(name))), image(name));
  const r = m.run({ maxInsns });
  return { out: m.output.replace(/\r/g, ""), r, m, mode };
}

/** The host is unharmed: a fresh machine in the same process runs the demo kernel to its normal end. */
function expectHostHealthy(mode: string): void {
  const m = createMachineIn(mode, {});
  m.loadElf(new Uint8Array(readFileSync(join(root, "fixtures/hello/hello.elf"))), "hello.elf");
  const r = m.run({ maxInsns: 1_000_000 });
  expect(r.reason, r.message).toBe("exit");
  expect(r.exitCode).toBe(0);
  expect(m.output).toContain("Hello from vm7!");
}

/** The lines after the line `head`, up to (not including) the next one starting with `prefix` or "hostile:". */
function block(out: string, head: string, prefix: string): string[] {
  const lines = out.split("\n");
  const i = lines.findIndex((l) => l === head);
  expect(i, `no line '${head}' in:\n${out}`).toBeGreaterThanOrEqual(0);
  const rest = lines.slice(i + 1);
  const j = rest.findIndex((l) => l.startsWith(prefix) || l.startsWith("hostile:"));
  return j < 0 ? rest : rest.slice(0, j);
}
const h8 = (v: number) => `0x${hex(v)}`;
const dabt = (dfsr: number, dfar: number, from = "svc") => new RegExp(`^  -> data abort: DFSR=${h8(dfsr)} DFAR=${h8(dfar)} at 0x[0-9a-f]{8} \\(from ${from} mode\\)$`);
const pabt = (ifsr: number, ifar: number, from = "svc") => new RegExp(`^  -> prefetch abort: IFSR=${h8(ifsr)} IFAR=${h8(ifar)} \\(from ${from} mode\\)$`);
const undef = (from = "usr") => new RegExp(`^  -> undefined instruction 0x[0-9a-f]{8} at 0x[0-9a-f]{8} \\(from ${from} mode\\)$`);

// Fault status values (ARM ARM B3.13.3, short-descriptor FSR encodings): FS[3:0] in bits 3:0, WnR in bit 11.
const WNR = 0x800;
const FS_EXT = 0x08, FS_EXT_WALK_L1 = 0x0c, FS_TRANS_SEC = 0x05, FS_TRANS_PAGE = 0x07, FS_PERM_SEC = 0x0d;

function expectExit(x: Run, status: number): void {
  expect(x.r.reason, `${x.r.message}\n${x.out}`).toBe("exit");
  expect(x.r.exitCode, x.out).toBe(status);
  expect(x.out).toContain(`hostile: exit status ${h8(status)}`);
  expect(x.out).not.toContain("no recovery point");
}

const CASES: Record<string, (x: Run) => void> = {
  // (a) a page table over memory the guest was not given: every access a precise external abort.
  foreign: (x) => {
    expectExit(x, 0);
    for (const va of [0x90000000, 0x900ffffc, 0x90100000, 0x901ffffc, 0x90200000, 0x90300000, 0x90400000, 0x904ffffc]) {
      expect(block(x.out, `foreign: write to ${h8(va)}`, "foreign:"), h8(va)).toEqual([expect.stringMatching(dabt(WNR | FS_EXT, va))]);
      expect(block(x.out, `foreign: read from ${h8(va)}`, "foreign:"), h8(va)).toEqual([expect.stringMatching(dabt(FS_EXT, va))]);
    }
    // The LDM faults at the first word past RAM, and its base register is unchanged.
    expect(block(x.out, "foreign: ldm across the end of RAM, from 0x80fffff8", "foreign:")).toEqual([expect.stringMatching(dabt(FS_EXT, 0x81000000))]);
    expect(x.out).toContain("foreign: base register after the ldm 0x80fffff8");
    expect(x.out).not.toMatch(/accepted|returned|completed/);
  },
  // (b) translation tables outside RAM: external aborts on the first-level walk, then an exception loop.
  ttbr: (x) => {
    expect(block(x.out, "ttbr: load from 0x00001000", "ttbr:")).toEqual([expect.stringMatching(dabt(FS_EXT_WALK_L1, 0x1000))]);
    expect(block(x.out, "ttbr: branch to 0x00002000", "ttbr:")).toEqual([expect.stringMatching(pabt(FS_EXT_WALK_L1, 0x2000))]);
    expect(block(x.out, "ttbr: TTBR0=0x81000000, store to 0x00100000", "ttbr:")).toEqual([expect.stringMatching(dabt(WNR | FS_EXT_WALK_L1, 0x100000))]);
    expect(block(x.out, "ttbr: TTBR0=0x9fffc000, load from 0x7ff00000", "ttbr:")).toEqual([expect.stringMatching(dabt(FS_EXT_WALK_L1, 0x7ff00000))]);
    expect(x.out).toContain("ttbr: accesses that did not abort: 0x00000000");
    expect(x.out).toContain("every fetch, the vectors too, walks outside RAM");
    expect(x.out).not.toContain("still running");
    expect(x.r.reason, x.r.message).toBe("fatal");
    expect(x.r.message).toMatch(/exception loop/);
    expect(x.m.getCp15("TTBR0")).toBe(0x4000);
  },
  // (c) User-mode code forging its way to privilege: it never leaves User mode nor unmasks interrupts.
  forge: (x) => {
    expectExit(x, 0);
    const attempts = x.out.split("\n").filter((l) => /^forge: /.test(l) && !/^forge: (User-mode|MMU on|attempts)/.test(l));
    expect(attempts).toHaveLength(12);
    for (const a of attempts) {
      const b = block(x.out, a, "forge:");
      const cpsr = b.find((l) => l.startsWith("   cpsr now "));
      expect(cpsr, a).toBeDefined();
      // User mode, IRQ and FIQ still masked.
      expect(parseInt(cpsr!.slice(12), 16) & 0xdf, `${a}: ${cpsr}`).toBe(0xd0);
      const exc = b.filter((l) => l.startsWith("  -> "));
      if (/UNPREDICTABLE/.test(a)) {
        // Anything a User-mode instruction may do: nothing, or an undefined-instruction trap.
        expect(exc.length, a).toBeLessThanOrEqual(1);
        for (const e of exc) expect(e, a).toMatch(undef());
      } else if (/^forge: (msr cpsr_c|cps|cpsie)/.test(a)) {
        expect(exc, a).toEqual([]); // B1.3.3 / B9.3.2: ignored in User mode, no exception
      } else if (/^forge: (mcr|mrc) /.test(a)) {
        expect(exc, a).toEqual([expect.stringMatching(undef())]); // B4.1: CP15 from User is undefined
      } else if (a === "forge: write the vector table") {
        expect(exc, a).toEqual([expect.stringMatching(new RegExp(`^  -> data abort: DFSR=${h8(WNR | FS_PERM_SEC)} DFAR=0x8000[0-9a-f]{4} at 0x801[0-9a-f]{5} \\(from usr mode\\)$`))]);
      } else if (a === "forge: read the kernel's private data") {
        expect(exc, a).toEqual([expect.stringMatching(new RegExp(`^  -> data abort: DFSR=${h8(FS_PERM_SEC)} DFAR=0x80200000 at 0x801[0-9a-f]{5} \\(from usr mode\\)$`))]);
        expect(b.join("\n")).not.toContain("5ec2e7ed");
      } else throw new Error(`unexpected attempt line '${a}'`);
    }
    expect(x.out).toContain("forge: attempts that left User mode or unmasked interrupts: 0x00000000");
  },
  // (d) a spin with interrupts masked: only the host's instruction budget ends it.
  spin: (x) => {
    const m = /spinning at 0x([0-9a-f]{8}) forever/.exec(x.out);
    expect(m, x.out).not.toBeNull();
    const loop = parseInt(m![1], 16);
    expect(x.r.reason, x.r.message).toBe("budget");
    expect([loop, loop + 4]).toContain(x.m.pc);
    expect(x.m.cpsr & 0xdf).toBe(0xd3); // SVC, IRQ and FIQ masked: the pending timer interrupt never taken
    expect(x.out).not.toContain("->");
  },
  idle: (x) => {
    expect(x.out).toMatch(/idle: every interrupt masked, no timer running; WFI at 0x[0-9a-f]{8} forever/);
    expect(x.r.reason, x.r.message).toBe("idle");
    expect(x.r.message).toMatch(/no interrupt source that can wake it/);
  },
  // (e) branches to device registers, nothing, past RAM: prefetch aborts (external, IFSR 0x08).
  devexec: (x) => {
    expectExit(x, 0);
    for (const t of [0x49020000, 0x48200001, 0x00000000, 0x81000000]) {
      expect(block(x.out, `devexec: blx ${h8(t)}`, "devexec:"), h8(t)).toEqual([expect.stringMatching(pabt(FS_EXT, t & ~1))]);
    }
  },
  ldmcross: (x) => {
    expectExit(x, 0);
    expect(block(x.out, "ldmcross: ldmia r9!, {r0-r3} with r9 = 0x90000ff8", "ldmcross:")).toEqual([expect.stringMatching(dabt(FS_TRANS_PAGE, 0x90001000))]);
    expect(block(x.out, "ldmcross: stmia r9!, {r4-r7} with r9 = 0x90000ff8", "ldmcross:")).toEqual([expect.stringMatching(dabt(WNR | FS_TRANS_PAGE, 0x90001000))]);
    // Base restored although writeback was asked for (B1.9.6).
    expect(x.out.match(/^ldmcross: r9 after: 0x90000ff8$/gm)).toHaveLength(2);
    expect(block(x.out, "ldmcross: ldmdb r9, {r0-r3} with r9 = 0x90000008 (starts below the page)", "ldmcross:")).toEqual([expect.stringMatching(dabt(FS_TRANS_SEC, 0x8ffffff8))]);
    // The words of the aborted STM below the fault may or may not have been written (B1.9.6).
    expect(x.out).toMatch(/^ldmcross: the page still reads: 0x(11111111|44444444)$/m);
  },
  selfmod: (x) => {
    expectExit(x, 0);
    expect(x.out).toContain("selfmod: sum 0x0001e72c (expected 0x0001e72c)");
  },
  // Mappings taken away stay away: page-table writes through an alias, TLB maintenance, table switches.
  stale: (x) => {
    expectExit(x, 0);
    expect(block(x.out, "stale: 1. VA -> page A", "stale: 2")).toEqual(["stale: read 0xaaaaaaaa"]);
    expect(block(x.out, "stale: 2. entry -> page B through the alias, TLBIMVA", "stale: 3")).toEqual(["stale: read 0xbbbbbbbb"]);
    expect(block(x.out, "stale: 3. entry cleared through the alias, TLBIMVA", "stale:")).toEqual([expect.stringMatching(dabt(FS_TRANS_SEC, 0x90000000))]);
    expect(block(x.out, "stale: 4. entry -> 0x81000000 (not this guest's) through the alias, TLBIALL", "stale:")).toEqual([expect.stringMatching(dabt(FS_EXT, 0x90000000))]);
    expect(block(x.out, "stale: 5. TTBR0 -> second table (VA -> A)", "stale: first")).toEqual(["stale: read 0xaaaaaaaa"]);
    expect(block(x.out, "stale: first table's entry -> page B while not in use; TTBR0 -> first table, TLBIALL", "stale: TTBR0")).toEqual(["stale: read 0xbbbbbbbb"]);
    expect(block(x.out, "stale: TTBR0 -> second table again, TLBIALL", "hostile:")).toEqual(["stale: read 0xaaaaaaaa"]);
    expect(x.out).not.toContain("the read succeeded");
  },
  // Read-modify-write accesses to a frame that holds a live L2 table (write-tracked under full
  // virtualization: read-only until a store opens a window): each completes, as natively.
  swp: (x) => {
    expectExit(x, 0);
    expect(block(x.out, "swp: 1. swp on the word beside the L2 table, after TLBIALL", "swp: 2")).toEqual([
      "swp: swp returned 0x11111111", "swp: word now 0x22222222"]);
    expect(block(x.out, "swp: 2. swpb on its second byte, after TLBIALL", "swp: 3")).toEqual([
      "swp: swpb returned 0x00000022", "swp: word now 0x22225a22"]);
    expect(block(x.out, "swp: 3. a store to its own instruction word in that frame, after TLBIALL", "swp: 4")).toEqual([
      "swp: self-store completed"]);
    expect(block(x.out, "swp: 4. ldrex/strex on the word, after TLBIALL", "hostile:")).toEqual([
      "swp: ldrex returned 0x22225a22", "swp: strex status 0x00000000", "swp: word now 0x33333333"]);
  },
  // A guest page table past the first 512 MiB of RAM, rewritten by a plain store: natively either
  // translation may be used until TLB maintenance (B3.10); under full virtualization the write is
  // tracked wherever the table lies, so the new one is used after the next VMM entry (docs/vmm.md).
  highpt: (x) => {
    expectExit(x, 0);
    const after = x.mode === "native" ? /^highpt: after the store, a VMM entry and 64 instructions: read 0x(aaaaaaaa|bbbbbbbb)$/
      : /^highpt: after the store, a VMM entry and 64 instructions: read 0xbbbbbbbb$/;
    for (const head of ["highpt: 1. table at 0xa0040000 (high)", "highpt: 2. table in the image (low)"]) {
      expect(block(x.out, head, "highpt: 2"), head).toEqual(["highpt: read 0xaaaaaaaa", expect.stringMatching(after), "highpt: after TLBIALL: read 0xbbbbbbbb"]);
    }
  },
  // The host (semihosting SYS_READ) writes a live first-level descriptor: natively the old
  // translation may linger until TLB maintenance (B3.10); under full virtualization the host's write
  // is tracked like a guest store, so after a VMM entry the VA faults as the new descriptor says.
  semiwr: (x) => {
    expectExit(x, 0);
    expect(x.out).toContain("semiwr: read 0xaaaaaaaa");
    const after = block(x.out, "semiwr: SYS_READ left 0x00000000 bytes; descriptor now 0x42464853", "semiwr: descriptor back");
    // Status 0x05, domain field 2: bits 8:5 of the invalid descriptor, as vm7's MMU reports it (natively too).
    const faulted = [expect.stringMatching(dabt(FS_TRANS_SEC | (2 << 4), 0x90000000)), "semiwr: after a VMM entry and 64 instructions: faulted"];
    if (x.mode === "native" && after.length === 1) expect(after).toEqual(["semiwr: after a VMM entry and 64 instructions: read 0xaaaaaaaa"]);
    else expect(after).toEqual(faulted);
    expect(x.out).toContain("semiwr: descriptor back, TLBIALL: read 0xaaaaaaaa");
  },
  // Thumb-state forms of the sensitive instructions, kernel and User mode: full mode prints exactly
  // what native mode prints (every emulation gives the privileged meaning; User mode gains nothing).
  thumbsens: (x) => {
    expectExit(x, 0);
    const lines = (head: string) => block(x.out, `thumbsens: ${head}`, "thumbsens:");
    expect(lines("svc: t32 mrs r0, cpsr; mrs r1, spsr after msr spsr_fsxc, 0x800001d2")).toEqual(["   r0=0x600001d3 r1=0x800001d2 r2=0x00000000 r3=0x00000000"]);
    expect(lines("svc: t32 msr cpsr_c to irq mode, sp = 0x12345678, back; r0 = svc sp unchanged, r1 = irq sp seen again")).toEqual(["   r0=0x00000001 r1=0x12345678 r2=0x00000000 r3=0x00000000"]);
    expect(lines("svc: t32 rfeia sp! into system mode, thumb: r0 = cpsr there, r1 = 1 if it landed")).toEqual(["   r0=0x000001df r1=0x00000001 r2=0x00000000 r3=0x00000000"]);
    expect(lines("svc: t32 subs pc, lr, #4 with spsr = irq mode, thumb: r0 = cpsr there, r1 = 1 if it landed")).toEqual(["   r0=0x000001d2 r1=0x00000001 r2=0x00000000 r3=0x00000000"]);
    expect(lines("svc: t16 wfi and t32 wfi.w with a masked interrupt pending: r0 = 2 if both returned")).toEqual(["   r0=0x00000002 r1=0x00000000 r2=0x00000000 r3=0x00000000"]);
    expect(lines("svc: t32 ldrt from the kernel-only page")).toEqual([expect.stringMatching(dabt(FS_PERM_SEC, 0x80200000))]);
    expect(lines("svc: t32 strt to the kernel-only page")).toEqual([expect.stringMatching(dabt(WNR | FS_PERM_SEC, 0x80200000))]);
    expect(x.out).toContain("thumbsens: the kernel-only word is still 0x5ec2e7ed");
    const user = x.out.split("\n").filter((l) => l.startsWith("thumbsens: usr: ") && !l.includes("attempts that"));
    expect(user).toHaveLength(11);
    for (const a of user) {
      const cpsr = block(x.out, a, "thumbsens:").find((l) => l.startsWith("   cpsr now "));
      expect(parseInt(cpsr!.slice(12), 16) & 0xdf, a).toBe(0xd0);
    }
    if (x.mode !== "native") expect(x.out).toBe(runKernel("thumbsens", "native").out);
  },
  // Domains to and from Manager: permissions, XN and User access follow each DACR write at once.
  manager: (x) => {
    expectExit(x, 0);
    const lines = (head: string) => block(x.out, `manager: ${head}`, "manager:");
    const read = (v: number) => `  read ${h8(v)}`;
    expect(lines("1. domain 1 Client, AP 000: read")).toEqual([expect.stringMatching(dabt(FS_PERM_SEC | (1 << 4), 0x90000000))]);
    expect(lines("1. domain 1 Manager: read")).toEqual([read(0xaaaaaaaa)]);
    expect(lines("1. domain 1 Manager: write")).toEqual(["  wrote"]);
    expect(lines("1. domain 1 Client again: read")).toEqual([expect.stringMatching(dabt(FS_PERM_SEC | (1 << 4), 0x90000000))]);
    expect(lines("1. domain 1 Client again: write")).toEqual([expect.stringMatching(dabt(WNR | FS_PERM_SEC | (1 << 4), 0x90000004))]);
    expect(lines("2. domain 2 Manager: write")).toEqual(["  wrote"]);
    expect(lines("2. domain 2 Client again: write")).toEqual([expect.stringMatching(dabt(WNR | FS_PERM_SEC | (2 << 4), 0x90100004))]);
    expect(lines("3. domain 4 No access: read")).toEqual([expect.stringMatching(dabt(0x09 | (4 << 4), 0x90300000))]);
    expect(lines("3. domain 4 Manager: read")).toEqual([read(0xaaaaaaaa)]);
    expect(lines("3. domain 4 No access again: read")).toEqual([expect.stringMatching(dabt(0x09 | (4 << 4), 0x90300000))]);
    expect(lines("3. domain 4 Client: read")).toEqual([read(0xaaaaaaaa)]);
    expect(lines("4. domain 3 Client, XN: blx")).toEqual([expect.stringMatching(pabt(FS_PERM_SEC | (3 << 4), 0x90200100))]);
    expect(lines("4. domain 3 Manager, XN: blx")).toEqual(["  ran, returned 0x0000002a"]);
    expect(lines("4. domain 3 Client again, XN: blx")).toEqual([expect.stringMatching(pabt(FS_PERM_SEC | (3 << 4), 0x90200100))]);
    const remap = lines("domain 0 Manager; VA4's entry -> page B by a plain store, a VMM entry, 64 instructions");
    expect(remap).toEqual([x.mode === "native" ? expect.stringMatching(/^  read 0x(aaaaaaaa|bbbbbbbb)$/) : read(0xbbbbbbbb)]);
    expect(lines("domain 0 Client again, TLBIALL: read")).toEqual([read(0xbbbbbbbb)]);
    expect(lines("usr: read VA1 (domain 1 Manager, AP 000)")).toEqual([read(0xaaaaaaaa)]);
    expect(lines("usr: write VA1")).toEqual(["  wrote"]);
    expect(lines("usr: read the kernel-only word (domain 0 Client)")).toEqual([expect.stringMatching(dabt(FS_PERM_SEC, 0x80200000, "usr"))]);
  },
  // TTBCR.N = 0 address spaces sharing an L2 table that changes under them: every read defined (new
  // ASIDs or the required TLB maintenance), the same in full mode, where the shadow tables of new
  // address spaces are copied from the others (the copies must never carry what has changed).
  n0copy: (x) => {
    expectExit(x, 0);
    const reads = x.out.split("\n").filter((l) => /^n0copy: \d\. /.test(l));
    expect(reads).toHaveLength(17);
    if (x.mode !== "native") {
      expect(x.out).toBe(runKernel("n0copy", "native").out);
      expect(x.m.vmmStats().shadow_table_copies, "the copy path ran").toBeGreaterThan(0);
      expect(x.m.vmmStats().pt_write_faults, "the stores were tracked").toBeGreaterThan(0);
    }
  },
  vecloop: (x) => {
    expect(x.out).toContain("vecloop: VBAR = 0x40000000 (nothing there), then an undefined instruction");
    expect(x.out).not.toContain("still running");
    expect(x.r.reason, x.r.message).toBe("fatal");
    expect(x.r.message).toMatch(/exception loop/);
    expect(x.m.getCp15("VBAR")).toBe(0x40000000);
  },
};

// The CLI: the stops come with the register dump on stderr.
async function vm7(args: string[], timeout = 30_000) {
  const t0 = Date.now();
  const r = await cli(args, { timeoutMs: timeout });
  return { out: r.stdout, err: r.stderr, status: r.status, signal: r.signal, seconds: (Date.now() - t0) / 1000 };
}
const cliModeFlag = /--mode\b/.test(spawnSync(process.execPath, [join(root, "bin/vm7.js"), "run", "--help"], { encoding: "utf8" }).stdout);
const noHostError = (err: string) => { expect(err).not.toMatch(/\n\s+at |RuntimeError|unreachable|WebAssembly|Error:/); };
const DUMP = /^ r0=[0-9a-f]{8} [^]*^cpsr=[0-9a-f]{8} [^]*^instructions=\d+$/m;

function cliCases(mode: string) {
  const modeArgs = mode === "native" ? [] : ["--mode", mode];
  const RAM_MIB = machineRamFor(mode, GUEST_MIB);
  it("spin: --max-insns stops it with status 124 and the register dump shows the loop", async () => {
    const r = await vm7(["run", ...modeArgs, "--ram", String(RAM_MIB), "--max-insns", "2000000", "--dump-regs", image("spin")]);
    expect(r.status, r.err).toBe(124);
    noHostError(r.err);
    const loop = parseInt(/spinning at 0x([0-9a-f]{8})/.exec(r.out)![1], 16);
    expect(r.err).toMatch(/^vm7: stopped: --max-insns 2000000 reached at pc 0x[0-9a-f]{8}$/m);
    expect(r.err).toMatch(DUMP);
    expect(r.err).toMatch(/^cpsr=[0-9a-f]{8} .... svc arm I F/m);
    const pc = parseInt(/r15=([0-9a-f]{8})/.exec(r.err)![1], 16);
    expect([loop, loop + 4]).toContain(pc);
  });
  it("spin: --timeout stops it in wall time (no instruction limit)", async () => {
    const r = await vm7(["run", ...modeArgs, "--ram", String(RAM_MIB), "--timeout", "1", "--dump-regs", image("spin")], 60_000);
    expect(r.status, r.err).toBe(124);
    noHostError(r.err);
    expect(r.err).toMatch(/^vm7: stopped: --timeout 1s reached at pc 0x[0-9a-f]{8} after \d+ instructions$/m);
    expect(r.err).toMatch(DUMP);
    expect(r.seconds).toBeLessThan(30);
  }, 60_000);
  it("idle: WFI with nothing to wake it stops with status 3 and the dump", async () => {
    const r = await vm7(["run", ...modeArgs, "--ram", String(RAM_MIB), image("idle")]);
    expect(r.status, r.err).toBe(3);
    noHostError(r.err);
    expect(r.err).toMatch(/^vm7: stopped: guest is idle: WFI at 0x[0-9a-f]{8} with no interrupt source that can wake it$/m);
    expect(r.err).toMatch(DUMP);
  });
  it("ttbr and vecloop: the exception loop stops with status 3 and the dump", async () => {
    for (const k of ["ttbr", "vecloop"]) {
      const r = await vm7(["run", ...modeArgs, "--ram", String(RAM_MIB), image(k)]);
      expect(r.status, `${k}: ${r.err}`).toBe(3);
      noHostError(r.err);
      expect(r.err, k).toMatch(/^vm7: stopped: guest stopped: exception loop/m);
      expect(r.err, k).toMatch(DUMP);
    }
  });
  it("the kernels that handle their faults exit with status 0 and nothing on stderr but the exit line", async () => {
    for (const k of ["foreign", "forge", "devexec", "ldmcross", "selfmod", "stale", "swp", "highpt", "semiwr", "thumbsens", "manager", "n0copy"]) {
      const r = await vm7(["run", ...modeArgs, "--ram", String(machineRamFor(mode, guestMib(k))), image(k)]);
      expect(r.status, `${k}: ${r.err}`).toBe(0);
      expect(r.err.trim(), k).toMatch(/^vm7: guest exited with status 0 after \d+ instructions$/);
    }
  }, 60_000); // one vm7 process per kernel
}

for (const mode of ["native", "full"]) {
  const why = modeSupport(mode);
  describe.skipIf(why !== undefined)(`hostile kernels, ${mode} mode${why ? ` (skipped: this build cannot run ${mode} mode: ${why})` : ""}`, () => {
    for (const [name, check] of Object.entries(CASES)) {
      it(`${name}: contained, and a fresh machine still works afterwards`, () => {
        let x: Run | undefined;
        expect(() => { x = runKernel(name, mode); }).not.toThrow();
        check(x!);
        expectHostHealthy(mode);
        if (mode !== "native") expectHostHealthy("native");
      });
    }
    describe.skipIf(mode !== "native" && !cliModeFlag)(`through the CLI${mode !== "native" && !cliModeFlag ? " (skipped: vm7 run has no --mode)" : ""}`, () => {
      cliCases(mode);
    });
  });
}

// Para-mode kernels: they call the VMM by hypercalls (HVC is UNDEFINED natively and in full mode).
// Each check sees the console output and the exit status (from a Machine or from the CLI).
const PARA_CASES: Record<string, (out: string, status: number | null) => void> = {
  // HC_CONSOLE_WRITE floods the 32 KiB console ring 4 KiB at a time: every line arrives once, in order.
  conring: (out, status) => {
    expect(status, out.slice(-500)).toBe(0);
    const lines = out.split("\n").filter((l) => l.startsWith("line "));
    const want = Array.from({ length: 0x18fb }, (_, n) => `line ${n.toString(16).padStart(4, "0")} -----`);
    const firstBad = lines.findIndex((l, n) => l !== want[n]);
    expect(firstBad, `line ${firstBad}: '${lines[firstBad]}'`).toBe(-1);
    expect(lines.length).toBe(want.length);
    expect(out).toContain("conring: done, last line 0x000018fa");
  },
  // (f) the inter-guest hypercalls on a machine of one guest (test/guests.test.ts runs it next to another):
  // every one fails (no other guest to name), so the 8 calls meant to succeed or to fail otherwise
  // next to a guest 0 count as mismatches; nothing succeeds but HC_EVTCHN_PENDING and HC_YIELD.
  gforge: (out, status) => {
    expect(out).toContain("gforge: guest 0x00000000 of 0x00000001");
    const calls = out.split("\n").filter((l) => / -> 0x[0-9a-f]{8}$/.test(l));
    expect(calls.length).toBe(31);
    for (const l of calls) {
      if (/pending|yield/.test(l)) expect(l).toMatch(/-> 0x00000000$/);
      else expect(l, l).toMatch(/-> 0xfffffff[ce]$/); // EPERM or EINVAL
    }
    expect(status).toBe(8);
  },
};
describe.skipIf(modeSupport("para") !== undefined)(`hostile kernels, para mode${modeSupport("para") ? ` (skipped: ${modeSupport("para")})` : ""}`, () => {
  for (const [name, check] of Object.entries(PARA_CASES)) {
    it(`${name}: contained, and a fresh machine still works afterwards`, () => {
      let x: Run | undefined;
      expect(() => { x = runKernel(name, "para"); }).not.toThrow();
      expect(x!.r.reason, x!.r.message).toBe("exit");
      check(x!.out, x!.r.exitCode ?? null);
      expectHostHealthy("native"); // the demo kernel is no para guest
      if (modeSupport("full") === undefined) expectHostHealthy("full");
    });
    it(`${name}: the same through the CLI`, async () => {
      const r = await vm7(["run", "--mode", "para", "--ram", String(machineRamFor("para", guestMib(name))), image(name)]);
      noHostError(r.err);
      check(r.out.replace(/\r/g, ""), r.status);
    });
  }
});

const have = (cmd: string) => spawnSync(cmd, ["--version"]).status === 0;
const qemuWhy = !have("qemu-system-arm") ? "no qemu-system-arm" : !have("arm-none-eabi-gcc") ? "no arm-none-eabi-gcc" : undefined;

describe("against QEMU (a reference we did not write)", () => {
  it.skipIf(qemuWhy !== undefined)(`forge, ldmcross, selfmod, stale, swp, n0copy and manager print the same on qemu-system-arm realview-pb-a8 as on vm7${qemuWhy ? ` (skipped: ${qemuWhy})` : ""}`, async () => {
    const r = await run("bash", [join(root, "fixtures/hostile/check-qemu.sh")], { timeoutMs: 240_000 });
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    for (const k of ["forge", "ldmcross", "selfmod", "stale", "swp", "n0copy", "manager"]) expect(r.stdout).toMatch(new RegExp(`^check-qemu: ${k}: same output \\(\\d+ lines\\)`, "m"));
  }, 240_000);
});

describe("the hostile kernels are the committed images of their sources", () => {
  it("every kernel the tests run is listed in build.sh", () => {
    const script = readFileSync(join(root, "fixtures/hostile/build.sh"), "utf8");
    const listed = /^KERNELS="([^"]+)"/m.exec(script)![1].split(" ");
    expect(listed.sort()).toEqual([...Object.keys(CASES), ...Object.keys(PARA_CASES)].sort());
  });
});
