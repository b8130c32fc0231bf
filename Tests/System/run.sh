#!/usr/bin/env bash
# System tests on real kernel drivers: boots Debian's own kernel under qemu-system-x86_64 (TCG, no
# KVM needed) with the guest of Tests/System/build-guest.sh, which mounts this machine's root
# read-only over 9p and runs Tests/System/SUITE/guest.sh; the guest leaves its results in
# .system/results/SUITE/ and Tests/System/SUITE/check.py checks them here. Suites:
#
#   capture   segctl captures from vivid (YUYV, NV12, two sizes, fps honoured), from v4l2loopback fed
#             real MJPEG frames with corrupt ones among them (Tests/System/tools/jpeg_feeder.c),
#             through an unplug and re-plug; v4l2-compliance's summaries are recorded
#   systemd   segd as a service under real systemd: boots instead the Debian 12 image of
#             Tests/System/build-systemd-image.sh (its own disk, the repository over 9p) and checks
#             the units of systemd/ on vivid: readiness, masks, subscribers, reload, watchdog
#             restarts after a hang and a camera stall, socket activation, a clean stop
#
#   Tests/System/run.sh capture|systemd   (needs scripts/install-deps.sh's packages)
#
# The guest's serial console goes to .system/results/SUITE/console.log; its tail is printed when the
# suite fails. SYSTEM_TEST_TIMEOUT (seconds; default 600 for capture, 900 for systemd, whose steps
# may each wait out their own limits) bounds the guest's run.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
SUITE=${1:-}
[ -n "$SUITE" ] && [ -f "Tests/System/$SUITE/guest.sh" ] || { echo "usage: Tests/System/run.sh capture|systemd" >&2; exit 2; }
RESULTS=$ROOT/.system/results/$SUITE
start=$(date +%s)

Tests/System/build-guest.sh
# What the suite's guest runs, built here: the guest only reads this machine's files.
case $SUITE in
  capture)
    nice -n 10 swift build -c release --product segctl
    gcc -O2 -Wall -Wextra -Werror -o .system/jpeg_feeder Tests/System/tools/jpeg_feeder.c
    [ -s .bench/replay/vtest.mjpeg ] || scripts/make-replay-clip.sh
    ;;
  systemd)
    # The daemon as a board gets it: the Swift runtime linked in (a scratch folder of its own, since
    # the static flag rebuilds every module).
    nice -n 10 swift build -c release --product segd --static-swift-stdlib --scratch-path .build-static
    nice -n 10 swift build -c release --product segctl
    Tests/System/build-systemd-image.sh
    [ -d .bench/images/calibration ] || scripts/fetch-images.sh .bench/images
    # The fixture DeepLab-lite at 161x161: see Tests/System/systemd/guest.sh for why not the 321 one.
    nice -n 10 .build/release/segctl compile Tests/Fixtures/models/deeplab_lite_161.onnx \
      --calibration .bench/images/calibration -o .system/systemd/model.segm >/dev/null
    ;;
esac

rm -rf "$RESULTS" && mkdir -p "$RESULTS"
echo "system $SUITE: booting the guest" >&2
booting=$(date +%s)
# The guest: build-guest.sh's initramfs with this machine's root over 9p, or for the systemd suite
# the Debian image on its own disk (snapshot=on: the cached image is never written) with the Swift
# runtime's folder shared at its path, which segctl loads its libraries from.
case $SUITE in
  systemd)
    swift_lib=$(ldd .build/release/segctl | sed -n 's|.*=> \(.*\)/libswiftCore\.so .*|\1|p')
    guest=(-initrd .system/systemd/initramfs.gz
      -drive file=.system/systemd/root.img,if=virtio,format=raw,snapshot=on
      -virtfs "local,path=$swift_lib,mount_tag=swiftlib,security_model=none,readonly=on")
    append="segd.share=swiftlib:$swift_lib"
    default_timeout=900
    ;;
  *)
    guest=(-initrd .system/guest/initramfs.gz
      -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap)
    append=""
    default_timeout=600
    ;;
esac
# -cpu max: segctl and segd are built for x86-64-v3 (AVX2, FMA, BMI2), which TCG emulates since
# qemu 7.2. multidevs=remap: the host's root spans several filesystems (/proc, /sys, mounts).
# What a failed run shows: the guest's steps so far, the daemon's journal and the console's end.
report_guest() {
  local name
  for name in events.txt journal-live.txt console.log; do
    [ -s "$RESULTS/$name" ] || continue
    echo "--- $name (last 40 lines)"
    tail -n 40 "$RESULTS/$name"
  done
}
qemu_status=0
timeout "${SYSTEM_TEST_TIMEOUT:-$default_timeout}" qemu-system-x86_64 -accel tcg -cpu max -smp 2 -m 2048 -no-reboot \
  -kernel .system/guest/vmlinuz "${guest[@]}" \
  -append "console=ttyS0 panic=-1 quiet segd.repo=$ROOT segd.test=$ROOT/Tests/System/$SUITE/guest.sh $append" \
  -display none -monitor none -nic none -serial "file:$RESULTS/console.log" \
  -virtfs "local,path=$ROOT,mount_tag=repo,security_model=none,readonly=on,multidevs=remap" \
  -virtfs "local,path=$RESULTS,mount_tag=results,security_model=none" || qemu_status=$?
guest_seconds=$(($(date +%s) - booting))

if [ ! -f "$RESULTS/status" ]; then
  echo "system $SUITE: FAILED: the guest did not finish (qemu exit status $qemu_status)" >&2
  report_guest >&2
  exit 1
fi
if ! python3 "Tests/System/$SUITE/check.py" "$RESULTS"; then
  echo "system $SUITE: FAILED" >&2
  report_guest >&2
  exit 1
fi
echo "system $SUITE: passed in $(($(date +%s) - start)) s, $guest_seconds s of them in the guest"
