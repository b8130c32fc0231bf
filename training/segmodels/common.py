"""Building blocks shared by the three segmentation models.

Every convolution is followed by BatchNorm (so that BN folding is exercised by the importer) except
the score / classifier layers, which carry a bias instead.
"""
import torch
from torch import nn
import torch.nn.functional as F

VOC_CLASSES = (
    "background", "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow",
    "diningtable", "dog", "horse", "motorbike", "person", "pottedplant", "sheep", "sofa", "train", "tvmonitor",
)

# Preprocessing every model expects (stored in the ONNX metadata by export.py): RGB in 0..1, then
# (x - mean) / std per channel.
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class ConvBNAct(nn.Sequential):
    """conv (no bias) -> BatchNorm -> ReLU / ReLU6 / nothing. `padding` defaults to 'same' for odd kernels."""

    def __init__(self, cin, cout, k=3, stride=1, dilation=1, groups=1, act="relu", padding=None):
        if padding is None:
            padding = dilation * (k - 1) // 2
        layers = [nn.Conv2d(cin, cout, k, stride, padding, dilation, groups, bias=False), nn.BatchNorm2d(cout)]
        if act == "relu":
            layers.append(nn.ReLU(inplace=True))
        elif act == "relu6":
            layers.append(nn.ReLU6(inplace=True))
        elif act is not None:
            raise ValueError(f"unknown activation {act!r}")
        super().__init__(*layers)


class SeparableConv(nn.Sequential):
    """Depthwise 3x3 (optionally dilated) + BN + ReLU, then pointwise 1x1 + BN + ReLU."""

    def __init__(self, cin, cout, stride=1, dilation=1):
        super().__init__(
            ConvBNAct(cin, cin, 3, stride, dilation, groups=cin),
            ConvBNAct(cin, cout, 1),
        )


def upsample_to(x, size):
    """Bilinear resize to a static (H, W), align_corners=False (ONNX Resize, pytorch_half_pixel / half_pixel).

    `size` is turned into plain ints so that tracing records constant sizes instead of a Shape subgraph.
    """
    return F.interpolate(x, size=(int(size[0]), int(size[1])), mode="bilinear", align_corners=False)


def conv_macs(model: nn.Module, input_size: int) -> int:
    """Multiply-accumulates of every Conv2d / ConvTranspose2d for a 1x3xSxS input (hooks on a dry run)."""
    total = 0

    def hook(mod, inp, out):
        nonlocal total
        w = mod.weight
        if isinstance(mod, nn.ConvTranspose2d):
            # every input element is multiplied by a (cout/groups x k x k) slice
            total += inp[0].numel() * w.shape[1] * w.shape[2] * w.shape[3]
        else:
            total += out.numel() * w.shape[1] * w.shape[2] * w.shape[3]

    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))]
    was_training = model.training
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, 3, input_size, input_size))
    model.train(was_training)
    for h in handles:
        h.remove()
    return total
