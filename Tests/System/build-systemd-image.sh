#!/usr/bin/env bash
# Builds the guest of the systemd system test: a Debian 12 (bookworm) root made by debootstrap
# (minbase + systemd, udev, kmod, v4l-utils and the libraries segd links against) on an ext4 disk
# image, booted by Debian's kernel from Tests/System/build-guest.sh with a small busybox initramfs
# that mounts the disk and hands over to systemd. At boot systemd runs segd-system-test.service
# (below), which mounts the shares qemu offers over 9p, runs the test script named on the kernel
# command line and powers the guest off.
#
#   Tests/System/build-systemd-image.sh   (run.sh calls it after build-guest.sh; as root, for
#                                          debootstrap and chroot; needs debootstrap, e2fsprogs,
#                                          busybox-static, cpio)
#
# Writes .system/systemd/{root.img,initramfs.gz}; qemu opens root.img with snapshot=on, so a run
# never changes it. The debootstrap'ed tree is kept in .system/systemd/base/ and made again only
# when the package list changes (about a minute); the disk image and initramfs are rebuilt when
# this script or the kernel changes (seconds).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
KVER=$(apt-cache depends linux-image-amd64 | sed -n 's/^ *Depends: linux-image-\(.*-amd64\)$/\1/p')
MODULES=$ROOT/.system/$KVER/kernel/lib/modules/$KVER
[ -f "$MODULES/modules.dep" ] || { echo "build-systemd-image: run Tests/System/build-guest.sh first" >&2; exit 1; }
OUT=$ROOT/.system/systemd
BASE=$OUT/base
# systemd and udev as the board has them; procps for the unit's /bin/kill; kmod for modprobe vivid;
# v4l-utils for v4l2-ctl; the shared libraries segd and segctl load besides libc.
PACKAGES=systemd,systemd-sysv,udev,procps,kmod,v4l-utils,libv4l-0,libjpeg62-turbo,libturbojpeg0,libpng16-16,libstdc++6
# Modules the guest loads: the disk and its filesystem (from the initramfs), the 9p shares, vivid.
GUEST_MODULES="virtio_pci virtio_blk ext4 crc32c_generic 9p 9pnet_virtio vivid"

if [ "$(cat "$BASE.packages" 2>/dev/null)" != "$PACKAGES" ]; then
  # Debian's archive as apt is configured here (the host is Debian; its mirror, never a fixed one).
  MIRROR=$(apt-get indextargets --format '$(SITE) $(LABEL)' 'Identifier: Packages' |
    awk '$2 == "Debian" { print $1; exit }')
  [ -n "$MIRROR" ] || { echo "build-systemd-image: apt has no Debian archive configured" >&2; exit 1; }
  echo "build-systemd-image: debootstrap bookworm from $MIRROR" >&2
  rm -rf "$BASE" "$BASE.packages" && mkdir -p "$OUT"
  nice -n 10 debootstrap --variant=minbase --include="$PACKAGES" bookworm "$BASE" "$MIRROR" \
    > "$OUT/debootstrap.log" 2>&1 || { tail -n 20 "$OUT/debootstrap.log" >&2; exit 1; }
  rm -rf "$BASE"/var/cache/apt/archives/*.deb "$BASE"/var/lib/apt/lists/*
  echo "$PACKAGES" > "$BASE.packages"
fi

stamp="$(sha256sum "$0" | cut -d' ' -f1) $KVER $PACKAGES"
[ "$(cat "$OUT/image.stamp" 2>/dev/null)" = "$stamp" ] && [ -f "$OUT/root.img" ] && exit 0
echo "build-systemd-image: assembling the disk image" >&2
STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT

# modules.dep lines name a module and everything it needs; copy that closure for each wanted one.
module_closure() {
  awk -v want="$1" '
    BEGIN { n = split(want, w, " "); for (i = 1; i <= n; i++) wanted[w[i]] = 1 }
    { mod = $1; sub(/:$/, "", mod); name = mod; sub(/.*\//, "", name); sub(/\.ko$/, "", name) }
    name in wanted { print mod; for (i = 2; i <= NF; i++) print $i }' "$MODULES/modules.dep" | sort -u
}

# The root: the debootstrap'ed tree plus the modules, the test runner and a few settings.
cp -a "$BASE" "$STAGE/root"
R=$STAGE/root
mkdir -p "$R/lib/modules/$KVER"
module_closure "$GUEST_MODULES" | (cd "$MODULES" && xargs cp --parents -t "$R/lib/modules/$KVER")
cp "$MODULES"/modules.{order,builtin,builtin.modinfo} "$R/lib/modules/$KVER/"
chroot "$R" depmod "$KVER"
echo segd-test > "$R/etc/hostname"
echo "/dev/vda / ext4 rw,noatime 0 0" > "$R/etc/fstab"
# Masked: the gettys (no console login: the test drives itself and the serial console only
# records) and the timers and daily jobs, which only cost CPU under TCG on a throwaway guest.
for unit in serial-getty@.service getty@.service getty-static.service apt-daily.timer \
    apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer; do
  ln -sf /dev/null "$R/etc/systemd/system/$unit"
done

cat > "$R/usr/local/sbin/segd-system-test" <<'EOF'
#!/bin/bash
# Run by segd-system-test.service once the guest has booted: mounts the shares qemu offers over
# 9p (the repository read-only at its host path, tag repo; the results, tag results, at /results;
# more read-only trees named as segd.share=TAG:PATH on the kernel command line), runs the bash
# script named by segd.test= (a path in the repository), writes its exit status to
# /results/status and returns; the unit then powers the guest off.
set -u
arg() { tr ' ' '\n' < /proc/cmdline | sed -n "s/^$1=//p"; }
modprobe 9pnet_virtio && modprobe 9p
opts=trans=virtio,version=9p2000.L,msize=512000
mkdir -p /results "$(arg segd.repo)"
mount -t 9p -o $opts results /results
mount -t 9p -o $opts,cache=loose,ro repo "$(arg segd.repo)"
for share in $(arg segd.share); do
  mkdir -p "${share#*:}" && mount -t 9p -o $opts,cache=loose,ro "${share%%:*}" "${share#*:}"
done
echo "segd-system-test: up after $(cut -d' ' -f1 /proc/uptime) s, running $(arg segd.test)"
cut -d' ' -f1 /proc/uptime > /results/boot-seconds
bash "$(arg segd.test)" > /results/guest.log 2>&1
echo $? > /results/status
sync
EOF
chmod 755 "$R/usr/local/sbin/segd-system-test"
cat > "$R/etc/systemd/system/segd-system-test.service" <<'EOF'
[Unit]
Description=segd system test (Tests/System/build-systemd-image.sh)
After=multi-user.target
SuccessAction=poweroff-force
FailureAction=poweroff-force

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/segd-system-test
StandardOutput=journal+console
TimeoutStartSec=infinity

[Install]
WantedBy=multi-user.target
EOF
ln -sf /etc/systemd/system/segd-system-test.service "$R/etc/systemd/system/multi-user.target.wants/"
ln -sf /lib/systemd/system/multi-user.target "$R/etc/systemd/system/default.target"

# 1 GiB, of which the root takes about a third: room for the test's files.
rm -f "$OUT/root.img.new"
truncate -s 1G "$OUT/root.img.new"
mkfs.ext4 -q -L segd-root -d "$R" "$OUT/root.img.new"
mv "$OUT/root.img.new" "$OUT/root.img"

# The initramfs: busybox and the disk's modules; /init mounts the disk and starts systemd on it.
I=$STAGE/initrd
mkdir -p "$I"/{bin,dev,proc,sys,root,lib/modules/"$KVER"}
cp /bin/busybox "$I/bin/"
module_closure "virtio_pci virtio_blk ext4 crc32c_generic" |
  (cd "$MODULES" && xargs cp --parents -t "$I/lib/modules/$KVER")
busybox depmod -b "$I" "$KVER"
cat > "$I/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t devtmpfs dev /dev
# ext4 asks the crypto layer for crc32c, which busybox's modprobe would not find by its alias.
for module in virtio_pci virtio_blk crc32c_generic ext4; do modprobe $module; done
tries=0
until [ -b /dev/vda ] || [ $tries = 50 ]; do tries=$((tries + 1)); sleep 0.1; done
mount -t ext4 -o rw,noatime /dev/vda /root || { echo "initramfs: cannot mount /dev/vda"; poweroff -f; }
umount /proc /dev
exec switch_root /root /sbin/init
EOF
chmod +x "$I/init"
(cd "$I" && find . | cpio -o -H newc --quiet | gzip -1) > "$OUT/initramfs.gz"
echo "$stamp" > "$OUT/image.stamp"
