import SegKernels

/// `Concat` (whole and split into two outer ranges) against `concatReference`: 2...16 inputs,
/// channel-like (many short chunks) or height-like (few long chunks) layouts, inputs quantized
/// like the output (copied), with the output's scale but another zero point, or rescaled (now
/// and then saturating).
public func concatCase(_ rng: inout SplitMix64, _ index: Int) -> ConformanceResult {
    let inputCount = rng.chance(75) ? rng.int(2...4) : rng.int(5...16)
    let channelLike = rng.chance(70)
    let outerCount = channelLike ? rng.int(1...50) : rng.int(1...3)
    let outputScale = 0.01 + 0.1 * rng.unit()
    let outputZeroPoint = Int32(rng.int(-128...127))
    var inputs: [ConcatInput] = []
    var shape = "outer\(outerCount) zp\(outputZeroPoint) <-"
    for _ in 0..<inputCount {
        let chunk = channelLike ? (rng.chance(30) ? rng.pick([1, 15, 16, 17, 32, 64]) : rng.int(1...40)) : rng.int(1...600)
        switch rng.int(0...9) {
        case 0...2:
            inputs.append(ConcatInput(chunk: chunk, scale: outputScale, zeroPoint: outputZeroPoint))
            shape += " \(chunk):copy"
        case 3:
            let zeroPoint = Int32(rng.int(-128...127))
            inputs.append(ConcatInput(chunk: chunk, scale: outputScale, zeroPoint: zeroPoint))
            shape += " \(chunk):zp\(zeroPoint)"
        default:
            let exponent = rng.int(-4...4)
            let zeroPoint = Int32(rng.int(-128...127))
            let scale = outputScale * (0.5 + rng.unit()) * Double(sign: .plus, exponent: exponent, significand: 1)
            inputs.append(ConcatInput(chunk: chunk, scale: scale, zeroPoint: zeroPoint))
            shape += " \(chunk):zp\(zeroPoint),2^\(exponent)"
        }
    }
    var sources: [AlignedBuffer] = []
    var pointers: [UnsafePointer<Int8>] = []
    var total = 0
    for input in inputs {
        let buffer = randomInput(&rng, count: outerCount * input.chunk)
        sources.append(buffer)
        pointers.append(UnsafePointer(buffer.typed(Int8.self, count: 1)))
        total += input.chunk
    }
    let count = outerCount * total
    let expected = sentinelOutput(byteCount: count)
    var checked: [String] = []
    var failures: [String] = []
    var concat: Concat?
    do {
        concat = try Concat(outerCount: outerCount, inputs: inputs, outputScale: outputScale, outputZeroPoint: outputZeroPoint)
    } catch {
        failures.append("refused: \(error)")
    }
    pointers.withUnsafeBufferPointer { sourcePointers in
        concatReference(
            outerCount: outerCount, inputs: inputs, outputScale: outputScale, outputZeroPoint: outputZeroPoint,
            sources: sourcePointers, output: expected.typed(Int8.self, count: 1))
        if let concat {
            runRowsBothWays("simd", rowCount: outerCount, expected: expected, count: count, checked: &checked, failures: &failures) { output, outer in
                concat.run(sources: sourcePointers, output: output, outer: outer)
            }
        }
    }
    return withExtendedLifetime(sources) {
        ConformanceResult(
            family: "concat", index: index, shape: shape, digest: digest(expected, count: count),
            checked: checked, failures: failures)
    }
}
