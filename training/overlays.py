#!/usr/bin/env python3
"""The documentation's overlay images: a model run by segd (int8, default config) on held-out frames of
the PETS clip, the mask blended over each frame by `segctl infer --overlay-out`.

  training/overlays.py --model models/deeplab_lite_321.onnx --out docs/images [--frames 700,730,760,790]

Writes OUT/pets_overlays.jpg: the frames at half size, 2 per row. Calibration: .bench/images/calibration (scripts/fetch-images.sh).
"""
import argparse
import os
import subprocess
import tempfile

import cv2
import numpy as np
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VTEST = "/usr/share/doc/opencv-doc/examples/data/vtest.avi"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--frames", default="700,730,760,790")
    ap.add_argument("--segctl", default=os.path.join(ROOT, ".build", "release", "segctl"))
    ap.add_argument("--calibration", default=os.path.join(ROOT, ".bench", "images", "calibration"))
    a = ap.parse_args()
    wanted = [int(f) for f in a.frames.split(",")]
    with tempfile.TemporaryDirectory() as work:
        frames_dir, overlay_dir = os.path.join(work, "frames"), os.path.join(work, "overlays")
        os.makedirs(frames_dir)
        cap, i = cv2.VideoCapture(VTEST), 0
        while i <= max(wanted):
            ok, bgr = cap.read()
            if not ok:
                raise SystemExit(f"{VTEST}: ended at frame {i}")
            if i in wanted:
                cv2.imwrite(os.path.join(frames_dir, f"vtest_{i:04d}.jpg"), bgr, [cv2.IMWRITE_JPEG_QUALITY, 95])
            i += 1
        subprocess.run([a.segctl, "infer", "--model", a.model, "--calibration", a.calibration, "--image", frames_dir,
                        "--overlay-out", overlay_dir], check=True)
        tiles = [Image.open(os.path.join(overlay_dir, f"vtest_{f:04d}.png")).convert("RGB") for f in wanted]
    os.makedirs(a.out, exist_ok=True)
    half = [np.asarray(t.resize((t.width // 2, t.height // 2), Image.BILINEAR)) for t in tiles]
    rows = [np.concatenate(half[k:k + 2] + [np.zeros_like(half[0])] * (2 - len(half[k:k + 2])), 1)
            for k in range(0, len(half), 2)]
    Image.fromarray(np.concatenate(rows, 0)).save(os.path.join(a.out, "pets_overlays.jpg"), quality=85)
    print("wrote", a.out)


if __name__ == "__main__":
    main()
