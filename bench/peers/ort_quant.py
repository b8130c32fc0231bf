"""onnxruntime static int8 quantization of a segd model, the reference for segd's own quantizer:
quant_pre_process (ONNX shape inference + ORT's graph optimizations, which fold BatchNormalization into the
convolutions), then quantize_static with uint8 asymmetric activations, int8 symmetric weights per output
channel ("u8s8", the fast x86 path), calibrated over the calibration images run through the model's
preprocessing (preprocess.py) with one of onnxruntime's calibration methods at its defaults:

- minmax: the smallest and largest value seen;
- entropy: EntropyCalibrater with quantize_static's fixed num_bins = num_quantized_bins = 128 (extra_options
  cannot change them): the KL search then has a single candidate, the whole histogram [-max|x|, max|x|],
  clipped to [min, max], so its ranges are exactly minmax's;
- percentile: PercentileCalibrater, 2048 bins of |x| (CalibTensorRangeSymmetric defaults to True for it),
  range [-t, t] clipped to [min, max] where t is the `percentile`-th percentile of |x| (default 99.999)."""
import hashlib
import os
import tempfile

from onnxruntime.quantization import CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType, quantize_static
from onnxruntime.quantization.shape_inference import quant_pre_process

from preprocess import load_image, model_preprocessing

METHODS = {"minmax": CalibrationMethod.MinMax, "entropy": CalibrationMethod.Entropy,
           "percentile": CalibrationMethod.Percentile}
FORMATS = {"qdq": QuantFormat.QDQ, "qoperator": QuantFormat.QOperator}


class ImageReader(CalibrationDataReader):
    def __init__(self, model_path, image_paths):
        name, size, mean, std, _ = model_preprocessing(model_path)
        self.feeds = [{name: load_image(p, size, mean, std)} for p in image_paths]
        self.i = 0

    def get_next(self):
        if self.i >= len(self.feeds):
            return None
        self.i += 1
        return self.feeds[self.i - 1]

    def rewind(self):
        self.i = 0


DEFAULT_PERCENTILE = 99.999  # onnxruntime's (create_calibrator)


def quantize(model_path, calib_paths, cache_dir, fmt="qdq", method="minmax", per_channel=True,
             percentile=DEFAULT_PERCENTILE):
    """Path of the int8 model (cached by model bytes, images and settings; `percentile` only matters to
    method "percentile")."""
    if method not in METHODS:
        raise ValueError(f"unknown calibration method {method!r}; one of {sorted(METHODS)}")
    h = hashlib.sha256()
    with open(model_path, "rb") as f:
        h.update(f.read())
    for p in calib_paths:
        h.update(os.path.basename(p).encode())
        h.update(str(os.path.getsize(p)).encode())
    tag = f"percentile{percentile:g}" if method == "percentile" else method
    h.update(f"{fmt},{tag},{per_channel},u8s8".encode())
    stem = os.path.splitext(os.path.basename(model_path))[0]
    out = os.path.join(cache_dir, f"{stem}.ort_{fmt}_u8s8_{tag}_{h.hexdigest()[:12]}.onnx")
    if os.path.exists(out):
        return out
    os.makedirs(cache_dir, exist_ok=True)
    extra = {"ActivationSymmetric": False, "WeightSymmetric": True}
    if method == "percentile":
        extra["CalibPercentile"] = percentile
    with tempfile.TemporaryDirectory() as tmp:
        pre = os.path.join(tmp, "pre.onnx")
        quant_pre_process(model_path, pre, skip_symbolic_shape=True)  # shapes are static
        quantize_static(pre, out + ".tmp", ImageReader(model_path, calib_paths), quant_format=FORMATS[fmt],
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8, per_channel=per_channel,
                        calibrate_method=METHODS[method],
                        extra_options=extra)
    os.replace(out + ".tmp", out)
    return out
