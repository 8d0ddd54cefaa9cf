// Addresses and formats shared by the generator, the vm7 runner and the qemu harness
// (harness/link.ld, harness/harness.c). Both emulators see the code at SEQ and the scratch block
// at SCRATCH, so PC-relative values and absolute addresses agree.
export const SEQ = 0x80200000;        // first instruction of a sequence
export const SCRATCH = 0x80300000;    // 4 KiB scratch block, filled from a per-test seed
export const SCRATCH_BYTES = 4096;
export const VECTORS = 0x80400000;    // vm7 only: VBAR, each vector a `b .`
export const MAX_WORDS = 45;          // instruction words per sequence (harness record limit)
export const RECORD_WORDS = 64;       // input record: idx, n, apsr, seed, r0-r14, words[45]
export const APSR_MASK = 0xf80f0000;  // N Z C V Q and GE[3:0]: the flags compared

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
