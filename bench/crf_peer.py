"""segd's DenseCRF (`segctl crf --bench-json`) against pydensecrf2 on one frame (bench/crf.sh).

For each parameter set (DeepLab's, pydensecrf's) and label count, times pydensecrf's full pass
(DenseCRF2D, unary_from_softmax, both pairwise kernels, inference) and its inference alone, 1
thread, and runs `segctl crf --bench-json --runs N` on the same files, in --rounds rounds of
--runs runs of each, so that both see the same load on a shared machine; prints
a table and one JSON line per case with the ratios segd / pydensecrf (full vs full: segd's
setImage + infer; inference vs inference), segd with its default 16-bit lattices and, for the
inference, with 32-bit ones (`--lattice-precision float`, pydensecrf's arithmetic).
"""

import argparse
import json
import os
import subprocess
import tempfile
import time

import numpy as np
import pydensecrf.densecrf as dcrf
from PIL import Image
from pydensecrf.utils import unary_from_softmax

PARAMETER_SETS = {
    "deeplab": dict(iterations=5, gaussian_weight=3.0, gaussian_xy_std=1.0,
                    bilateral_weight=4.0, bilateral_xy_std=67.0, bilateral_rgb_std=3.0),
    "pydensecrf": dict(iterations=5, gaussian_weight=3.0, gaussian_xy_std=3.0,
                       bilateral_weight=10.0, bilateral_xy_std=80.0, bilateral_rgb_std=13.0),
}


def smooth_probabilities(labels, width, height, seed):
    """Softmax of coarse random logits upsampled bilinearly, plus per-pixel noise."""
    rng = np.random.default_rng(seed)
    coarse = rng.normal(0, 2, (labels, height // 16, width // 16)).astype(np.float32)
    logits = np.stack([np.asarray(Image.fromarray(p).resize((width, height), Image.BILINEAR)) for p in coarse])
    logits = logits + rng.normal(0, 1, logits.shape)
    e = np.exp(logits - logits.max(axis=0, keepdims=True))
    return (e / e.sum(axis=0, keepdims=True)).astype(np.float32)


def pydensecrf_times(image, probabilities, params, runs):
    """Medians in ms of the full pass and of inference alone."""
    labels, height, width = probabilities.shape

    def build():
        d = dcrf.DenseCRF2D(width, height, labels)
        d.setUnaryEnergy(unary_from_softmax(probabilities))
        d.addPairwiseGaussian(sxy=params["gaussian_xy_std"], compat=params["gaussian_weight"])
        d.addPairwiseBilateral(sxy=params["bilateral_xy_std"], srgb=params["bilateral_rgb_std"], rgbim=image,
                               compat=params["bilateral_weight"])
        return d

    full, inference = [], []
    for _ in range(runs):
        start = time.perf_counter()
        d = build()
        d.inference(params["iterations"])
        full.append(time.perf_counter() - start)
    d = build()
    for _ in range(runs):
        start = time.perf_counter()
        d.inference(params["iterations"])
        inference.append(time.perf_counter() - start)
    return float(np.median(full)) * 1000, float(np.median(inference)) * 1000


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--segctl", required=True)
    parser.add_argument("--image", required=True, help="the frame, RGB PNG")
    parser.add_argument("--labels", type=int, nargs="+", default=[2, 21])
    parser.add_argument("--runs", type=int, default=5, help="runs per round and side")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    image = np.array(Image.open(args.image).convert("RGB"), np.uint8, order="C")
    height, width = image.shape[:2]

    rows = []
    with tempfile.TemporaryDirectory(prefix="crf-bench-") as workdir:
        for set_name, params in PARAMETER_SETS.items():
            config = os.path.join(workdir, f"{set_name}.toml")
            with open(config, "w") as f:
                f.write("[crf]\n" + "".join(f"{key} = {value}\n" for key, value in params.items()))
            for labels in args.labels:
                probabilities = smooth_probabilities(labels, width, height, seed=labels)
                probs_path = os.path.join(workdir, f"probs{labels}.npy")
                np.save(probs_path, probabilities)
                # Rounds of a few runs of each, so that both sides see the same load on a shared
                # machine; the ratios are medians of the rounds' ratios, the times medians of theirs.
                rounds = []
                for _ in range(args.rounds):
                    segd, segd_float = (json.loads(subprocess.run(
                        [args.segctl, "crf", "--probs", probs_path, "--image", args.image, "--config", config,
                         "--bench-json", "--runs", str(args.runs), "--threads", "1", "--lattice-precision", precision],
                        check=True, capture_output=True, text=True).stdout) for precision in ("half", "float"))
                    py_full, py_inference = pydensecrf_times(image, probabilities, params, args.runs)
                    rounds.append((segd, segd_float, py_full, py_inference))
                segd = {key: float(np.median([r[0][key] for r in rounds])) for key in ("ms", "lattice_ms", "inference_ms")}
                segd.update({key: rounds[0][0][key] for key in ("lattice_precision", "vertices_gaussian", "vertices_bilateral")})
                segd_float = {"inference_ms": float(np.median([r[1]["inference_ms"] for r in rounds]))}
                py_full, py_inference = (float(np.median([r[i] for r in rounds])) for i in (2, 3))

                def ratio(part):
                    return round(float(np.median([part(r) for r in rounds])), 3)

                rows.append(dict(
                    bench="crf", parameters=set_name, width=width, height=height, labels=labels,
                    iterations=params["iterations"], threads=1, runs=args.runs, rounds=args.rounds,
                    segd_ms=round(segd["ms"], 3), segd_lattice_ms=round(segd["lattice_ms"], 3),
                    segd_inference_ms=round(segd["inference_ms"], 3), segd_lattice_precision=segd["lattice_precision"],
                    segd_float_inference_ms=round(segd_float["inference_ms"], 3),
                    pydensecrf_ms=round(py_full, 3), pydensecrf_inference_ms=round(py_inference, 3),
                    ratio_full=ratio(lambda r: r[0]["ms"] / r[2]),
                    ratio_inference=ratio(lambda r: r[0]["inference_ms"] / r[3]),
                    ratio_inference_float=ratio(lambda r: r[1]["inference_ms"] / r[3]),
                    vertices_gaussian=segd["vertices_gaussian"], vertices_bilateral=segd["vertices_bilateral"]))

    header = (f"{'parameters':<11} {'labels':>6} {'segd ms':>8} {'lattice':>8} {'infer':>8} "
              f"{'pydcrf ms':>9} {'infer':>8} {'full x':>7} {'infer x':>7} {'float infer':>11} {'x':>6} "
              f"{'bil. vertices':>13}")
    print(f"DenseCRF {width}x{height}, 5 iterations, 1 thread, {args.rounds} rounds of {args.runs} runs of each "
          "(times: medians; x: segd / pydensecrf, the median of the rounds' ratios, below 1 is faster)")
    print(header)
    for r in rows:
        print(f"{r['parameters']:<11} {r['labels']:>6} {r['segd_ms']:>8.2f} {r['segd_lattice_ms']:>8.2f} "
              f"{r['segd_inference_ms']:>8.2f} {r['pydensecrf_ms']:>9.2f} {r['pydensecrf_inference_ms']:>8.2f} "
              f"{r['ratio_full']:>7.3f} {r['ratio_inference']:>7.3f} {r['segd_float_inference_ms']:>11.2f} "
              f"{r['ratio_inference_float']:>6.3f} {r['vertices_bilateral']:>13}")
    for r in rows:
        print(json.dumps(r))


if __name__ == "__main__":
    main()
