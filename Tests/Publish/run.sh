#!/usr/bin/env bash
# The publishing tests across processes, run by scripts/test.sh:
#   1. Tests/Publish/stress.sh: the shared-memory ring under a full-speed writer with Swift and C
#      readers verifying every mask, a SIGKILLed and restarted writer, ring-to-reader latency;
#   2. clients/python/run-tests.sh: the Python client (written from docs/shm-ring.md and
#      docs/protocol.md) against a real ring writer and a real server: `segctl capture` on the
#      test pattern with the default model (compiled here to int8), publishing to a ring and a
#      socket.
set -euo pipefail
cd "$(dirname "$0")/../.."

swift build -c release --product segctl
[ -d .bench/images/calibration ] || scripts/fetch-images.sh .bench/images
mkdir -p .bench/publish
model=.bench/publish/deeplab_lite_321.segm
[ -s "$model" ] || .build/release/segctl compile models/deeplab_lite_321.onnx --calibration .bench/images/calibration -o "$model"

Tests/Publish/stress.sh
SEGD_TEST_SERVER_CMD="$PWD/.build/release/segctl capture --source pattern --model $PWD/$model --publish --socket {socket} --ring {ring} --fps 15 --duration 30" \
  clients/python/run-tests.sh
