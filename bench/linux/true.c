/* /vm7/true: exits 0 (what lat_proc_exec executes). */
int main(void) { return 0; }
