#!/usr/bin/env bash
# Proves SegKernels bit-exact on ARM: builds the kernels as Embedded Swift for aarch64 (Cortex-A76 with
# DotProd, Cortex-A72 without) and armv7 (Cortex-A7, NEON, hard float), runs the conformance vectors
# under qemu-user, and checks that
#   - every optimized path matches its scalar reference on that CPU (the harness exits non-zero otherwise),
#   - every vector's digest equals x86_64's (`segctl kernels check --digests`, same seed),
#   - the generic aarch64 build picks the dot-product kernels at run time only where the CPU has them,
#   - no kernel call allocates (allocation counting through linker wrappers),
#   - whole networks (the 161x161 fixtures compiled on x86_64 with `segctl compile`, one with layers
#     kept in float) give the same mask and logits digest as x86_64's `segctl kernels network`, with
#     no heap allocation during the inference.
#
#   cross/embedded-test.sh [CASES] [SEED]      (defaults: 100 vectors per kernel family, seed 1)
#
# Needs: swiftc with Embedded Swift, gcc-aarch64-linux-gnu, gcc-arm-linux-gnueabihf, qemu-user, and a
# release build of segctl (`swift build -c release`), found at $SEGCTL or .build/release/segctl.
# Calibration photos come from $CALIBRATION_DIR, or scripts/fetch-images.sh into the build folder.
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

echo "== x86_64 whole networks (seed $SEED)"
MODELS=$OUT/models
mkdir -p "$MODELS"
CALIBRATION=${CALIBRATION_DIR:-$OUT/images/calibration}
[ -d "$CALIBRATION" ] || "$ROOT/scripts/fetch-images.sh" "$OUT/images" > /dev/null
printf '[quantization]\nfloat_layers = ["/fc8/Conv", "/fc7/fc7.0/Conv"]\n' > "$MODELS/float-head.toml"
# label fixture [config]
NETWORKS="deeplab_lite_161 deeplab_lite_161
refinenet_lite_161 refinenet_lite_161
fcn8s_lite_161 fcn8s_lite_161
tiny_ops tiny_ops
deeplab_lite_161_float_head deeplab_lite_161 $MODELS/float-head.toml"
LABELS=()
: > "$OUT/x86_64.networks"
while read -r label fixture config; do
  if ! "$SEGCTL" compile "$ROOT/Tests/Fixtures/models/$fixture.onnx" ${config:+--config "$config"} \
      --calibration "$CALIBRATION" -o "$MODELS/$label.segm" > "$MODELS/$label.log" 2>&1; then
    fail "$label: segctl compile: $(tail -1 "$MODELS/$label.log")"
    continue
  fi
  LABELS+=("$label")
  echo "$label $("$SEGCTL" kernels network "$MODELS/$label.segm" --seed "$SEED")" | tee -a "$OUT/x86_64.networks"
done <<< "$NETWORKS"

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
  : > "$OUT/$name.networks"
  for label in "${LABELS[@]}"; do
    start=$EPOCHREALTIME
    if ! "$qemu" -cpu "$cpu" "$OUT/$target/kernel-harness" network "$MODELS/$label.segm" "$SEED" < /dev/null > "$OUT/$name.$label.txt"; then
      fail "$name: $label was refused or allocated during the inference"
    fi
    seconds=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
    echo "$label $(grep '^network ' "$OUT/$name.$label.txt")" >> "$OUT/$name.networks"
    echo "network $label: ${seconds} s under qemu, $(grep '^run ' "$OUT/$name.$label.txt")"
  done
  if cmp -s "$OUT/$name.networks" "$OUT/x86_64.networks"; then
    echo "networks: ${#LABELS[@]} digests identical to x86_64"
  else
    fail "$name: network digests differ from x86_64"
    diff "$OUT/$name.networks" "$OUT/x86_64.networks" | head -6
  fi
done <<< "$RUNS"

if [ "$failures" -ne 0 ]; then
  echo "embedded-test: $failures failures"
  exit 1
fi
echo "embedded-test: all ARM builds bit-exact with x86_64 (kernels and whole networks), dispatch correct, no allocations"
