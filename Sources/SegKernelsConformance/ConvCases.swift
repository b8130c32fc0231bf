import SegKernels

/// Draws a convolution's output quantization: random zero point, scale and activation.
func drawOutput(_ rng: inout SplitMix64, scale: Double) -> OutputQuantization {
    let zeroPoint = Int32(rng.int(-128...127))
    let activation = rng.pick([FusedActivation.none, .none, .relu, .relu6])
    return OutputQuantization(zeroPoint: zeroPoint, scale: scale, activation: activation)
}

/// Per-channel (or, one time in four, per-tensor) multipliers that spread accumulators of `depth`
/// random products over the int8 range.
func drawMultipliers(_ rng: inout SplitMix64, channels: Int, depth: Int) -> [QuantizedMultiplier] {
    let typical = 60.0 / (74.0 * 74.0 * Double(max(depth, 1)).squareRoot())
    let count = rng.chance(25) ? 1 : channels
    var result: [QuantizedMultiplier] = []
    for _ in 0..<count {
        result.append(try! QuantizedMultiplier(scale: typical * (0.25 + 1.75 * rng.unit())))
    }
    return result
}

/// A random convolution: kernel 1..7, stride 1..3, dilation up to 24, any padding, groups
/// (depthwise included), channel counts that are not multiples of 4/8/16.
func drawConv2DGeometry(_ rng: inout SplitMix64) -> Conv2DGeometry {
    let layout = rng.int(0...9)
    // Depthwise filters are 3x3 most of the time, as in MobileNetV2 (they have a dedicated row path).
    let depthwise3x3 = layout <= 1 && rng.chance(60)
    let kernelHeight = depthwise3x3 ? 3 : rng.int(1...7)
    let kernelWidth = depthwise3x3 ? 3 : rng.chance(80) ? kernelHeight : rng.int(1...7)
    let strideHeight = rng.chance(60) ? 1 : rng.int(2...3), strideWidth = rng.chance(80) ? strideHeight : rng.int(1...2)
    let dilated = rng.chance(35)
    let dilationHeight = dilated ? rng.int(2...24) : 1, dilationWidth = dilated ? (rng.chance(70) ? dilationHeight : rng.int(1...24)) : 1
    let spanHeight = dilationHeight * (kernelHeight - 1), spanWidth = dilationWidth * (kernelWidth - 1)
    let padTop = rng.int(0...spanHeight), padBottom = rng.chance(70) ? padTop : rng.int(0...spanHeight)
    let padLeft = rng.int(0...spanWidth), padRight = rng.chance(70) ? padLeft : rng.int(0...spanWidth)
    let inputHeight = max(1, spanHeight + 1 - padTop - padBottom) + rng.int(0...9)
    let inputWidth = max(1, spanWidth + 1 - padLeft - padRight) + rng.int(0...(depthwise3x3 ? 30 : 11))
    var inputChannels: Int, outputChannels: Int, groups: Int
    switch layout {
    case 0...1:
        groups = rng.int(2...48)
        inputChannels = groups
        outputChannels = groups
    case 2:
        groups = rng.int(2...4)
        inputChannels = groups * rng.int(1...12)
        outputChannels = groups * rng.int(1...12)
    default:
        groups = 1
        inputChannels = rng.chance(20) ? rng.int(1...4) : rng.int(1...70)
        outputChannels = rng.int(1...70)
    }
    return Conv2DGeometry(
        batch: rng.chance(10) ? 2 : 1, inputHeight: inputHeight, inputWidth: inputWidth,
        inputChannels: inputChannels, outputChannels: outputChannels,
        kernelHeight: kernelHeight, kernelWidth: kernelWidth, strideHeight: strideHeight, strideWidth: strideWidth,
        dilationHeight: dilationHeight, dilationWidth: dilationWidth,
        padTop: padTop, padLeft: padLeft, padBottom: padBottom, padRight: padRight, groups: groups)
}

func describe(_ g: Conv2DGeometry) -> String {
    "n\(g.batch) \(g.inputHeight)x\(g.inputWidth)x\(g.inputChannels)->\(g.outputChannels) k\(g.kernelHeight)x\(g.kernelWidth)"
        + " s\(g.strideHeight)x\(g.strideWidth) d\(g.dilationHeight)x\(g.dilationWidth)"
        + " p\(g.padTop),\(g.padLeft),\(g.padBottom),\(g.padRight) g\(g.groups)"
}

/// Every path of `PackedConv2D` (and a run split into two row ranges) against `conv2dReference`.
func conv2dCase(_ rng: inout SplitMix64, _ index: Int) -> ConformanceResult {
    let g = drawConv2DGeometry(&rng)
    let paths = g.isDepthwise ? [ConvKernelPath.widening] : ConvKernelPath.available
    return checkConvolution(
        &rng, family: "conv2d", index: index, shape: describe(g), paths: paths,
        inputCount: g.inputElementCount, weightCount: g.weightElementCount, outputCount: g.outputElementCount,
        outputChannels: g.outputChannels, depth: g.taps * g.inputChannelsPerGroup,
        reference: { input, weights, bias, quantization, output in
            conv2dReference(g, input: input, weights: weights, bias: bias, quantization: quantization, output: output)
        },
        pack: { path, weights, bias, quantization throws(KernelConfigurationError) in
            try PackedConv2D(g, weights: weights, bias: bias, quantization: quantization, path: path)
        })
}

/// Draws a convolution's input, weights (-127...127), bias and quantization, runs `reference`, and
/// checks every packed path of `paths` against it (`checkPaths`).
func checkConvolution<Kernel: RowSplitKernel>(
    _ rng: inout SplitMix64, family: String, index: Int, shape: String, paths: [ConvKernelPath],
    inputCount: Int, weightCount: Int, outputCount: Int, outputChannels: Int, depth: Int,
    reference: (UnsafePointer<Int8>, UnsafePointer<Int8>, UnsafePointer<Int32>, ConvQuantization, UnsafeMutablePointer<Int8>) -> Void,
    pack: (ConvKernelPath, UnsafeBufferPointer<Int8>, UnsafeBufferPointer<Int32>, ConvQuantization) throws(KernelConfigurationError) -> Kernel
) -> ConformanceResult {
    let input = randomInput(&rng, count: inputCount)
    let weights = AlignedBuffer(byteCount: weightCount)
    rng.fill(weights.typed(Int8.self, count: weightCount), count: weightCount, -127...127)
    var bias: [Int32] = []
    for _ in 0..<outputChannels { bias.append(Int32(rng.int(-40_000...40_000))) }
    let multipliers = drawMultipliers(&rng, channels: outputChannels, depth: depth)
    let output = drawOutput(&rng, scale: 0.02 + rng.unit() * 0.1)
    let quantization = ConvQuantization(inputZeroPoint: Int32(rng.int(-128...127)), multipliers: multipliers, output: output)
    let weightBuffer = UnsafeBufferPointer(start: UnsafePointer(weights.typed(Int8.self, count: weightCount)), count: weightCount)
    let expected = sentinelOutput(byteCount: outputCount)
    var checked: [String] = []
    var failures: [String] = []
    bias.withUnsafeBufferPointer { b in
        reference(
            input.typed(Int8.self, count: inputCount), weightBuffer.baseAddress!, b.baseAddress!, quantization,
            expected.typed(Int8.self, count: outputCount))
        checkPaths(paths, input: input, expected: expected, count: outputCount, checked: &checked, failures: &failures) {
            path throws(KernelConfigurationError) in
            try pack(path, weightBuffer, b, quantization)
        }
    }
    return ConformanceResult(
        family: family, index: index, shape: shape, digest: digest(expected, count: outputCount),
        checked: checked, failures: failures)
}

/// Packs a kernel on every path of `paths` and runs it on `input` whole and split into two row
/// ranges (as two threads would), comparing both outputs with `expected`.
func checkPaths<Kernel: RowSplitKernel>(
    _ paths: [ConvKernelPath], input: AlignedBuffer, expected: AlignedBuffer, count: Int,
    checked: inout [String], failures: inout [String],
    pack: (ConvKernelPath) throws(KernelConfigurationError) -> Kernel
) {
    for path in paths {
        let kernel: Kernel
        do {
            kernel = try pack(path)
        } catch {
            failures.append("\(path): refused: \(error)")
            continue
        }
        let scratch = workspace(kernel.workspaceByteCount)
        let source = UnsafePointer(input.typed(Int8.self, count: 1))
        let whole = sentinelOutput(byteCount: count)
        kernel.run(input: source, output: whole.typed(Int8.self, count: 1), workspace: scratch.pointer)
        compare("\(path)", whole, expected, count: count, into: &failures)
        checked.append("\(path)")
        let split = sentinelOutput(byteCount: count)
        let middle = kernel.outputRowCount / 2
        kernel.run(input: source, output: split.typed(Int8.self, count: 1), workspace: scratch.pointer,
                   outputRows: middle..<kernel.outputRowCount)
        kernel.run(input: source, output: split.typed(Int8.self, count: 1), workspace: scratch.pointer, outputRows: 0..<middle)
        compare("\(path) rows-split", split, expected, count: count, into: &failures)
    }
}
