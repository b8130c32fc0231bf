import SegKernels

/// Plain 2-D convolution over NHWC float tensors: the definition `PackedFloatConv2D` matches bit
/// for bit (up to the sign of zero).
///
/// For every output `(b, oy, ox, co)`: starting from `bias[co]` (0 when nil), one fused
/// multiply-add per product `input[b][iy][ix][group * cinG + ci] * weights[co][ky][kx][ci]`, over
/// `ky`, then `kx`, then `ci` ascending, for the taps inside the input (padding contributes
/// nothing); then `min(max(acc, lower), upper)`. Layouts as in `Conv2DGeometry` (weights OHWI).
/// Computes the output rows `outputRows` (indices into `batch * outputHeight`; nil for all).
/// Allocates nothing; `geometry` must be valid and the tensors must not overlap.
public func conv2dFloat(
    _ geometry: Conv2DGeometry,
    input: UnsafePointer<Float>,
    weights: UnsafePointer<Float>,
    bias: UnsafePointer<Float>?,
    lower: Float = -.infinity,
    upper: Float = .infinity,
    output: UnsafeMutablePointer<Float>,
    outputRows: Range<Int>? = nil
) {
    let g = geometry
    let cinG = g.inputChannelsPerGroup, coutG = g.outputChannelsPerGroup
    let oh = g.outputHeight, ow = g.outputWidth
    for row in resolvedRange(outputRows, g.batch * oh) {
        let b = row / oh, oy = row % oh
        for ox in 0..<ow {
            for co in 0..<g.outputChannels {
                let group = co / coutG
                var acc = bias?[co] ?? 0
                for ky in 0..<g.kernelHeight {
                    let iy = oy * g.strideHeight - g.padTop + ky * g.dilationHeight
                    if iy < 0 || iy >= g.inputHeight { continue }
                    for kx in 0..<g.kernelWidth {
                        let ix = ox * g.strideWidth - g.padLeft + kx * g.dilationWidth
                        if ix < 0 || ix >= g.inputWidth { continue }
                        let pixel = input + ((b * g.inputHeight + iy) * g.inputWidth + ix) * g.inputChannels + group * cinG
                        let filter = weights + ((co * g.kernelHeight + ky) * g.kernelWidth + kx) * cinG
                        for ci in 0..<cinG {
                            acc = acc.addingProduct(pixel[ci], filter[ci])
                        }
                    }
                }
                output[(row * ow + ox) * g.outputChannels + co] = min(max(acc, lower), upper)
            }
        }
    }
}
