/* A32 integer workload for `vm7 bench`: a mix of what ordinary C code does on a Cortex-A8 without a
 * hardware divider (loops, calls, byte and word memory traffic, software division, branches).
 * It prints a checksum on UART3 so a wrong emulation cannot pass for a fast one. */
#include <stdint.h>

#define UART3 ((volatile uint32_t *)0x49020000u)

static void putc_uart(char c) {
	while ((UART3[5] & 0x20) == 0) { }   /* LSR.THRE */
	UART3[0] = (uint32_t)c;
}
static void puts_uart(const char *s) { while (*s) putc_uart(*s++); }
static void puthex(uint32_t v) {
	for (int i = 28; i >= 0; i -= 4) putc_uart("0123456789abcdef"[(v >> i) & 15]);
}

static uint32_t crc_table[256];
static void crc_init(void) {
	for (uint32_t n = 0; n < 256; n++) {
		uint32_t c = n;
		for (int k = 0; k < 8; k++) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
		crc_table[n] = c;
	}
}
static uint32_t crc32(const uint8_t *p, uint32_t len, uint32_t crc) {
	crc = ~crc;
	while (len--) crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

static uint32_t rng = 12345;
static uint32_t next(void) { rng = rng * 1103515245u + 12345u; return rng >> 8; }

static void sort(uint32_t *a, int n) {      /* insertion sort on short runs, shell gaps */
	static const int gaps[] = { 57, 23, 10, 4, 1 };
	for (int g = 0; g < 5; g++) {
		int gap = gaps[g];
		for (int i = gap; i < n; i++) {
			uint32_t v = a[i];
			int j = i;
			while (j >= gap && a[j - gap] > v) { a[j] = a[j - gap]; j -= gap; }
			a[j] = v;
		}
	}
}

static int my_strcmp(const char *a, const char *b) {
	while (*a && *a == *b) { a++; b++; }
	return (unsigned char)*a - (unsigned char)*b;
}
static void my_strcpy(char *d, const char *s) { while ((*d++ = *s++) != 0) { } }

/* Rounds of the main loop. 60 by default (about 18.7 M instructions); the host may write another
 * count here before the run (`vm7 bench --mips --rounds N` finds it through the symbol table), so a
 * longer run measures compiled code rather than start-up. */
volatile uint32_t bench_rounds = 60;

static uint8_t buf[4096];
static uint32_t arr[512];
static char s1[32], s2[32];

int main(void) {
	uint32_t sum = 0;
	crc_init();
	puts_uart("a32mix: start\r\n");
	for (uint32_t round = 0; round < bench_rounds; round++) {
		for (int i = 0; i < 4096; i++) buf[i] = (uint8_t)next();
		sum ^= crc32(buf, sizeof buf, (uint32_t)round);
		for (int i = 0; i < 512; i++) arr[i] = next();
		sort(arr, 512);
		for (int i = 1; i < 512; i++) if (arr[i - 1] > arr[i]) sum += 0x1000000;
		for (int i = 0; i < 400; i++) {
			uint32_t a = next() | 1, b = (next() & 0xffff) | 1;
			sum += a / b + a % b;                  /* __aeabi_uidivmod: no divider on Cortex-A8 */
			sum += (uint32_t)((int32_t)a / -(int32_t)b);
		}
		for (int i = 0; i < 200; i++) {
			my_strcpy(s1, "DHRYSTONE-STYLE STRING, ROUND ");
			my_strcpy(s2, s1);
			s2[i % 30] ^= (char)(i & 1);
			sum += (uint32_t)my_strcmp(s1, s2) + (uint32_t)i;
		}
	}
#ifdef __thumb__
	puts_uart("t32mix: checksum ");	/* the same program built as Thumb-2 (build.sh) */
#else
	puts_uart("a32mix: checksum ");
#endif
	puthex(sum);
	puts_uart("\r\n");
	return 0;
}
