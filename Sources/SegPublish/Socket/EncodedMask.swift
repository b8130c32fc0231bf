/// One published mask encoded for one (encoding, downscale) choice; shared, immutable, by every
/// subscriber that asked for the same. Server thread only.
final class EncodedMask {
    let encoding: MaskEncoding
    let width: Int
    let height: Int
    let downscale: Int
    let bytes: [UInt8]

    init(encoding: MaskEncoding, width: Int, height: Int, downscale: Int, bytes: [UInt8]) {
        self.encoding = encoding
        self.width = width
        self.height = height
        self.downscale = downscale
        self.bytes = bytes
    }
}

/// Encodes the current frame once per distinct subscriber choice. Server thread only.
struct MaskEncodingCache {
    /// Keyed by what was asked for (run-length may have produced raw).
    private var entries: [(requested: MaskEncoding, mask: EncodedMask)] = []
    private var scaled: [UInt8] = []
    private var runs: [UInt8] = []

    /// Forgets the previous frame's encodings.
    mutating func reset() { entries.removeAll(keepingCapacity: true) }

    /// `mask` (`width` x `height`) encoded as `options` ask: downscaled, then run-length encoded
    /// unless that would be larger than the raw mask.
    mutating func encoded(_ mask: UnsafeRawBufferPointer, width: Int, height: Int, options: SubscriptionOptions) -> EncodedMask {
        if let hit = entries.first(where: { $0.requested == options.encoding && $0.mask.downscale == options.downscale }) { return hit.mask }
        let (outWidth, outHeight) = MaskDownscale.size(width: width, height: height, factor: options.downscale)
        let pixels = outWidth * outHeight
        var raw = mask
        if options.downscale > 1 {
            if scaled.count < pixels { scaled = [UInt8](repeating: 0, count: pixels) }
            scaled.withUnsafeMutableBytes { target in
                MaskDownscale.downscale(mask, width: width, height: height, factor: options.downscale, into: UnsafeMutableRawBufferPointer(rebasing: target[0..<pixels]))
            }
        }
        let result = scaled.withUnsafeBytes { scaledBytes -> EncodedMask in
            if options.downscale > 1 { raw = UnsafeRawBufferPointer(rebasing: scaledBytes[0..<pixels]) }
            if options.encoding == .runLength {
                if runs.count < pixels { runs = [UInt8](repeating: 0, count: pixels) }
                let count = runs.withUnsafeMutableBytes { RunLengthMask.encode(raw, into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<pixels])) }
                if let count {
                    return EncodedMask(encoding: .runLength, width: outWidth, height: outHeight, downscale: options.downscale, bytes: Array(runs[0..<count]))
                }
            }
            return EncodedMask(encoding: .raw, width: outWidth, height: outHeight, downscale: options.downscale, bytes: Array(raw))
        }
        entries.append((options.encoding, result))
        return result
    }
}
