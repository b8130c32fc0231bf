#!/usr/bin/env bash
# The DenseCRF benchmark (issue 8): segd's SegCRF (`segctl crf --bench-json`) against pydensecrf2
# (bench/crf_peer.py) in one run, on the first frame of the PETS replay clip scaled to 320x240,
# 2 and 21 labels, 5 iterations, 1 thread, DeepLab's and pydensecrf's parameters; prints a table
# and JSON lines with the ratios segd / pydensecrf. Then bench/crf-arm.sh, when present (aarch64
# instructions per pixel per iteration).
#
#   bench/crf.sh    (ROUNDS=5 rounds of RUNS=5 runs of each side by default; SEGCTL defaults to
#                   .build/release/segctl)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENV=$ROOT/.bench/venv
SEGCTL=${SEGCTL:-$ROOT/.build/release/segctl}
[ -x "$SEGCTL" ] || { echo "crf bench: $SEGCTL missing (swift build -c release first)" >&2; exit 1; }
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -c 'import pydensecrf.densecrf, numpy, PIL' 2>/dev/null ||
  "$VENV/bin/pip" install --quiet pydensecrf2==1.1 numpy pillow
[ -f "$ROOT/.bench/replay/vtest.mjpeg" ] || "$ROOT/scripts/make-replay-clip.sh" "$ROOT/.bench/replay"
mkdir -p "$ROOT/.bench/crf"
frame=$ROOT/.bench/crf/vtest_0_320x240.png
[ -s "$frame" ] ||
  ffmpeg -loglevel error -y -i "$ROOT/.bench/replay/vtest.mjpeg" -frames:v 1 -vf scale=320:240 "$frame"
OMP_NUM_THREADS=1 "$VENV/bin/python" "$ROOT/bench/crf_peer.py" --segctl "$SEGCTL" --image "$frame" \
  --labels 2 21 --runs "${RUNS:-5}" --rounds "${ROUNDS:-5}"
if [ -f "$ROOT/bench/crf-arm.sh" ]; then
  echo "-- bench/crf-arm.sh"
  bash "$ROOT/bench/crf-arm.sh"
fi
