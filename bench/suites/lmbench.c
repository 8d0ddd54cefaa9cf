#include "ulib.h"
int run_benchmarks(int quick, const char *only) { (void)quick; (void)only; return 0; }
