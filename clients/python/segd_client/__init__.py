"""Python client of segd: the shared-memory mask ring and the Unix-socket subscription.

* :class:`RingReader` maps ``/run/segd/masks.ring`` (docs/shm-ring.md) and returns consistent
  copies (:meth:`~RingReader.latest`, :meth:`~RingReader.next`, :meth:`~RingReader.read_into`)
  or zero-copy views (:meth:`~RingReader.view`) of the newest masks.
* :class:`Subscriber` connects to ``/run/segd.sock`` (docs/protocol.md) and receives every
  N-th mask, raw or run-length encoded, optionally downscaled, plus the server's status.
"""

from .checksum import checksum, checksum_many
from .errors import ConnectionClosed, ProtocolError, RingFormatError, SegdError, ServerError
from .frame import Frame, MaskView, ModelInfo, SubscriberFrame
from .protocol import Hello, Status
from .ring import DEFAULT_PATH, RingLayout, RingReader, WriterStatus
from .subscriber import DEFAULT_SOCKET, Subscriber

__all__ = [
    "DEFAULT_PATH",
    "DEFAULT_SOCKET",
    "ConnectionClosed",
    "Frame",
    "Hello",
    "MaskView",
    "ModelInfo",
    "ProtocolError",
    "RingFormatError",
    "RingLayout",
    "RingReader",
    "SegdError",
    "ServerError",
    "Status",
    "Subscriber",
    "SubscriberFrame",
    "WriterStatus",
    "checksum",
    "checksum_many",
]
