#!/usr/bin/env bash
# segd's own figures on the replay source (issue 7's targets): DeepLab-lite int8 on the 640x480 PETS
# clip at 30 fps, 1 inference thread. Prints
#   - heap allocations per frame in steady state: segd runs twice under bench/malloc_count.c
#     (LD_PRELOAD), for SHORT and LONG seconds; (allocations B - A) / (frames B - A);
#   - resident memory (VmRSS, and the peak VmHWM) at the end of the long run;
#   - capture + conversion + publish time against inference time (p50 of each stage, from segd's
#     status), and capture-to-publish latency p50/p99.
#
#   bench/daemon.sh [SHORT LONG]     (seconds, default 8 and 24)
#   SOURCE=pattern bench/daemon.sh   (640x480 YUYV test pattern instead of the MJPEG clip: no decoding)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
SHORT=${1:-8}
LONG=${2:-24}
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

# run NAME SECONDS: segd for SECONDS; leaves NAME.log (stderr), NAME.status, NAME.memory.
run() {
  LD_PRELOAD="$ROOT/$work/malloc_count.so" .build/release/segd --config "$work/segd.toml" 2> "$work/$1.log" &
  local pid=$!
  for _ in $(seq 300); do [ -S "$work/run/segd.sock" ] && break; sleep 0.1; done
  sleep "$2"
  .build/release/segctl subscribe --socket "$work/run/segd.sock" --status --json > "$work/$1.status"
  grep -E '^Vm(RSS|HWM)' "/proc/$pid/status" > "$work/$1.memory"
  kill -TERM "$pid"
  wait "$pid"
}
run short "$SHORT"
run long "$LONG"

python3 - "$work" <<'PY'
import json, re, sys
work = sys.argv[1]
def counts(name):
    log = open(f"{work}/{name}.log").read()
    frames = int(re.search(r"segd stopped: (\d+) masks published", log).group(1))
    allocations = int(re.search(r"malloc_count: (\d+)", log).group(1))
    return frames, allocations
(fa, aa), (fb, ab) = counts("short"), counts("long")
status = json.load(open(f"{work}/long.status"))
extras = {e["key"]: e["value"] for e in status.get("extras", [])} if isinstance(status.get("extras"), list) else status.get("extras", {})
def p50(key):
    return float(re.search(r"p50 ([0-9.]+)", extras[key]).group(1))
memory = dict(line.split(":") for line in open(f"{work}/long.memory").read().splitlines())
print(f"frames: {fa} (short run), {fb} (long run); fps {status['fps']:.2f}")
print(f"heap allocations per frame in steady state: {(ab - aa) / (fb - fa):.2f} ({ab - aa} allocations over {fb - fa} frames)")
print(f"resident memory at the end: VmRSS {memory['VmRSS'].strip()}, peak VmHWM {memory['VmHWM'].strip()} (target VmRSS <= 64 MB)")
capture, queued, inference, publish = (p50(k) for k in ("latency.capture_ms", "latency.queued_ms", "latency.inference_ms", "latency.publish_ms"))
print(f"p50 ms: capture+conversion {capture:.2f}, queued {queued:.2f}, inference {inference:.2f}, publish {publish:.2f}")
print(f"capture + conversion + publish = {100 * (capture + publish) / inference:.1f}% of inference (target <= 10%)")
print(f"capture-to-publish latency: p50 {status['latency_p50_ms']:.2f} ms, p99 {status['latency_p99_ms']:.2f} ms")
PY
