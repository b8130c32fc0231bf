import SegKernels

/// Plain transposed convolution (ONNX ConvTranspose) over NHWC float tensors: the definition
/// `PackedFloatTransposedConv2D` matches bit for bit (up to the sign of zero).
///
/// For every output `(b, oy, ox, co)`: starting from `bias[co]` (0 when nil), one fused
/// multiply-add per product `input[b][iy][ix][group * cinG + ci] * weights[co][ky][kx][ci]`, over
/// `ky`, then `kx`, then `ci` ascending, for the kernel positions with
/// `oy = iy * strideHeight - padTop + ky * dilationHeight` (likewise x) and the input pixel inside
/// the input; then `min(max(acc, lower), upper)`. Layouts as in `TransposedConv2DGeometry`
/// (weights OHWI `[cout][kh][kw][cin / groups]`). Computes the output rows `outputRows` (indices
/// into `batch * outputHeight`; nil for all). Allocates nothing; `geometry` must be valid and the
/// tensors must not overlap.
public func transposedConv2dFloat(
    _ geometry: TransposedConv2DGeometry,
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
                    let ty = oy + g.padTop - ky * g.dilationHeight
                    if ty < 0 || ty % g.strideHeight != 0 || ty / g.strideHeight >= g.inputHeight { continue }
                    let iy = ty / g.strideHeight
                    for kx in 0..<g.kernelWidth {
                        let tx = ox + g.padLeft - kx * g.dilationWidth
                        if tx < 0 || tx % g.strideWidth != 0 || tx / g.strideWidth >= g.inputWidth { continue }
                        let ix = tx / g.strideWidth
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
