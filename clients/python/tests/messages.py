"""Server messages built by hand from the tables of docs/protocol.md (independent of protocol.py)."""

from __future__ import annotations

import struct
from typing import Sequence

import numpy as np


def message(kind: int, payload: bytes = b"", *, length: int = -1) -> bytes:
    return struct.pack("<HHI", kind, 0, len(payload) if length < 0 else length) + payload


def string(text: str) -> bytes:
    raw = text.encode()
    return struct.pack("<H", len(raw)) + raw


def hello_payload(width: int = 8, height: int = 4, classes: Sequence[str] = ("background", "person", "car"),
                  min_version: int = 1, max_version: int = 1, ring_path: str = "/run/segd/masks.ring") -> bytes:
    return (struct.pack("<HHIIHH", min_version, max_version, width, height, len(classes), 0)
            + string("segd") + string("1.2.3") + string("deeplab_lite_321") + string(ring_path)
            + b"".join(string(name) for name in classes))


def rle_encode(mask: np.ndarray) -> bytes:
    """The document's run-length encoding, written as plainly as possible."""
    out = bytearray()
    flat = mask.reshape(-1).tolist()
    i = 0
    while i < len(flat):
        j = i
        while j < len(flat) and flat[j] == flat[i] and j - i < 65535:
            j += 1
        out += struct.pack("<HB", j - i, flat[i])
        i = j
    return bytes(out)


def frame_payload(mask: np.ndarray, frame_number: int = 1, *, encoding: int = 0, class_count: int = 3,
                  capture_ns: int = 11, inference_ns: int = 22, downscale: int = 1, queue_drops: int = 0,
                  data: bytes = b"") -> bytes:
    height, width = mask.shape
    if not data:
        data = mask.astype(np.uint8).tobytes() if encoding == 0 else rle_encode(mask)
    return struct.pack("<QQQIIHBBIQ", frame_number, capture_ns, inference_ns, width, height, class_count, encoding,
                       downscale, len(data), queue_drops) + data


def status_payload(extras: Sequence[tuple[str, str]] = ()) -> bytes:
    return (struct.pack("<dddQQQIIQQH", 30.0, 12.5, 40.25, 1000, 3, 5_000_000_000, 2, 3, 7, 900, len(extras))
            + b"".join(string(k) + string(v) for k, v in extras))


def error_payload(code: int, text: str) -> bytes:
    return struct.pack("<H", code) + string(text)
