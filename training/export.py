#!/usr/bin/env python3
"""Export the segmentation models to ONNX (and write the committed test fixtures).

  training/export.py --fixtures Tests/Fixtures/models      # the whole fixture set, reproducibly
  training/export.py --model deeplab_lite --size 321 -o deeplab_321.onnx [--weights W.pt --classes classes.txt] [--opset 17]

Every export: batch 1, static shapes, input `input` float32 [1,3,S,S] (preprocessed as in
bench/peers/preprocess.py), output `logits` float32 [1,classes,S,S] (NCHW, input size), opset 13 by
default, constant folding on, BatchNormalization kept as its own node (not folded by the exporter),
metadata `segd.model`, `segd.classes`, `segd.mean`, `segd.std`. Each file is checked with
onnx.checker and onnxruntime's fp32 output is compared with PyTorch's (max abs diff printed).

Without --weights, weights are random (seeded) and the BatchNorm running statistics are measured on
real photos (the calibration folder of scripts/fetch-images.sh, and their mirror images) so that
activations have realistic scales.
"""
import argparse
import collections
import os
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime as ort
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "bench", "peers"))

from preprocess import list_images, load_image  # noqa: E402
from training import tiny_ops  # noqa: E402
from training.segmodels import IMAGENET_MEAN, IMAGENET_STD, MODELS, VOC_CLASSES, conv_macs  # noqa: E402

DEFAULT_IMAGES = os.path.join(ROOT, ".train", "images")
BN_STATS_SIZE = 321

# (file stem, model name, input size)
FIXTURES = (
    ("deeplab_lite_321", "deeplab_lite", 321),
    ("deeplab_lite_161", "deeplab_lite", 161),
    ("refinenet_lite_321", "refinenet_lite", 321),
    ("refinenet_lite_161", "refinenet_lite", 161),
    ("fcn8s_lite_321", "fcn8s_lite", 321),
    ("fcn8s_lite_161", "fcn8s_lite", 161),
    ("fcn8s_lite_bilinear_161", "fcn8s_lite_bilinear", 161),
    ("deeplab_lite_msc_161", "deeplab_lite_msc", 161),
)
MAX_FIXTURE_BYTES = 10 * 1000 * 1000
# Models whose convolutions start near identity ("Dirac + noise", noise = this fraction of the He std):
# at RefineNet-lite's depth (~76 convolutions) a plain random init is chaotic — each random filter
# passes white (rounding / quantization) noise at full energy but cancels much of the smooth image
# signal, and BatchNorm then amplifies both — so int8 logits kept ~3 dB SQNR (35% argmax agreement for
# onnxruntime's own quantizer). Near-identity filters propagate the signal (18 dB, ~91%).
NEAR_IDENTITY_INIT = {"refinenet_lite": 0.25}


def seed_for(name):
    """A fixed seed per model name (stable across runs and Python versions)."""
    return sum((i + 1) * ord(c) for i, c in enumerate(name)) % 100_000


def calibration_images(images_dir):
    cal = os.path.join(images_dir, "calibration")
    if not os.path.isdir(cal):
        print(f"{cal} missing: running scripts/fetch-images.sh {images_dir}", flush=True)
        subprocess.run([os.path.join(ROOT, "scripts", "fetch-images.sh"), images_dir], check=True)
    return list_images(cal)


def randomize_batchnorm_affine(model, gen):
    """Non-trivial gamma/beta so that BN folding is visible in the weights."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.copy_(torch.empty(m.num_features).uniform_(0.75, 1.25, generator=gen))
                m.bias.copy_(torch.randn(m.num_features, generator=gen) * 0.1)


def near_identity_init(model, gen, noise):
    """Every bias-free Conv2d (all but score / classifier layers): output channel o copies input channel
    o mod (cin/groups) at the kernel centre, plus noise * He-std Gaussian weights."""
    with torch.no_grad():
        for m in model.modules():
            if type(m) is not nn.Conv2d or m.bias is not None:
                continue
            cout, cin_g, kh, kw = m.weight.shape
            w = torch.zeros_like(m.weight)
            w[torch.arange(cout), torch.arange(cout) % cin_g, kh // 2, kw // 2] = 1.0
            std = (2.0 / (cin_g * kh * kw)) ** 0.5
            m.weight.copy_(w + noise * std * torch.randn(m.weight.shape, generator=gen))


def measure_batchnorm_stats(model, paths, size=BN_STATS_SIZE, batch=8):
    """Running mean/var = average over batches of real photos (and their mirror images), in train mode."""
    batch_norms = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    for m in batch_norms:
        m.reset_running_stats()
        m.momentum = None  # cumulative average over all batches
    xs = [torch.from_numpy(load_image(p, (size, size), IMAGENET_MEAN, IMAGENET_STD)) for p in paths]
    xs += [torch.flip(x, dims=[3]) for x in xs]
    model.train()
    for m in model.modules():  # dropout off while measuring
        if isinstance(m, (nn.Dropout, nn.Dropout2d)):
            m.eval()
    with torch.no_grad():
        for i in range(0, len(xs), batch):
            model(torch.cat(xs[i:i + batch]))
    model.eval()
    return len(xs)


def build_model(name, images_dir=None, weights=None, classes=VOC_CLASSES):
    seed = seed_for(name)
    torch.manual_seed(seed)
    model = MODELS[name](num_classes=len(classes))
    if weights:
        model.load_state_dict(torch.load(weights, map_location="cpu"))
    else:
        if name in NEAR_IDENTITY_INIT:
            near_identity_init(model, torch.Generator().manual_seed(seed + 2), NEAR_IDENTITY_INIT[name])
        randomize_batchnorm_affine(model, torch.Generator().manual_seed(seed + 1))
        n = measure_batchnorm_stats(model, calibration_images(images_dir or DEFAULT_IMAGES))
        print(f"{name}: seed {seed}, BatchNorm statistics from {n} images at {BN_STATS_SIZE}x{BN_STATS_SIZE}")
    return model.eval()


def add_metadata(model_proto, name, classes=VOC_CLASSES):
    for key, value in (("segd.model", name), ("segd.classes", ",".join(classes)),
                       ("segd.mean", ",".join(f"{v:g}" for v in IMAGENET_MEAN)),
                       ("segd.std", ",".join(f"{v:g}" for v in IMAGENET_STD))):
        p = model_proto.metadata_props.add()
        p.key, p.value = key, value


def fold_constants(model_proto):
    """Fold until nothing changes (shape inference sees through a Resize only once its sizes are constant)."""
    while True:
        count = len(model_proto.graph.node)
        model_proto = fold_constants_once(model_proto)
        if len(model_proto.graph.node) == count:
            break
    used = {n for node in model_proto.graph.node for n in node.input}
    inits = [i for i in model_proto.graph.initializer if i.name in used]
    del model_proto.graph.initializer[:]
    model_proto.graph.initializer.extend(inits)
    return model_proto


def fold_constants_once(model_proto):
    """Replace Constant nodes by initializers, Shape of statically shaped tensors by their value, and
    evaluate every node whose inputs are then all constant (the Shape -> Slice -> Concat chains torch
    writes for `interpolate(size=...)`). Leaves only the network's own ops."""
    from onnx import numpy_helper
    from onnx.reference import ReferenceEvaluator

    inferred = onnx.shape_inference.infer_shapes(model_proto)
    shapes = {}
    for vi in list(inferred.graph.value_info) + list(inferred.graph.input) + list(inferred.graph.output):
        dims = [d.dim_value if d.HasField("dim_value") else None for d in vi.type.tensor_type.shape.dim]
        if all(d is not None for d in dims):
            shapes[vi.name] = dims
    consts = {i.name: numpy_helper.to_array(i) for i in model_proto.graph.initializer}
    graph_outputs = {o.name for o in model_proto.graph.output}
    kept, folded = [], {}
    for node in model_proto.graph.node:
        value = None
        if node.op_type == "Constant":
            value = numpy_helper.to_array(node.attribute[0].t)
        elif node.op_type == "Shape" and node.input[0] in shapes and not node.attribute:
            value = np.array(shapes[node.input[0]], dtype=np.int64)
        elif node.input and all(n == "" or n in consts for n in node.input):
            sub = onnx.helper.make_model(
                onnx.helper.make_graph([node], "fold", [], [onnx.helper.make_tensor_value_info(node.output[0], 0, None)],
                                       [numpy_helper.from_array(consts[n], n) for n in node.input if n]),
                opset_imports=model_proto.opset_import)
            value = ReferenceEvaluator(sub).run(None, {})[0]
        if value is None or len(node.output) != 1 or node.output[0] in graph_outputs:
            kept.append(node)
            continue
        consts[node.output[0]] = np.asarray(value)
        folded[node.output[0]] = np.asarray(value)
    used = {n for node in kept for n in node.input}
    del model_proto.graph.node[:]
    model_proto.graph.node.extend(kept)
    for name, value in folded.items():
        if name in used:
            model_proto.graph.initializer.append(numpy_helper.from_array(value, name))
    model_proto.graph.ClearField("value_info")
    return model_proto


def op_histogram(model_proto):
    return collections.Counter(n.op_type for n in model_proto.graph.node)


def describe(path, model_proto):
    hist = op_histogram(model_proto)
    outs = [(o.name, [d.dim_value for d in o.type.tensor_type.shape.dim]) for o in model_proto.graph.output]
    resize_modes = sorted({(a.s.decode() if a.name != "nearest_mode" else "")
                           for n in model_proto.graph.node if n.op_type == "Resize"
                           for a in n.attribute if a.name in ("mode", "coordinate_transformation_mode")})
    print(f"  {os.path.basename(path)}: {os.path.getsize(path) / 1e6:.2f} MB, opset "
          f"{model_proto.opset_import[0].version}, outputs {outs}")
    print("    ops: " + ", ".join(f"{k} {v}" for k, v in sorted(hist.items())))
    if resize_modes:
        print("    Resize attributes: " + ", ".join(resize_modes))


def export(model, name, size, path, opset=13, x=None, classes=VOC_CLASSES):
    """Export, check, compare with onnxruntime; returns the max abs diff."""
    if x is None:
        x = torch.randn(1, 3, size, size, generator=torch.Generator().manual_seed(7))
    torch.onnx.export(model, (x,), path, dynamo=False, opset_version=opset, do_constant_folding=True,
                      input_names=["input"], output_names=["logits"],
                      training=torch.onnx.TrainingMode.PRESERVE)  # PRESERVE: keep BatchNormalization nodes
    proto = fold_constants(onnx.load(path))
    add_metadata(proto, name, classes)
    onnx.checker.check_model(proto, full_check=True)
    onnx.save(proto, path)
    with torch.no_grad():
        ref = model(x).numpy()
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    got = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"]).run(None, {"input": x.numpy()})[0]
    diff = float(np.abs(got - ref).max())
    rel_l2 = float(np.linalg.norm(got - ref) / np.linalg.norm(ref))
    describe(path, proto)
    print(f"    {conv_macs(model, size) / 1e9:.3f} G conv MACs; onnxruntime fp32 vs torch: max abs diff {diff:.3g} "
          f"(logits max abs {float(np.abs(ref).max()):.3g}), relative L2 {rel_l2:.3g}")
    return diff


def write_tiny_ops(path, opset=13):
    proto = tiny_ops.build(opset)
    add_metadata(proto, "tiny_ops", tiny_ops.CLASSES)
    onnx.save(proto, path)
    x = np.random.default_rng(7).standard_normal((1, 3, tiny_ops.INPUT_SIZE, tiny_ops.INPUT_SIZE)).astype(np.float32)
    probs, labels = ort.InferenceSession(path, providers=["CPUExecutionProvider"]).run(None, {"input": x})
    describe(path, proto)
    print(f"    onnxruntime runs it: probs sum per pixel {probs.sum(1).min():.4f}..{probs.sum(1).max():.4f}, "
          f"label histogram {np.bincount(labels.ravel(), minlength=len(tiny_ops.CLASSES)).tolist()}")


def write_fixtures(out_dir, images_dir):
    os.makedirs(out_dir, exist_ok=True)
    torch.set_num_threads(1)  # reproducible reductions
    photo = calibration_images(images_dir)[0]
    models = {}
    for stem, name, size in FIXTURES:
        if name not in models:
            models[name] = build_model(name, images_dir)
        path = os.path.join(out_dir, stem + ".onnx")
        x = torch.from_numpy(load_image(photo, (size, size), IMAGENET_MEAN, IMAGENET_STD))
        export(models[name], name, size, path, x=x)
        if os.path.getsize(path) > MAX_FIXTURE_BYTES:
            sys.exit(f"{path} is {os.path.getsize(path)} bytes, over the 10 MB fixture limit")
    write_tiny_ops(os.path.join(out_dir, "tiny_ops.onnx"))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--fixtures", metavar="DIR", help="write the committed fixture set into DIR")
    ap.add_argument("--model", choices=sorted(MODELS))
    ap.add_argument("--size", type=int, default=321)
    ap.add_argument("--opset", type=int, default=13)
    ap.add_argument("--weights", help="state_dict (.pt) of a trained model; default: random weights")
    ap.add_argument("--images", default=DEFAULT_IMAGES,
                    help="folder made by scripts/fetch-images.sh (its calibration/ measures BatchNorm statistics)")
    ap.add_argument("--classes", metavar="FILE",
                    help="class names, one per line in index order (a data set's classes.txt); default: the 21 VOC classes")
    ap.add_argument("-o", "--output")
    a = ap.parse_args()
    if a.fixtures:
        write_fixtures(a.fixtures, a.images)
    elif a.model:
        torch.set_num_threads(1)
        classes = VOC_CLASSES
        if a.classes:
            with open(a.classes) as f:
                classes = tuple(line.strip() for line in f if line.strip())
        model = build_model(a.model, a.images, a.weights, classes)
        export(model, a.model, a.size, a.output or f"{a.model}_{a.size}.onnx", a.opset, classes=classes)
    else:
        ap.error("give --fixtures DIR or --model NAME")


if __name__ == "__main__":
    main()
