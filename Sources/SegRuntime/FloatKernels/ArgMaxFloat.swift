/// Class ids of an NHWC float tensor: for each pixel the index of its largest channel, the first
/// one on ties (ONNX ArgMax on axis 1 with `select_last_index = 0`); NaNs are skipped (an
/// all-NaN pixel gives 0).
///
/// Computes the pixels `pixels` (indices below `pixelCount`; nil for all). `channels` must be in
/// 1...256 so that every id fits a byte. Allocates nothing.
public func argMaxFloat(
    pixelCount: Int, channels: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<UInt8>,
    pixels: Range<Int>? = nil
) {
    for p in resolvedRange(pixels, pixelCount) {
        output[p] = UInt8(truncatingIfNeeded: largestChannel(input + p &* channels, channels))
    }
}

/// As the `UInt8` form, with the class ids written as Float (the float graph's ArgMax output) and
/// any channel count.
public func argMaxFloat(
    pixelCount: Int, channels: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
    pixels: Range<Int>? = nil
) {
    for p in resolvedRange(pixels, pixelCount) {
        output[p] = Float(largestChannel(input + p &* channels, channels))
    }
}

/// The index of the largest of `count` (at least 1) values, the first on ties, skipping NaNs.
@inline(__always)
private func largestChannel(_ x: UnsafePointer<Float>, _ count: Int) -> Int {
    var best = 0
    var largest = x[0]
    var channel = 1
    while channel < count {
        let value = x[channel]
        if value > largest || (largest.isNaN && !value.isNaN) {
            largest = value
            best = channel
        }
        channel &+= 1
    }
    return best
}
