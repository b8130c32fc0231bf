#!/usr/bin/env python3
"""segd's engine against onnxruntime 1.31.1 on the committed ONNX fixtures (issue 3, item 7):

1. float path: `segctl infer --float` logits vs onnxruntime fp32 (graph optimizations off: at its
   default level onnxruntime folds a zero Pad into a MaxPool, which changes the result; see
   docs/engine.md), on a random tensor and a real photo per fixture (segd reads the photo file and
   preprocesses it itself, onnxruntime gets preprocess.py's tensor): relative L2 < 1e-4;
2. one int8 conv layer with segd's scales, zero points, weights and bias (read back with
   `segctl inspect --json`) rebuilt as a QLinearConv (u8 activations, s8 per-channel weights):
   every output within 1 LSB;
3. int8-vs-float argmax agreement on real photos not used for calibration, segd vs onnxruntime's
   quantize_static (bench/peers/agreement.py, minmax, same calibration tensors): segd must not trail
   onnxruntime by more than 1 point (the target, segd >= onnxruntime, is reported in docs).

  Tests/Parity/parity.py --segctl PATH --images DIR
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "bench", "peers"))
from preprocess import load_image, model_preprocessing  # noqa: E402

FIXTURES = os.path.join(ROOT, "Tests", "Fixtures", "models")
failures = []


def check(condition, message):
    print(("ok   " if condition else "FAIL ") + message, flush=True)
    if not condition:
        failures.append(message)


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}): {p.stderr.strip()[:500]}")
    return p.stdout


def reference_session(path):
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    so.intra_op_num_threads = 1
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


def float_parity(segctl, photo, tmp):
    for name in sorted(os.listdir(FIXTURES)):
        if not name.endswith(".onnx"):
            continue
        path = os.path.join(FIXTURES, name)
        session = reference_session(path)
        inp = session.get_inputs()[0]
        _, size, mean, std, _ = model_preprocessing(path)
        xp, yp = os.path.join(tmp, "x.npy"), os.path.join(tmp, "y.npy")
        np.save(xp, np.random.RandomState(7).randn(*inp.shape).astype(np.float32))
        # the photo goes to segd as the file: its preprocessing must match preprocess.py's (Pillow) exactly
        inputs = {"random": (np.load(xp), ["--tensor", xp]),
                  "photo": (load_image(photo, size, mean, std), ["--image", photo])}
        for label, (x, segd_input) in inputs.items():
            ref = session.run(None, {inp.name: x})[0]
            run([segctl, "infer", "--model", path, "--float", *segd_input, "--logits-out", yp])
            y = np.load(yp)
            rel = float(np.linalg.norm(y - ref) / np.linalg.norm(ref)) if y.shape == ref.shape else float("inf")
            check(rel < 1e-4, f"float {name} ({label}): relative L2 vs onnxruntime fp32 {rel:.2e} (< 1e-4)")


def conv_layer_parity(segctl, tmp):
    rng = np.random.RandomState(3)
    for cin, cout, k, stride, dilation, pad in [(16, 24, 3, 1, 2, 2), (8, 32, 3, 2, 1, 1), (32, 21, 1, 1, 1, 0)]:
        h = w = 23
        weights = (rng.randn(cout, cin, k, k) * 0.2).astype(np.float32)
        bias = (rng.randn(cout) * 0.5).astype(np.float32)
        graph = helper.make_graph(
            [helper.make_node("Conv", ["x", "w", "b"], ["y"], name="conv", kernel_shape=[k, k], strides=[stride, stride],
                              dilations=[dilation, dilation], pads=[pad] * 4)],
            "one_conv", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, cin, h, w])],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
            [numpy_helper.from_array(weights, "w"), numpy_helper.from_array(bias, "b")])
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
        model.ir_version = 8
        onnx_path, compiled = os.path.join(tmp, "conv.onnx"), os.path.join(tmp, "conv.segm")
        onnx.save(model, onnx_path)
        calib = os.path.join(tmp, "calib")
        os.makedirs(calib, exist_ok=True)
        for i in range(4):
            np.save(os.path.join(calib, f"c{i}.npy"), rng.randn(1, cin, h, w).astype(np.float32))
        config = os.path.join(tmp, "minmax.toml")
        with open(config, "w") as f:
            f.write('[quantization]\nmethod = "minmax"\n')
        run([segctl, "compile", onnx_path, "--config", config, "--calibration", calib, "-o", compiled])
        info = json.loads(run([segctl, "inspect", compiled, "--json"]))
        layer = next(l for l in info["layers"] if l["op"] == "Conv")
        x_t, y_t = info["tensors"][layer["inputs"][0]], info["tensors"][layer["output"]]
        xs, xz, ys, yz = x_t["scale"], x_t["zero_point"], y_t["scale"], y_t["zero_point"]
        real = np.array([m * 2.0 ** -s for m, s in layer["multipliers"]])
        w_scale = (real * ys / xs).astype(np.float32)
        if w_scale.size == 1:
            w_scale = np.repeat(w_scale, cout)
        # segd packs OHWI; ONNX wants OIHW.
        w_q = np.array(layer["weights"], dtype=np.int8).reshape(cout, k, k, cin).transpose(0, 3, 1, 2).copy()
        b_q = np.array(layer["bias"], dtype=np.int32)
        qgraph = helper.make_graph(
            [helper.make_node("QLinearConv", ["x", "xs", "xz", "w", "ws", "wz", "ys", "yz", "b"], ["y"], name="qconv",
                              kernel_shape=[k, k], strides=[stride, stride], dilations=[dilation, dilation], pads=[pad] * 4)],
            "qconv", [helper.make_tensor_value_info("x", TensorProto.UINT8, [1, cin, h, w])],
            [helper.make_tensor_value_info("y", TensorProto.UINT8, None)],
            [numpy_helper.from_array(np.array(xs, np.float32), "xs"), numpy_helper.from_array(np.array(xz + 128, np.uint8), "xz"),
             numpy_helper.from_array(w_q, "w"), numpy_helper.from_array(w_scale, "ws"),
             numpy_helper.from_array(np.zeros(cout, np.int8), "wz"),
             numpy_helper.from_array(np.array(ys, np.float32), "ys"), numpy_helper.from_array(np.array(yz + 128, np.uint8), "yz"),
             numpy_helper.from_array(b_q, "b")])
        qmodel = helper.make_model(qgraph, opset_imports=[helper.make_opsetid("", 13)])
        qmodel.ir_version = 8
        q_path = os.path.join(tmp, "qconv.onnx")
        onnx.save(qmodel, q_path)
        q_in = rng.randint(-128, 128, size=(1, cin, h, w)).astype(np.int32)
        ort_out = reference_session(q_path).run(None, {"x": (q_in + 128).astype(np.uint8)})[0].astype(np.int32) - 128
        xp, yp = os.path.join(tmp, "xq.npy"), os.path.join(tmp, "yq.npy")
        np.save(xp, ((q_in - xz) * xs).astype(np.float32))
        run([segctl, "infer", "--model", compiled, "--tensor", xp, "--logits-out", yp])
        segd_out = np.rint(np.load(yp) / ys).astype(np.int32) + yz
        diff = np.abs(segd_out - ort_out)
        check(diff.max() <= 1, f"conv {k}x{k} {cin}->{cout} stride {stride} dilation {dilation}: max |segd - QLinearConv| "
              f"{diff.max()} LSB, {np.mean(diff == 0) * 100:.2f}% identical, {diff.size} outputs (<= 1 LSB)")


def agreement(segctl, images):
    for model in ["deeplab_lite_161", "refinenet_lite_161", "fcn8s_lite_161"]:
        with tempfile.NamedTemporaryFile(suffix=".jsonl", delete=False) as f:
            out = f.name
        run([sys.executable, os.path.join(ROOT, "bench", "peers", "agreement.py"), "--model", os.path.join(FIXTURES, model + ".onnx"),
             "--calib", os.path.join(images, "calibration"), "--eval", os.path.join(images, "eval"), "--method", "minmax",
             "--segctl", segctl, "--json", out])
        with open(out) as f:
            summary = json.loads(f.readlines()[-1])
        os.unlink(out)
        segd, peer = summary.get("segd_int8_mean_pct", 0), summary["ort_int8_mean_pct"]
        check(segd >= peer - 1.0, f"int8 agreement {model} (minmax, {summary['eval_images']} photos): segd {segd:.2f}%, "
              f"onnxruntime quantize_static {peer:.2f}% (segd must not trail by more than 1 point)")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--segctl", required=True)
    ap.add_argument("--images", required=True, help="scripts/fetch-images.sh output")
    a = ap.parse_args()
    photo = os.path.join(a.images, "eval", sorted(os.listdir(os.path.join(a.images, "eval")))[0])
    with tempfile.TemporaryDirectory() as tmp:
        float_parity(a.segctl, photo, tmp)
        conv_layer_parity(a.segctl, tmp)
    agreement(a.segctl, a.images)
    if failures:
        sys.exit(f"parity: {len(failures)} failures")
    print("parity: all checks passed")


if __name__ == "__main__":
    main()
