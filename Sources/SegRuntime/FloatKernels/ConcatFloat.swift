/// Concatenation of NHWC float tensors along channels: every pixel of the output is
/// `inputs[0]`'s `channels[0]` values, then `inputs[1]`'s `channels[1]`, and so on (ONNX Concat
/// on axis 1). All inputs have `pixelCount` pixels (`batch * height * width`).
///
/// Computes the pixels `pixels` (nil for all). Allocates nothing; `inputs` and `channels` have the
/// same count and the output must not overlap an input.
public func concatFloat(
    inputs: UnsafeBufferPointer<UnsafePointer<Float>>, channels: UnsafeBufferPointer<Int>, pixelCount: Int,
    output: UnsafeMutablePointer<Float>, pixels: Range<Int>? = nil
) {
    var total = 0
    for count in channels { total &+= count }
    let range = resolvedRange(pixels, pixelCount)
    var offset = 0
    for (source, count) in zip(inputs, channels) {
        var from = source + range.lowerBound &* count
        var to = output + (range.lowerBound &* total &+ offset)
        for _ in range {
            to.update(from: from, count: count)
            from += count
            to += total
        }
        offset &+= count
    }
}
