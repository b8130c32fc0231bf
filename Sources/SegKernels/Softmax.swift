/// Fraction bits of softmax's integer exponentials: a pixel's largest logit weighs exactly
/// `2^softmaxWeightFractionBits` (exact in Float), and the sum over 256 channels stays below 2^32.
public let softmaxWeightFractionBits = 23

/// The integer exponential of a logit `distance` (`qmax - q`, 0...255) below the pixel's largest:
/// `e^(-scale * distance) * 2^23` with `deterministicExp`, rounded half up. The rounding is done
/// exactly by hand (truncation, then the exact remainder) rather than by libm's `round`.
@inline(__always)
func softmaxWeight(scale: Double, distance: Int) -> UInt32 {
    let value = deterministicExp(-(scale * Double(distance))) * Double(1 << softmaxWeightFractionBits)
    let whole = UInt32(value)
    return value - Double(whole) >= 0.5 ? whole + 1 : whole
}

/// Plain scalar dequantize + softmax over the channels of each pixel: the definition
/// `DequantizedSoftmax` matches bit for bit, on every ISA.
///
/// For pixel `p` with largest logit `qmax`, each channel weighs the integer
/// `e_c = softmaxWeight(scale, qmax - q_c)`; the exact UInt32 sum `s` gives the probabilities
/// `Float(e_c) * (1 / Float(s))` (IEEE-754 single, round to nearest), written to
/// `output[p * pixelStride + c * channelStride]`. The logits' zero point cancels (softmax does not
/// change when every logit moves by the same amount), so only `scale` is needed.
/// Parameters as for `DequantizedSoftmax.init`, which must accept them. Allocates nothing.
public func softmaxReference(
    input: UnsafePointer<Int8>, pixelCount: Int, channels: Int, scale: Double,
    output: UnsafeMutablePointer<Float>, pixelStride: Int, channelStride: Int
) {
    for p in 0..<pixelCount {
        let pixel = input + p * channels
        var largest = pixel[0]
        for c in 0..<channels { largest = max(largest, pixel[c]) }
        var sum: UInt32 = 0
        for c in 0..<channels { sum += softmaxWeight(scale: scale, distance: Int(largest) - Int(pixel[c])) }
        let reciprocal = 1 / Float(sum)
        for c in 0..<channels {
            output[p * pixelStride + c * channelStride] =
                Float(softmaxWeight(scale: scale, distance: Int(largest) - Int(pixel[c]))) * reciprocal
        }
    }
}

/// Dequantize + softmax over the channels of each pixel of NHWC int8 logits, to Float32
/// probabilities in a strided layout: NHWC (`pixelStride: channels, channelStride: 1`) or planar
/// `C x H x W` (`pixelStride: 1, channelStride: pixelCount`, as the DenseCRF wants). Bit-exact with
/// `softmaxReference`, so the same on every ISA.
///
/// The 256 possible exponentials are a table of integers built at init. Planar outputs are written
/// eight pixels at a time, NHWC ones four channels at a time. Immutable after init: `run` may be
/// called from several threads at once on disjoint `pixels`. `run` allocates nothing and checks
/// nothing.
public final class DequantizedSoftmax {
    public let pixelCount: Int
    public let channels: Int
    /// The logits' scale (real = scale * (q - zeroPoint)).
    public let scale: Double
    /// Output elements between consecutive pixels.
    public let pixelStride: Int
    /// Output elements between consecutive channels of a pixel.
    public let channelStride: Int

    /// `weights[255 - d] = softmaxWeight(scale, d)`, so a pixel with largest logit `qmax` reads
    /// `(weights + 255 - qmax)[q]`.
    private let table: AlignedBuffer

    /// - Throws: `KernelConfigurationError` unless `pixelCount >= 1`, `channels` is in 1...256,
    ///   `scale` is finite and positive, and the strides are positive and lay the pixels out
    ///   without overlap (one of them spans the other's whole extent).
    public init(pixelCount: Int, channels: Int, scale: Double, pixelStride: Int, channelStride: Int) throws(KernelConfigurationError) {
        try require(pixelCount >= 1, "pixelCount", "must be at least 1, got \(pixelCount)")
        try require((1...256).contains(channels), "channels", "must be in 1...256, got \(channels)")
        try require(scale.isFinite && scale > 0, "scale", "must be finite and positive, got \(scale)")
        try require(pixelStride >= 1, "pixelStride", "must be at least 1, got \(pixelStride)")
        try require(channelStride >= 1, "channelStride", "must be at least 1, got \(channelStride)")
        let channelExtent = Int64(channels - 1) * Int64(channelStride) + 1
        let pixelExtent = Int64(pixelCount - 1) * Int64(pixelStride) + 1
        try require(
            channels == 1 || pixelCount == 1 || Int64(pixelStride) >= channelExtent || Int64(channelStride) >= pixelExtent,
            "channelStride",
            "\(channelStride) with pixelStride \(pixelStride) makes pixels overlap: one stride must cover the other's extent")
        try require(
            channelExtent + pixelExtent - 1 <= Int64(Int32.max), "pixelCount",
            "output of \(channelExtent + pixelExtent - 1) elements exceeds 2^31 - 1")
        try require(fitsInt32(pixelCount, channels, 1, 1), "pixelCount", "input of \(pixelCount)x\(channels) exceeds 2^31 - 1")
        self.pixelCount = pixelCount
        self.channels = channels
        self.scale = scale
        self.pixelStride = pixelStride
        self.channelStride = channelStride
        table = AlignedBuffer(byteCount: 256 * 4)
        let weights = table.typed(UInt32.self, count: 256)
        for d in 0...255 { weights[255 - d] = softmaxWeight(scale: scale, distance: d) }
    }

    /// Elements the output spans: the last is `output[outputElementCount - 1]`.
    public var outputElementCount: Int { (pixelCount - 1) * pixelStride + (channels - 1) * channelStride + 1 }

    /// Writes the probabilities of every pixel of `input` (NHWC logits,
    /// `AlignedBuffer.kernelTailPadding` readable bytes after it) to `output`.
    public func run(input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Float>) {
        run(input: input, output: output, pixels: 0..<pixelCount)
    }

    /// Computes only the pixels `pixels`.
    public func run(input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Float>, pixels: Range<Int>) {
        var p = pixels.lowerBound
        if pixelStride == 1 {
            while p &+ 8 <= pixels.upperBound {
                runEightPlanar(input, output, p)
                p &+= 8
            }
        }
        while p < pixels.upperBound {
            runPixel(input, output, p)
            p &+= 1
        }
    }

    /// The weights of the pixel at `pixel`, indexed by logit, and their sum.
    @inline(__always)
    private func weights(_ pixel: UnsafePointer<Int8>, _ scan: ChannelScan) -> (UnsafePointer<UInt32>, UInt32) {
        let base = UnsafePointer(table.typed(UInt32.self, count: 256)) + (255 &- Int(scan.maximum(UnsafeRawPointer(pixel))))
        var sum: UInt32 = 0
        for c in 0..<channels { sum &+= base[Int(pixel[c])] }
        return (base, sum)
    }

    /// One pixel, four channels per step where the channels are contiguous.
    @inline(__always)
    private func runPixel(_ input: UnsafePointer<Int8>, _ output: UnsafeMutablePointer<Float>, _ p: Int) {
        let pixel = input + p &* channels
        let (base, sum) = weights(pixel, ChannelScan(channels: channels))
        let reciprocal = 1 / Float(sum)
        let out = output + p &* pixelStride
        var c = 0
        if channelStride == 1 {
            let r = SIMD4<Float>(repeating: reciprocal)
            while c &+ 4 <= channels {
                let e = SIMD4<UInt32>(base[Int(pixel[c])], base[Int(pixel[c &+ 1])], base[Int(pixel[c &+ 2])], base[Int(pixel[c &+ 3])])
                UnsafeMutableRawPointer(out + c).storeBytes(of: SIMD4<Float>(converting: e) * r, as: SIMD4<Float>.self)
                c &+= 4
            }
        }
        while c < channels {
            out[c &* channelStride] = Float(base[Int(pixel[c])]) * reciprocal
            c &+= 1
        }
    }

    /// Pixels `p ..< p + 8` of a layout with contiguous pixels: channel by channel, eight pixels per
    /// store.
    @inline(__always)
    private func runEightPlanar(_ input: UnsafePointer<Int8>, _ output: UnsafeMutablePointer<Float>, _ p: Int) {
        let scan = ChannelScan(channels: channels)
        let pixel0 = input + p &* channels, pixel1 = pixel0 + channels, pixel2 = pixel1 + channels, pixel3 = pixel2 + channels
        let pixel4 = pixel3 + channels, pixel5 = pixel4 + channels, pixel6 = pixel5 + channels, pixel7 = pixel6 + channels
        let (base0, sum0) = weights(pixel0, scan)
        let (base1, sum1) = weights(pixel1, scan)
        let (base2, sum2) = weights(pixel2, scan)
        let (base3, sum3) = weights(pixel3, scan)
        let (base4, sum4) = weights(pixel4, scan)
        let (base5, sum5) = weights(pixel5, scan)
        let (base6, sum6) = weights(pixel6, scan)
        let (base7, sum7) = weights(pixel7, scan)
        let r0 = SIMD4<Float>(1 / Float(sum0), 1 / Float(sum1), 1 / Float(sum2), 1 / Float(sum3))
        let r1 = SIMD4<Float>(1 / Float(sum4), 1 / Float(sum5), 1 / Float(sum6), 1 / Float(sum7))
        var out = UnsafeMutableRawPointer(output + p)
        for c in 0..<channels {
            let e0 = SIMD4<UInt32>(base0[Int(pixel0[c])], base1[Int(pixel1[c])], base2[Int(pixel2[c])], base3[Int(pixel3[c])])
            let e1 = SIMD4<UInt32>(base4[Int(pixel4[c])], base5[Int(pixel5[c])], base6[Int(pixel6[c])], base7[Int(pixel7[c])])
            out.storeBytes(of: SIMD4<Float>(converting: e0) * r0, as: SIMD4<Float>.self)
            out.storeBytes(of: SIMD4<Float>(converting: e1) * r1, toByteOffset: 16, as: SIMD4<Float>.self)
            out += channelStride &* 4
        }
    }
}
