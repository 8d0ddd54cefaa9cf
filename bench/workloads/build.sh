#!/usr/bin/env bash
# Builds the benchmark workloads reproducibly (same toolchain, same bytes).
#   bash bench/workloads/build.sh            rebuild the committed images in place
#   bash bench/workloads/build.sh --out DIR  write the images into DIR instead
#   bash bench/workloads/build.sh --check    rebuild into a temp dir, compare with the committed images
set -euo pipefail
cd "$(dirname "$0")"
SRC=$PWD
command -v arm-none-eabi-gcc >/dev/null || { echo "bench/workloads/build.sh: arm-none-eabi-gcc not found (apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi)" >&2; exit 1; }
export LC_ALL=C SOURCE_DATE_EPOCH=0 TZ=UTC
OUT=$SRC CHECK=0
while [ $# -gt 0 ]; do
	case "$1" in
		--check) CHECK=1 ;;
		--out) OUT=$2; shift ;;
		*) echo "usage: $0 [--check] [--out DIR]" >&2; exit 2 ;;
	esac
	shift
done
OBJ=$(mktemp -d)
trap 'rm -rf "$OBJ"' EXIT
if [ $CHECK = 1 ]; then OUT=$OBJ/out; fi
mkdir -p "$OUT"
# libgcc: the default multilib's (A32 code). -mcpu=cortex-a8 would select thumb/v7-a/nofp, whose
# helpers (__aeabi_uidiv...) are Thumb-2, and this workload is meant to be pure A32.
LIBGCC=$(arm-none-eabi-gcc -print-libgcc-file-name)
CFLAGS="-O2 -marm -mcpu=cortex-a8 -mfloat-abi=soft -ffreestanding -fno-builtin -nostdlib -ffile-prefix-map=$SRC=. -Wall -Wextra"
# Objects get fixed names (the gcc driver's temporary names would otherwise land in .symtab).
arm-none-eabi-gcc $CFLAGS -c -o "$OBJ/start.o" start.S
arm-none-eabi-gcc $CFLAGS -c -o "$OBJ/a32mix.o" a32mix.c
arm-none-eabi-gcc $CFLAGS -T link.ld -Wl,--build-id=none -o "$OUT/a32mix.elf" "$OBJ/start.o" "$OBJ/a32mix.o" "$LIBGCC"
# t32mix: the same program as Thumb-2 (the A32 start.S calls main through BLX), with the Thumb-2
# libgcc of the thumb/v7-a/nofp multilib.
TFLAGS="${CFLAGS/-marm/-mthumb}"
TLIBGCC=$(arm-none-eabi-gcc -mthumb -mcpu=cortex-a8 -mfloat-abi=soft -print-libgcc-file-name)
arm-none-eabi-gcc $TFLAGS -c -o "$OBJ/t32mix.o" a32mix.c
arm-none-eabi-gcc $TFLAGS -T link.ld -Wl,--build-id=none -o "$OUT/t32mix.elf" "$OBJ/start.o" "$OBJ/t32mix.o" "$TLIBGCC"
if [ $CHECK = 1 ]; then
	rc=0
	for f in a32mix.elf t32mix.elf; do
		cmp -s "$OUT/$f" "$SRC/$f" || { echo "bench/workloads: $f differs from a fresh build"; rc=1; }
	done
	[ $rc = 0 ] && echo "bench/workloads: images match the sources"
	exit $rc
fi
echo "bench/workloads: built a32mix.elf t32mix.elf"
