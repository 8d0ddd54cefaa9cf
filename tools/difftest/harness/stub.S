@ Entry and exit of one test sequence. run_test loads the test's D0-D31, FPSCR, APSR and r0-r14
@ (sp and lr included: the harness keeps its own sp in a slot) and enters the sequence at `seq`
@ with an interworking load of the pc (A32 or Thumb); an A32 sequence ends with a branch to
@ test_end, which saves r0-r14, the CPSR and the VFP state without needing a free register
@ (PC-relative stores into the slots page) and returns to the C loop. A Thumb sequence ends in a
@ UDF, reported through the fault handler like any other fault.
        .syntax unified
        .arm
        .fpu    vfpv3
        .section .seq, "awx"
        .global seq
seq:    .space 0xf00

        .section .stub, "awx"
        .global run_test, test_end, leave_test, fault_entry
run_test:
        push    {r4-r11, lr}
        str     sp, saved_sp
        clrex
        ldr     r0, =test_d
        vldmia  r0!, {d0-d15}
        vldmia  r0, {d16-d31}
        ldr     r0, test_fpscr
        vmsr    fpscr, r0
        ldr     r0, test_flags
        msr     APSR_nzcvqg, r0
        ldr     r0, =test_regs
        ldm     r0, {r0-r14}
        ldr     pc, test_entry
test_end:
        setend  le
        str     r0, out_regs
        ldr     r0, =out_regs + 4
        stm     r0, {r1-r14}
        mrs     r1, APSR
        str     r1, out_flags
        vmrs    r1, fpscr
        str     r1, out_fpscr
        ldr     r0, =out_d
        vstmia  r0!, {d0-d15}
        vstmia  r0, {d16-d31}
leave_test:
        ldr     sp, saved_sp
        pop     {r4-r11, pc}

@ SIGILL/SIGSEGV/SIGBUS handler (on the alternate stack, SA_NODEFER, never returns): little-endian
@ data again, then harness.c fault_handler copies the state out of the ucontext and leaves
@ run_test through leave_test.
fault_entry:
        setend  le
        b       fault_handler
        .ltorg

        @ the slots start the next page (0x80201000), so the C loop's writes to them do not
        @ invalidate qemu's translation of this code; still within reach of PC-relative str/ldr
        .org    0x100
        .global test_regs, test_flags, out_regs, out_flags, out_signo, out_pc
        .global test_fpscr, out_fpscr, test_entry, test_d, out_d
saved_sp:   .word 0
out_signo:  .word 0
out_pc:     .word 0
test_flags: .word 0
out_flags:  .word 0
test_fpscr: .word 0
out_fpscr:  .word 0
test_entry: .word 0
test_regs:  .space 60
out_regs:   .space 60
test_d:     .space 256
out_d:      .space 256
