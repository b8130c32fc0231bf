import SegKernels
import Testing

/// Runs `argMaxReference` and `ChannelArgMax` on `pixels` (each of `channels` values).
private func argMax(_ values: [Int8], channels: Int) throws -> (reference: [UInt8], simd: [UInt8]) {
    let pixelCount = values.count / channels
    let input = AlignedBuffer(byteCount: values.count)
    for (i, v) in values.enumerated() { input.typed(Int8.self, count: values.count)[i] = v }
    let expected = AlignedBuffer(byteCount: pixelCount), got = AlignedBuffer(byteCount: pixelCount)
    argMaxReference(input: input.typed(Int8.self, count: 1), pixelCount: pixelCount, channels: channels, output: expected.typed(UInt8.self, count: 1))
    try ChannelArgMax(pixelCount: pixelCount, channels: channels).run(input: input.typed(Int8.self, count: 1), output: got.typed(UInt8.self, count: 1))
    return (Array(UnsafeBufferPointer(start: expected.typed(UInt8.self, count: 1), count: pixelCount)),
            Array(UnsafeBufferPointer(start: got.typed(UInt8.self, count: 1), count: pixelCount)))
}

/// The parameter `body` is refused for, or nil when it is accepted.
@Suite struct ArgMaxTests {
    /// Ties go to the lowest index.
    @Test func smallTies() throws {
        let values: [Int8] = [5, 7, 7, 1, 3, 3, 3, 3, -128, -128, -128, -128, -5, -6, 127, 127]
        let (reference, simd) = try argMax(values, channels: 4)
        #expect(reference == [1, 0, 0, 2])
        #expect(simd == [1, 0, 0, 2])
    }

    @Test func singleChannel() throws {
        let (reference, simd) = try argMax([-128, 0, 127], channels: 1)
        #expect(reference == [0, 0, 0])
        #expect(simd == [0, 0, 0])
    }

    /// 20 channels: the steps are channels 0...15 and 4...19, so channel 4 is in both; the maximum
    /// 9 at channels 4 and 19 gives 4. The second pixel has it at 16 and 19 (only the last step).
    @Test func overlappingSteps() throws {
        var values = [Int8](repeating: -1, count: 40)
        values[4] = 9
        values[19] = 9
        values[20 + 16] = 100
        values[20 + 19] = 100
        let (reference, simd) = try argMax(values, channels: 20)
        #expect(reference == [4, 16])
        #expect(simd == [4, 16])
    }

    /// 256 channels: the last class id is 255; all equal gives 0.
    @Test func fullByteRange() throws {
        var values = [Int8](repeating: -128, count: 512)
        values[255] = -127
        let (reference, simd) = try argMax(values, channels: 256)
        #expect(reference == [255, 0])
        #expect(simd == [255, 0])
    }

    @Test func configurationErrors() {
        for (parameter, pixels, channels) in [("pixelCount", 0, 21), ("channels", 10, 0), ("channels", 10, 257)] {
            #expect(refusedParameter { _ = try ChannelArgMax(pixelCount: pixels, channels: channels) } == parameter)
        }
    }
}
