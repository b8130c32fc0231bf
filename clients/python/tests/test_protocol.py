"""Codec tests on messages built by hand from docs/protocol.md."""

import random
import struct
import unittest

import numpy as np

from segd_client import ProtocolError
from segd_client import protocol as p

from .messages import error_payload, frame_payload, hello_payload, rle_encode, status_payload


class EncodeTests(unittest.TestCase):
    def test_subscribe_matches_document_example(self) -> None:
        # "every 5th frame, run-length, downscale 4"
        self.assertEqual(p.encode_subscribe(1, 1, 4, 5), bytes.fromhex("0200000008000000 0100010405000000"))

    def test_subscribe_ranges(self) -> None:
        for encoding, downscale, every in ((2, 1, 1), (0, 0, 1), (0, 9, 1), (0, 1, 0), (0, 1, 1_000_001)):
            with self.assertRaises(ValueError):
                p.encode_subscribe(1, encoding, downscale, every)
        p.encode_subscribe(1, 0, 8, 1_000_000)

    def test_small_requests(self) -> None:
        self.assertEqual(p.encode_status_request(1), bytes.fromhex("0400000002000000 0100"))
        self.assertEqual(p.encode_bye(), bytes.fromhex("0700000000000000"))
        self.assertEqual(p.encode_error(1, "no"), bytes.fromhex("0600000006000000 0100 0200 6e6f"))


class HeaderTests(unittest.TestCase):
    def test_header(self) -> None:
        self.assertEqual(p.decode_header(struct.pack("<HHI", 3, 9, 100)), (3, 100))  # flags ignored
        self.assertEqual(p.decode_header(struct.pack("<HHI", 3, 0, 48 + 16_777_216)), (3, 48 + 16_777_216))
        with self.assertRaisesRegex(ProtocolError, "over the limit"):
            p.decode_header(struct.pack("<HHI", 3, 0, 48 + 16_777_217))


class HelloTests(unittest.TestCase):
    def test_hello(self) -> None:
        hello = p.decode_hello(hello_payload())
        self.assertEqual((hello.min_version, hello.max_version), (1, 1))
        self.assertEqual((hello.server_name, hello.server_version), ("segd", "1.2.3"))
        self.assertEqual(hello.ring_path, "/run/segd/masks.ring")
        self.assertEqual(hello.model.model_id, "deeplab_lite_321")
        self.assertEqual(hello.model.class_names, ("background", "person", "car"))
        self.assertEqual((hello.model.width, hello.model.height), (8, 4))
        self.assertEqual(p.decode_hello(hello_payload() + b"later fields").class_names, hello.class_names)

    def test_bad_hello(self) -> None:
        good = hello_payload()
        for cut in (0, 10, 16, len(good) - 1):
            with self.assertRaisesRegex(ProtocolError, "too short"):
                p.decode_hello(good[:cut])
        with self.assertRaisesRegex(ProtocolError, "class_count"):
            p.decode_hello(hello_payload(classes=()))
        with self.assertRaisesRegex(ProtocolError, "mask size"):
            p.decode_hello(hello_payload(width=0))
        with self.assertRaisesRegex(ProtocolError, "mask size"):
            p.decode_hello(hello_payload(width=4097, height=4096))
        with self.assertRaisesRegex(ProtocolError, "1024"):
            p.decode_hello(good[:16] + struct.pack("<H", 1025) + b"x" * 1025)
        with self.assertRaisesRegex(ProtocolError, "UTF-8"):
            p.decode_hello(good[:16] + struct.pack("<H", 1) + b"\xff" + good[16 + 2 + 4 :])

    def test_version_choice(self) -> None:
        self.assertEqual(p.pick_version(p.decode_hello(hello_payload(min_version=1, max_version=3))), 1)
        with self.assertRaises(ProtocolError):
            p.pick_version(p.decode_hello(hello_payload(min_version=2, max_version=3)))


class RunLengthTests(unittest.TestCase):
    def test_document_example(self) -> None:
        mask = np.array([0, 0, 0, 5, 5] + [1] * 70_000, dtype=np.uint8)
        data = bytes.fromhex("030000 020005 ffff01 711101")
        self.assertEqual(rle_encode(mask), data)  # the test encoder agrees with the doc
        np.testing.assert_array_equal(p.decode_rle(data, mask.size), mask)

    def test_random_masks_round_trip(self) -> None:
        rng = np.random.default_rng(3)
        for shape in ((1, 1), (3, 7), (40, 30)):
            mask = rng.integers(0, 3, size=shape, dtype=np.uint8)
            np.testing.assert_array_equal(p.decode_rle(rle_encode(mask), mask.size), mask.reshape(-1))

    def test_malformed(self) -> None:
        with self.assertRaisesRegex(ProtocolError, "multiple of 3"):
            p.decode_rle(b"\x01\x00", 1)
        with self.assertRaisesRegex(ProtocolError, "length 0"):
            p.decode_rle(b"\x00\x00\x01\x01\x00\x01", 1)
        with self.assertRaisesRegex(ProtocolError, "sum to 2"):
            p.decode_rle(b"\x02\x00\x01", 3)
        with self.assertRaisesRegex(ProtocolError, "sum to 0"):
            p.decode_rle(b"", 1)


class FrameTests(unittest.TestCase):
    mask = (np.arange(32) % 3).astype(np.uint8).reshape(4, 8)

    def test_raw(self) -> None:
        frame = p.decode_frame(frame_payload(self.mask, 42, queue_drops=5))
        self.assertEqual((frame.frame_number, frame.capture_ns, frame.inference_ns), (42, 11, 22))
        self.assertEqual((frame.width, frame.height, frame.class_count), (8, 4, 3))
        self.assertEqual((frame.encoding, frame.downscale, frame.queue_drops), (0, 1, 5))
        self.assertIsNone(frame.checksum)
        self.assertTrue(frame.verify())
        np.testing.assert_array_equal(frame.mask, self.mask)

    def test_run_length(self) -> None:
        frame = p.decode_frame(frame_payload(self.mask, encoding=1, downscale=2))
        self.assertEqual((frame.encoding, frame.downscale), (1, 2))
        np.testing.assert_array_equal(frame.mask, self.mask)

    def test_trailing_bytes_ignored(self) -> None:
        frame = p.decode_frame(frame_payload(self.mask) + b"future")
        np.testing.assert_array_equal(frame.mask, self.mask)

    def test_malformed(self) -> None:
        good = frame_payload(self.mask)
        with self.assertRaisesRegex(ProtocolError, "too short"):
            p.decode_frame(good[:47])
        with self.assertRaisesRegex(ProtocolError, "present"):
            p.decode_frame(good[:-1])
        with self.assertRaisesRegex(ProtocolError, "raw mask of 31"):
            p.decode_frame(frame_payload(self.mask, data=bytes(31)))
        with self.assertRaisesRegex(ProtocolError, "encoding 2"):
            p.decode_frame(frame_payload(self.mask, encoding=2, data=bytes(32)))
        with self.assertRaisesRegex(ProtocolError, "class_count"):
            p.decode_frame(frame_payload(self.mask, class_count=0))
        with self.assertRaisesRegex(ProtocolError, "mask size"):
            p.decode_frame(frame_payload(np.zeros((0, 4), np.uint8), data=b"\x00"))


class StatusAndErrorTests(unittest.TestCase):
    def test_status(self) -> None:
        status = p.decode_status(status_payload([("latency.inference_ms", "12.5"), ("x", "")]))
        self.assertEqual((status.fps, status.latency_p50_ms, status.latency_p99_ms), (30.0, 12.5, 40.25))
        self.assertEqual((status.frames_published, status.pipeline_drops, status.uptime_ns), (1000, 3, 5_000_000_000))
        self.assertEqual((status.subscribers, status.connections, status.queue_drops, status.frames_sent), (2, 3, 7, 900))
        self.assertEqual(status.extras, {"latency.inference_ms": "12.5", "x": ""})

    def test_bad_status(self) -> None:
        with self.assertRaisesRegex(ProtocolError, "too short"):
            p.decode_status(status_payload([("a", "b")])[:-1])
        with self.assertRaisesRegex(ProtocolError, "257 extras"):
            p.decode_status(status_payload()[:-2] + struct.pack("<H", 257))

    def test_error(self) -> None:
        error = p.decode_error(error_payload(4, "every must be 1...1000000"))
        self.assertEqual((error.code, error.name, error.message), (4, "BAD_OPTIONS", "every must be 1...1000000"))
        self.assertEqual(p.decode_error(error_payload(99, "")).name, "unknown(99)")


class DownscaleTests(unittest.TestCase):
    def test_block_centres(self) -> None:
        mask = np.arange(7 * 10, dtype=np.uint8).reshape(7, 10)
        small = p.downscale_mask(mask, 3)  # 3x2: centres at x 1, 4, 7 and y 1, 4
        np.testing.assert_array_equal(small, mask[np.ix_([1, 4], [1, 4, 7])])
        np.testing.assert_array_equal(p.downscale_mask(mask, 8), [[mask[4, 4]]])  # max(1, 7 div 8) = 1, y min(6, 4)
        np.testing.assert_array_equal(p.downscale_mask(mask[:1, :1], 2), [[mask[0, 0]]])  # clamped to W-1, H-1


class FuzzTests(unittest.TestCase):
    def test_decoders_raise_only_protocol_errors(self) -> None:
        rng = random.Random(11)
        mask = (np.arange(64) % 3).astype(np.uint8).reshape(8, 8)
        seeds = [
            (p.decode_hello, hello_payload()),
            (p.decode_frame, frame_payload(mask)),
            (p.decode_frame, frame_payload(mask, encoding=1)),
            (p.decode_status, status_payload([("k", "v")])),
            (p.decode_error, error_payload(2, "bad")),
        ]
        for _ in range(3000):
            decode, seed = rng.choice(seeds)
            data = bytearray(seed)
            for _ in range(rng.randint(1, 4)):
                action = rng.random()
                if action < 0.5 and data:
                    data[rng.randrange(len(data))] = rng.randrange(256)
                elif action < 0.75:
                    del data[rng.randrange(len(data) + 1) :]
                else:
                    data += bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
            try:
                decode(bytes(data))
            except ProtocolError:
                pass


if __name__ == "__main__":
    unittest.main()
