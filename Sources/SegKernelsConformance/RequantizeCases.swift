import SegKernels

/// `QuantizedMultiplier` against float64: 64 random accumulators per vector whose scaled value is
/// within +-2^20 (the range requantization feeds into an int8 clamp) must land within 1 of
/// `x * scale`; the digest covers the exact integer results.
func requantizeCase(_ rng: inout SplitMix64, _ index: Int) -> ConformanceResult {
    // Scales from 2^-40 to 2^12, the mantissa uniform.
    let exponent = rng.int(-40...11)
    let scale = (1.0 + rng.unit()) * Double(sign: .plus, exponent: exponent, significand: 1)
    var failures: [String] = []
    var h = FNV1a()
    guard let m = try? QuantizedMultiplier(scale: scale) else {
        return ConformanceResult(
            family: "requantize", index: index, shape: "scale=2^\(exponent)", digest: 0, checked: [],
            failures: ["scale \(scale) refused"])
    }
    h.add(Int(m.multiplier))
    h.add(Int(m.rightShift))
    for _ in 0..<64 {
        let limit = min(2_147_483_647.0, 1_048_576.0 / scale)
        let x = Int32((rng.unit() * 2 - 1) * limit * Double(sign: .plus, exponent: -rng.int(0...20), significand: 1))
        let exact = Double(x) * scale
        let result = m.apply(x)
        h.add(Int(result))
        let error = Double(result) - exact
        if !(error <= 1.0 && error >= -1.0) && failures.count < 3 {
            failures.append("x=\(x) scale=\(scale): got \(result), float64 gives \(exact)")
        }
    }
    return ConformanceResult(
        family: "requantize", index: index, shape: "scale=2^\(exponent)", digest: h.value,
        checked: ["float64"], failures: failures)
}
