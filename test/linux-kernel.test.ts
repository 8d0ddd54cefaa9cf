// vm7's own builds of Linux 6.1 (fixtures/linux-kernel: Debian's linux-source-6.1 with the board's
// configuration; zImage-para adds the paravirtual patch series). The committed images are what
// build-kernel.sh wrote (SHA256SUMS, checked here without rebuilding: a kernel build takes minutes,
// `bash fixtures/linux-kernel/build-kernel.sh --check` is the slow proof); `vm7 linux
// --kernel-build vm7` boots the plain build natively and in full mode and the para build in para
// mode, each to the busybox shell and the command's exit status, and the para build refuses to run
// anywhere else with its own message on the console.
// Busybox comes from apt as in linux.test.ts (skipped with the reason when it cannot be fetched).
import { describe, it, expect, beforeAll } from "vitest";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { vm7, ROOT as root } from "./helpers/run.js";

const DIR = join(root, "fixtures/linux-kernel");

let unavailable: string | undefined;
beforeAll(async () => {
  const r = await vm7(["linux", "--fetch-only"], { timeoutMs: 900_000 });
  if (r.status !== 0) unavailable = r.stderr.trim().split("\n").pop() ?? `vm7 linux --fetch-only exited with ${r.status}`;
}, 900_000);
function needBusybox(ctx: { skip: (note?: string) => never }): void {
  if (unavailable !== undefined) ctx.skip(`cannot get Debian's busybox: ${unavailable}`);
}

function linux(args: string[]) {
  return vm7(["linux", ...args], { timeoutMs: 240_000 }).then((r) => ({ out: r.stdout, err: r.stderr, status: r.status }));
}
const vmmStat = (err: string, key: string): number => {
  const m = new RegExp(`^\\s+${key}\\s+(\\d+)$`, "m").exec(err);
  expect(m, `no ${key} in the VMM counters`).not.toBeNull();
  return Number(m![1]);
};
/** The GPTIMER1 clockevent line of /proc/interrupts has ticked; UART3 is ttyS2. */
function checkInterrupts(out: string): void {
  const tick = /^\s*\d+:\s+(\d+)\s+INTC\s+37\s+\S+\s+clockevent$/m.exec(out);
  expect(tick, `no GPTIMER1 (INTC 37) clockevent line in:\n${out}`).not.toBeNull();
  expect(Number(tick![1])).toBeGreaterThan(0);
  expect(out).toMatch(/^\s*\d+:\s+\d+\s+INTC\s+74\s+\S+\s+ttyS2$/m);
}
const CMD = "uname -r; cat /proc/interrupts; grep -c '^processor' /proc/cpuinfo; exit 7";
/**
 * The VMM's counters of trapped sensitive instructions (vmm/stats.ts): a para kernel that executes
 * none keeps every one at 0. The reflected exceptions (exc_*: SVC, aborts, undefined instructions,
 * interrupts) and the hidden shadow faults are not sensitive instructions.
 */
const SENSITIVE = ["trap_mrs", "trap_msr", "trap_cps", "trap_srs", "trap_rfe", "trap_ldm_user", "trap_stm_user", "trap_eret",
  "trap_mcr", "trap_mrc", "trap_vfp", "trap_wfi", "trap_ldst_user"];

describe("fixtures/linux-kernel: the committed images", () => {
  it("are the files build-kernel.sh recorded in SHA256SUMS", () => {
    const sums = readFileSync(join(DIR, "SHA256SUMS"), "utf8").trim().split("\n");
    expect(sums.map((l) => l.split(/\s+/)[1])).toContain("zImage-vm7");
    for (const l of sums) {
      const [sha, name] = l.split(/\s+/);
      expect(createHash("sha256").update(readFileSync(join(DIR, name))).digest("hex"), name).toBe(sha);
    }
  });
  it("the build script is not a fixtures/*/build.sh (fixtures/build.sh --check must not rebuild a kernel)", () => {
    expect(() => readFileSync(join(DIR, "build.sh"))).toThrow();
    expect(readFileSync(join(DIR, "build-kernel.sh"), "utf8")).toMatch(/--check/);
  });
});

describe("vm7 linux --kernel-build vm7: one source and configuration, native, full and para", () => {
  it("natively and in full mode: uname -r, the timer ticking, the command's exit status", async (ctx) => {
    needBusybox(ctx);
    for (const mode of ["native", "full"]) {
      const r = await linux(["--kernel-build", "vm7", "--mode", mode, "--exec", CMD, "--stats"]);
      expect(r.status, `${mode}: ${r.err}`).toBe(7);
      expect(r.out).toMatch(/^6\.1\.\d+-vm7$/m);
      checkInterrupts(r.out);
      expect(r.err).toMatch(/^vm7: stats: .* end \(powered off\): /m);
      if (mode === "full") expect(vmmStat(r.err, "hypercalls")).toBe(0);
    }
  }, 240_000);

  it("Debian's kernel in para mode is refused in one line; --kernel and --kernel-build together too", async () => {
    const r = await linux(["--mode", "para", "--kernel-build", "debian", "--exec", "true"]);
    expect(r.status).toBe(2);
    expect(r.err.trim()).toBe("vm7: --mode para: Debian's kernel is not paravirtualized; --mode para boots vm7's paravirtual build (--kernel-build vm7, the default in para mode)");
    const b = await linux(["--kernel", join(DIR, "zImage-vm7"), "--kernel-build", "vm7", "--exec", "true"]);
    expect(b.status).toBe(2);
    expect(b.err.trim()).toBe("vm7: give either --kernel or --kernel-build, not both");
  });

  it("zImage-para outside para mode: its own message on the console, then a clean stop (status 3)", async () => {
    const r = await linux(["--kernel", join(DIR, "zImage-para"), "--verbose", "--exec", "true"]);
    expect(r.err).toContain("vm7-para: this is the paravirtual Linux for vm7's VMM and HC_VERSION (HVC #0) is UNDEFINED here: not under vm7's VMM; boot it with vm7 --mode para. Stopped.");
    expect(r.err).toMatch(/^vm7: stopped: guest is idle: WFI at 0x[0-9a-f]+ with no interrupt source that can wake it$/m);
    expect(r.status).toBe(3);
  });

  it("zImage-para in para mode: the busybox shell, uname -r, interrupts, one CPU, the command's exit status", async (ctx) => {
    needBusybox(ctx);
    const r = await linux(["--mode", "para", "--exec", CMD.replace(/exit 7$/, "exit 3"), "--stats"]);
    expect(r.status, r.err).toBe(3);
    expect(r.out).toMatch(/^6\.1\.\d+-vm7-para$/m);
    checkInterrupts(r.out);
    expect(r.out).toMatch(/^1$/m);
    expect(r.err).toMatch(/^vm7: stats: .* end \(powered off\): /m);
    // It ran as a para guest: the calls of the port (docs/hypercalls.md, "Linux's paravirtual port"),
    // and user processes made system calls (busybox, the command).
    expect(vmmStat(r.err, "hc_set_dacr")).toBeGreaterThan(0);
    expect(vmmStat(r.err, "hc_switch_mm")).toBeGreaterThan(0);
    expect(vmmStat(r.err, "exc_svc")).toBeGreaterThan(100);
    // Patch 0008: exception entry and return by HC_RET_USER, HC_ENTER_SVC and HC_RET_KERNEL and the
    // shared page, so no LDM ^, STM ^ or exception-return instruction is trapped any more, and the
    // MRS/MSR/CPS left are the boot's few (each was ~1,850 in this boot with patches 0001-0007)
    expect(vmmStat(r.err, "hc_ret_user")).toBeGreaterThan(vmmStat(r.err, "exc_svc"));
    expect(vmmStat(r.err, "hc_enter_svc")).toBeGreaterThan(100);
    expect(vmmStat(r.err, "hc_ret_kernel")).toBeGreaterThan(0);
    // Patch 0010: set_current's TPIDRURO (every context switch) and FPEXC through HC_SET_REG and
    // HC_GET_REG (1,288 MCR, 94 MRC and 780 VFP traps with patch 0009). Patch 0011: the boot's CPU
    // set-up too (14 MCR, 19 MRC, 4 VFP, 3 MRS, 6 MSR, 2 CPS with patch 0010): the kernel executes no
    // sensitive instruction from HC_VERSION on, so the VMM traps none.
    expect(vmmStat(r.err, "hc_set_reg")).toBeGreaterThan(100);
    expect(vmmStat(r.err, "hc_set_ttbrs")).toBe(1);     // patch 0011: __v7_setup
    expect(vmmStat(r.err, "hc_set_mode_sp")).toBe(4);   // cpu_init: IRQ, ABT, UND, FIQ stacks
    for (const k of SENSITIVE) expect(vmmStat(r.err, k), k).toBe(0);
  }, 240_000);

  it("zImage-para in para mode: lazy VFP switching through HC_GET_REG/HC_SET_REG keeps six concurrent floating-point processes' results apart", async (ctx) => {
    needBusybox(ctx);
    const r = await linux(["--mode", "para", "--exec",
      "for i in 1 2 3 4 5 6; do awk \"BEGIN{x=0; for(j=0;j<20000;j++) x+=j*0.5*$i; print $i, x}\" & done; wait", "--stats"]);
    expect(r.status, r.err).toBe(0);
    const sums = [...r.out.matchAll(/^(\d) (\d+)$/gm)].map((m) => [Number(m[1]), Number(m[2])]).sort((a, b) => a[0] - b[0]);
    expect(sums).toEqual([1, 2, 3, 4, 5, 6].map((i) => [i, 99995000 * i]));
    // FPEXC is read and written by hypercall on every VFP switch; the first VFP instruction of a
    // time slice is an Undefined Instruction exception from User mode, whose instruction __und_usr
    // loads from the shared page (ABI 1.6: und_insn), not with a trapped LDRT/LDRHT (two each before)
    expect(vmmStat(r.err, "hc_get_reg")).toBeGreaterThan(50);
    expect(vmmStat(r.err, "exc_undef")).toBeGreaterThan(20);
    for (const k of SENSITIVE) expect(vmmStat(r.err, k), k).toBe(0);
  }, 240_000);

  it("zImage-para in para mode: the whole quick Linux suite traps no sensitive instruction (boot and suite)", async (ctx) => {
    needBusybox(ctx);
    const json = join(mkdtempSync(join(tmpdir(), "vm7-para-quick-")), "para.json");
    const r = await vm7(["bench", "--guest", "linux", "--modes", "para", "--quick", "--no-mips-section", "--json", json], { timeoutMs: 300_000 });
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(readFileSync(json, "utf8")) as { results: unknown[]; runs: { mode: string; vmm_stats: Record<string, number> }[] };
    expect(doc.runs.map((x) => x.mode)).toEqual(["para"]);
    const s = doc.runs[0].vmm_stats;
    expect(s.exc_svc).toBeGreaterThan(10_000);          // the suite ran: system calls, faults, VFP switches
    expect(s.exc_undef).toBeGreaterThan(0);
    expect(s.hypercalls).toBeGreaterThan(10_000);
    for (const k of SENSITIVE) expect(s[k], k).toBe(0);
  }, 300_000);

  it("virtio front ends built in (virtio-blk, -net, -console): one para guest with --disk, --net and --vconsole", async (ctx) => {
    needBusybox(ctx);
    const dir = mkdtempSync(join(tmpdir(), "vm7-para-virtio-"));
    const disk = join(dir, "d.img"), hvc = join(dir, "hvc.txt");
    const r = await linux(["--mode", "para", "--net", "--disk", disk, "--disk-size", "1M", "--vconsole", hvc, "--exec",
      "ifconfig eth0 | grep 'inet addr'; ping -c 2 10.0.7.254 | tail -2; echo para-disk | dd of=/dev/vda conv=sync 2>/dev/null; sync; " +
      "echo para-hvc0 > /dev/hvc0; ls -1 /sys/bus/virtio/drivers"]);
    expect(r.status, r.err).toBe(0);
    expect(r.out).toMatch(/^\s+inet addr:10\.0\.7\.1\s+Bcast:10\.0\.7\.255\s+Mask:255\.255\.255\.0$/m);
    expect(r.out).toMatch(/^2 packets transmitted, 2 packets received, 0% packet loss$/m);
    expect(r.out.split("\n").filter((l) => /^virtio_(blk|net|console)$/.test(l)).sort()).toEqual(["virtio_blk", "virtio_console", "virtio_net"]);
    expect(readFileSync(disk).subarray(0, 10).toString("latin1")).toBe("para-disk\n");
    expect(readFileSync(hvc, "utf8").replace(/\r/g, "")).toBe("para-hvc0\n");
  }, 240_000);

  it("CONFIG_COMPAT_32BIT_TIME: busybox sleep (Debian armhf, 32-bit time_t) lets guest time pass (zImage-vm7)", async (ctx) => {
    needBusybox(ctx);
    const r = await linux(["--kernel-build", "vm7", "--exec", "cat /proc/uptime; sleep 2; cat /proc/uptime"]);
    expect(r.status, r.err).toBe(0);
    const up = [...r.out.matchAll(/^(\d+\.\d+) \d+\.\d+$/gm)].map((m) => Number(m[1]));
    expect(up, r.out).toHaveLength(2);
    expect(up[1] - up[0]).toBeGreaterThanOrEqual(1.9);
    expect(up[1] - up[0]).toBeLessThan(3);
  }, 240_000);

  it("vm7 bench --guest linux --modes native,full,para: one table of vm7's builds (zImage-vm7, zImage-para); para enters the kernel cheaper than full", async (ctx) => {
    needBusybox(ctx);
    const r = await vm7(["bench", "--guest", "linux", "--modes", "native,full,para", "--quick", "--no-mips-section",
      "lat_syscall_null", "lat_ctx_2p_0k", "lat_pagefault"], { timeoutMs: 300_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/quick suites of \S*fixtures\/linux-kernel\/zImage-vm7 and \S*fixtures\/linux-kernel\/zImage-para in native, full, para mode/);
    const value = (name: string, mode: string): number => {
      const m = new RegExp(`^${name}\\s+${mode}\\s+(\\d+\\.\\d+)\\s+us\\s`, "m").exec(r.stdout);
      expect(m, `no ${name} ${mode} row in:\n${r.stdout}`).not.toBeNull();
      return Number(m![1]);
    };
    for (const name of ["lat_syscall_null", "lat_ctx_2p_0k", "lat_pagefault"]) {
      const [native, full, para] = ["native", "full", "para"].map((mode) => value(name, mode));
      expect(native).toBeGreaterThan(0);
      expect(para, name).toBeLessThan(full);   // guest-measured: deterministic (virtual clock)
      expect(para, name).toBeGreaterThan(native);
    }
  }, 300_000);

  it("vm7 bench --guest linux: Debian's kernel with para among the modes is refused; --kernel-build needs --guest linux", async () => {
    const r = await vm7(["bench", "--guest", "linux", "--kernel-build", "debian", "--modes", "native,para", "--quick"], { timeoutMs: 60_000 });
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe("vm7 bench: --guest linux --modes native,para: Debian's kernel is not paravirtualized; --mode para boots vm7's paravirtual build (--kernel-build vm7, the default in para mode)");
    const t = await vm7(["bench", "--kernel-build", "vm7", "--quick"], { timeoutMs: 60_000 });
    expect(t.status).toBe(2);
    expect(t.stderr.trim()).toBe("vm7 bench: --kernel-build applies to --guest linux");
  });
});
