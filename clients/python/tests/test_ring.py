"""RingReader against rings written by tests/ring_writer.py (the layout built by hand from the doc)."""

import os
import subprocess
import tempfile
import threading
import time
import unittest

import numpy as np

from segd_client import RingFormatError, RingReader, WriterStatus
from segd_client._linux import futex_wait
from segd_client.checksum import checksum

from .ring_writer import HEADER_SIZE, RingWriter


def pattern(frame_number: int, height: int = 4, width: int = 8) -> np.ndarray:
    return ((np.arange(height * width) + frame_number) % 3).astype(np.uint8).reshape(height, width)


def dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


class RingTestCase(unittest.TestCase):
    def setUp(self) -> None:
        self.dir = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.dir.name, "masks.ring")

    def tearDown(self) -> None:
        self.dir.cleanup()


class HeaderTests(RingTestCase):
    def test_model_and_layout(self) -> None:
        RingWriter(self.path, width=8, height=4, slot_count=3, generation=42)
        with RingReader(self.path) as reader:
            self.assertEqual(reader.model.model_id, "test_model")
            self.assertEqual(reader.model.class_names, ("background", "person", "car"))
            self.assertEqual(reader.model.class_count, 3)
            self.assertEqual((reader.model.width, reader.model.height), (8, 4))
            self.assertEqual(reader.layout.slot_count, 3)
            self.assertEqual(reader.layout.mask_capacity, 64)
            self.assertEqual(reader.layout.header_size, HEADER_SIZE)
            self.assertEqual(reader.generation, 42)
            self.assertEqual(reader.layout.writer_pid, os.getpid())
            self.assertEqual(reader.writer_status(), WriterStatus.RUNNING)

    def assert_rejected(self, overrides: dict, fragment: str) -> None:
        RingWriter(self.path, static_overrides=overrides)
        with self.assertRaises(RingFormatError) as caught:
            RingReader(self.path)
        self.assertIn(fragment, str(caught.exception))

    def test_bad_magic(self) -> None:
        self.assert_rejected({"magic": 0x1234}, "not a segd ring")

    def test_bad_version(self) -> None:
        self.assert_rejected({"version": 2}, "version 2 is not supported")

    def test_bad_header_size(self) -> None:
        self.assert_rejected({"header_size": HEADER_SIZE + 1}, "header_size")
        self.assert_rejected({"header_size": 8320}, "header_size")

    def test_no_slots(self) -> None:
        self.assert_rejected({"slot_count": 0}, "slot_count")

    def test_small_capacity(self) -> None:
        self.assert_rejected({"mask_width": 100}, "mask_capacity")
        self.assert_rejected({"mask_capacity": 63}, "mask_capacity")

    def test_small_stride(self) -> None:
        self.assert_rejected({"slot_stride": 64}, "slot_stride")

    def test_too_many_classes(self) -> None:
        self.assert_rejected({"class_count": 257}, "class_count")

    def test_truncated_file(self) -> None:
        RingWriter(self.path).unmap()
        os.truncate(self.path, HEADER_SIZE + 64)
        with self.assertRaisesRegex(RingFormatError, "needs"):
            RingReader(self.path)

    def test_tiny_and_empty_files(self) -> None:
        for size in (0, 100):
            with open(self.path, "wb") as f:
                f.write(bytes(size))
            with self.assertRaisesRegex(RingFormatError, "too small"):
                RingReader(self.path)

    def test_missing_file(self) -> None:
        with self.assertRaises(FileNotFoundError):
            RingReader(self.path)


class ReadTests(RingTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.writer = RingWriter(self.path)
        self.reader = RingReader(self.path)

    def tearDown(self) -> None:
        self.reader.close()
        super().tearDown()

    def test_nothing_published(self) -> None:
        self.assertIsNone(self.reader.latest())
        self.assertIsNone(self.reader.view())
        self.assertIsNone(self.reader.read_into(bytearray(64), slot=1))
        self.assertIsNone(self.reader.latest_frame_number())
        with self.assertRaises(TimeoutError):
            self.reader.next(timeout=0.1)

    def test_latest(self) -> None:
        self.writer.publish(pattern(1), 1)
        self.writer.publish(pattern(2), 2, capture_ns=123, inference_ns=456)
        frame = self.reader.latest()
        self.assertEqual(frame.frame_number, 2)
        self.assertEqual((frame.capture_ns, frame.inference_ns), (123, 456))
        self.assertEqual((frame.width, frame.height, frame.class_count), (8, 4, 3))
        self.assertEqual((frame.generation, frame.slot), (1, 1))
        self.assertEqual(frame.key, (1, 2))
        np.testing.assert_array_equal(frame.mask, pattern(2))
        self.assertEqual(frame.checksum, checksum(pattern(2)))
        self.assertTrue(frame.verify())
        self.assertLessEqual(frame.publish_ns, time.monotonic_ns())
        np.testing.assert_allclose(frame.class_shares(), [11 / 32, 10 / 32, 11 / 32])

    def test_bad_checksum_is_reported(self) -> None:
        self.writer.publish(pattern(1), 1, bad_checksum=True)
        self.assertFalse(self.reader.latest().verify())

    def test_read_into_buffers(self) -> None:
        self.writer.publish(pattern(5), 5)
        for buffer in (bytearray(64), np.zeros(32, dtype=np.uint8), np.zeros((4, 8), dtype=np.uint8)):
            frame = self.reader.read_into(buffer)
            np.testing.assert_array_equal(frame.mask, pattern(5))
            np.testing.assert_array_equal(np.frombuffer(buffer, dtype=np.uint8)[:32], pattern(5).reshape(-1))
        with self.assertRaisesRegex(ValueError, "too small"):
            self.reader.read_into(bytearray(31))
        with self.assertRaises(ValueError):
            self.reader.read_into(np.zeros(64, dtype=np.int32))
        with self.assertRaises(ValueError):
            self.reader.read_into(bytes(64))

    def test_read_given_slot(self) -> None:
        for n in range(1, 4):
            self.writer.publish(pattern(n), n)
        self.assertEqual([self.reader.read_into(bytearray(64), slot=s).frame_number for s in range(3)], [1, 2, 3])
        with self.assertRaises(IndexError):
            self.reader.read_into(bytearray(64), slot=3)

    def test_slot_being_written_is_rejected(self) -> None:
        self.writer.publish(pattern(1), 1)  # slot 0
        self.writer.begin(1)  # a writer killed while filling slot 1 leaves it odd
        self.assertIsNone(self.reader.read_into(bytearray(64), slot=1))
        self.assertEqual(self.reader.latest().frame_number, 1)  # latest_slot still names slot 0

    def test_view_is_zero_copy_and_validated(self) -> None:
        self.writer.publish(pattern(1), 1)
        view = self.reader.view()
        np.testing.assert_array_equal(view.mask, pattern(1))
        self.assertFalse(view.mask.flags.writeable)
        self.assertTrue(view.still_valid())
        self.writer.publish(pattern(2), 2)
        self.assertTrue(view.still_valid())  # slot 0 untouched
        self.writer.publish(pattern(3), 3)
        self.writer.publish(pattern(4), 4)  # slot 0 again
        self.assertFalse(view.still_valid())
        np.testing.assert_array_equal(view.mask, pattern(4))  # the view shows live memory

    def test_view_outlives_close(self) -> None:
        self.writer.publish(pattern(1), 1)
        view = self.reader.view()
        self.reader.close()
        np.testing.assert_array_equal(view.mask, pattern(1))
        self.assertTrue(view.still_valid())

    def test_next_waits_for_newer(self) -> None:
        self.writer.publish(pattern(1), 1)
        self.assertEqual(self.reader.next(timeout=0.1).frame_number, 1)
        with self.assertRaises(TimeoutError):
            self.reader.next(timeout=0.1)
        self.writer.publish(pattern(2), 2)
        self.writer.publish(pattern(3), 3)
        self.assertEqual(self.reader.next(timeout=0.1).frame_number, 3)  # the newest, not every frame
        self.assertEqual(self.reader.next(after=(1, 1), timeout=0.1).frame_number, 3)

    def test_next_is_woken_from_another_thread(self) -> None:
        self.writer.publish(pattern(1), 1)
        first = self.reader.next(timeout=0.1)
        timer = threading.Timer(0.2, self.writer.publish, (pattern(2), 2))
        timer.start()
        started = time.monotonic()
        frame = self.reader.next(after=first, timeout=5)
        timer.join()
        self.assertEqual(frame.frame_number, 2)
        self.assertLess(time.monotonic() - started, 2)


class FutexTests(RingTestCase):
    def test_wait_wakes_and_times_out(self) -> None:
        writer = RingWriter(self.path)
        reader = RingReader(self.path)
        mapping = reader._mapping
        seq = mapping.publish_seq()
        started = time.monotonic()
        self.assertFalse(futex_wait(mapping.publish_seq_address, mapping.publish_seq, seq, 0.1))
        self.assertGreaterEqual(time.monotonic() - started, 0.09)
        timer = threading.Timer(0.1, writer.bump)
        timer.start()
        started = time.monotonic()
        self.assertTrue(futex_wait(mapping.publish_seq_address, mapping.publish_seq, seq, 5))
        self.assertLess(time.monotonic() - started, 2)
        timer.join()
        self.assertTrue(futex_wait(mapping.publish_seq_address, mapping.publish_seq, seq, 5))  # changed: at once
        reader.close()


class WriterLifeTests(RingTestCase):
    def test_closed(self) -> None:
        writer = RingWriter(self.path)
        with RingReader(self.path) as reader:
            writer.close()
            self.assertEqual(reader.writer_status(), WriterStatus.CLOSED)

    def test_dead(self) -> None:
        RingWriter(self.path, pid=dead_pid())
        with RingReader(self.path) as reader:
            self.assertEqual(reader.writer_status(), WriterStatus.DEAD)

    def test_stale(self) -> None:
        writer = RingWriter(self.path)
        with RingReader(self.path, stale_after=1.0) as reader:
            writer.set_heartbeat(time.monotonic_ns() - 2_000_000_000)
            self.assertEqual(reader.writer_status(), WriterStatus.STALE)
            self.assertGreater(reader.heartbeat_age(), 1.9)

    def test_restart_is_followed(self) -> None:
        old = RingWriter(self.path, generation=7)
        for n in range(1, 6):
            old.publish(pattern(n), n)
        reader = RingReader(self.path)
        self.assertEqual(reader.next(timeout=0.1).key, (7, 5))
        old_view = reader.view()
        old.unmap()  # the old writer dies (the file stays at the path until replaced)
        self.assertFalse(reader.reattach())
        new = RingWriter(self.path, generation=8, width=16, height=2)
        new.publish(pattern(1, 2, 16), 1)
        frame = reader.next(timeout=2)
        self.assertEqual(frame.key, (8, 1))
        self.assertEqual(reader.generation, 8)
        self.assertEqual((reader.model.width, reader.model.height), (16, 2))
        np.testing.assert_array_equal(frame.mask, pattern(1, 2, 16))
        np.testing.assert_array_equal(old_view.mask, pattern(5))  # old mapping alive while viewed
        reader.close()

    def test_missing_path_keeps_mapping(self) -> None:
        writer = RingWriter(self.path)
        writer.publish(pattern(1), 1)
        with RingReader(self.path) as reader:
            os.unlink(self.path)
            self.assertFalse(reader.reattach())
            self.assertEqual(reader.latest().frame_number, 1)

    def test_invalid_new_file_is_reported(self) -> None:
        RingWriter(self.path)
        with RingReader(self.path) as reader:
            RingWriter(self.path, static_overrides={"version": 9})
            with self.assertRaises(RingFormatError):
                reader.reattach()
            self.assertEqual(reader.layout.version, 1)


if __name__ == "__main__":
    unittest.main()
