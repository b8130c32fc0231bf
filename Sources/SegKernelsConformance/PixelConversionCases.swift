import SegKernels

/// A random camera frame conversion: every pixel format and YUV range, odd and even sizes, row
/// strides with padding, crops, down- and upscaling (identity and 2x down among them), letterbox
/// and arbitrary destination rectangles, both channel orders, saturating quantizations.
func drawPixelConversion(_ rng: inout SplitMix64) -> (PixelConversionGeometry, PixelNormalization) {
    let format = rng.pick([PixelFormat.yuyv, .nv12, .rgb24, .bgr24])
    let width = format.isYUV ? 2 * rng.int(1...20) : rng.int(1...40)
    let height = format == .nv12 ? 2 * rng.int(1...12) : rng.int(1...24)
    let rowStride = width * format.bytesPerPixel + (rng.chance(50) ? rng.int(1...37) : 0)
    let chromaRowStride = width + (rng.chance(50) ? rng.int(1...19) : 0)
    let frame = FrameLayout(
        format: format, width: width, height: height, rowStride: rowStride, chromaRowStride: chromaRowStride,
        range: rng.chance(50) ? .limited : .full)

    var crop = PixelRect(x: 0, y: 0, width: width, height: height)
    if rng.chance(70) {
        crop.width = rng.int(1...width)
        crop.height = rng.int(1...height)
        crop.x = rng.int(0...(width - crop.width))
        crop.y = rng.int(0...(height - crop.height))
        if format.isYUV { crop.x &= ~1 }
    }
    var outputWidth = rng.int(1...24), outputHeight = rng.int(1...24)
    switch rng.int(0...9) {
    case 0:
        outputWidth = min(crop.width, 24)
        outputHeight = min(crop.height, 24)
    case 1:
        outputWidth = max(1, min(crop.width / 2, 24))
        outputHeight = max(1, min(crop.height / 2, 24))
    default:
        break
    }
    var destination = PixelRect(x: 0, y: 0, width: outputWidth, height: outputHeight)
    switch rng.int(0...9) {
    case 0...2:
        destination = PixelRect.letterbox(
            contentWidth: crop.width, contentHeight: crop.height, outputWidth: outputWidth, outputHeight: outputHeight)
    case 3...5:
        destination.width = rng.int(1...outputWidth)
        destination.height = rng.int(1...outputHeight)
        destination.x = rng.int(0...(outputWidth - destination.width))
        destination.y = rng.int(0...(outputHeight - destination.height))
    default:
        break
    }
    let geometry = PixelConversionGeometry(
        frame: frame, crop: crop, outputWidth: outputWidth, outputHeight: outputHeight, destination: destination,
        channelOrder: rng.chance(50) ? .rgb : .bgr)

    var mean = SIMD3<Double>(), std = SIMD3<Double>(), scale: Double
    if rng.chance(20) {
        // Pixel values onto half-integers (like mean 0.5, std 0.5, scale 1/127.5): rounding ties
        // everywhere, usually tables without an affine form.
        std = SIMD3(repeating: rng.chance(50) ? 1 : 0.5)
        for c in 0..<3 { mean[c] = Double(rng.int(0...255)) / 255 }
        scale = Double(rng.int(1...4)) / 255 / std[0]
    } else {
        for c in 0..<3 {
            mean[c] = 0.3 + 0.4 * rng.unit()
            std[c] = 0.15 + 0.2 * rng.unit()
        }
        // From a quarter to twice the step that maps about [-3, 3] onto 256 levels.
        scale = (6.0 / 255.0) * (0.25 + 1.75 * rng.unit())
    }
    let zeroPoint = Int32(rng.chance(30) ? rng.int(-128...127) : rng.int(-20...20))
    let padColor = SIMD3<UInt8>(UInt8(rng.int(0...255)), UInt8(rng.int(0...255)), UInt8(rng.int(0...255)))
    return (geometry, PixelNormalization(mean: mean, std: std, scale: scale, zeroPoint: zeroPoint, padColor: padColor))
}

func describe(_ g: PixelConversionGeometry, _ n: PixelNormalization) -> String {
    let f = g.frame, c = g.crop, d = g.destination
    let strides = f.format == .nv12 ? "\(f.rowStride)/\(f.chromaRowStride)" : "\(f.rowStride)"
    let range = f.format.isYUV ? " \(f.range)" : ""
    return "\(f.format) \(f.width)x\(f.height) s\(strides)\(range) crop\(c.x),\(c.y) \(c.width)x\(c.height)"
        + " -> \(g.outputWidth)x\(g.outputHeight) dst\(d.x),\(d.y) \(d.width)x\(d.height) \(g.channelOrder) zp\(n.zeroPoint)"
}

/// `PixelConversion` on each quantization path (whole frame; the default path also split into
/// row ranges run out of order) against `pixelConversionReference`.
public func pixelConversionCase(_ rng: inout SplitMix64, _ index: Int) -> ConformanceResult {
    let (g, n) = drawPixelConversion(&rng)
    let f = g.frame
    let frameBytes = (f.height - 1) * f.rowStride + f.width * f.format.bytesPerPixel
    let frame = randomInput(&rng, count: frameBytes)
    let chromaBytes = (f.height / 2 - 1) * f.chromaRowStride + f.width
    let chroma = f.format == .nv12 ? randomInput(&rng, count: chromaBytes) : nil
    let count = g.outputElementCount
    let framePointer = UnsafePointer(frame.typed(UInt8.self, count: frameBytes))
    let chromaPointer = chroma.map { UnsafePointer($0.typed(UInt8.self, count: chromaBytes)) }
    let shape = describe(g, n)

    let expected = sentinelOutput(byteCount: count)
    pixelConversionReference(
        g, normalization: n, frame: framePointer, chroma: chromaPointer, output: expected.typed(Int8.self, count: count))
    var failures: [String] = []
    var checked: [String] = []
    let best: PixelConversion
    do {
        best = try PixelConversion(g, normalization: n)
    } catch {
        return ConformanceResult(
            family: "pixelConversion", index: index, shape: shape, digest: digest(expected, count: count), checked: [],
            failures: ["refused: \(error)"])
    }
    var conversions = [best]
    if best.path == .affine {
        do {
            conversions.append(try PixelConversion(g, normalization: n, path: .lookupTable))
        } catch {
            failures.append("lookup-table refused: \(error)")
        }
    }
    for conversion in conversions {
        let scratch = workspace(conversion.workspaceByteCount)
        let got = sentinelOutput(byteCount: count)
        conversion.run(frame: framePointer, chroma: chromaPointer, output: got.typed(Int8.self, count: count), workspace: scratch.pointer)
        compare("\(conversion.path)", got, expected, count: count, into: &failures)
        checked.append("\(conversion.path)")
    }
    // Three row ranges, as three threads would run them, in another order.
    let scratch = workspace(best.workspaceByteCount)
    let split = sentinelOutput(byteCount: count)
    let first = rng.int(0...g.outputHeight), second = rng.int(first...g.outputHeight)
    for rows in [second..<g.outputHeight, 0..<first, first..<second] {
        best.run(
            frame: framePointer, chroma: chromaPointer, output: split.typed(Int8.self, count: count),
            workspace: scratch.pointer, outputRows: rows)
    }
    compare("\(best.path) rows-split", split, expected, count: count, into: &failures)
    checked.append("rows-split")
    return ConformanceResult(
        family: "pixelConversion", index: index, shape: shape, digest: digest(expected, count: count),
        checked: checked, failures: failures)
}
