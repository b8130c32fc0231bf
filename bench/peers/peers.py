#!/usr/bin/env python3
"""segd against onnxruntime and LiteRT on one ONNX model, one input, one thread, in one run.

  bench/peers/peers.py MODEL.onnx --images DIR [--runs N] [--warmup N] [--segctl PATH] [--json OUT]

1. onnxruntime int8: quantize_static (QDQ, u8 activations, s8 per-channel weights, MinMax) calibrated on
   DIR/calibration through the model's preprocessing (ort_quant.py); timed with 1 intra-op thread.
2. onnxruntime fp32, same settings.
3. LiteRT int8 (and fp32): a .tflite written from the ONNX graph (tflite_writer.py), quantized by
   LiteRT's own calibrator on the same images; XNNPACK, 1 thread.
4. segd: `segctl bench --model MODEL.onnx --calibration DIR/calibration --threads 1 --json` (its
   `total_ms` is a median; the model is compiled through segd's cache with the default config), when the
   binary exists.
Timed region: one inference on the first image of DIR/eval (input already preprocessed, output read
back). Median of --runs after --warmup. Prints a table with each engine's time over segd int8's.
"""
import argparse
import hashlib
import json
import os
import subprocess
import sys
import time

import numpy as np
import onnx
import onnxruntime as ort

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import ort_quant  # noqa: E402
from preprocess import list_images, load_image, model_preprocessing  # noqa: E402

CACHE = os.path.join(ROOT, ".bench", "peers-cache")
HZ = os.sysconf("SC_CLK_TCK")


def _cpu_busy():
    v = list(map(int, open("/proc/stat").readline().split()[1:]))
    return (v[0] + v[1] + v[2] + v[5] + v[6]) / HZ


def _own_cpu():
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def time_it(fn, warmup, runs):
    """Median / min ms, and how many cores other processes kept busy meanwhile (noise indicator)."""
    for _ in range(warmup):
        fn()
    b0, o0, w0 = _cpu_busy(), _own_cpu(), time.time()
    ts = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t0) * 1e3)
    foreign = max(0.0, (_cpu_busy() - b0) - (_own_cpu() - o0)) / max(time.time() - w0, 1e-9)
    return {"median_ms": float(np.median(ts)), "min_ms": float(min(ts)), "runs": runs, "foreign_cores": round(foreign, 2)}


def conv_macs(model_path):
    """Multiply-accumulates of the Conv / ConvTranspose nodes (static shapes)."""
    m = onnx.shape_inference.infer_shapes(onnx.load(model_path))
    shapes = {vi.name: [d.dim_value for d in vi.type.tensor_type.shape.dim]
              for vi in list(m.graph.input) + list(m.graph.value_info) + list(m.graph.output)}
    inits = {i.name: list(i.dims) for i in m.graph.initializer}
    total = 0
    for n in m.graph.node:
        if n.op_type == "Conv":
            w = inits[n.input[1]]
            total += int(np.prod(shapes[n.output[0]])) * w[1] * w[2] * w[3]
        elif n.op_type == "ConvTranspose":
            w = inits[n.input[1]]
            total += int(np.prod(shapes[n.input[0]])) * w[1] * w[2] * w[3]
    return total


def ort_session(path, threads=1):
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


def litert_models(model_path, calib_inputs):
    """(float .tflite path, int8 .tflite path), cached next to the ORT models."""
    import tflite_writer

    stem = os.path.splitext(os.path.basename(model_path))[0]
    h = hashlib.sha256()
    for path in (model_path, tflite_writer.__file__):  # a new writer makes new models
        with open(path, "rb") as f:
            h.update(f.read())
    key = h.hexdigest()[:12]
    f32 = os.path.join(CACHE, f"{stem}.litert_f32_{key}.tflite")
    i8 = os.path.join(CACHE, f"{stem}.litert_int8_{key}_{len(calib_inputs)}.tflite")
    os.makedirs(CACHE, exist_ok=True)
    if not os.path.exists(f32):
        with open(f32, "wb") as f:
            f.write(tflite_writer.float_tflite(model_path))
    if not os.path.exists(i8):
        with open(f32, "rb") as f:
            fb = f.read()
        q = tflite_writer.quantize_int8(fb, [x.transpose(0, 2, 3, 1).copy() for x in calib_inputs])
        with open(i8, "wb") as f:
            f.write(q)
    return f32, i8


def litert_runner(path):
    from ai_edge_litert.interpreter import Interpreter

    it = Interpreter(model_path=path, num_threads=1)
    it.allocate_tensors()
    ii, oi = it.get_input_details()[0]["index"], it.get_output_details()[0]["index"]

    def run(x_nhwc):
        it.set_tensor(ii, x_nhwc)
        it.invoke()
        return it.get_tensor(oi)

    return run


def segd_bench(segctl, model_path, runs, calibration):
    if not segctl or not os.path.exists(segctl):
        return None, f"segctl not found ({segctl or 'no path'}): segd skipped"
    cmd = [segctl, "bench", "--model", model_path, "--calibration", calibration, "--threads", "1", "--runs", str(runs), "--json"]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        err = " ".join(p.stderr.split())[:300]
        return None, f"`segctl bench --model ... --threads 1 --json` failed ({p.returncode}): {err}; segd skipped"
    try:
        line = [ln for ln in p.stdout.splitlines() if ln.strip().startswith("{")][-1]
        r = json.loads(line)
        return {"median_ms": float(r["total_ms"]), "arena_bytes": r.get("arena_bytes")}, None
    except (IndexError, KeyError, ValueError) as e:
        return None, f"`{' '.join(cmd)}` printed no JSON object with total_ms ({e}): {p.stdout[-400:]}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("--images", required=True, help="folder made by scripts/fetch-images.sh")
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--ncalib", type=int, default=0, help="calibration images to use (0: all)")
    ap.add_argument("--segctl", default=os.path.join(ROOT, ".build", "release", "segctl"))
    ap.add_argument("--no-litert", action="store_true")
    ap.add_argument("--json", help="append the results as one JSON line to this file")
    a = ap.parse_args()

    name, size, mean, std, _ = model_preprocessing(a.model)
    calib_paths = list_images(os.path.join(a.images, "calibration"))
    if a.ncalib:
        calib_paths = calib_paths[:a.ncalib]
    x = load_image(list_images(os.path.join(a.images, "eval"))[0], size, mean, std)
    macs = conv_macs(a.model)
    print(f"{os.path.basename(a.model)}: input {size[0]}x{size[1]}, {macs / 1e9:.3f} G conv MACs, "
          f"{len(calib_paths)} calibration images, 1 thread, median of {a.runs}", flush=True)

    rows = []  # (engine, format, stats)
    segd, why = segd_bench(a.segctl, os.path.abspath(a.model), a.runs, os.path.join(os.path.abspath(a.images), "calibration"))
    if segd:
        rows.append(("segd", "int8", segd))
    else:
        print("  " + why, flush=True)

    int8_path = ort_quant.quantize(a.model, calib_paths, CACHE)
    for fmt, path in (("int8 u8s8 QDQ", int8_path), ("fp32", a.model)):
        sess = ort_session(path)
        rows.append(("onnxruntime " + ort.__version__, fmt, time_it(lambda: sess.run(None, {name: x}), a.warmup, a.runs)))
        del sess

    if not a.no_litert:
        import importlib.metadata as md

        calib_inputs = [load_image(p, size, mean, std) for p in calib_paths]
        f32, i8 = litert_models(a.model, calib_inputs)
        xh = x.transpose(0, 2, 3, 1).copy()
        for fmt, path in (("int8", i8), ("fp32", f32)):
            run = litert_runner(path)
            rows.append((f"LiteRT {md.version('ai-edge-litert')} XNNPACK", fmt, time_it(lambda: run(xh), a.warmup, a.runs)))

    base = segd["median_ms"] if segd else None
    print(f"\n{'engine':28s} {'format':14s} {'median ms':>10s} {'min ms':>8s} {'GMAC/s':>7s} {'vs segd':>8s} {'noise':>6s}")
    for engine, fmt, st in rows:
        ratio = f"{st['median_ms'] / base:7.2f}x" if base else "    n/a"
        gmacs = macs / (st["median_ms"] * 1e-3) / 1e9
        mn = f"{st['min_ms']:8.2f}" if "min_ms" in st else "       -"
        noise = f"{st['foreign_cores']:6.2f}" if "foreign_cores" in st else "     -"
        print(f"{engine:28s} {fmt:14s} {st['median_ms']:10.2f} {mn} {gmacs:7.1f} {ratio:>8s} {noise}")
    print("vs segd: the engine's median over segd int8's (above 1: segd is faster); "
          "noise: cores other processes used meanwhile")
    if a.json:
        with open(a.json, "a") as f:
            f.write(json.dumps({"model": os.path.basename(a.model), "size": size, "conv_macs": macs,
                                "results": [{"engine": e, "format": fm, **st} for e, fm, st in rows]}) + "\n")


if __name__ == "__main__":
    main()
