#!/usr/bin/env bash
# Makes the MJPEG replay clips that `segctl bench capture` and replay sources play: opencv-doc's PETS
# clip (/usr/share/doc/opencv-doc/examples/data/vtest.avi, 795 frames, 768x576, 10 fps) as
# concatenated baseline JPEG frames, the byte stream a UVC camera's MJPEG mode delivers:
#
#   OUT/vtest.mjpeg           768x576, as the clip is
#   OUT/vtest_640x480.mjpeg   640x480 (the clip's 4:3 scaled down, area filter): the size UVC
#                             cameras deliver most, and `segctl bench capture`'s default clip
#
#   scripts/make-replay-clip.sh [OUT]      (OUT defaults to .bench/replay)
#
# vtest.avi is MS-MPEG4 v3 (DivX 3, FourCC div3), not MJPEG, so its frames cannot be copied out as
# JPEGs: Debian's ffmpeg decodes them and its mjpeg encoder writes 4:2:2 JPEGs (yuvj422p, as UVC
# cameras send) at quality scale 3. Installs opencv-doc and ffmpeg with apt-get when missing. A clip
# that already exists is kept (delete it to remake it); each is written under a temporary name and
# renamed, so an interrupted run leaves no partial clip.
set -euo pipefail

[ $# -le 1 ] || { echo "usage: scripts/make-replay-clip.sh [OUT]" >&2; exit 2; }
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-$ROOT/.bench/replay}
CLIP=/usr/share/doc/opencv-doc/examples/data/vtest.avi

SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
missing=()
[ -f "$CLIP" ] || missing+=(opencv-doc)
command -v ffmpeg >/dev/null || missing+=(ffmpeg)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

codec=$(ffprobe -v error -select_streams v:0 -show_entries stream=codec_name -of csv=p=0 "$CLIP")

# make_clip NAME [ffmpeg video filter]
make_clip() {
  local target=$OUT/$1
  if [ -s "$target" ]; then
    echo "$target exists" >&2
    return
  fi
  mkdir -p "$OUT"
  if [ "$codec" = mjpeg ] && [ -z "${2:-}" ]; then
    # Already JPEG frames: copy them out bit for bit.
    ffmpeg -v error -y -i "$CLIP" -map 0:v:0 -c:v copy -f mjpeg "$target.partial"
  else
    ffmpeg -v error -y -i "$CLIP" -map 0:v:0 ${2:+-vf "$2"} -c:v mjpeg -pix_fmt yuvj422p -q:v 3 -f mjpeg "$target.partial"
  fi
  mv "$target.partial" "$target"
  echo "$target: $(du -h "$target" | cut -f1)" >&2
}

make_clip vtest.mjpeg
make_clip vtest_640x480.mjpeg "scale=640:480:flags=area"
