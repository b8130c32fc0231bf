#!/usr/bin/env bash
# segd's own figures on the replay source (issue 7's targets): DeepLab-lite int8 on the 640x480 PETS
# clip at 30 fps, 1 inference thread. Prints
#   - heap allocations per frame in steady state: segd runs under bench/malloc_count.c
#     (LD_PRELOAD), which prints its count on SIGUSR2; after WARMUP seconds of warm-up segd's status
#     gives the frame count A and a signal the allocation count A, SPAN seconds later a signal and
#     the status give B; (allocations B - A) / (frames B - A), with no socket traffic in between;
#   - resident memory (VmRSS, and the peak VmHWM) at the end of the run;
#   - capture + conversion + publish time against inference time (p50 of each stage, from segd's
#     status), and capture-to-publish latency p50/p99.
#
#   bench/daemon.sh [WARMUP SPAN]    (seconds, default 8 and 24)
#   SOURCE=pattern bench/daemon.sh   (640x480 YUYV test pattern instead of the MJPEG clip: no decoding)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
WARMUP=${1:-8}
SPAN=${2:-24}
work=.bench/daemon
mkdir -p "$work/run"
swift build -c release --product segd
swift build -c release --product segctl
[ -d .bench/images/calibration ] || scripts/fetch-images.sh .bench/images
scripts/make-replay-clip.sh
model=$work/deeplab_lite_321.segm
[ -s "$model" ] || .build/release/segctl compile models/deeplab_lite_321.onnx --calibration .bench/images/calibration -o "$model"
gcc -O2 -Wall -Wextra -shared -fPIC -o "$work/malloc_count.so" bench/malloc_count.c -ldl
cat > "$work/segd.toml" <<TOML
[model]
path = "$ROOT/$model"
[capture]
source = "${SOURCE:-replay}"
replay_path = "$ROOT/.bench/replay/vtest_640x480.mjpeg"
fps = 30
[publish]
ring_path = "$ROOT/$work/run/masks.ring"
socket_path = "$ROOT/$work/run/segd.sock"
TOML

status() { .build/release/segctl subscribe --socket "$work/run/segd.sock" --status --json > "$work/$1.status"; }
LD_PRELOAD="$ROOT/$work/malloc_count.so" .build/release/segd --config "$work/segd.toml" 2> "$work/segd.log" &
pid=$!
for _ in $(seq 300); do [ -S "$work/run/segd.sock" ] && break; sleep 0.1; done
sleep "$WARMUP"
status a
kill -USR2 "$pid"
sleep "$SPAN"
kill -USR2 "$pid"
status b
grep -E '^Vm(RSS|HWM)' "/proc/$pid/status" > "$work/segd.memory"
kill -TERM "$pid"
wait "$pid"

python3 - "$work" <<'PY'
import json, re, sys
work = sys.argv[1]
counts = [int(n) for n in re.findall(r"malloc_count: (\d+)", open(f"{work}/segd.log").read())]
aa, ab = counts[0], counts[1]
fa, fb = (json.load(open(f"{work}/{name}.status"))["frames"] for name in ("a", "b"))
status = json.load(open(f"{work}/b.status"))
extras = {e["key"]: e["value"] for e in status.get("extras", [])} if isinstance(status.get("extras"), list) else status.get("extras", {})
def p50(key):
    return float(re.search(r"p50 ([0-9.]+)", extras[key]).group(1))
memory = dict(line.split(":") for line in open(f"{work}/segd.memory").read().splitlines())
print(f"frames: {fa} after warm-up, {fb} at the end; fps {status['fps']:.2f}")
print(f"heap allocations per frame in steady state: {(ab - aa) / (fb - fa):.2f} ({ab - aa} allocations over {fb - fa} frames)")
print(f"resident memory at the end: VmRSS {memory['VmRSS'].strip()}, peak VmHWM {memory['VmHWM'].strip()} (target VmRSS <= 64 MB)")
capture, queued, inference, publish = (p50(k) for k in ("latency.capture_ms", "latency.queued_ms", "latency.inference_ms", "latency.publish_ms"))
print(f"p50 ms: capture+conversion {capture:.2f}, queued {queued:.2f}, inference {inference:.2f}, publish {publish:.2f}")
print(f"capture + conversion + publish = {100 * (capture + publish) / inference:.1f}% of inference (target <= 10%)")
print(f"capture-to-publish latency: p50 {status['latency_p50_ms']:.2f} ms, p99 {status['latency_p99_ms']:.2f} ms")
PY
