/* qemu-arm side of the vm7 differential tester (tools/difftest). Bare metal, no libc: Linux
 * syscalls through qemu's user-mode emulation. Reads fixed 640-byte test records from stdin, runs
 * each sequence in user mode (A32 or Thumb), writes one result record per test to stdout
 * (unbuffered, so if the process dies every earlier result is readable and the runner restarts
 * after the culprit). SIGILL, SIGSEGV and SIGBUS are caught (fault_handler below) and reported with
 * the registers, CPSR (with ITSTATE and T) and VFP state at the fault, to compare with vm7's UNDEF
 * and abort exceptions. A Thumb sequence ends in a UDF: its SIGILL at the end address is the
 * normal end (status 0).
 *   in : idx, nbytes, apsr, seed, r0..r14, fpscr, thumb, 3 x 0, D0..D31 (lo, hi), code[72 words]
 *   out: idx, signal (0: reached the end), fault pc, r0..r14, cpsr, fpscr, D0..D31 (lo, hi),
 *        ndiff, ndiff x (byte offset, word) of the scratch block that differ from its seeded fill.
 * The layout is tools/difftest/layout.mjs's. */
#define SCRATCH_WORDS 1024
#define MAX_WORDS 72
#define IN_WORDS 160
#define IN_D 24
#define IN_CODE 88
#define OUT_D 20
#define OUT_ND 84

extern unsigned seq[];
extern unsigned test_regs[15], out_regs[15], test_flags, out_flags, out_signo, out_pc;
extern unsigned test_fpscr, out_fpscr, test_entry, test_d[64], out_d[64];
extern void run_test(void);
extern void fault_entry(int, void *, void *);
extern __attribute__((noreturn)) void leave_test(void);
extern char test_end[];
__attribute__((section(".scratch"))) unsigned scratch[SCRATCH_WORDS];

static unsigned in[IN_WORDS];
static unsigned out[OUT_ND + 1 + 2 * SCRATCH_WORDS];
static unsigned altstack[4096];

static long sys4(long n, long a, long b, long c, long d) {
  register long r0 __asm__("r0") = a, r1 __asm__("r1") = b, r2 __asm__("r2") = c, r3 __asm__("r3") = d;
  register long r7 __asm__("r7") = n;
  __asm__ volatile("svc 0" : "+r"(r0) : "r"(r1), "r"(r2), "r"(r3), "r"(r7) : "memory");
  return r0;
}
#define sys3(n, a, b, c) sys4(n, a, b, c, 0)

/* The handler runs on its own stack: the test's sp is random. */
static void catch_faults(void) {
  unsigned ss[3] = { (unsigned)altstack, 0, sizeof altstack };   /* ss_sp, ss_flags, ss_size */
  sys3(186, (long)ss, 0, 0);                                      /* sigaltstack */
  /* struct sigaction (kernel): handler, flags, restorer, mask[2]; SA_SIGINFO|SA_ONSTACK|SA_NODEFER */
  unsigned act[5] = { (unsigned)fault_entry, 0x4u | 0x08000000u | 0x40000000u, 0, 0, 0 };
  static const int sigs[] = { 4, 7, 11 };                         /* SIGILL, SIGBUS, SIGSEGV */
  for (int k = 0; k < 3; k++) sys4(174, sigs[k], (long)act, 0, 8); /* rt_sigaction */
}

/* Called by fault_entry (stub.S) on the alternate stack. ARM Linux ucontext: uc_mcontext at byte
 * 20 (trap_no, error_code, oldmask, arm_r0..arm_r10, fp, ip, sp, lr, pc, cpsr), uc_regspace at
 * byte 232 holding the VFP frame (magic 0x56465001, size, fpregs[32] as u64, fpscr). */
__attribute__((noreturn)) void fault_handler(int signo, void *info, unsigned *uc) {
  (void)info;
  out_signo = signo;
  for (int k = 0; k < 15; k++) out_regs[k] = uc[8 + k];
  out_pc = uc[8 + 15];
  out_flags = uc[8 + 16];
  unsigned *rs = uc + 232 / 4;
  int k = 0;
  while (k < 128 && rs[k] != 0x56465001u) k += rs[k + 1] > 0 && rs[k + 1] < 512 ? rs[k + 1] / 4 : 128;
  if (k >= 128) sys3(248, 4, 0, 0); /* no VFP frame: cannot report the state */
  for (int j = 0; j < 64; j++) out_d[j] = rs[k + 2 + j];
  out_fpscr = rs[k + 2 + 64];
  leave_test();
}

static int read_full(void *buf, int len) {
  int got = 0;
  while (got < len) {
    long r = sys3(3, 0, (long)((char *)buf + got), len - got);
    if (r <= 0) return 0;
    got += r;
  }
  return 1;
}

static void write_full(const void *buf, int len) {
  int put = 0;
  while (put < len) {
    long r = sys3(4, 1, (long)((const char *)buf + put), len - put);
    if (r <= 0) sys3(248, 3, 0, 0);
    put += r;
  }
}

/* xorshift32, the same fill as tools/difftest/layout.mjs */
static unsigned fill_next(unsigned *s) {
  unsigned x = *s;
  x ^= x << 13; x ^= x >> 17; x ^= x << 5;
  return *s = x;
}

__attribute__((noreturn)) void harness_main(void) {
  catch_faults();
  for (;;) {
    if (!read_full(in, sizeof in)) sys3(248, 0, 0, 0);
    unsigned nb = in[1], thumb = in[20];
    if (nb > 4 * MAX_WORDS || (nb & 1)) sys3(248, 2, 0, 0);
    unsigned s = in[3];
    for (int k = 0; k < SCRATCH_WORDS; k++) scratch[k] = fill_next(&s);
    for (unsigned k = 0; k < (nb + 3) / 4; k++) seq[k] = in[IN_CODE + k];
    if (thumb) {
      /* UDF #0 (T16) ends the sequence: SIGILL at the end address */
      unsigned short *h = (unsigned short *)seq;
      h[nb / 2] = 0xde00;
      h[nb / 2 + 1] = 0xde00;
      test_entry = (unsigned)seq | 1;
    } else {
      unsigned at = (unsigned)seq + nb;
      seq[nb / 4] = 0xea000000u | ((((unsigned)test_end - at - 8) >> 2) & 0xffffff);
      test_entry = (unsigned)seq;
    }
    test_flags = in[2];
    test_fpscr = in[19];
    for (int k = 0; k < 64; k++) test_d[k] = in[IN_D + k];
    out_signo = 0;
    out_pc = 0;
    for (int k = 0; k < 15; k++) test_regs[k] = in[4 + k];
    run_test();
    out[0] = in[0];
    if (thumb && out_signo == 4 && out_pc == (unsigned)seq + nb) out_signo = 0; /* the end */
    out[1] = out_signo;
    out[2] = out_pc;
    for (int k = 0; k < 15; k++) out[3 + k] = out_regs[k];
    out[18] = out_flags;
    out[19] = out_fpscr;
    for (int k = 0; k < 64; k++) out[OUT_D + k] = out_d[k];
    unsigned nd = 0;
    s = in[3];
    for (int k = 0; k < SCRATCH_WORDS; k++) {
      unsigned v = fill_next(&s);
      if (scratch[k] != v) { out[OUT_ND + 1 + 2 * nd] = 4 * k; out[OUT_ND + 2 + 2 * nd] = scratch[k]; nd++; }
    }
    out[OUT_ND] = nd;
    write_full(out, 4 * (OUT_ND + 1 + 2 * nd));
  }
}

__attribute__((naked, section(".text._start"))) void _start(void) {
  __asm__ volatile("bic sp, sp, #7\n\tb harness_main");
}
