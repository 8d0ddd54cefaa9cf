/* qemu-arm side of the vm7 A32 differential tester (tools/difftest). Bare metal, no libc: Linux
 * syscalls through qemu's user-mode emulation. Reads fixed 256-byte test records from stdin, runs
 * each sequence in user mode, writes one result record per test to stdout (unbuffered, so if the
 * process dies every earlier result is readable and the runner restarts after the culprit).
 * SIGILL, SIGSEGV and SIGBUS are caught (stub.S fault_handler) and reported with the registers at
 * the fault, to compare with vm7's UNDEF and abort exceptions.
 *   in : idx, nwords, apsr, seed, r0..r14, words[45]
 *   out: idx, signal (0: reached the end), fault pc, r0..r14, apsr, ndiff, ndiff x (byte offset,
 *        word) of the scratch block that differ from its seeded fill. */
#define SCRATCH_WORDS 1024
#define MAX_WORDS 45

extern unsigned seq[];
extern unsigned test_regs[15], out_regs[15], test_flags, out_flags, out_signo, out_pc;
extern void run_test(void);
extern void fault_handler(int, void *, void *);
extern char test_end[];
__attribute__((section(".scratch"))) unsigned scratch[SCRATCH_WORDS];

static unsigned in[64];
static unsigned out[3 + 15 + 2 + 2 * SCRATCH_WORDS];
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
  unsigned act[5] = { (unsigned)fault_handler, 0x4u | 0x08000000u | 0x40000000u, 0, 0, 0 };
  static const int sigs[] = { 4, 7, 11 };                         /* SIGILL, SIGBUS, SIGSEGV */
  for (int k = 0; k < 3; k++) sys4(174, sigs[k], (long)act, 0, 8); /* rt_sigaction */
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
    unsigned n = in[1];
    if (n > MAX_WORDS) sys3(248, 2, 0, 0);
    unsigned s = in[3];
    for (int k = 0; k < SCRATCH_WORDS; k++) scratch[k] = fill_next(&s);
    for (unsigned k = 0; k < n; k++) seq[k] = in[19 + k];
    unsigned at = (unsigned)&seq[n];
    seq[n] = 0xea000000u | ((((unsigned)test_end - at - 8) >> 2) & 0xffffff);
    test_flags = in[2];
    out_signo = 0;
    out_pc = 0;
    for (int k = 0; k < 15; k++) test_regs[k] = in[4 + k];
    run_test();
    out[0] = in[0];
    out[1] = out_signo;
    out[2] = out_pc;
    for (int k = 0; k < 15; k++) out[3 + k] = out_regs[k];
    out[18] = out_flags;
    unsigned nd = 0;
    s = in[3];
    for (int k = 0; k < SCRATCH_WORDS; k++) {
      unsigned v = fill_next(&s);
      if (scratch[k] != v) { out[20 + 2 * nd] = 4 * k; out[21 + 2 * nd] = scratch[k]; nd++; }
    }
    out[19] = nd;
    write_full(out, 4 * (20 + 2 * nd));
  }
}

__attribute__((naked, section(".text._start"))) void _start(void) {
  __asm__ volatile("bic sp, sp, #7\n\tb harness_main");
}
