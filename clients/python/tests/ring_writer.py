"""A test-only ring writer that follows docs/shm-ring.md (single-threaded tests; not for production).

It writes the layout with plain stores through a writable mapping, which is enough for tests in
which the reader runs in the same thread (or only needs the futex wake-up from another thread).
"""

from __future__ import annotations

import ctypes
import mmap
import os
import platform
import struct
import tempfile
import time
from typing import Optional, Sequence

import numpy as np

from segd_client.checksum import checksum

MAGIC = 0x474E495244474553
HEADER_SIZE = 8384
_STATIC = struct.Struct("<QIIIIIIQiII")
_SLOT_FIELDS = struct.Struct("<QQQQIIIIQ")
_SYS_FUTEX = {"x86_64": 202, "aarch64": 98}.get(platform.machine())
_FUTEX_WAKE = 1


def _round_up(n: int, to: int) -> int:
    return -(-n // to) * to


class RingWriter:
    """Creates a ring file at ``path`` (via a temporary file and rename) and publishes masks."""

    def __init__(
        self,
        path: str,
        *,
        width: int = 8,
        height: int = 4,
        slot_count: int = 3,
        class_names: Sequence[str] = ("background", "person", "car"),
        model_id: str = "test_model",
        generation: int = 1,
        pid: Optional[int] = None,
        static_overrides: Optional[dict] = None,
    ) -> None:
        self.width, self.height, self.slot_count = width, height, slot_count
        self.capacity = _round_up(max(width * height, 1), 64)
        self.stride = 64 + self.capacity
        fields = dict(
            magic=MAGIC, version=1, header_size=HEADER_SIZE, slot_count=slot_count, slot_stride=self.stride,
            mask_capacity=self.capacity, class_count=len(class_names), generation=generation,
            writer_pid=os.getpid() if pid is None else pid, mask_width=width, mask_height=height,
        )
        fields.update(static_overrides or {})
        size = HEADER_SIZE + slot_count * self.stride
        header = bytearray(HEADER_SIZE)
        _STATIC.pack_into(header, 0, *fields.values())
        struct.pack_into("<QIIQI", header, 64, time.monotonic_ns(), 0, 0, 0, 0xFFFFFFFF)
        header[128 : 128 + len(model_id)] = model_id.encode()
        for i, name in enumerate(class_names):
            header[192 + 32 * i : 192 + 32 * i + len(name)] = name.encode()
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=os.path.basename(path) + ".")
        os.ftruncate(fd, size)
        self.mm = mmap.mmap(fd, size, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
        os.close(fd)
        self.mm[:HEADER_SIZE] = bytes(header)
        self.words = np.frombuffer(self.mm, dtype="<u8")
        self.u32 = np.frombuffer(self.mm, dtype="<u4", count=HEADER_SIZE // 4)
        os.rename(tmp, path)
        self.u32[72 // 4] = 1  # running
        self.next_slot = 0

    def _slot_offset(self, slot: int) -> int:
        return HEADER_SIZE + slot * self.stride

    def begin(self, slot: int) -> None:
        """Make ``slot`` odd, as a writer does before filling it (and leaves it if killed)."""
        index = self._slot_offset(slot) // 8
        self.words[index] += 1

    def publish(self, mask: np.ndarray, frame_number: int, *, capture_ns: int = 0, inference_ns: int = 0,
                class_count: Optional[int] = None, bad_checksum: bool = False) -> int:
        """Publish ``mask`` into the next slot; returns the slot used."""
        slot = self.next_slot
        self.next_slot = (slot + 1) % self.slot_count
        offset = self._slot_offset(slot)
        data = np.ascontiguousarray(mask, dtype=np.uint8).reshape(-1)
        height, width = mask.shape
        self.begin(slot)
        check = checksum(data) ^ (1 if bad_checksum else 0)
        self.mm[offset + 64 : offset + 64 + data.size] = data.tobytes()
        _SLOT_FIELDS.pack_into(
            self.mm, offset + 8, frame_number, capture_ns, time.monotonic_ns(), inference_ns, width, height,
            self.u32[28 // 4] if class_count is None else class_count, data.size, check,
        )
        self.words[offset // 8] += 1
        self.u32[88 // 4] = slot
        self.words[80 // 8] = frame_number
        self.words[64 // 8] = time.monotonic_ns()
        self.bump()
        return slot

    def bump(self) -> None:
        """Change ``publish_seq`` and FUTEX_WAKE its waiters."""
        self.u32[76 // 4] = (int(self.u32[76 // 4]) + 1) & 0xFFFFFFFF
        if _SYS_FUTEX is not None:
            address = self.u32.ctypes.data + 76
            ctypes.CDLL(None).syscall(ctypes.c_long(_SYS_FUTEX), ctypes.c_void_p(address),
                                      ctypes.c_int(_FUTEX_WAKE), ctypes.c_int(0x7FFFFFFF), None, None, ctypes.c_int(0))

    def set_heartbeat(self, ns: int) -> None:
        self.words[64 // 8] = ns

    def close(self) -> None:
        """A clean shutdown: ``writer_state`` = closed and a wake-up."""
        self.u32[72 // 4] = 2
        self.bump()

    def unmap(self) -> None:
        del self.words, self.u32
        self.mm.close()
