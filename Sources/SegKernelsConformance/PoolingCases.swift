import SegKernels

/// A random valid pooling window: kernel 1..7 (now and then up to 16), stride 1, 2 or up to two past
/// the kernel, any padding below the kernel, ceil mode, channel counts that are not multiples of
/// 16, and at most ~400k taps in all.
func drawPool2DGeometry(_ rng: inout SplitMix64) -> Pool2DGeometry {
    while true {
        let kernelHeight = rng.chance(10) ? rng.int(8...16) : rng.int(1...7)
        let kernelWidth = rng.chance(75) ? kernelHeight : rng.int(1...7)
        let strideHeight: Int
        switch rng.int(0...9) {
        case 0...4: strideHeight = 1
        case 5...7: strideHeight = 2
        default: strideHeight = rng.int(1...min(16, kernelHeight + 2))
        }
        let strideWidth = rng.chance(80) ? strideHeight : rng.int(1...3)
        let padTop = rng.int(0...kernelHeight - 1), padBottom = rng.chance(70) ? padTop : rng.int(0...kernelHeight - 1)
        let padLeft = rng.int(0...kernelWidth - 1), padRight = rng.chance(70) ? padLeft : rng.int(0...kernelWidth - 1)
        var g = Pool2DGeometry(
            batch: rng.chance(10) ? 2 : 1,
            inputHeight: max(1, kernelHeight - padTop - padBottom) + rng.int(0...10),
            inputWidth: max(1, kernelWidth - padLeft - padRight) + rng.int(0...12),
            channels: rng.chance(30) ? rng.pick([1, 3, 15, 16, 17, 32, 33, 64]) : rng.int(1...48),
            kernelHeight: kernelHeight, kernelWidth: kernelWidth, strideHeight: strideHeight, strideWidth: strideWidth,
            padTop: padTop, padLeft: padLeft, padBottom: padBottom, padRight: padRight, ceilMode: rng.chance(40))
        // Ceil mode can start a last window in padding: draw again.
        if (try? g.validate()) == nil { continue }
        while g.channels > 1 && g.outputElementCount * g.taps > 400_000 { g.channels = (g.channels + 1) / 2 }
        return g
    }
}

func describe(_ g: Pool2DGeometry) -> String {
    "n\(g.batch) \(g.inputHeight)x\(g.inputWidth)x\(g.channels) k\(g.kernelHeight)x\(g.kernelWidth)"
        + " s\(g.strideHeight)x\(g.strideWidth) p\(g.padTop),\(g.padLeft),\(g.padBottom),\(g.padRight)"
        + (g.ceilMode ? " ceil" : " floor")
}

/// Input and output quantization of an average pool: scales whose ratio is now and then far from 1
/// (saturating), sometimes the same scale and zero point on both sides, any fused activation.
func drawAveragePoolQuantization(_ rng: inout SplitMix64) -> (AveragePoolQuantization, String) {
    let inputScale = 0.005 + 0.1 * rng.unit()
    let inputZeroPoint = Int32(rng.int(-128...127))
    let ratioExponent = rng.chance(15) ? rng.int(-6...6) : rng.int(-1...1)
    if rng.chance(15) {
        let q = AveragePoolQuantization(
            inputScale: inputScale, inputZeroPoint: inputZeroPoint, outputScale: inputScale, outputZeroPoint: inputZeroPoint)
        return (q, "zp\(inputZeroPoint)->same")
    }
    let outputScale = inputScale * (0.5 + rng.unit()) * Double(sign: .plus, exponent: ratioExponent, significand: 1)
    let output = drawOutput(&rng, scale: outputScale)
    let q = AveragePoolQuantization(
        inputScale: inputScale, inputZeroPoint: inputZeroPoint, outputScale: outputScale, output: output)
    return (q, "zp\(inputZeroPoint)->\(output.zeroPoint) clamp\(output.minimum)...\(output.maximum) ratio2^\(-ratioExponent)")
}

/// `MaxPool2D` (whole and split into two row ranges) against `maxPool2dReference`.
public func maxPoolCase(_ rng: inout SplitMix64, _ index: Int) -> ConformanceResult {
    let g = drawPool2DGeometry(&rng)
    // Narrow input ranges now and then, so that ties and all-negative windows occur.
    let range = rng.chance(30) ? -128...(-120) : -128...127
    let input = randomInput(&rng, count: g.inputElementCount, range)
    let expected = sentinelOutput(byteCount: g.outputElementCount)
    maxPool2dReference(g, input: input.typed(Int8.self, count: 1), output: expected.typed(Int8.self, count: 1))
    var checked: [String] = []
    var failures: [String] = []
    do {
        let pool = try MaxPool2D(g)
        let scratch = workspace(pool.workspaceByteCount)
        runRowsBothWays(
            "simd", rowCount: pool.outputRowCount, expected: expected, count: g.outputElementCount,
            checked: &checked, failures: &failures
        ) { output, rows in
            pool.run(input: input.typed(Int8.self, count: 1), output: output, workspace: scratch.pointer, outputRows: rows)
        }
    } catch {
        failures.append("refused: \(error)")
    }
    return ConformanceResult(
        family: "maxPool2d", index: index, shape: describe(g), digest: digest(expected, count: g.outputElementCount),
        checked: checked, failures: failures)
}

/// `AveragePool2D` (whole and split into two row ranges) against `averagePool2dReference`.
public func averagePoolCase(_ rng: inout SplitMix64, _ index: Int) -> ConformanceResult {
    let g = drawPool2DGeometry(&rng)
    let countIncludePad = rng.chance(50)
    let (quantization, quantizationShape) = drawAveragePoolQuantization(&rng)
    let input = randomInput(&rng, count: g.inputElementCount)
    let expected = sentinelOutput(byteCount: g.outputElementCount)
    averagePool2dReference(
        g, countIncludePad: countIncludePad, quantization: quantization,
        input: input.typed(Int8.self, count: 1), output: expected.typed(Int8.self, count: 1))
    var checked: [String] = []
    var failures: [String] = []
    do {
        let pool = try AveragePool2D(g, countIncludePad: countIncludePad, quantization: quantization)
        let scratch = workspace(pool.workspaceByteCount)
        runRowsBothWays(
            "simd", rowCount: pool.outputRowCount, expected: expected, count: g.outputElementCount,
            checked: &checked, failures: &failures
        ) { output, rows in
            pool.run(input: input.typed(Int8.self, count: 1), output: output, workspace: scratch.pointer, outputRows: rows)
        }
    } catch {
        failures.append("refused: \(error)")
    }
    return ConformanceResult(
        family: "averagePool2d", index: index,
        shape: describe(g) + (countIncludePad ? " incl-pad " : " excl-pad ") + quantizationShape,
        digest: digest(expected, count: g.outputElementCount), checked: checked, failures: failures)
}

/// `GlobalAveragePool` (whole and split by image) against `globalAveragePoolReference`; images of
/// more than 256 pixels exercise the widening of the Int16 runs.
public func globalAveragePoolCase(_ rng: inout SplitMix64, _ index: Int) -> ConformanceResult {
    let batch = rng.chance(20) ? rng.int(2...3) : 1
    let large = rng.chance(30)
    let height = large ? rng.int(12...40) : rng.int(1...12), width = large ? rng.int(12...40) : rng.int(1...14)
    let channels = rng.chance(30) ? rng.pick([1, 15, 16, 17, 32, 320]) : rng.int(1...70)
    let (quantization, quantizationShape) = drawAveragePoolQuantization(&rng)
    let inputCount = batch * height * width * channels, outputCount = batch * channels
    // A constant input now and then: every sum lands on the same (possibly tied) average.
    let input = rng.chance(15) ? randomInput(&rng, count: inputCount, 7...7) : randomInput(&rng, count: inputCount)
    let expected = sentinelOutput(byteCount: outputCount)
    globalAveragePoolReference(
        batch: batch, height: height, width: width, channels: channels, quantization: quantization,
        input: input.typed(Int8.self, count: 1), output: expected.typed(Int8.self, count: 1))
    var checked: [String] = []
    var failures: [String] = []
    do {
        let pool = try GlobalAveragePool(batch: batch, height: height, width: width, channels: channels, quantization: quantization)
        runRowsBothWays(
            "simd", rowCount: batch, expected: expected, count: outputCount, checked: &checked, failures: &failures
        ) { output, images in
            pool.run(input: input.typed(Int8.self, count: 1), output: output, images: images)
        }
    } catch {
        failures.append("refused: \(error)")
    }
    return ConformanceResult(
        family: "globalAveragePool", index: index,
        shape: "n\(batch) \(height)x\(width)x\(channels) " + quantizationShape,
        digest: digest(expected, count: outputCount), checked: checked, failures: failures)
}

/// Runs `body` over all of `0..<rowCount` and, separately, over its two halves (upper half first,
/// as two threads might), comparing each output with `expected`.
func runRowsBothWays(
    _ label: String, rowCount: Int, expected: AlignedBuffer, count: Int,
    checked: inout [String], failures: inout [String],
    _ body: (UnsafeMutablePointer<Int8>, Range<Int>) -> Void
) {
    let whole = sentinelOutput(byteCount: count)
    body(whole.typed(Int8.self, count: 1), 0..<rowCount)
    compare(label, whole, expected, count: count, into: &failures)
    checked.append(label)
    let split = sentinelOutput(byteCount: count)
    let middle = rowCount / 2
    body(split.typed(Int8.self, count: 1), middle..<rowCount)
    body(split.typed(Int8.self, count: 1), 0..<middle)
    compare(label + " split", split, expected, count: count, into: &failures)
}
