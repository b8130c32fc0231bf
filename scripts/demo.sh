#!/usr/bin/env bash
# The main job until the daemon lands: the capture pipeline on the replay source. The PETS clip
# (opencv-doc's vtest.avi, 768x576, made into an MJPEG sequence by scripts/make-replay-clip.sh) is
# played at 25 fps; every frame is decoded (libjpeg-turbo, DCT-scaled), converted into the input of
# the default model (models/deeplab_lite_321.onnx: background / person / vehicle, int8 with the
# default quantization config) and segmented. Prints a line per frame with its class shares and
# writes the masks (8-bit PNG of class ids) to .bench/demo/masks/ and the frames with the mask
# blended over them (person dark red, vehicle green) to .bench/demo/overlays/.
#
#   scripts/demo.sh [MODEL.onnx] [FRAMES]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
MODEL=${1:-models/deeplab_lite_321.onnx}
FRAMES=${2:-100}
scripts/install-deps.sh
swift build -c release --product segctl
[ -d .bench/images/calibration ] || scripts/fetch-images.sh .bench/images
scripts/make-replay-clip.sh
rm -rf .bench/demo
.build/release/segctl capture --replay .bench/replay/vtest.mjpeg --fps 25 --once --frames "$FRAMES" \
  --model "$MODEL" --calibration .bench/images/calibration --print-frames \
  --mask-out .bench/demo/masks --overlay-out .bench/demo/overlays
echo "overlays: .bench/demo/overlays/*.png   masks: .bench/demo/masks/*.png"
