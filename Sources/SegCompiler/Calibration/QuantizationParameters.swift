/// Scale and zero point of an int8 activation (`real = scale * (q - zeroPoint)`, q in -128...127)
/// for the calibrated range `min...max`.
///
/// The range is first widened to include 0 (so that 0 is exact). Symmetric: zero point 0 and scale
/// `max(|min|, |max|) / 127`. Asymmetric: scale `(max - min) / 255` and the zero point TFLite
/// (gemmlowp) picks: `-128 - min / scale` or `127 - max / scale`, whichever carries the smaller
/// rounding error, rounded half away from zero and clamped to -128...127. A range with nothing
/// but 0 gets scale 1 and zero point 0 (as onnxruntime does).
public func quantizationParameters(min: Float, max: Float, symmetric: Bool) -> (scale: Double, zeroPoint: Int32) {
    let low = Swift.min(Double(min), 0), high = Swift.max(Double(max), 0)
    let qmin = -128.0, qmax = 127.0
    if symmetric {
        let magnitude = Swift.max(-low, high)
        return magnitude > 0 && magnitude.isFinite ? (magnitude / 127, 0) : (1, 0)
    }
    let scale = (high - low) / (qmax - qmin)
    guard scale > 0 && scale.isFinite else { return (1, 0) }
    let fromMin = qmin - low / scale, fromMax = qmax - high / scale
    let errorFromMin = abs(qmin) + abs(low / scale), errorFromMax = abs(qmax) + abs(high / scale)
    let zeroPoint = errorFromMin < errorFromMax ? fromMin : fromMax
    let nudged = Swift.min(Swift.max(zeroPoint, qmin), qmax).rounded(.toNearestOrAwayFromZero)
    return (scale, Int32(nudged))
}

/// Symmetric int8 weight scales (`max |w| / 127`) of OHWI `weights`, one per output channel: each
/// channel's own with `perChannel`, otherwise the whole tensor's repeated. A channel (or tensor)
/// of zeros gets scale 1. `weights.count` must be a multiple of `outputChannels`.
public func weightScales(weights: [Float], outputChannels: Int, perChannel: Bool) -> [Double] {
    let perOutput = weights.count / outputChannels
    var magnitudes = [Float](repeating: 0, count: outputChannels)
    for c in 0..<outputChannels {
        for i in c * perOutput..<(c + 1) * perOutput { magnitudes[c] = max(magnitudes[c], abs(weights[i])) }
    }
    if !perChannel {
        let whole = magnitudes.max() ?? 0
        magnitudes = [Float](repeating: whole, count: outputChannels)
    }
    return magnitudes.map { $0 > 0 && $0.isFinite ? Double($0) / 127 : 1 }
}

/// OHWI `weights` quantized with `scales` (one per output channel, or one for all):
/// `w / scale` rounded half away from zero and clamped to -127...127 (never -128, which the
/// widening kernels cannot take).
public func quantizeWeights(_ weights: [Float], scales: [Double], outputChannels: Int) -> [Int8] {
    let perOutput = weights.count / outputChannels
    return weights.indices.map { i in
        let scale = scales[scales.count == 1 ? 0 : i / perOutput]
        let q = (Double(weights[i]) / scale).rounded(.toNearestOrAwayFromZero)
        return Int8(Swift.min(Swift.max(q, -127), 127))
    }
}
