import Foundation

/// Signal-to-quantization-noise ratio of `test` against `reference` (same length), in dB:
/// `10 log10(sum reference^2 / sum (reference - test)^2)`, accumulated in Double. +infinity when
/// the two are identical (no noise), -infinity when there is noise but no signal.
public func signalToQuantizationNoise(reference: UnsafeBufferPointer<Float>, test: UnsafeBufferPointer<Float>) -> Double {
    precondition(reference.count == test.count, "SQNR needs tensors of the same size")
    var signal = 0.0, noise = 0.0
    for i in 0..<reference.count {
        let r = Double(reference[i]), d = r - Double(test[i])
        signal += r * r
        noise += d * d
    }
    if noise == 0 { return .infinity }
    return 10 * log10(signal / noise)
}
