#!/usr/bin/env bash
# System tests on real kernel drivers: boots Debian's own kernel under qemu-system-x86_64 (TCG, no
# KVM needed) with the guest of Tests/System/build-guest.sh, which mounts this machine's root
# read-only over 9p and runs Tests/System/SUITE/guest.sh; the guest leaves its results in
# .system/results/SUITE/ and Tests/System/SUITE/check.py checks them here. Suites:
#
#   capture   segctl captures from vivid (YUYV, NV12, two sizes, fps honoured), from v4l2loopback fed
#             real MJPEG frames with corrupt ones among them (Tests/System/tools/jpeg_feeder.c),
#             through an unplug and re-plug; v4l2-compliance's summaries are recorded
#
#   Tests/System/run.sh capture         (needs scripts/install-deps.sh's packages)
#
# The guest's serial console goes to .system/results/SUITE/console.log; its tail is printed when the
# suite fails. SYSTEM_TEST_TIMEOUT (seconds, default 600) bounds the guest's run.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
SUITE=${1:-}
[ -n "$SUITE" ] && [ -f "Tests/System/$SUITE/guest.sh" ] || { echo "usage: Tests/System/run.sh capture" >&2; exit 2; }
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
esac

rm -rf "$RESULTS" && mkdir -p "$RESULTS"
echo "system $SUITE: booting the guest" >&2
booting=$(date +%s)
# -cpu max: segctl is built for x86-64-v3 (AVX2, FMA, BMI2), which TCG emulates since qemu 7.2.
# multidevs=remap: the host's root spans several filesystems (/proc, /sys, mounts).
qemu_status=0
timeout "${SYSTEM_TEST_TIMEOUT:-600}" qemu-system-x86_64 -accel tcg -cpu max -smp 2 -m 2048 -no-reboot \
  -kernel .system/guest/vmlinuz -initrd .system/guest/initramfs.gz \
  -append "console=ttyS0 panic=-1 quiet segd.repo=$ROOT segd.test=$ROOT/Tests/System/$SUITE/guest.sh" \
  -display none -monitor none -nic none -serial "file:$RESULTS/console.log" \
  -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
  -virtfs "local,path=$ROOT,mount_tag=repo,security_model=none,readonly=on,multidevs=remap" \
  -virtfs "local,path=$RESULTS,mount_tag=results,security_model=none" || qemu_status=$?
guest_seconds=$(($(date +%s) - booting))

if [ ! -f "$RESULTS/status" ]; then
  echo "system $SUITE: FAILED: the guest did not finish (qemu exit status $qemu_status); console:" >&2
  tail -n 40 "$RESULTS/console.log" >&2
  exit 1
fi
if ! python3 "Tests/System/$SUITE/check.py" "$RESULTS"; then
  echo "system $SUITE: FAILED; the guest's console ends with:" >&2
  tail -n 40 "$RESULTS/console.log" >&2
  exit 1
fi
echo "system $SUITE: passed in $(($(date +%s) - start)) s, $guest_seconds s of them in the guest"
