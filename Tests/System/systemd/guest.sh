#!/usr/bin/env bash
# The systemd system test inside the guest: real systemd 252 (Debian 12) runs segd from
# systemd/segd.service and segd.socket on a vivid camera. Run as root by the image's
# segd-system-test.service (Tests/System/build-systemd-image.sh), which mounts the repository at
# its host path and the results at /results and powers off afterwards. Every step leaves raw
# observations in /results for Tests/System/systemd/check.py on the host, which judges them:
#   NAME.out / NAME.err / NAME.status   a command's stdout, stderr and exit status
#   NAME.show                           `systemctl show` of segd at that point
#   events.txt                          what happened when (seconds since boot)
#   journal.txt, journal-errors.txt     `journalctl -u segd -u segd.socket`, and its err priority
# run.sh has built segd and segctl and compiled the test model to .system/systemd/model.segm;
# segctl loads the Swift runtime from the toolchain's folder, which run.sh shares at its host path.
# Not `set -e`: the steps go on after a failure so that one run shows every result.
set -uo pipefail
REPO=${0%/Tests/System/systemd/guest.sh}
SEGCTL=$REPO/.build/release/segctl
RING=/run/segd/masks.ring
SOCKET=/run/segd.sock
VIVID="n_devs=1 node_types=0x1 num_inputs=1 input_types=0 multiplanar=1 vid_cap_nr=0"
R=/results

now() { cut -d' ' -f1 /proc/uptime; }
event() { echo "$(now) $*" | tee -a $R/events.txt; }
prop() { systemctl show -p "$1" --value segd.service; }
show() { systemctl show -p ActiveState,SubState,Result,StatusText,MainPID,NRestarts,ExecMainStatus \
  -p ExecMainStartTimestampMonotonic,ActiveEnterTimestampMonotonic segd.service > "$R/$1.show"; }
# until_true SECONDS COMMAND...: polls COMMAND every half second; fails after SECONDS.
until_true() {
  local deadline=$(($(cut -d. -f1 /proc/uptime) + $1))
  shift
  until "$@"; do
    [ "$(cut -d. -f1 /proc/uptime)" -lt $deadline ] || return 1
    sleep 0.5
  done
}
is_active() { [ "$(prop ActiveState)" = active ]; }
# step NAME SECONDS COMMAND...: runs COMMAND with a time limit, its output and status in /results.
step() {
  local name=$1 limit=$2
  shift 2
  event "$name: $*"
  timeout "$limit" "$@" > "$R/$name.out" 2> "$R/$name.err"
  echo $? > "$R/$name.status"
}

# The installation, as docs/service.md tells a board's owner to do it. The test model is the
# fixture DeepLab-lite at 161x161: under TCG one inference takes about 1.3 s (the 321 model about
# 5 s, and twice that on a loaded host: too close to WatchdogSec=10 for the watchdog test to mean
# anything).
event "install"
# The journal as it happens: when the guest runs out of time, run.sh shows how far segd got.
journalctl -f -n all -o short-monotonic -u segd.service -u segd.socket > $R/journal-live.txt 2>&1 &
install -m 755 "$REPO/.build-static/release/segd" /usr/local/bin/segd
ldd /usr/local/bin/segd > $R/segd-ldd.txt 2>&1
install -m 644 "$REPO/systemd/segd.service" "$REPO/systemd/segd.socket" /etc/systemd/system/
install -D -m 644 "$REPO/.system/systemd/model.segm" /usr/local/share/segd/model.segm
mkdir -p /etc/segd
cat > /etc/segd/segd.toml <<'EOF'
[model]
path = "/usr/local/share/segd/model.segm"

[capture]
source = "v4l2"
device = "/dev/video0"
format = "yuyv"
width = 640
height = 480
fps = 15
stall_timeout_ms = 2000
EOF
cp /etc/segd/segd.toml $R/segd.toml
systemctl daemon-reload
systemctl enable segd.socket segd.service > $R/enable.out 2>&1

# 1. Readiness needs the camera: with no vivid loaded segd must not become active. Then the camera
# appears and the service becomes active (segd waits for it or fails and is restarted: either way).
event "no-camera: start"
systemctl start --no-block segd.service
deadline=$(($(cut -d. -f1 /proc/uptime) + 8))
while [ "$(cut -d. -f1 /proc/uptime)" -lt $deadline ]; do
  echo "$(now) $(prop ActiveState)/$(prop SubState)" >> $R/no-camera.states
  sleep 0.5
done
show no-camera
event "no-camera: modprobe vivid"
modprobe vivid $VIVID
until_true 60 is_active && event "no-camera: active" || event "no-camera: not active 60 s after the camera appeared"
show camera-appeared
# Every later step needs a running segd; without one each would only wait out its time limit.
if ! is_active; then
  ls -la /dev/video* > $R/video-nodes.txt 2>&1
  journalctl -u segd.service -u segd.socket -o short-monotonic --no-pager > $R/journal.txt
  event "abandoned: segd never became active"
  exit 1
fi
systemctl stop segd.service

# 2. `systemctl start` returns only once segd said READY=1: a poller records every state it sees
# meanwhile, and right after the start returns the ring and the socket are there.
event "start"
(while :; do echo "$(now) $(prop ActiveState)/$(prop SubState)"; sleep 0.2; done) > $R/start.states &
poller=$!
step start 120 systemctl start segd.service
kill $poller
wait $poller 2>/dev/null
show start
ls -la /run/segd $SOCKET > $R/start-files.out 2>&1
pid=$(prop MainPID)
cat /proc/$pid/status > $R/proc-status.txt
tr '\0' '\n' < /proc/$pid/environ | grep -E '^(NOTIFY_SOCKET|WATCHDOG_USEC|LISTEN_FDS|LISTEN_FDNAMES)=' > $R/environ.txt
systemd-analyze security --no-pager segd.service > $R/security.txt 2>&1

# 3. Masks flow into the ring, and a subscriber on the socket gets them.
step ring 90 "$SEGCTL" ring read --path $RING --frames 10 --verify --json
step subscribe 90 "$SEGCTL" subscribe --socket $SOCKET --frames 5 --json --timeout 30
step status 30 "$SEGCTL" subscribe --socket $SOCKET --status --timeout 30
show flowing

# 4. Reload: a valid config is taken by the same process (fps 15 -> 10, which segd's status shows),
# an invalid one is refused and the running one stays. systemd 252 finishes the reload job when
# `kill -HUP` returns, not at segd's READY=1, so the outcome is read from segd's status and journal.
sed -i 's/^fps = 15$/fps = 10/' /etc/segd/segd.toml
step reload-valid 60 systemctl reload segd.service
sleep 3
until_true 30 is_active
step reload-valid-status 30 "$SEGCTL" subscribe --socket $SOCKET --status --timeout 30
show reload-valid
cp /etc/segd/segd.toml /etc/segd/segd.toml.good
printf 'frame_rate = 15\n' >> /etc/segd/segd.toml
echo "frame_rate $(wc -l < /etc/segd/segd.toml)" > $R/broken-key.txt
step reload-broken 60 systemctl reload segd.service
sleep 3
until_true 30 is_active
step reload-broken-status 30 "$SEGCTL" subscribe --socket $SOCKET --status --timeout 30
show reload-broken
step after-reload 90 "$SEGCTL" ring read --path $RING --frames 3 --verify --json
mv /etc/segd/segd.toml.good /etc/segd/segd.toml

# 5. A hung daemon: SIGSTOP freezes every thread, so no WATCHDOG=1 comes; systemd must abort it
# after WatchdogSec and start it again (Restart=on-failure).
restarted_since() { [ "$(prop NRestarts)" -gt "$1" ]; }
pid=$(prop MainPID)
restarts=$(prop NRestarts)
# MainPID is 0 when segd is not running; `kill -STOP 0` would stop this script's process group.
if [ "${pid:-0}" -gt 0 ]; then
  event "watchdog-hang: SIGSTOP $pid"
  kill -STOP "$pid"
  until_true 120 restarted_since "$restarts" && until_true 60 is_active &&
    event "watchdog-hang: restarted as $(prop MainPID)" || event "watchdog-hang: not restarted"
else
  event "watchdog-hang: segd is not running, nothing to stop"
fi
show watchdog-hang
step after-hang 90 "$SEGCTL" ring read --path $RING --frames 3 --verify --json

# 6. A stalled camera: vivid holds back every buffer (its "Percentage of Dropped Buffers" control
# at 100) while the device stays open and the process runs. segd sees no frames, so it must stop
# the watchdog pings; systemd restarts it. Frames come back once vivid delivers again.
pid=$(prop MainPID)
restarts=$(prop NRestarts)
event "camera-stall: vivid drops every buffer under $pid"
v4l2-ctl -d /dev/video0 -c percentage_of_dropped_buffers=100
until_true 120 restarted_since "$restarts" && event "camera-stall: restarted" || event "camera-stall: not restarted"
show camera-stall
v4l2-ctl -d /dev/video0 -c percentage_of_dropped_buffers=0
event "camera-stall: vivid delivers again"
until_true 120 is_active && event "camera-stall: active as $(prop MainPID)" || event "camera-stall: not active again"
show camera-back
step after-stall 90 "$SEGCTL" ring read --path $RING --frames 3 --verify --json

# 7. Socket activation: with the service stopped the socket stays (and /run/segd, the service's
# RuntimeDirectory, is gone); a subscriber's connection starts segd, and that subscriber is served.
event "socket-activation: stop segd.service"
systemctl stop segd.service
show socket-stopped
{ ls -la /run/segd; ls -la $SOCKET; systemctl is-active segd.socket; } > $R/socket-stopped-files.out 2>&1
step socket-activation 120 "$SEGCTL" subscribe --socket $SOCKET --frames 3 --json --timeout 90
show socket-activated

# 8. Stop: a ring reader sees the ring closed, segd exits 0, and nothing is left in /run.
"$SEGCTL" ring read --path $RING --exit-on-close --json --duration 60 > $R/closed.out 2> $R/closed.err &
reader=$!
sleep 3
event "stop"
step stop 60 systemctl stop segd.service segd.socket
wait $reader
echo $? > $R/closed.status
show stopped
ls -la /run/segd $SOCKET > $R/stopped-files.out 2>&1

event "done"
journalctl -u segd.service -u segd.socket -o short-monotonic --no-pager > $R/journal.txt
journalctl -u segd.service -p err -o cat --no-pager > $R/journal-errors.txt
journalctl -b -o short-monotonic --no-pager > $R/journal-boot.txt
