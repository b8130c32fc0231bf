"""A from-the-definition model of Pillow's `Image.resize(size, Image.BILINEAR)` on 8-bit RGB, bit-exact
with Pillow (checked by `python pillow_resize.py DIR`), as the specification segd's Swift loader follows.

Separable: a horizontal pass into an 8-bit intermediate (rounded and clamped as below), then a vertical
pass over it (an axis whose size does not change is not resampled); per output coordinate `i` of an axis
resized from `n` to `m`:

  scale = n / m;  filterscale = max(scale, 1);  support = 1 * filterscale
  center = (i + 0.5) * scale
  lo = max(int(center - support + 0.5), 0);  hi = min(int(center + support + 0.5), n)   (int: toward 0)
  w[j] = max(0, 1 - |(j + lo - center + 0.5) / filterscale|)  for j in 0 ..< hi - lo, then w /= sum(w)
  fixed-point: k[j] = int(w[j] * 2^22 + 0.5) (w >= 0 here)
  out = clamp((2^21 + sum_j in[lo + j] * k[j]) >> 22, 0, 255)        (int32 accumulation)

Weights in double precision, sums in integers. (Pillow keeps only the intermediate rows the vertical pass
reads; the values are the same.)
"""
import numpy as np

PRECISION_BITS = 22


def coefficients(n, m):
    scale = n / m
    filterscale = max(scale, 1.0)
    support = 1.0 * filterscale
    bounds, kernels = [], []
    for i in range(m):
        center = (i + 0.5) * scale
        lo = max(int(center - support + 0.5), 0)
        hi = min(int(center + support + 0.5), n)
        w = [max(0.0, 1.0 - abs((j + lo - center + 0.5) / filterscale)) for j in range(hi - lo)]
        total = sum(w)
        if total != 0.0:
            w = [v / total for v in w]
        kernels.append([int(0.5 + v * (1 << PRECISION_BITS)) for v in w])
        bounds.append(lo)
    return bounds, kernels


def _pass(src, n_out, axis):
    """Resample axis 0 (rows) or 1 (columns) of an int array [H, W, 3]."""
    n_in = src.shape[axis]
    bounds, kernels = coefficients(n_in, n_out)
    out_shape = list(src.shape)
    out_shape[axis] = n_out
    out = np.empty(out_shape, np.uint8)
    for i, (lo, k) in enumerate(zip(bounds, kernels)):
        acc = np.full([s for d, s in enumerate(src.shape) if d != axis], 1 << (PRECISION_BITS - 1), np.int64)
        for j, kj in enumerate(k):
            acc += np.take(src, lo + j, axis=axis).astype(np.int64) * kj
        val = np.clip(acc >> PRECISION_BITS, 0, 255).astype(np.uint8)
        if axis == 0:
            out[i] = val
        else:
            out[:, i] = val
    return out


def resize_bilinear(rgb, width, height):
    """uint8 [H, W, 3] -> uint8 [height, width, 3], as Pillow's BILINEAR resize."""
    h, w = rgb.shape[:2]
    img = rgb
    if width != w:
        img = _pass(img, width, axis=1)
    if height != h:
        img = _pass(img, height, axis=0)
    return img


if __name__ == "__main__":
    import sys

    from PIL import Image

    from preprocess import list_images

    for path in list_images(sys.argv[1]):
        im = Image.open(path).convert("RGB")
        for size in ((321, 321), (161, 161), (513, 513)):
            want = np.asarray(im.resize(size, Image.BILINEAR))
            got = resize_bilinear(np.asarray(im), *size)
            if not np.array_equal(want, got):
                sys.exit(f"{path} {size}: {(want != got).sum()} values differ")
    print("bit-exact with Pillow", Image.__version__ if hasattr(Image, "__version__") else "")
