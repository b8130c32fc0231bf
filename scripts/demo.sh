#!/usr/bin/env bash
# The main job: segd, the daemon, on the bundled replay source with the default model. The PETS
# clip (opencv-doc's vtest.avi, made into an MJPEG sequence by scripts/make-replay-clip.sh) plays
# at 15 fps; segd decodes each frame (libjpeg-turbo, DCT-scaled), runs models/deeplab_lite_321.onnx
# (background / person / vehicle) in int8 and publishes every mask to its ring and socket under
# .bench/demo/run/. A subscriber (`segctl subscribe`) prints a line per mask with its class shares
# and saves the masks (8-bit PNG of class ids) to .bench/demo/masks/; then segd's status is
# printed and segd stopped with SIGTERM, as systemd would.
#
#   scripts/demo.sh [FRAMES]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
FRAMES=${1:-60}
scripts/install-deps.sh
swift build -c release --product segd
swift build -c release --product segctl
[ -d .bench/images/calibration ] || scripts/fetch-images.sh .bench/images
scripts/make-replay-clip.sh
rm -rf .bench/demo && mkdir -p .bench/demo/run
cat > .bench/demo/segd.toml <<TOML
[model]
path = "$ROOT/models/deeplab_lite_321.onnx"
[engine]
cache_dir = "$ROOT/.bench/demo/cache"
[quantization]
calibration_dir = "$ROOT/.bench/images/calibration"
[capture]
source = "replay"
replay_path = "$ROOT/.bench/replay/vtest.mjpeg"
fps = 15
[publish]
ring_path = "$ROOT/.bench/demo/run/masks.ring"
socket_path = "$ROOT/.bench/demo/run/segd.sock"
TOML
.build/release/segd --config .bench/demo/segd.toml 2> .bench/demo/segd.log &
segd=$!
trap 'kill "$segd" 2>/dev/null || true' EXIT
# The first start compiles the model to int8 (calibration), then segd opens the socket.
for _ in $(seq 600); do [ -S .bench/demo/run/segd.sock ] && break; kill -0 "$segd" || { cat .bench/demo/segd.log; exit 1; }; sleep 0.1; done
.build/release/segctl subscribe --socket .bench/demo/run/segd.sock --frames "$FRAMES" --save .bench/demo/masks
.build/release/segctl subscribe --socket .bench/demo/run/segd.sock --status
kill -TERM "$segd"
wait "$segd"
trap - EXIT
sed 's/^<[0-9]>/segd: /' .bench/demo/segd.log
echo "masks: .bench/demo/masks/*.png   segd's log: .bench/demo/segd.log"
