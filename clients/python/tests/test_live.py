"""The reader and the subscriber against the project's real writer and server processes.

Ring tests run ``segctl ring write`` (``$SEGCTL``, else ``.build/release/segctl`` of the
repository) and skip when it is missing. Socket tests run the shell command in
``$SEGD_TEST_SERVER_CMD`` with ``{socket}`` (and optionally ``{ring}``) replaced by temporary
paths, and skip when it is unset.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import tempfile
import time
import unittest
from typing import Optional

import numpy as np

from segd_client import RingReader, WriterStatus, checksum_many
from segd_client.errors import ConnectionClosed
from segd_client.protocol import downscale_mask
from segd_client.subscriber import Subscriber

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
SEGCTL = os.environ.get("SEGCTL", os.path.join(REPO, ".build", "release", "segctl"))
SERVER_CMD = os.environ.get("SEGD_TEST_SERVER_CMD", "")


def segctl_has_ring() -> bool:
    if not os.access(SEGCTL, os.X_OK):
        return False
    return subprocess.run([SEGCTL, "ring", "--help"], capture_output=True).returncode == 0


def wait_for_path(path: str, timeout: float, process: Optional[subprocess.Popen] = None) -> None:
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        if process is not None and process.poll() is not None:
            raise AssertionError(f"the process exited ({process.returncode}) before creating {path}")
        if time.monotonic() > deadline:
            raise AssertionError(f"{path} did not appear within {timeout} s")
        time.sleep(0.02)


class Verifier:
    """Collects accepted masks and checks them in numpy batches against their ring checksums."""

    def __init__(self, batch: int = 48) -> None:
        self.batch = batch
        self.masks: list[np.ndarray] = []
        self.expected: list[int] = []
        self.verified = 0
        self.mismatches = 0

    def add(self, mask: np.ndarray, checksum: int) -> None:
        self.masks.append(np.array(mask, copy=True).reshape(-1))
        self.expected.append(checksum)
        if len(self.masks) >= self.batch:
            self.flush()

    def flush(self) -> None:
        by_length: dict[int, list[int]] = {}
        for i, mask in enumerate(self.masks):
            by_length.setdefault(mask.size, []).append(i)
        for indices in by_length.values():
            sums = checksum_many(np.stack([self.masks[i] for i in indices]))
            self.mismatches += sum(int(s) != self.expected[i] for s, i in zip(sums, indices))
            self.verified += len(indices)
        self.masks.clear()
        self.expected.clear()


@unittest.skipUnless(segctl_has_ring(), f"needs {SEGCTL} with the 'ring' command (set $SEGCTL)")
class RingWriterProcessTests(unittest.TestCase):
    def setUp(self) -> None:
        self.dir = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.dir.name, "masks.ring")
        self.processes: list[subprocess.Popen] = []

    def tearDown(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
            process.wait()
        self.dir.cleanup()

    def writer(self, *args: str) -> subprocess.Popen:
        process = subprocess.Popen([SEGCTL, "ring", "write", "--path", self.path, *args],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.processes.append(process)
        return process

    def read_until_closed(self, reader: RingReader, verifier: Verifier) -> dict[str, int]:
        """Read with next() (copies) and view() (zero-copy) until the writer closes."""
        counts = {"frames": 0, "views_valid": 0, "views_invalidated": 0}
        while True:
            try:
                frame = reader.next(timeout=0.5)
            except TimeoutError:
                if reader.writer_status() == WriterStatus.CLOSED:
                    break
                continue
            counts["frames"] += 1
            verifier.add(frame.mask, frame.checksum)
            view = reader.view()
            if view is not None:
                copied = np.array(view.mask, copy=True)
                if view.still_valid():
                    counts["views_valid"] += 1
                    verifier.add(copied, view.checksum)
                else:
                    counts["views_invalidated"] += 1
        verifier.flush()
        counts["torn_retries"] = reader.torn_retries
        return counts

    def test_concurrent_writer_at_200_fps(self) -> None:
        writer = self.writer("--fps", "200", "--duration", "3")
        wait_for_path(self.path, 10, writer)
        verifier = Verifier()
        with RingReader(self.path) as reader:
            self.assertEqual((reader.model.width, reader.model.height), (640, 480))
            counts = self.read_until_closed(reader, verifier)
        self.assertEqual(writer.wait(10), 0)
        print(f"\n  200 fps: {counts}, verified {verifier.verified}, mismatches {verifier.mismatches}")
        self.assertGreaterEqual(counts["frames"], 200)
        self.assertEqual(verifier.mismatches, 0)

    def test_full_speed_writer_two_slots(self) -> None:
        # Each slot is rewritten every other publish (tens of microseconds): many copies are torn
        # and must be retried; none of the accepted ones may fail its checksum.
        writer = self.writer("--fps", "0", "--duration", "2", "--slots", "2", "--width", "320", "--height", "240")
        wait_for_path(self.path, 10, writer)
        verifier = Verifier()
        with RingReader(self.path) as reader:
            counts = self.read_until_closed(reader, verifier)
        self.assertEqual(writer.wait(10), 0)
        print(f"\n  full speed, 2 slots: {counts}, verified {verifier.verified}, mismatches {verifier.mismatches}")
        self.assertGreater(verifier.verified, 50)
        self.assertEqual(verifier.mismatches, 0)

    def test_killed_writer_is_detected_and_restart_followed(self) -> None:
        first = self.writer("--fps", "100", "--duration", "20", "--width", "321", "--height", "321")
        wait_for_path(self.path, 10, first)
        with RingReader(self.path) as reader:
            old_generation = reader.generation
            frame = reader.next(timeout=5)
            self.assertEqual(frame.generation, old_generation)
            self.assertTrue(frame.verify())
            first.send_signal(signal.SIGKILL)
            first.wait()
            self.assertEqual(reader.writer_status(), WriterStatus.DEAD)
            last_old = reader.latest()
            self.assertTrue(last_old.verify())  # the newest complete slot stays readable
            second = self.writer("--fps", "100", "--duration", "2", "--width", "160", "--height", "120")
            frame = reader.next(after=last_old, timeout=10)
            self.assertNotEqual(frame.generation, old_generation)
            self.assertEqual(reader.generation, frame.generation)
            self.assertEqual((frame.width, frame.height, reader.model.width), (160, 120, 160))
            self.assertTrue(frame.verify())
            later = reader.next(timeout=5)
            self.assertGreater(later.frame_number, frame.frame_number)
            self.assertTrue(later.verify())
        self.assertEqual(second.wait(10), 0)


@unittest.skipUnless(SERVER_CMD, "set SEGD_TEST_SERVER_CMD to a server command with {socket} (and optionally {ring})")
class ServerProcessTests(unittest.TestCase):
    def setUp(self) -> None:
        self.dir = tempfile.TemporaryDirectory()
        self.socket_path = os.path.join(self.dir.name, "segd.sock")
        self.ring_path = os.path.join(self.dir.name, "masks.ring")
        command = SERVER_CMD.replace("{socket}", shlex.quote(self.socket_path)).replace(
            "{ring}", shlex.quote(self.ring_path))
        self.log = open(os.path.join(self.dir.name, "server.log"), "w+")
        self.server = subprocess.Popen(command, shell=True, start_new_session=True, stdout=self.log,
                                       stderr=subprocess.STDOUT)
        try:
            wait_for_path(self.socket_path, 60, self.server)
        except AssertionError:
            self.tearDown()
            raise

    def tearDown(self) -> None:
        if self.server.poll() is None:
            os.killpg(self.server.pid, signal.SIGTERM)
            try:
                self.server.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.server.pid, signal.SIGKILL)
                self.server.wait()
        self.log.seek(0)
        self.server_log = self.log.read()
        self.log.close()
        self.dir.cleanup()

    def test_subscribe_raw_then_rle_downscaled_and_status(self) -> None:
        with Subscriber(self.socket_path, timeout=20) as sub:
            model = sub.model
            self.assertGreaterEqual(model.class_count, 1)
            sub.subscribe()
            raw = [sub.recv_frame() for _ in range(3)]
            for frame in raw:
                self.assertEqual((frame.width, frame.height, frame.encoding), (model.width, model.height, 0))
                self.assertEqual(frame.class_count, model.class_count)
                self.assertLess(int(frame.mask.max()), model.class_count)
            self.assertEqual(sorted({f.frame_number for f in raw}), [f.frame_number for f in raw])
            status = sub.status()
            self.assertGreaterEqual(status.subscribers, 1)
            self.assertGreaterEqual(status.frames_sent, 3)
            self.assertGreater(status.fps, 0)

            sub.subscribe(every=2, encoding="rle", downscale=2)
            frames = [sub.recv_frame() for _ in range(6)]
            frames = [f for f in frames if f.downscale == 2]  # frames queued before the change may remain
            self.assertGreaterEqual(len(frames), 3)
            for frame in frames:
                self.assertEqual((frame.width, frame.height), (max(1, model.width // 2), max(1, model.height // 2)))
            numbers = [f.frame_number for f in frames]
            self.assertTrue(all(b - a >= 2 for a, b in zip(numbers, numbers[1:])), numbers)

    def test_socket_masks_match_ring(self) -> None:
        with Subscriber(self.socket_path, timeout=20) as sub:
            ring_path = sub.hello.ring_path
            if not ring_path or not os.path.exists(ring_path):
                self.skipTest("the server announces no ring (put {ring} in SEGD_TEST_SERVER_CMD)")
            with RingReader(ring_path) as reader:
                sub.subscribe(downscale=2)
                compared = 0
                buffer = np.empty(reader.layout.mask_capacity, dtype=np.uint8)
                for _ in range(5):
                    frame = sub.recv_frame()
                    for slot in range(reader.layout.slot_count):
                        copy = reader.read_into(buffer, slot=slot)
                        if copy is not None and copy.frame_number == frame.frame_number:
                            self.assertTrue(copy.verify())
                            np.testing.assert_array_equal(downscale_mask(copy.mask, 2), frame.mask)
                            compared += 1
                self.assertGreaterEqual(compared, 1)

    def test_server_stop_ends_iteration(self) -> None:
        with Subscriber(self.socket_path, timeout=20) as sub:
            sub.subscribe(encoding="rle")
            sub.recv_frame()
            os.killpg(self.server.pid, signal.SIGTERM)
            try:
                for _ in sub:
                    pass
            except ConnectionClosed:
                self.fail("iteration should end quietly on Bye or end of stream")


if __name__ == "__main__":
    unittest.main()
