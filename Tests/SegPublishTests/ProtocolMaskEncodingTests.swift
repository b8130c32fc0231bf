import SegPublish
import Testing

@Suite struct ProtocolMaskEncodingTests {
    @Test func runLengthLayoutIsAsDocumented() throws {
        // 3 x 0, 2 x 5, then a run longer than 65535 that is split.
        let mask: [UInt8] = [0, 0, 0, 5, 5] + [UInt8](repeating: 1, count: 70_000)
        let runs = RunLengthMask.encode(mask)
        #expect(Array(runs.prefix(9)) == [3, 0, 0, 2, 0, 5, 0xFF, 0xFF, 1])
        #expect(Array(runs.suffix(3)) == [UInt8(4465 & 0xFF), UInt8(4465 >> 8), 1])
        #expect(try RunLengthMask.decode(runs, pixelCount: mask.count) == mask)
    }

    @Test func runLengthRoundTripsRandomMasks() throws {
        var random = ProtocolTestRandom(seed: 3)
        for _ in 0..<50 {
            let width = 1 + random.below(200), height = 1 + random.below(100)
            let mask = random.below(2) == 0 ? random.blobMask(width: width, height: height, classes: 21) : random.bytes(width * height)
            #expect(try RunLengthMask.decode(RunLengthMask.encode(mask), pixelCount: mask.count) == mask)
        }
    }

    @Test func runLengthRefusesWhatDoesNotFit() {
        let mask: [UInt8] = [0, 1, 0, 1]
        var output = [UInt8](repeating: 0, count: 4)
        let count = mask.withUnsafeBytes { source in output.withUnsafeMutableBytes { RunLengthMask.encode(source, into: $0) } }
        #expect(count == nil)
    }

    @Test func runLengthDecodeRejectsBadRuns() {
        #expect(throws: ProtocolError.self) { try RunLengthMask.decode([1, 0], pixelCount: 1) }
        #expect(throws: ProtocolError.self) { try RunLengthMask.decode([0, 0, 1], pixelCount: 0) }
        #expect(throws: ProtocolError.self) { try RunLengthMask.decode([2, 0, 1], pixelCount: 1) }
        #expect(throws: ProtocolError.self) { try RunLengthMask.decode([1, 0, 1], pixelCount: 2) }
    }

    @Test func downscaleTakesBlockCentres() {
        // 5 x 3 mask, value = 10 * row + column.
        let mask = (0..<3).flatMap { y in (0..<5).map { x in UInt8(10 * y + x) } }
        #expect(MaskDownscale.size(width: 5, height: 3, factor: 2) == (2, 1))
        #expect(MaskDownscale.downscale(mask, width: 5, height: 3, factor: 2) == [11, 13])
        #expect(MaskDownscale.downscale(mask, width: 5, height: 3, factor: 1) == mask)
        // Larger than the mask: one pixel, the clamped centre.
        #expect(MaskDownscale.downscale(mask, width: 5, height: 3, factor: 8) == [24])
    }
}
