#!/usr/bin/env python3
"""Train a segmodels network on a data set made by training/data/build.py (CPU).

  training/train.py --model deeplab_lite --data DATA --out RUN_DIR [--minutes M | --iters N] [--batch 16]
                    [--crop 161] [--lr 2e-3] [--sr] [--tau 1] [--threads 2] [--seed 0]
                    [--class-weights auto|none|w0,w1,...]

DATA holds classes.txt (one name per line, index order) and split folders of NNNNN.jpg (RGB) +
NNNNN.png (8-bit class indices, 255 = ignore); train/ is trained on, val/ evaluated on (whole images).
Writes RUN_DIR/model.pt (the network's state_dict only: `export.py --weights` loads it),
RUN_DIR/log.jsonl (loss parts, lr, throughput, validation results) and RUN_DIR/summary.json.
--sr adds the Self-Regulation losses of training/selfreg.py (training-only heads, not saved).
"""
import argparse
import itertools
import json
import math
import os
import sys
import time

import cv2
import numpy as np
import torch
from torch import nn
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from training.export import NEAR_IDENTITY_INIT, near_identity_init  # noqa: E402
from training.segmodels import IMAGENET_MEAN, IMAGENET_STD, MODELS  # noqa: E402
from training.selfreg import SelfRegulation  # noqa: E402

IGNORE = 255
MEAN = np.asarray(IMAGENET_MEAN, np.float32)
STD = np.asarray(IMAGENET_STD, np.float32)
WARMUP_FRACTION = 0.03
PROBE = 20          # iterations timed to size a --minutes run
PROBE_SKIP = 5      # of which the first are not timed (start-up of workers and allocator)
EVAL_BATCH = 8


def read_classes(data):
    with open(os.path.join(data, "classes.txt")) as f:
        return [line.strip() for line in f if line.strip()]


def load_split(folder):
    """All image/label pairs of a split as uint8 arrays [N,H,W,3] and [N,H,W] (decoded with Pillow, as
    bench/peers/preprocess.py decodes)."""
    stems = sorted(n[:-4] for n in os.listdir(folder) if n.endswith(".jpg"))
    if not stems:
        raise SystemExit(f"{folder}: no .jpg images")
    images = labels = None
    for k, s in enumerate(stems):
        img = np.asarray(Image.open(os.path.join(folder, s + ".jpg")).convert("RGB"))
        lbl = np.asarray(Image.open(os.path.join(folder, s + ".png")))
        if images is None:
            images = np.empty((len(stems),) + img.shape, np.uint8)
            labels = np.empty((len(stems),) + img.shape[:2], np.uint8)
        if img.shape != images.shape[1:] or lbl.shape != labels.shape[1:]:
            raise SystemExit(f"{folder}/{s}: image {img.shape} / label {lbl.shape}, expected {images.shape[1:]}")
        images[k], labels[k] = img, lbl
    return images, labels


def normalize(rgb):
    """float RGB 0..255 (HWC or NHWC) -> normalised float32 CHW / NCHW: x / 255, then (x - mean) / std."""
    x = (rgb.astype(np.float32) / np.float32(255) - MEAN) / STD
    return np.ascontiguousarray(np.moveaxis(x, -1, -3))


def class_weights(spec, labels, classes):
    """CE class weights. auto: 1 / sqrt(pixel frequency) over the train split, background = 1 (a class
    with no pixels gets 1: it never is a target)."""
    if spec == "none":
        return None
    if spec != "auto":
        w = [float(v) for v in spec.split(",")]
        if len(w) != len(classes):
            raise SystemExit(f"--class-weights has {len(w)} values for {len(classes)} classes")
        return torch.tensor(w)
    counts = sum(np.bincount(lbl.ravel(), minlength=256) for lbl in labels)[:len(classes)].astype(np.float64)
    w = np.where(counts > 0, np.sqrt(counts[0] / np.maximum(counts, 1)), 1.0)
    freq = counts / counts.sum()
    print("class pixel frequency: " + ", ".join(f"{c} {f:.4f}" for c, f in zip(classes, freq)))
    return torch.tensor(w, dtype=torch.float32)


class TrainCrops(torch.utils.data.Dataset):
    """Sample k of the endless training stream: image perm_e[k mod n] of epoch e = k // n, augmented with an
    RNG seeded by (seed, k) — the same stream whatever the number of workers.

    Augmentation: scale 0.75..1.25 (image bilinear, label nearest), a random crop (padded with the mean
    colour / ignore if the image got smaller than it), horizontal flip, then brightness, contrast and
    saturation each x0.8..1.2, in float, clipped to 0..255 before normalising as at inference."""

    def __init__(self, images, labels, crop, seed):
        self.images, self.labels, self.crop, self.seed = images, labels, crop, seed
        self._perm = (None, None)

    def __len__(self):
        return len(self.images)

    def _index(self, k):
        epoch, i = divmod(k, len(self.images))
        if self._perm[0] != epoch:
            self._perm = (epoch, np.random.default_rng((self.seed, 0, epoch)).permutation(len(self.images)))
        return self._perm[1][i]

    def __getitem__(self, k):
        rng = np.random.default_rng((self.seed, 1, k))
        i = self._index(k)
        img, lbl, c = self.images[i], self.labels[i], self.crop
        s = rng.uniform(0.75, 1.25)
        h, w = round(lbl.shape[0] * s), round(lbl.shape[1] * s)
        img = cv2.resize(img, (w, h), interpolation=cv2.INTER_LINEAR)
        lbl = cv2.resize(lbl, (w, h), interpolation=cv2.INTER_NEAREST)
        if h < c or w < c:
            canvas = np.empty((max(h, c), max(w, c), 3), np.uint8)
            canvas[:] = np.round(MEAN * 255).astype(np.uint8)
            canvas[:h, :w] = img
            img = canvas
            lbl = np.pad(lbl, ((0, img.shape[0] - h), (0, img.shape[1] - w)), constant_values=IGNORE)
            h, w = lbl.shape
        y0, x0 = rng.integers(0, h - c + 1), rng.integers(0, w - c + 1)
        img, lbl = img[y0:y0 + c, x0:x0 + c], lbl[y0:y0 + c, x0:x0 + c]
        if rng.random() < 0.5:
            img, lbl = img[:, ::-1], lbl[:, ::-1]
        x = img.astype(np.float32) * rng.uniform(0.8, 1.2)
        grey = x @ np.float32([0.299, 0.587, 0.114])
        x = (x - grey.mean()) * rng.uniform(0.8, 1.2) + grey.mean()
        grey = (x @ np.float32([0.299, 0.587, 0.114]))[..., None]
        x = (x - grey) * rng.uniform(0.8, 1.2) + grey
        return torch.from_numpy(normalize(np.clip(x, 0, 255))), torch.from_numpy(lbl.astype(np.int64))


class EndlessBatches:
    """Batch sampler: [0..B-1], [B..2B-1], ... forever (the run decides when to stop)."""

    def __init__(self, batch):
        self.batch = batch

    def __iter__(self):
        for i in itertools.count():
            yield list(range(i * self.batch, (i + 1) * self.batch))


def worker_init(_):
    cv2.setNumThreads(1)


class PlainLoss(nn.Module):
    """The network with pixel CE only; the same interface as SelfRegulation."""

    def __init__(self, model, criterion):
        super().__init__()
        self.model, self.criterion = model, criterion

    def forward(self, x, labels):
        logits = self.model(x)
        ce = self.criterion(logits, labels)
        return logits, ce, {"ce": ce.item()}


def init_weights(model, name, seed):
    """He init (fan-out, as torchvision's ResNet / MobileNetV2) for the bias-free convolutions, N(0, 0.01)
    and zero bias for the score / classifier layers; RefineNet-lite's bias-free convolutions start near
    identity (export.py's init: a plain random init of its ~76 convolutions is chaotic). FCN's
    transposed convolutions keep their bilinear init."""
    for m in model.modules():
        if type(m) is nn.Conv2d:
            if m.bias is None:
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            else:
                nn.init.normal_(m.weight, std=0.01)
                nn.init.zeros_(m.bias)
    if name in NEAR_IDENTITY_INIT:
        near_identity_init(model, torch.Generator().manual_seed(seed + 2), NEAR_IDENTITY_INIT[name])


class Schedule:
    """Linear warm-up over the first 3% of the iterations, then cosine to 0 at `total`.

    With a time budget the total is set after PROBE timed iterations; until then the ramp climbs as if
    the warm-up were PROBE / WARMUP_FRACTION iterations long, afterwards it goes on linearly from where
    it got to (over at least PROBE more iterations), so the curve stays continuous."""

    def __init__(self, base, total=None):
        self.base, self.anchor, self.total = base, (0, 0.0), None
        self.warm = round(PROBE / WARMUP_FRACTION)
        if total is not None:
            self.set_total(total)

    def set_total(self, total, at=0):
        """`at`: the iteration from which the new total applies (the ramp continues from lr(at - 1))."""
        if at:
            self.anchor = (at, self(at - 1))
        self.total = total
        self.warm = max(round(WARMUP_FRACTION * total), 2 * at, 1)

    def __call__(self, i):
        a_i, a_lr = self.anchor
        if i < self.warm:
            return a_lr + (self.base - a_lr) * (i + 1 - a_i) / (self.warm - a_i)
        return 0.5 * self.base * (1 + math.cos(math.pi * (i - self.warm) / max(1, self.total - self.warm)))


@torch.no_grad()
def evaluate(model, images, labels, classes, limit=None):
    """Whole images, no crop: (mIoU over classes present in the labels or predictions, per-class IoU,
    pixel accuracy); pixels labelled 255 (or any value >= the class count) are skipped."""
    was_training = model.training
    model.eval()
    n, c = (len(images) if limit is None else min(limit, len(images))), len(classes)
    conf = np.zeros(c * c, np.int64)
    for s in range(0, n, EVAL_BATCH):
        e = min(s + EVAL_BATCH, n)
        pred = model(torch.from_numpy(normalize(images[s:e]))).argmax(1).numpy()
        y = labels[s:e]
        valid = y < c
        conf += np.bincount(c * y[valid].astype(np.int64) + pred[valid], minlength=c * c)
    model.train(was_training)
    conf = conf.reshape(c, c)
    tp = np.diag(conf).astype(np.float64)
    union = conf.sum(0) + conf.sum(1) - tp
    iou = np.where(union > 0, tp / np.maximum(union, 1), np.nan)
    return float(np.nanmean(iou)), {k: (None if np.isnan(v) else float(v)) for k, v in zip(classes, iou)}, \
        float(tp.sum() / max(conf.sum(), 1))


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, choices=sorted(MODELS))
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    budget = ap.add_mutually_exclusive_group(required=True)
    budget.add_argument("--minutes", type=float, help="time budget of the training loop (iterations + evaluations)")
    budget.add_argument("--iters", type=int)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--crop", type=int, default=161, help="32k+1 (fcn8s_lite's transposed convolutions need it)")
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--weight-decay", type=float, default=1e-4)
    ap.add_argument("--sr", action="store_true", help="add the Self-Regulation losses (training/selfreg.py)")
    ap.add_argument("--tau", type=float, default=1.0, help="Self-Regulation softmax temperature")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--workers", type=int, default=1, help="DataLoader worker processes (0: augment in the main one)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--class-weights", default="auto", help="auto | none | w0,w1,...")
    ap.add_argument("--evals", type=int, default=4, help="validation passes, evenly spaced, the last at the end")
    ap.add_argument("--log-every", type=int, default=20)
    a = ap.parse_args()
    if a.crop % 32 != 1:
        ap.error("--crop must be 32k+1 (97, 129, 161, ...)")
    if (a.minutes is not None and a.minutes <= 0) or (a.iters is not None and a.iters <= 0):
        ap.error("the budget must be positive")
    if a.evals < 1:
        ap.error("--evals must be at least 1")
    return a


def main():
    a = parse_args()
    t_start = time.time()
    torch.set_num_threads(a.threads)
    cv2.setNumThreads(1)
    torch.manual_seed(a.seed)
    os.makedirs(a.out, exist_ok=True)

    classes = read_classes(a.data)
    train_x, train_y = load_split(os.path.join(a.data, "train"))
    val_x, val_y = load_split(os.path.join(a.data, "val"))
    if val_y.shape[1] % 32 != 1 or val_y.shape[2] % 32 != 1:
        print(f"warning: val images are {val_y.shape[2]}x{val_y.shape[1]}, not 32k+1")
    print(f"{a.data}: {len(classes)} classes {classes}, train {len(train_x)}, val {len(val_x)} images "
          f"({time.time() - t_start:.1f} s to load)", flush=True)
    weights = class_weights(a.class_weights, train_y, classes)
    if weights is not None:
        print("class weights: " + ", ".join(f"{c} {w:.3f}" for c, w in zip(classes, weights.tolist())))

    model = MODELS[a.model](num_classes=len(classes))
    init_weights(model, a.model, a.seed)
    criterion = nn.CrossEntropyLoss(weight=weights, ignore_index=IGNORE)
    net = (SelfRegulation(model, a.model, len(classes), criterion, a.tau) if a.sr
           else PlainLoss(model, criterion)).train()
    opt = torch.optim.AdamW(net.parameters(), lr=a.lr, weight_decay=a.weight_decay)
    n_model = sum(p.numel() for p in model.parameters())
    n_heads = sum(p.numel() for p in net.parameters()) - n_model
    print(f"{a.model}: {n_model / 1e6:.2f} M parameters, training-only heads {n_heads}, sr {a.sr}", flush=True)

    loader = torch.utils.data.DataLoader(
        TrainCrops(train_x, train_y, a.crop, a.seed), batch_sampler=EndlessBatches(a.batch),
        num_workers=a.workers, worker_init_fn=worker_init, prefetch_factor=4 if a.workers else None)
    batches = iter(loader)
    sched = Schedule(a.lr, a.iters)
    log = open(os.path.join(a.out, "log.jsonl"), "w")

    def record(entry):
        log.write(json.dumps(entry) + "\n")
        log.flush()

    def eval_points(total):
        """Iteration counts after which to validate: `--evals` evenly spaced, the last one = total."""
        return {max(1, round(total * k / a.evals)) for k in range(1, a.evals + 1)}

    total = a.iters
    evals = eval_points(total) if total else set()
    t_loop = time.time()
    train_s = eval_s = 0.0
    acc, acc_n, t_log = {}, 0, time.time()
    result = None
    done = 0  # iterations completed
    while total is None or done < total:
        lr = sched(done)
        for g in opt.param_groups:
            g["lr"] = lr
        t0 = time.time()
        x, y = next(batches)
        _, loss, parts = net(x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        train_s += time.time() - t0
        done += 1
        parts["total"] = loss.item()
        if not math.isfinite(parts["total"]):
            raise SystemExit(f"iteration {done}: loss is {parts['total']}")
        for k, v in parts.items():
            acc[k] = acc.get(k, 0.0) + v
        acc_n += 1

        if done % a.log_every == 0 or done in evals:
            entry = {"iteration": done, "lr": lr, **{k: v / acc_n for k, v in acc.items()},
                     "it_per_s": acc_n / (time.time() - t_log)}
            print(f"it {done}: " + ", ".join(f"{k} {v:.4g}" for k, v in entry.items() if k != "iteration"),
                  flush=True)
            record(entry)
            acc, acc_n = {}, 0

        if total is None and done == PROBE_SKIP:
            t_probe = time.time()
        if total is None and done == PROBE:
            per_iter = (time.time() - t_probe) / (PROBE - PROBE_SKIP)
            t0 = time.time()
            evaluate(model, val_x, val_y, classes, limit=EVAL_BATCH)
            per_eval = (time.time() - t0) * len(val_x) / min(EVAL_BATCH, len(val_x))
            left = a.minutes * 60 - (time.time() - t_loop) - a.evals * per_eval
            total = PROBE + max(0, int(left / per_iter))
            sched.set_total(total, at=PROBE)
            evals = eval_points(total)
            print(f"time budget: {per_iter:.2f} s/iteration, ~{per_eval:.0f} s/evaluation -> {total} iterations",
                  flush=True)
            record({"iteration": done, "planned_iterations": total, "s_per_iteration": per_iter,
                    "s_per_eval": per_eval})

        if done in evals:
            t0 = time.time()
            miou, iou, pix = evaluate(model, val_x, val_y, classes)
            result = {"iteration": done, "val_miou": miou, "val_iou": iou, "val_pixel_acc": pix,
                      "eval_s": time.time() - t0}
            eval_s += result["eval_s"]
            print(f"val @ {done}: mIoU {miou:.4f} (" + ", ".join(
                f"{k} {'-' if v is None else f'{v:.4f}'}" for k, v in iou.items()) +
                f"), pixel acc {pix:.4f}, {result['eval_s']:.1f} s", flush=True)
            record(result)
            torch.save(model.state_dict(), os.path.join(a.out, "model.pt"))
        if acc_n == 0:
            t_log = time.time()
    del batches
    log.close()

    summary = {
        "model": a.model, "classes": classes, "args": vars(a), "sr": a.sr, "iterations": done,
        "class_weights": None if weights is None else weights.tolist(),
        "parameters": n_model, "train_seconds": train_s, "eval_seconds": eval_s,
        "images_per_s": done * a.batch / train_s, "wall_minutes": (time.time() - t_start) / 60,
        "val_miou": result["val_miou"], "val_iou": result["val_iou"], "val_pixel_acc": result["val_pixel_acc"],
    }
    with open(os.path.join(a.out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    print(f"done: {done} iterations, {summary['images_per_s']:.1f} images/s, {summary['wall_minutes']:.1f} min, "
          f"val mIoU {result['val_miou']:.4f}; {os.path.join(a.out, 'model.pt')}")


if __name__ == "__main__":
    main()
