/// Global average pooling: NHWC int8 `[batch][height][width][channels]` to `[batch][1][1][channels]`,
/// each output `requantize(sum(x - inputZeroPoint), quantization.multiplier(count: height * width), output)`
/// with the sum over the image in Int32.
///
/// Sixteen channels per step; pixels are summed in Int16 in runs of 256 (exact for int8) and then
/// widened. Immutable after init and needs no workspace: `run` may be called from several threads
/// at once on disjoint `images`. `run` allocates nothing and checks nothing.
public final class GlobalAveragePool {
    public let batch: Int
    public let height: Int
    public let width: Int
    public let channels: Int
    public let quantization: AveragePoolQuantization
    /// The multiplier for `height * width` taps.
    public let multiplier: QuantizedMultiplier

    /// The largest image: 255 * pixels must fit the Int32 sum.
    public static let maximumPixelCount = 1 << 23

    /// - Throws: `KernelConfigurationError` naming the shape or quantization parameter the kernel
    ///   cannot take.
    public init(
        batch: Int = 1, height: Int, width: Int, channels: Int, quantization: AveragePoolQuantization
    ) throws(KernelConfigurationError) {
        try require(batch >= 1, "batch", "must be at least 1, got \(batch)")
        try require(height >= 1, "height", "must be at least 1, got \(height)")
        try require(width >= 1, "width", "must be at least 1, got \(width)")
        try require(channels >= 1, "channels", "must be at least 1, got \(channels)")
        try require(
            height * width <= GlobalAveragePool.maximumPixelCount, "height",
            "height * width must be at most 2^23 (Int32 sums), got \(height * width)")
        try quantization.validate()
        self.batch = batch
        self.height = height
        self.width = width
        self.channels = channels
        self.quantization = quantization
        multiplier = try quantization.multiplier(count: height * width)
    }

    public var inputElementCount: Int { batch * height * width * channels }
    public var outputElementCount: Int { batch * channels }

    /// Pools `input` (NHWC, `AlignedBuffer.kernelTailPadding` readable bytes after it) into
    /// `output` (`batch * channels` values), all images.
    public func run(input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>) {
        run(input: input, output: output, images: 0..<batch)
    }

    /// Computes only the images `images` of the batch.
    public func run(input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>, images: Range<Int>) {
        let pixels = height &* width, channels = self.channels
        let requantizer = UniformRequantizer(multiplier, quantization.output)
        let correction = SIMD8<Int32>(repeating: 0 &- Int32(truncatingIfNeeded: pixels) &* quantization.inputZeroPoint)
        for b in images {
            let image = UnsafeRawPointer(input) + b &* pixels &* channels
            let out = UnsafeMutableRawPointer(output) + b &* channels
            var c = 0
            while c < channels {
                var low = correction, high = correction
                var pixel = image + c
                var p = 0
                while p < pixels {
                    let end = min(pixels, p &+ 256)
                    var lowRun = SIMD8<Int16>(), highRun = SIMD8<Int16>()
                    while p < end {
                        let v = pixel.loadUnaligned(as: SIMD16<Int8>.self)
                        lowRun &+= SIMD8<Int16>(signExtending: v.lowHalf)
                        highRun &+= SIMD8<Int16>(signExtending: v.highHalf)
                        pixel += channels
                        p &+= 1
                    }
                    low &+= SIMD8<Int32>(signExtending: lowRun)
                    high &+= SIMD8<Int32>(signExtending: highRun)
                }
                let v = requantizer(low, high)
                if c &+ 16 <= channels {
                    out.storeBytes(of: v, toByteOffset: c, as: SIMD16<Int8>.self)
                } else {
                    storeLeading(v, count: channels &- c, to: out + c)
                }
                c &+= 16
            }
        }
    }
}
