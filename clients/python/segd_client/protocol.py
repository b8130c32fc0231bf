"""Encoding and decoding of segd's subscriber protocol, version 1 (docs/protocol.md).

Pure functions over bytes; the socket handling is in :mod:`segd_client.subscriber`. Every
decoder raises :class:`~segd_client.errors.ProtocolError` on a payload the document does not
allow, and ignores trailing bytes (later versions append fields).
"""

from __future__ import annotations

import enum
import struct
from dataclasses import dataclass
from typing import Union

import numpy as np

from .errors import ProtocolError
from .frame import ModelInfo, SubscriberFrame

CLIENT_MIN_VERSION = 1
CLIENT_MAX_VERSION = 1
HEADER = struct.Struct("<HHI")  # type, flags, payload length
HEADER_SIZE = HEADER.size
FRAME_HEADER = struct.Struct("<QQQIIHBBIQ")
FRAME_HEADER_SIZE = FRAME_HEADER.size  # 48
MAX_MASK_PIXELS = 4096 * 4096
MAX_SIDE = 65535
MAX_CLASSES = 256
MAX_STRING = 1024
MAX_SERVER_PAYLOAD = FRAME_HEADER_SIZE + MAX_MASK_PIXELS
MAX_STATUS_EXTRAS = 256
MAX_EVERY = 1_000_000
MAX_DOWNSCALE = 8


class MessageType(enum.IntEnum):
    HELLO = 1
    SUBSCRIBE = 2
    FRAME = 3
    STATUS_REQUEST = 4
    STATUS = 5
    ERROR = 6
    BYE = 7


class Encoding(enum.IntEnum):
    RAW = 0
    RLE = 1


class ErrorCode(enum.IntEnum):
    UNSUPPORTED_VERSION = 1
    BAD_MESSAGE = 2
    NOT_ALLOWED = 3
    BAD_OPTIONS = 4
    TOO_SLOW = 5
    SERVER_FULL = 6
    TOO_MANY_REQUESTS = 7


@dataclass(frozen=True)
class Hello:
    """The server's greeting."""

    min_version: int
    max_version: int
    mask_width: int
    mask_height: int
    server_name: str
    server_version: str
    model_id: str
    ring_path: str
    """The shared-memory ring with the same masks; empty when there is none."""
    class_names: tuple[str, ...]

    @property
    def model(self) -> ModelInfo:
        return ModelInfo(self.model_id, self.class_names, self.mask_width, self.mask_height)


@dataclass(frozen=True)
class Status:
    """The server's figures, answering a StatusRequest."""

    fps: float
    latency_p50_ms: float
    latency_p99_ms: float
    frames_published: int
    pipeline_drops: int
    uptime_ns: int
    subscribers: int
    connections: int
    queue_drops: int
    """Frames the asking connection lost to its full queue."""
    frames_sent: int
    """Frames sent to the asking connection."""
    extras: dict[str, str]
    """Further figures (e.g. ``latency.inference_ms``); keys may come and go without a version change."""


@dataclass(frozen=True)
class ErrorMessage:
    code: int
    message: str

    @property
    def name(self) -> str:
        try:
            return ErrorCode(self.code).name
        except ValueError:
            return f"unknown({self.code})"


class _Cursor:
    """Sequential little-endian reads from a payload, with short-payload checks."""

    def __init__(self, payload: Union[bytes, bytearray, memoryview], what: str) -> None:
        self.data = memoryview(payload).cast("B")
        self.at = 0
        self.what = what

    def take(self, fmt: struct.Struct) -> tuple:
        end = self.at + fmt.size
        if end > len(self.data):
            raise ProtocolError(f"{self.what}: payload of {len(self.data)} bytes is too short")
        values = fmt.unpack_from(self.data, self.at)
        self.at = end
        return values

    def string(self) -> str:
        (length,) = self.take(_U16)
        if length > MAX_STRING:
            raise ProtocolError(f"{self.what}: string of {length} bytes exceeds {MAX_STRING}")
        end = self.at + length
        if end > len(self.data):
            raise ProtocolError(f"{self.what}: payload of {len(self.data)} bytes is too short")
        raw = bytes(self.data[self.at : end])
        self.at = end
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise ProtocolError(f"{self.what}: string is not UTF-8 ({error})") from None


_U16 = struct.Struct("<H")
_HELLO_FIXED = struct.Struct("<HHIIHH")
_SUBSCRIBE = struct.Struct("<HBBI")
_STATUS_FIXED = struct.Struct("<dddQQQIIQQH")
_ERROR_FIXED = _U16


# -- encoding (client -> server) ------------------------------------------------------------


def encode_message(kind: int, payload: bytes = b"") -> bytes:
    """Header + payload."""
    return HEADER.pack(kind, 0, len(payload)) + payload


def encode_subscribe(version: int, encoding: int, downscale: int, every: int) -> bytes:
    """A whole Subscribe message. Raises ValueError for options the document does not allow."""
    if encoding not in (Encoding.RAW, Encoding.RLE):
        raise ValueError(f"encoding must be 0 (raw) or 1 (run-length), not {encoding}")
    if not 1 <= downscale <= MAX_DOWNSCALE:
        raise ValueError(f"downscale must be 1...{MAX_DOWNSCALE}, not {downscale}")
    if not 1 <= every <= MAX_EVERY:
        raise ValueError(f"every must be 1...{MAX_EVERY}, not {every}")
    return encode_message(MessageType.SUBSCRIBE, _SUBSCRIBE.pack(version, encoding, downscale, every))


def encode_status_request(version: int) -> bytes:
    return encode_message(MessageType.STATUS_REQUEST, _U16.pack(version))


def encode_bye() -> bytes:
    return encode_message(MessageType.BYE)


def encode_error(code: int, message: str) -> bytes:
    text = message.encode("utf-8")[:MAX_STRING]
    return encode_message(MessageType.ERROR, _U16.pack(code) + _U16.pack(len(text)) + text)


# -- decoding (server -> client) ------------------------------------------------------------


def decode_header(header: Union[bytes, bytearray, memoryview]) -> tuple[int, int]:
    """``(type, payload length)`` of an 8-byte header; refuses lengths over the server limit."""
    kind, _flags, length = HEADER.unpack(header)
    if length > MAX_SERVER_PAYLOAD:
        raise ProtocolError(f"message type {kind} announces {length} payload bytes, over the limit {MAX_SERVER_PAYLOAD}")
    return kind, length


def _check_geometry(width: int, height: int, what: str) -> None:
    if not (1 <= width <= MAX_SIDE and 1 <= height <= MAX_SIDE) or width * height > MAX_MASK_PIXELS:
        raise ProtocolError(f"{what}: mask size {width}x{height} is out of range")


def decode_hello(payload: Union[bytes, bytearray, memoryview]) -> Hello:
    cursor = _Cursor(payload, "Hello")
    min_version, max_version, width, height, class_count, _reserved = cursor.take(_HELLO_FIXED)
    _check_geometry(width, height, "Hello")
    if not 1 <= class_count <= MAX_CLASSES:
        raise ProtocolError(f"Hello: class_count {class_count} is out of range 1...{MAX_CLASSES}")
    if min_version > max_version:
        raise ProtocolError(f"Hello: version range {min_version}...{max_version} is empty")
    server_name, server_version, model_id, ring_path = (cursor.string() for _ in range(4))
    names = tuple(cursor.string() for _ in range(class_count))
    return Hello(min_version, max_version, width, height, server_name, server_version, model_id, ring_path, names)


def decode_rle(data: Union[bytes, bytearray, memoryview], pixels: int) -> np.ndarray:
    """Decode run-length data (3-byte runs: u16 length, u8 class) into ``pixels`` class ids."""
    raw = np.frombuffer(data, dtype=np.uint8)
    if raw.size % 3:
        raise ProtocolError(f"run-length data of {raw.size} bytes is not a multiple of 3")
    runs = raw.reshape(-1, 3)
    lengths = runs[:, 0].astype(np.int64) | (runs[:, 1].astype(np.int64) << 8)
    if lengths.size and lengths.min() == 0:
        raise ProtocolError("run-length data holds a run of length 0")
    total = int(lengths.sum())
    if total != pixels:
        raise ProtocolError(f"run lengths sum to {total} pixels, the mask has {pixels}")
    return np.repeat(runs[:, 2], lengths)


def decode_frame(payload: Union[bytes, bytearray, memoryview]) -> SubscriberFrame:
    """A Frame message's payload, with its mask decoded to a ``height x width`` uint8 array.

    A raw mask is a view of ``payload`` (no copy).
    """
    cursor = _Cursor(payload, "Frame")
    (frame_number, capture_ns, inference_ns, width, height, class_count, encoding, downscale, data_length,
     queue_drops) = cursor.take(FRAME_HEADER)
    _check_geometry(width, height, "Frame")
    if not 1 <= class_count <= MAX_CLASSES:
        raise ProtocolError(f"Frame: class_count {class_count} is out of range 1...{MAX_CLASSES}")
    end = FRAME_HEADER_SIZE + data_length
    if end > len(cursor.data):
        raise ProtocolError(f"Frame: {data_length} data bytes announced, {len(cursor.data) - FRAME_HEADER_SIZE} present")
    data = cursor.data[FRAME_HEADER_SIZE:end]
    pixels = width * height
    if encoding == Encoding.RAW:
        if data_length != pixels:
            raise ProtocolError(f"Frame: raw mask of {data_length} bytes for {width}x{height} pixels")
        flat = np.frombuffer(data, dtype=np.uint8)
    elif encoding == Encoding.RLE:
        flat = decode_rle(data, pixels)
    else:
        raise ProtocolError(f"Frame: unknown encoding {encoding}")
    return SubscriberFrame(
        frame_number=frame_number, capture_ns=capture_ns, inference_ns=inference_ns, width=width, height=height,
        class_count=class_count, mask=flat.reshape(height, width), encoding=encoding, downscale=downscale,
        queue_drops=queue_drops,
    )


def decode_status(payload: Union[bytes, bytearray, memoryview]) -> Status:
    cursor = _Cursor(payload, "Status")
    *fixed, extra_count = cursor.take(_STATUS_FIXED)
    if extra_count > MAX_STATUS_EXTRAS:
        raise ProtocolError(f"Status: {extra_count} extras exceed {MAX_STATUS_EXTRAS}")
    extras = {}
    for _ in range(extra_count):
        key = cursor.string()
        extras[key] = cursor.string()
    return Status(*fixed, extras=extras)


def decode_error(payload: Union[bytes, bytearray, memoryview]) -> ErrorMessage:
    cursor = _Cursor(payload, "Error")
    (code,) = cursor.take(_ERROR_FIXED)
    return ErrorMessage(code, cursor.string())


def pick_version(hello: Hello) -> int:
    """The newest version both sides accept. Raises ProtocolError if the ranges do not meet."""
    version = min(CLIENT_MAX_VERSION, hello.max_version)
    if version < max(CLIENT_MIN_VERSION, hello.min_version):
        raise ProtocolError(
            f"server speaks versions {hello.min_version}...{hello.max_version}, "
            f"this client {CLIENT_MIN_VERSION}...{CLIENT_MAX_VERSION}"
        )
    return version


def downscale_mask(mask: np.ndarray, factor: int) -> np.ndarray:
    """The server's downscale (docs/protocol.md, "Downscale"): nearest neighbour at block centres.

    Useful to compare a ring mask with a downscaled socket mask.
    """
    height, width = mask.shape
    half = factor // 2
    ys = np.minimum(height - 1, np.arange(max(1, height // factor)) * factor + half)
    xs = np.minimum(width - 1, np.arange(max(1, width // factor)) * factor + half)
    return mask[np.ix_(ys, xs)]
