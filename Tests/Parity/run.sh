#!/usr/bin/env bash
# Parity of segd's engine with onnxruntime (Tests/Parity/parity.py): float logits, one int8 conv
# layer, int8-vs-float agreement on real photos. Needs .build/release/segctl (scripts/test.sh
# builds it); creates .bench/venv (onnx, onnxruntime, numpy, pillow) and the photo folders
# (scripts/fetch-images.sh .bench/images) when missing.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
VENV=$ROOT/.bench/venv
SEGCTL=${SEGCTL:-$ROOT/.build/release/segctl}
[ -x "$SEGCTL" ] || { echo "parity: $SEGCTL missing (swift build -c release first)" >&2; exit 1; }
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/python" -c 'import onnx, onnxruntime, numpy, PIL' 2>/dev/null ||
  "$VENV/bin/pip" install --quiet onnx==1.23.2 onnxruntime==1.31.1 numpy pillow
[ -d "$ROOT/.bench/images/eval" ] || "$ROOT/scripts/fetch-images.sh" "$ROOT/.bench/images"
export SEGD_CACHE_DIR=${SEGD_CACHE_DIR:-$ROOT/.bench/model-cache}
exec "$VENV/bin/python" "$ROOT/Tests/Parity/parity.py" --segctl "$SEGCTL" --images "$ROOT/.bench/images"
