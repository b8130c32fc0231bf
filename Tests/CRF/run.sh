#!/usr/bin/env bash
# Parity of `segctl crf` (SegCRF) with pydensecrf2 (Tests/CRF/parity.py): random images and
# probabilities, real photos with the default model's probabilities, matrix compatibilities, both
# DeepLab's and pydensecrf's parameters, and degenerate inputs. Needs .build/release/segctl (or
# $SEGCTL); creates .bench/venv (pydensecrf2, numpy, pillow), the photo folders
# (scripts/fetch-images.sh) and the replay clip (scripts/make-replay-clip.sh) when missing.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
VENV=$ROOT/.bench/venv
SEGCTL=${SEGCTL:-$ROOT/.build/release/segctl}
[ -x "$SEGCTL" ] || { echo "crf parity: $SEGCTL missing (swift build -c release first)" >&2; exit 1; }
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/python" -c 'import pydensecrf.densecrf, numpy, PIL' 2>/dev/null ||
  "$VENV/bin/pip" install --quiet pydensecrf2==1.1 numpy pillow
[ -d "$ROOT/.bench/images/eval" ] || "$ROOT/scripts/fetch-images.sh" "$ROOT/.bench/images"
[ -f "$ROOT/.bench/replay/vtest.mjpeg" ] || "$ROOT/scripts/make-replay-clip.sh" "$ROOT/.bench/replay"
exec "$VENV/bin/python" "$ROOT/Tests/CRF/parity.py" --segctl "$SEGCTL" --model "$ROOT/models/deeplab_lite_321.onnx" \
  --images "$ROOT/.bench/images" --replay "$ROOT/.bench/replay"
