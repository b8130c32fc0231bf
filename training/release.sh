#!/usr/bin/env bash
# Turns a training run into a shipped model: exports it at 321x321 into models/NAME.onnx, evaluates
# float and segd int8 (training/evaluate.py), times it (segctl bench, 1 thread), writes the expected
# masks Tests/Models/run.sh checks (onnxruntime fp32 on PETS frames 760..790, preprocessed as in
# bench/peers/preprocess.py) and the model card models/NAME.md.
#
#   training/release.sh NAME RUN_DIR [--default] [--sr-ablation FRAGMENT.md]
#
# Needs .train/venv (training/setup.sh), .train/data (training/data/build.py), .bench/images
# (scripts/fetch-images.sh) and .build/release/segctl.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
NAME=$1 RUN=$2
shift 2
PY=.train/venv/bin/python
FAMILY=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["model"])' "$RUN/summary.json")
mkdir -p models .train/release
$PY training/export.py --model "$FAMILY" --size 321 --weights "$RUN/model.pt" --classes .train/data/classes.txt \
  -o "models/$NAME.onnx" | tail -2
$PY training/evaluate.py --model "models/$NAME.onnx" --data .train/data --json ".train/release/$NAME.eval.json"
.build/release/segctl bench --model "models/$NAME.onnx" --calibration .bench/images/calibration --threads 1 --runs 20 \
  --json > ".train/release/$NAME.bench.json"
rm -rf "models/expected/$NAME" && mkdir -p "models/expected/$NAME"
$PY - "models/$NAME.onnx" "models/expected/$NAME" <<'PY'
import os, sys
import numpy as np
import onnxruntime as ort
from PIL import Image
sys.path.insert(0, "bench/peers")
from preprocess import load_image, model_preprocessing
model, out = sys.argv[1:3]
name, size, mean, std, _ = model_preprocessing(model)
so = ort.SessionOptions()
so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
session = ort.InferenceSession(model, so, providers=["CPUExecutionProvider"])
for frame in (760, 770, 780, 790):
    logits = session.run(None, {name: load_image(f".bench/images/eval/vtest_{frame:04d}.jpg", size, mean, std)})[0]
    Image.fromarray(logits[0].argmax(0).astype(np.uint8)).save(os.path.join(out, f"vtest_{frame:04d}.png"))
PY
$PY training/model_card.py --model "models/$NAME.onnx" --summary "$RUN/summary.json" --eval ".train/release/$NAME.eval.json" \
  --bench ".train/release/$NAME.bench.json" -o "models/$NAME.md" "$@"
