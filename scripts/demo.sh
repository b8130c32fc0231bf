#!/usr/bin/env bash
# The main job until the daemon lands: the default model (models/deeplab_lite_321.onnx, classes
# background / person / vehicle) compiled to int8 with the default quantization config, run on the
# PETS replay clip (opencv-doc's vtest.avi, every 10th of its 795 frames, extracted once to
# .bench/pets/). Prints each frame's class shares, writes the masks (8-bit PNG of class ids) to
# .bench/demo/masks/ and the frames with the mask blended over them (person dark red, vehicle green)
# to .bench/demo/overlays/, then times one inference.
#
#   scripts/demo.sh [MODEL.onnx]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
MODEL=${1:-models/deeplab_lite_321.onnx}
scripts/install-deps.sh
swift build -c release --product segctl
[ -d .bench/images/calibration ] || scripts/fetch-images.sh .bench/images
if [ ! -f .bench/pets/vtest_0790.jpg ]; then
  mkdir -p .bench/pets
  .bench/venv/bin/python - <<'PY'
import cv2
cap = cv2.VideoCapture("/usr/share/doc/opencv-doc/examples/data/vtest.avi")
i = 0
while True:
    ok, frame = cap.read()
    if not ok:
        break
    if i % 10 == 0:
        cv2.imwrite(f".bench/pets/vtest_{i:04d}.jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 95])
    i += 1
PY
fi
rm -rf .bench/demo
.build/release/segctl infer --model "$MODEL" --calibration .bench/images/calibration --image .bench/pets \
  --mask-out .bench/demo/masks --overlay-out .bench/demo/overlays
.build/release/segctl bench --model "$MODEL" --calibration .bench/images/calibration --runs 10 | head -3
echo "overlays: .bench/demo/overlays/*.png   masks: .bench/demo/masks/*.png"
