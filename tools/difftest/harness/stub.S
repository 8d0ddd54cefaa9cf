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
        .ltorg

        @ the slots start the next page (0x80201000), so the C loop's writes to them do not
        @ invalidate qemu's translation of this code; still within reach of PC-relative str/ldr
        .org    0x100
        .global test_regs, test_flags, out_regs, out_flags
saved_sp:   .word 0
test_flags: .word 0
out_flags:  .word 0
test_regs:  .space 60
out_regs:   .space 60
