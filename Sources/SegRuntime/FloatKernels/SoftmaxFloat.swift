/// Softmax over the channels of each pixel of an NHWC float tensor (ONNX Softmax on axis 1):
/// `output[c] = e^(x[c] - max) / sum`, with `max` the pixel's largest channel, `e^` from
/// `floatExp` and `sum` the Float sum of the exponentials in channel order. Deterministic across
/// ISAs.
///
/// Computes the pixels `pixels` (indices below `pixelCount`; nil for all); `channels` is at least
/// 1. Allocates nothing; `output` may be `input` (in place), otherwise the buffers must not overlap.
public func softmaxFloat(
    pixelCount: Int, channels c: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
    pixels: Range<Int>? = nil
) {
    for p in resolvedRange(pixels, pixelCount) {
        let x = input + p &* c
        let out = output + p &* c
        var largest = x[0]
        var channel = 1
        while channel < c {
            if x[channel] > largest { largest = x[channel] }
            channel &+= 1
        }
        channel = 0
        while channel &+ 8 <= c {
            floatExp(SIMD8<Float>.load(x + channel) - largest).store(out + channel)
            channel &+= 8
        }
        while channel < c {
            out[channel] = floatExp(x[channel] - largest)
            channel &+= 1
        }
        var sum: Float = 0
        for channel in 0..<c { sum += out[channel] }
        for channel in 0..<c { out[channel] = out[channel] / sum }
    }
}
