import SegKernels

/// Random add quantization: input scales equal, close or far apart (one multiplier vanishing now
/// and then), an output scale that sometimes saturates the sum, any zero points and activation.
func drawElementwiseAddQuantization(_ rng: inout SplitMix64) -> (ElementwiseAddQuantization, String) {
    let aScale = 0.005 + 0.2 * rng.unit()
    let bExponent: Int
    switch rng.int(0...19) {
    case 0...4: bExponent = 0
    case 5...17: bExponent = rng.int(-3...3)
    default: bExponent = rng.pick([-24, 24])
    }
    let bScale = bExponent == 0 ? aScale : aScale * (0.5 + rng.unit()) * Double(sign: .plus, exponent: bExponent, significand: 1)
    let outputExponent = rng.chance(20) ? rng.int(-5...(-2)) : rng.int(-1...1)
    let outputScale = max(aScale, bScale) * (0.5 + rng.unit()) * Double(sign: .plus, exponent: outputExponent, significand: 1)
    let aZeroPoint = Int32(rng.int(-128...127)), bZeroPoint = Int32(rng.int(-128...127))
    let output = drawOutput(&rng, scale: outputScale)
    let q = ElementwiseAddQuantization(
        aScale: aScale, aZeroPoint: aZeroPoint, bScale: bScale, bZeroPoint: bZeroPoint, outputScale: outputScale, output: output)
    return (q, "zp\(aZeroPoint),\(bZeroPoint)->\(output.zeroPoint) clamp\(output.minimum)...\(output.maximum) b/a2^\(bExponent) out2^\(outputExponent)")
}

/// `ElementwiseAdd` (whole, split into two element ranges, and in place over A) against
/// `elementwiseAddReference`, on element counts that are mostly not multiples of 16.
public func addCase(_ rng: inout SplitMix64, _ index: Int) -> ConformanceResult {
    let count: Int
    switch rng.int(0...9) {
    case 0...4: count = rng.int(1...100)
    case 5...8: count = rng.int(101...3000)
    default: count = 16 * rng.int(1...64)
    }
    let (quantization, quantizationShape) = drawElementwiseAddQuantization(&rng)
    let a = randomInput(&rng, count: count), b = randomInput(&rng, count: count)
    let expected = sentinelOutput(byteCount: count)
    elementwiseAddReference(
        count: count, a: a.typed(Int8.self, count: 1), b: b.typed(Int8.self, count: 1), quantization: quantization,
        output: expected.typed(Int8.self, count: 1))
    var checked: [String] = []
    var failures: [String] = []
    do {
        let add = try ElementwiseAdd(count: count, quantization: quantization)
        runRowsBothWays("simd", rowCount: count, expected: expected, count: count, checked: &checked, failures: &failures) { output, elements in
            add.run(a: a.typed(Int8.self, count: 1), b: b.typed(Int8.self, count: 1), output: output, elements: elements)
        }
        let inPlace = sentinelOutput(byteCount: count)
        inPlace.pointer.copyMemory(from: a.pointer, byteCount: count)
        let shared = inPlace.typed(Int8.self, count: 1)
        add.run(a: shared, b: b.typed(Int8.self, count: 1), output: shared)
        compare("in-place", inPlace, expected, count: count, into: &failures)
        checked.append("in-place")
    } catch {
        failures.append("refused: \(error)")
    }
    return ConformanceResult(
        family: "add", index: index, shape: "\(count) " + quantizationShape, digest: digest(expected, count: count),
        checked: checked, failures: failures)
}
