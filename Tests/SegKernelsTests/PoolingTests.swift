import SegKernels
import Testing

/// `values` in an `AlignedBuffer` (random-free tail padding of zeros).
private func buffer(_ values: [Int8]) -> AlignedBuffer {
    let b = AlignedBuffer(byteCount: values.count)
    for (i, v) in values.enumerated() { b.typed(Int8.self, count: values.count)[i] = v }
    return b
}

/// Runs `body` on a sentinel-filled output of `count` bytes; expects the tail untouched and returns
/// the `count` values.
private func output(_ count: Int, _ body: (UnsafeMutablePointer<Int8>) -> Void) -> [Int8] {
    let b = AlignedBuffer(byteCount: count)
    let p = b.typed(Int8.self, count: count + AlignedBuffer.kernelTailPadding)
    for i in 0..<count + AlignedBuffer.kernelTailPadding { p[i] = 0x5A }
    body(p)
    for i in count..<count + AlignedBuffer.kernelTailPadding { #expect(p[i] == 0x5A, "wrote tail byte \(i - count)") }
    return Array(UnsafeBufferPointer(start: p, count: count))
}

/// Max pools `values` with the reference and with `MaxPool2D`; expects both to give `expected`.
private func expectMaxPool(_ g: Pool2DGeometry, _ values: [Int8], _ expected: [Int8]) throws {
    let input = buffer(values)
    let pool = try MaxPool2D(g)
    let scratch = AlignedBuffer(byteCount: pool.workspaceByteCount)
    let reference = output(g.outputElementCount) { maxPool2dReference(g, input: input.typed(Int8.self, count: 1), output: $0) }
    let optimized = output(g.outputElementCount) {
        pool.run(input: input.typed(Int8.self, count: 1), output: $0, workspace: scratch.pointer)
    }
    #expect(reference == expected)
    #expect(optimized == expected)
}

/// Average pools `values` with the reference and with `AveragePool2D`; expects both to give `expected`.
private func expectAveragePool(
    _ g: Pool2DGeometry, countIncludePad: Bool = false, _ q: AveragePoolQuantization, _ values: [Int8], _ expected: [Int8]
) throws {
    let input = buffer(values)
    let pool = try AveragePool2D(g, countIncludePad: countIncludePad, quantization: q)
    let scratch = AlignedBuffer(byteCount: pool.workspaceByteCount)
    let reference = output(g.outputElementCount) {
        averagePool2dReference(g, countIncludePad: countIncludePad, quantization: q, input: input.typed(Int8.self, count: 1), output: $0)
    }
    let optimized = output(g.outputElementCount) {
        pool.run(input: input.typed(Int8.self, count: 1), output: $0, workspace: scratch.pointer)
    }
    #expect(reference == expected)
    #expect(optimized == expected)
}

/// Global average pools `values` with the reference and with `GlobalAveragePool`.
private func expectGlobalAveragePool(
    height: Int, width: Int, channels: Int, _ q: AveragePoolQuantization, _ values: [Int8], _ expected: [Int8]
) throws {
    let input = buffer(values)
    let pool = try GlobalAveragePool(height: height, width: width, channels: channels, quantization: q)
    let reference = output(channels) {
        globalAveragePoolReference(
            batch: 1, height: height, width: width, channels: channels, quantization: q,
            input: input.typed(Int8.self, count: 1), output: $0)
    }
    let optimized = output(channels) { pool.run(input: input.typed(Int8.self, count: 1), output: $0) }
    #expect(reference == expected)
    #expect(optimized == expected)
}

/// Input and output quantized alike: scale 1, zero point 0.
private let identity = AveragePoolQuantization(inputScale: 1, inputZeroPoint: 0, outputScale: 1, outputZeroPoint: 0)

@Suite struct PoolingTests {
    @Test func maxPool2x2Stride2() throws {
        let g = Pool2DGeometry(inputHeight: 4, inputWidth: 4, channels: 1, kernelHeight: 2, kernelWidth: 2, strideHeight: 2, strideWidth: 2)
        try expectMaxPool(g, [
            1, -5, 3, 0,
            7, 2, -8, 4,
            -128, -3, 12, 11,
            -7, -9, 10, 127,
        ], [7, 4, -3, 127])
    }

    /// 3x3 / stride 1 / pad 1 (DeepLab's pool4-5, pooled down columns first): on all-negative
    /// inputs the border outputs show that padding never wins.
    @Test func maxPoolPaddingNeverWins() throws {
        let g = Pool2DGeometry(
            inputHeight: 3, inputWidth: 3, channels: 2, kernelHeight: 3, kernelWidth: 3,
            padTop: 1, padLeft: 1, padBottom: 1, padRight: 1)
        let channel0: [Int8] = [-10, -20, -30, -40, -50, -60, -70, -80, -90]
        var input: [Int8] = []
        for v in channel0 { input += [v, -128] }
        let expected0: [Int8] = [-10, -10, -20, -10, -10, -20, -40, -40, -50]
        var expected: [Int8] = []
        for v in expected0 { expected += [v, -128] }
        try expectMaxPool(g, input, expected)
    }

    /// Ceil mode adds an output whose window is clipped to the last column.
    @Test func maxPoolCeilMode() throws {
        var g = Pool2DGeometry(inputHeight: 1, inputWidth: 5, channels: 1, kernelHeight: 1, kernelWidth: 2, strideWidth: 2)
        try expectMaxPool(g, [3, -1, 8, 9, -6], [3, 9])
        g.ceilMode = true
        #expect(g.outputWidth == 3)
        try expectMaxPool(g, [3, -1, 8, 9, -6], [3, 9, -6])
    }

    /// Channels past 16 (a full vector and a 3-lane tail), 5x5 / stride 1 / pad 2 as in RefineNet's CRP.
    @Test func maxPoolChannelTail() throws {
        let g = Pool2DGeometry(
            inputHeight: 2, inputWidth: 2, channels: 19, kernelHeight: 5, kernelWidth: 5,
            padTop: 2, padLeft: 2, padBottom: 2, padRight: 2)
        var input: [Int8] = []
        for pixel in 0..<4 { for c in 0..<19 { input.append(Int8(c * 6 - 60 + pixel)) } }
        var expected: [Int8] = []
        for _ in 0..<4 { for c in 0..<19 { expected.append(Int8(c * 6 - 57)) } }
        try expectMaxPool(g, input, expected)
    }

    @Test func poolGeometryRefusals() {
        let valid = Pool2DGeometry(inputHeight: 8, inputWidth: 8, channels: 4, kernelHeight: 3, kernelWidth: 3)
        var g = valid
        g.kernelHeight = 0
        expectRefusal("kernelHeight") { _ = try MaxPool2D(g) }
        g = valid
        g.kernelWidth = 17
        expectRefusal("kernelWidth") { _ = try MaxPool2D(g) }
        g = valid
        g.strideWidth = 17
        expectRefusal("strideWidth") { _ = try MaxPool2D(g) }
        g = valid
        g.padTop = 3
        expectRefusal("padTop") { _ = try MaxPool2D(g) }
        g = valid
        g.channels = 0
        expectRefusal("channels") { _ = try MaxPool2D(g) }
        g = valid
        g.inputHeight = 1
        expectRefusal("kernelHeight") { _ = try MaxPool2D(g) }
        // Width 2, kernel 2, stride 2, right pad 1: ceil mode's second window would start at
        // column 2, in the padding.
        g = Pool2DGeometry(inputHeight: 1, inputWidth: 2, channels: 1, kernelHeight: 1, kernelWidth: 2, strideWidth: 2, padRight: 1)
        #expect(throws: Never.self) { _ = try MaxPool2D(g) }
        g.ceilMode = true
        expectRefusal("ceilMode") { _ = try MaxPool2D(g) }
    }

    /// 2x2 / stride 2 averages of 2.5 and -2.5: ties round up, to 3 and -2, also with zero points.
    @Test func averagePoolRoundingTies() throws {
        let g = Pool2DGeometry(inputHeight: 2, inputWidth: 4, channels: 1, kernelHeight: 2, kernelWidth: 2, strideHeight: 2, strideWidth: 2)
        try expectAveragePool(g, identity, [1, 2, -1, -2, 3, 4, -3, -4], [3, -2])
        let shifted = AveragePoolQuantization(inputScale: 1, inputZeroPoint: 5, outputScale: 1, outputZeroPoint: -10)
        try expectAveragePool(g, shifted, [6, 7, 4, 3, 8, 9, 2, 1], [-7, -12])
    }

    /// 3x3 / stride 1 / pad 1 over a 2x2 image: every window holds the 4 pixels (sum 40) and 5
    /// padded taps. Padded taps add 0 (not the zero point) and count only with `countIncludePad`:
    /// 40 / 4 = 10, 40 / 9 = 4.4 -> 4.
    @Test func averagePoolCountIncludePad() throws {
        let g = Pool2DGeometry(
            inputHeight: 2, inputWidth: 2, channels: 1, kernelHeight: 3, kernelWidth: 3,
            padTop: 1, padLeft: 1, padBottom: 1, padRight: 1)
        let q = AveragePoolQuantization(inputScale: 1, inputZeroPoint: 2, outputScale: 1, outputZeroPoint: 0)
        try expectAveragePool(g, q, [6, 10, 14, 18], [10, 10, 10, 10])
        try expectAveragePool(g, countIncludePad: true, q, [6, 10, 14, 18], [4, 4, 4, 4])
    }

    /// A right pad is counted with `countIncludePad` (9 / 2 = 4.5 -> 5); a ceil-mode overhang past
    /// the input with no pad is never counted.
    @Test func averagePoolPaddingAndOverhang() throws {
        let padded = Pool2DGeometry(inputHeight: 1, inputWidth: 3, channels: 1, kernelHeight: 1, kernelWidth: 2, strideWidth: 2, padRight: 1)
        try expectAveragePool(padded, identity, [2, 4, 9], [3, 9])
        try expectAveragePool(padded, countIncludePad: true, identity, [2, 4, 9], [3, 5])
        let overhang = Pool2DGeometry(inputHeight: 1, inputWidth: 3, channels: 1, kernelHeight: 1, kernelWidth: 2, strideWidth: 2, ceilMode: true)
        try expectAveragePool(overhang, countIncludePad: true, identity, [2, 4, 9], [3, 9])
    }

    /// Output scale 1/4 of the input's with ReLU: 4 * 40 saturates at 127, 4 * -40 is cut to 0.
    @Test func averagePoolSaturationAndReLU() throws {
        let g = Pool2DGeometry(inputHeight: 1, inputWidth: 2, channels: 3, kernelHeight: 1, kernelWidth: 2)
        let q = AveragePoolQuantization(inputScale: 1, inputZeroPoint: 0, outputScale: 0.25, outputZeroPoint: 0, activation: .relu)
        try expectAveragePool(g, q, [40, -40, 10, 40, -40, 11], [127, 0, 42])
    }

    @Test func averagePoolQuantizationRefusals() {
        let g = Pool2DGeometry(inputHeight: 4, inputWidth: 4, channels: 4, kernelHeight: 2, kernelWidth: 2)
        var q = identity
        q.inputScale = 0
        expectRefusal("inputScale") { _ = try AveragePool2D(g, quantization: q) }
        q = identity
        q.outputScale = .nan
        expectRefusal("outputScale") { _ = try AveragePool2D(g, quantization: q) }
        q = identity
        q.outputScale = 1e-10
        expectRefusal("outputScale") { _ = try AveragePool2D(g, quantization: q) }
        q = identity
        q.inputZeroPoint = 128
        expectRefusal("inputZeroPoint") { _ = try AveragePool2D(g, quantization: q) }
        q = identity
        q.output.minimum = 10
        q.output.maximum = 9
        expectRefusal("outputMinimum") { _ = try AveragePool2D(g, quantization: q) }
        var bad = g
        bad.padLeft = 2
        expectRefusal("padLeft") { _ = try AveragePool2D(bad, quantization: identity) }
        expectRefusal("width") { _ = try GlobalAveragePool(height: 2, width: 0, channels: 1, quantization: identity) }
        expectRefusal("height") { _ = try GlobalAveragePool(height: 4096, width: 4096, channels: 1, quantization: identity) }
    }

    /// Means of 2.5 and -2.5 round to 3 and -2; x4 with ReLU saturates and cuts.
    @Test func globalAveragePoolByHand() throws {
        try expectGlobalAveragePool(height: 2, width: 2, channels: 2, identity, [1, -1, 2, -2, 3, -3, 4, -4], [3, -2])
        let q = AveragePoolQuantization(inputScale: 1, inputZeroPoint: 0, outputScale: 0.25, outputZeroPoint: 0, activation: .relu)
        try expectGlobalAveragePool(height: 1, width: 2, channels: 3, q, [40, -40, 10, 40, -40, 11], [127, 0, 42])
    }

    /// 17 x 17 = 289 pixels of 127 (and of -128): beyond one Int16 run of 256.
    @Test func globalAveragePoolLongImage() throws {
        let values = [Int8](repeating: 127, count: 289 * 2)
        try expectGlobalAveragePool(height: 17, width: 17, channels: 2, identity, values, [127, 127])
        try expectGlobalAveragePool(height: 17, width: 17, channels: 2, identity, [Int8](repeating: -128, count: 289 * 2), [-128, -128])
    }
}
