"""A client of segd's subscriber socket (docs/protocol.md).

Blocking, single-threaded: every call reads the socket itself, with a timeout.
"""

from __future__ import annotations

import collections
import socket
import time
from typing import Iterator, Optional, Union

from . import protocol
from .errors import ConnectionClosed, ProtocolError, ServerError
from .frame import ModelInfo, SubscriberFrame
from .protocol import Encoding, Hello, MessageType, Status

DEFAULT_SOCKET = "/run/segd.sock"


class _Default:
    """Marks "use the connection's timeout" (None already means "wait forever")."""


_DEFAULT = _Default()
_ENCODINGS = {"raw": Encoding.RAW, "rle": Encoding.RLE}


class Subscriber:
    """A connection to segd's socket.

    Connecting reads the server's Hello (model, classes, geometry, the ring path) and picks the
    protocol version. Frames come only after :meth:`subscribe`.

    Args:
        socket_path: the server's Unix socket (``/run/segd.sock`` by default).
        timeout: seconds to wait for the connection and Hello, and the default wait of
            :meth:`status` and :meth:`recv_frame` (None: wait forever).

    Raises:
        ServerError: the server refused the connection (e.g. notAllowed, serverFull).
        ProtocolError: the server's first message is not a valid Hello, or no version fits.
        ConnectionClosed: the server closed before saying Hello.
        TimeoutError, OSError: from the socket.
    """

    def __init__(self, socket_path: str = DEFAULT_SOCKET, *, timeout: Optional[float] = 5.0) -> None:
        self.socket_path = socket_path
        self.timeout = timeout
        self._pending: collections.deque[SubscriberFrame] = collections.deque()
        self._closed = False
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self._sock.settimeout(timeout)
            self._sock.connect(socket_path)
            kind, payload = self._read_message(self._deadline(timeout))
            if kind == MessageType.ERROR:
                error = protocol.decode_error(payload)
                raise ServerError(error.code, error.message)
            if kind == MessageType.BYE:
                raise ConnectionClosed("the server said Bye instead of Hello")
            if kind != MessageType.HELLO:
                raise ProtocolError(f"expected Hello, got message type {kind}")
            self.hello: Hello = protocol.decode_hello(payload)
            try:
                self.version = protocol.pick_version(self.hello)
            except ProtocolError as error:
                try:
                    self._send(protocol.encode_error(protocol.ErrorCode.UNSUPPORTED_VERSION, str(error)))
                except OSError:
                    pass  # the server may already have gone; the version error is what matters
                raise
        except BaseException:
            self._sock.close()
            raise

    # -- properties ---------------------------------------------------------------------------

    @property
    def model(self) -> ModelInfo:
        """Model id, class names and mask geometry (before downscale) from Hello."""
        return self.hello.model

    # -- requests -----------------------------------------------------------------------------

    def subscribe(self, every: int = 1, encoding: Union[str, int] = "raw", downscale: int = 1) -> None:
        """Ask for every ``every``-th frame, ``'raw'`` or ``'rle'``, downscaled by 1...8.

        May be called again to change the options (the count restarts). Out-of-range options
        raise ValueError here rather than being sent.
        """
        if isinstance(encoding, str):
            if encoding not in _ENCODINGS:
                raise ValueError(f"encoding must be 'raw' or 'rle', not {encoding!r}")
            encoding = _ENCODINGS[encoding]
        self._send(protocol.encode_subscribe(self.version, encoding, downscale, every))

    def status(self, timeout: Union[float, None, _Default] = _DEFAULT) -> Status:
        """Ask for the server's figures and wait for them (frames arriving meanwhile are kept
        for :meth:`recv_frame`). ``timeout`` defaults to the connection's."""
        self._send(protocol.encode_status_request(self.version))
        deadline = self._deadline(self.timeout if isinstance(timeout, _Default) else timeout)
        while True:
            item = self._next_item(deadline)
            if isinstance(item, Status):
                return item
            self._pending.append(item)

    def recv_frame(self, timeout: Union[float, None, _Default] = _DEFAULT) -> SubscriberFrame:
        """The next frame, decoded. ``timeout`` defaults to the connection's.

        Raises:
            TimeoutError: no frame in time.
            ConnectionClosed: the server said Bye or closed the stream.
            ServerError: the server sent an Error (it then closes the connection).
            ProtocolError: the server sent something malformed.
        """
        if self._pending:
            return self._pending.popleft()
        deadline = self._deadline(self.timeout if isinstance(timeout, _Default) else timeout)
        while True:
            item = self._next_item(deadline)
            if isinstance(item, SubscriberFrame):
                return item
            # A Status here answers nobody's request (status() reads its own): ignore it.

    def __iter__(self) -> Iterator[SubscriberFrame]:
        """Frames until the server closes (Bye or end of stream); each wait uses the default timeout."""
        while True:
            try:
                yield self.recv_frame()
            except ConnectionClosed:
                return

    def close(self) -> None:
        """Say Bye (best effort) and close the socket."""
        if self._closed:
            return
        self._closed = True
        try:
            self._sock.settimeout(0.5)
            self._sock.sendall(protocol.encode_bye())
        except OSError:
            pass
        self._sock.close()

    def __enter__(self) -> "Subscriber":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the stream ---------------------------------------------------------------------------

    @staticmethod
    def _deadline(timeout: Optional[float]) -> Optional[float]:
        return None if timeout is None else time.monotonic() + timeout

    def _send(self, data: bytes) -> None:
        if self._closed:
            raise ValueError("the subscriber is closed")
        self._sock.settimeout(self.timeout)
        self._sock.sendall(data)

    def _recv_into(self, view: memoryview, deadline: Optional[float], *, starts_message: bool) -> None:
        """Fill ``view`` from the socket before ``deadline``.

        Running out of time or stream in the middle of a message leaves the stream unusable, so
        the connection is closed then (later calls raise ConnectionClosed); between messages
        (``starts_message`` and nothing read yet) it stays open after a timeout.
        """
        got = 0
        try:
            while got < len(view):
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    raise TimeoutError(f"no message from {self.socket_path} in time")
                self._sock.settimeout(remaining)
                try:
                    n = self._sock.recv_into(view[got:])
                except socket.timeout:
                    raise TimeoutError(f"no message from {self.socket_path} in time") from None
                if n == 0:
                    self._abandon()
                    if starts_message and got == 0:
                        raise ConnectionClosed(f"{self.socket_path} closed the connection")
                    raise ProtocolError(f"{self.socket_path} closed the connection in the middle of a message")
                got += n
        except TimeoutError:
            if got or not starts_message:
                self._abandon()
            raise

    def _read_message(self, deadline: Optional[float]) -> tuple[int, bytearray]:
        """One whole message: (type, payload)."""
        header = bytearray(protocol.HEADER_SIZE)
        self._recv_into(memoryview(header), deadline, starts_message=True)
        try:
            kind, length = protocol.decode_header(header)
        except ProtocolError:
            self._abandon()
            raise
        payload = bytearray(length)
        self._recv_into(memoryview(payload), deadline, starts_message=False)
        return kind, payload

    def _abandon(self) -> None:
        self._closed = True
        self._sock.close()

    def _next_item(self, deadline: Optional[float]) -> Union[SubscriberFrame, Status]:
        """The next Frame or Status; handles Error, Bye and message types to skip."""
        if self._closed:
            raise ConnectionClosed("the connection is closed")
        while True:
            kind, payload = self._read_message(deadline)
            try:
                if kind == MessageType.FRAME:
                    return protocol.decode_frame(payload)
                if kind == MessageType.STATUS:
                    return protocol.decode_status(payload)
                if kind == MessageType.ERROR:
                    error = protocol.decode_error(payload)
                    self._abandon()
                    raise ServerError(error.code, error.message)
                if kind == MessageType.BYE:
                    self._abandon()
                    raise ConnectionClosed(f"{self.socket_path} said Bye")
                if kind in (MessageType.HELLO, MessageType.SUBSCRIBE, MessageType.STATUS_REQUEST):
                    raise ProtocolError(f"unexpected message type {kind} from the server")
            except ProtocolError:
                self._abandon()
                raise
            # Unknown types are skipped (docs/protocol.md, "Writing a client").
