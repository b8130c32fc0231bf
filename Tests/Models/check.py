#!/usr/bin/env python3
"""One shipped model's checks for Tests/Models/run.sh (see there). Exit status 1 on any failure.

- the classes `segctl inspect` shows for the ONNX file and for the compiled file are the same and
  are the ones the model card lists (`classes:` line); the default model has `person`;
- segd float masks agree with the committed expected masks on >= 99.5% of the pixels;
- segd int8 masks (default quantization config) agree on >= 99% of the pixels, and for every class
  with >= 100 pixels in an expected mask, the int8 mask's IoU with it is >= 0.8 (people and vehicles
  are small here, so a few pixels along their outlines weigh on the IoU; the shipped models reach
  99.7-99.97% and 0.85-0.99);
- the expected masks themselves contain `person` pixels on every frame (people walk through every
  checked frame), so a model that only says background cannot pass.
"""
import argparse
import os
import re
import sys

import numpy as np
from PIL import Image

FLOAT_AGREEMENT, INT8_AGREEMENT, MIN_IOU, MIN_PIXELS = 99.5, 99.0, 0.8, 100


def classes_from_inspect(path):
    for line in open(path):
        m = re.match(r"classes \(\d+\): (.*)", line.strip())
        if m:
            return [c.strip() for c in m.group(1).split(",")]
    return []


def main():
    ap = argparse.ArgumentParser()
    for key in ("name", "expected", "int8", "float", "inspect", "compiled_inspect", "card"):
        ap.add_argument("--" + key.replace("_", "-"), required=True)
    a = ap.parse_args()
    failures = []
    classes = classes_from_inspect(a.inspect)
    compiled_classes = classes_from_inspect(a.compiled_inspect)
    card_line = next((l for l in open(a.card) if l.startswith("classes:")), "")
    card_classes = [c.strip().strip("`") for c in card_line[len("classes:"):].split(",")]
    if not classes or classes != compiled_classes or classes != card_classes:
        failures.append(f"classes: ONNX {classes}, compiled {compiled_classes}, card {card_classes}")
    if "person" not in classes:
        failures.append("no class named person")
    frames = sorted(f for f in os.listdir(a.expected) if f.endswith(".png"))
    if not frames:
        failures.append(f"no expected masks in {a.expected}")
    for frame in frames:
        expected = np.asarray(Image.open(os.path.join(a.expected, frame)))
        person = classes.index("person") if "person" in classes else -1
        if (expected == person).sum() == 0:
            failures.append(f"{frame}: expected mask has no person pixels")
        for kind, floor in (("float", FLOAT_AGREEMENT), ("int8", INT8_AGREEMENT)):
            got = np.asarray(Image.open(os.path.join(getattr(a, kind), frame)))
            if got.shape != expected.shape:
                failures.append(f"{frame} {kind}: mask {got.shape} vs expected {expected.shape}")
                continue
            agreement = 100 * float((got == expected).mean())
            ious = {}
            for c in range(len(classes)):
                e, g = expected == c, got == c
                if e.sum() >= MIN_PIXELS:
                    ious[classes[c]] = float((e & g).sum() / (e | g).sum())
            line = f"{a.name} {frame} {kind}: agreement {agreement:.2f}%, IoU " + ", ".join(
                f"{k} {v:.3f}" for k, v in ious.items())
            print(line)
            if agreement < floor:
                failures.append(f"{frame} {kind}: agreement {agreement:.2f}% < {floor}%")
            if kind == "int8":
                failures += [f"{frame} int8: {k} IoU {v:.3f} < {MIN_IOU}" for k, v in ious.items() if v < MIN_IOU]
    for f in failures:
        print(f"{a.name}: FAIL {f}", file=sys.stderr)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
