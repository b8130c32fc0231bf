"""Command line: print a line per frame from the ring or the socket.

    python -m segd_client ring [PATH] [--count N] [--timeout S] [--verify]
    python -m segd_client socket [PATH] [--every N] [--rle] [--downscale K] [--count N] [--timeout S] [--status]
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Iterator, Optional, Sequence

from .errors import SegdError
from .frame import Frame, ModelInfo
from .ring import DEFAULT_PATH, RingReader
from .subscriber import DEFAULT_SOCKET, Subscriber


def _shares(frame: Frame, names: Sequence[str]) -> str:
    """Classes covering at least 0.1 % of the mask, largest first."""
    shares = frame.class_shares()
    order = sorted(range(len(shares)), key=lambda i: -shares[i])
    parts = [f"{names[i] if i < len(names) else i} {shares[i] * 100:.1f}%" for i in order if shares[i] >= 0.001]
    return "  ".join(parts)


def _describe(model: ModelInfo) -> str:
    return f"model {model.model_id or '?'} {model.width}x{model.height}, {model.class_count} classes: " + ", ".join(
        model.class_names)


def _limited(frames: Iterator[Frame], count: Optional[int]) -> Iterator[Frame]:
    for n, frame in enumerate(frames):
        if count is not None and n >= count:
            return
        yield frame


def _ring(args: argparse.Namespace) -> int:
    with RingReader(args.path) as reader:
        print(_describe(reader.model), f"| ring generation {reader.generation}, {reader.layout.slot_count} slots")
        for frame in _limited(reader.frames(timeout=args.timeout), args.count):
            latency_ms = (time.monotonic_ns() - frame.publish_ns) / 1e6
            check = ("ok" if frame.verify() else "MISMATCH") if args.verify else ""
            print(f"frame {frame.frame_number} gen {frame.generation} latency {latency_ms:.2f} ms "
                  f"inference {frame.inference_ns / 1e6:.1f} ms {check} | {_shares(frame, reader.model.class_names)}",
                  flush=True)
    return 0


def _socket(args: argparse.Namespace) -> int:
    with Subscriber(args.path, timeout=args.timeout) as sub:
        print(_describe(sub.model), f"| {sub.hello.server_name} {sub.hello.server_version}, protocol {sub.version}")
        sub.subscribe(every=args.every, encoding="rle" if args.rle else "raw", downscale=args.downscale)
        for frame in _limited(iter(sub), args.count):
            latency_ms = (time.monotonic_ns() - frame.capture_ns) / 1e6
            print(f"frame {frame.frame_number} {frame.width}x{frame.height} {'rle' if frame.encoding else 'raw'} "
                  f"drops {frame.queue_drops} latency {latency_ms:.1f} ms inference {frame.inference_ns / 1e6:.1f} ms"
                  f" | {_shares(frame, sub.model.class_names)}", flush=True)
        if args.status:
            print(sub.status())
    return 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m segd_client", description="Print a line per segd mask.")
    commands = parser.add_subparsers(dest="command", required=True)
    ring = commands.add_parser("ring", help="read the shared-memory ring")
    ring.add_argument("path", nargs="?", default=DEFAULT_PATH)
    ring.add_argument("--verify", action="store_true", help="check every mask's checksum")
    socket_ = commands.add_parser("socket", help="subscribe on the Unix socket")
    socket_.add_argument("path", nargs="?", default=DEFAULT_SOCKET)
    socket_.add_argument("--every", type=int, default=1, help="every Nth frame (default 1)")
    socket_.add_argument("--rle", action="store_true", help="ask for run-length masks")
    socket_.add_argument("--downscale", type=int, default=1, help="downscale factor 1...8")
    socket_.add_argument("--status", action="store_true", help="print the server's status at the end")
    for sub in (ring, socket_):
        sub.add_argument("--count", type=int, help="stop after this many frames")
        sub.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for a frame (default 10)")
    args = parser.parse_args(argv)
    try:
        return _ring(args) if args.command == "ring" else _socket(args)
    except KeyboardInterrupt:
        return 130
    except (SegdError, OSError, ValueError) as error:
        print(f"segd_client: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
