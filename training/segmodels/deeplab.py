"""DeepLab-LargeFOV-lite (DeepLab v1, Chen et al. 2015, "reduced field of view" head).

A light VGG-like backbone keeps output stride 8: the first three downsamplings are a stride-2 conv
and two 3x3/s2 max-pools; the DeepLab pool4/pool5 become 3x3/s1 max-pools and the later stages are
atrous (dilation 2 and 4) instead of strided. The LargeFOV head is fc6 = 3x3 conv with dilation 12 at
reduced width (256 instead of 1024), fc7 1x1, fc8 1x1 to the classes, then bilinear upsampling to
the input size (x8).

With `msc=True`, the multi-scale heads of section 4.3 (DeepLab-MSc) are added: a two-layer MLP
(3x3 conv with 128 channels, strided down to 1/8, then 1x1 conv with 128 channels) on the input
image and on the outputs of the first two max-pools, each followed by a 1x1 score layer; their class
scores are summed into fc8's (equivalent to concatenating the features before fc8, as in the paper).

About 2.4 G conv MACs at 321x321.
"""
from torch import nn

from .common import ConvBNAct, SeparableConv, VOC_CLASSES, upsample_to


class MScHead(nn.Sequential):
    """DeepLab-MSc skip head: 3x3 conv (stride to 1/8) -> 1x1 conv -> 1x1 class scores."""

    def __init__(self, cin, stride, num_classes, width=128):
        super().__init__(
            ConvBNAct(cin, width, 3, stride),
            ConvBNAct(width, width, 1),
            nn.Conv2d(width, num_classes, 1),
        )


class DeepLabLargeFOVLite(nn.Module):
    def __init__(self, num_classes=len(VOC_CLASSES), fc_width=256, msc=False):
        super().__init__()
        self.stage1 = ConvBNAct(3, 32, 3, stride=2)                        # 1/2
        self.pool1 = nn.MaxPool2d(3, 2, 1)                                 # 1/4
        self.stage2 = nn.Sequential(ConvBNAct(32, 64), ConvBNAct(64, 64))
        self.pool2 = nn.MaxPool2d(3, 2, 1)                                 # 1/8
        self.stage3 = nn.Sequential(ConvBNAct(64, 128), ConvBNAct(128, 128), SeparableConv(128, 128))
        self.pool3 = nn.MaxPool2d(3, 1, 1)                                 # stays 1/8 (DeepLab pool4)
        self.stage4 = nn.Sequential(ConvBNAct(128, 192, dilation=2), SeparableConv(192, 192, dilation=2))
        self.stage5 = SeparableConv(192, 256, dilation=4)
        self.pool5 = nn.MaxPool2d(3, 1, 1)                                 # DeepLab pool5
        self.fc6 = ConvBNAct(256, fc_width, 3, dilation=12)                # LargeFOV: 3x3, dilation 12
        self.drop6 = nn.Dropout2d(0.5)
        self.fc7 = ConvBNAct(fc_width, fc_width, 1)
        self.drop7 = nn.Dropout2d(0.5)
        self.fc8 = nn.Conv2d(fc_width, num_classes, 1)
        self.msc = msc
        if msc:
            self.msc_input = MScHead(3, 8, num_classes)
            self.msc_pool1 = MScHead(32, 2, num_classes)
            self.msc_pool2 = MScHead(64, 1, num_classes)

    def forward(self, x):
        size = x.shape[-2:]
        p1 = self.pool1(self.stage1(x))
        p2 = self.pool2(self.stage2(p1))
        y = self.pool3(self.stage3(p2))
        y = self.pool5(self.stage5(self.stage4(y)))
        y = self.drop7(self.fc7(self.drop6(self.fc6(y))))
        y = self.fc8(y)
        if self.msc:
            y = y + self.msc_input(x) + self.msc_pool1(p1) + self.msc_pool2(p2)
        return upsample_to(y, size)
