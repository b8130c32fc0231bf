#!/usr/bin/env python3
"""int8-vs-float argmax agreement on real photos, the bar segd's quantizer has to meet (issue 3, item 7).

  bench/peers/agreement.py --model M.onnx --calib DIR --eval DIR [--out DIR] [--ncalib N]
                           [--method minmax|entropy|percentile] [--percentile P] [--litert] [--segctl PATH]

- onnxruntime int8 = quantize_static (QDQ, u8 activations, s8 per-channel weights; ort_quant.py)
  calibrated on the images of --calib through the model's preprocessing (preprocess.py);
- for every image of --eval: onnxruntime fp32 logits and int8 logits, % of pixels whose argmax agrees;
- writes, per eval image, OUT/<image stem>.input.npy (the preprocessed float32 NCHW input) and
  OUT/<image stem>.fp32.npy (onnxruntime fp32 logits, float32 NCHW) so that segd's outputs can be
  compared (`segctl infer --model M --tensor X.npy --logits-out L.npy [--float]`);
- with --litert: LiteRT int8 (own calibrator, same images) agreement too;
- with --segctl PATH (default .build/release/segctl when it exists): segd int8 agreement and segd
  float relative L2 error (||segd - ort|| / ||ort||) per image, from `segctl infer ... --tensor
  X.npy --logits-out`, calibrated on .npy files of the same preprocessed calibration images with the
  same method (--method; with percentile, the same --percentile for both, onnxruntime's 99.999 unless
  given: segd's config default is 99.99).
Prints a table and the means; --json appends one JSON line.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnxruntime as ort

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import ort_quant  # noqa: E402
from preprocess import list_images, load_image, model_preprocessing  # noqa: E402

CACHE = os.path.join(ROOT, ".bench", "peers-cache")


def session(path):
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


class Segd:
    """`segctl infer` for one model on the very tensors the peers see: calibration from .npy files of
    the peers' preprocessed calibration images, the same calibration method, each eval input as .npy.
    Disables itself (with a message) on the first failure."""

    def __init__(self, segctl, model, calib_tensors, method, percentile, work_dir):
        self.segctl, self.model = segctl, os.path.abspath(model)
        self.calib = os.path.join(work_dir, "calibration-npy")
        os.makedirs(self.calib, exist_ok=True)
        for i, x in enumerate(calib_tensors):
            np.save(os.path.join(self.calib, f"calib{i:04d}.npy"), x)
        self.config = os.path.join(work_dir, f"segd-{method}.toml")
        with open(self.config, "w") as f:
            f.write(f'[quantization]\nmethod = "{method}"\ncalibration_count = {len(calib_tensors)}\n')
            if method == "percentile":
                f.write(f"percentile = {percentile!r}\n")
        self.error = None

    def logits(self, tensor_path, float_path):
        if self.error:
            return None
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "logits.npy")
            cmd = [self.segctl, "infer", "--model", self.model, "--config", self.config, "--calibration", self.calib,
                   "--tensor", os.path.abspath(tensor_path), "--logits-out", out] + (["--float"] if float_path else [])
            p = subprocess.run(cmd, capture_output=True, text=True)
            if p.returncode != 0 or not os.path.exists(out):
                err = " ".join(p.stderr.split())[:300]
                self.error = f"`segctl infer {' '.join(cmd[2:])}` failed ({p.returncode}): {err}"
                print("  segd skipped: " + self.error, flush=True)
                return None
            return np.load(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--calib", required=True, help="calibration images (JPEG/PNG)")
    ap.add_argument("--eval", required=True, help="evaluation images, none of them in --calib")
    ap.add_argument("--out", help="where the .npy files go (default .bench/agreement/<model stem>)")
    ap.add_argument("--ncalib", type=int, default=0, help="calibration images to use, in name order (0: all)")
    ap.add_argument("--method", default="minmax", choices=sorted(ort_quant.METHODS))
    ap.add_argument("--percentile", type=float, default=ort_quant.DEFAULT_PERCENTILE,
                    help="percentile of --method percentile, for onnxruntime and segd alike (default %(default)s)")
    ap.add_argument("--format", default="qdq", choices=sorted(ort_quant.FORMATS))
    ap.add_argument("--litert", action="store_true", help="also LiteRT int8 (its own calibrator)")
    default_segctl = os.path.join(ROOT, ".build", "release", "segctl")
    ap.add_argument("--segctl", default=default_segctl if os.path.exists(default_segctl) else None)
    ap.add_argument("--json", help="append the results as one JSON line to this file")
    a = ap.parse_args()

    stem = os.path.splitext(os.path.basename(a.model))[0]
    out_dir = a.out or os.path.join(ROOT, ".bench", "agreement", stem)
    os.makedirs(out_dir, exist_ok=True)
    name, size, mean, std, _ = model_preprocessing(a.model)
    calib = list_images(a.calib)
    if a.ncalib:
        calib = calib[:a.ncalib]
    evals = list_images(a.eval)
    overlap = {os.path.basename(p) for p in calib} & {os.path.basename(p) for p in evals}
    if overlap:
        sys.exit(f"--eval shares images with --calib: {sorted(overlap)}")

    int8_path = ort_quant.quantize(a.model, calib, CACHE, fmt=a.format, method=a.method, percentile=a.percentile)
    fp32, int8 = session(a.model), session(int8_path)
    litert = None
    if a.litert:
        import peers

        _, i8 = peers.litert_models(a.model, [load_image(p, size, mean, std) for p in calib])
        litert = peers.litert_runner(i8)
    segd = (Segd(a.segctl, a.model, [load_image(p, size, mean, std) for p in calib], a.method, a.percentile, out_dir)
            if a.segctl else None)
    method = f"percentile {a.percentile:g}" if a.method == "percentile" else a.method

    print(f"{stem}: {len(calib)} calibration images ({method}, {a.format} u8s8 per-channel), "
          f"{len(evals)} eval images, npy files in {out_dir}")
    cols = ["ort int8"] + (["litert int8"] if litert else []) + (["segd int8", "segd float rel L2"] if segd else [])
    print(f"{'image':40s} " + " ".join(f"{c:>17s}" for c in cols))
    rows = []
    for path in evals:
        x = load_image(path, size, mean, std)
        ref = fp32.run(None, {name: x})[0]
        base = os.path.splitext(os.path.basename(path))[0]
        input_path = os.path.join(out_dir, base + ".input.npy")
        np.save(input_path, x)
        np.save(os.path.join(out_dir, base + ".fp32.npy"), ref)
        labels = ref.argmax(1)
        r = {"image": os.path.basename(path),
             "ort_int8": float((int8.run(None, {name: x})[0].argmax(1) == labels).mean() * 100)}
        if litert:
            r["litert_int8"] = float((litert(x.transpose(0, 2, 3, 1).copy()).argmax(3) == labels).mean() * 100)
        if segd:
            q = segd.logits(input_path, float_path=False)
            if q is not None:
                r["segd_int8"] = float((q.reshape(ref.shape).argmax(1) == labels).mean() * 100)
            f = segd.logits(input_path, float_path=True)
            if f is not None:
                r["segd_float_rel_l2"] = float(np.linalg.norm(f.reshape(ref.shape) - ref) / np.linalg.norm(ref))
        rows.append(r)
        cells = [f"{r['ort_int8']:16.2f}%"]
        if litert:
            cells.append(f"{r['litert_int8']:16.2f}%")
        if segd:
            cells.append(f"{r['segd_int8']:16.2f}%" if "segd_int8" in r else f"{'-':>17s}")
            cells.append(f"{r['segd_float_rel_l2']:17.2e}" if "segd_float_rel_l2" in r else f"{'-':>17s}")
        print(f"{r['image'][:40]:40s} " + " ".join(cells), flush=True)

    summary = {"model": stem, "method": a.method, "format": a.format,
               **({"percentile": a.percentile} if a.method == "percentile" else {}), "calibration_images": len(calib),
               "eval_images": len(evals)}
    for key in ("ort_int8", "litert_int8", "segd_int8"):
        vals = [r[key] for r in rows if key in r]
        if vals:
            summary[key + "_mean_pct"] = float(np.mean(vals))
            summary[key + "_min_pct"] = float(np.min(vals))
    l2 = [r["segd_float_rel_l2"] for r in rows if "segd_float_rel_l2" in r]
    if l2:
        summary["segd_float_rel_l2_max"] = float(np.max(l2))
    print("mean agreement with onnxruntime fp32 argmax: " + ", ".join(
        f"{k[:-9]} {v:.2f}%" for k, v in summary.items() if k.endswith("_mean_pct"))
        + (f"; segd float rel L2 max {summary['segd_float_rel_l2_max']:.2e}" if l2 else ""))
    if a.json:
        with open(a.json, "a") as f:
            f.write(json.dumps({**summary, "images": rows}) + "\n")


if __name__ == "__main__":
    main()
