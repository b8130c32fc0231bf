#!/usr/bin/env bash
# Proves that the sysroot from cross/sysroot.sh links segd's C dependencies and runs them, without a
# board and without a Swift SDK:
#   1. a C program using libv4l2, libturbojpeg, libpng and zlib, built with the distribution's cross gcc
#      told to use nothing but the sysroot (every header and every linked file is checked to come from it);
#   2. the same program built with the Swift toolchain's clang and lld given only --sysroot, which is
#      how swiftc links for a Swift SDK made over this sysroot;
#   3. a C++ program (libstdc++, exceptions: what the Swift runtime needs from the sysroot), clang + lld;
#   4. Swift importing the project's own CV4L2 and CTurboJPEG modules against the sysroot's headers
#      (Embedded Swift: the only Swift this toolchain can compile for ARM), linked like 2;
#   5. the project's CJPEGDecoder (libjpeg with segd's arena) against TurboJPEG, linked like 2.
# Each runs under qemu-user with the sysroot as its root (-L), so the libraries loaded are the sysroot's.
#
#   cross/check-sysroot.sh [arm64|armhf]       (default arm64; builds the sysroot first if needed)
#
# Needs gcc-aarch64-linux-gnu / gcc-arm-linux-gnueabihf, qemu-user and the Swift toolchain (swiftc, clang,
# ld.lld beside it). Ends with 'N passed, N failed'; exits non-zero on any failure.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
ARCH=${1:-arm64}
case "$ARCH" in
  arm64) TRIPLE=aarch64-linux-gnu; QEMU=qemu-aarch64; EMBEDDED=(-target aarch64-none-none-elf) ;;
  armhf) TRIPLE=arm-linux-gnueabihf; QEMU=qemu-arm
         EMBEDDED=(-target armv7-none-none-eabi -Xcc -mfloat-abi=hard -Xcc -mfpu=neon-vfpv4) ;;
  *) echo "usage: check-sysroot.sh [arm64|armhf]" >&2; exit 2 ;;
esac
SWIFTC=${SWIFTC:-$(command -v swiftc)}
TOOLBIN=$(dirname "$(readlink -f "$SWIFTC")")
for tool in "$TRIPLE-gcc" "$QEMU"; do
  command -v "$tool" >/dev/null || { echo "$tool not found (apt-get install gcc-$TRIPLE qemu-user)" >&2; exit 1; }
done
SYSROOT=$("$ROOT/cross/sysroot.sh" "$ARCH")
WORK=$ROOT/.cross/check-$ARCH
rm -rf "$WORK"
mkdir -p "$WORK"

passed=0; failed=0
pass() { echo "ok: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }

cat > "$WORK/probe.c" <<'EOF'
/* Calls into each C library segd links and checks the answer, so that a wrong or half-working
 * library fails here rather than on the board. Prints VIDIOC_QBUF, which the Swift probe compares. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <libv4l2.h>
#include <linux/videodev2.h>
#include <png.h>
#include <turbojpeg.h>
#include <zlib.h>

int main(void) {
    int bad = 0;
    int fd = v4l2_open("/nonexistent/video99", O_RDWR);
    if (fd != -1 || errno != ENOENT) { printf("v4l2_open of a missing node gave %d, %s\n", fd, strerror(errno)); bad = 1; }

    /* A 16x16 grey JPEG through libjpeg-turbo and back. */
    unsigned char pixels[16 * 16], *jpeg = NULL;
    unsigned long size = 0;
    for (int i = 0; i < 16 * 16; i++) pixels[i] = (unsigned char)i;
    tjhandle enc = tjInitCompress(), dec = tjInitDecompress();
    int w = 0, h = 0, sub = 0, cs = 0;
    if (tjCompress2(enc, pixels, 16, 0, 16, TJPF_GRAY, &jpeg, &size, TJSAMP_GRAY, 90, 0) != 0 ||
        tjDecompressHeader3(dec, jpeg, size, &w, &h, &sub, &cs) != 0 || w != 16 || h != 16) {
        printf("turbojpeg round trip failed: %s\n", tjGetErrorStr2(enc)); bad = 1;
    }
    if (tjDecompressHeader3(dec, (const unsigned char *)"not a jpeg", 10, &w, &h, &sub, &cs) == 0) {
        printf("turbojpeg accepted garbage\n"); bad = 1;
    }
    tjFree(jpeg); tjDestroy(enc); tjDestroy(dec);

    if (strcmp(png_get_libpng_ver(NULL), PNG_LIBPNG_VER_STRING) != 0) { printf("libpng header/library mismatch\n"); bad = 1; }
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    if (png == NULL) { printf("png_create_write_struct failed\n"); bad = 1; }
    png_destroy_write_struct(&png, NULL);
    if (strcmp(zlibVersion(), ZLIB_VERSION) != 0) { printf("zlib header/library mismatch\n"); bad = 1; }

    printf("VIDIOC_QBUF=%#lx libpng=%s zlib=%s\n", (unsigned long)VIDIOC_QBUF, png_get_libpng_ver(NULL), zlibVersion());
    return bad;
}
EOF
LIBS=(-lv4l2 -lturbojpeg -lpng16 -lz)

# run NAME BINARY: runs it under qemu with the sysroot as /, prints its output, passes on exit 0.
run() {
  local out
  if out=$(env -u QEMU_LD_PREFIX "$QEMU" -L "$SYSROOT" "$2" 2>&1); then pass "$1 runs: $out"; else fail "$1 under $QEMU: $out"; fi
  LAST_OUTPUT=$out
}

# 1. Debian's cross gcc has its own target libc (/usr/TRIPLE) built in, ahead of --sysroot: -nostdinc,
#    -B and -L point it at the sysroot's instead, and -H / --trace show what it really used.
GCC_FLAGS=(--sysroot="$SYSROOT" -nostdinc
           -isystem "$SYSROOT/usr/lib/gcc/$TRIPLE/12/include" -isystem "$SYSROOT/usr/include/$TRIPLE" -isystem "$SYSROOT/usr/include"
           -B "$SYSROOT/usr/lib/gcc/$TRIPLE/12" -B "$SYSROOT/usr/lib/$TRIPLE"
           -L "$SYSROOT/usr/lib/gcc/$TRIPLE/12" -L "$SYSROOT/usr/lib/$TRIPLE" -L "$SYSROOT/lib/$TRIPLE")
nice "$TRIPLE-gcc" "${GCC_FLAGS[@]}" -O2 -H -c "$WORK/probe.c" -o "$WORK/probe-gcc.o" 2> "$WORK/gcc-headers.txt"
nice "$TRIPLE-gcc" "${GCC_FLAGS[@]}" "$WORK/probe-gcc.o" -o "$WORK/probe-gcc" "${LIBS[@]}" -Wl,--trace > "$WORK/gcc-link.txt"
outside=$( { sed -n 's/^\.\+ //p' "$WORK/gcc-headers.txt"; grep -v ':' "$WORK/gcc-link.txt" | grep -vxF "$WORK/probe-gcc.o"; } |
           xargs -r realpath -ms | grep -v "^$SYSROOT/" || true)
if [ -z "$outside" ]; then pass "gcc: every header and linked file came from the sysroot"; else fail "gcc used files outside the sysroot: $outside"; fi
run "gcc-built probe" "$WORK/probe-gcc"
C_QBUF=$(sed -n 's/.*VIDIOC_QBUF=\(0x[0-9a-f]*\).*/\1/p' <<<"$LAST_OUTPUT")

# 2. clang + lld with nothing but --sysroot: what a Swift SDK's toolset does.
CLANG=("$TOOLBIN/clang" --target="$TRIPLE" --sysroot="$SYSROOT" -fuse-ld=lld)
nice "${CLANG[@]}" -O2 "$WORK/probe.c" -o "$WORK/probe-clang" "${LIBS[@]}"
run "clang/lld-built probe" "$WORK/probe-clang"

# 3. C++ with exceptions: libstdc++ and libgcc_s found through the sysroot's GCC installation.
cat > "$WORK/probe.cc" <<'EOF'
#include <stdexcept>
#include <string>
#include <vector>
#include <cstdio>
int main() {
    std::vector<std::string> v{"seg", "d"};
    try { throw std::runtime_error(v[0] + v[1]); }
    catch (const std::exception &e) { std::printf("caught %s\n", e.what()); return std::string(e.what()) == "segd" ? 0 : 1; }
}
EOF
nice "$TOOLBIN/clang++" --target="$TRIPLE" --sysroot="$SYSROOT" -fuse-ld=lld -O2 "$WORK/probe.cc" -o "$WORK/probe-cxx"
run "C++ probe" "$WORK/probe-cxx"

# 4. The project's module maps for libv4l2 and libturbojpeg, imported by Swift from the sysroot's headers.
#    The Embedded targets are bare-metal triples, so the Linux macros that glibc's headers expect are
#    defined by hand; the object is then linked as a Linux program like the C probe.
cat > "$WORK/probe.swift" <<'EOF'
import CTurboJPEG
import CV4L2

@main struct Probe {
    static func main() {
        let fd = segd_v4l2_open("/nonexistent/video99", O_RDWR)
        let handle = tjInitDecompress()
        print("segd_v4l2_open=\(fd) turbojpeg=\(handle != nil ? "ok" : "failed") VIDIOC_QBUF=0x\(String(SEGD_VIDIOC_QBUF, radix: 16))")
        tjDestroy(handle)
    }
}
EOF
nice "$SWIFTC" "${EMBEDDED[@]}" -enable-experimental-feature Embedded -wmo -parse-as-library -O \
  -Xcc --sysroot="$SYSROOT" -Xcc -isystem -Xcc "$SYSROOT/usr/include/$TRIPLE" -Xcc -isystem -Xcc "$SYSROOT/usr/include" \
  -Xcc -D__linux__ -Xcc -D__gnu_linux__ -Xcc -D__unix__ \
  -I "$ROOT/Sources/CV4L2" -I "$ROOT/Sources/CTurboJPEG" \
  -c "$WORK/probe.swift" -o "$WORK/probe-swift.o"
nice "${CLANG[@]}" "$WORK/probe-swift.o" -o "$WORK/probe-swift" -lv4l2 -lturbojpeg
run "Swift probe (CV4L2, CTurboJPEG)" "$WORK/probe-swift"
if grep -q 'segd_v4l2_open=-1 turbojpeg=ok' <<<"$LAST_OUTPUT"; then pass "Swift probe: libv4l2 and libturbojpeg answer through the project's modules"
else fail "Swift probe's answers: $LAST_OUTPUT"; fi
S_QBUF=$(sed -n 's/.*VIDIOC_QBUF=\(0x[0-9a-f]*\).*/\1/p' <<<"$LAST_OUTPUT")
if [ -n "$C_QBUF" ] && [ "$C_QBUF" = "$S_QBUF" ]; then pass "Swift and C agree on VIDIOC_QBUF ($C_QBUF)"
else fail "VIDIOC_QBUF differs: C '$C_QBUF', Swift '$S_QBUF'"; fi

# 5. The project's CJPEGDecoder (libjpeg with segd's arena memory manager) on the target: its output
#    equals TurboJPEG's at a DCT scale, the arena grows once over many frames, a cut frame is refused.
cat > "$WORK/jpeg_probe.c" <<'EOF'
#include <stdio.h>
#include <string.h>
#include <turbojpeg.h>
#include "jpeg_decoder.h"

int main(void) {
    enum { W = 96, H = 64, OW = W / 2, OH = H / 2 };
    static unsigned char rgb[W * H * 3], ours[OW * OH * 3], theirs[OW * OH * 3];
    for (int i = 0; i < W * H * 3; i++) rgb[i] = (unsigned char)(i * 7 + i / 97);
    unsigned char *jpeg = NULL;
    unsigned long size = 0;
    tjhandle enc = tjInitCompress(), dec = tjInitDecompress();
    if (tjCompress2(enc, rgb, W, 0, H, TJPF_RGB, &jpeg, &size, TJSAMP_422, 85, 0) != 0 ||
        tjDecompress2(dec, jpeg, size, theirs, OW, 0, OH, TJPF_RGB, 0) != 0) { printf("turbojpeg failed\n"); return 1; }
    segd_jpeg_decoder *decoder = segd_jpeg_decoder_create();
    int fw = 0, fh = 0, decoded = 0;
    for (int round = 0; round < 20; round++)
        decoded += segd_jpeg_decode_rgb(decoder, jpeg, size, 2, W, H, ours, OW * 3, OW, OH, &fw, &fh) == SEGD_JPEG_DECODED;
    int equal = memcmp(ours, theirs, sizeof ours) == 0;
    int cut = segd_jpeg_decode_rgb(decoder, jpeg, size / 2, 2, W, H, ours, OW * 3, OW, OH, &fw, &fh);
    size_t growths = segd_jpeg_decoder_arena_growths(decoder);
    printf("decoded=%d equal=%d arena_growths=%zu cut_frame_status=%d\n", decoded, equal, growths, cut);
    segd_jpeg_decoder_destroy(decoder);
    tjFree(jpeg); tjDestroy(enc); tjDestroy(dec);
    return !(decoded == 20 && equal && growths == 1 && cut == SEGD_JPEG_UNDECODABLE);
}
EOF
nice "${CLANG[@]}" -O2 -I "$ROOT/Sources/CJPEGDecoder/include" "$WORK/jpeg_probe.c" "$ROOT/Sources/CJPEGDecoder/jpeg_decoder.c" \
  -o "$WORK/jpeg-probe" -ljpeg -lturbojpeg
run "CJPEGDecoder probe (libjpeg with segd's arena)" "$WORK/jpeg-probe"

echo "check-sysroot $ARCH: $passed passed, $failed failed"
[ "$failed" = 0 ]
