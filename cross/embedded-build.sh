#!/usr/bin/env bash
# Builds SegKernels, the SegRuntime executor, the SegCRF post-processing and the test/benchmark
# harness as Embedded Swift for one ARM target, linked statically against glibc so that qemu-user
# runs it. Every SegRuntime and SegCRF source is compiled; the hosted-only ones (mmap, threads) are
# wrapped in `#if !hasFeature(Embedded)` and compile to nothing.
#
#   cross/embedded-build.sh TARGET [OUTDIR]
#
# TARGET:
#   aarch64-a76  aarch64, library tuned for Cortex-A76 (DotProd), dot-product kernels included
#   aarch64-a72  aarch64, library for Cortex-A72 (no DotProd), dot-product kernels included and
#                chosen only at run time (getauxval HWCAP_ASIMDDP)
#   armv7-a7     armv7-a, Cortex-A7, NEON + VFPv4, hard float
#
# Prints the path of the harness binary. Needs swiftc (Embedded Swift), gcc-aarch64-linux-gnu /
# gcc-arm-linux-gnueabihf, and the toolchain's lld.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
TARGET=${1:?usage: embedded-build.sh aarch64-a76|aarch64-a72|armv7-a7 [OUTDIR]}
OUT=${2:-$ROOT/.build-cross/$TARGET}
SWIFTC=${SWIFTC:-$(command -v swiftc)}
TOOLBIN=$(dirname "$(readlink -f "$SWIFTC")")

case "$TARGET" in
  aarch64-a76) TRIPLE=aarch64-none-none-elf; CPU=cortex-a76; DOT=(-target-cpu cortex-a76); CC=aarch64-linux-gnu-gcc; CCFLAGS=(-mcpu=cortex-a76) ;;
  aarch64-a72) TRIPLE=aarch64-none-none-elf; CPU=cortex-a72; DOT=(-target-cpu cortex-a72 -Xcc -march=armv8-a+dotprod); CC=aarch64-linux-gnu-gcc; CCFLAGS=(-mcpu=cortex-a72) ;;
  armv7-a7)    TRIPLE=armv7-none-none-eabi;  CPU=cortex-a7;  DOT=(-target-cpu cortex-a7); CC=arm-linux-gnueabihf-gcc; CCFLAGS=(-mcpu=cortex-a7 -mfpu=neon-vfpv4 -mfloat-abi=hard) ;;
  *) echo "unknown target $TARGET" >&2; exit 2 ;;
esac
command -v "$CC" >/dev/null || { echo "$CC not found (apt-get install gcc-aarch64-linux-gnu gcc-arm-linux-gnueabihf)" >&2; exit 1; }

mkdir -p "$OUT/modules"
# A section per function, so that the link keeps only what the harness reaches (half the binary).
SWIFT_FLAGS=(-target "$TRIPLE" -enable-experimental-feature Embedded -wmo -parse-as-library -O -Xfrontend -function-sections
             -I "$OUT/modules" -I "$ROOT/Sources/CSegKernels/include" -I "$ROOT/cross/harness/include")
if [ "$TRIPLE" = armv7-none-none-eabi ]; then
  SWIFT_FLAGS+=(-Xcc -mfloat-abi=hard -Xcc -mfpu=neon-vfpv4)
fi

# module NAME SOURCES...: one Swift module -> object + .swiftmodule, with the flags in CPUFLAGS
module() {
  local name=$1; shift
  "$SWIFTC" "${SWIFT_FLAGS[@]}" "${CPUFLAGS[@]}" -enable-experimental-feature BuiltinModule \
    -module-name "$name" -emit-module -emit-module-path "$OUT/modules/$name.swiftmodule" \
    -c "$@" -o "$OUT/$name.o"
}

# The dot-product micro-kernel gets the extension and nothing newer (no LSE atomics in the
# runtime functions each Embedded module carries), so the generic build still runs on a Cortex-A72.
CPUFLAGS=("${DOT[@]}")
module SegKernelsDotProd "$ROOT"/Sources/SegKernelsDotProd/*.swift
CPUFLAGS=(-target-cpu "$CPU")
module SegKernels "$ROOT"/Sources/SegKernels/*.swift
mapfile -t RUNTIME_SOURCES < <(find "$ROOT/Sources/SegRuntime" -name '*.swift' | sort)
module SegRuntime "${RUNTIME_SOURCES[@]}"
module SegCRF "$ROOT"/Sources/SegCRF/*.swift
module SegKernelsConformance "$ROOT"/Sources/SegKernelsConformance/*.swift
module SegKernelsBench "$ROOT"/Sources/SegKernelsBench/*.swift
module KernelHarnessEntry "$ROOT"/cross/harness/*.swift

WRAP=-Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=posix_memalign,--wrap=aligned_alloc
"$CC" "${CCFLAGS[@]}" -O2 -static -fuse-ld=lld -Wl,--gc-sections -B "$TOOLBIN" $WRAP \
  -I "$ROOT/Sources/CSegKernels/include" -I "$ROOT/cross/harness/include" \
  "$ROOT/cross/harness/main.c" "$ROOT/Sources/CSegKernels/cpu_features.c" \
  "$OUT"/SegKernels.o "$OUT"/SegRuntime.o "$OUT"/SegCRF.o "$OUT"/SegKernelsConformance.o "$OUT"/SegKernelsBench.o "$OUT"/KernelHarnessEntry.o \
  "$OUT"/SegKernelsDotProd.o "$TOOLBIN/../lib/swift/embedded/$TRIPLE/libswiftUnicodeDataTables.a" \
  -lm -o "$OUT/kernel-harness"
echo "$OUT/kernel-harness"
