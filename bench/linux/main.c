/* vm7bench: the dhrystone-style and lmbench-style suites (bench/suites) as a static Linux program.
 *   vm7bench [quick] [benchmark names...]     same words as the tiny kernel's "bench" boot argument */
#include "ulib.h"
int run_benchmarks(int quick, const char *only);

/* (fixtures/kernel/user/ulib.c includes the tiny kernel's ulib.h, so these two live here.) */
int printf(const char *f, ...)
{
	char buf[256];
	__builtin_va_list ap;
	__builtin_va_start(ap, f);
	int n = vfmt(buf, sizeof buf, f, ap);
	__builtin_va_end(ap);
	if (n > (int)sizeof buf - 1) n = sizeof buf - 1;
	return write(1, buf, n);
}

int atoi(const char *s)
{
	int v = 0, neg = 0;
	while (*s == ' ') s++;
	if (*s == '-') { neg = 1; s++; }
	while (*s >= '0' && *s <= '9') v = v * 10 + (*s++ - '0');
	return neg ? -v : v;
}

int exec(const char *name, const char *arg)
{
	char path[64] = "/vm7/";
	strcpy(path + 5, name);
	const char *argv[3] = { path, arg && *arg ? arg : 0, 0 };
	const char *envp[1] = { 0 };
	return sys3(NR_execve, (u32)path, (u32)argv, (u32)envp);
}

int main(int argc, char **argv)
{
	char args[256];
	u32 n = 0;
	args[0] = 0;
	for (int i = 1; i < argc; i++) {
		u32 l = strlen(argv[i]);
		if (n + l + 2 > sizeof args) break;
		if (n) args[n++] = ' ';
		strcpy(args + n, argv[i]);
		n += l;
	}
	return run_benchmarks(has_word(args, "quick"), args);
}
