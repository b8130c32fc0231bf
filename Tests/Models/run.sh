#!/usr/bin/env bash
# Checks every shipped model (models/*.onnx) the way a user gets it: it imports, shows its classes,
# compiles to int8 with the default configuration (no config file) calibrated on the calibration
# frames of scripts/fetch-images.sh, keeps its classes in the compiled file, and segments the PETS
# frames 760, 770, 780 and 790 (held out from training) like the masks committed in
# models/expected/MODEL/ (written by the float model at release time, see models/README.md).
#
#   Tests/Models/run.sh            (after `swift build -c release --product segctl`)
#
# Needs .build/release/segctl; makes .bench/venv (numpy, Pillow) and scripts/fetch-images.sh's
# .bench/images when missing.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
SEGCTL=.build/release/segctl
PY=.bench/venv/bin/python
[ -x "$SEGCTL" ] || { echo "models: $SEGCTL missing (swift build -c release first)" >&2; exit 1; }
[ -x "$PY" ] || python3 -m venv .bench/venv
"$PY" -c 'import numpy, PIL' 2>/dev/null || .bench/venv/bin/pip install --quiet numpy pillow
[ -d .bench/images/eval ] || scripts/fetch-images.sh .bench/images
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/frames"
cp .bench/images/eval/vtest_07[6-9]0.jpg "$WORK/frames/"
export SEGD_CACHE_DIR=$WORK/cache

status=0
for model in models/*.onnx; do
  name=$(basename "$model" .onnx)
  echo "== $name"
  "$SEGCTL" inspect "$model" > "$WORK/$name.inspect"
  head -3 "$WORK/$name.inspect"
  "$SEGCTL" compile "$model" --calibration .bench/images/calibration -o "$WORK/$name.segm"
  "$SEGCTL" inspect "$WORK/$name.segm" > "$WORK/$name.compiled.inspect"
  "$SEGCTL" infer --model "$WORK/$name.segm" --image "$WORK/frames" --mask-out "$WORK/$name.int8"
  "$SEGCTL" infer --model "$model" --float --image "$WORK/frames" --mask-out "$WORK/$name.float" > /dev/null
  "$PY" Tests/Models/check.py --name "$name" --expected "models/expected/$name" --int8 "$WORK/$name.int8" \
    --float "$WORK/$name.float" --inspect "$WORK/$name.inspect" --compiled-inspect "$WORK/$name.compiled.inspect" \
    --card "models/$name.md" || status=1
done
[ "$status" = 0 ] && echo "models: all checks passed" || echo "models: FAILED" >&2
exit $status
