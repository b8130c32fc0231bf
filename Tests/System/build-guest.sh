#!/usr/bin/env bash
# Builds the guest the system tests boot under qemu: Debian's own current kernel (the one
# linux-image-amd64 depends on) and a small initramfs with busybox, the kernel modules for V4L2
# (vivid, and v4l2loopback built from Debian's v4l2loopback-dkms source against the matching
# linux-headers) and for 9p over virtio, so the guest mounts the host's root read-only and runs the
# host's binaries in a chroot of it (see the guest's /init below).
#
#   Tests/System/build-guest.sh     (run.sh calls it; needs scripts/install-deps.sh's packages)
#
# Writes .system/guest/{vmlinuz,initramfs.gz}. The downloaded packages, the unpacked kernel and the
# built module are kept in .system/KVER/, so only the initramfs is rebuilt (a second) on later runs.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
KVER=$(apt-cache depends linux-image-amd64 | sed -n 's/^ *Depends: linux-image-\(.*-amd64\)$/\1/p')
[ -n "$KVER" ] || { echo "build-guest: no linux-image-amd64 in apt's lists (apt-get update)" >&2; exit 1; }
HEADERS=/usr/src/linux-headers-$KVER
[ -d "$HEADERS" ] || { echo "build-guest: $HEADERS missing: run scripts/install-deps.sh" >&2; exit 1; }
CACHE=$ROOT/.system/$KVER
MODULES=$CACHE/kernel/lib/modules/$KVER
GUEST=$ROOT/.system/guest

if [ ! -f "$MODULES/modules.dep" ]; then
  echo "build-guest: unpacking linux-image-$KVER and building v4l2loopback" >&2
  rm -rf "$CACHE" && mkdir -p "$CACHE/debs"
  # apt-get download writes into the current directory; it only fetches, dkms never runs.
  (cd "$CACHE/debs" && apt-get download -qq "linux-image-$KVER" v4l2loopback-dkms 2>/dev/null)
  dpkg-deb -x "$CACHE"/debs/linux-image-*.deb "$CACHE/kernel"
  dpkg-deb -x "$CACHE"/debs/v4l2loopback-dkms_*.deb "$CACHE/v4l2loopback"
  src=$(echo "$CACHE"/v4l2loopback/usr/src/v4l2loopback-*)
  nice -n 10 make -s -C "$HEADERS" M="$src" modules >/dev/null
  mkdir -p "$MODULES/extra"
  cp "$src/v4l2loopback.ko" "$MODULES/extra/"
  # The package's postinst would run depmod; busybox's does the same without kmod on the host.
  busybox depmod -b "$CACHE/kernel" "$KVER"
fi

# The initramfs: busybox, the modules below with everything they depend on, and /init.
INITRD=$(mktemp -d)
trap 'rm -rf "$INITRD"' EXIT
mkdir -p "$INITRD"/{bin,dev,proc,sys,host,results,lib/modules/"$KVER"}
cp /bin/busybox "$INITRD/bin/"
awk -v want="vivid v4l2loopback 9p 9pnet_virtio virtio_pci" '
  BEGIN { n = split(want, w, " "); for (i = 1; i <= n; i++) wanted[w[i]] = 1 }
  { mod = $1; sub(/:$/, "", mod); name = mod; sub(/.*\//, "", name); sub(/\.ko$/, "", name) }
  name in wanted { print mod; for (i = 2; i <= NF; i++) print $i }' "$MODULES/modules.dep" |
  sort -u | (cd "$MODULES" && xargs cp --parents -t "$INITRD/lib/modules/$KVER")
busybox depmod -b "$INITRD" "$KVER"

cat > "$INITRD/init" <<'EOF'
#!/bin/busybox sh
# Mounts the host's root (9p tag hostroot, read-only) at /host with the guest's /proc, /sys, /dev
# and a /tmp over it (the repository, tag repo, mounted again at its path), so `chroot /host PROGRAM` runs a host binary against the guest kernel, and
# the results share (tag results, writable) at /results; then runs the test script named by
# segd.test= on the kernel command line (a path on the host) with busybox sh, writes its exit
# status to /results/status and powers off. modprobe/rmmod stay busybox's with this initramfs's
# modules, outside the chroot.
/bin/busybox --install -s /bin
export PATH=/bin:/usr/bin:/sbin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
modprobe virtio_pci && modprobe 9pnet_virtio && modprobe 9p
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,cache=loose,ro hostroot /host
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 results /results
mount -t proc proc /host/proc
mount -t sysfs sys /host/sys
mount -t devtmpfs dev /host/dev
mount -t tmpfs tmp /host/tmp
# The repository gets its own share (tag repo, read-only) mounted at its host path: that tmpfs would
# hide a checkout under /tmp, where CI may clone it.
repo=$(sed -n 's/.* segd\.repo=\([^ ]*\).*/\1/p' /proc/cmdline)
mkdir -p "/host$repo" 2>/dev/null
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,cache=loose,ro repo "/host$repo"
test=$(sed -n 's/.* segd\.test=\([^ ]*\).*/\1/p' /proc/cmdline)
echo "guest: up after $(cut -d' ' -f1 /proc/uptime) s, running $test"
sh "/host$test"
echo $? > /results/status
dmesg > /results/dmesg.txt
umount /results
poweroff -f
EOF
chmod +x "$INITRD/init"

mkdir -p "$GUEST"
cp "$CACHE/kernel/boot/vmlinuz-$KVER" "$GUEST/vmlinuz"
(cd "$INITRD" && find . | cpio -o -H newc --quiet | gzip -1) > "$GUEST/initramfs.gz"
