// Several guests on one VMM (docs/guests.md): the tiny kernel's self-test side by side with itself,
// the two-guest ring demo (grant references, event channels), and hostile guests next to a
// well-behaved one: the victim prints exactly what it prints alone, the attacker gets errors, faults
// or a stop of its own, and the others run on.
import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Machine, type VmMode } from "../src/machine/machine.js";
import { Guests, type GuestsRunResult } from "../src/machine/guests.js";
import { vm7 } from "./helpers/run.js";
import { encodeSnapshot } from "../src/debug/snapshot.js";
import { VirtioBlk } from "../src/virtio/blk.js";
import { hostileVirtio, MemDisk } from "./helpers/hostile-virtio.js";

const root = join(import.meta.dirname, "..");
const kernelPara = readFileSync(join(root, "fixtures/kernel/kernel-para.elf"));
const kernel = readFileSync(join(root, "fixtures/kernel/kernel.elf"));
const hostile = (n: string) => readFileSync(join(root, `fixtures/hostile/${n}.elf`));

interface Spec { image: Uint8Array; name: string; bootArgs?: string; weight?: number; mode?: VmMode }

/** Runs guests together; returns each guest's console lines and the scheduler's result. */
async function together(mode: VmMode, specs: Spec[], o: { ramMiB?: number; maxInsns?: number; sliceInsns?: number; cmdline?: string } = {}) {
  const lines: string[][] = specs.map(() => []);
  const all: string[] = [];
  const g = new Guests({
    mode, ramMiB: o.ramMiB, guests: specs, sliceInsns: o.sliceInsns, cmdline: o.cmdline ?? "selftest",
    onLine: (k, l) => { lines[k].push(l); all.push(`[g${k}] ${l}`); },
  });
  const r: GuestsRunResult = await g.run({ maxInsns: o.maxInsns ?? 200_000_000 });
  return { lines, all, r, g };
}

/** The same image alone on a machine of one guest with the partition size given. */
async function alone(mode: VmMode, image: Uint8Array, o: { ramMiB: number; bootArgs?: string; maxInsns?: number }) {
  const m = Machine.createSync({ mode, ramMiB: o.ramMiB, cmdline: "selftest" });
  m.loadElf(image);
  if (o.bootArgs !== undefined) m.writeRam(0x80007f00, new TextEncoder().encode("BOOT" + o.bootArgs + "\0"));
  const r = await m.runAsync({ maxInsns: o.maxInsns ?? 200_000_000 });
  const lines = m.output.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return { lines, r };
}

describe("several guests on one VMM", () => {
  it("two para self-tests side by side: each prints what it prints alone, in an interleaving that repeats", async () => {
    const solo = await alone("para", kernelPara, { ramMiB: 256 });
    expect(solo.r.reason).toBe("exit");
    const a = await together("para", [{ image: kernelPara, name: "a" }, { image: kernelPara, name: "b" }]);
    for (const k of [0, 1]) {
      expect(a.r.guests[k].result.reason, a.r.guests[k].result.message).toBe("exit");
      expect(a.r.guests[k].result.exitCode).toBe(0);
      expect(a.lines[k]).toEqual(solo.lines);
    }
    expect(a.lines[0]).toContain("kernel selftest: 33 passed, 0 failed");
    expect(a.r.switches).toBeGreaterThan(100); // preempted many times, not run one after the other
    // the two interleave
    const firstEnd0 = a.all.indexOf("[g0] kernel selftest: 33 passed, 0 failed");
    expect(a.all.slice(0, firstEnd0).some((l) => l.startsWith("[g1] PASS"))).toBe(true);
    const b = await together("para", [{ image: kernelPara, name: "a" }, { image: kernelPara, name: "b" }]);
    expect(b.all).toEqual(a.all);
    expect(b.r.guests.map((x) => x.insns)).toEqual(a.r.guests.map((x) => x.insns));
  }, 120_000);

  it("full mode: two unmodified kernels in 16 MiB partitions print what each prints alone", async () => {
    const solo = await alone("full", kernel, { ramMiB: 32, bootArgs: "mem=16" });
    expect(solo.r.reason).toBe("exit");
    const a = await together("full", [{ image: kernel, name: "a", bootArgs: "mem=16" }, { image: kernel, name: "b", bootArgs: "mem=16" }], { ramMiB: 64 });
    for (const k of [0, 1]) {
      expect(a.r.guests[k].result.exitCode, a.r.guests[k].result.message).toBe(0);
      expect(a.lines[k]).toEqual(solo.lines);
    }
    // each guest has its own VMM counters (shadow fills of its own tables, its own traps)
    const st = a.g.stats();
    expect(st[0].traps).toBeGreaterThan(1000);
    expect(st[1].traps).toBeGreaterThan(1000);
  }, 120_000);

  it("a full-mode guest and a para-mode guest side by side (in either order): each prints what it prints alone; traps vs hypercalls", async () => {
    const soloF = await alone("full", kernel, { ramMiB: 256 });
    const soloP = await alone("para", kernelPara, { ramMiB: 256 });
    for (const order of [["full", "para"], ["para", "full"]] as const) {
      const a = await together("full", order.map((m) => ({ image: m === "full" ? kernel : kernelPara, name: m, mode: m })));
      order.forEach((m, k) => {
        expect(a.r.guests[k].result.exitCode, a.r.guests[k].result.message).toBe(0);
        expect(a.lines[k], `${m} guest ${k}`).toEqual(m === "full" ? soloF.lines : soloP.lines);
      });
      expect(a.r.switches).toBeGreaterThan(100);
      const st = a.g.stats();
      const f = order.indexOf("full"), p = order.indexOf("para");
      expect(st[f].hypercalls).toBe(0);
      expect(st[f].trap_mcr + st[f].trap_mrc).toBeGreaterThan(1000); // its CP15 accesses trap
      expect(st[p].hypercalls).toBeGreaterThan(1000);
      expect(st[p].trap_mcr + st[p].trap_mrc).toBe(0);
      a.g.select(f); expect(a.g.machine.mode).toBe("full");
      a.g.select(p); expect(a.g.machine.mode).toBe("para");
    }
    const cli = await vm7(["run", "--guest", "native:kernel", "--guest", "para:kernel-para"]);
    expect(cli.status).toBe(2);
    expect(cli.stderr.trim()).toBe("vm7: --guest native:kernel: several guests run under the VMM: full:IMAGE or para:IMAGE (native mode has one guest)");
  }, 120_000);

  it("the ring demo: a granted page and an event channel carry three messages each way", async () => {
    const r = await vm7(["run", "--guest", "kernel-para", "--guest", "kernel-para", "--cmdline", "kernel ring", "--stats"]);
    expect(r.status, r.stderr).toBe(0);
    const out = r.stdout.split("\n");
    for (let i = 0; i < 3; i++) {
      expect(out).toContain(`[g1] ring: guest 1 received "ping ${i} from guest 0"`);
      expect(out).toContain(`[g0] ring: guest 0 received "pong ${i} from guest 1"`);
    }
    expect(out).toContain("[g0] ring: granted page 80005000 to guest 1 as reference 0");
    expect(out).toContain("[g1] ring: guest 1 copy with reference 5: -4; past the page: -4");
    expect(out).toContain("[g0] ring: revoke reference 0: 0");
    expect(r.stderr).toMatch(/\[g0\] .*kernel-para\.elf: guest exited with status 0/);
    expect(r.stderr).toMatch(/\[g1\] .*kernel-para\.elf: guest exited with status 0/);
    expect(r.stderr).toMatch(/vmm stats of guest 1 \(para mode\):\n(?:.*\n)*?\s+hc_grant_copy\s+[1-9]/);
    expect(r.stderr).toMatch(/vmm stats of guest 0 \(para mode\):\n(?:.*\n)*?\s+hc_grant\s+1\n/);
    // alone, the demo says it needs a second guest
    const solo = await vm7(["run", "--mode", "para", "--cmdline", "kernel ring", "kernel-para"]);
    expect(solo.status).toBe(1);
    expect(solo.stdout).toContain("ring: needs two guests");
  }, 60_000);

  it("a forger of grant references and event-channel ports gets an error for each, then spins masked; the victim runs on unharmed", async () => {
    const solo = await alone("para", kernelPara, { ramMiB: 256 });
    const a = await together("para", [{ image: kernelPara, name: "victim" }, { image: hostile("gforge"), name: "gforge" }], { maxInsns: 250_000_000 });
    expect(a.r.guests[0].result.exitCode, a.r.guests[0].result.message).toBe(0);
    expect(a.lines[0]).toEqual(solo.lines);
    const f = a.lines[1];
    expect(f).toContain("gforge: calls that did not fail as they must: 0x00000000");
    expect(f).toContain("gforge: copy from guest 0 ref 0 (never granted) -> 0xfffffffc");
    expect(f).toContain("gforge: send on port 7 (guest 0 has not bound it) -> 0xfffffffb");
    expect(f).toContain("gforge: grant 0x8f000000 (the VMM's RAM past a 240 MiB partition: 2 guests in 512 MiB) -> 0xfffffffc");
    expect(f).toContain("gforge: now spinning with interrupts masked");
    // the spinner never ends: only the run's budget stops it, after the victim had all it needed
    expect(a.r.guests[1].result.reason).toBe("budget");
    expect(a.r.budget).toBe(true);
    // the victim waits for its timer in time the spinner's instructions make pass (alone, the VMM
    // fast-forwards an idle guest's clock): it needs the spinner's ~100M instructions beside its own
    expect(a.r.guests[1].insns).toBeGreaterThan(100_000_000);
  }, 120_000);

  it("a guest mapping memory it was not given (the next guest's, the VMM's) takes external aborts; its neighbour is unharmed", async () => {
    // foreign: page tables mapping the MiB past its 16 MiB (here: the VMM-reserved RAM of its stride,
    // then the next guest's partition), the board's top MiB, 0, 0x60000000, 0xfff00000
    const soloF = await alone("full", hostile("foreign"), { ramMiB: 32 });
    const soloV = await alone("full", kernel, { ramMiB: 32, bootArgs: "mem=16" });
    for (const order of [["foreign", "victim"], ["victim", "foreign"]]) {
      const specs = order.map((n) => n === "foreign" ? { image: hostile("foreign"), name: n } : { image: kernel, name: n, bootArgs: "mem=16" });
      const a = await together("full", specs, { ramMiB: 64 });
      const f = order.indexOf("foreign"), v = order.indexOf("victim");
      expect(a.r.guests[f].result.exitCode, a.r.guests[f].result.message).toBe(0);
      expect(a.lines[f]).toEqual(soloF.lines);
      expect(a.lines[v]).toEqual(soloV.lines);
      expect(a.r.guests[v].result.exitCode).toBe(0);
    }
  }, 120_000);

  it("hostile virtio rings (outside its partition, looping, longer than the queue) next to a victim: the attacker's device needs a reset each time, the victim is unharmed", async () => {
    // The attacker (guest 1, full mode, MMU off) drives its own virtio-blk window from guest code:
    // for each case it resets the device, sets queue 0 up on rings the host laid out in its RAM,
    // and notifies; last comes a valid read of 512 bytes into its 0x80008000 (where the victim's
    // kernel is in the victim's partition). The victim is the full-mode self-test, with a disk too.
    const attackerDisk = new MemDisk(64 * 1024, 0xa5), victimDisk = new MemDisk(64 * 1024, 0);
    const errors: string[][] = [[], []];
    const lines: string[][] = [[], []];
    const attack = hostileVirtio(attackerDisk, (e) => errors[1].push(e));
    const { cases, STAT, DATA, V } = attack;
    const g = new Guests({
      mode: "full", ramMiB: 64, cmdline: "selftest",
      guests: [
        { name: "victim", load: (m) => { m.loadElf(kernel); m.writeGuestRam(0x80007f00, new TextEncoder().encode("BOOTmem=16\0")); m.attachVirtio(new VirtioBlk(victimDisk), (e) => errors[0].push(e)); } },
        { name: "attacker", load: attack.load },
      ],
      onLine: (k, l) => lines[k].push(l),
    });
    const r = await g.run({ maxInsns: 300_000_000 });
    const soloV = await alone("full", kernel, { ramMiB: 32, bootArgs: "mem=16" });
    expect(r.guests[1].result.reason, r.guests[1].result.message).toBe("exit");
    expect(r.guests[1].result.exitCode).toBe(0);
    expect(errors[1]).toHaveLength(cases.length);
    cases.forEach((c, i) => expect(errors[1][i], c.what).toMatch(c.msg));
    expect(errors[1].every((e) => /^virtio slot 0 queue 0: .*; the device now needs a reset$/.test(e))).toBe(true);
    // its valid request after a reset: served from its own disk into its own partition
    g.select(1);
    expect(g.machine.readGuestRam(STAT, 1)[0]).toBe(0);
    expect(g.machine.readGuestRam(DATA, 512).every((b) => b === 0xa5)).toBe(true);
    expect(g.machine.virtioTransport!.served[0]).toBe(1);
    // the victim: its solo output and status, its device untouched
    expect(lines[0]).toEqual(soloV.lines);
    expect(r.guests[0].result.exitCode).toBe(0);
    expect(errors[0]).toEqual([]);
    expect(victimDisk.bytes.every((b) => b === 0)).toBe(true);
    g.select(0);
    expect(g.machine.physRead32(V + 0x70)).toBe(0); // its window: never touched by the attacker's driver
    expect(g.machine.virtioTransport!.served[0]).toBe(0);
  }, 120_000);

  it("a guest spinning with interrupts masked is preempted; one stopped by an exception loop stops alone", async () => {
    const soloV = await alone("full", kernel, { ramMiB: 32, bootArgs: "mem=16" });
    const a = await together("full", [
      { image: hostile("spin"), name: "spin" }, { image: kernel, name: "victim", bootArgs: "mem=16" }, { image: hostile("ttbr"), name: "ttbr" },
    ], { ramMiB: 96, maxInsns: 300_000_000 });
    expect(a.lines[1]).toEqual(soloV.lines);
    expect(a.r.guests[1].result.exitCode).toBe(0);
    expect(a.r.guests[0].result.reason).toBe("budget");
    expect(a.r.guests[2].result.reason).toBe("fatal");
    expect(a.r.guests[2].result.message).toMatch(/exception loop/);
  }, 120_000);

  it("weights share the CPU; a guest idle for good costs nothing", async () => {
    const a = await together("full", [
      { image: hostile("spin"), name: "a", weight: 1 }, { image: hostile("spin"), name: "b", weight: 3 }, { image: hostile("idle"), name: "idle" },
    ], { ramMiB: 96, maxInsns: 40_000_000, sliceInsns: 100_000 });
    const [x, y, idle] = a.r.guests;
    expect(y.insns / x.insns).toBeCloseTo(3, 1);
    expect(x.slices).toBe(y.slices);
    expect(idle.slices).toBe(1);             // ran until its WFI, then never again
    expect(idle.insns).toBeLessThan(10_000);
    expect(idle.result.reason).toBe("budget");
  }, 120_000);

  it("a machine of several guests refuses a snapshot in one line; one guest's machine is unchanged", () => {
    const m = Machine.createSync({ mode: "para", guests: 2 });
    expect(m.guestCount).toBe(2);
    expect(m.guestRamBytes).toBe(240 << 20);
    expect(m.guestBase(1) - m.guestBase(0)).toBe(256 << 20);
    expect(() => encodeSnapshot(m)).toThrow(/^a machine of 2 guests cannot be saved: snapshots hold one guest/);
    expect(() => Machine.createSync({ mode: "native", guests: 2 })).toThrow(/need the VMM: give mode full or para/);
    const one = Machine.createSync({ mode: "para" });
    expect(one.guestCount).toBe(1);
    expect(one.guestBase(0)).toBe(0x80000000);
    expect(one.guestRamBytes).toBe(496 << 20);
  });

  it("vm7 run --guest: one-line refusals, and the exit status is the highest guest's", async () => {
    const once = await vm7(["run", "--guest", "kernel-para"]);
    expect(once.status).toBe(2);
    expect(once.stderr).toMatch(/^vm7: --guest given once: several guests need at least two/);
    const disk = await vm7(["run", "--guest", "kernel-para", "--guest", "kernel-para", "--disk", "/tmp/nonexistent-vm7-disk"]);
    expect(disk.status).toBe(2);
    expect(disk.stderr.trim()).toBe("vm7: --disk cannot be used with --guest: vm7 run --guest gives its guests no virtio devices yet (vm7 linux --guests N --disk FILE gives guest k FILE.g<k>)");
    const native = await vm7(["run", "--mode", "native", "--guest", "kernel", "--guest", "kernel"]);
    expect(native.status).toBe(2);
    expect(native.stderr).toMatch(/--mode para or --mode full/);
    const small = await vm7(["run", "--ram", "48", "--guest", "kernel-para", "--guest", "kernel-para"]);
    expect(small.status).toBe(2);
    expect(small.stderr).toMatch(/2 guests in 48 MiB of RAM: each needs a partition of at least 16 MiB/);
    const w = await vm7(["run", "--guest", "kernel-para", "--guest", "kernel-para", "--weights", "1"]);
    expect(w.status).toBe(2);
    expect(w.stderr).toMatch(/--weights gives 1 weight\(s\) for 2 guests/);
    // (full and para mode boot, with --net too: test/linux-guests.test.ts; Debian's kernel is not a para guest)
    const linux = await vm7(["linux", "--guests", "2", "--mode", "para", "--kernel-build", "debian", "--net"]);
    expect(linux.status).toBe(2);
    expect(linux.stderr.trim().split("\n")).toHaveLength(1);
    expect(linux.stderr).toMatch(/^vm7: --mode para: Debian's kernel is not paravirtualized/);
    // gforge spins: --max-insns ends the run, 124 is the highest status (the victim exits 0)
    const hi = await vm7(["run", "--guest", "kernel-para", "--guest", join(root, "fixtures/hostile/gforge.elf"), "--max-insns", "250000000"]);
    expect(hi.status, hi.stderr).toBe(124);
    expect(hi.stderr).toMatch(/\[g0\] .*guest exited with status 0/);
    expect(hi.stderr).toMatch(/\[g1\] .*stopped: --max-insns 250000000 reached/);
    expect(hi.stdout.split("\n").filter((l) => l !== "").every((l) => /^\[g[01]\] /.test(l))).toBe(true);
  }, 120_000);
});
