#!/usr/bin/env bash
# Builds the benchmark suites (bench/suites) as static armhf Linux programs with no C library,
# with Debian's gcc-arm-linux-gnueabihf 12.2, reproducibly:
#   bench/linux/bin/vm7bench   the suites (vm7bench [quick] [names...]), installed as /vm7/vm7bench
#   bench/linux/bin/true       exits 0; lat_proc_exec runs it as /vm7/true
#   bash bench/linux/build.sh           rebuild the committed binaries
#   bash bench/linux/build.sh --check   build into a temp dir and compare with the committed ones
set -euo pipefail
cd "$(dirname "$0")"
HERE=$PWD
ROOT=$(cd ../.. && pwd)
CC=arm-linux-gnueabihf-gcc
if ! command -v $CC >/dev/null; then
	echo "bench/linux/build.sh: $CC not found; install the Debian package gcc-arm-linux-gnueabihf" >&2
	exit 1
fi
export LC_ALL=C SOURCE_DATE_EPOCH=0 TZ=UTC
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
OBJ=$TMP/obj
case "${1:-}" in
	"") OUT=$HERE/bin; MODE=build ;;
	--check) OUT=$TMP/out; MODE=check ;;
	--record) exit 0 ;;
	*) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac
mkdir -p "$OUT" "$OBJ"
# A32 code for the Cortex-A8, hard-float ABI without NEON (vm7 reports none: MVFR1 SIMD fields 0, so
# gcc must not auto-vectorize), no C library.
CFLAGS=(-marm -mcpu=cortex-a8 -mfloat-abi=hard -mfpu=vfpv3-d16 -O2 -ffreestanding -fno-builtin -nostdlib -static -fno-pic -no-pie
	-fno-stack-protector -fno-asynchronous-unwind-tables -fno-unwind-tables -Wall -Wextra -Wno-sign-compare
	-ffile-prefix-map=$ROOT=. -Wl,--build-id=none -I"$HERE" -I"$ROOT/bench/suites")
LIBGCC=$($CC -marm -print-libgcc-file-name)
cc() { local o=$OBJ/$(echo "$1" | tr / _).o; (cd "$ROOT" && $CC "${CFLAGS[@]}" -c "$1" -o "$o"); echo "$o"; }
start=$(cc bench/linux/start.S)
lib=$(cc fixtures/kernel/common/lib.c)
objs="$start $lib $(cc bench/linux/main.c) $(cc bench/suites/lmbench.c) $(cc bench/suites/dhrystone.c)"
$CC "${CFLAGS[@]}" -o "$OUT/vm7bench" $objs "$LIBGCC"
$CC "${CFLAGS[@]}" -o "$OUT/true" $start $(cc bench/linux/true.c)
if [ $MODE = check ]; then
	rc=0
	for f in vm7bench true; do
		if ! cmp -s "$OUT/$f" "$HERE/bin/$f"; then echo "bench/linux: bin/$f differs from a fresh build"; rc=1; fi
	done
	[ $rc = 0 ] && echo "bench/linux: binaries match the sources"
	exit $rc
fi
echo "bench/linux: built bin/vm7bench bin/true"
