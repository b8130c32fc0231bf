import SegKernels

/// A random transposed convolution: kernel 1..8, stride 1..4, dilation 1..3, any padding and
/// output padding, groups, channel counts that are not multiples of 4/8/16.
func drawTransposedConv2DGeometry(_ rng: inout SplitMix64) -> TransposedConv2DGeometry {
    while true {
        let kernelHeight = rng.int(1...8), kernelWidth = rng.chance(75) ? kernelHeight : rng.int(1...8)
        let strideHeight = rng.int(1...4), strideWidth = rng.chance(75) ? strideHeight : rng.int(1...4)
        let dilationHeight = rng.chance(80) ? 1 : rng.int(2...3), dilationWidth = rng.chance(80) ? dilationHeight : rng.int(1...3)
        let groups = rng.chance(80) ? 1 : rng.int(2...3)
        var g = TransposedConv2DGeometry(
            batch: rng.chance(10) ? 2 : 1, inputHeight: rng.int(1...7), inputWidth: rng.int(1...9),
            inputChannels: groups * rng.int(1...24), outputChannels: groups * rng.int(1...24),
            kernelHeight: kernelHeight, kernelWidth: kernelWidth, strideHeight: strideHeight, strideWidth: strideWidth,
            dilationHeight: dilationHeight, dilationWidth: dilationWidth,
            padTop: rng.int(0...kernelHeight - 1), padLeft: rng.int(0...kernelWidth - 1),
            padBottom: rng.int(0...kernelHeight - 1), padRight: rng.int(0...kernelWidth - 1),
            outputPaddingHeight: 0, outputPaddingWidth: 0, groups: groups)
        g.outputPaddingHeight = rng.int(0...max(strideHeight, dilationHeight) - 1)
        g.outputPaddingWidth = rng.int(0...max(strideWidth, dilationWidth) - 1)
        if (try? g.validate()) != nil { return g }
    }
}

/// Every path of `PackedTransposedConv2D` (and a run split into two row ranges) against
/// `transposedConv2dReference`.
func transposedConv2dCase(_ rng: inout SplitMix64, _ index: Int) -> ConformanceResult {
    let g = drawTransposedConv2DGeometry(&rng)
    let shape = "n\(g.batch) \(g.inputHeight)x\(g.inputWidth)x\(g.inputChannels)->\(g.outputChannels)"
        + " k\(g.kernelHeight)x\(g.kernelWidth) s\(g.strideHeight)x\(g.strideWidth) d\(g.dilationHeight)x\(g.dilationWidth)"
        + " p\(g.padTop),\(g.padLeft),\(g.padBottom),\(g.padRight) op\(g.outputPaddingHeight),\(g.outputPaddingWidth) g\(g.groups)"
    return checkConvolution(
        &rng, family: "transposedConv2d", index: index, shape: shape, paths: ConvKernelPath.available,
        inputCount: g.inputElementCount, weightCount: g.weightElementCount, outputCount: g.outputElementCount,
        outputChannels: g.outputChannels, depth: 4 * g.inputChannelsPerGroup,
        reference: { input, weights, bias, quantization, output in
            transposedConv2dReference(g, input: input, weights: weights, bias: bias, quantization: quantization, output: output)
        },
        pack: { path, weights, bias, quantization throws(KernelConfigurationError) in
            try PackedTransposedConv2D(g, weights: weights, bias: bias, quantization: quantization, path: path)
        })
}
