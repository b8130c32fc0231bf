/// Plain scalar bilinear resize: the definition `ResizeBilinear` matches bit for bit.
///
/// Per axis, the output coordinate maps to an exact rational input coordinate (`coordinateMode`),
/// clamped to the input; its floor and the next index (clamped) are the taps, and the fraction,
/// rounded half up to `bilinearFractionBits` bits, the weight of the second tap. Each output value is
///
///     (sum over the 4 taps of weightY * weightX * q + 2^(2F - 1)) >> 2F     (F = bilinearFractionBits)
///
/// in exact Int32 with an arithmetic shift (ties towards +infinity). Raw int8 values are
/// interpolated: the weights sum to one, so the output has the input's scale and zero point.
/// Layouts as in `ResizeGeometry`; `geometry` must be valid. Allocates nothing.
public func resizeBilinearReference(
    _ geometry: ResizeGeometry, coordinateMode: ResizeCoordinateMode,
    input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>
) {
    let g = geometry
    let shift = Int32(2 * bilinearFractionBits)
    for b in 0..<g.batch {
        for oy in 0..<g.outputHeight {
            let ty = bilinearTap(coordinateMode, oy, inputSize: g.inputHeight, outputSize: g.outputHeight)
            for ox in 0..<g.outputWidth {
                let tx = bilinearTap(coordinateMode, ox, inputSize: g.inputWidth, outputSize: g.outputWidth)
                let row0 = input + (b * g.inputHeight + ty.index0) * g.inputWidth * g.channels
                let row1 = input + (b * g.inputHeight + ty.index1) * g.inputWidth * g.channels
                let p00 = row0 + tx.index0 * g.channels, p01 = row0 + tx.index1 * g.channels
                let p10 = row1 + tx.index0 * g.channels, p11 = row1 + tx.index1 * g.channels
                let w00 = ty.weight0 * tx.weight0, w01 = ty.weight0 * tx.weight1
                let w10 = ty.weight1 * tx.weight0, w11 = ty.weight1 * tx.weight1
                let out = output + ((b * g.outputHeight + oy) * g.outputWidth + ox) * g.channels
                for c in 0..<g.channels {
                    let acc = (Int32(1) << (shift - 1)) + w00 * Int32(p00[c]) + w01 * Int32(p01[c])
                        + w10 * Int32(p10[c]) + w11 * Int32(p11[c])
                    out[c] = Int8(acc >> shift)
                }
            }
        }
    }
}

/// Plain scalar nearest-neighbour resize: the definition `ResizeNearest` matches bit for bit.
///
/// Per axis, the output coordinate maps to an exact rational input coordinate (`coordinateMode`),
/// rounded by `nearestMode` and clamped to the input; the output pixel copies that input pixel.
/// PyTorch's `nearest` is `.asymmetric` with `.floor`. Layouts as in `ResizeGeometry`;
/// `geometry` must be valid. Allocates nothing.
public func resizeNearestReference(
    _ geometry: ResizeGeometry, coordinateMode: ResizeCoordinateMode, nearestMode: ResizeNearestMode,
    input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>
) {
    let g = geometry
    for b in 0..<g.batch {
        for oy in 0..<g.outputHeight {
            let iy = nearestSourceIndex(coordinateMode, nearestMode, oy, inputSize: g.inputHeight, outputSize: g.outputHeight)
            for ox in 0..<g.outputWidth {
                let ix = nearestSourceIndex(coordinateMode, nearestMode, ox, inputSize: g.inputWidth, outputSize: g.outputWidth)
                let source = input + ((b * g.inputHeight + iy) * g.inputWidth + ix) * g.channels
                let out = output + ((b * g.outputHeight + oy) * g.outputWidth + ox) * g.channels
                for c in 0..<g.channels { out[c] = source[c] }
            }
        }
    }
}
