#!/usr/bin/env bash
# Installs what a fresh Debian/Ubuntu machine lacks to build and test segd, from Debian's packages:
# libjpeg-turbo's TurboJPEG and libpng (still images), cross compilers and qemu-user for the ARM
# tests, python3-venv for the onnxruntime parity tests and the benchmark's peers.
# Swift 6.3 itself is not packaged by Debian: it must already be on PATH (swift.org toolchain).
#
#   scripts/install-deps.sh
set -euo pipefail

SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
command -v swift >/dev/null || { echo "swift not found: install the Swift 6.3 toolchain first" >&2; exit 1; }

packages=()
command -v qemu-aarch64 >/dev/null || packages+=(qemu-user)
command -v aarch64-linux-gnu-gcc >/dev/null || packages+=(gcc-aarch64-linux-gnu)
command -v arm-linux-gnueabihf-gcc >/dev/null || packages+=(gcc-arm-linux-gnueabihf)
command -v gcc >/dev/null || packages+=(gcc)
[ -f /usr/include/turbojpeg.h ] || packages+=(libturbojpeg0-dev)
[ -f /usr/include/png.h ] || packages+=(libpng-dev)
python3 -c 'import venv, ensurepip' 2>/dev/null || packages+=(python3-venv)
if [ ${#packages[@]} -gt 0 ]; then
  echo "installing: ${packages[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${packages[@]}" >/dev/null
fi
