"""PyTorch definitions of the segmentation models segd runs (see training/README.md)."""
from .common import VOC_CLASSES, IMAGENET_MEAN, IMAGENET_STD, conv_macs
from .deeplab import DeepLabLargeFOVLite
from .refinenet import RefineNetLite
from .fcn import FCN8sLite

# name -> constructor; the names are what export.py writes into `segd.model`
MODELS = {
    "deeplab_lite": lambda **kw: DeepLabLargeFOVLite(**kw),
    "deeplab_lite_msc": lambda **kw: DeepLabLargeFOVLite(msc=True, **kw),
    "refinenet_lite": lambda **kw: RefineNetLite(**kw),
    "fcn8s_lite": lambda **kw: FCN8sLite(**kw),
    "fcn8s_lite_bilinear": lambda **kw: FCN8sLite(bilinear=True, **kw),
}

__all__ = ["VOC_CLASSES", "IMAGENET_MEAN", "IMAGENET_STD", "conv_macs", "DeepLabLargeFOVLite", "RefineNetLite",
           "FCN8sLite", "MODELS"]
