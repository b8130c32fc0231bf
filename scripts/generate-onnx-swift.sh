#!/usr/bin/env bash
# Regenerates Sources/SegCompiler/ONNX/onnx.pb.swift, the SwiftProtobuf types of ONNX's onnx.proto.
# The output is committed: the build and CI never run this script. Run it by hand after changing
# the onnx or swift-protobuf versions, and commit the result. The types are public (`Onnx_ModelProto`
# ...) so that tests and tools can build models with them.
#
#   scripts/generate-onnx-swift.sh [ONNX_PROTO]
#
# ONNX_PROTO defaults to the onnx.proto (proto2, the canonical schema) shipped in the onnx 1.23.2
# wheel of the benchmark venv (.bench/venv, made by bench/run.sh); without it, a throwaway venv gets
# `pip install onnx==1.23.2`. Needs `protoc` (Debian: apt-get install protobuf-compiler; 3.21.12
# was used) and builds protoc-gen-swift from swift-protobuf 1.39.0, the version Package.swift pins,
# so that the generated code matches the runtime library (a release build of about 2 minutes).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
work="${TMPDIR:-/tmp}/segd-onnx-swift"
protobuf_version=1.39.0
onnx_version=1.23.2

command -v protoc >/dev/null || { echo "protoc not found: apt-get install protobuf-compiler" >&2; exit 1; }
mkdir -p "$work"

proto="${1:-}"
if [ -z "$proto" ] && ls -d "$root"/.bench/venv/lib/python3*/site-packages/onnx-$onnx_version.dist-info >/dev/null 2>&1; then
  proto="$(ls "$root"/.bench/venv/lib/python3*/site-packages/onnx/onnx.proto | head -n 1)"
fi
if [ -z "$proto" ]; then
  python3 -m venv "$work/venv"
  "$work/venv/bin/pip" install -q "onnx==$onnx_version"
  proto="$(ls "$work"/venv/lib/python3*/site-packages/onnx/onnx.proto | head -n 1)"
fi

# swift-protobuf's generator at the pinned version (a local mirror may be passed as SWIFT_PROTOBUF_GIT).
if [ ! -x "$work/swift-protobuf/.build/release/protoc-gen-swift" ]; then
  rm -rf "$work/swift-protobuf"
  git clone -q "${SWIFT_PROTOBUF_GIT:-https://github.com/apple/swift-protobuf.git}" "$work/swift-protobuf"
  git -C "$work/swift-protobuf" checkout -q "$protobuf_version"
  (cd "$work/swift-protobuf" && swift build -c release --product protoc-gen-swift)
fi

# protoc names the output after the input file: copy it to a directory of its own as onnx.proto.
mkdir -p "$work/proto" "$work/out"
cp "$proto" "$work/proto/onnx.proto"
protoc \
  --plugin=protoc-gen-swift="$work/swift-protobuf/.build/release/protoc-gen-swift" \
  --proto_path="$work/proto" \
  --swift_out="$work/out" \
  --swift_opt=Visibility=Public \
  --swift_opt=FileNaming=DropPath \
  "$work/proto/onnx.proto"
cp "$work/out/onnx.pb.swift" "$root/Sources/SegCompiler/ONNX/onnx.pb.swift"
echo "wrote Sources/SegCompiler/ONNX/onnx.pb.swift from $proto ($(sha256sum "$proto" | cut -d' ' -f1))"
