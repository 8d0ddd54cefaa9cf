#!/usr/bin/env bash
# Builds the benchmark workloads (reproducibly: same toolchain, same bytes).
set -euo pipefail
cd "$(dirname "$0")"
command -v arm-none-eabi-gcc >/dev/null || { echo "bench/workloads/build.sh: arm-none-eabi-gcc not found (apt-get install gcc-arm-none-eabi)" >&2; exit 1; }
export LC_ALL=C SOURCE_DATE_EPOCH=0
CFLAGS="-O2 -marm -mcpu=cortex-a8 -mfloat-abi=soft -ffreestanding -fno-builtin -nostdlib -ffile-prefix-map=$PWD=. -Wall -Wextra"
arm-none-eabi-gcc $CFLAGS -T link.ld -Wl,--build-id=none -o a32mix.elf start.S a32mix.c -lgcc
echo "bench/workloads: built a32mix.elf"
