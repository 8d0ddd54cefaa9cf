// Fixed layout of the core's linear memory. Everything the host may read, snapshot or poke lives at
// a constant offset described here once; index.ts exports these constants so the host never
// hard-codes an offset of its own.
//
//   [0, STATE)            AssemblyScript static data and the (tiny, stub-runtime) heap
//   STATE .. +8 KiB       CPU architectural state (registers, banks, CP15, VFP, counters), the
//                         devices' registers (DEV) and the execution globals a snapshot saves (SAVED)
//   VMM .. UART_TX        VMM state: vCPU, virtual CP15, counters, costs, shadow contexts (vmm/layout.ts)
//   UART_TX .. +64 KiB    console output ring (bytes the guest wrote, drained by the host):
//                         u32 write count (core) at +0, u32 read count (host) at +4, data at
//                         UART_TX_DATA, UART_TX_CAP bytes, indexed by count & (UART_TX_CAP - 1)
//   TLB .. +782 KiB       software TLBs (tag + host addend per 4 KiB virtual page; 12 context banks, mmu/tlb.ts)
//   DBG .. +64 KiB        debugger tables (breakpoints, watchpoints, hooks) and event log (debug/dbg.ts):
//                         host configuration, not machine state (never in a snapshot)
//   PAGEMAP .. +1 MiB     physical RAM page -> decoded-page slot (u32, 0 = none); then the slot
//                         owners (dcache.ts) and TLB_WRITTEN (a bit per RAM page, mmu/tlb.ts)
//   JIT .. +16 KiB        per decode slot, the generation of its compiled code (cpu/jit.ts)
//   JITMAP .. +512 KiB    compiled-block map: (slot, offset, ISA) -> hotness count or compiled function
//   JIT_CODE .. +128 KiB  per decode slot, which 16-byte granules of the page compiled code covers
//   DEC .. +128 KiB       per decode slot, which 16-byte granules of the page it decoded (dcache.ts)
//   DCACHE .. +64 MiB     pre-decoded instruction slots (one per 4 KiB physical code page)
//   RAM                   guest RAM, ramSize bytes, guest physical RAM_PHYS upward

export const STATE: u32 = 0x0010_0000;
export const VMM: u32 = 0x0010_2000;
export const UART_TX: u32 = 0x0011_0000;
export const UART_TX_SIZE: u32 = 0x0001_0000;
export const UART_TX_DATA: u32 = UART_TX + 0x100;
export const UART_TX_CAP: u32 = 0x8000;
export const TLB: u32 = 0x0012_0000;
export const DBG: u32 = 0x001f_0000;
export const PAGEMAP: u32 = 0x0020_0000;
export const TLB_WRITTEN: u32 = PAGEMAP + 0x0010_8000;
export const TLB_WRITTEN_BYTES: u32 = 0x8000;
export const JIT_GEN: u32 = 0x0031_0000;      // u32 per decode slot (MAX_SLOTS = 4096)
export const JITMAP: u32 = 0x0032_0000;       // 32768 entries of 16 bytes (cpu/jit.ts)
export const JITMAP_BYTES: u32 = 0x0008_0000;
export const JIT_CODE: u32 = 0x003a_0000;     // per decode slot 32 bytes: a bit per 16 bytes compiled (cpu/jit.ts)
export const DEC: u32 = 0x003c_0000;         // per decode slot 32 bytes: a bit per 16 bytes decoded (dcache.ts)
export const DCACHE: u32 = 0x0040_0000;
export const RAM: u32 = 0x0440_0000;
export const RAM_PHYS: u32 = 0x8000_0000;
export const RAM_MAX: u32 = 0x4000_0000;     // the most RAM a machine may have (1 GiB: the CLI's --ram 1024)

// --- CPU state, offsets from STATE -----------------------------------------------------------
export const R_BASE: u32 = 0x000;     // R0..R15 of the current mode (R15 = next instruction when stopped)
export const NF: u32 = 0x040;         // condition flags kept one per word (0 or 1) for fast evaluation
export const ZF: u32 = 0x044;
export const CF: u32 = 0x048;
export const VF: u32 = 0x04c;
export const CPSR_REST: u32 = 0x050;  // CPSR with N, Z, C, V cleared (mode, T, I, F, A, E, GE, IT, Q)
// Banked R13, R14, SPSR per mode, 16 bytes per bank: 0 usr/sys, 1 fiq, 2 irq, 3 svc, 4 abt, 5 und, 6 mon
export const BANKS: u32 = 0x060;
export const FIQ_R8: u32 = 0x0e0;     // R8..R12 of FIQ mode while another mode runs
export const USR_R8: u32 = 0x100;     // R8..R12 of the other modes while FIQ mode runs
export const ICOUNT: u32 = 0x120;     // u64 retired instructions (the virtual clock's source)
export const STOP_REASON: u32 = 0x128;
export const STOP_INFO: u32 = 0x12c;
export const EXCL_ADDR: u32 = 0x130;  // local exclusive monitor: address and open flag
export const EXCL_OPEN: u32 = 0x134;
export const CYCLES_EXTRA: u32 = 0x138; // u64 virtual cycles charged beyond one per instruction (WFI skips)

// CP15 (ARM ARM B4.1), offsets from STATE
export const CP15: u32 = 0x200;
export const SCTLR: u32 = 0x200;
export const ACTLR: u32 = 0x204;
export const CPACR: u32 = 0x208;
export const TTBR0: u32 = 0x20c;
export const TTBR1: u32 = 0x210;
export const TTBCR: u32 = 0x214;
export const DACR: u32 = 0x218;
export const DFSR: u32 = 0x21c;
export const IFSR: u32 = 0x220;
export const DFAR: u32 = 0x224;
export const IFAR: u32 = 0x228;
export const PRRR: u32 = 0x22c;
export const NMRR: u32 = 0x230;
export const CONTEXTIDR: u32 = 0x234;
export const TPIDRURW: u32 = 0x238;
export const TPIDRURO: u32 = 0x23c;
export const TPIDRPRW: u32 = 0x240;
export const VBAR: u32 = 0x244;
export const CSSELR: u32 = 0x248;
export const PAR: u32 = 0x24c;
export const ADFSR: u32 = 0x250;
export const AIFSR: u32 = 0x254;
export const FCSEIDR: u32 = 0x258;
export const L2AUXCR: u32 = 0x25c;
export const TEECR: u32 = 0x260;      // ThumbEE configuration/handler base: plain storage (ID_PFR0 says ThumbEE)
export const TEEHBR: u32 = 0x264;
export const PMCR: u32 = 0x268;
export const PMUSERENR: u32 = 0x26c;
export const CP15_END: u32 = 0x300;

// VFP (reserved for the VFPv3 issue): D0..D31 then FPSCR, FPEXC
export const VFP_D: u32 = 0x300;
export const FPSCR: u32 = 0x400;
export const FPEXC: u32 = 0x404;

export const SCRATCH: u32 = 0x800;    // 64 words of scratch for multi-register transfers

// Device registers and internal state, one block per device (dev/*.ts), offsets from STATE: in
// memory rather than WebAssembly globals so that a snapshot is a copy of the state block.
export const DEV: u32 = 0x1000;
export const DEV_INTC: u32 = 0x1000;     // 0x200 bytes (dev/intc.ts)
export const DEV_GPT: u32 = 0x1200;      // 0x140 bytes (dev/gptimer.ts)
export const DEV_UART: u32 = 0x1380;     // 0x80 bytes (dev/uart.ts)
export const DEV_COUNTER: u32 = 0x1400;  // 0x10 bytes (dev/counter32k.ts)
export const DEV_END: u32 = 0x1800;
// Execution globals that are machine state (exception-loop tracking, WFI, the clock's next event,
// the VMM's shadow bookkeeping) are copied here by snapSave and back by
// snapLoad (snapshot.ts); between those calls the area means nothing.
export const SAVED: u32 = 0x1800;
export const SAVED_CPU: u32 = 0x1800;    // 0x20 bytes: exceptions.ts, wfi.ts, isa/system.ts
export const SAVED_CLOCK: u32 = 0x1820;  // 0x40 bytes: bus/clock.ts
export const SAVED_VMM: u32 = 0x1900;    // 0x100 bytes: vmm/vcpu.ts, vmm/shadow.ts
export const SAVED_END: u32 = 0x2000;
export const STATE_SIZE: u32 = 0x2000;

// Stop reasons reported to the host by run()
export const STOP_NONE: u32 = 0;
export const STOP_BUDGET: u32 = 1;      // instruction budget of this call used up
export const STOP_SEMIHOST: u32 = 2;    // semihosting call: op in R0, parameter in R1, PC already past it
export const STOP_UART_FULL: u32 = 3;   // console ring full: host must drain it, nothing is lost
export const STOP_BKPT: u32 = 4;        // BKPT with no handler wanted by the host (debug stop), info = imm16
export const STOP_FATAL: u32 = 5;       // unrecoverable guest situation, info = FATAL_* code
export const STOP_IDLE: u32 = 6;        // WFI with interrupts that can never fire (no timer armed)
export const STOP_HOST: u32 = 7;        // host asked the core to stop (requestStop)
export const STOP_WFI_WALL: u32 = 8;    // WFI in wall-clock mode: host sleeps until the next event
export const STOP_POWEROFF: u32 = 9;    // the guest switched the board off (dev/poweroff.ts)
export const STOP_RESET: u32 = 10;      // the guest reset the device (dev/prm.ts PRM_RSTCTRL): the host reboots it
export const STOP_DEBUG: u32 = 11;      // a breakpoint, watchpoint, step or hook event (debug/dbg.ts), info = DBG_*
export const STOP_VIRTIO: u32 = 12;
export const STOP_YIELD: u32 = 13;      // several guests: this guest idles (WFI/HC_IDLE) or yielded (HC_YIELD)     // a virtio QueueNotify: the host serves it (dev/virtio_mmio.ts), then runs on

export const FATAL_EXC_LOOP: u32 = 1;   // an exception was raised while fetching its own vector
export const FATAL_BAD_MODE: u32 = 2;
