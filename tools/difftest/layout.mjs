// Addresses and formats shared by the generator, the vm7 runner and the qemu harness
// (harness/link.ld, harness/harness.c). Both emulators see the code at SEQ and the scratch block
// at SCRATCH, so PC-relative values and absolute addresses agree.
export const SEQ = 0x80200000;        // first instruction of a sequence
export const SCRATCH = 0x80300000;    // 4 KiB scratch block, filled from a per-test seed
export const SCRATCH_BYTES = 4096;
export const VECTORS = 0x80400000;    // vm7 only: VBAR, each vector a `b .`
export const MAX_WORDS = 72;          // code words (A32 words or Thumb halfword pairs) per sequence
// Input record (harness.c): idx, nbytes, apsr, seed, r0-r14, fpscr, thumb, 3 x 0, D0-D31 (lo, hi),
// code[MAX_WORDS]. Output: idx, signal, pc, r0-r14, cpsr, fpscr, D0-D31, ndiff, (offset, word) x ndiff.
export const RECORD_WORDS = 160;
export const IN_D = 24, IN_CODE = 88, OUT_D = 20, OUT_ND = 84;
export const APSR_MASK = 0xf80f0000;  // N Z C V Q and GE[3:0]
export const IT_MASK = 0x0600fc00;    // ITSTATE: IT[1:0] in CPSR 26:25, IT[7:2] in 15:10
export const T_BIT = 0x20;
export const CPSR_MASK = (APSR_MASK | IT_MASK | T_BIT) >>> 0; // the CPSR bits compared
// FPSCR bits that hold state on Cortex-A8 (qemu-arm): N Z C V QC AHP DN FZ RMode Stride Len and
// the cumulative flags IDC IXC UFC OFC DZC IOC (the trap enables are RAZ: no trapping).
export const FPSCR_MASK = 0xfff7009f;

/** The scratch fill: xorshift32 from the test's seed (harness.c fill_next does the same). */
export function scratchFill(seed) {
  const out = new Uint32Array(SCRATCH_BYTES / 4);
  let x = seed >>> 0;
  for (let k = 0; k < out.length; k++) {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    out[k] = x;
  }
  return out;
}
