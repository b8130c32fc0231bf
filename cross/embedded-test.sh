#!/usr/bin/env bash
# Proves SegKernels bit-exact on ARM: builds the kernels as Embedded Swift for aarch64 (Cortex-A76 with
# DotProd, Cortex-A72 without) and armv7 (Cortex-A7, NEON, hard float), runs the conformance vectors
# under qemu-user, and checks that
#   - every optimized path matches its scalar reference on that CPU (the harness exits non-zero otherwise),
#   - every vector's digest equals x86_64's (`segctl kernels check --digests`, same seed),
#   - the generic aarch64 build picks the dot-product kernels at run time only where the CPU has them,
#   - no kernel call allocates (allocation counting through linker wrappers).
#
#   cross/embedded-test.sh [CASES] [SEED]      (defaults: 100 vectors per kernel family, seed 1)
#
# Needs: swiftc with Embedded Swift, gcc-aarch64-linux-gnu, gcc-arm-linux-gnueabihf, qemu-user, and a
# release build of segctl (`swift build -c release`), found at $SEGCTL or .build/release/segctl.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CASES=${1:-100}
SEED=${2:-1}
OUT=${CROSS_BUILD_DIR:-$ROOT/.build-cross}
SEGCTL=${SEGCTL:-$ROOT/.build/release/segctl}
mkdir -p "$OUT"
[ -x "$SEGCTL" ] || { echo "no segctl at $SEGCTL: run swift build -c release first" >&2; exit 1; }

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

echo "== x86_64 reference digests ($CASES vectors per family, seed $SEED)"
"$SEGCTL" kernels check --cases "$CASES" --seed "$SEED" --digests > "$OUT/x86_64.txt" || fail "x86_64 kernels check"
grep '^checked' "$OUT/x86_64.txt"
grep '^vector ' "$OUT/x86_64.txt" > "$OUT/x86_64.vectors"

for target in aarch64-a76 aarch64-a72 armv7-a7; do
  echo "== build $target"
  "$ROOT/cross/embedded-build.sh" "$target" "$OUT/$target" > /dev/null
done

# target cpu qemu expectation
RUNS="aarch64-a76 cortex-a76 qemu-aarch64 dot
aarch64-a72 cortex-a72 qemu-aarch64 nodot
aarch64-a72 cortex-a76 qemu-aarch64 dot
armv7-a7 cortex-a7 qemu-arm nodot"

while read -r target cpu qemu expect; do
  name="$target-on-$cpu"
  echo "== $name"
  log="$OUT/$name.txt"
  if ! "$qemu" -cpu "$cpu" "$OUT/$target/kernel-harness" conformance "$CASES" "$SEED" > "$log"; then
    fail "$name: optimized kernels differ from the reference"
    grep '^MISMATCH' "$log" | head -5
  fi
  grep '^checked' "$log"
  if grep '^vector ' "$log" | cmp -s - "$OUT/x86_64.vectors"; then
    echo "digests: $(grep -c '^vector ' "$log") vectors identical to x86_64"
  else
    fail "$name: digests differ from x86_64"
    diff <(grep '^vector ' "$log") "$OUT/x86_64.vectors" | head -6
  fi
  if [ "$expect" = dot ]; then
    grep -q 'dot-product=' "$log" || fail "$name: the dot-product kernels were not used on a CPU that has DotProd"
  else
    ! grep -q 'dot-product=' "$log" || fail "$name: the dot-product kernels ran on a CPU without DotProd"
  fi
  if "$qemu" -cpu "$cpu" "$OUT/$target/kernel-harness" allocations > "$OUT/$name.allocations.txt"; then
    echo "allocations: none in $(grep -c '^allocations' "$OUT/$name.allocations.txt") kernel calls"
  else
    fail "$name: a kernel call allocated"
    grep -v ': 0$' "$OUT/$name.allocations.txt" | head -5
  fi
done <<< "$RUNS"

if [ "$failures" -ne 0 ]; then
  echo "embedded-test: $failures failures"
  exit 1
fi
echo "embedded-test: all ARM builds bit-exact with x86_64, dispatch correct, no allocations"
