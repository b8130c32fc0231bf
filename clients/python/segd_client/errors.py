"""Exceptions raised by segd_client."""

from __future__ import annotations


class SegdError(Exception):
    """Base class of every error this package raises on purpose."""


class RingFormatError(SegdError, ValueError):
    """The file is not a ring this reader can use (magic, version or sizes are wrong)."""


class ProtocolError(SegdError):
    """The peer sent something docs/protocol.md does not allow (or this client does not know)."""


class ServerError(SegdError):
    """The server answered a request with an error message.

    Attributes:
        code: the error code the server sent.
        message: the server's text.
    """

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"server error {code}: {message}")
        self.code = code
        self.message = message


class ConnectionClosed(SegdError):
    """The server closed the connection (it sent Bye, or the stream ended between messages)."""
