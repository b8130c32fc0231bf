#!/usr/bin/env python3
"""The peer for segd's convolution benchmark: onnxruntime's int8 QLinearConv (uint8 activations,
int8 per-channel weights: the fast u8s8 path) on the shapes of segctl's conv workloads, one thread.

Prints one JSON object per line: {"name", "ms" (median), "gmacs"}.
The shapes mirror Sources/SegKernelsBench/ConvolutionWorkloads.swift.
"""
import argparse
import json
import time

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper

# name: (height, width, cin, cout, kernel, stride, dilation, pad, groups)
SHAPES = {
    "conv3x3-d12": (41, 41, 512, 1024, 3, 1, 12, 12, 1),
    "conv1x1-1024": (41, 41, 1024, 1024, 1, 1, 1, 0, 1),
    "conv3x3-64": (80, 80, 64, 64, 3, 1, 1, 1, 1),
    "conv3x3-64-s2": (160, 160, 64, 64, 3, 2, 1, 1, 1),
    "dwconv3x3-144": (80, 80, 144, 144, 3, 1, 1, 1, 144),
    "conv1x1-256-crp": (41, 41, 256, 256, 1, 1, 1, 0, 1),
}


def model(h, w, cin, cout, k, stride, dilation, pad, groups):
    rng = np.random.default_rng(7)
    weights = rng.integers(-127, 128, size=(cout, cin // groups, k, k), dtype=np.int8)
    inits = [
        helper.make_tensor("x_scale", TensorProto.FLOAT, [], [0.02]),
        helper.make_tensor("x_zero", TensorProto.UINT8, [], [125]),
        helper.make_tensor("w", TensorProto.INT8, weights.shape, weights.tobytes(), raw=True),
        helper.make_tensor("w_scale", TensorProto.FLOAT, [cout], (0.001 + 0.001 * rng.random(cout)).tolist()),
        helper.make_tensor("w_zero", TensorProto.INT8, [cout], [0] * cout),
        helper.make_tensor("y_scale", TensorProto.FLOAT, [], [0.05]),
        helper.make_tensor("y_zero", TensorProto.UINT8, [], [0]),
        helper.make_tensor("b", TensorProto.INT32, [cout], rng.integers(-5000, 5000, cout).tolist()),
    ]
    node = helper.make_node(
        "QLinearConv", ["x", "x_scale", "x_zero", "w", "w_scale", "w_zero", "y_scale", "y_zero", "b"], ["y"],
        kernel_shape=[k, k], strides=[stride, stride], dilations=[dilation, dilation], pads=[pad] * 4, group=groups)
    oh = (h + 2 * pad - dilation * (k - 1) - 1) // stride + 1
    ow = (w + 2 * pad - dilation * (k - 1) - 1) // stride + 1
    graph = helper.make_graph(
        [node], "conv", [helper.make_tensor_value_info("x", TensorProto.UINT8, [1, cin, h, w])],
        [helper.make_tensor_value_info("y", TensorProto.UINT8, [1, cout, oh, ow])], inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], ir_version=8)
    onnx.checker.check_model(m)
    macs = oh * ow * cout * k * k * (cin // groups)
    return m.SerializeToString(), macs


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    for name, shape in SHAPES.items():
        if args.only and name not in args.only.split(","):
            continue
        data, macs = model(*shape)
        session = ort.InferenceSession(data, options, providers=["CPUExecutionProvider"])
        h, w, cin = shape[0], shape[1], shape[2]
        x = np.random.default_rng(1).integers(0, 256, size=(1, cin, h, w), dtype=np.uint8)
        session.run(None, {"x": x})
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            session.run(None, {"x": x})
            times.append(time.perf_counter() - start)
        ms = sorted(times)[len(times) // 2] * 1e3
        print(json.dumps({"name": name, "ms": round(ms, 3), "gmacs": round(macs / ms / 1e6, 1), "onnxruntime": ort.__version__}))


if __name__ == "__main__":
    main()
