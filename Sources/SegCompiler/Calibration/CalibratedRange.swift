import Foundation

extension ActivationObserver {
    /// The range to quantize this activation to, chosen by `rule` and clipped to
    /// `[minimum, maximum]` (`quantizationParameters` then widens it to include 0, and symmetric
    /// quantization uses its larger magnitude). `symmetric` says how the activation will be
    /// quantized: symmetric ranges are searched on `|x|` with 127 levels per side, asymmetric ones
    /// on the signed histogram with 255 steps. `0...0` when nothing was observed.
    public func range(rule: CalibrationRule, symmetric: Bool) -> ClosedRange<Float> {
        guard !isEmpty else { return 0...0 }
        guard width > 0 else { return minimum...maximum }
        let lower: Double, upper: Double
        switch rule {
        case .minmax:
            return minimum...maximum
        case .percentile(let p):
            (lower, upper) = percentileRange(min(max(p, 0), 100) / 100, symmetric: symmetric)
        case .entropy:
            (lower, upper) = entropyRange(symmetric: symmetric)
        case .mse:
            (lower, upper) = mseRange(symmetric: symmetric)
        }
        let low = max(Float(lower), minimum), high = min(Float(upper), maximum)
        return low <= high ? low...high : minimum...maximum
    }

    // MARK: percentile

    private func percentileRange(_ fraction: Double, symmetric: Bool) -> (Double, Double) {
        if symmetric {
            let t = quantile(foldedCounts(), fraction) * width
            return (-t, t)
        }
        let signed = counts.map(Double.init)
        let tail = (1 - fraction) / 2
        return (edge(0) + quantile(signed, tail) * width, edge(0) + quantile(signed, 1 - tail) * width)
    }

    /// The position, in bins from the start of `bins` (fractional, interpolated linearly within a
    /// bin), below which `fraction` of the mass lies.
    private func quantile(_ bins: [Double], _ fraction: Double) -> Double {
        let total = bins.reduce(0, +)
        let target = fraction * total
        var below = 0.0
        for (k, c) in bins.enumerated() where c > 0 {
            if below + c >= target { return Double(k) + max(0, target - below) / c }
            below += c
        }
        return Double(bins.count)
    }

    /// The histogram of `|x|`: bin `k` covers `[k * width, (k + 1) * width)`.
    func foldedCounts() -> [Double] {
        (0..<half).map { Double(counts[half + $0] + counts[half - 1 - $0]) }
    }

    // MARK: entropy

    /// TensorRT's KL-divergence calibration: for symmetric ranges on `|x|` with 128 levels; for
    /// one-signed data on that side with 256 levels; otherwise on thresholds symmetric about zero
    /// with 256 levels over `[-t, t]` (onnxruntime's slicing). Exact zeros are left out: they are
    /// always represented exactly, and a ReLU's spike of them would otherwise dominate the
    /// divergence of the first bin and pull the threshold down to its minimum.
    private func entropyRange(symmetric: Bool) -> (Double, Double) {
        var signed = counts.map(Double.init)
        signed[half] -= Double(zeroCount)
        if symmetric {
            let folded = (0..<half).map { signed[half + $0] + signed[half - 1 - $0] }
            let t = Double(klThreshold(oneSided: folded, levels: 128)) * width
            return (-t, t)
        }
        if minimum >= 0 {
            return (0, Double(klThreshold(oneSided: Array(signed[half...]), levels: 256)) * width)
        }
        if maximum <= 0 {
            return (-Double(klThreshold(oneSided: signed[..<half].reversed(), levels: 256)) * width, 0)
        }
        var best = half, bestDivergence = Double.infinity
        var scratch = KLScratch()
        for i in 128...max(128, half) where i <= half {
            let left = signed[..<(half - i)].reduce(0, +), right = signed[(half + i)...].reduce(0, +)
            let divergence = scratch.divergence(signed[(half - i)..<(half + i)], left, right, levels: 256)
            if divergence < bestDivergence {
                bestDivergence = divergence
                best = i
            }
        }
        let t = Double(best) * width
        return (-t, t)
    }

    /// The number of bins `i` (at least `levels`) whose clipping of `bins` (bins counted outward
    /// from zero) diverges least from its quantization to `levels` levels; all of them when there
    /// are too few bins to search.
    private func klThreshold(oneSided bins: [Double], levels: Int) -> Int {
        guard let last = bins.lastIndex(where: { $0 > 0 }) else { return bins.count }
        guard last + 1 > levels else { return last + 1 }
        var outliers = bins[(last + 1)...].reduce(0, +)
        var best = last + 1, bestDivergence = Double.infinity
        var scratch = KLScratch()
        // Walking the threshold down moves one bin at a time into the outliers.
        var i = last + 1
        while i >= levels {
            let divergence = scratch.divergence(bins[..<i], 0, outliers, levels: levels)
            if divergence <= bestDivergence {
                bestDivergence = divergence
                best = i
            }
            outliers += bins[i - 1]
            i -= 1
        }
        return best
    }

    // MARK: mse

    /// The range minimizing the expected squared error over the histogram: for each candidate
    /// `[a, b]` on bin edges (`a <= 0 <= b`, `-a == b` when symmetric), values inside cost
    /// `step^2 / 12` (uniform rounding error; exact zeros cost nothing), values outside cost their
    /// squared distance to the range, each bin's values spread uniformly over the bin.
    private func mseRange(symmetric: Bool) -> (Double, Double) {
        let n = 2 * half
        // Prefix sums of count, first and second moments of every bin (uniform within the bin).
        var c = [Double](repeating: 0, count: n + 1), s1 = c, s2 = c
        for k in 0..<n {
            let count = Double(counts[k]), l = edge(k), r = edge(k + 1)
            c[k + 1] = c[k] + count
            s1[k + 1] = s1[k] + count * (l + r) / 2
            s2[k + 1] = s2[k] + count * (l * l + l * r + r * r) / 3
        }
        let zeros = Double(zeroCount)
        func error(_ ia: Int, _ ib: Int, step: Double) -> Double {
            let a = edge(ia), b = edge(ib)
            let inside = c[ib] - c[ia] - zeros
            let belowCount = c[ia], belowS1 = s1[ia], belowS2 = s2[ia]
            let aboveCount = c[n] - c[ib], aboveS1 = s1[n] - s1[ib], aboveS2 = s2[n] - s2[ib]
            return inside * step * step / 12
                + (belowS2 - 2 * a * belowS1 + a * a * belowCount)
                + (aboveS2 - 2 * b * aboveS1 + b * b * aboveCount)
        }
        // Only edges between the data's extremes are candidates.
        let lowest = min(max(Int((Double(minimum) / width).rounded(.down)) + half, 0), half)
        let highest = max(min(Int((Double(maximum) / width).rounded(.up)) + half, n), half)
        var best = (lowest, highest), bestError = Double.infinity
        if symmetric {
            for j in 1...max(1, max(half - lowest, highest - half)) where j <= half {
                let e = error(half - j, half + j, step: Double(j) * width / 127)
                if e < bestError {
                    bestError = e
                    best = (half - j, half + j)
                }
            }
        } else {
            for ia in lowest...half {
                for ib in half...highest where ib > ia {
                    let e = error(ia, ib, step: Double(ib - ia) * width / 255)
                    if e < bestError {
                        bestError = e
                        best = (ia, ib)
                    }
                }
            }
        }
        return (edge(best.0), edge(best.1))
    }
}

/// Reused buffers for the KL-divergence search.
private struct KLScratch {
    var p: [Double] = []
    var q: [Double] = []

    /// KL(P || Q) between the clipped distribution P (`slice`, with `left` and `right` outlier
    /// counts added to its end bins) and Q, the slice merged into `levels` bins and spread back
    /// over the bins where P is nonzero; both smoothed (zeros become 1e-4, taken from the nonzero
    /// bins) and normalized. Infinity when Q cannot be smoothed. MXNet's `_get_optimal_threshold`.
    mutating func divergence(_ slice: ArraySlice<Double>, _ left: Double, _ right: Double, levels: Int) -> Double {
        let size = slice.count
        p.removeAll(keepingCapacity: true)
        p.append(contentsOf: slice)
        p[0] += left
        p[size - 1] += right
        q = [Double](repeating: 0, count: size)
        let merged = size / levels
        var start = slice.startIndex
        for level in 0..<levels {
            let stop = level == levels - 1 ? slice.endIndex : start + merged
            var sum = 0.0, nonzero = 0
            for k in start..<stop {
                sum += slice[k]
                if p[k - slice.startIndex] != 0 { nonzero += 1 }
            }
            if nonzero > 0 {
                for k in start..<stop where p[k - slice.startIndex] != 0 { q[k - slice.startIndex] = sum / Double(nonzero) }
            }
            start = stop
        }
        guard Self.smooth(&p), Self.smooth(&q) else { return .infinity }
        let pTotal = p.reduce(0, +), qTotal = q.reduce(0, +)
        var divergence = 0.0
        for k in 0..<size {
            let pk = p[k] / pTotal
            divergence += pk * log(pk / (q[k] / qTotal))
        }
        return divergence
    }

    /// Replaces zeros by 1e-4 and takes the same total off the nonzero bins; false when a bin
    /// would not stay positive.
    private static func smooth(_ values: inout [Double]) -> Bool {
        let epsilon = 1e-4
        let zeros = values.reduce(0) { $0 + ($1 == 0 ? 1 : 0) }
        let nonzeros = values.count - zeros
        guard nonzeros > 0 else { return false }
        let taken = epsilon * Double(zeros) / Double(nonzeros)
        for k in values.indices {
            if values[k] == 0 {
                values[k] = epsilon
            } else {
                values[k] -= taken
                if values[k] <= 0 { return false }
            }
        }
        return true
    }
}
