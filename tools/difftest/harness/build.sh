#!/bin/sh
# Builds harness.elf, the qemu-arm side of the differential tester (committed; rebuild only when
# the sources change). Deterministic: fixed flags, no build id, no debug info.
set -eu
cd "$(dirname "$0")"
arm-none-eabi-gcc -march=armv7-a -marm -mfloat-abi=soft -O2 -ffreestanding -fno-builtin -nostdlib \
  -fno-asynchronous-unwind-tables -static -Wl,--build-id=none -Wl,-T,link.ld -Wl,--no-warn-rwx-segments \
  -o harness.elf harness.c stub.S
arm-none-eabi-strip harness.elf
