/// Plain scalar arg-max over the channels of each pixel of an NHWC int8 tensor (`pixelCount` pixels
/// of `channels` values, `channels` in 1...256): the definition `ChannelArgMax` matches bit for bit.
/// `output[p]` is the index of the largest value of pixel `p`, the lowest index among equal ones
/// (ONNX ArgMax with `select_last_index = 0`). The zero point and scale do not change the order, so
/// none are needed. Allocates nothing.
public func argMaxReference(
    input: UnsafePointer<Int8>, pixelCount: Int, channels: Int, output: UnsafeMutablePointer<UInt8>
) {
    for p in 0..<pixelCount {
        let pixel = input + p * channels
        var best = 0
        for c in 0..<channels where pixel[c] > pixel[best] { best = c }
        output[p] = UInt8(best)
    }
}

/// Arg-max over the channels of each pixel (the class map of a segmentation network's logits),
/// bit-exact with `argMaxReference`: a 16-lane running maximum, then the first lane equal to it.
///
/// Immutable after init: `run` may be called from several threads at once on disjoint `pixels`.
/// `run` allocates nothing and checks nothing.
public final class ChannelArgMax {
    public let pixelCount: Int
    public let channels: Int

    /// - Throws: `KernelConfigurationError` unless `pixelCount >= 1` and `channels` is in 1...256
    ///   (class ids are bytes).
    public init(pixelCount: Int, channels: Int) throws(KernelConfigurationError) {
        try require(pixelCount >= 1, "pixelCount", "must be at least 1, got \(pixelCount)")
        try require((1...256).contains(channels), "channels", "must be in 1...256 (class ids are UInt8), got \(channels)")
        try require(
            fitsInt32(pixelCount, channels, 1, 1), "pixelCount",
            "\(pixelCount) pixels of \(channels) channels exceed 2^31 - 1 elements")
        self.pixelCount = pixelCount
        self.channels = channels
    }

    /// Writes one class id per pixel of `input` (NHWC, `AlignedBuffer.kernelTailPadding` readable
    /// bytes after it) to `output`, all pixels.
    public func run(input: UnsafePointer<Int8>, output: UnsafeMutablePointer<UInt8>) {
        run(input: input, output: output, pixels: 0..<pixelCount)
    }

    /// Computes only the pixels `pixels`.
    public func run(input: UnsafePointer<Int8>, output: UnsafeMutablePointer<UInt8>, pixels: Range<Int>) {
        let scan = ChannelScan(channels: channels)
        for p in pixels {
            output[p] = scan.argMax(UnsafeRawPointer(input + p &* channels))
        }
    }
}

/// The channels of one pixel in 16-lane steps: full steps from channel 0, then, for a ragged
/// count, one step ending at the last channel (it overlaps the previous one, which neither a
/// maximum nor a first match minds). Fewer than 16 channels are one step whose extra lanes (bytes
/// of the next pixel or the tail padding) are masked.
struct ChannelScan {
    let channels: Int
    let fullSteps: Int
    /// Offset of the overlapping last step, or -1.
    let lastStep: Int
    let laneIndex = SIMD16<UInt8>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
    /// The channel indices of the last step's lanes.
    let lastStepIndex: SIMD16<UInt8>

    @inline(__always)
    init(channels: Int) {
        self.channels = channels
        fullSteps = channels / 16
        lastStep = channels > 16 && channels % 16 != 0 ? channels - 16 : -1
        lastStepIndex = laneIndex &+ SIMD16<UInt8>(repeating: UInt8(truncatingIfNeeded: max(lastStep, 0)))
    }

    /// The largest value of the pixel at `pixel`.
    @inline(__always)
    func maximum(_ pixel: UnsafeRawPointer) -> Int8 {
        horizontalMaximum(maximumLanes(pixel))
    }

    /// The lowest channel index holding the pixel's largest value.
    @inline(__always)
    func argMax(_ pixel: UnsafeRawPointer) -> UInt8 {
        if channels <= 16 {
            let v = channels == 16
                ? pixel.loadUnaligned(as: SIMD16<Int8>.self)
                : lanes(pixel.loadUnaligned(as: SIMD16<Int8>.self), below: SIMD16<UInt8>(repeating: UInt8(channels)), index: laneIndex)
            return horizontalMinimum(indices(laneIndex, where: v, equals: SIMD16<Int8>(repeating: horizontalMaximum(v))))
        }
        let target = SIMD16<Int8>(repeating: maximum(pixel))
        var first = SIMD16<UInt8>(repeating: 255)
        var index = laneIndex
        var c = 0
        for _ in 0..<fullSteps {
            first = unsignedMinimum(first, indices(index, where: pixel.loadUnaligned(fromByteOffset: c, as: SIMD16<Int8>.self), equals: target))
            index &+= SIMD16<UInt8>(repeating: 16)
            c &+= 16
        }
        if lastStep >= 0 {
            let candidates = indices(lastStepIndex, where: pixel.loadUnaligned(fromByteOffset: lastStep, as: SIMD16<Int8>.self), equals: target)
            first = unsignedMinimum(first, candidates)
        }
        return horizontalMinimum(first)
    }

    /// The lane-wise maximum over all steps (masked below 16 channels).
    @inline(__always)
    private func maximumLanes(_ pixel: UnsafeRawPointer) -> SIMD16<Int8> {
        if channels < 16 {
            return lanes(pixel.loadUnaligned(as: SIMD16<Int8>.self), below: SIMD16<UInt8>(repeating: UInt8(channels)), index: laneIndex)
        }
        var m = pixel.loadUnaligned(as: SIMD16<Int8>.self)
        var c = 16
        while c &+ 16 <= channels {
            m = SegKernels.maximum(m, pixel.loadUnaligned(fromByteOffset: c, as: SIMD16<Int8>.self))
            c &+= 16
        }
        if lastStep >= 0 {
            m = SegKernels.maximum(m, pixel.loadUnaligned(fromByteOffset: lastStep, as: SIMD16<Int8>.self))
        }
        return m
    }
}
