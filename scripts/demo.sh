#!/usr/bin/env bash
# The engine end to end on real photos: compiles DeepLab-LargeFOV-lite (the 321x321 fixture) to int8
# with the default quantization config, calibrated on frames of the PETS replay clip, then segments
# photos it has not seen, writes their class masks (8-bit PNG of class ids) to .bench/demo/ and prints
# each mask's class shares, then times one inference.
#
#   scripts/demo.sh [MODEL.onnx]
#
# Until the trained default models land (the models issue), the fixtures have random weights: the
# masks show the pipeline working, not a meaningful segmentation.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
MODEL=${1:-Tests/Fixtures/models/deeplab_lite_321.onnx}
scripts/install-deps.sh
swift build -c release --product segctl
[ -d .bench/images/eval ] || scripts/fetch-images.sh .bench/images
mkdir -p .bench/demo
for photo in $(ls .bench/images/eval/* | grep -E '\.(jpg|png)$' | head -6); do
  name=$(basename "${photo%.*}")
  printf '%-28s ' "$name"
  .build/release/segctl infer --model "$MODEL" --calibration .bench/images/calibration --image "$photo" \
    --mask-out ".bench/demo/$name.mask.png"
done
.build/release/segctl bench --model "$MODEL" --calibration .bench/images/calibration --runs 10 | head -3
echo "masks: .bench/demo/*.mask.png"
