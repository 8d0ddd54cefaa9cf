/* The tiny kernel's user library interface (fixtures/kernel/user/ulib.h) on Linux system calls
 * (ARM EABI: number in r7, arguments in r0-r5, `svc #0`; numbers from arch/arm/tools/syscall.tbl),
 * so that bench/suites builds unchanged into a static Linux program with no C library. */
#ifndef ULIB_H
#define ULIB_H
#include "../../fixtures/kernel/common/lib.h"

#define NR_exit_group 248
#define NR_fork 2
#define NR_read 3
#define NR_write 4
#define NR_open 5
#define NR_close 6
#define NR_execve 11
#define NR_getpid 20
#define NR_kill 37
#define NR_pipe 42
#define NR_getppid 64
#define NR_munmap 91
#define NR_wait4 114
#define NR_sched_yield 158
#define NR_mmap2 192
#define NR_clock_gettime 263

static inline int sys6(int n, u32 a, u32 b, u32 c, u32 d, u32 e, u32 f)
{
	register u32 r0 __asm__("r0") = a, r1 __asm__("r1") = b, r2 __asm__("r2") = c;
	register u32 r3 __asm__("r3") = d, r4 __asm__("r4") = e, r5 __asm__("r5") = f;
	register u32 r7 __asm__("r7") = n;
	__asm__ volatile("svc #0" : "+r"(r0) : "r"(r1), "r"(r2), "r"(r3), "r"(r4), "r"(r5), "r"(r7) : "memory");
	return (int)r0;
}
static inline int sys3(int n, u32 a, u32 b, u32 c) { return sys6(n, a, b, c, 0, 0, 0); }

static inline void exit(int s) { sys3(NR_exit_group, s, 0, 0); for (;;) ; }
static inline int fork(void) { return sys3(NR_fork, 0, 0, 0); }
static inline int wait(int *st) { return sys6(NR_wait4, (u32)-1, (u32)st, 0, 0, 0, 0); }
static inline int getpid(void) { return sys3(NR_getpid, 0, 0, 0); }
static inline int getppid(void) { return sys3(NR_getppid, 0, 0, 0); }
static inline int yield(void) { return sys3(NR_sched_yield, 0, 0, 0); }
static inline int write(int fd, const void *b, u32 n) { return sys3(NR_write, fd, (u32)b, n); }
static inline int read(int fd, void *b, u32 n) { return sys3(NR_read, fd, (u32)b, n); }
/* The 32 kHz tick count from CLOCK_MONOTONIC (whose clocksource is the board's 32k counter). */
static inline u32 now32k(void)
{
	struct { u32 sec; u32 nsec; } ts;
	sys3(NR_clock_gettime, 1 /* CLOCK_MONOTONIC */, (u32)&ts, 0);
	return ts.sec * 32768u + (u32)udiv64((u64)ts.nsec * 32768u, 1000000000u, 0);
}
/* Anonymous private read/write mapping; errors come back as -errno (is_err). */
static inline void *mmap(u32 len) { return (void *)sys6(NR_mmap2, 0, len, 3, 0x22, (u32)-1, 0); }
static inline int munmap(void *a, u32 len) { return sys3(NR_munmap, (u32)a, len, 0); }
static inline int pipe(int fds[2]) { return sys3(NR_pipe, (u32)fds, 0, 0); }
static inline int close(int fd) { return sys3(NR_close, fd, 0, 0); }
static inline int open(const char *name) { return sys3(NR_open, (u32)name, 2 /* O_RDWR */, 0); }
static inline int kill(int pid) { return sys3(NR_kill, pid, 9, 0); }
/* exec(name, arg): the program /vm7/<name> (the initramfs holds our own `true`). */
int exec(const char *name, const char *arg);
static inline int is_err(const void *p) { return (u32)p >= 0xFFFFF000u; }

int printf(const char *f, ...);
int atoi(const char *s);
#endif
