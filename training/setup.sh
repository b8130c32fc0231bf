#!/usr/bin/env bash
# Makes the training / export venv in .train/venv (gitignored):
#   training/setup.sh [--wheel PATH/torch-*.whl]
# torch: the given wheel, else a CPU-only wheel found under /opt/wheels (or $TORCH_WHEEL_DIR), else
# `pip install torch` (which brings CUDA libraries: several GB).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENV=$ROOT/.train/venv
WHEEL=""
if [ "${1:-}" = --wheel ]; then WHEEL=$2; fi
if [ -z "$WHEEL" ]; then
  WHEEL=$(ls "${TORCH_WHEEL_DIR:-/opt/wheels}"/torch-*cpu*.whl 2>/dev/null | sort | tail -n 1 || true)
fi
python3 -c 'import venv, ensurepip' 2>/dev/null || {
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-venv >/dev/null
}
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
PIP="$VENV/bin/pip"
if ! "$VENV/bin/python" -c 'import torch' 2>/dev/null; then
  if [ -n "$WHEEL" ]; then
    echo "torch from $WHEEL" >&2
    "$PIP" install --quiet "$WHEEL"
  else
    echo "no local CPU torch wheel: installing torch from the package index" >&2
    "$PIP" install --quiet torch
  fi
fi
grep -v '^torch' "$ROOT/training/requirements.txt" | "$PIP" install --quiet -r /dev/stdin
"$VENV/bin/python" -c 'import torch, onnx, onnxruntime; print("torch", torch.__version__, "onnx", onnx.__version__, "onnxruntime", onnxruntime.__version__)'
