// 32 kHz synchronous counter (board.md): revision scheme bits, CR following the virtual clock
// exactly (instruction count / cpuHz * 32768, plus WFI skips), read-only CR, wall-clock mode.
import { describe, it, expect } from "vitest";
import { machine, put, li, A, CODE, CNT32K } from "./dev-helpers.js";

const REVISION = 0x00, SYSCONFIG = 0x04, CR = 0x10;

describe("32k synchronous counter", () => {
  it("REVISION has SCHEME (bits 31:30) = 0 so Linux reads CR at 0x10", () => {
    const m = machine();
    expect(m.physRead32(CNT32K + REVISION) >>> 30).toBe(0);
    expect(m.physRead32(CNT32K + REVISION)).not.toBe(0);
    expect(m.physRead32(CNT32K + 0x30)).toBe(0);
  });

  it("CR counts 32768 ticks per virtual second of the core clock", () => {
    const m = machine(); // 1e9 instructions per second
    put(m, CODE, [A.B_SELF]);
    expect(m.physRead32(CNT32K + CR)).toBe(0);
    m.run({ maxInsns: 1_000_000 });
    expect(m.physRead32(CNT32K + CR)).toBe(Math.floor(1e6 * 32768 / 1e9));
    m.run({ maxInsns: 30_517 });            // 1_030_517 instructions: 33.76 ticks
    expect(m.physRead32(CNT32K + CR)).toBe(33);
    const m2 = machine({ cpuHz: 32768 });    // one tick per instruction
    put(m2, CODE, [A.B_SELF]);
    m2.run({ maxInsns: 12345 });
    expect(m2.physRead32(CNT32K + CR)).toBe(12345);
  });

  it("a guest reading CR twice in a row sees consecutive ticks at one instruction per tick", () => {
    const m = machine({ cpuHz: 32768 });
    put(m, CODE, [...li(0, CNT32K + CR), 0xe5901000 /* ldr r1, [r0] */, 0xe5902000 /* ldr r2, [r0] */, A.B_SELF]);
    m.run({ maxInsns: 4 });
    expect(m.reg(1)).toBe(3);   // the load is the third instruction; the count includes it
    expect(m.reg(2) - m.reg(1)).toBe(1);
  });

  it("CR and REVISION ignore writes; SYSCONFIG keeps its idle mode", () => {
    const m = machine({ cpuHz: 32768 });
    put(m, CODE, [A.B_SELF]);
    m.run({ maxInsns: 50 });
    m.physWrite32(CNT32K + CR, 0);
    m.physWrite32(CNT32K + REVISION, 0xffffffff);
    expect(m.physRead32(CNT32K + CR)).toBe(50);
    expect(m.physRead32(CNT32K + REVISION) >>> 30).toBe(0);
    m.physWrite32(CNT32K + SYSCONFIG, 0x10);
    expect(m.physRead32(CNT32K + SYSCONFIG)).toBe(0x10);
  });

  it("in wall-clock mode CR follows the host's time", async () => {
    const m = machine({ clock: "wall" });
    put(m, CODE, [A.B_SELF]);
    m.run({ maxInsns: 10 });
    const a = m.physRead32(CNT32K + CR);
    await new Promise((res) => setTimeout(res, 60));
    m.run({ maxInsns: 10 });
    const b = m.physRead32(CNT32K + CR);
    expect(b - a).toBeGreaterThanOrEqual(32 * 50);  // at least ~50 ms worth of ticks
    expect(b - a).toBeLessThan(32768 * 5);
  });
});
