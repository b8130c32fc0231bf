/// Plain scalar max pooling: the definition `MaxPool2D` matches bit for bit.
///
/// Each output is the largest input value among its window's taps inside the input (padding and a
/// `ceilMode` overhang never win). Layouts as in `Pool2DGeometry`. Allocates nothing; `geometry`
/// must be valid.
public func maxPool2dReference(_ geometry: Pool2DGeometry, input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>) {
    let g = geometry
    let oh = g.outputHeight, ow = g.outputWidth
    for b in 0..<g.batch {
        for oy in 0..<oh {
            for ox in 0..<ow {
                for c in 0..<g.channels {
                    var largest = Int8.min
                    for ky in 0..<g.kernelHeight {
                        let iy = oy * g.strideHeight - g.padTop + ky
                        if iy < 0 || iy >= g.inputHeight { continue }
                        for kx in 0..<g.kernelWidth {
                            let ix = ox * g.strideWidth - g.padLeft + kx
                            if ix < 0 || ix >= g.inputWidth { continue }
                            largest = max(largest, input[((b * g.inputHeight + iy) * g.inputWidth + ix) * g.channels + c])
                        }
                    }
                    output[((b * oh + oy) * ow + ox) * g.channels + c] = largest
                }
            }
        }
    }
}

/// Plain scalar average pooling: the definition `AveragePool2D` matches bit for bit.
///
/// `sum(x - inputZeroPoint)` over the window's taps inside the input, in Int32; `count` is the
/// number of those taps, or with `countIncludePad` of the taps inside the padded input (a
/// `ceilMode` overhang past the padding never counts); then
/// `requantize(sum, quantization.multiplier(count: count), quantization.output)`.
/// Allocates nothing; `geometry` and `quantization` must be valid (as `AveragePool2D` checks).
public func averagePool2dReference(
    _ geometry: Pool2DGeometry, countIncludePad: Bool, quantization: AveragePoolQuantization,
    input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>
) {
    let g = geometry
    let oh = g.outputHeight, ow = g.outputWidth
    for b in 0..<g.batch {
        for oy in 0..<oh {
            for ox in 0..<ow {
                for c in 0..<g.channels {
                    var sum: Int32 = 0
                    var count = 0
                    for ky in 0..<g.kernelHeight {
                        let iy = oy * g.strideHeight - g.padTop + ky
                        if iy >= g.inputHeight + g.padBottom { continue }
                        for kx in 0..<g.kernelWidth {
                            let ix = ox * g.strideWidth - g.padLeft + kx
                            if ix >= g.inputWidth + g.padRight { continue }
                            if iy >= 0 && iy < g.inputHeight && ix >= 0 && ix < g.inputWidth {
                                let x = input[((b * g.inputHeight + iy) * g.inputWidth + ix) * g.channels + c]
                                sum += Int32(x) - quantization.inputZeroPoint
                                count += 1
                            } else if countIncludePad {
                                count += 1
                            }
                        }
                    }
                    let multiplier = try! quantization.multiplier(count: count)
                    output[((b * oh + oy) * ow + ox) * g.channels + c] = requantize(sum, multiplier, quantization.output)
                }
            }
        }
    }
}

/// Plain scalar global average pooling: the definition `GlobalAveragePool` matches bit for bit.
///
/// Input `[batch][height][width][channels]`, output `[batch][channels]`: `sum(x - inputZeroPoint)`
/// over the image in Int32, then `requantize(sum, quantization.multiplier(count: height * width),
/// quantization.output)`. Allocates nothing; the shape and `quantization` must be valid (as
/// `GlobalAveragePool` checks).
public func globalAveragePoolReference(
    batch: Int, height: Int, width: Int, channels: Int, quantization: AveragePoolQuantization,
    input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>
) {
    let multiplier = try! quantization.multiplier(count: height * width)
    for b in 0..<batch {
        for c in 0..<channels {
            var sum: Int32 = 0
            for p in 0..<height * width {
                sum += Int32(input[(b * height * width + p) * channels + c]) - quantization.inputZeroPoint
            }
            output[b * channels + c] = requantize(sum, multiplier, quantization.output)
        }
    }
}
