import SegKernels
import SegKernelsConformance
import Testing

/// `q = v - 128`: mean 0, std 1, scale 1/255, zero point -128, so expected outputs read as 8-bit
/// RGB values minus 128.
private let plain = PixelNormalization(mean: .zero, std: .one, scale: 1.0 / 255.0, zeroPoint: -128)

/// Runs the reference and `PixelConversion` (on each quantization path) on `frame` (and NV12's
/// `chroma`); expects them equal and returns the output.
private func convert(
    _ geometry: PixelConversionGeometry, _ normalization: PixelNormalization = plain, frame: [UInt8], chroma: [UInt8] = []
) throws -> [Int8] {
    let frameBuffer = AlignedBuffer(byteCount: frame.count)
    for (i, byte) in frame.enumerated() { frameBuffer.typed(UInt8.self, count: frame.count)[i] = byte }
    let chromaBuffer = AlignedBuffer(byteCount: chroma.count)
    for (i, byte) in chroma.enumerated() { chromaBuffer.typed(UInt8.self, count: chroma.count)[i] = byte }
    let count = geometry.outputElementCount
    let expected = AlignedBuffer(byteCount: count)
    let framePointer = UnsafePointer(frameBuffer.typed(UInt8.self, count: frame.count))
    let chromaPointer = UnsafePointer(chromaBuffer.typed(UInt8.self, count: chroma.count))
    pixelConversionReference(
        geometry, normalization: normalization, frame: framePointer, chroma: chromaPointer,
        output: expected.typed(Int8.self, count: count))
    let reference = Array(UnsafeBufferPointer(start: expected.typed(Int8.self, count: count), count: count))
    for path in [nil, PixelQuantizationPath.lookupTable] {
        let conversion = try PixelConversion(geometry, normalization: normalization, path: path)
        let scratch = AlignedBuffer(byteCount: conversion.workspaceByteCount)
        let got = AlignedBuffer(byteCount: count)
        conversion.run(frame: framePointer, chroma: chromaPointer, output: got.typed(Int8.self, count: count), workspace: scratch.pointer)
        #expect(Array(UnsafeBufferPointer(start: got.typed(Int8.self, count: count), count: count)) == reference, "\(conversion.path)")
    }
    return reference
}

private func geometry(
    _ format: PixelFormat, _ width: Int, _ height: Int, rowStride: Int? = nil, range: YUVRange = .limited,
    crop: PixelRect? = nil, output: (Int, Int), destination: PixelRect? = nil, order: ChannelOrder = .rgb
) -> PixelConversionGeometry {
    PixelConversionGeometry(
        frame: FrameLayout(format: format, width: width, height: height, rowStride: rowStride, range: range),
        crop: crop, outputWidth: output.0, outputHeight: output.1, destination: destination, channelOrder: order)
}

/// The error a configuration throws, or nil.
private func refusal(
    _ g: PixelConversionGeometry, _ n: PixelNormalization = plain, path: PixelQuantizationPath? = nil
) -> KernelConfigurationError? {
    do {
        _ = try PixelConversion(g, normalization: n, path: path)
        return nil
    } catch {
        return error
    }
}

@Suite struct PixelConversionTests {
    /// Row 0: Y=235 U=V=128 (white), Y=16 (black); row 1: Y=81 U=90 V=240, BT.601's pure red.
    let yuyvColours: [UInt8] = [235, 128, 16, 128, 81, 90, 81, 240]

    @Test func yuyvLimitedRangeKnownColours() throws {
        let out = try convert(geometry(.yuyv, 2, 2, output: (2, 2)), frame: yuyvColours)
        // White (298*219+128)>>8 = 255; black 0; red R = (298*65+409*112+128)>>8 = 255,
        // G = (19370+3800-23296+128)>>8 = 0, B = (19370-19608+128)>>8 = -1 -> 0.
        #expect(out == [127, 127, 127, -128, -128, -128, 127, -128, -128, 127, -128, -128])
    }

    @Test func yuyvFullRangeBGR() throws {
        let out = try convert(geometry(.yuyv, 2, 2, range: .full, output: (2, 2), order: .bgr), frame: yuyvColours)
        // Y=235 -> 235; Y=16 -> 16; (81, 90, 240): R = (20736+40208+128)>>8 = 238,
        // G = (20736+3344-20496+128)>>8 = 14, B = (20736-17252+128)>>8 = 14. Written B, G, R.
        #expect(out == [107, 107, 107, -112, -112, -112, -114, -114, 110, -114, -114, 110])
    }

    @Test func nv12ChromaCoversTwoByTwo() throws {
        // Y rows [235 16 81 81] and [81 81 235 16]; one UV row: pair 0 grey, pair 1 red.
        let g = PixelConversionGeometry(
            frame: FrameLayout(format: .nv12, width: 4, height: 2), outputWidth: 4, outputHeight: 2)
        let out = try convert(g, frame: [235, 16, 81, 81, 81, 81, 235, 16], chroma: [128, 128, 90, 240])
        // Grey Y=81: (298*65+128)>>8 = 76. Y=235 red chroma: (255, (65262+3800-23296+128)>>8 = 179,
        // (65262-19608+128)>>8 = 178); Y=16 red chroma: ((45808+128)>>8 = 179, 0, 0).
        #expect(out == [
            127, 127, 127, -128, -128, -128, 127, -128, -128, 127, -128, -128,
            -52, -52, -52, -52, -52, -52, 127, 51, 50, 51, -128, -128,
        ])
    }

    @Test func identitySizeWithRowPaddingAndCrop() throws {
        // 3x3 BGR24, rows of 9 bytes padded to 11; crop the 2x2 at (1, 1).
        var frame: [UInt8] = []
        for y in 0..<3 {
            for x in 0..<3 { frame += [UInt8(100 + 10 * y + x), UInt8(50 + y), UInt8(200 + x)] }
            frame += [1, 2]
        }
        let g = geometry(.bgr24, 3, 3, rowStride: 11, crop: PixelRect(x: 1, y: 1, width: 2, height: 2), output: (2, 2))
        let out = try convert(g, frame: frame)
        // RGB = (200 + x, 50 + y, 100 + 10y + x) - 128 at x, y in 1...2.
        #expect(out == [73, -77, -17, 74, -77, -16, 73, -76, -7, 74, -76, -6])
    }

    @Test func halfSizeAveragesRoundingTiesUp() throws {
        // 4x2 RGB24 -> 2x1: both taps at weight 128, each output (sum of 2x2 + 2) >> 2.
        let frame: [UInt8] = [
            0, 0, 255, 1, 1, 255, 10, 3, 100, 20, 3, 101,
            1, 0, 255, 0, 0, 254, 30, 3, 102, 41, 4, 103,
        ]
        let out = try convert(geometry(.rgb24, 4, 2, output: (2, 1)), frame: frame)
        // R 2/4 = 0.5 -> 1, G 1/4 -> 0, B 1019/4 = 254.75 -> 255; 101/4 -> 25, 13/4 -> 3, 406/4 = 101.5 -> 102.
        #expect(out == [-127, -128, 127, -103, -125, -26])
    }

    @Test func upscaleClampsAtBorders() throws {
        // 2x1 -> 4x1: taps (0, 0, w 0), (0, 1, w 64), (0, 1, w 192), (1, 1, w 0).
        let out = try convert(geometry(.rgb24, 2, 1, output: (4, 1)), frame: [0, 255, 1, 100, 0, 2])
        // R 0, 25, 75, 100; G 255, 191.25 -> 191, 63.75 -> 64, 0; B 1, 1.25 -> 1, 1.75 -> 2, 2.
        #expect(out == [-128, 127, -127, -103, 63, -127, -53, -64, -126, -28, -128, -126])
    }

    @Test func letterboxFillsPadColour() throws {
        let n = PixelNormalization(mean: .zero, std: .one, scale: 1.0 / 255.0, zeroPoint: -128, padColor: SIMD3(10, 20, 30))
        let g = geometry(.rgb24, 2, 2, output: (4, 3), destination: PixelRect(x: 1, y: 1, width: 2, height: 2), order: .bgr)
        let out = try convert(g, n, frame: [128, 129, 130, 131, 132, 133, 134, 135, 136, 137, 138, 139])
        let pad: [Int8] = [-98, -108, -118]
        #expect(out == pad + pad + pad + pad + pad + [2, 1, 0, 5, 4, 3] + pad + pad + [8, 7, 6, 11, 10, 9] + pad)
    }

    @Test func letterboxRectangle() {
        #expect(PixelRect.letterbox(contentWidth: 1280, contentHeight: 720, outputWidth: 513, outputHeight: 513)
            == PixelRect(x: 0, y: 112, width: 513, height: 289))
        #expect(PixelRect.letterbox(contentWidth: 480, contentHeight: 640, outputWidth: 321, outputHeight: 321)
            == PixelRect(x: 40, y: 0, width: 241, height: 321))
        #expect(PixelRect.letterbox(contentWidth: 8, contentHeight: 8, outputWidth: 5, outputHeight: 3)
            == PixelRect(x: 1, y: 0, width: 3, height: 3))
    }

    @Test func normalizationAndSaturation() throws {
        // (v/255 - 0.5) / 0.25 / 0.125 + 3: 255 -> 19, 0 -> -13, 51 -> -9.6 -> -10 -> -7.
        let n = PixelNormalization(mean: SIMD3(repeating: 0.5), std: SIMD3(repeating: 0.25), scale: 0.125, zeroPoint: 3)
        #expect(try convert(geometry(.rgb24, 1, 1, output: (1, 1)), n, frame: [255, 0, 51]) == [19, -13, -7])
        // Scale 0.01: +-200 + 3 saturates; 128 -> 0.78 -> 1 -> 4.
        var wide = n
        wide.scale = 0.01
        #expect(try convert(geometry(.rgb24, 1, 1, output: (1, 1)), wide, frame: [255, 0, 128]) == [127, -128, 4])
        let imageNet = PixelNormalization.imageNet(scale: 0.0186, zeroPoint: -14)
        // R of 0: -0.485 / 0.229 / 0.0186 = -113.86 -> -114 - 14 = -128; R of 255: 2.2489 / 0.0186 = 120.9 -> 121 - 14 = 107.
        #expect(imageNet.quantize(0, colour: 0) == -128)
        #expect(imageNet.quantize(255, colour: 0) == 107)
    }

    @Test func configurationErrorsNameTheParameter() {
        #expect(refusal(geometry(.yuyv, 3, 2, output: (2, 2)))?.parameter == "frame.width")
        #expect(refusal(geometry(.nv12, 4, 3, output: (2, 2)))?.parameter == "frame.height")
        #expect(refusal(geometry(.rgb24, 4, 2, rowStride: 11, output: (2, 2)))?.parameter == "frame.rowStride")
        let shortChroma = PixelConversionGeometry(
            frame: FrameLayout(format: .nv12, width: 4, height: 2, chromaRowStride: 3), outputWidth: 2, outputHeight: 2)
        #expect(refusal(shortChroma)?.parameter == "frame.chromaRowStride")
        #expect(refusal(geometry(.rgb24, 4, 4, crop: PixelRect(x: 2, y: 0, width: 3, height: 4), output: (2, 2)))?.parameter == "crop.x")
        #expect(refusal(geometry(.rgb24, 4, 4, crop: PixelRect(x: 0, y: 0, width: 4, height: 5), output: (2, 2)))?.parameter == "crop.height")
        #expect(refusal(geometry(.yuyv, 4, 4, crop: PixelRect(x: 1, y: 0, width: 2, height: 4), output: (2, 2)))?.parameter == "crop.x")
        #expect(refusal(geometry(.rgb24, 4, 4, output: (0, 2)))?.parameter == "outputWidth")
        #expect(refusal(geometry(.rgb24, 4, 4, output: (4, 4), destination: PixelRect(x: 0, y: 1, width: 4, height: 4)))?.parameter == "destination.y")
        let g = geometry(.rgb24, 4, 4, output: (4, 4))
        #expect(refusal(g, PixelNormalization(mean: SIMD3(0, .nan, 0), std: .one, scale: 1, zeroPoint: 0))?.parameter == "mean")
        #expect(refusal(g, PixelNormalization(mean: .zero, std: SIMD3(1, 0, 1), scale: 1, zeroPoint: 0))?.parameter == "std")
        #expect(refusal(g, PixelNormalization(mean: .zero, std: .one, scale: -1, zeroPoint: 0))?.parameter == "scale")
        #expect(refusal(g, PixelNormalization(mean: .zero, std: .one, scale: 1, zeroPoint: 200))?.parameter == "zeroPoint")
        #expect(refusal(g) == nil)
    }

    @Test func quantizationPaths() throws {
        let g = geometry(.rgb24, 4, 4, output: (4, 4))
        #expect(try PixelConversion(g, normalization: .imageNet(scale: 0.0186, zeroPoint: -14)).path == .affine)
        #expect(try PixelConversion(g, normalization: plain, path: .lookupTable).path == .lookupTable)
        // v / 255 * 2 - 1 in steps of 1/127.5: every value a rounding tie, broken unevenly by Double.
        let halves = PixelNormalization(mean: SIMD3(repeating: 0.5), std: SIMD3(repeating: 0.5), scale: 1 / 127.5, zeroPoint: 0)
        #expect(try PixelConversion(g, normalization: halves).path == .lookupTable)
        #expect(refusal(g, halves, path: .affine)?.parameter == "path")
        _ = try convert(g, halves, frame: (0..<48).map { UInt8($0 * 5) })
    }

    /// Long rows (many 8-column groups and 16-pixel steps), each format, against the reference.
    @Test(arguments: [PixelFormat.yuyv, .nv12, .rgb24, .bgr24])
    func cameraSizedFrames(_ format: PixelFormat) throws {
        var rng = SplitMix64(seed: 17)
        let (width, height) = (160, 120)
        let layout = FrameLayout(format: format, width: width, height: height, rowStride: width * format.bytesPerPixel + 32)
        let frame = (0..<(height * layout.rowStride)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let chroma = (0..<(height / 2 * width)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let crop = PixelRect(x: 6, y: 3, width: 150, height: 111)
        let letterbox = PixelRect.letterbox(contentWidth: 150, contentHeight: 111, outputWidth: 81, outputHeight: 81)
        _ = try convert(
            PixelConversionGeometry(frame: layout, crop: crop, outputWidth: 81, outputHeight: 81, destination: letterbox),
            .imageNet(scale: 0.0186, zeroPoint: -14, padColor: SIMD3(124, 116, 104)), frame: frame, chroma: chroma)
        _ = try convert(
            PixelConversionGeometry(frame: layout, outputWidth: 203, outputHeight: 97, channelOrder: .bgr),
            .imageNet(scale: 0.02, zeroPoint: 3), frame: frame, chroma: chroma)
    }

    @Test func conformanceVectors() {
        var rng = SplitMix64(seed: 0x5EED_0F_F1C5)
        var failures: [String] = []
        var affine = 0, tablesOnly = 0
        for index in 0..<100 {
            let result = pixelConversionCase(&rng, index)
            #expect(result.checked.contains("lookup-table") && result.checked.contains("rows-split"))
            if result.checked.contains("affine") { affine += 1 } else { tablesOnly += 1 }
            for f in result.failures { failures.append("\(index) [\(result.shape)] \(f)") }
        }
        #expect(affine > 50 && tablesOnly > 5)
        #expect(failures.isEmpty, "\(failures.prefix(5).joined(separator: "\n"))")
    }
}
