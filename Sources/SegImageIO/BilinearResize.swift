/// Pillow's `Image.resize(size, Image.BILINEAR)` on 8-bit RGB, bit-exact (Pillow 13): the resize the
/// training recipe, the peers and segd's photo preprocessing share (specified step by step in
/// bench/peers/pillow_resize.py).
///
/// Separable, horizontal pass first into an 8-bit intermediate, then vertical; an axis whose size does
/// not change is copied. Each output sample is a triangle filter whose support widens by the scale
/// factor when shrinking (antialiased), with weights normalised in double precision, rounded to 22-bit
/// fixed point, and sums rounded, shifted and clamped to 0...255.
extension RGBImage {
    public func resizedBilinear(width newWidth: Int, height newHeight: Int) -> RGBImage {
        precondition(newWidth > 0 && newHeight > 0, "resize to a positive size")
        var image = self
        if newWidth != width { image = image.resampled(to: newWidth, horizontally: true) }
        if newHeight != height { image = image.resampled(to: newHeight, horizontally: false) }
        return image
    }

    /// One pass of the separable filter: the width (or the height) becomes `count`.
    private func resampled(to count: Int, horizontally: Bool) -> RGBImage {
        let c = ResampleCoefficients(input: horizontally ? width : height, output: count)
        let (outWidth, outHeight) = horizontally ? (count, height) : (width, count)
        let step = horizontally ? 3 : width * 3
        var out = [UInt8](repeating: 0, count: outWidth * outHeight * 3)
        for y in 0..<outHeight {
            for x in 0..<outWidth {
                let (i, base) = horizontally ? (x, y * width * 3) : (y, x * 3)
                for ch in 0..<3 {
                    out[(y * outWidth + x) * 3 + ch] = c.sample(output: i, in: pixels, first: base + ch, step: step)
                }
            }
        }
        return RGBImage(width: outWidth, height: outHeight, pixels: out)
    }
}

/// Per output coordinate of one axis resized from `input` to `output` samples: the first input sample
/// read and the fixed-point weights of the `taps` samples from there (zero past the filter's end).
struct ResampleCoefficients {
    static let precisionBits = 22
    var lower: [Int] = []
    var taps: Int
    var weights: [Int] = []

    init(input: Int, output: Int) {
        let scale = Double(input) / Double(output)
        let filterScale = max(scale, 1)
        let support = filterScale
        taps = Int(support.rounded(.up)) * 2 + 1
        for i in 0..<output {
            let center = (Double(i) + 0.5) * scale
            let lo = max(Int(center - support + 0.5), 0)
            let hi = min(Int(center + support + 0.5), input)
            var w = (0..<(hi - lo)).map { j in max(0, 1 - abs((Double(j + lo) - center + 0.5) / filterScale)) }
            let total = w.reduce(0, +)
            if total != 0 { w = w.map { $0 / total } }
            lower.append(lo)
            for j in 0..<taps {
                weights.append(j < w.count ? Int(0.5 + w[j] * Double(1 << Self.precisionBits)) : 0)
            }
        }
    }

    /// Output sample `i` from `pixels`, whose input sample `k` is the byte at `first + k * step`.
    @inline(__always)
    func sample(output i: Int, in pixels: [UInt8], first: Int, step: Int) -> UInt8 {
        var sum = 1 << (Self.precisionBits - 1)
        let lo = lower[i]
        for j in 0..<taps where weights[i * taps + j] != 0 {
            sum += Int(pixels[first + (lo + j) * step]) * weights[i * taps + j]
        }
        return UInt8(clamping: sum >> Self.precisionBits)
    }
}
