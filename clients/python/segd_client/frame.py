"""Frames and model descriptions shared by the ring reader and the socket subscriber."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np

from .checksum import checksum


@dataclass(frozen=True)
class ModelInfo:
    """The model whose masks a publisher sends.

    Attributes:
        model_id: the model's identifier (e.g. ``deeplab_lite_321``).
        class_names: ``class_names[i]`` names class id ``i``.
        width: mask width in pixels.
        height: mask height in pixels.
    """

    model_id: str
    class_names: tuple[str, ...]
    width: int
    height: int

    @property
    def class_count(self) -> int:
        """Number of classes (``len(class_names)``)."""
        return len(self.class_names)


@dataclass(frozen=True)
class Frame:
    """One published mask and its metadata.

    Attributes:
        frame_number: the pipeline's frame counter (restarts with every writer generation).
        capture_ns: CLOCK_MONOTONIC ns (of the daemon's machine) when the camera captured the frame.
        inference_ns: inference time in ns.
        width, height: mask geometry in pixels.
        class_count: classes of the model that made the mask.
        mask: ``height x width`` uint8 class ids.
        publish_ns: CLOCK_MONOTONIC ns when the ring slot was released (ring frames only).
        checksum: the writer's checksum of the mask (ring frames only).
        generation: the ring writer generation (ring frames only).
        slot: the ring slot the frame was read from (ring frames only).
    """

    frame_number: int
    capture_ns: int
    inference_ns: int
    width: int
    height: int
    class_count: int
    mask: np.ndarray
    publish_ns: Optional[int] = None
    checksum: Optional[int] = None
    generation: Optional[int] = None
    slot: Optional[int] = None

    @property
    def key(self) -> tuple[int, int]:
        """``(generation, frame_number)``: frame numbers start over with every writer generation."""
        return (self.generation or 0, self.frame_number)

    def verify(self) -> bool:
        """Whether the mask matches its checksum (True when there is no checksum to check)."""
        return self.checksum is None or checksum(self.mask) == self.checksum

    def class_shares(self) -> np.ndarray:
        """Fraction of the mask's pixels per class id, ``class_count`` entries."""
        counts = np.bincount(self.mask.reshape(-1), minlength=self.class_count)[: self.class_count]
        return counts / max(self.mask.size, 1)


@dataclass(frozen=True)
class SubscriberFrame(Frame):
    """A :class:`Frame` received from the socket (docs/protocol.md, "Frame").

    Attributes:
        encoding: how the server sent the mask (0 raw, 1 run-length); ``mask`` is always decoded.
        downscale: the downscale factor the server applied.
        queue_drops: frames this connection has lost to its full queue so far.
    """

    encoding: int = 0
    downscale: int = 1
    queue_drops: int = 0


@dataclass(frozen=True)
class MaskView(Frame):
    """A :class:`Frame` whose ``mask`` is a zero-copy, read-only view into the ring mapping.

    The writer may overwrite the slot at any time (after ``slot_count - 1`` newer publishes), so
    whatever was computed from ``mask`` is only trustworthy if :meth:`still_valid` returns True
    *after* the computation. Copy what must outlive the check.
    """

    validator: Callable[[], bool] = field(default=lambda: False, repr=False, compare=False)

    def still_valid(self) -> bool:
        """True if the slot has not been touched since the view was taken (re-reads its seqlock)."""
        return self.validator()
