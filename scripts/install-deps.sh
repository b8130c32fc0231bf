#!/usr/bin/env bash
# Installs what a fresh Debian/Ubuntu machine lacks to build and test segd, from Debian's packages:
# libjpeg-turbo (libjpeg for camera frames, TurboJPEG for still images) and libpng, libv4l2 (cameras), cross compilers and
# qemu-user for the ARM tests, python3-venv for the onnxruntime parity tests and the benchmark's
# peers, g++ and python3-dev for building pydensecrf2 (the CRF parity peer); for the system tests (Tests/System/run.sh) qemu-system-x86, busybox, cpio, v4l-utils and
# the headers of Debian's current kernel (the guest's, to build v4l2loopback for it), debootstrap
# and e2fsprogs (the systemd guest's image) and systemd (systemd-analyze for the unit checks).
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
[ -f /usr/include/jpeglib.h ] || packages+=(libjpeg62-turbo-dev)
[ -f /usr/include/png.h ] || packages+=(libpng-dev)
[ -f /usr/include/libv4l2.h ] || packages+=(libv4l-dev)
python3 -c 'import venv, ensurepip' 2>/dev/null || packages+=(python3-venv)
# pip builds pydensecrf2 (the CRF parity peer) from source: a C++ compiler and Python's headers.
command -v g++ >/dev/null || packages+=(g++)
python3 -c 'import sysconfig, os, sys; sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' ||
  packages+=(python3-dev)

# The system tests' packages, without their recommends (qemu's would bring a GUI). The guest kernel
# is the one linux-image-amd64 depends on, as Tests/System/build-guest.sh finds it in apt's lists
# (none on Ubuntu, where the system tests do not run).
updated=""
guest_kernel() { apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: linux-image-\(.*-amd64\)$/\1/p'; }
kernel=$(guest_kernel)
[ -n "$kernel" ] || { $SUDO apt-get update -qq; updated=1; kernel=$(guest_kernel); }
system=()
command -v qemu-system-x86_64 >/dev/null || system+=(qemu-system-x86)
dpkg -s busybox-static >/dev/null 2>&1 || system+=(busybox-static) # the guest has no libc
command -v cpio >/dev/null || system+=(cpio)
command -v make >/dev/null || system+=(make)
command -v v4l2-compliance >/dev/null || system+=(v4l-utils)
command -v debootstrap >/dev/null || system+=(debootstrap)
command -v mkfs.ext4 >/dev/null || system+=(e2fsprogs)
command -v systemd-analyze >/dev/null || system+=(systemd)
[ -z "$kernel" ] || [ -d "/usr/src/linux-headers-$kernel" ] || system+=("linux-headers-$kernel")

if [ ${#packages[@]} -gt 0 ] || [ ${#system[@]} -gt 0 ]; then
  echo "installing: ${packages[*]} ${system[*]}" >&2
  [ -n "$updated" ] || $SUDO apt-get update -qq
  [ ${#packages[@]} -eq 0 ] || DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${packages[@]}" >/dev/null
  [ ${#system[@]} -eq 0 ] || DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${system[@]}" >/dev/null
fi
