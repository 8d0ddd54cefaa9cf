/* dhrystone-style: a synthetic integer benchmark in the spirit of Dhrystone 2.1, written for vm7
 * (not Dhrystone's source). Each iteration does record assignment through pointers, copies and
 * compares 30-character strings, makes small procedure calls with value and pointer parameters,
 * integer arithmetic (including divisions by variables), an enum switch and one- and two-dimensional
 * array indexing. The result is reported as iterations per second of guest (32 kHz counter) time. */
#include "bench.h"

enum shade { S_RED, S_GREEN, S_BLUE, S_GREY, S_WHITE };

struct item {
	struct item *link;
	enum shade shade;
	int weight;
	int tally;
	char label[31];
};

static struct item pool_a, pool_b, *head;
static int vec[64];
static int grid[64][64];
static char text_x[31], text_y[31];
static int g_count, g_flag;
static char g_ch1, g_ch2;
static volatile int g_divisor = 7;

static void __attribute__((noinline)) copy_text(char *d, const char *s) { while ((*d++ = *s++)) ; }

static int __attribute__((noinline)) same_text(const char *a, const char *b)
{
	while (*a && *a == *b) { a++; b++; }
	return *a == *b;
}

static enum shade __attribute__((noinline)) next_shade(enum shade s, int k)
{
	switch (s) {
	case S_RED: return k > 3 ? S_GREEN : S_BLUE;
	case S_GREEN: return S_BLUE;
	case S_BLUE: return k & 1 ? S_GREY : S_WHITE;
	case S_GREY: return S_RED;
	default: return S_GREEN;
	}
}

static int __attribute__((noinline)) char_match(char a, char b) { return a == b ? 1 : 0; }

static void __attribute__((noinline)) bump(int *v, int by) { *v = *v + by + g_count; }

static void __attribute__((noinline)) fill_arrays(int a[64], int g[64][64], int i, int v)
{
	int j = i + 5;
	a[j] = v;
	a[j + 1] = a[j];
	a[j + 30] = j;
	for (int k = j; k <= j + 1; k++) g[j][k] = j;
	g[j][j - 1] += 1;
	g[j + 20][j] = a[j];
	g_count = 5;
}

static void __attribute__((noinline)) refresh(struct item *it)
{
	struct item *nx = it->link;
	*nx = *head;                    /* record assignment */
	it->weight = 5;
	nx->weight = it->weight;
	nx->link = it->link;
	bump(&nx->weight, 3);
	if (nx->shade == S_RED) {
		nx->weight = 6;
		nx->shade = next_shade(it->shade, nx->weight);
		nx->link = head->link;
		nx->weight = nx->weight + 12;
	} else {
		*it = *nx;
	}
}

static int __attribute__((noinline)) mix(int a, int b, int *out)
{
	int t = a * b;
	int q = t / g_divisor;
	*out = t - q * g_divisor + (a << 2) - (b >> 1);
	return q;
}

static void dhry_setup(void)
{
	head = &pool_a;
	pool_a.link = &pool_b;
	pool_a.shade = S_RED;
	pool_a.weight = 40;
	pool_a.tally = 0;
	copy_text(pool_a.label, "VM7 SYNTHETIC ITEM, FIRST TEXT");
	copy_text(text_x, "VM7 SYNTHETIC TEXT, FIXED PART");
	grid[8][7] = 10;
}

static u32 dhry_checksum;

static void dhry_run(u32 n, void *ctx)
{
	(void)ctx;
	int a = 0, b = 0, c = 0;
	for (u32 i = 1; i <= n; i++) {
		g_flag = char_match('A', 'A');
		g_ch1 = 'A'; g_ch2 = 'B';
		a = 2; b = 3;
		copy_text(text_y, "VM7 SYNTHETIC TEXT, OTHER PART");
		g_flag = !same_text(text_x, text_y);
		while (a < b) {
			c = 5 * a - b;
			mix(a, 10, &c);
			a++;
		}
		fill_arrays(vec, grid, a, c);
		refresh(head);
		for (char ch = 'A'; ch <= g_ch2; ch++)
			if (char_match(ch, 'C')) { copy_text(text_y, "VM7 SYNTHETIC TEXT, THIRD PART"); }
		b = b * a;
		a = b / c;
		b = 7 * (b - a) - c;
		bump(&a, (int)(i & 3));
		head->tally += a + b + c;
	}
	dhry_checksum = head->tally + grid[8][7] + vec[8] + g_flag;
}

void dhrystone_bench(void)
{
	u32 n = 1000;
	dhry_setup();
	u32 t = bench_measure(dhry_run, 0, &n);
	/* iterations per second = n * 32768 / t; printed to 3 decimals */
	u64 v = udiv64((u64)n * 32768u * 1000u, t, 0);
	char extra[64];
	snprintf_u(extra, sizeof extra, "kind=dhrystone-style check=%x", dhry_checksum);
	bench_print("dhrystone", v, "iter/s", n, t, extra);
}
