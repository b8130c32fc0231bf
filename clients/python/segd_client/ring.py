"""Reader of segd's shared-memory mask ring, written from docs/shm-ring.md.

The file is mapped read-only; every read follows the document's seqlock protocol:

1. load ``latest_slot`` (or use the slot asked for), then the slot's ``seq``; an odd ``seq`` means
   the writer is filling the slot: retry;
2. copy the slot's fields and ``mask_bytes`` bytes of its mask (after checking ``mask_bytes``
   against the capacity and the destination: a torn read may show any value);
3. acquire fence, load ``seq`` again: the copy is accepted only if it did not change.

See :mod:`segd_client._linux` for how the loads and fences are done from Python (single numpy
loads and ``memcpy`` copies; no fence needed on x86-64, libatomic's fence elsewhere).

:meth:`RingReader.view` returns a zero-copy numpy view instead of a copy; the writer may
overwrite it at any time, so results computed from it are only valid if
:meth:`~segd_client.frame.MaskView.still_valid` is True *after* they were computed.
"""

from __future__ import annotations

import enum
import mmap
import os
import struct
import sys
import time
from dataclasses import dataclass
from typing import Iterator, Optional, Union

import numpy as np

from ._linux import acquire_fence, futex_wait
from .errors import RingFormatError
from .frame import Frame, MaskView, ModelInfo

DEFAULT_PATH = "/run/segd/masks.ring"
MAGIC = 0x474E495244474553  # b"SEGDRING" read as a little-endian u64
VERSION = 1
MIN_HEADER_SIZE = 8384
NO_SLOT = 0xFFFFFFFF
MAX_CLASSES = 256
WAIT_SLICE = 0.05
"""Longest single futex wait (s): a restarted writer never wakes the old file's waiters, so the
path is checked at least this often while nothing is published (the document's 50 ms)."""

# Bytes 0..<52 of the header: magic, version, header_size, slot_count, slot_stride, mask_capacity,
# class_count, generation, writer_pid, mask_width, mask_height.
_STATIC = struct.Struct("<QIIIIIIQiII")
# Bytes 8..<64 of a slot: frame_number, capture_ns, publish_ns, inference_ns, width, height,
# class_count, mask_bytes, checksum.
_SLOT_FIELDS = struct.Struct("<QQQQIIIIQ")
_MODEL_ID = slice(128, 192)
_CLASS_NAMES_AT = 192
_CLASS_NAME_SIZE = 32
# Live header fields, as element indices of the u64 and u32 views.
_HEARTBEAT_U64 = 64 // 8
_LATEST_FRAME_U64 = 80 // 8
_WRITER_STATE_U32 = 72 // 4
_PUBLISH_SEQ_U32 = 76 // 4
_PUBLISH_SEQ_OFFSET = 76
_LATEST_SLOT_U32 = 88 // 4
_MASK_OFFSET = 64


class WriterStatus(enum.Enum):
    """What a reader can tell about the ring's writer (docs/shm-ring.md, "A dead or restarted writer")."""

    STARTING = "starting"
    RUNNING = "running"
    CLOSED = "closed"
    """Shut down cleanly (``writer_state`` == 2)."""
    DEAD = "dead"
    """``kill(writer_pid, 0)`` fails with ESRCH. A killed writer that its parent has not reaped yet
    is a zombie and still counts as existing; it then shows up as STALE."""
    STALE = "stale"
    """The heartbeat is older than the reader's ``stale_after`` (also covers hung writers and
    writers in another PID namespace)."""


@dataclass(frozen=True)
class RingLayout:
    """The static part of a ring file's header, plus the identity of the mapped file."""

    version: int
    header_size: int
    slot_count: int
    slot_stride: int
    mask_capacity: int
    generation: int
    writer_pid: int
    file_size: int
    device: int
    inode: int


def _c_string(raw: bytes) -> str:
    return raw.split(b"\0", 1)[0].decode("utf-8", errors="replace")


class _Mapping:
    """One mapped and validated ring file."""

    def __init__(self, path: str) -> None:
        if sys.byteorder != "little":
            raise RingFormatError("the ring is little-endian; this reader supports little-endian hosts only")
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        try:
            st = os.fstat(fd)
            if st.st_size < MIN_HEADER_SIZE:
                raise RingFormatError(
                    f"{path}: {st.st_size} bytes is too small for a segd ring (header alone is {MIN_HEADER_SIZE})"
                )
            self.mm = mmap.mmap(fd, st.st_size, mmap.MAP_SHARED, mmap.PROT_READ)
        finally:
            os.close(fd)
        try:
            self.layout, self.model = self._validate(path, st)
        except BaseException:
            self.mm.close()
            raise
        layout = self.layout
        self.u8 = np.frombuffer(self.mm, dtype=np.uint8)
        used = layout.header_size + layout.slot_count * layout.slot_stride
        self.u64 = np.frombuffer(self.mm, dtype="<u8", count=used // 8)
        self.u32 = np.frombuffer(self.mm, dtype="<u4", count=layout.header_size // 4)
        self.publish_seq_address = self.u8.ctypes.data + _PUBLISH_SEQ_OFFSET

    def _validate(self, path: str, st: os.stat_result) -> tuple[RingLayout, ModelInfo]:
        (magic, version, header_size, slot_count, slot_stride, mask_capacity, class_count, generation,
         writer_pid, mask_width, mask_height) = _STATIC.unpack_from(self.mm, 0)

        def fail(reason: str) -> RingFormatError:
            return RingFormatError(f"{path}: {reason}")

        if magic != MAGIC:
            raise fail(f"not a segd ring (magic {magic:#018x}, expected {MAGIC:#018x} 'SEGDRING')")
        if version != VERSION:
            raise fail(f"ring layout version {version} is not supported (this reader knows version {VERSION})")
        if header_size < MIN_HEADER_SIZE or header_size % 64:
            raise fail(f"header_size {header_size} must be a multiple of 64 and at least {MIN_HEADER_SIZE}")
        if slot_count < 1:
            raise fail("slot_count is 0")
        if mask_capacity % 64 or mask_capacity < mask_width * mask_height:
            raise fail(
                f"mask_capacity {mask_capacity} must be a multiple of 64 and at least "
                f"mask_width * mask_height = {mask_width * mask_height}"
            )
        if slot_stride % 64 or slot_stride < 64 + mask_capacity:
            raise fail(f"slot_stride {slot_stride} must be a multiple of 64 and at least 64 + mask_capacity")
        if class_count > MAX_CLASSES:
            raise fail(f"class_count {class_count} exceeds {MAX_CLASSES}")
        needed = header_size + slot_count * slot_stride
        if st.st_size < needed:
            raise fail(f"file is {st.st_size} bytes but its header needs {needed}")
        names = tuple(
            _c_string(self.mm[at : at + _CLASS_NAME_SIZE])
            for at in range(_CLASS_NAMES_AT, _CLASS_NAMES_AT + class_count * _CLASS_NAME_SIZE, _CLASS_NAME_SIZE)
        )
        layout = RingLayout(
            version=version, header_size=header_size, slot_count=slot_count, slot_stride=slot_stride,
            mask_capacity=mask_capacity, generation=generation, writer_pid=writer_pid,
            file_size=st.st_size, device=st.st_dev, inode=st.st_ino,
        )
        model = ModelInfo(_c_string(self.mm[_MODEL_ID]), names, mask_width, mask_height)
        return layout, model

    def slot_offset(self, slot: int) -> int:
        return self.layout.header_size + slot * self.layout.slot_stride

    def publish_seq(self) -> int:
        return int(self.u32[_PUBLISH_SEQ_U32])

    def close(self) -> None:
        """Drop this object's views and unmap, unless the caller still holds zero-copy views
        (the mapping then goes away with the last of them)."""
        del self.u8, self.u64, self.u32
        try:
            self.mm.close()
        except BufferError:
            pass


def _is_newer(key: tuple[int, int], than: Optional[tuple[int, int]]) -> bool:
    return than is None or key[0] != than[0] or key[1] > than[1]


Buffer = Union[bytearray, memoryview, np.ndarray]


class RingReader:
    """A read-only reader of segd's mask ring.

    Args:
        path: the ring file (``/run/segd/masks.ring`` by default).
        stale_after: seconds without a heartbeat after which the writer counts as stale.
        max_retries: attempts of one read before it reports "nothing now" (``None``).

    Raises:
        FileNotFoundError: the file does not exist (yet).
        RingFormatError: the file is not a ring this reader understands.

    The reader follows writer restarts (the path naming another file) in :meth:`next`, or when
    :meth:`reattach` is called. It is not thread-safe: use one reader per thread.
    """

    def __init__(self, path: str = DEFAULT_PATH, *, stale_after: float = 3.0, max_retries: int = 1000) -> None:
        self.path = path
        self.stale_after = stale_after
        self.max_retries = max_retries
        self._map: Optional[_Mapping] = _Mapping(path)
        self._last_key: Optional[tuple[int, int]] = None
        self.torn_retries = 0
        """Read attempts rejected so far because the writer was filling or refilling the slot."""

    # -- the mapped file ---------------------------------------------------------------------

    @property
    def _mapping(self) -> _Mapping:
        if self._map is None:
            raise ValueError("the ring reader is closed")
        return self._map

    @property
    def model(self) -> ModelInfo:
        """Model id, class names and mask geometry from the header."""
        return self._mapping.model

    @property
    def layout(self) -> RingLayout:
        """Slot count, sizes, generation, writer pid and the mapped file's identity."""
        return self._mapping.layout

    @property
    def generation(self) -> int:
        """The mapped file's writer generation."""
        return self._mapping.layout.generation

    def latest_frame_number(self) -> Optional[int]:
        """Frame number of the newest publish, or None before the first one."""
        m = self._mapping
        if int(m.u32[_LATEST_SLOT_U32]) == NO_SLOT:
            return None
        acquire_fence()
        return int(m.u64[_LATEST_FRAME_U64])

    def heartbeat_age(self) -> float:
        """Seconds since the writer's last sign of life (its CLOCK_MONOTONIC heartbeat)."""
        return (time.monotonic_ns() - int(self._mapping.u64[_HEARTBEAT_U64])) / 1e9

    def writer_status(self) -> WriterStatus:
        """Closed, dead, stale, starting or running, checked in that order."""
        m = self._mapping
        state = int(m.u32[_WRITER_STATE_U32])
        if state == 2:
            return WriterStatus.CLOSED
        pid = m.layout.writer_pid
        if pid > 0:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return WriterStatus.DEAD
            except PermissionError:
                pass  # exists, under another user
        if self.heartbeat_age() > self.stale_after:
            return WriterStatus.STALE
        return WriterStatus.STARTING if state == 0 else WriterStatus.RUNNING

    def reattach(self) -> bool:
        """Map the file now at the path if it is another file than the mapped one.

        Returns True if the reader switched to a new file (a restarted writer: frame numbers
        start over, compare :attr:`Frame.key`). A missing path keeps the old mapping.

        Raises:
            RingFormatError: the new file is not a ring this reader understands (the old
                mapping is kept).
        """
        old = self._mapping
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return False
        if (st.st_dev, st.st_ino) == (old.layout.device, old.layout.inode):
            return False
        try:
            new = _Mapping(self.path)
        except FileNotFoundError:
            return False
        self._map = new
        old.close()
        return True

    # -- reading -----------------------------------------------------------------------------

    def _read(self, slot: Optional[int], dest: Optional[np.ndarray]) -> Optional[tuple[_Mapping, int, int, tuple]]:
        """One consistent read of ``slot`` (newest if None) per the seqlock protocol.

        Copies the mask into ``dest`` unless it is None. Returns (mapping, slot, seq, fields) or
        None when nothing is (consistently) readable now.
        """
        m = self._mapping
        if slot is not None and not 0 <= slot < m.layout.slot_count:
            raise IndexError(f"slot {slot} out of range (the ring has {m.layout.slot_count})")
        capacity = m.layout.mask_capacity
        for _ in range(self.max_retries):
            i = slot if slot is not None else int(m.u32[_LATEST_SLOT_U32])
            acquire_fence()
            if i == NO_SLOT:
                return None
            if i >= m.layout.slot_count:
                continue
            offset = m.slot_offset(i)
            seq_index = offset // 8
            s1 = int(m.u64[seq_index])
            acquire_fence()
            if s1 & 1:
                self.torn_retries += 1
                continue
            if s1 == 0:
                return None  # never written
            fields = _SLOT_FIELDS.unpack_from(m.mm, offset + 8)
            mask_bytes = fields[7]
            fits = mask_bytes <= capacity and (dest is None or mask_bytes <= dest.size)
            if fits and dest is not None:
                start = offset + _MASK_OFFSET
                dest[:mask_bytes] = m.u8[start : start + mask_bytes]
            acquire_fence()
            if int(m.u64[seq_index]) != s1:
                self.torn_retries += 1
                continue
            if mask_bytes > capacity:
                raise RingFormatError(f"slot {i} holds {mask_bytes} mask bytes, more than its capacity {capacity}")
            if not fits:
                raise ValueError(f"buffer of {dest.size} bytes is too small for a {mask_bytes}-byte mask")
            return m, i, s1, fields
        return None

    @staticmethod
    def _frame_args(m: _Mapping, slot: int, fields: tuple, flat: np.ndarray) -> dict:
        frame_number, capture_ns, publish_ns, inference_ns, width, height, class_count, mask_bytes, check = fields
        mask = flat[:mask_bytes]
        if width * height == mask_bytes:
            mask = mask.reshape(height, width)
        return dict(
            frame_number=frame_number, capture_ns=capture_ns, publish_ns=publish_ns, inference_ns=inference_ns,
            width=width, height=height, class_count=class_count, mask=mask, checksum=check,
            generation=m.layout.generation, slot=slot,
        )

    def read_into(self, buffer: Buffer, slot: Optional[int] = None) -> Optional[Frame]:
        """Copy the newest mask (or that of ``slot``) into ``buffer``, consistently.

        ``buffer`` is any writable, C-contiguous buffer of at least the mask's size (e.g.
        ``bytearray(reader.layout.mask_capacity)`` or a uint8 numpy array); reusing it avoids an
        allocation per frame. The returned frame's ``mask`` is a ``height x width`` view of it.

        Returns None if nothing has been published yet, the slot was never written, or no
        consistent copy succeeded within ``max_retries`` attempts ("nothing now").
        """
        if isinstance(buffer, np.ndarray):
            if buffer.dtype != np.uint8 or not buffer.flags.c_contiguous or not buffer.flags.writeable:
                raise ValueError("buffer must be a writable, C-contiguous uint8 array")
            flat = buffer.reshape(-1)
        else:
            flat = np.frombuffer(buffer, dtype=np.uint8)
            if not flat.flags.writeable:
                raise ValueError("buffer must be writable")
        result = self._read(slot, flat)
        if result is None:
            return None
        m, i, _, fields = result
        return Frame(**self._frame_args(m, i, fields, flat))

    def latest(self) -> Optional[Frame]:
        """A consistent copy of the newest frame, or None (see :meth:`read_into`)."""
        return self.read_into(np.empty(self._mapping.layout.mask_capacity, dtype=np.uint8))

    def view(self, slot: Optional[int] = None) -> Optional[MaskView]:
        """The newest frame (or that of ``slot``) as a zero-copy, read-only view into the mapping.

        The metadata are a consistent copy, but the mask is live memory that the writer may
        overwrite at any moment: compute from it, *then* call ``still_valid()`` and discard the
        results if it returns False. Returns None like :meth:`read_into`.
        """
        result = self._read(slot, None)
        if result is None:
            return None
        m, i, s1, fields = result
        seqs, seq_index = m.u64, m.slot_offset(i) // 8
        start = m.slot_offset(i) + _MASK_OFFSET

        def still_valid() -> bool:
            acquire_fence()
            return int(seqs[seq_index]) == s1

        return MaskView(**self._frame_args(m, i, fields, m.u8[start : start + fields[7]]), validator=still_valid)

    def next(self, after: Union[Frame, tuple[int, int], None] = None, timeout: Optional[float] = None) -> Frame:
        """Wait for a frame newer than ``after`` and return a consistent copy of the newest one.

        ``after`` is a frame or a ``(generation, frame_number)`` key; by default the last frame
        this method returned (the first call returns the newest frame at once if there is one).
        Frames published while the caller was busy are skipped: the ring always offers the
        newest mask. A restarted writer is followed (its frames count as newer).

        Raises:
            TimeoutError: no newer frame within ``timeout`` seconds (None: wait forever).
        """
        last = after.key if isinstance(after, Frame) else (after if after is not None else self._last_key)
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            m = self._mapping
            seq = m.publish_seq()
            acquire_fence()
            newest = self.latest_frame_number()
            if newest is not None and _is_newer((m.layout.generation, newest), last):
                frame = self.latest()
                if frame is not None and _is_newer(frame.key, last):
                    self._last_key = frame.key
                    return frame
            if self.writer_status() in (WriterStatus.CLOSED, WriterStatus.DEAD, WriterStatus.STALE) and self.reattach():
                last = None
                continue
            slice_ = WAIT_SLICE if deadline is None else min(WAIT_SLICE, deadline - time.monotonic())
            if slice_ <= 0:
                raise TimeoutError(f"no new frame in {self.path} within {timeout} s")
            if not futex_wait(m.publish_seq_address, m.publish_seq, seq, slice_) and self.reattach():
                last = None

    def frames(self, timeout: Optional[float] = None) -> Iterator[Frame]:
        """Yield :meth:`next` frames forever (``timeout`` applies to each wait)."""
        while True:
            yield self.next(timeout=timeout)

    def close(self) -> None:
        """Unmap the ring (zero-copy views keep their mapping alive until they are gone)."""
        if self._map is not None:
            self._map.close()
            self._map = None

    def __enter__(self) -> "RingReader":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
