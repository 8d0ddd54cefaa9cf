@ Bare-metal entry for the benchmark workloads: SVC mode, MMU off (as vm7 run starts an image).
@ Sets a stack, runs main() and exits through ARM semihosting SYS_EXIT_EXTENDED with main's result.
	.syntax unified
	.arm
	.section .text.start, "ax"
	.global _start
_start:
	ldr	sp, =__stack_top
	bl	main
	ldr	r1, =exit_block
	str	r0, [r1, #4]
	mov	r0, #0x20		@ SYS_EXIT_EXTENDED
	svc	0x123456
1:	b	1b

	.data
	.align 2
exit_block:
	.word	0x20026			@ ADP_Stopped_ApplicationExit
	.word	0
