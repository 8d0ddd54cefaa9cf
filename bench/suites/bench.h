/* Shared by the suites: timing with the guest's 32 kHz counter and the BENCH output line. */
#ifndef BENCH_H
#define BENCH_H
#include "ulib.h"
extern u32 bench_min_ticks;     /* each reported measurement spans at least this many 32 kHz ticks */
/* Call fn(n, ctx) with growing n until one call takes >= bench_min_ticks; return the ticks, set *n. */
int snprintf_u(char *buf, u32 n, const char *f, ...);
u32 bench_measure(void (*fn)(u32 n, void *ctx), void *ctx, u32 *n);
/* Print "BENCH name value unit iterations=n ticks=t[ extra]" with value to 3 decimals; value_milli is
 * the value times 1000. */
void bench_print(const char *name, u64 value_milli, const char *unit, u32 n, u32 ticks, const char *extra);
void dhrystone_bench(void);
#endif
