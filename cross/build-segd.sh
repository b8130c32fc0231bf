#!/usr/bin/env bash
# Builds the segd daemon for an aarch64 board with an installed Swift SDK (cross/README.md says how to
# get one), with the Swift runtime linked in so that the board needs no Swift installation.
#
#   SEGD_SWIFT_SDK=<id from `swift sdk list`> cross/build-segd.sh
#
# The SDK's target triple is aarch64-unknown-linux-gnu, or aarch64-swift-linux-musl for the Static Linux
# SDK (SEGD_SWIFT_SDK_TRIPLE overrides). Prints the path of the binary. When something is missing (no
# SDK named or installed, the SDK's sysroot lacks libv4l2/libturbojpeg/libpng, Package.swift cannot
# target another architecture) it says what and exits 2: nothing is built then.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SDK=${SEGD_SWIFT_SDK:-}
missing() { echo "build-segd: $*" >&2; echo "nothing built; see cross/README.md" >&2; exit 2; }

installed=$(swift sdk list 2>/dev/null | grep -v '^No Swift SDKs' || true)
[ -n "$SDK" ] || missing "set SEGD_SWIFT_SDK to an installed Swift SDK for aarch64; installed: ${installed:-none}"
grep -qxF "$SDK" <<<"$installed" || missing "Swift SDK '$SDK' is not installed; installed: ${installed:-none}"

case "$SDK" in
  *static-linux*) TRIPLE=${SEGD_SWIFT_SDK_TRIPLE:-aarch64-swift-linux-musl} ;;
  *)              TRIPLE=${SEGD_SWIFT_SDK_TRIPLE:-aarch64-unknown-linux-gnu} ;;
esac

# The SDK's sysroot must have the C libraries segd links; SwiftPM would only fail later on a header.
SDKROOT=$(swift sdk configure --show-configuration "$SDK" "$TRIPLE" | sed -n 's/^sdkRootPath: //p')
[ -d "$SDKROOT" ] || missing "Swift SDK '$SDK' has no sysroot for $TRIPLE"
absent=()
for f in usr/include/libv4l2.h usr/include/jpeglib.h usr/include/turbojpeg.h usr/include/png.h; do
  [ -e "$SDKROOT/$f" ] || absent+=("$f")
done
if [ "${#absent[@]}" -gt 0 ]; then
  case "$TRIPLE" in
    *-musl) missing "the SDK's musl sysroot $SDKROOT lacks ${absent[*]}: libv4l2, libjpeg-turbo and libpng must be built for musl (static) and installed there" ;;
    *) missing "the SDK's sysroot $SDKROOT lacks ${absent[*]}; add Debian 12's with:
  tar -C \"\$(cross/sysroot.sh arm64)\" -cf - . | tar -C '$SDKROOT' -xf - --skip-old-files --keep-directory-symlink" ;;
  esac
fi

# The manifest runs on the build machine, so its `#if arch(...)` sees the host: on x86_64 it would hand
# -mavx512* to the aarch64 compiler. Package.swift takes the target from SEGD_TARGET_ARCH instead.
grep -q SEGD_TARGET_ARCH "$ROOT/Package.swift" ||
  missing "Package.swift picks its kernel flags by the host's architecture, so it cannot cross-compile yet (cross/README.md, 'Package.swift')"

cd "$ROOT"
SEGD_TARGET_ARCH=aarch64 nice swift build -c release --product segd --swift-sdk "$SDK" --triple "$TRIPLE" \
  --static-swift-stdlib --scratch-path ".build-cross-sdk/$SDK" >&2
BIN=$(SEGD_TARGET_ARCH=aarch64 swift build -c release --product segd --swift-sdk "$SDK" --triple "$TRIPLE" \
  --static-swift-stdlib --scratch-path ".build-cross-sdk/$SDK" --show-bin-path)/segd
file "$BIN" >&2
echo "$BIN"
