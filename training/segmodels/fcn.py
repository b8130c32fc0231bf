"""FCN-8s-lite (Long, Shelhamer, Darrell 2015): a light VGG-like backbone with five 2x2/s2 max-pools
(ceil_mode, as Caffe's), class scores on pool3 (1/8), pool4 (1/16) and the final features (1/32),
fused coarse to fine: score_fr upsampled x2 + score_pool4, upsampled x2 + score_pool3, upsampled x8.

Upsampling is either learned transposed convolutions initialised to bilinear kernels (FCN's
"deconvolution"; x2: kernel 4, stride 2, pad 2, output_padding 1; x8: kernel 16, stride 8, pad 8,
output_padding 1 — these sizes map odd sizes n to 2n-1 / 8n-7 exactly, so no Crop is needed) or,
with `bilinear=True`, fixed bilinear resizes (align_corners=False) to the skip's / input's size.
Input sizes of the form 32k+1 (161, 321, 513) give exact alignment.

About 1.6 G conv MACs at 321x321.
"""
import torch
from torch import nn

from .common import ConvBNAct, VOC_CLASSES, upsample_to


def bilinear_kernel(channels, k):
    """FCN's bilinear upsampling filter (per channel), shape [channels, channels, k, k]."""
    factor = (k + 1) // 2
    center = factor - 1 if k % 2 == 1 else factor - 0.5
    og = torch.arange(k, dtype=torch.float32)
    filt1 = 1 - (og - center).abs() / factor
    filt = filt1[:, None] * filt1[None, :]
    w = torch.zeros(channels, channels, k, k)
    for c in range(channels):
        w[c, c] = filt
    return w


class FCN8sLite(nn.Module):
    def __init__(self, num_classes=len(VOC_CLASSES), bilinear=False, noise=0.02):
        super().__init__()

        def block(cin, cout):
            return nn.Sequential(ConvBNAct(cin, cout), ConvBNAct(cout, cout), nn.MaxPool2d(2, 2, ceil_mode=True))

        self.block1 = block(3, 16)        # 1/2
        self.block2 = block(16, 32)       # 1/4
        self.block3 = block(32, 64)       # 1/8  -> pool3
        self.block4 = block(64, 128)      # 1/16 -> pool4
        self.block5 = block(128, 128)     # 1/32
        self.fc6 = ConvBNAct(128, 256, 3)
        self.fc7 = ConvBNAct(256, 256, 1)
        self.drop = nn.Dropout2d(0.5)
        self.score_fr = nn.Conv2d(256, num_classes, 1)
        self.score_pool4 = nn.Conv2d(128, num_classes, 1)
        self.score_pool3 = nn.Conv2d(64, num_classes, 1)
        self.bilinear = bilinear
        if not bilinear:
            self.up2_fr = nn.ConvTranspose2d(num_classes, num_classes, 4, 2, 2, output_padding=1, bias=False)
            self.up2_pool4 = nn.ConvTranspose2d(num_classes, num_classes, 4, 2, 2, output_padding=1, bias=False)
            self.up8 = nn.ConvTranspose2d(num_classes, num_classes, 16, 8, 8, output_padding=1, bias=False)
            g = torch.Generator().manual_seed(1234)
            with torch.no_grad():
                for up in (self.up2_fr, self.up2_pool4, self.up8):
                    k = up.weight.shape[-1]
                    # bilinear init plus a little noise, so every (in, out) channel pair is non-zero
                    up.weight.copy_(bilinear_kernel(num_classes, k)
                                    + noise * torch.randn(up.weight.shape, generator=g) / (k / 2))

    def _up(self, layer, x, like):
        return upsample_to(x, like.shape[-2:]) if self.bilinear else layer(x)

    def forward(self, x):
        pool3 = self.block3(self.block2(self.block1(x)))
        pool4 = self.block4(pool3)
        y = self.drop(self.fc7(self.fc6(self.block5(pool4))))
        y = self.score_fr(y)
        y = self._up(getattr(self, "up2_fr", None), y, pool4) + self.score_pool4(pool4)
        y = self._up(getattr(self, "up2_pool4", None), y, pool3) + self.score_pool3(pool3)
        return self._up(getattr(self, "up8", None), y, x)
