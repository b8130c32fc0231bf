"""The checksum against docs/shm-ring.md's test vectors, and the batch form against the single one."""

import unittest

import numpy as np

from segd_client.checksum import checksum, checksum_many


class ChecksumTests(unittest.TestCase):
    def test_document_vectors(self) -> None:
        self.assertEqual(checksum(b""), 0x13473751C6313FE8)
        self.assertEqual(checksum(b"abc"), 0xB4828B4E73F27E18)
        self.assertEqual(checksum(bytes(range(100))), 0xC982DA271D35080F)

    def test_input_kinds_agree(self) -> None:
        data = bytes(range(100))
        expected = 0xC982DA271D35080F
        self.assertEqual(checksum(bytearray(data)), expected)
        self.assertEqual(checksum(memoryview(data)), expected)
        self.assertEqual(checksum(np.frombuffer(data, dtype=np.uint8).reshape(10, 10)), expected)
        self.assertEqual(checksum(np.frombuffer(data, dtype=np.uint8).reshape(10, 10).T.T), expected)
        wide = np.zeros((10, 20), dtype=np.uint8)
        wide[:, ::2] = np.frombuffer(data, dtype=np.uint8).reshape(10, 10)
        self.assertEqual(checksum(wide[:, ::2]), expected)  # non-contiguous: hashed in C order

    def test_padding_is_not_length(self) -> None:
        # Zero padding must not make inputs of different lengths collide.
        self.assertNotEqual(checksum(b"abc"), checksum(b"abc\0"))
        self.assertNotEqual(checksum(bytes(32)), checksum(bytes(31)))

    def test_batch_matches_single(self) -> None:
        rng = np.random.default_rng(7)
        for length in (0, 1, 31, 32, 33, 100, 321 * 321):
            masks = rng.integers(0, 256, size=(5, length), dtype=np.uint8)
            expected = np.array([checksum(row) for row in masks], dtype=np.uint64)
            np.testing.assert_array_equal(checksum_many(masks), expected, err_msg=f"length {length}")

    def test_batch_document_vector(self) -> None:
        masks = np.tile(np.arange(100, dtype=np.uint8), (3, 1))
        self.assertEqual(checksum_many(masks).tolist(), [0xC982DA271D35080F] * 3)

    def test_batch_rejects_1d(self) -> None:
        with self.assertRaises(ValueError):
            checksum_many(np.zeros(10, dtype=np.uint8))


if __name__ == "__main__":
    unittest.main()
