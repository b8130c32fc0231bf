#!/usr/bin/env bash
# segd vs onnxruntime int8/fp32 and LiteRT int8/fp32 on one ONNX model, one thread, same input, one run:
#
#   bench/peers/run.sh MODEL.onnx [--images DIR] [--runs N] [--ncalib N] [--json OUT] [--no-litert]
#
# DIR (default .bench/images) is made by scripts/fetch-images.sh when missing: DIR/calibration calibrates
# both peers' int8 models, the first DIR/eval photo is the timed input. segd is timed with
# `.build/release/segctl bench --model MODEL.onnx --threads 1 --json` when that binary exists (build it
# with `swift build -c release --product segctl`). Python packages go into .bench/venv.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
VENV=$ROOT/.bench/venv
[ $# -ge 1 ] || { echo "usage: bench/peers/run.sh MODEL.onnx [--images DIR] [--runs N] [--ncalib N] [--json OUT] [--no-litert]" >&2; exit 2; }
MODEL=$1; shift
IMAGES=$ROOT/.bench/images
ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --images) IMAGES=$2; shift ;;
    --runs|--ncalib|--json|--warmup|--segctl) ARGS+=("$1" "$2"); shift ;;
    --no-litert) ARGS+=("$1") ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
if [ ! -x "$VENV/bin/python" ]; then
  python3 -c 'import venv, ensurepip' 2>/dev/null || {
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-venv >/dev/null
  }
  python3 -m venv "$VENV"
fi
"$VENV/bin/python" -c 'import onnx, onnxruntime, numpy, PIL, ai_edge_litert' 2>/dev/null ||
  "$VENV/bin/pip" install --quiet onnx==1.23.2 onnxruntime==1.31.1 ai-edge-litert==2.3.0 numpy pillow
[ -d "$IMAGES/calibration" ] && [ -d "$IMAGES/eval" ] || "$ROOT/scripts/fetch-images.sh" "$IMAGES" >&2
exec "$VENV/bin/python" "$ROOT/bench/peers/peers.py" "$MODEL" --images "$IMAGES" "${ARGS[@]}"
