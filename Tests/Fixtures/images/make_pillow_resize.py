#!/usr/bin/env python3
"""Writes the Pillow BILINEAR resize fixtures the SegImageIO tests compare with (bit-exact).

  .bench/venv/bin/python Tests/Fixtures/images/make_pillow_resize.py    (Pillow 13.0.0)

source.png: 53x37 seeded random RGB with smooth gradients and hard edges; then source resized with
Image.BILINEAR to every size in SIZES, as resize_WxH.png.
"""
import os

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
SIZES = ((16, 11), (21, 37), (53, 12), (97, 80), (7, 61), (1, 1))

rng = np.random.default_rng(5)
y, x = np.mgrid[0:37, 0:53]
img = np.stack([x * 4.8, y * 6.9, (x + y) * 2.8], axis=2) + rng.integers(0, 40, (37, 53, 3))
img[10:20, 5:30] = rng.integers(0, 256, (10, 25, 3))
src = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))
src.save(os.path.join(HERE, "source.png"))
for w, h in SIZES:
    src.resize((w, h), Image.BILINEAR).save(os.path.join(HERE, f"resize_{w}x{h}.png"))
