"""The one preprocessing every segd model uses (training, export, peers, agreement); segd's Swift
loader reproduces it. Documented in training/README.md ("Preprocessing").

  1. decode the file and convert to 8-bit RGB (Pillow `convert("RGB")`: alpha dropped, L/P expanded);
  2. resize straight to the model's input W x H with Pillow's BILINEAR filter (no letterbox, no crop,
     aspect ratio not kept; Pillow's BILINEAR is a triangle filter whose support widens by the
     scale factor when shrinking, i.e. antialiased);
  3. to float32, divide by 255;
  4. (x - mean[c]) / std[c] per channel, mean/std from the model's ONNX metadata
     (`segd.mean`, `segd.std`);
  5. NCHW, batch 1.
"""
import os

import numpy as np
from PIL import Image

DEFAULT_MEAN = (0.485, 0.456, 0.406)
DEFAULT_STD = (0.229, 0.224, 0.225)
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png")


def model_preprocessing(model_path):
    """(input name, (H, W), mean, std, class names) from an ONNX file's input shape and metadata."""
    import onnx

    m = onnx.load(model_path, load_external_data=False)
    inp = m.graph.input[0]
    dims = [d.dim_value for d in inp.type.tensor_type.shape.dim]
    if len(dims) != 4 or dims[1] != 3 or dims[2] <= 0 or dims[3] <= 0:
        raise ValueError(f"{model_path}: input {inp.name!r} has shape {dims}, expected static [1, 3, H, W]")
    meta = {p.key: p.value for p in m.metadata_props}
    mean = tuple(float(v) for v in meta["segd.mean"].split(",")) if "segd.mean" in meta else DEFAULT_MEAN
    std = tuple(float(v) for v in meta["segd.std"].split(",")) if "segd.std" in meta else DEFAULT_STD
    classes = meta["segd.classes"].split(",") if "segd.classes" in meta else None
    return inp.name, (dims[2], dims[3]), mean, std, classes


def load_image(path, size, mean=DEFAULT_MEAN, std=DEFAULT_STD):
    """float32 [1, 3, H, W] for `size` = (H, W)."""
    h, w = size
    img = Image.open(path).convert("RGB").resize((w, h), Image.BILINEAR)
    x = np.asarray(img, dtype=np.float32) / np.float32(255)
    x = (x - np.asarray(mean, np.float32)) / np.asarray(std, np.float32)
    return np.ascontiguousarray(x.transpose(2, 0, 1)[None])


def list_images(folder):
    """The JPEG/PNG files of a folder, sorted by name (the order calibration uses)."""
    names = sorted(n for n in os.listdir(folder) if n.lower().endswith(IMAGE_EXTENSIONS))
    if not names:
        raise FileNotFoundError(f"{folder}: no .jpg/.jpeg/.png images")
    return [os.path.join(folder, n) for n in names]
