import SegPublish
import Testing

@Suite struct RingChecksumTests {
    /// Pinned values, also listed in docs/shm-ring.md so other implementations can check theirs.
    @Test func knownValues() {
        #expect(checksum([]) == RingChecksumVectors.empty)
        #expect(checksum(Array("abc".utf8)) == RingChecksumVectors.abc)
        #expect(checksum((0..<100).map { UInt8($0) }) == RingChecksumVectors.bytes0to99)
    }

    @Test func everySingleByteChangeIsSeen() {
        var bytes = (0..<203).map { UInt8(truncatingIfNeeded: $0 &* 37) }
        let original = checksum(bytes)
        for index in bytes.indices {
            for bit in [0, 7] {
                bytes[index] ^= 1 << bit
                #expect(checksum(bytes) != original, "byte \(index) bit \(bit)")
                bytes[index] ^= 1 << bit
            }
        }
    }

    @Test func lengthCountsBeyondZeroPadding() {
        #expect(checksum([1, 2, 3]) != checksum([1, 2, 3, 0]))
        #expect(checksum([UInt8](repeating: 0, count: 32)) != checksum([UInt8](repeating: 0, count: 64)))
    }

    @Test func alignmentDoesNotMatter() {
        let bytes = (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 11) }
        let expected = checksum(Array(bytes[1...]))
        bytes.withUnsafeBytes { #expect(MaskChecksum.of(UnsafeRawBufferPointer(rebasing: $0[1...])) == expected) }
    }

    private func checksum(_ bytes: [UInt8]) -> UInt64 { bytes.withUnsafeBytes { MaskChecksum.of($0) } }
}

enum RingChecksumVectors {
    static let empty: UInt64 = 0x1347_3751_C631_3FE8
    static let abc: UInt64 = 0xB482_8B4E_73F2_7E18
    static let bytes0to99: UInt64 = 0xC982_DA27_1D35_080F
}
