// What a Linux boot on vm7 decides besides where the images go (loaders/linux.ts; the RAM the guest
// owns is Machine.guestRamBytes): the command line vm7 adds to the board DTB's. Used by `vm7 linux` and by the
// web page, so both boot the same way.

/**
 * `lpj=` for a virtual clock: the delay loop (__loop_delay: SUBS + BHI) is two instructions per
 * iteration and one instruction is one cycle, so loops per jiffy = cpuHz / HZ / 2 (HZ = 250 in
 * Debian's armmp config). Giving it skips the boot-time BogoMIPS calibration (~2.4e7 instructions,
 * 10% of the fast-path boot); Linux measured 2002944 for 1 GHz when it did calibrate.
 */
export function lpjFor(cpuHz: number, hz = 250): number { return Math.round(cpuHz / hz / 2); }

/** What vm7 appends to the DTB's command line: `quiet` when only a command's output matters, `lpj=` for
 *  a virtual clock (unless the user's own arguments set it), then the user's own arguments. */
export function linuxAppend(o: { exec: boolean; verbose?: boolean; clock: "virtual" | "wall"; cpuHz: number; append?: string }): string {
  // With a virtual clock the delay-loop calibration's answer is known: skip it (lpjFor).
  const lpj = o.clock === "virtual" && !/\blpj=/.test(o.append ?? "") ? `lpj=${lpjFor(o.cpuHz)}` : "";
  // With --exec the kernel's own messages only slow the console down: keep them off it.
  return [o.exec && !o.verbose ? "quiet" : "", lpj, o.append ?? ""].filter((s) => s).join(" ");
}
