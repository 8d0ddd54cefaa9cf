/* Entry of the static Linux programs (no C library): the kernel starts _start with sp pointing
 * at argc, then argv[], NULL, envp[] (System V ABI, ARM supplement). main(argc, argv) returns the
 * exit status. */
	.syntax unified
	.arm
	.text
	.global _start
_start:
	ldr	r0, [sp]
	add	r1, sp, #4
	bic	sp, sp, #7
	bl	main
	mov	r7, #248		@ exit_group
	svc	#0
1:	b	1b
	.section .note.GNU-stack,"",%progbits
