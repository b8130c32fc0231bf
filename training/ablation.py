#!/usr/bin/env python3
"""Compare training runs of one model family (e.g. with and without --sr) on the evaluation splits.

  training/ablation.py --data .train/data --out FRAGMENT.md RUN_A RUN_B [...]

Each run's model.pt is exported at 321x321 (training/export.py) and evaluated float and segd int8
(training/evaluate.py); the markdown fragment lists, per run, the iterations, training minutes,
images/s and the mIoU and per-class IoU per split.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
from training.evaluate import evaluate  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs", nargs="+")
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--splits", default="val,pets_eval,voc_eval")
    ap.add_argument("--segctl", default=os.path.join(ROOT, ".build", "release", "segctl"))
    ap.add_argument("--calibration", default=os.path.join(ROOT, ".bench", "images", "calibration"))
    a = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as work:
        for run in a.runs:
            summary = json.load(open(os.path.join(run, "summary.json")))
            onnx_path = os.path.join(work, os.path.basename(run.rstrip("/")) + ".onnx")
            subprocess.run([sys.executable, os.path.join(ROOT, "training", "export.py"), "--model", summary["model"],
                            "--size", "321", "--weights", os.path.join(run, "model.pt"),
                            "--classes", os.path.join(a.data, "classes.txt"), "-o", onnx_path],
                           check=True, stdout=subprocess.DEVNULL)
            names, results = evaluate(onnx_path, a.data, a.splits.split(","), a.segctl, a.calibration, None)
            rows.append((run, summary, results))
    lines = ["## Self-Regulation ablation", "",
             "Same family, data, seed and number of iterations; `training/ablation.py --data .train/data "
             + " ".join(a.runs) + "` (mIoU %, float / segd int8):", "",
             "| run | losses | iterations | train min | images/s | " + " | ".join(
                 f"{s} mIoU" for s in a.splits.split(",")) + " | " + " | ".join(f"val {n}" for n in names) + " |",
             "|---|---|---|---|---|" + "---|" * len(a.splits.split(",")) + "---|" * len(names)]
    for run, summary, results in rows:
        mious = " | ".join(f"{results[s]['float']['miou']:.1f} / {results[s]['int8']['miou']:.1f}"
                           if s in results else "-" for s in a.splits.split(","))
        val = results.get("val", {}).get("float", {}).get("iou", {})
        ious = " | ".join(f"{val[n]:.1f}" if val.get(n) is not None else "-" for n in names)
        losses = "CE + MEA + 0.2 SR-F + 0.8 SR-L" if summary["sr"] else "CE"
        lines.append(f"| `{os.path.basename(run.rstrip('/'))}` | {losses} | {summary['iterations']} | "
                     f"{summary['train_seconds'] / 60:.1f} | {summary['images_per_s']:.1f} | {mious} | {ious} |")
    with open(a.out, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
