/// Plain scalar 2-D convolution: the definition the packed kernels match bit for bit.
///
/// `acc = bias[co] + sum((input - inputZeroPoint) * weight)` over the taps inside the input (padding
/// contributes zero), in wrapping Int32, then `requantize`. Layouts as in `Conv2DGeometry`.
/// Allocates nothing; `geometry` and `quantization` must be valid.
public func conv2dReference(
    _ geometry: Conv2DGeometry,
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
                        let iy = oy * g.strideHeight - g.padTop + ky * g.dilationHeight
                        if iy < 0 || iy >= g.inputHeight { continue }
                        for kx in 0..<g.kernelWidth {
                            let ix = ox * g.strideWidth - g.padLeft + kx * g.dilationWidth
                            if ix < 0 || ix >= g.inputWidth { continue }
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
