/// The 64-bit checksum stored with every mask in the ring (docs/shm-ring.md, "Checksum"): four
/// independent multiply-xor-rotate lanes over 32-byte stripes of little-endian words, so that a
/// 640x480 mask hashes at several bytes per cycle. Not cryptographic: it catches torn and
/// corrupted masks, which is all a reader needs.
public struct MaskChecksum {
    static let prime1: UInt64 = 0x9E37_79B9_7F4A_7C15
    static let prime2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    /// Bytes consumed by one `add` (four words, one per lane).
    static let stripeSize = 32

    private var lane0 = prime2
    private var lane1 = prime2 &* 2
    private var lane2 = prime2 &* 3
    private var lane3 = prime2 &* 4

    init() {}

    /// The checksum of `bytes` (any length, any alignment).
    public static func of(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var checksum = MaskChecksum()
        let fullStripes = bytes.count / stripeSize
        if let base = bytes.baseAddress {
            for stripe in 0..<fullStripes {
                let offset = stripe &* stripeSize
                checksum.add(
                    base.loadUnaligned(fromByteOffset: offset, as: UInt64.self).littleEndian,
                    base.loadUnaligned(fromByteOffset: offset &+ 8, as: UInt64.self).littleEndian,
                    base.loadUnaligned(fromByteOffset: offset &+ 16, as: UInt64.self).littleEndian,
                    base.loadUnaligned(fromByteOffset: offset &+ 24, as: UInt64.self).littleEndian)
            }
            let tailCount = bytes.count &- fullStripes &* stripeSize
            if tailCount > 0 {
                var tail: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
                withUnsafeMutableBytes(of: &tail) { $0.copyMemory(from: UnsafeRawBufferPointer(start: base + fullStripes &* stripeSize, count: tailCount)) }
                checksum.add(tail.0.littleEndian, tail.1.littleEndian, tail.2.littleEndian, tail.3.littleEndian)
            }
        }
        return checksum.finish(length: bytes.count)
    }

    /// Mixes one 32-byte stripe, given as its four little-endian words, into the lanes.
    @inline(__always)
    mutating func add(_ word0: UInt64, _ word1: UInt64, _ word2: UInt64, _ word3: UInt64) {
        lane0 = Self.round(lane0, word0)
        lane1 = Self.round(lane1, word1)
        lane2 = Self.round(lane2, word2)
        lane3 = Self.round(lane3, word3)
    }

    /// Folds the lanes and the input's byte count (before zero padding) into the checksum.
    func finish(length: Int) -> UInt64 {
        var hash = Self.round(UInt64(length), lane0)
        hash = Self.round(hash, lane1)
        hash = Self.round(hash, lane2)
        hash = Self.round(hash, lane3)
        hash ^= hash >> 33
        hash = hash &* Self.prime2
        hash ^= hash >> 29
        return hash
    }

    /// rotl64((accumulator ^ word) * prime1, 31): a bijection of the accumulator for each word,
    /// so a single changed word always changes the lane; the rotation carries high bits down so
    /// that changes in the top bits cannot cancel.
    @inline(__always)
    static func round(_ accumulator: UInt64, _ word: UInt64) -> UInt64 {
        let product = (accumulator ^ word) &* prime1
        return (product << 31) | (product >> 33)
    }
}
