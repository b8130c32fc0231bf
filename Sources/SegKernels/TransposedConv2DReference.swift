/// Plain scalar transposed convolution: the definition `PackedTransposedConv2D` matches bit for bit.
///
/// For every output `(oy, ox, co)`: `acc = bias[co] + sum((input[iy][ix][ci] - inputZeroPoint) * weight[co][ky][kx][ci])`
/// over the kernel positions with `oy = iy * strideHeight - padTop + ky * dilationHeight` (likewise x) for an input
/// pixel inside the input, in wrapping Int32, then `requantize`. Allocates nothing.
public func transposedConv2dReference(
    _ geometry: TransposedConv2DGeometry,
    input: UnsafePointer<Int8>,
    weights: UnsafePointer<Int8>,
    bias: UnsafePointer<Int32>?,
    quantization: ConvQuantization,
    output: UnsafeMutablePointer<Int8>
) {
    let g = geometry
    let cinG = g.inputChannelsPerGroup, coutG = g.outputChannelsPerGroup
    let oh = g.outputHeight, ow = g.outputWidth
    let zp = quantization.inputZeroPoint
    for b in 0..<g.batch {
        for oy in 0..<oh {
            for ox in 0..<ow {
                for co in 0..<g.outputChannels {
                    let group = co / coutG
                    var acc: Int32 = bias?[co] ?? 0
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
                                acc &+= (Int32(pixel[ci]) &- zp) &* Int32(filter[ci])
                            }
                        }
                    }
                    let o = ((b * oh + oy) * ow + ox) * g.outputChannels + co
                    output[o] = requantize(acc, quantization.multiplier(co), quantization.output)
                }
            }
        }
    }
}
