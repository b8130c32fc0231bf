"""RefineNet-lite: a MobileNetV2 encoder with a Light-Weight RefineNet decoder (Nekrasov et al. 2018,
after Lin et al. 2017).

Encoder: MobileNetV2 (inverted residuals: 1x1 expand + ReLU6, depthwise 3x3 + ReLU6, 1x1 project,
identity shortcut when shapes allow), features taken at 1/4, 1/8, 1/16 and 1/32.
Decoder, top-down from 1/32: 1x1 projection to `width` channels, (from the second level) add the
upsampled coarser path and ReLU, RCU (residual conv unit: ReLU-3x3-ReLU-3x3 + input) on 1/32 and 1/16, CRP (chained residual pooling: four times 5x5/s1 max-pool + 1x1 conv, each output summed
with the input), then multi-resolution fusion to the next level: 1x1 conv + bilinear upsample + add.
Final 1x1 classifier at 1/4, bilinear upsample to the input size.

About 1.9 G conv MACs at 321x321.
"""
from torch import nn
import torch.nn.functional as F

from .common import ConvBNAct, VOC_CLASSES, upsample_to


class InvertedResidual(nn.Module):
    def __init__(self, cin, cout, stride, expand):
        super().__init__()
        hidden = cin * expand
        layers = []
        if expand != 1:
            layers.append(ConvBNAct(cin, hidden, 1, act="relu6"))
        layers += [ConvBNAct(hidden, hidden, 3, stride, groups=hidden, act="relu6"),
                   ConvBNAct(hidden, cout, 1, act=None)]
        self.block = nn.Sequential(*layers)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        y = self.block(x)
        return x + y if self.residual else y


class MobileNetV2Encoder(nn.Module):
    # (expansion t, channels c, repeats n, first stride s) — the MobileNetV2 table, with two 160-channel
    # blocks instead of three (keeps the fixture under 10 MB)
    SETTINGS = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 2, 2), (6, 320, 1, 1))
    # indices into SETTINGS after which a feature map is returned (1/4, 1/8, 1/16, 1/32)
    TAPS = (1, 2, 4, 6)

    def __init__(self):
        super().__init__()
        self.stem = ConvBNAct(3, 32, 3, 2, act="relu6")
        stages, cin = [], 32
        for t, c, n, s in self.SETTINGS:
            blocks = []
            for i in range(n):
                blocks.append(InvertedResidual(cin, c, s if i == 0 else 1, t))
                cin = c
            stages.append(nn.Sequential(*blocks))
        self.stages = nn.ModuleList(stages)
        self.channels = tuple(self.SETTINGS[i][1] for i in self.TAPS)

    def forward(self, x):
        x = self.stem(x)
        feats = []
        for i, stage in enumerate(self.stages):
            x = stage(x)
            if i in self.TAPS:
                feats.append(x)
        return feats


class RCU(nn.Module):
    """Residual conv unit: x + conv3x3(relu(conv3x3(relu(x))))."""

    def __init__(self, c):
        super().__init__()
        self.conv1 = ConvBNAct(c, c, 3)            # conv + BN + ReLU
        self.conv2 = ConvBNAct(c, c, 3, act=None)

    def forward(self, x):
        return x + self.conv2(self.conv1(F.relu(x)))


class CRP(nn.Module):
    """Chained residual pooling: top = x; repeat: top = conv1x1(maxpool5x5/s1(top)); x = x + top."""

    def __init__(self, c, stages=4):
        super().__init__()
        self.pools = nn.ModuleList(nn.MaxPool2d(5, 1, 2) for _ in range(stages))
        self.convs = nn.ModuleList(ConvBNAct(c, c, 1, act=None) for _ in range(stages))

    def forward(self, x):
        top = x
        for pool, conv in zip(self.pools, self.convs):
            top = conv(pool(top))
            x = x + top
        return x


class RefineNetLite(nn.Module):
    def __init__(self, num_classes=len(VOC_CLASSES), width=96):
        super().__init__()
        self.encoder = MobileNetV2Encoder()
        chans = self.encoder.channels[::-1]          # coarsest first: 320, 96, 32, 24
        self.proj = nn.ModuleList(ConvBNAct(c, width, 1, act=None) for c in chans)
        # RCUs on 1/32 and 1/16; none on the finer levels (Light-Weight RefineNet drops them all, to save
        # MACs and weights)
        self.rcu = nn.ModuleList([RCU(width), RCU(width), nn.Identity(), nn.Identity()])
        self.crp = nn.ModuleList(CRP(width) for _ in chans)
        self.fuse = nn.ModuleList(ConvBNAct(width, width, 1, act=None) for _ in chans[:-1])
        self.drop = nn.Dropout(0.5)
        self.classifier = nn.Conv2d(width, num_classes, 1)

    def forward(self, x):
        size = x.shape[-2:]
        feats = self.encoder(x)[::-1]
        y = None
        for level, f in enumerate(feats):
            p = self.proj[level](f)
            if y is not None:
                p = F.relu(p + upsample_to(self.fuse[level - 1](y), p.shape[-2:]))
            else:
                p = F.relu(p)
            y = self.crp[level](self.rcu[level](p))
        return upsample_to(self.classifier(self.drop(y)), size)
