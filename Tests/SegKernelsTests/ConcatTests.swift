import SegKernels
import Testing

/// Concatenates `values` (one array per input) with the reference and with `Concat`; expects both
/// to give `expected` and to leave the output's tail padding alone.
private func expectConcat(
    outerCount: Int, _ inputs: [ConcatInput], outputScale: Double, outputZeroPoint: Int32, _ values: [[Int8]], _ expected: [Int8]
) throws {
    let buffers = values.map { v in
        let b = AlignedBuffer(byteCount: v.count)
        for (i, x) in v.enumerated() { b.typed(Int8.self, count: v.count)[i] = x }
        return b
    }
    let pointers = buffers.map { UnsafePointer($0.typed(Int8.self, count: 1)) }
    let concat = try Concat(outerCount: outerCount, inputs: inputs, outputScale: outputScale, outputZeroPoint: outputZeroPoint)
    let count = expected.count, tail = AlignedBuffer.kernelTailPadding
    func run(_ body: (UnsafeBufferPointer<UnsafePointer<Int8>>, UnsafeMutablePointer<Int8>) -> Void) -> [Int8] {
        let out = AlignedBuffer(byteCount: count)
        let p = out.typed(Int8.self, count: count + tail)
        for i in 0..<count + tail { p[i] = 0x5A }
        pointers.withUnsafeBufferPointer { body($0, p) }
        for i in count..<count + tail { #expect(p[i] == 0x5A, "wrote tail byte \(i - count)") }
        return Array(UnsafeBufferPointer(start: p, count: count))
    }
    withExtendedLifetime(buffers) {
        #expect(run {
            concatReference(
                outerCount: outerCount, inputs: inputs, outputScale: outputScale, outputZeroPoint: outputZeroPoint,
                sources: $0, output: $1)
        } == expected)
        #expect(run { concat.run(sources: $0, output: $1) } == expected)
    }
}

@Suite struct ConcatTests {
    /// Channel concat of two pixels: 2 channels copied, 3 channels from scale 1/4 zero point 10 to
    /// scale 1/2 zero point 0: (x - 10) / 2 with ties up (13 -> 2, 7 -> -1, 127 -> 59, 11 -> 1).
    @Test func channelsCopiedAndRequantized() throws {
        try expectConcat(
            outerCount: 2,
            [ConcatInput(chunk: 2, scale: 0.5, zeroPoint: 0), ConcatInput(chunk: 3, scale: 0.25, zeroPoint: 10)],
            outputScale: 0.5, outputZeroPoint: 0,
            [[1, -2, 127, -128], [13, 7, 127, -128, 10, 11]],
            [1, -2, 2, -1, 59, 127, -128, -69, 0, 1])
    }

    /// One outer index (a height concat of single images): a copy, a x4 rescale that saturates,
    /// and a zero-point shift of -7 that saturates at -128.
    @Test func saturation() throws {
        try expectConcat(
            outerCount: 1,
            [
                ConcatInput(chunk: 2, scale: 1, zeroPoint: 0), ConcatInput(chunk: 3, scale: 4, zeroPoint: 0),
                ConcatInput(chunk: 2, scale: 1, zeroPoint: 7),
            ],
            outputScale: 1, outputZeroPoint: 0,
            [[5, -5], [100, -100, 3], [-128, 0]],
            [5, -5, 127, -128, 12, -128, -7])
    }

    /// Chunks of 20 (a full vector and a 4-lane tail) over three outer indices: a copy and a halving
    /// into the output's zero point -3.
    @Test func vectorAndTail() throws {
        var a: [Int8] = [], b: [Int8] = [], expected: [Int8] = []
        for o in 0..<3 {
            let rowA = (0..<20).map { Int8(o * 20 + $0 - 30) }
            let rowB = (0..<20).map { Int8(2 * ($0 - 10)) }
            a += rowA
            b += rowB
            expected += rowA + rowB.map { $0 / 2 - 3 }
        }
        try expectConcat(
            outerCount: 3,
            [ConcatInput(chunk: 20, scale: 0.125, zeroPoint: -3), ConcatInput(chunk: 20, scale: 0.0625, zeroPoint: 0)],
            outputScale: 0.125, outputZeroPoint: -3, [a, b], expected)
    }

    @Test func refusals() {
        let two = [ConcatInput(chunk: 2, scale: 1, zeroPoint: 0), ConcatInput(chunk: 3, scale: 1, zeroPoint: 0)]
        expectRefusal("inputs") { _ = try Concat(outerCount: 1, inputs: [two[0]], outputScale: 1, outputZeroPoint: 0) }
        expectRefusal("inputs") {
            _ = try Concat(outerCount: 1, inputs: [ConcatInput](repeating: two[0], count: 17), outputScale: 1, outputZeroPoint: 0)
        }
        expectRefusal("outerCount") { _ = try Concat(outerCount: 0, inputs: two, outputScale: 1, outputZeroPoint: 0) }
        expectRefusal("outputScale") { _ = try Concat(outerCount: 1, inputs: two, outputScale: 0, outputZeroPoint: 0) }
        expectRefusal("outputZeroPoint") { _ = try Concat(outerCount: 1, inputs: two, outputScale: 1, outputZeroPoint: 128) }
        var bad = two
        bad[1].chunk = 0
        expectRefusal("inputs[1].chunk") { _ = try Concat(outerCount: 1, inputs: bad, outputScale: 1, outputZeroPoint: 0) }
        bad = two
        bad[0].scale = .nan
        expectRefusal("inputs[0].scale") { _ = try Concat(outerCount: 1, inputs: bad, outputScale: 1, outputZeroPoint: 0) }
        bad = two
        bad[1].scale = 1e10
        expectRefusal("inputs[1].scale") { _ = try Concat(outerCount: 1, inputs: bad, outputScale: 1, outputZeroPoint: 0) }
        bad = two
        bad[1].zeroPoint = -200
        expectRefusal("inputs[1].zeroPoint") { _ = try Concat(outerCount: 1, inputs: bad, outputScale: 1, outputZeroPoint: 0) }
    }
}
