import SegKernels

/// FCN-8s-lite's learned upsampling of 21 class scores (321x321 input): 2x (4x4, stride 2) at 1/8
/// resolution, and the final 8x (16x16, stride 8).
var transposedConvolutionWorkloads: [WorkloadRecipe] {
    [
        transposedConvolution(
            "tconv4x4-s2-21", "FCN upscore2: 4x4 stride 2, 21 classes",
            TransposedConv2DGeometry(
                inputHeight: 41, inputWidth: 41, inputChannels: 21, outputChannels: 21,
                kernelHeight: 4, kernelWidth: 4, strideHeight: 2, strideWidth: 2,
                padTop: 1, padLeft: 1, padBottom: 1, padRight: 1)),
        transposedConvolution(
            "tconv16x16-s8-21", "FCN upscore8: 16x16 stride 8, 21 classes",
            TransposedConv2DGeometry(
                inputHeight: 41, inputWidth: 41, inputChannels: 21, outputChannels: 21,
                kernelHeight: 16, kernelWidth: 16, strideHeight: 8, strideWidth: 8,
                padTop: 4, padLeft: 4, padBottom: 4, padRight: 4)),
    ]
}

private func transposedConvolution(_ name: String, _ note: String, _ full: TransposedConv2DGeometry) -> WorkloadRecipe {
    WorkloadRecipe(name: name) { path, scale in
        var g = full
        if scale == .small {
            g.inputHeight = (g.inputHeight + 3) / 4
            g.inputWidth = (g.inputWidth + 3) / 4
        }
        var rng = BenchRandom(seed: 11)
        let input = rng.buffer(count: g.inputElementCount)
        let weights = rng.buffer(count: g.weightElementCount, -127...127)
        let quantization = ConvQuantization(
            inputZeroPoint: 5, multipliers: [try! QuantizedMultiplier(scale: 0.002)],
            output: OutputQuantization(zeroPoint: 0))
        let weightPointer = UnsafeBufferPointer(start: weights.typed(Int8.self, count: g.weightElementCount), count: g.weightElementCount)
        guard let conv = try? PackedTransposedConv2D(g, weights: weightPointer, bias: nil, quantization: quantization, path: path) else {
            return nil
        }
        let detail = "\(note); \(g.inputHeight)x\(g.inputWidth)x\(g.inputChannels) -> "
            + "\(g.outputHeight)x\(g.outputWidth)x\(g.outputChannels); \(conv.path) kernel"
        return KernelWorkload(
            name: name, kernelName: "transposedConv2d", detail: detail, macs: g.macs, kernel: conv, input: input,
            outputCount: g.outputElementCount, keep: [weights])
    }
}
