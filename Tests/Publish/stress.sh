#!/usr/bin/env bash
# Stress test of the shared-memory mask ring (docs/shm-ring.md), across processes:
#   1. `segctl ring write` publishes >= 100k 640x480 masks as fast as it can while two
#      `segctl ring read --verify` and the C example reader (clients/c, --verify) read them: no reader
#      may accept a mask whose checksum fails, and each must accept many frames;
#   2. the writer is SIGKILLed at a random moment and restarted: every reader must see the restart
#      (new generation) and go on accepting verified frames from the new writer;
#   3. latency: a writer at 1000 fps and one reader: ring-to-reader latency p50/p99.
# Prints the figures. Environment: SEGCTL (default .build/release/segctl, built when missing),
# RING_STRESS_FRAMES (default 100000).
set -euo pipefail
cd "$(dirname "$0")/../.."

segctl=${SEGCTL:-.build/release/segctl}
frames=${RING_STRESS_FRAMES:-100000}
[ -x "$segctl" ] || swift build -c release --product segctl
work=$(mktemp -d /tmp/segd-ring-stress.XXXXXX)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
gcc -std=c11 -O2 -Wall -Wextra -Werror -o "$work/c-reader" clients/c/example.c

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
field() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$1" "$2"; }

# Starts the three readers of ring $1 writing results to $work/$2-*.
start_readers() {
    local ring=$1 tag=$2
    "$segctl" ring read --path "$ring" --duration 100 --verify --exit-on-close --json >"$work/$tag-swift1.json" &
    pids+=($!)
    "$segctl" ring read --path "$ring" --duration 100 --verify --exit-on-close --json >"$work/$tag-swift2.json" &
    pids+=($!)
    "$work/c-reader" "$ring" --duration 100 --verify --quiet --exit-on-close >"$work/$tag-c.txt" &
    pids+=($!)
    reader_pids=("${pids[@]: -3}")
}

# Checks reader results of phase $1; $2: whether a restart must have been seen.
check_readers() {
    local tag=$1 restart=$2 minimum=$3
    for name in swift1 swift2; do
        local file="$work/$tag-$name.json"
        echo "  $name: $(cat "$file")"
        [ "$(field "$file" mismatches)" = 0 ] || fail "$tag $name accepted masks with bad checksums"
        [ "$(field "$file" frames)" -ge "$minimum" ] || fail "$tag $name accepted only $(field "$file" frames) frames"
        if [ "$restart" = yes ]; then
            [ "$(field "$file" restarts_seen)" -ge 1 ] || fail "$tag $name did not see the writer restart"
            [ "$(field "$file" frames_after_restart)" -ge "$minimum" ] || fail "$tag $name accepted only $(field "$file" frames_after_restart) frames after the restart"
        fi
    done
    echo "  c: $(cat "$work/$tag-c.txt")"
    read -r c_frames c_mismatches c_restarts < <(sed -E 's/c reader: ([0-9]+) frames, ([0-9]+) checksum mismatches, [0-9]+ torn retries, ([0-9]+) writer restarts seen/\1 \2 \3/' "$work/$tag-c.txt")
    [ "$c_mismatches" = 0 ] || fail "$tag C reader accepted masks with bad checksums"
    [ "$c_frames" -ge "$minimum" ] || fail "$tag C reader accepted only $c_frames frames"
    if [ "$restart" = yes ]; then [ "$c_restarts" -ge 1 ] || fail "$tag C reader did not see the writer restart"; fi
}

wait_readers() {
    for pid in "${reader_pids[@]}"; do wait "$pid" || fail "a reader exited with an error"; done
}

echo "== 1. $frames frames of 640x480 at full speed, 3 verifying readers"
start_readers "$work/full.ring" full
sleep 0.5
"$segctl" ring write --path "$work/full.ring" --frames "$frames" --json >"$work/full-writer.json"
echo "  writer: $(cat "$work/full-writer.json")"
wait_readers
check_readers full no 1000

echo "== 2. writer SIGKILLed at a random moment, restarted"
start_readers "$work/kill.ring" kill
sleep 0.5
"$segctl" ring write --path "$work/kill.ring" --frames 100000000 >/dev/null 2>&1 &
writer=$!
pids+=($writer)
kill_after=$(python3 -c "import random; print(round(random.uniform(0.5, 3.0), 3))")
sleep "$kill_after"
kill -KILL "$writer"
wait "$writer" 2>/dev/null || true
echo "  killed the writer after ${kill_after} s"
sleep 0.3
"$segctl" ring write --path "$work/kill.ring" --frames 20000 --fps 5000 --json >"$work/kill-writer.json"
echo "  restarted writer: $(cat "$work/kill-writer.json")"
wait_readers
check_readers kill yes 100

echo "== 3. latency: 1000 fps for 3 s, one reader"
"$segctl" ring read --path "$work/latency.ring" --duration 10 --exit-on-close --json >"$work/latency.json" &
reader_pids=($!)
pids+=($!)
sleep 0.5
"$segctl" ring write --path "$work/latency.ring" --duration 3 --fps 1000 --json >"$work/latency-writer.json"
wait_readers
echo "  writer: $(cat "$work/latency-writer.json")"
echo "  reader: $(cat "$work/latency.json")"

echo "== figures"
echo "  publish 640x480 full speed: p50 $(field "$work/full-writer.json" publish_us_p50) us, p99 $(field "$work/full-writer.json" publish_us_p99) us"
echo "  publish 640x480 at 1000 fps: p50 $(field "$work/latency-writer.json" publish_us_p50) us, p99 $(field "$work/latency-writer.json" publish_us_p99) us"
echo "  ring-to-reader latency at 1000 fps: p50 $(field "$work/latency.json" latency_us_p50) us, p99 $(field "$work/latency.json" latency_us_p99) us"
echo "  ring-to-reader latency at full speed (3 readers): p50 $(field "$work/full-swift1.json" latency_us_p50) us, p99 $(field "$work/full-swift1.json" latency_us_p99) us"
if [ "$failures" -gt 0 ]; then echo "ring stress: $failures failure(s)"; exit 1; fi
echo "ring stress: passed"
