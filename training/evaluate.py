#!/usr/bin/env python3
"""mIoU and per-class IoU of an exported model, float (onnxruntime fp32) and segd int8 side by side.

  training/evaluate.py --model M.onnx --data DATA [--splits val,pets_eval,voc_eval]
                       [--calibration .bench/images/calibration] [--config segd.toml]
                       [--segctl .build/release/segctl] [--json OUT.json]

DATA is a data set of training/data/build.py (NAME.jpg + NAME.png label pairs per split, 255 =
ignore). The float path runs the ONNX file in onnxruntime (optimizations off) on the preprocessing of
bench/peers/preprocess.py; the int8 path is `segctl infer --image SPLIT --mask-out DIR`, which compiles
the model with the given (default) quantization config, calibrated on --calibration. IoU is
accumulated over all pixels of a split (intersection and union summed over its images); mIoU is the
mean over the classes that occur in the split's labels or predictions.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnxruntime as ort
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench", "peers"))
from preprocess import list_images, load_image, model_preprocessing  # noqa: E402

IGNORE = 255


def confusion(pred, label, classes):
    keep = label != IGNORE
    return np.bincount(label[keep].astype(np.int64) * classes + pred[keep], minlength=classes * classes
                       ).reshape(classes, classes)


def scores(conf, names):
    inter = np.diag(conf).astype(np.float64)
    union = conf.sum(0) + conf.sum(1) - np.diag(conf)
    per_class = {names[c]: (round(100 * inter[c] / union[c], 2) if union[c] else None) for c in range(len(names))}
    present = [v for v in per_class.values() if v is not None]
    return {"miou": round(float(np.mean(present)), 2), "iou": per_class,
            "pixel_accuracy": round(100 * float(inter.sum() / max(conf.sum(), 1)), 2)}


def float_masks(model, images):
    name, size, mean, std, _ = model_preprocessing(model)
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(model, so, providers=["CPUExecutionProvider"])
    for path in images:
        logits = session.run(None, {name: load_image(path, size, mean, std)})[0]
        yield logits[0].argmax(0).astype(np.uint8)


def int8_masks(model, split_dir, images, segctl, calibration, config, work):
    split = os.path.basename(split_dir.rstrip("/"))
    inputs, out = os.path.join(work, split + ".images"), os.path.join(work, split)
    os.makedirs(inputs)
    for path in images:    # the photos only: the split's label PNGs share their names
        os.symlink(os.path.abspath(path), os.path.join(inputs, os.path.basename(path)))
    cmd = [segctl, "infer", "--model", model, "--image", inputs, "--mask-out", out]
    if calibration:
        cmd += ["--calibration", calibration]
    if config:
        cmd += ["--config", config]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    for path in images:
        stem = os.path.splitext(os.path.basename(path))[0]
        yield np.asarray(Image.open(os.path.join(out, stem + ".png")))


def labels(images, size):
    for path in images:
        lbl = Image.open(os.path.splitext(path)[0] + ".png")
        if lbl.size != (size[1], size[0]):
            lbl = lbl.resize((size[1], size[0]), Image.NEAREST)
        yield np.asarray(lbl)


def evaluate(model, data, splits, segctl, calibration, config):
    _, size, _, _, names = model_preprocessing(model)
    results = {}
    with tempfile.TemporaryDirectory() as work:
        for split in splits:
            split_dir = os.path.join(data, split)
            if not os.path.isdir(split_dir):
                print(f"{split}: not in {data}, skipped")
                continue
            images = [p for p in list_images(split_dir) if p.endswith(".jpg")]
            conf = {"float": 0, "int8": 0}
            agree = total = 0
            for lbl, f, q in zip(labels(images, size), float_masks(model, images),
                                 int8_masks(model, split_dir, images, segctl, calibration, config, work)):
                conf["float"] = conf["float"] + confusion(f, lbl, len(names))
                conf["int8"] = conf["int8"] + confusion(q, lbl, len(names))
                agree += int((f == q).sum())
                total += f.size
            results[split] = {"images": len(images), "float": scores(conf["float"], names),
                              "int8": scores(conf["int8"], names),
                              "int8_float_agreement": round(100 * agree / total, 2)}
    return names, results


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--splits", default="val,pets_eval,voc_eval")
    ap.add_argument("--calibration", default=os.path.join(ROOT, ".bench", "images", "calibration"))
    ap.add_argument("--config")
    ap.add_argument("--segctl", default=os.path.join(ROOT, ".build", "release", "segctl"))
    ap.add_argument("--json")
    a = ap.parse_args()
    names, results = evaluate(a.model, a.data, a.splits.split(","), a.segctl, a.calibration, a.config)
    print(f"{os.path.basename(a.model)}")
    print(f"{'split':<10} {'images':>6}  {'':5} {'mIoU':>6}  " + "  ".join(f"{n:>10}" for n in names) + "  int8=float px")
    for split, r in results.items():
        for kind in ("float", "int8"):
            s = r[kind]
            ious = "  ".join(f"{s['iou'][n]:>10}" if s["iou"][n] is not None else f"{'-':>10}" for n in names)
            tail = f"  {r['int8_float_agreement']}%" if kind == "int8" else ""
            print(f"{split:<10} {r['images']:>6}  {kind:5} {s['miou']:>6}  {ious}{tail}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"model": os.path.basename(a.model), "classes": names, "splits": results}, f, indent=1)


if __name__ == "__main__":
    main()
