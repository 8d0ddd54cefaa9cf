#!/usr/bin/env bash
# Differential test of Thumb-2 execution against qemu-arm -cpu cortex-a8: for each seed, generates
# BLOCKS random blocks of LEN instructions (test/fixtures/thumb/gen-random.py: data processing,
# multiplies, media, loads/stores, exclusives, branches, IT blocks), builds them with the harness
# test/fixtures/thumb/random.c, runs the program under both and compares every block's registers,
# flags and the scratch memory. Prints one line per seed; exits 1 if any seed differs.
#   tools/thumb-difftest.sh FIRST_SEED COUNT [BLOCKS=400] [LEN=30] [JOBS=4]
# Needs arm-none-eabi-gcc + newlib, qemu-arm and a built vm7 (npm run build).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
FIRST=${1:?first seed}; COUNT=${2:?count}; BLOCKS=${3:-400}; LEN=${4:-30}; JOBS=${5:-4}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
FLAGS="-O2 -mthumb -mcpu=cortex-a8 -mfloat-abi=soft --specs=rdimon.specs -Wl,-Ttext-segment=0x80100000"
one() {
  local s=$1 d=$WORK/$1
  mkdir -p "$d"
  python3 "$ROOT/test/fixtures/thumb/gen-random.py" "$s" "$BLOCKS" "$LEN" >"$d/r.S" &&
    arm-none-eabi-gcc $FLAGS -o "$d/r.elf" "$ROOT/test/fixtures/thumb/random.c" "$d/r.S" "$ROOT/fixtures/newlib/sbrk.c" ||
    { echo "seed $s: BUILD FAILED"; return 1; }
  qemu-arm -cpu cortex-a8 "$d/r.elf" >"$d/q.out" 2>&1
  node "$ROOT/bin/vm7.js" run "$d/r.elf" >"$d/v.out" 2>"$d/v.err"
  if cmp -s "$d/q.out" "$d/v.out" && [ -s "$d/q.out" ]; then echo "seed $s: ok ($BLOCKS blocks)"; rm -rf "$d"; return 0; fi
  local keep=${TMPDIR:-/tmp}/thumb-difftest-failures/seed-$s
  mkdir -p "$keep" && cp -r "$d"/. "$keep"
  echo "seed $s: DIFFERS (sources and both outputs kept in $keep)"
  diff "$d/q.out" "$d/v.out" | head -5
  return 1
}
export -f one; export ROOT WORK FLAGS BLOCKS LEN
seq "$FIRST" $((FIRST + COUNT - 1)) | xargs -P "$JOBS" -I{} bash -c 'one {}' | tee "$WORK/log"
! grep -q "DIFFERS\|FAILED" "$WORK/log"
