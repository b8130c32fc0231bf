/// Statistics of one activation tensor over many calibration batches: its running minimum and
/// maximum, how many values were exactly zero, and a histogram from which `range(rule:symmetric:)`
/// picks the quantization range.
///
/// The histogram covers `[-R, R]` with equal bins and 0 on a bin edge, `R` being the largest
/// magnitude of the first batch with a nonzero value. When a later batch reaches past `R`, bins of
/// the same width are added on both sides, so that old counts stay exact (onnxruntime's
/// `HistogramCollector`); when that would make more than twice the configured bins, adjacent pairs
/// are merged first (doubling the width) until it does not. NaNs and infinities are ignored.
public struct ActivationObserver: Sendable {
    /// Bins per side of zero when the histogram starts (half the configured count, made even).
    let initialHalf: Int
    /// Counts per bin; bin `k` covers `[(k - half) * width, (k - half + 1) * width)`, the last one
    /// closed above.
    private(set) var counts: [Int] = []
    /// Bins on each side of zero.
    private(set) var half = 0
    /// Bin width; 0 until a nonzero value arrives.
    private(set) var width = 0.0
    /// Zeros seen before the histogram had a width.
    private var pendingZeros = 0

    /// Finite values observed.
    public private(set) var count = 0
    /// Values observed that were exactly 0 (always representable, so rounding never costs them).
    public private(set) var zeroCount = 0
    /// The smallest and largest finite values observed (0 before any).
    public private(set) var minimum: Float = 0
    public private(set) var maximum: Float = 0

    /// An observer with `bins` histogram bins (rounded up to a multiple of 4, at least 16; the
    /// config's default is 2048).
    public init(bins: Int = 2048) {
        let half = (max(bins, 16) + 3) / 4 * 2
        initialHalf = half
    }

    /// Whether no finite value has been observed.
    public var isEmpty: Bool { count == 0 }

    /// The histogram's upper edge `R` (0 before the first nonzero value).
    public var histogramLimit: Double { Double(half) * width }

    /// Adds one batch of values.
    public mutating func observe(_ values: UnsafeBufferPointer<Float>) {
        var low = Float.infinity, high = -Float.infinity
        var finite = 0, zeros = 0
        for x in values where x.isFinite {
            low = min(low, x)
            high = max(high, x)
            finite += 1
            if x == 0 { zeros += 1 }
        }
        guard finite > 0 else { return }
        minimum = count == 0 ? low : min(minimum, low)
        maximum = count == 0 ? high : max(maximum, high)
        count += finite
        zeroCount += zeros
        let magnitude = Double(max(-low, high))
        if width == 0 {
            guard magnitude > 0 else {
                pendingZeros += finite
                return
            }
            half = initialHalf
            width = magnitude / Double(half)
            counts = [Int](repeating: 0, count: 2 * half)
            counts[half] = pendingZeros
            pendingZeros = 0
        } else if magnitude > histogramLimit {
            grow(toCover: magnitude)
        }
        let inverseWidth = 1 / width
        let last = 2 * half - 1
        let offset = half
        counts.withUnsafeMutableBufferPointer { bins in
            for x in values where x.isFinite {
                let bin = Int((Double(x) * inverseWidth).rounded(.down)) + offset
                bins[min(max(bin, 0), last)] += 1
            }
        }
    }

    /// Adds one batch of values.
    public mutating func observe(_ values: [Float]) {
        values.withUnsafeBufferPointer { observe($0) }
    }

    /// Widens the histogram until `[-R, R]` covers `magnitude`.
    private mutating func grow(toCover magnitude: Double) {
        let cap = 4 * initialHalf
        while true {
            let needed = Int(((magnitude - histogramLimit) / width).rounded(.up))
            let added = needed + (needed & 1)
            if 2 * (half + added) <= cap || half <= 2 {
                extend(by: added)
                return
            }
            mergePairs()
        }
    }

    /// Adds `added` (even) empty bins on each side.
    private mutating func extend(by added: Int) {
        var wider = [Int](repeating: 0, count: 2 * (half + added))
        wider.replaceSubrange(added..<added + 2 * half, with: counts)
        counts = wider
        half += added
    }

    /// Merges adjacent bins pairwise (zero stays on an edge), doubling the width.
    private mutating func mergePairs() {
        if half % 4 != 0 { extend(by: 2) }
        var merged = [Int](repeating: 0, count: half)
        for k in 0..<half { merged[k] = counts[2 * k] + counts[2 * k + 1] }
        counts = merged
        half /= 2
        width *= 2
    }

    /// The lower edge of bin `k`.
    func edge(_ k: Int) -> Double { Double(k - half) * width }
}
