# The capture system test inside the guest (busybox sh, run by the guest's /init, see
# Tests/System/build-guest.sh): segctl captures from real V4L2 drivers and every step leaves its
# results in /results for Tests/System/capture/check.py on the host:
#   NAME.json  segctl's stdout (its final JSON object), NAME.log its stderr, NAME.status its exit status
#   compliance-vivid.txt, compliance-loopback.txt   v4l2-compliance's output
#   feeder-*.json                                    what jpeg_feeder wrote
# run.sh has built segctl and .system/jpeg_feeder, and made the MJPEG clip .bench/replay/vtest.mjpeg
# (768x576, scripts/make-replay-clip.sh).
# Host programs run with `chroot /host`; the kernel modules are this initramfs's (busybox modprobe).
# Steps go on after a failure so that one run shows every result.

REPO=${0%/Tests/System/capture/guest.sh}
REPO=${REPO#/host}
SEGCTL=$REPO/.build/release/segctl
FEEDER=$REPO/.system/jpeg_feeder
CLIP=$REPO/.bench/replay/vtest.mjpeg
VIVID="n_devs=1 node_types=0x1 num_inputs=1 input_types=0 multiplanar=1 vid_cap_nr=0"
LOOPBACK="devices=1 video_nr=10 exclusive_caps=1 max_buffers=8 card_label=loopback"
START=$(cut -d. -f1 /proc/uptime)

say() { echo "guest: [$(($(cut -d. -f1 /proc/uptime) - START)) s] $*"; }

# step NAME SECONDS ARGS...: segctl ARGS with a time limit, results in /results/NAME.*
step() {
  name=$1 limit=$2
  shift 2
  say "$name: segctl $*"
  timeout "$limit" chroot /host "$SEGCTL" "$@" > "/results/$name.json" 2> "/results/$name.log"
  echo $? > "/results/$name.status"
}

# capture NAME DEVICE FORMAT WxH FPS ARGS...: segctl capture with the JSON report
capture() {
  name=$1 device=$2 format=$3 size=$4 fps=$5
  shift 5
  step "$name" 90 capture --source v4l2 --device "$device" --format "$format" \
    --width "${size%x*}" --height "${size#*x}" --fps "$fps" --json "$@"
}

# feeder NAME ARGS...: jpeg_feeder on the loopback device in the background, its report in
# /results/feeder-NAME.json; sets FEEDER_PID. Returns once it writes: with exclusive_caps the node
# only becomes a capture device when a writer has set the format and written a frame.
feeder() {
  name=$1
  shift
  chroot /host "$FEEDER" -d /dev/video10 -s 768x576 -r 10 -t 120 "$@" "$CLIP" > "/results/feeder-$name.json" &
  FEEDER_PID=$!
  tries=0
  until chroot /host v4l2-ctl -d /dev/video10 -D | grep -q 'Video Capture' || [ $tries = 50 ]; do
    tries=$((tries + 1))
    sleep 0.2
  done
}

say "vivid"
modprobe vivid $VIVID
chroot /host v4l2-compliance -d /dev/video0 > /results/compliance-vivid.txt 2>&1
step devices 60 devices --json
for size_fps in 640x480:15 1280x720:10; do
  for format in yuyv nv12; do
    capture "vivid-$format-${size_fps%:*}" /dev/video0 $format "${size_fps%:*}" "${size_fps#*:}" --duration 6
  done
done
capture unsupported /dev/video0 mjpeg 640x480 15 --frames 5

# Unplug while streaming: vivid's disconnect control makes every further call on the open node fail
# with ENODEV as a pulled USB camera does; once segctl has closed it the module unloads (/dev/video0
# goes away) and loading it again brings the node back. 150 frames at 15 fps cannot all come before
# the unplug at 4 s.
capture replug /dev/video0 yuyv 640x480 15 --frames 150 --stall-timeout-ms 2000 &
capture_pid=$!
sleep 4
say "replug: disconnect"
chroot /host v4l2-ctl -d /dev/video0 -c disconnect=1
tries=0
until rmmod vivid 2>/dev/null || [ $tries = 100 ]; do tries=$((tries + 1)); sleep 0.1; done
[ $tries = 100 ] && say "replug: vivid stayed in use, not unloaded" || say "replug: vivid unloaded, loading it in 2 s"
sleep 2
modprobe vivid $VIVID
wait $capture_pid

say "v4l2loopback"
modprobe v4l2loopback $LOOPBACK
# Every frame padded with zeros, as real cameras fill their buffers: all must be kept.
feeder padded -P 1
chroot /host v4l2-compliance -d /dev/video10 > /results/compliance-loopback.txt 2>&1
capture mjpeg-padded /dev/video10 mjpeg 768x576 10 --frames 30
kill $FEEDER_PID && wait $FEEDER_PID
# Frames 10, 20, 30... garbage, 5, 15, 25... truncated (a fifth corrupt), every third of the rest padded.
rmmod v4l2loopback && modprobe v4l2loopback $LOOPBACK
feeder corrupt -T 5 -G 10 -P 3
capture mjpeg-corrupt /dev/video10 mjpeg 768x576 10 --frames 40
kill $FEEDER_PID && wait $FEEDER_PID
say "done"
