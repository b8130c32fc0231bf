import SegKernels
import Testing

/// Runs `resizeBilinearReference` and `ResizeBilinear` on `input`; returns both outputs.
private func bilinear(_ g: ResizeGeometry, _ mode: ResizeCoordinateMode, _ input: [Int8]) throws -> (reference: [Int8], simd: [Int8]) {
    let source = AlignedBuffer(byteCount: input.count)
    for (i, v) in input.enumerated() { source.typed(Int8.self, count: input.count)[i] = v }
    let expected = AlignedBuffer(byteCount: g.outputElementCount), got = AlignedBuffer(byteCount: g.outputElementCount)
    resizeBilinearReference(g, coordinateMode: mode, input: source.typed(Int8.self, count: 1), output: expected.typed(Int8.self, count: 1))
    let resize = try ResizeBilinear(g, coordinateMode: mode)
    let scratch = AlignedBuffer(byteCount: resize.workspaceByteCount)
    resize.run(input: source.typed(Int8.self, count: 1), output: got.typed(Int8.self, count: 1), workspace: scratch.pointer)
    return (Array(UnsafeBufferPointer(start: expected.typed(Int8.self, count: 1), count: g.outputElementCount)),
            Array(UnsafeBufferPointer(start: got.typed(Int8.self, count: 1), count: g.outputElementCount)))
}

/// Runs `resizeNearestReference` and `ResizeNearest` on `input`; returns both outputs.
private func nearest(
    _ g: ResizeGeometry, _ mode: ResizeCoordinateMode, _ rounding: ResizeNearestMode, _ input: [Int8]
) throws -> (reference: [Int8], simd: [Int8]) {
    let source = AlignedBuffer(byteCount: input.count)
    for (i, v) in input.enumerated() { source.typed(Int8.self, count: input.count)[i] = v }
    let expected = AlignedBuffer(byteCount: g.outputElementCount), got = AlignedBuffer(byteCount: g.outputElementCount)
    resizeNearestReference(
        g, coordinateMode: mode, nearestMode: rounding, input: source.typed(Int8.self, count: 1), output: expected.typed(Int8.self, count: 1))
    try ResizeNearest(g, coordinateMode: mode, nearestMode: rounding)
        .run(input: source.typed(Int8.self, count: 1), output: got.typed(Int8.self, count: 1))
    return (Array(UnsafeBufferPointer(start: expected.typed(Int8.self, count: 1), count: g.outputElementCount)),
            Array(UnsafeBufferPointer(start: got.typed(Int8.self, count: 1), count: g.outputElementCount)))
}

/// Every channel of every pixel of `values` repeated `channels` times.
private func repeatChannels(_ values: [Int8], _ channels: Int) -> [Int8] {
    values.flatMap { Array(repeating: $0, count: channels) }
}

/// The parameter `body` is refused for, or nil when it is accepted.
@Suite struct ResizeTests {
    static let square: [Int8] = [-100, 21, 60, 127]

    // 2x2 -> 4x4 by hand. Source coordinates per axis and weights (of 2048) of the second tap:
    //   halfPixel / pytorchHalfPixel: (2x - 1) / 4 clamped = 0, 1/4, 3/4, 1 -> 0, 512, 1536, (index 1) 0
    //   alignCorners: x / 3 = 0, 1/3, 2/3, 1 -> 0, 683 (682.67), 1365 (1365.33), (index 1) 0
    //   asymmetric: x / 2 = 0, 1/2, 1, 3/2 clamped to 1 -> 0, 1024, (index 1) 0, 0
    // e.g. halfPixel (1, 1): 0.75 * 0.75 * -100 + 0.75 * 0.25 * 21 + 0.25 * 0.75 * 60 + 0.25 * 0.25 * 127
    // = -33.125 -> -33; (2, 3): 0.25 * 21 + 0.75 * 127 = 100.5, a tie, -> 101 (towards +infinity);
    // asymmetric (0, 1): (-100 + 21) / 2 = -39.5 -> -39.
    static let upsampled: [(ResizeCoordinateMode, [Int8])] = [
        (.halfPixel, [-100, -70, -9, 21, -60, -33, 21, 48, 20, 40, 80, 101, 60, 77, 110, 127]),
        (.pytorchHalfPixel, [-100, -70, -9, 21, -60, -33, 21, 48, 20, 40, 80, 101, 60, 77, 110, 127]),
        (.alignCorners, [-100, -60, -19, 21, -47, -12, 22, 56, 7, 35, 63, 92, 60, 82, 105, 127]),
        (.asymmetric, [-100, -39, 21, 21, -20, 27, 74, 74, 60, 94, 127, 127, 60, 94, 127, 127]),
    ]

    @Test func bilinear2x2To4x4() throws {
        for (mode, expected) in Self.upsampled {
            let g = ResizeGeometry(inputHeight: 2, inputWidth: 2, channels: 1, outputHeight: 4, outputWidth: 4)
            let (reference, simd) = try bilinear(g, mode, Self.square)
            #expect(reference == expected, "\(mode)")
            #expect(simd == expected, "\(mode)")
        }
    }

    /// The same pattern in every channel, across the 16-lane step and its ragged tail.
    @Test(arguments: [3, 16, 17, 40])
    func bilinearChannels(_ channels: Int) throws {
        let (mode, expected) = Self.upsampled[3]
        let g = ResizeGeometry(inputHeight: 2, inputWidth: 2, channels: channels, outputHeight: 4, outputWidth: 4)
        let (reference, simd) = try bilinear(g, mode, repeatChannels(Self.square, channels))
        #expect(reference == repeatChannels(expected, channels))
        #expect(simd == repeatChannels(expected, channels))
    }

    /// 2x2 -> 1x1: half pixel reads the centre (the mean, 108 / 4 = 27); PyTorch's half pixel,
    /// align corners and asymmetric read the top-left pixel.
    @Test func bilinearToOnePixel() throws {
        let g = ResizeGeometry(inputHeight: 2, inputWidth: 2, channels: 1, outputHeight: 1, outputWidth: 1)
        for (mode, expected) in [(ResizeCoordinateMode.halfPixel, Int8(27)), (.pytorchHalfPixel, -100), (.alignCorners, -100), (.asymmetric, -100)] {
            let (reference, simd) = try bilinear(g, mode, Self.square)
            #expect(reference == [expected], "\(mode)")
            #expect(simd == [expected], "\(mode)")
        }
    }

    /// 1x5 -> 1x2 half pixel: x = 3/4 and 13/4. 0.25 * 10 + 0.75 * -20 = -12.5 -> -12;
    /// 0.75 * 127 + 0.25 * -128 = 63.25 -> 63.
    @Test func bilinearDownsample() throws {
        let g = ResizeGeometry(inputHeight: 1, inputWidth: 5, channels: 1, outputHeight: 1, outputWidth: 2)
        let (reference, simd) = try bilinear(g, .halfPixel, [10, -20, 35, 127, -128])
        #expect(reference == [-12, 63])
        #expect(simd == [-12, 63])
    }

    // 1-D nearest cases, input [10, 20, 30] (and [10, 20] for the ties).
    //   asymmetric 3 -> 4: x * 3/4 = 0, 0.75, 1.5, 2.25
    //   halfPixel 3 -> 4: (6x - 1) / 8 = -0.125, 0.625, 1.375, 2.125 (no ties)
    //   alignCorners 3 -> 5: x / 2 = 0, 0.5, 1, 1.5, 2
    //   halfPixel 2 -> 1: 0.5; pytorchHalfPixel 2 -> 1: 0
    static let nearestCases: [(ResizeCoordinateMode, ResizeNearestMode, Int, Int, [Int8])] = [
        (.asymmetric, .floor, 3, 4, [10, 10, 20, 30]),
        (.asymmetric, .ceil, 3, 4, [10, 20, 30, 30]),
        (.asymmetric, .roundPreferFloor, 3, 4, [10, 20, 20, 30]),
        (.asymmetric, .roundPreferCeil, 3, 4, [10, 20, 30, 30]),
        (.halfPixel, .floor, 3, 4, [10, 10, 20, 30]),
        (.halfPixel, .ceil, 3, 4, [10, 20, 30, 30]),
        (.halfPixel, .roundPreferFloor, 3, 4, [10, 20, 20, 30]),
        (.halfPixel, .roundPreferCeil, 3, 4, [10, 20, 20, 30]),
        (.alignCorners, .floor, 3, 5, [10, 10, 20, 20, 30]),
        (.alignCorners, .ceil, 3, 5, [10, 20, 20, 30, 30]),
        (.alignCorners, .roundPreferFloor, 3, 5, [10, 10, 20, 20, 30]),
        (.alignCorners, .roundPreferCeil, 3, 5, [10, 20, 20, 30, 30]),
        (.halfPixel, .roundPreferFloor, 2, 1, [10]),
        (.halfPixel, .roundPreferCeil, 2, 1, [20]),
        (.pytorchHalfPixel, .roundPreferCeil, 2, 1, [10]),
    ]

    @Test func nearestModes() throws {
        for (mode, rounding, inputWidth, outputWidth, expected) in Self.nearestCases {
            let g = ResizeGeometry(inputHeight: 1, inputWidth: inputWidth, channels: 1, outputHeight: 1, outputWidth: outputWidth)
            let input: [Int8] = Array([10, 20, 30].prefix(inputWidth))
            let (reference, simd) = try nearest(g, mode, rounding, input)
            #expect(reference == expected, "\(mode) \(rounding)")
            #expect(simd == expected, "\(mode) \(rounding)")
        }
    }

    /// PyTorch `nearest` 2x: every pixel becomes a 2x2 block, in every channel.
    @Test(arguments: [1, 5, 16, 21])
    func nearestUpsample2x(_ channels: Int) throws {
        let g = ResizeGeometry(inputHeight: 2, inputWidth: 2, channels: channels, outputHeight: 4, outputWidth: 4)
        let expected: [Int8] = [-100, -100, 21, 21, -100, -100, 21, 21, 60, 60, 127, 127, 60, 60, 127, 127]
        let (reference, simd) = try nearest(g, .asymmetric, .floor, repeatChannels(Self.square, channels))
        #expect(reference == repeatChannels(expected, channels))
        #expect(simd == repeatChannels(expected, channels))
    }

    @Test func configurationErrors() {
        let good = ResizeGeometry(inputHeight: 4, inputWidth: 4, channels: 3, outputHeight: 8, outputWidth: 8)
        let cases: [(String, ResizeGeometry)] = [
            ("batch", { var g = good; g.batch = 0; return g }()),
            ("inputHeight", { var g = good; g.inputHeight = 0; return g }()),
            ("inputWidth", { var g = good; g.inputWidth = 16385; return g }()),
            ("channels", { var g = good; g.channels = 0; return g }()),
            ("outputHeight", { var g = good; g.outputHeight = -1; return g }()),
            ("outputWidth", { var g = good; g.outputWidth = 0; return g }()),
            ("channels", { var g = good; g.outputHeight = 16384; g.outputWidth = 16384; g.channels = 8; return g }()),
        ]
        for (parameter, g) in cases {
            #expect(refusedParameter { _ = try ResizeBilinear(g, coordinateMode: .halfPixel) } == parameter)
            #expect(refusedParameter { _ = try ResizeNearest(g, coordinateMode: .asymmetric, nearestMode: .floor) } == parameter)
        }
    }
}
