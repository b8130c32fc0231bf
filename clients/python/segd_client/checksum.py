"""The ring's 64-bit mask checksum (docs/shm-ring.md, "Checksum").

Four multiply-xor-rotate lanes run over 32-byte stripes; each lane is a serial chain (stripe
*k* needs the lane's value after stripe *k - 1*), so one mask cannot be vectorized beyond its four
lanes. Two implementations follow from that:

* :func:`checksum` hashes one buffer with Python integers (the words are unpacked by numpy);
  about 10-20 ms for a 640x480 mask.
* :func:`checksum_many` hashes many equal-length masks at once with numpy, one vector operation
  per stripe across all masks and lanes; use it to verify batches of frames (hundreds of 640x480
  masks in well under a second).
"""

from __future__ import annotations

from typing import Union

import numpy as np

BytesLike = Union[bytes, bytearray, memoryview, np.ndarray]

P1 = 0x9E3779B97F4A7C15
P2 = 0xC2B2AE3D27D4EB4F
_MASK = (1 << 64) - 1
_STRIPE = 32
_INITIAL_LANES = (P2, (P2 * 2) & _MASK, (P2 * 3) & _MASK, (P2 * 4) & _MASK)


def _as_bytes_view(data: BytesLike) -> memoryview:
    """A flat unsigned-byte memoryview of ``data`` (numpy arrays must be C-contiguous)."""
    if isinstance(data, np.ndarray):
        if not data.flags.c_contiguous:
            data = np.ascontiguousarray(data)
        return memoryview(data.reshape(-1).view(np.uint8))
    return memoryview(data).cast("B")


def _words(view: memoryview) -> list[int]:
    """The little-endian u64 words of ``view`` after zero-padding it to a multiple of 32 bytes."""
    n = len(view)
    full = n - n % _STRIPE
    words = np.frombuffer(view, dtype="<u8", count=full // 8).tolist()
    if full < n:
        tail = bytes(view[full:]) + bytes(_STRIPE - (n - full))
        words.extend(np.frombuffer(tail, dtype="<u8").tolist())
    return words


def _round(acc: int, word: int) -> int:
    x = ((acc ^ word) * P1) & _MASK
    return ((x << 31) & _MASK) | (x >> 33)


def _finish(n: int, lanes: tuple[int, int, int, int]) -> int:
    h = n
    for lane in lanes:
        h = _round(h, lane)
    h ^= h >> 33
    h = (h * P2) & _MASK
    h ^= h >> 29
    return h


def checksum(data: BytesLike) -> int:
    """The checksum of all bytes of ``data`` (bytes-like, or a C-contiguous numpy array)."""
    view = _as_bytes_view(data)
    a0, a1, a2, a3 = _INITIAL_LANES
    words = iter(_words(view))
    for w0, w1, w2, w3 in zip(words, words, words, words):
        x = ((a0 ^ w0) * P1) & _MASK
        a0 = ((x << 31) & _MASK) | (x >> 33)
        x = ((a1 ^ w1) * P1) & _MASK
        a1 = ((x << 31) & _MASK) | (x >> 33)
        x = ((a2 ^ w2) * P1) & _MASK
        a2 = ((x << 31) & _MASK) | (x >> 33)
        x = ((a3 ^ w3) * P1) & _MASK
        a3 = ((x << 31) & _MASK) | (x >> 33)
    return _finish(len(view), (a0, a1, a2, a3))


def checksum_many(masks: np.ndarray) -> np.ndarray:
    """The checksums of the rows of a 2-D uint8 array (one mask per row), as a uint64 array.

    Every row is hashed as ``row.nbytes`` bytes; masks of different lengths need separate calls.
    """
    rows = np.ascontiguousarray(masks, dtype=np.uint8)
    if rows.ndim != 2:
        raise ValueError(f"checksum_many needs a 2-D array (masks x bytes), got shape {rows.shape}")
    count, n = rows.shape
    padded_n = -(-n // _STRIPE) * _STRIPE
    if padded_n != n:
        padded = np.zeros((count, padded_n), dtype=np.uint8)
        padded[:, :n] = rows
        rows = padded
    words = rows.view("<u8").reshape(count, padded_n // _STRIPE, 4)
    lanes = np.tile(np.array(_INITIAL_LANES, dtype=np.uint64), (count, 1))
    p1 = np.uint64(P1)
    left, right = np.uint64(31), np.uint64(33)
    scratch = np.empty_like(lanes)
    for stripe in range(words.shape[1]):
        np.bitwise_xor(lanes, words[:, stripe, :], out=lanes)
        np.multiply(lanes, p1, out=lanes)
        np.left_shift(lanes, left, out=scratch)
        np.right_shift(lanes, right, out=lanes)
        np.bitwise_or(lanes, scratch, out=lanes)
    return np.array([_finish(n, tuple(row)) for row in lanes.tolist()], dtype=np.uint64)
