/* lmbench-style microbenchmarks for the vm7 tiny kernel (same spirit as lmbench's, our own code).
 * Every figure is guest time from the 32 kHz counter (vm7's virtual time by default), and each
 * measurement is repeated with doubling iteration counts until it spans bench_min_ticks ticks
 * (quick: 33 ticks ~ 1 ms; full: 1638 ticks ~ 50 ms). Output, one line per benchmark:
 *   BENCH <name> <value> <unit> iterations=<n> ticks=<32 kHz ticks> [key=value ...]
 * Units: us per operation (lat_*), ns per load (lat_mem_rd), MB/s with MB = 2^20 bytes (bw_mem_*),
 * iterations per second (dhrystone). */
#include "bench.h"

u32 bench_min_ticks = 1638;

int snprintf_u(char *buf, u32 n, const char *f, ...)
{
	__builtin_va_list ap;
	__builtin_va_start(ap, f);
	int r = vfmt(buf, n, f, ap);
	__builtin_va_end(ap);
	return r;
}

u32 bench_measure(void (*fn)(u32 n, void *ctx), void *ctx, u32 *np)
{
	u32 n = *np ? *np : 1;
	for (;;) {
		u32 t0 = now32k();
		fn(n, ctx);
		u32 t = now32k() - t0;
		if (t >= bench_min_ticks || n >= 0x40000000u) { *np = n; return t ? t : 1; }
		n *= t < bench_min_ticks / 8 ? 8 : 2;
	}
}

void bench_print(const char *name, u64 v, const char *unit, u32 n, u32 ticks, const char *extra)
{
	unsigned frac;
	u64 whole = udiv64(v, 1000, &frac);
	printf("BENCH %s %u.%03u %s iterations=%u ticks=%u%s%s\n", name, (u32)whole, frac, unit, n, ticks,
	       extra ? " " : "", extra ? extra : "");
}

/* ns per operation times 1000 (= value in us to 3 decimals... in ns units: print as us) */
static u64 ns_total(u32 ticks) { return ((u64)ticks * 1953125u) >> 6; }   /* 1e9 / 32768 = 1953125 / 64 */
static void print_us(const char *name, u32 n, u32 t, const char *extra)
{
	/* us per op with 3 decimals = ns per op */
	bench_print(name, udiv64(ns_total(t), n, 0), "us", n, t, extra);
}

static int selected(const char *args, const char *name);
static const char *g_args;

/* ---- system calls ---- */
static void b_null(u32 n, void *c) { (void)c; for (u32 i = 0; i < n; i++) getppid(); }
static void b_write(u32 n, void *c)
{
	int fd = *(int *)c;
	char ch = 'x';
	for (u32 i = 0; i < n; i++) write(fd, &ch, 1);
}

/* ---- context switches: a ring of processes passing a token through pipes ---- */
struct ring { int nproc; u32 ws; int fds[8][2]; u32 *buf; };

static u32 touch(u32 *buf, u32 words)
{
	u32 s = 0;
	for (u32 i = 0; i < words; i += 4) s += buf[i] + buf[i + 1] + buf[i + 2] + buf[i + 3];
	return s;
}

static void ring_member(struct ring *r, int k)
{
	u32 *buf = r->ws ? mmap(r->ws) : 0;
	for (u32 i = 0; i < r->ws / 4; i++) buf[i] = i;
	int in = r->fds[k][0], out = r->fds[(k + 1) % r->nproc][1];
	u32 tok, sink = 0;
	for (;;) {
		if (read(in, &tok, 4) != 4) break;
		if (r->ws) sink += touch(buf, r->ws / 4);
		write(out, &tok, 4);
		if (tok == 0) break;
	}
	exit(sink == 1 ? 1 : 0);
}

static void b_ring(u32 n, void *c)
{
	struct ring *r = c;
	int in = r->fds[0][0], out = r->fds[1 % r->nproc][1];
	u32 tok = 1, sink = 0;
	for (u32 i = 0; i < n; i++) {
		write(out, &tok, 4);
		read(in, &tok, 4);
		if (r->ws) sink += touch(r->buf, r->ws / 4);
	}
	if (sink == 1) printf("?");
}

static void lat_ctx(const char *name, int nproc, u32 ws)
{
	if (!selected(g_args, name)) return;
	struct ring r;
	r.nproc = nproc; r.ws = ws;
	for (int k = 0; k < nproc; k++) if (pipe(r.fds[k])) { printf("BENCH-ERROR %s: pipe\n", name); return; }
	r.buf = ws ? mmap(ws) : 0;
	for (u32 i = 0; i < ws / 4; i++) r.buf[i] = i;
	/* lmbench's overhead: the same pipe write + read + working-set sum within one process (reported
	 * as an extra field, not subtracted) */
	struct ring self = r;
	self.nproc = 1;
	u32 on = 16;
	b_ring(4, &self);
	u32 ot = bench_measure(b_ring, &self, &on);
	for (int k = 1; k < nproc; k++) if (fork() == 0) ring_member(&r, k);
	u32 n = 16;
	b_ring(4, &r);                 /* warm up: every member has faulted its buffer in */
	u32 t = bench_measure(b_ring, &r, &n);
	u32 tok = 0;
	write(r.fds[1 % nproc][1], &tok, 4);
	read(r.fds[0][0], &tok, 4);
	for (int k = 0; k < nproc; k++) { close(r.fds[k][0]); close(r.fds[k][1]); }
	while (wait(0) > 0) ;
	if (ws) munmap(r.buf, ws);
	/* n trips round the ring = n * nproc switches (each includes one pipe write and one read) */
	char extra[96];
	u64 ov = udiv64(ns_total(ot), on, 0);
	unsigned of;
	u32 ow = (u32)udiv64(ov, 1000, &of);
	snprintf_u(extra, sizeof extra, "procs=%d ws_kb=%u overhead_us=%u.%03u", nproc, ws / 1024, ow, of);
	bench_print(name, udiv64(ns_total(t), n * nproc, 0), "us", n * nproc, t, extra);
}

/* ---- pipe round trip ---- */
static void b_pipe(u32 n, void *c)
{
	int *f = c;
	u32 tok = 1;
	for (u32 i = 0; i < n; i++) { write(f[1], &tok, 4); read(f[2], &tok, 4); }
}

static void lat_pipe(void)
{
	if (!selected(g_args, "lat_pipe")) return;
	int a[2], b[2];
	pipe(a); pipe(b);
	int pid = fork();
	if (pid == 0) {
		u32 tok;
		close(a[1]); close(b[0]);
		while (read(a[0], &tok, 4) == 4) write(b[1], &tok, 4);
		exit(0);
	}
	close(a[0]); close(b[1]);
	int f[3] = { 0, a[1], b[0] };
	u32 n = 16;
	u32 t = bench_measure(b_pipe, f, &n);
	close(a[1]); close(b[0]);
	wait(0);
	print_us("lat_pipe", n, t, "kind=round-trip");
}

/* ---- processes ---- */
static void b_fork(u32 n, void *c)
{
	(void)c;
	for (u32 i = 0; i < n; i++) {
		int pid = fork();
		if (pid == 0) exit(0);
		wait(0);
	}
}
static void b_exec(u32 n, void *c)
{
	(void)c;
	for (u32 i = 0; i < n; i++) {
		int pid = fork();
		if (pid == 0) { exec("true", ""); exit(1); }
		wait(0);
	}
}

/* ---- memory mapping ---- */
#define PF_PAGES 256u
static void lat_pagefault(void)
{
	if (!selected(g_args, "lat_pagefault")) return;
	u32 total = 0, faults = 0;
	while (total < bench_min_ticks) {
		volatile u8 *m = mmap(PF_PAGES * 4096);
		u32 t0 = now32k();
		for (u32 i = 0; i < PF_PAGES; i++) (void)m[i * 4096];
		total += now32k() - t0;
		faults += PF_PAGES;
		munmap((void *)m, PF_PAGES * 4096);
	}
	print_us("lat_pagefault", faults, total, "kind=demand-zero-first-touch");
}

#define MMAP_LEN (64u * 1024)
static void b_mmap(u32 n, void *c)
{
	(void)c;
	for (u32 i = 0; i < n; i++) {
		volatile u8 *m = mmap(MMAP_LEN);
		for (u32 o = 0; o < MMAP_LEN; o += 4096) m[o] = 1;
		munmap((void *)m, MMAP_LEN);
	}
}

/* ---- memory bandwidth and latency ---- */
#define BW_BYTES (2u * 1024 * 1024)   /* 2 MiB: larger than the modelled L2 (256 KiB) */
static u32 *bw_a, *bw_b;
static volatile u32 bw_sink;

static void b_rd(u32 n, void *c)
{
	(void)c;
	u32 s = 0;
	for (u32 k = 0; k < n; k++) {
		const u32 *p = bw_a, *e = bw_a + BW_BYTES / 4;
		for (; p < e; p += 8) s += p[0] + p[1] + p[2] + p[3] + p[4] + p[5] + p[6] + p[7];
	}
	bw_sink = s;
}
static void b_wr(u32 n, void *c)
{
	(void)c;
	for (u32 k = 0; k < n; k++) {
		u32 *p = bw_a, *e = bw_a + BW_BYTES / 4;
		for (; p < e; p += 8) { p[0] = k; p[1] = k; p[2] = k; p[3] = k; p[4] = k; p[5] = k; p[6] = k; p[7] = k; }
	}
}
static void b_cp(u32 n, void *c)
{
	(void)c;
	for (u32 k = 0; k < n; k++) {
		const u32 *s = bw_a, *e = bw_a + BW_BYTES / 4;
		u32 *d = bw_b;
		for (; s < e; s += 8, d += 8) {
			d[0] = s[0]; d[1] = s[1]; d[2] = s[2]; d[3] = s[3];
			d[4] = s[4]; d[5] = s[5]; d[6] = s[6]; d[7] = s[7];
		}
	}
}

static void bw(const char *name, void (*fn)(u32, void *))
{
	if (!selected(g_args, name)) return;
	u32 n = 1;
	u32 t = bench_measure(fn, 0, &n);
	/* MB/s (2^20) = n * BW_BYTES * 32768 / t / 2^20 = n * 2 * 32768 / t for 2 MiB */
	u64 v = udiv64((u64)n * (BW_BYTES >> 10) * 32768u * 1000u >> 10, t, 0);
	bench_print(name, v, "MB/s", n, t, "size_kb=2048");
}

#define LM_BYTES (1024u * 1024)
#define LM_STRIDE 64u
static void b_lmrd(u32 n, void *c)
{
	void **p = c;
	for (u32 i = 0; i < n; i++) {
		p = *p; p = *p; p = *p; p = *p; p = *p; p = *p; p = *p; p = *p;
		p = *p; p = *p; p = *p; p = *p; p = *p; p = *p; p = *p; p = *p;
	}
	bw_sink = (u32)p;
}

static void lat_mem_rd(void)
{
	if (!selected(g_args, "lat_mem_rd")) return;
	u8 *buf = (u8 *)bw_b;
	u32 cnt = LM_BYTES / LM_STRIDE;
	for (u32 i = 0; i < cnt; i++) *(void **)(buf + i * LM_STRIDE) = buf + ((i + 1) % cnt) * LM_STRIDE;
	u32 n = 64;
	u32 t = bench_measure(b_lmrd, buf, &n);
	/* ns per load with 3 decimals: ns_total * 1000 / (n * 16) */
	bench_print("lat_mem_rd", udiv64(ns_total(t) * 1000u, n * 16, 0), "ns", n * 16, t, "size_kb=1024 stride=64");
}

/* ---- driver ---- */
static const char *all_names[] = {
	"dhrystone", "lat_syscall_null", "lat_syscall_write", "lat_ctx_2p_0k", "lat_ctx_2p_16k", "lat_ctx_8p_16k",
	"lat_pipe", "lat_proc_fork", "lat_proc_exec", "lat_pagefault", "lat_mmap", "bw_mem_rd", "bw_mem_wr",
	"bw_mem_cp", "lat_mem_rd", 0
};

/* With no benchmark names in the arguments, run them all; otherwise only those named. */
static int selected(const char *args, const char *name)
{
	int any = 0;
	for (int i = 0; all_names[i]; i++) if (has_word(args, all_names[i])) any = 1;
	return !any || has_word(args, name);
}

int run_benchmarks(int quick, const char *args)
{
	g_args = args;
	if (quick) bench_min_ticks = 33;
	printf("BENCH-BEGIN mode=%s clock=32768Hz min_ticks=%u\n", quick ? "quick" : "full", bench_min_ticks);
	if (selected(args, "dhrystone")) dhrystone_bench();
	u32 n;
	if (selected(args, "lat_syscall_null")) {
		n = 256;
		u32 t = bench_measure(b_null, 0, &n);
		print_us("lat_syscall_null", n, t, "call=getppid");
	}
	if (selected(args, "lat_syscall_write")) {
		int fd = open("/dev/null");
		n = 256;
		u32 t = bench_measure(b_write, &fd, &n);
		close(fd);
		print_us("lat_syscall_write", n, t, "bytes=1 file=/dev/null");
	}
	lat_ctx("lat_ctx_2p_0k", 2, 0);
	lat_ctx("lat_ctx_2p_16k", 2, 16 * 1024);
	lat_ctx("lat_ctx_8p_16k", 8, 16 * 1024);
	lat_pipe();
	if (selected(args, "lat_proc_fork")) {
		n = 4;
		u32 t = bench_measure(b_fork, 0, &n);
		print_us("lat_proc_fork", n, t, "kind=fork+exit+wait");
	}
	if (selected(args, "lat_proc_exec")) {
		n = 4;
		u32 t = bench_measure(b_exec, 0, &n);
		print_us("lat_proc_exec", n, t, "kind=fork+exec+exit+wait");
	}
	lat_pagefault();
	if (selected(args, "lat_mmap")) {
		n = 4;
		u32 t = bench_measure(b_mmap, 0, &n);
		print_us("lat_mmap", n, t, "size_kb=64 kind=map+touch+unmap");
	}
	bw_a = mmap(BW_BYTES);
	bw_b = mmap(BW_BYTES);
	if (is_err(bw_a) || is_err(bw_b)) { printf("BENCH-ERROR mmap\n"); return 1; }
	for (u32 i = 0; i < BW_BYTES / 4; i++) { bw_a[i] = i; bw_b[i] = 0; }
	bw("bw_mem_rd", b_rd);
	bw("bw_mem_wr", b_wr);
	bw("bw_mem_cp", b_cp);
	lat_mem_rd();
	printf("BENCH-END\n");
	return 0;
}
