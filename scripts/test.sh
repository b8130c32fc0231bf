#!/usr/bin/env bash
# All of segd's tests, from a fresh clone: installs what is missing, then
#   1. swift test -c release: every kernel bit-exact against its scalar reference (random vectors and
#      hand-computed cases), configuration errors, no allocation in any kernel call (x86_64), as
#      optimized code ships;
#   2. swift test (debug): the same with every assertion and no optimizer to hide a trap;
#   3. cross/embedded-test.sh: the same vectors on aarch64 (Cortex-A76 with DotProd, Cortex-A72
#      without) and armv7 (Cortex-A7) under qemu, bit-exact with x86_64, run-time dispatch, no
#      allocation; whole compiled networks bit-exact with x86_64;
#   4. Tests/Parity/run.sh: the engine against onnxruntime (float logits, one int8 conv layer,
#      int8-vs-float agreement on real photos);
#   5. Tests/CRF/run.sh: SegCRF (`segctl crf`) against pydensecrf2 on random and real images with
#      both parameter sets and matrix compatibilities (label agreement >= 99.5%, max probability
#      difference reported), and its refusals of NaN, infinite and negative probabilities;
#   6. Tests/Models/run.sh: every shipped model (models/) loads, keeps its classes, compiles with the
#      default config and segments held-out PETS frames as its committed expected masks;
#   7. Tests/Publish/run.sh: the shared-memory ring under a full-speed writer with Swift and C readers
#      (no torn mask accepted in 100k frames, writer SIGKILLed and restarted), and the Python client
#      against a real ring and a real socket server;
#   8. Tests/System/run.sh capture: Debian's kernel boots under qemu and segctl captures from real
#      V4L2 drivers: vivid (YUYV, NV12, two sizes, fps honoured, unplug and re-plug) and v4l2loopback
#      fed MJPEG frames of the PETS clip with corrupt ones among them;
#   9. systemd/check-units.sh (systemd-analyze verify prints nothing, security score <= 1.0) and
#      Tests/System/run.sh systemd: a debootstrapped Debian 12 boots real systemd under qemu with
#      segd installed from systemd/: readiness, masks, subscribers, socket activation, reload with a
#      broken and a valid config, watchdog restarts after a hang and a camera stall, a clean stop.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
swift build -c release
swift test -c release
swift test
cross/embedded-test.sh "${EMBEDDED_CASES:-100}"
Tests/Parity/run.sh
Tests/CRF/run.sh
Tests/Models/run.sh
Tests/Publish/run.sh
Tests/System/run.sh capture
systemd/check-units.sh
Tests/System/run.sh systemd
