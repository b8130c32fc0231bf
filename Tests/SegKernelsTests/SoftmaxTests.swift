import Foundation
import SegKernels
import Testing

/// Runs `softmaxReference` and `DequantizedSoftmax` on `values`; returns both outputs
/// (`outputElementCount` floats each, gaps NaN).
private func softmax(
    _ values: [Int8], channels: Int, scale: Double, pixelStride: Int, channelStride: Int
) throws -> (reference: [Float], simd: [Float]) {
    let pixelCount = values.count / channels
    let input = AlignedBuffer(byteCount: values.count)
    for (i, v) in values.enumerated() { input.typed(Int8.self, count: values.count)[i] = v }
    let kernel = try DequantizedSoftmax(
        pixelCount: pixelCount, channels: channels, scale: scale, pixelStride: pixelStride, channelStride: channelStride)
    let n = kernel.outputElementCount
    let expected = AlignedBuffer(byteCount: n * 4), got = AlignedBuffer(byteCount: n * 4)
    expected.typed(Float.self, count: n).update(repeating: .nan, count: n)
    got.typed(Float.self, count: n).update(repeating: .nan, count: n)
    softmaxReference(
        input: input.typed(Int8.self, count: 1), pixelCount: pixelCount, channels: channels, scale: scale,
        output: expected.typed(Float.self, count: n), pixelStride: pixelStride, channelStride: channelStride)
    kernel.run(input: input.typed(Int8.self, count: 1), output: got.typed(Float.self, count: n))
    return (Array(UnsafeBufferPointer(start: expected.typed(Float.self, count: n), count: n)),
            Array(UnsafeBufferPointer(start: got.typed(Float.self, count: n), count: n)))
}

/// The parameter `body` is refused for, or nil when it is accepted.
@Suite struct SoftmaxTests {
    /// Equal logits: each weighs 2^23, the sum is 2^24, and 2^23 * 2^-24 is exactly 0.5.
    @Test(arguments: [0.001, 0.1, 7.5])
    func equalLogits(_ scale: Double) throws {
        let (reference, simd) = try softmax([0, 0, -40, -40], channels: 2, scale: scale, pixelStride: 2, channelStride: 1)
        #expect(reference == [0.5, 0.5, 0.5, 0.5])
        #expect(simd == [0.5, 0.5, 0.5, 0.5])
    }

    /// Logits 10, 0, -5 at scale 0.1 (the zero point cancels): real 1, 0, -0.5.
    @Test func threeClasses() throws {
        let e = [exp(0.0), exp(-1.0), exp(-1.5)]
        let expected = e.map { $0 / (e[0] + e[1] + e[2]) }
        let (reference, simd) = try softmax([10, 0, -5], channels: 3, scale: 0.1, pixelStride: 3, channelStride: 1)
        #expect(reference == simd)
        for c in 0..<3 { #expect(abs(Double(reference[c]) - expected[c]) < 1e-6, "channel \(c)") }
    }

    /// Nine pixels of two classes, planar (channel 0 of every pixel, then channel 1): the first
    /// eight take the eight-pixel path, the ninth the single-pixel one. Equal logits give 0.5; a
    /// logit difference of 6 at scale 0.5 gives 1 / (1 + e^-3) and its complement.
    @Test func planarLayout() throws {
        let values: [Int8] = [0, 0, 3, -3, -3, 3, 100, 100, 3, -3, 0, 0, -3, 3, -128, -128, 3, -3]
        let (reference, simd) = try softmax(values, channels: 2, scale: 0.5, pixelStride: 1, channelStride: 9)
        #expect(reference == simd)
        let high = reference[1], low = reference[2]
        #expect(reference == [0.5, high, low, 0.5, high, 0.5, low, 0.5, high, 0.5, low, high, 0.5, low, 0.5, high, 0.5, low])
        #expect(abs(Double(high) - 1 / (1 + exp(-3.0))) < 1e-6)
    }

    /// A padded NHWC layout leaves the gaps alone.
    @Test func paddedLayout() throws {
        let (reference, simd) = try softmax([1, 1, 1, 1, 1, 1], channels: 3, scale: 1, pixelStride: 4, channelStride: 1)
        let third = Float(1) / 3
        #expect(reference[0] == third && reference[3].isNaN && reference[4] == third && reference.count == 7)
        #expect(simd.map(\.bitPattern) == reference.map(\.bitPattern))
    }

    @Test func configurationErrors() {
        let cases: [(String, Int, Int, Double, Int, Int)] = [
            ("pixelCount", 0, 3, 0.1, 3, 1),
            ("channels", 4, 0, 0.1, 3, 1),
            ("channels", 4, 257, 0.1, 257, 1),
            ("scale", 4, 3, 0, 3, 1),
            ("scale", 4, 3, -0.5, 3, 1),
            ("scale", 4, 3, .nan, 3, 1),
            ("scale", 4, 3, .infinity, 3, 1),
            ("pixelStride", 4, 3, 0.1, 0, 1),
            ("channelStride", 4, 3, 0.1, 3, 0),
            ("channelStride", 4, 3, 0.1, 2, 1),
            ("channelStride", 4, 3, 0.1, 1, 3),
        ]
        for (parameter, pixels, channels, scale, pixelStride, channelStride) in cases {
            let refused = refusedParameter {
                _ = try DequantizedSoftmax(
                    pixelCount: pixels, channels: channels, scale: scale, pixelStride: pixelStride, channelStride: channelStride)
            }
            #expect(refused == parameter)
        }
    }

    /// Known values (correctly rounded) and a sweep against the C library, within 1e-15 relative.
    @Test func deterministicExponential() {
        let known: [(Double, Double)] = [
            (0, 1), (1, 2.718281828459045), (-1, 0.36787944117144233), (0.5, 1.6487212707001282),
            (-0.5, 0.6065306597126334), (10, 22026.465794806718), (-10, 4.5399929762484854e-05),
            (100, 2.6881171418161356e+43), (-100, 3.720075976020836e-44), (700, 1.0142320547350045e+304),
            (-700, 9.85967654375977e-305), (1e-10, 1.0000000001), (-2.5, 0.0820849986238988),
        ]
        for (x, expected) in known {
            #expect(abs(deterministicExp(x) - expected) <= 1e-15 * expected, "exp(\(x))")
        }
        #expect(deterministicExp(710) == .infinity)
        #expect(deterministicExp(-746) == 0)
        #expect(deterministicExp(-.infinity) == 0)
        #expect(deterministicExp(.nan).isNaN)
        #expect(deterministicExp(-740) > 0 && deterministicExp(-740) < Double.leastNormalMagnitude)
        var x = -744.9
        while x < 709.7 {
            let expected = exp(x)
            if expected >= Double.leastNormalMagnitude {
                #expect(abs(deterministicExp(x) - expected) <= 1e-15 * expected, "exp(\(x))")
            }
            x += 0.0137
        }
    }
}
