"""Subscriber against a scripted fake server speaking hand-built messages (tests/messages.py)."""

import os
import socket
import struct
import tempfile
import threading
import unittest
from typing import Callable

import numpy as np

from segd_client import ProtocolError, ServerError
from segd_client.errors import ConnectionClosed
from segd_client.subscriber import Subscriber

from .messages import error_payload, frame_payload, hello_payload, message, status_payload

MASK = (np.arange(32) % 3).astype(np.uint8).reshape(4, 8)


def recv_exact(conn: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            break
        data += chunk
    return data


def recv_message(conn: socket.socket) -> tuple[int, bytes]:
    header = recv_exact(conn, 8)
    if len(header) < 8:
        return 0, b""
    kind, _, length = struct.unpack("<HHI", header)
    return kind, recv_exact(conn, length)


class FakeServer:
    """Accepts one connection on a Unix socket and runs ``script(conn)`` in a thread."""

    def __init__(self, script: Callable[[socket.socket], None]) -> None:
        self.dir = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.dir.name, "segd.sock")
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(self.path)
        self.listener.listen(1)
        self.received: list[tuple[int, bytes]] = []
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(script,), daemon=True)
        self.thread.start()

    def _run(self, script: Callable[[socket.socket], None]) -> None:
        conn, _ = self.listener.accept()
        try:
            script(conn)
        except BaseException as error:  # reported by stop()
            self.error = error
        finally:
            conn.close()

    def expect(self, conn: socket.socket, kind: int) -> bytes:
        got, payload = recv_message(conn)
        self.received.append((got, payload))
        if got != kind:
            raise AssertionError(f"server expected message type {kind}, got {got}")
        return payload

    def stop(self) -> None:
        self.thread.join(5)
        self.listener.close()
        self.dir.cleanup()
        if self.error is not None:
            raise self.error


class SubscriberTests(unittest.TestCase):
    def serve(self, script: Callable[[FakeServer, socket.socket], None]) -> FakeServer:
        server = FakeServer(lambda conn: script(server, conn))
        self.addCleanup(server.stop)
        return server

    def test_conversation(self) -> None:
        def script(server: FakeServer, conn: socket.socket) -> None:
            conn.sendall(message(1, hello_payload()))
            self.assertEqual(server.expect(conn, 2), bytes.fromhex("0100010405000000"))
            conn.sendall(message(3, frame_payload(MASK, 1)))
            conn.sendall(message(99, b"something from a later version"))
            conn.sendall(message(3, frame_payload(MASK, 6, encoding=1, queue_drops=2)))
            self.assertEqual(server.expect(conn, 4), b"\x01\x00")
            conn.sendall(message(3, frame_payload(MASK, 11)))  # frames may come before the reply
            conn.sendall(message(5, status_payload([("latency.inference_ms", "9.5")])))
            conn.sendall(message(7))

        server = self.serve(script)
        with Subscriber(server.path, timeout=5) as sub:
            self.assertEqual(sub.version, 1)
            self.assertEqual(sub.model.class_names, ("background", "person", "car"))
            self.assertEqual(sub.hello.ring_path, "/run/segd/masks.ring")
            sub.subscribe(every=5, encoding="rle", downscale=4)
            first = sub.recv_frame()
            self.assertEqual(first.frame_number, 1)
            np.testing.assert_array_equal(first.mask, MASK)
            status = sub.status()
            self.assertEqual(status.extras, {"latency.inference_ms": "9.5"})
            self.assertEqual(status.frames_sent, 900)
            rest = list(sub)  # frames kept while waiting for Status, then Bye ends the iteration
            self.assertEqual([(f.frame_number, f.encoding, f.queue_drops) for f in rest], [(6, 1, 2), (11, 0, 0)])
            np.testing.assert_array_equal(rest[0].mask, MASK)

    def test_close_says_bye(self) -> None:
        def script(server: FakeServer, conn: socket.socket) -> None:
            conn.sendall(message(1, hello_payload()))
            server.expect(conn, 7)
            self.assertEqual(conn.recv(1), b"")

        Subscriber(self.serve(script).path).close()

    def test_refused(self) -> None:
        server = self.serve(lambda server, conn: conn.sendall(message(6, error_payload(3, "uid 1000 not allowed"))))
        with self.assertRaises(ServerError) as caught:
            Subscriber(server.path)
        self.assertEqual((caught.exception.code, caught.exception.message), (3, "uid 1000 not allowed"))

    def test_no_common_version(self) -> None:
        def script(server: FakeServer, conn: socket.socket) -> None:
            conn.sendall(message(1, hello_payload(min_version=2, max_version=2)))
            self.assertEqual(struct.unpack_from("<H", server.expect(conn, 6))[0], 1)  # unsupportedVersion

        with self.assertRaisesRegex(ProtocolError, "versions 2...2"):
            Subscriber(self.serve(script).path)

    def test_not_hello_first(self) -> None:
        server = self.serve(lambda server, conn: conn.sendall(message(3, frame_payload(MASK))))
        with self.assertRaisesRegex(ProtocolError, "expected Hello"):
            Subscriber(server.path)

    def test_oversized_length_is_refused(self) -> None:
        def script(server: FakeServer, conn: socket.socket) -> None:
            conn.sendall(message(1, hello_payload()))
            conn.sendall(message(3, length=48 + 16_777_217))

        with Subscriber(self.serve(script).path) as sub:
            with self.assertRaisesRegex(ProtocolError, "over the limit"):
                sub.recv_frame()
            with self.assertRaises(ConnectionClosed):
                sub.recv_frame()

    def test_error_after_subscribe(self) -> None:
        def script(server: FakeServer, conn: socket.socket) -> None:
            conn.sendall(message(1, hello_payload()))
            server.expect(conn, 2)
            conn.sendall(message(6, error_payload(4, "every out of range")))

        with Subscriber(self.serve(script).path) as sub:
            sub._send(bytes.fromhex("0200000008000000 0100000100000000"))  # every = 0, bypassing the check
            with self.assertRaises(ServerError) as caught:
                sub.recv_frame()
            self.assertEqual(caught.exception.code, 4)

    def test_timeout_between_messages_keeps_connection(self) -> None:
        release = threading.Event()

        def script(server: FakeServer, conn: socket.socket) -> None:
            conn.sendall(message(1, hello_payload()))
            release.wait(5)
            conn.sendall(message(3, frame_payload(MASK, 3)))

        with Subscriber(self.serve(script).path) as sub:
            with self.assertRaises(TimeoutError):
                sub.recv_frame(timeout=0.1)
            release.set()
            self.assertEqual(sub.recv_frame(timeout=5).frame_number, 3)

    def test_timeout_inside_message_closes(self) -> None:
        release = threading.Event()

        def script(server: FakeServer, conn: socket.socket) -> None:
            conn.sendall(message(1, hello_payload()))
            conn.sendall(message(3, frame_payload(MASK))[:20])
            release.wait(5)

        with Subscriber(self.serve(script).path) as sub:
            with self.assertRaises(TimeoutError):
                sub.recv_frame(timeout=0.2)
            with self.assertRaises(ConnectionClosed):
                sub.recv_frame()
            release.set()

    def test_end_of_stream(self) -> None:
        def script(server: FakeServer, conn: socket.socket) -> None:
            conn.sendall(message(1, hello_payload()))
            conn.sendall(message(3, frame_payload(MASK, 1)))
            conn.sendall(message(3, frame_payload(MASK, 2))[:30])

        with Subscriber(self.serve(script).path) as sub:
            self.assertEqual(sub.recv_frame().frame_number, 1)
            with self.assertRaisesRegex(ProtocolError, "middle of a message"):
                sub.recv_frame()

    def test_bad_subscribe_options(self) -> None:
        def script(server: FakeServer, conn: socket.socket) -> None:
            conn.sendall(message(1, hello_payload()))
            recv_message(conn)

        with Subscriber(self.serve(script).path) as sub:
            with self.assertRaises(ValueError):
                sub.subscribe(encoding="png")
            with self.assertRaises(ValueError):
                sub.subscribe(downscale=9)


if __name__ == "__main__":
    unittest.main()
