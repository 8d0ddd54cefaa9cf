@ Entry and exit of one test sequence. run_test loads the test's APSR and r0-r14 (sp and lr
@ included: the harness keeps its own sp in a slot) and falls into the sequence at `seq`; the
@ sequence ends with a branch to test_end, which saves r0-r14 and the APSR without needing a free
@ register (PC-relative stores into the slots page) and returns to the C loop.
        .syntax unified
        .arm
        .section .seq, "awx"
        .global seq
seq:    .space 0xf00

        .section .stub, "awx"
        .global run_test, test_end
run_test:
        push    {r4-r11, lr}
        str     sp, saved_sp
        clrex
        ldr     r0, test_flags
        msr     APSR_nzcvqg, r0
        ldr     r0, =test_regs
        ldm     r0, {r0-r14}
        b       seq
test_end:
        setend  le
        str     r0, out_regs
        ldr     r0, =out_regs + 4
        stm     r0, {r1-r14}
        mrs     r1, APSR
        str     r1, out_flags
        ldr     sp, saved_sp
        pop     {r4-r11, pc}

@ SIGILL/SIGSEGV/SIGBUS handler (on the alternate stack, SA_NODEFER, never returns): record the
@ signal, the faulting pc, r0-r14 and the CPSR from the ucontext (ARM Linux: uc_mcontext at 20,
@ arm_r0 at +12 ... arm_pc, arm_cpsr), then leave run_test as test_end does.
        .global fault_handler
fault_handler:
        setend  le
        str     r0, out_signo
        add     r2, r2, #32
        ldr     r3, =out_regs
        mov     r12, #15
1:      ldr     r1, [r2], #4
        str     r1, [r3], #4
        subs    r12, r12, #1
        bne     1b
        ldr     r1, [r2]
        str     r1, out_pc
        ldr     r1, [r2, #4]
        str     r1, out_flags
        ldr     sp, saved_sp
        pop     {r4-r11, pc}
        .ltorg

        @ the slots start the next page (0x80201000), so the C loop's writes to them do not
        @ invalidate qemu's translation of this code; still within reach of PC-relative str/ldr
        .org    0x100
        .global test_regs, test_flags, out_regs, out_flags, out_signo, out_pc
saved_sp:   .word 0
out_signo:  .word 0
out_pc:     .word 0
test_flags: .word 0
out_flags:  .word 0
test_regs:  .space 60
out_regs:   .space 60
