#!/usr/bin/env bash
# The kernel benchmark, one command: prints and writes docs/performance.md with
#   - x86_64 single-thread time and GMAC/s of every kernel workload (`segctl bench kernels`), the
#     convolutions on both kernel paths, and onnxruntime's int8 QLinearConv on the same shapes in the
#     same run (the peer);
#   - executed instructions per MAC (per output element for kernels without MACs) of every workload
#     on aarch64 Cortex-A76 (DotProd), Cortex-A72 (none) and armv7 Cortex-A7, counted under qemu-user
#     with bench/qemu-marker-plugin.c around one run of the Embedded Swift build;
#   - the same count for one whole-network inference of DeepLab-LargeFOV-lite and RefineNet-lite at
#     321x321 (compiled with `segctl compile`, calibrated on scripts/fetch-images.sh photos) on
#     Cortex-A76 and Cortex-A72, per MAC of the program (`segctl bench --json` "macs").
#
#   bench/run.sh [--no-peers] [--no-arm] [--runs N]
#
# Installs what is missing (scripts/install-deps.sh); onnx and onnxruntime come from PyPI
# into .bench/venv.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$ROOT/.bench
PEERS=1
ARM=1
RUNS=11
while [ $# -gt 0 ]; do
  case "$1" in
    --no-peers) PEERS=0 ;;
    --no-arm) ARM=0 ;;
    --runs) RUNS=$2; shift ;;
    *) echo "usage: bench/run.sh [--no-peers] [--no-arm] [--runs N]" >&2; exit 2 ;;
  esac
  shift
done
mkdir -p "$WORK"
cd "$ROOT"
scripts/install-deps.sh

echo "== build" >&2
swift build -c release --product segctl >&2
SEGCTL=$ROOT/.build/release/segctl

echo "== x86_64, one thread" >&2
"$SEGCTL" bench kernels --runs "$RUNS" --json | tee "$WORK/x86.jsonl" >&2
CONVS=$("$SEGCTL" bench kernels --runs 1 --json | python3 -c '
import json, sys
print(",".join(r["name"] for r in map(json.loads, sys.stdin) if r["kernel"] in ("conv2d", "transposedConv2d") and "widening" not in r["detail"]))')
if [ -n "$CONVS" ]; then
  "$SEGCTL" bench kernels --runs "$RUNS" --json --path widening --only "$CONVS" | tee "$WORK/x86-widening.jsonl" >&2
else
  : > "$WORK/x86-widening.jsonl"
fi

: > "$WORK/peer.jsonl"
if [ "$PEERS" = 1 ]; then
  echo "== peer: onnxruntime QLinearConv (u8s8), one thread" >&2
  if [ ! -x "$WORK/venv/bin/python" ]; then
    python3 -m venv "$WORK/venv"
    "$WORK/venv/bin/pip" install --quiet onnx==1.23.2 onnxruntime==1.31.1 numpy
  fi
  "$WORK/venv/bin/python" "$ROOT/bench/ort_conv.py" --runs "$RUNS" | tee "$WORK/peer.jsonl" >&2
fi

: > "$WORK/arm.jsonl"
rm -f "$WORK/allocations.txt" "$WORK"/mnemonics-*.txt "$WORK/computeSDOT.s" "$WORK/arm-network.jsonl"
if [ "$ARM" = 1 ]; then
  echo "== ARM instruction counts (qemu-user)" >&2
  gcc -O2 -Wall -shared -fPIC -o "$WORK/libqemu-marker.so" "$ROOT/bench/qemu-marker-plugin.c"
  for target in aarch64-a76 aarch64-a72 armv7-a7; do
    "$ROOT/cross/embedded-build.sh" "$target" "$WORK/$target" > /dev/null
  done
  qemu-aarch64 -cpu cortex-a76 "$WORK/aarch64-a76/kernel-harness" allocations > "$WORK/allocations.txt" || true
  NAMES=$(qemu-aarch64 -cpu cortex-a76 "$WORK/aarch64-a76/kernel-harness" bench-list)
  while read -r target cpu qemu; do
    for name in $NAMES; do
      log=$("$qemu" -cpu "$cpu" -plugin "$WORK/libqemu-marker.so" -d plugin "$WORK/$target/kernel-harness" bench "$name" 1 2>&1)
      echo "$log" | python3 -c '
import json, re, sys
text = sys.stdin.read()
marks = [int(m) for m in re.findall(r"^mark \d+ (\d+)$", text, re.M)]
bench = re.search(r"^bench (\S+) macs=(\d+) outputs=(\d+) repeats=(\d+) (.*)$", text, re.M)
if len(marks) != 2 or not bench:
    sys.exit("no marks for " + sys.argv[1] + " on " + sys.argv[2] + ":\n" + text[-2000:])
print(json.dumps({"name": bench.group(1), "cpu": sys.argv[2], "build": sys.argv[3], "instructions": marks[1] - marks[0],
                  "macs": int(bench.group(2)), "outputs": int(bench.group(3)), "detail": bench.group(5)}))
' "$name" "$cpu" "$target" | tee -a "$WORK/arm.jsonl" >&2
    done
  done <<< "aarch64-a76 cortex-a76 qemu-aarch64
aarch64-a72 cortex-a72 qemu-aarch64
armv7-a7 cortex-a7 qemu-arm"
  echo "== ARM whole networks (qemu-user)" >&2
  CALIBRATION=${CALIBRATION_DIR:-$WORK/images/calibration}
  [ -d "$CALIBRATION" ] || scripts/fetch-images.sh "$WORK/images" >&2
  : > "$WORK/arm-network.jsonl"
  for model in deeplab_lite_321 refinenet_lite_321; do
    "$SEGCTL" compile "$ROOT/Tests/Fixtures/models/$model.onnx" --calibration "$CALIBRATION" -o "$WORK/$model.segm" >&2
    macs=$("$SEGCTL" bench --model "$WORK/$model.segm" --json --runs 1 --warmup 0 | python3 -c 'import json, sys; print(json.load(sys.stdin)["macs"])')
    for run in "aarch64-a76 cortex-a76" "aarch64-a72 cortex-a72"; do
      read -r target cpu <<< "$run"
      log=$(qemu-aarch64 -cpu "$cpu" -plugin "$WORK/libqemu-marker.so" -d plugin \
        "$WORK/$target/kernel-harness" network "$WORK/$model.segm" 1 2>&1 < /dev/null) || true  # an allocating run still reports
      echo "$log" | python3 -c '
import json, re, sys
text = sys.stdin.read()
model, cpu, build, macs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
marks = [int(m) for m in re.findall(r"^mark \d+ (\d+)$", text, re.M)]
digest = re.search(r"^network \S+ seed=\d+ digest=([0-9a-f]+) pixels=\d+$", text, re.M)
run = re.search(r"^run macs=(\d+) layers=(\d+) arena=(\d+) allocations=(\d+)$", text, re.M)
if len(marks) != 2 or not digest or not run:
    sys.exit("no marks for " + model + " on " + cpu + ":\n" + text[-2000:])
if int(run.group(1)) != macs:
    sys.exit(f"{model}: the harness counts {run.group(1)} MACs, segctl bench {macs}")
print(json.dumps({"model": model, "cpu": cpu, "build": build, "instructions": marks[1] - marks[0], "macs": macs,
                  "layers": int(run.group(2)), "arena_bytes": int(run.group(3)), "allocations": int(run.group(4)),
                  "digest": digest.group(1)}))
' "$model" "$cpu" "$target" "$macs" | tee -a "$WORK/arm-network.jsonl" >&2
    done
  done
  # What the micro-kernels execute: per-mnemonic counts inside them for one 1x1 convolution,
  # and the static disassembly of the dot-product kernel (qemu 7.2 prints sdot as ".byte").
  for run in "aarch64-a76 cortex-a76 computeSDOT" "aarch64-a72 cortex-a72 WideningConvTile"; do
    read -r target cpu symbol <<< "$run"
    qemu-aarch64 -cpu "$cpu" -plugin "$WORK/libqemu-marker.so,hist=$symbol" -d plugin \
      "$WORK/$target/kernel-harness" bench conv1x1-1024 1 2>&1 | grep '^mnemonic ' > "$WORK/mnemonics-$cpu.txt"
  done
  read -r start size _ <<< "$(aarch64-linux-gnu-nm -S "$WORK/aarch64-a76/kernel-harness" | grep computeSDOT)"
  aarch64-linux-gnu-objdump -d --no-show-raw-insn --start-address=$((16#$start)) \
    --stop-address=$((16#$start + 16#$size)) "$WORK/aarch64-a76/kernel-harness" > "$WORK/computeSDOT.s"
fi

python3 "$ROOT/bench/report.py" "$WORK" > "$ROOT/docs/performance.md"
cat "$ROOT/docs/performance.md"
