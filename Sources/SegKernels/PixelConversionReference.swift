/// Plain scalar camera frame -> model input conversion: the definition `PixelConversion` matches
/// byte for byte.
///
/// Every output pixel inside `geometry.destination` is computed on its own:
///
/// 1. Bilinear taps. Destination column `j` of `D` columns samples crop column
///    `s = (j + 1/2) * C / D - 1/2` (half-pixel centres, as OpenCV `INTER_LINEAR` and PyTorch
///    `align_corners=false`) for a crop `C` columns wide, in 1/256 units rounded half up, exactly:
///    `t = floor((256 * ((2j + 1) * C - D) + D) / (2D))`, first tap `x0 = floor(t / 256)`,
///    weight `w = t mod 256` of the second tap `x0 + 1`. A first tap left of the crop becomes
///    `(0, 0, w = 0)`, one at or right of its last column `(C - 1, C - 1, w = 0)`. Rows alike.
/// 2. Samples. The frame is read as 4:4:4: YUYV's U and V of pixel `x` are those of its pair
///    `x / 2`; NV12's U and V of pixel `(x, y)` are UV pair `x / 2` of UV row `y / 2`. Each
///    component (Y, U, V, or R, G, B) is interpolated separately in exact integers and rounded
///    once: `(p00 (256-wx)(256-wy) + p01 wx (256-wy) + p10 (256-wx) wy + p11 wx wy + 2^15) >> 16`.
/// 3. YUV -> RGB (BT.601) on the interpolated 8-bit values, `clamp` to 0...255, `>>` flooring:
///    limited range `C = Y - 16, D = U - 128, E = V - 128`,
///    `R = (298 C + 409 E + 128) >> 8`, `G = (298 C - 100 D - 208 E + 128) >> 8`,
///    `B = (298 C + 516 D + 128) >> 8`; full range the same with `C = Y` and coefficients
///    256, 359, 88, 183, 454 in place of 298, 409, 100, 208, 516.
/// 4. Normalization and quantization of each 8-bit channel value `v` with the mean and std of
///    its colour, in Double: `q = clamp(round(((v / 255 - mean) / std) / scale) + zeroPoint)`,
///    `round` halfway cases away from zero, clamp to -128...127.
///
/// Pixels outside the destination get the pad colour through step 4. The output is NHWC
/// `[outputHeight][outputWidth][3]` in `geometry.channelOrder`. `frame` and `chroma` (NV12's UV
/// plane, nil otherwise) are laid out as `geometry.frame` says. Allocates nothing; `geometry` and
/// `normalization` must be valid.
public func pixelConversionReference(
    _ geometry: PixelConversionGeometry,
    normalization: PixelNormalization,
    frame: UnsafePointer<UInt8>,
    chroma: UnsafePointer<UInt8>?,
    output: UnsafeMutablePointer<Int8>
) {
    let g = geometry, layout = g.frame
    let dest = g.destination, crop = g.crop
    // Output slot k holds colour `colours[k]` (0 = R, 1 = G, 2 = B).
    let colours = g.channelOrder == .rgb ? SIMD3(0, 1, 2) : SIMD3(2, 1, 0)
    for oy in 0..<g.outputHeight {
        for ox in 0..<g.outputWidth {
            var rgb = SIMD3<Int>(truncatingIfNeeded: normalization.padColor)
            if dest.x <= ox && ox < dest.x + dest.width && dest.y <= oy && oy < dest.y + dest.height {
                let (x0, x1, wx) = pixelConversionTap(ox - dest.x, outputSize: dest.width, inputSize: crop.width)
                let (y0, y1, wy) = pixelConversionTap(oy - dest.y, outputSize: dest.height, inputSize: crop.height)
                let p00 = frameSample(layout, frame, chroma, x: crop.x + x0, y: crop.y + y0)
                let p01 = frameSample(layout, frame, chroma, x: crop.x + x1, y: crop.y + y0)
                let p10 = frameSample(layout, frame, chroma, x: crop.x + x0, y: crop.y + y1)
                let p11 = frameSample(layout, frame, chroma, x: crop.x + x1, y: crop.y + y1)
                let sum = p00 &* ((256 - wx) * (256 - wy)) &+ p01 &* (wx * (256 - wy))
                    &+ p10 &* ((256 - wx) * wy) &+ p11 &* (wx * wy)
                let c = (sum &+ 32768) &>> 16
                switch layout.format {
                case .yuyv, .nv12: rgb = yuvToRGB(y: c[0], u: c[1], v: c[2], range: layout.range)
                case .rgb24: rgb = c
                case .bgr24: rgb = SIMD3(c[2], c[1], c[0])
                }
            }
            for k in 0..<3 {
                output[(oy * g.outputWidth + ox) * 3 + k] = normalization.quantize(rgb[colours[k]], colour: colours[k])
            }
        }
    }
}

/// The two taps and the weight of the second (in 1/256) that output index `index` of
/// `outputSize` samples from an input of `inputSize`: step 1 of `pixelConversionReference`.
func pixelConversionTap(_ index: Int, outputSize: Int, inputSize: Int) -> (first: Int, second: Int, weight: Int) {
    // Up to 2^43 for sizes up to 16384: Int64 on 32-bit targets too.
    let numerator = 256 * ((2 * Int64(index) + 1) * Int64(inputSize) - Int64(outputSize)) + Int64(outputSize)
    let denominator = 2 * Int64(outputSize)
    let t = numerator >= 0 ? numerator / denominator : -((denominator - 1 - numerator) / denominator)
    let first = Int(t >> 8)
    if first < 0 { return (0, 0, 0) }
    if first >= inputSize - 1 { return (inputSize - 1, inputSize - 1, 0) }
    return (first, first + 1, Int(t & 255))
}

/// The three components (Y, U, V; or the frame's three bytes) of pixel `(x, y)`.
private func frameSample(
    _ layout: FrameLayout, _ frame: UnsafePointer<UInt8>, _ chroma: UnsafePointer<UInt8>?, x: Int, y: Int
) -> SIMD3<Int> {
    let row = frame + y * layout.rowStride
    switch layout.format {
    case .yuyv:
        return SIMD3(Int(row[2 * x]), Int(row[4 * (x / 2) + 1]), Int(row[4 * (x / 2) + 3]))
    case .nv12:
        let pair = chroma! + (y / 2) * layout.chromaRowStride + 2 * (x / 2)
        return SIMD3(Int(row[x]), Int(pair[0]), Int(pair[1]))
    case .rgb24, .bgr24:
        return SIMD3(Int(row[3 * x]), Int(row[3 * x + 1]), Int(row[3 * x + 2]))
    }
}

/// The integer BT.601 coefficients of `YUVRange`: step 3 of `pixelConversionReference`.
struct YUVCoefficients {
    let lumaOffset: Int32, luma: Int32, redV: Int32, greenU: Int32, greenV: Int32, blueU: Int32

    init(_ range: YUVRange) {
        switch range {
        case .limited: (lumaOffset, luma, redV, greenU, greenV, blueU) = (16, 298, 409, 100, 208, 516)
        case .full: (lumaOffset, luma, redV, greenU, greenV, blueU) = (0, 256, 359, 88, 183, 454)
        }
    }
}

/// BT.601 YUV -> RGB of 8-bit values: step 3 of `pixelConversionReference`.
func yuvToRGB(y: Int, u: Int, v: Int, range: YUVRange) -> SIMD3<Int> {
    let k = YUVCoefficients(range)
    let c = (y - Int(k.lumaOffset)) * Int(k.luma) + 128, d = u - 128, e = v - 128
    return SIMD3(
        min(max((c + Int(k.redV) * e) >> 8, 0), 255),
        min(max((c - Int(k.greenU) * d - Int(k.greenV) * e) >> 8, 0), 255),
        min(max((c + Int(k.blueU) * d) >> 8, 0), 255))
}
