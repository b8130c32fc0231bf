import Foundation
import SegCompiler
import Testing

/// Calibration observers and quantization parameters: properties of each range rule on synthetic
/// distributions, and hand-computed zero points, weight scales and SQNR.
@Suite struct CalibrationTests {
    @Test func minmaxCoversEverythingAcrossGrowingBatches() {
        var rng = CalibrationRandom(seed: 1)
        var observer = ActivationObserver()
        var all: [Float] = []
        for batch in 0..<6 {
            // Each batch wider than the last: the histogram must grow (and merge bins) to follow.
            let values = (0..<5000).map { _ in Float(rng.gaussian() * pow(4, Double(batch))) }
            observer.observe(values)
            all += values
        }
        #expect(observer.count == all.count)
        #expect(observer.range(rule: .minmax, symmetric: false) == all.min()!...all.max()!)
        #expect(observer.range(rule: .minmax, symmetric: true) == all.min()!...all.max()!)
        #expect(Double(max(-all.min()!, all.max()!)) <= observer.histogramLimit)
        // Growing never loses counts: the median of |x| still lands where the data's is.
        let sortedMagnitudes = all.map { abs($0) }.sorted()
        let median = observer.range(rule: .percentile(50), symmetric: true).upperBound
        let rank = sortedMagnitudes.firstIndex { $0 >= median } ?? all.count
        #expect(abs(Double(rank) / Double(all.count) - 0.5) < 0.01)
    }

    @Test func percentileClipsOutliers() {
        var rng = CalibrationRandom(seed: 2)
        var values = (0..<200_000).map { _ in Float(rng.gaussian()) }
        values += [60, -45, 80, -70, 55]
        var observer = ActivationObserver()
        observer.observe(values)
        let symmetric = observer.range(rule: .percentile(99.99), symmetric: true)
        let asymmetric = observer.range(rule: .percentile(99.99), symmetric: false)
        // 99.99% of |x| for a unit Gaussian lies within 3.89; each tail's 0.005% beyond 3.89 too.
        for range in [symmetric, asymmetric] {
            #expect(range.upperBound > 3 && range.upperBound < 5, "\(range)")
            #expect(range.lowerBound < -3 && range.lowerBound > -5, "\(range)")
        }
        #expect(observer.range(rule: .percentile(100), symmetric: false) == observer.range(rule: .minmax, symmetric: false))
        // A ReLU output: the symmetric percentile of |x| keeps the lower end at the data's 0.
        var relu = ActivationObserver()
        relu.observe(values.map { max($0, 0) })
        let positive = relu.range(rule: .percentile(99.9), symmetric: true)
        #expect(positive.lowerBound == 0)
        #expect(positive.upperBound > 2.5 && positive.upperBound < 4)
    }

    @Test func entropyAndMSENarrowHeavyTailsAndKeepUniformRanges() {
        var rng = CalibrationRandom(seed: 3)
        // Student's t with 3 degrees of freedom: most of the mass within +-5, extremes near +-100.
        let heavy = (0..<200_000).map { _ in Float(rng.studentT(3)) }
        let uniform = (0..<200_000).map { _ in Float(rng.uniform() * 2 - 1) }
        for symmetric in [false, true] {
            var observer = ActivationObserver()
            observer.observe(heavy)
            let full = observer.range(rule: .minmax, symmetric: symmetric)
            let fullWidth = full.upperBound - full.lowerBound
            let entropy = observer.range(rule: .entropy, symmetric: symmetric)
            let mse = observer.range(rule: .mse, symmetric: symmetric)
            #expect(entropy.upperBound - entropy.lowerBound < 0.5 * fullWidth, "symmetric \(symmetric): \(entropy) of \(full)")
            #expect(mse.upperBound - mse.lowerBound < 0.85 * fullWidth, "symmetric \(symmetric): \(mse) of \(full)")
            for range in [entropy, mse] {
                #expect(range.upperBound > 5 && range.lowerBound < -5, "symmetric \(symmetric) clipped the body: \(range)")
            }
            #expect(quantizationError(heavy, mse, symmetric: symmetric) < quantizationError(heavy, full, symmetric: symmetric))
            for data in [uniform, uniform.map { abs($0) }] {
                var flat = ActivationObserver()
                flat.observe(data)
                let whole = flat.range(rule: .minmax, symmetric: symmetric)
                for rule in [CalibrationRule.entropy, .mse] {
                    let chosen = flat.range(rule: rule, symmetric: symmetric)
                    #expect(
                        chosen.upperBound - chosen.lowerBound >= 0.99 * (whole.upperBound - whole.lowerBound),
                        "\(rule) symmetric \(symmetric) narrowed uniform data to \(chosen)")
                }
            }
        }
    }

    @Test func mseRangeBeatsMinmaxOnOutliers() {
        var rng = CalibrationRandom(seed: 4)
        var values = (0..<100_000).map { _ in Float(rng.gaussian()) }
        values += [40, -35, 50]
        var observer = ActivationObserver()
        observer.observe(values)
        for symmetric in [false, true] {
            let mse = observer.range(rule: .mse, symmetric: symmetric)
            let minmax = observer.range(rule: .minmax, symmetric: symmetric)
            let chosenError = quantizationError(values, mse, symmetric: symmetric)
            let minmaxError = quantizationError(values, minmax, symmetric: symmetric)
            #expect(chosenError < 0.9 * minmaxError, "mse \(mse): \(chosenError), minmax: \(minmaxError)")
        }
    }

    @Test func exactZerosDoNotPullRangesIn() {
        // Half of a ReLU output is exactly 0, which quantizes exactly whatever the range: entropy and
        // MSE must choose wider ranges than for the same data with 1e-9 in place of the zeros.
        var rng = CalibrationRandom(seed: 5)
        let laplace = (0..<100_000).map { _ in Float(rng.laplace()) }
        var relu = ActivationObserver(), nearlyRelu = ActivationObserver()
        relu.observe(laplace.map { max($0, 0) })
        nearlyRelu.observe(laplace.map { max($0, 1e-9) })
        #expect(relu.zeroCount > 45_000 && nearlyRelu.zeroCount == 0)
        for symmetric in [false, true] {
            for rule in [CalibrationRule.entropy, .mse] {
                let withZeros = relu.range(rule: rule, symmetric: symmetric)
                let without = nearlyRelu.range(rule: rule, symmetric: symmetric)
                #expect(withZeros.lowerBound == 0)
                #expect(withZeros.upperBound > without.upperBound, "\(rule) symmetric \(symmetric): \(withZeros) vs \(without)")
            }
        }
    }

    @Test func emptyAndAllZeroObservers() {
        var observer = ActivationObserver(bins: 128)
        #expect(observer.isEmpty)
        #expect(observer.range(rule: .entropy, symmetric: false) == 0...0)
        observer.observe([0, 0, .nan, .infinity])
        #expect(observer.count == 2)
        for rule in [CalibrationRule.minmax, .percentile(99), .entropy, .mse] {
            #expect(observer.range(rule: rule, symmetric: false) == 0...0)
        }
        // Zeros seen before the histogram existed land in its zero bin.
        observer.observe([1, -1])
        #expect(observer.range(rule: .percentile(50), symmetric: true).upperBound < 0.05)
        let p = quantizationParameters(min: 0, max: 0, symmetric: false)
        #expect(p.scale == 1 && p.zeroPoint == 0)
        let q = quantizationParameters(min: 0, max: 0, symmetric: true)
        #expect(q.scale == 1 && q.zeroPoint == 0)
    }

    @Test func zeroPointNudgingByHand() {
        func check(_ low: Float, _ high: Float, _ scale: Double, _ zeroPoint: Int32, sourceLocation: SourceLocation = #_sourceLocation) {
            let p = quantizationParameters(min: low, max: high, symmetric: false)
            #expect(abs(p.scale - scale) <= 1e-15 * scale && p.zeroPoint == zeroPoint, "\(low)...\(high): \(p)", sourceLocation: sourceLocation)
        }
        // [0, 1]: scale 1/255, zero point from the minimum: -128 - 0 / scale.
        check(0, 1, 1.0 / 255, -128)
        // [-1, 0]: from the maximum, 127 - 0 / scale.
        check(-1, 0, 1.0 / 255, 127)
        // [-1, 3]: scale 4/255; -128 + 63.75 = -64.25 (its error 191.75 beats 318.25) rounds to -64.
        check(-1, 3, 4.0 / 255, -64)
        // [-2, 1]: scale 3/255; 127 - 85 = 42 (error 212 beats 298).
        check(-2, 1, 3.0 / 255, 42)
        // [0.5, 2] widens to [0, 2].
        check(0.5, 2, 2.0 / 255, -128)
        // [-3, -1] widens to [-3, 0].
        check(-3, -1, 3.0 / 255, 127)
        // [-1, 1]: both candidates are -0.5 (the maximum's error 254.5 is smaller): half away from zero, -1.
        check(-1, 1, 2.0 / 255, -1)
        // [-0.25, 4.75]: scale 5/255 = 1/51; -128 + 12.75 = -115.25 -> -115.
        check(-0.25, 4.75, 5.0 / 255, -115)
        let symmetric = quantizationParameters(min: -0.5, max: 2, symmetric: true)
        #expect(symmetric.scale == 2.0 / 127 && symmetric.zeroPoint == 0)
        let negative = quantizationParameters(min: -4, max: 1, symmetric: true)
        #expect(negative.scale == 4.0 / 127 && negative.zeroPoint == 0)
    }

    @Test func weightScalesAndQuantization() {
        // Two output channels of 3 weights (OHWI), the second all zeros.
        let weights: [Float] = [0.5, -1.27, 0.01, 0, 0, 0]
        let perChannel = weightScales(weights: weights, outputChannels: 2, perChannel: true)
        #expect(perChannel == [Double(Float(1.27)) / 127, 1])
        let perTensor = weightScales(weights: weights, outputChannels: 2, perChannel: false)
        #expect(perTensor == [Double(Float(1.27)) / 127, Double(Float(1.27)) / 127])
        #expect(weightScales(weights: [0, 0], outputChannels: 1, perChannel: false) == [1])
        #expect(quantizeWeights(weights, scales: perChannel, outputChannels: 2) == [50, -127, 1, 0, 0, 0])
        // Halves round away from zero; nothing goes below -127.
        let q = quantizeWeights([2.5, -2.5, 3.5, -0.5, 300, -300, 127.4, -127.6], scales: [1], outputChannels: 1)
        #expect(q == [3, -3, 4, -1, 127, -127, 127, -127])
        let perChannelQ = quantizeWeights([1, 1, 1, 1], scales: [0.5, 0.25], outputChannels: 2)
        #expect(perChannelQ == [2, 2, 4, 4])
    }

    @Test func signalToQuantizationNoiseInDecibels() {
        func sqnr(_ reference: [Float], _ test: [Float]) -> Double {
            reference.withUnsafeBufferPointer { r in test.withUnsafeBufferPointer { signalToQuantizationNoise(reference: r, test: $0) } }
        }
        #expect(sqnr([1, 2, 3], [1, 2, 3]) == .infinity)
        // Signal 4, noise 0.01 + 0.01 = 0.02: 10 log10(200) dB.
        #expect(abs(sqnr([1, 1, 1, 1], [1.1, 0.9, 1, 1]) - 10 * log10(200.0)) < 1e-5)
        // Noise equal to the signal: 0 dB; ten times smaller in amplitude: 20 dB.
        #expect(abs(sqnr([2, -2], [0, 0])) < 1e-12)
        #expect(abs(sqnr([1, -1], [0.9, -0.9]) - 20) < 1e-5)
        #expect(sqnr([0, 0], [1, 0]) == -.infinity)
    }
}

/// Mean squared error of quantizing then dequantizing `values` with the parameters of `range`.
private func quantizationError(_ values: [Float], _ range: ClosedRange<Float>, symmetric: Bool) -> Double {
    let (scale, zeroPoint) = quantizationParameters(min: range.lowerBound, max: range.upperBound, symmetric: symmetric)
    var sum = 0.0
    for x in values {
        let q = min(max((Double(x) / scale).rounded() + Double(zeroPoint), -128), 127)
        let back = (q - Double(zeroPoint)) * scale
        sum += (Double(x) - back) * (Double(x) - back)
    }
    return sum / Double(values.count)
}

/// SplitMix64 with Gaussian and Laplace samples for the synthetic distributions.
private struct CalibrationRandom {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in (0, 1).
    mutating func uniform() -> Double { (Double(next() >> 11) + 0.5) / Double(1 << 53) }

    /// Standard normal (Box-Muller).
    mutating func gaussian() -> Double { (-2 * log(uniform())).squareRoot() * cos(2 * Double.pi * uniform()) }

    /// Student's t with `nu` degrees of freedom.
    mutating func studentT(_ nu: Int) -> Double {
        var chiSquare = 0.0
        for _ in 0..<nu {
            let g = gaussian()
            chiSquare += g * g
        }
        return gaussian() / (chiSquare / Double(nu)).squareRoot()
    }

    /// Laplace with scale 1.
    mutating func laplace() -> Double {
        let u = uniform() - 0.5
        return u < 0 ? log(1 + 2 * u) : -log(1 - 2 * u)
    }
}
