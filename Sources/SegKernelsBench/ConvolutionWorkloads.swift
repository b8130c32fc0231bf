import SegKernels

/// The convolution shapes of DeepLab-LargeFOV-lite (321x321 input, output stride 8) and
/// RefineNet-lite (MobileNetV2 encoder).
var convolutionWorkloads: [WorkloadRecipe] {
    [
        convolution(
            "conv3x3-d12", "DeepLab-LargeFOV fc6: 3x3 dilation 12",
            Conv2DGeometry(
                inputHeight: 41, inputWidth: 41, inputChannels: 512, outputChannels: 1024,
                kernelHeight: 3, kernelWidth: 3, dilationHeight: 12, dilationWidth: 12,
                padTop: 12, padLeft: 12, padBottom: 12, padRight: 12)),
        convolution(
            "conv1x1-1024", "DeepLab-LargeFOV fc7: 1x1 1024->1024",
            Conv2DGeometry(
                inputHeight: 41, inputWidth: 41, inputChannels: 1024, outputChannels: 1024,
                kernelHeight: 1, kernelWidth: 1)),
        convolution(
            "conv3x3-64", "3x3 64->64 stride 1",
            Conv2DGeometry(
                inputHeight: 80, inputWidth: 80, inputChannels: 64, outputChannels: 64,
                kernelHeight: 3, kernelWidth: 3, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1)),
        convolution(
            "conv3x3-64-s2", "3x3 64->64 stride 2",
            Conv2DGeometry(
                inputHeight: 160, inputWidth: 160, inputChannels: 64, outputChannels: 64,
                kernelHeight: 3, kernelWidth: 3, strideHeight: 2, strideWidth: 2,
                padTop: 1, padLeft: 1, padBottom: 1, padRight: 1)),
        convolution(
            "dwconv3x3-144", "MobileNetV2 depthwise 3x3, 144 channels",
            Conv2DGeometry(
                inputHeight: 80, inputWidth: 80, inputChannels: 144, outputChannels: 144,
                kernelHeight: 3, kernelWidth: 3, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1, groups: 144)),
        convolution(
            "conv1x1-256-crp", "RefineNet CRP 1x1 256->256",
            Conv2DGeometry(
                inputHeight: 41, inputWidth: 41, inputChannels: 256, outputChannels: 256,
                kernelHeight: 1, kernelWidth: 1)),
    ]
}

private func convolution(_ name: String, _ note: String, _ full: Conv2DGeometry) -> WorkloadRecipe {
    WorkloadRecipe(name: name) { path, scale in
        var g = full
        if scale == .small {
            g.inputHeight = (g.inputHeight + 3) / 4
            g.inputWidth = (g.inputWidth + 3) / 4
        }
        var rng = BenchRandom(seed: 7)
        let input = rng.buffer(count: g.inputElementCount)
        let weights = rng.buffer(count: g.weightElementCount, -127...127)
        var bias: [Int32] = []
        for _ in 0..<g.outputChannels { bias.append(Int32(rng.int(-5000...5000))) }
        var multipliers: [QuantizedMultiplier] = []
        for _ in 0..<g.outputChannels {
            multipliers.append(try! QuantizedMultiplier(scale: 0.0004 * (0.5 + rng.unit())))
        }
        let quantization = ConvQuantization(
            inputZeroPoint: -3, multipliers: multipliers,
            output: OutputQuantization(zeroPoint: -128, scale: 0.05, activation: .relu))
        let weightPointer = UnsafeBufferPointer(start: weights.typed(Int8.self, count: g.weightElementCount), count: g.weightElementCount)
        guard let conv = try? bias.withUnsafeBufferPointer({ b throws(KernelConfigurationError) in
            try PackedConv2D(g, weights: weightPointer, bias: b, quantization: quantization, path: path)
        }) else { return nil }
        let detail = "\(note); \(g.inputHeight)x\(g.inputWidth)x\(g.inputChannels) -> "
            + "\(g.outputHeight)x\(g.outputWidth)x\(g.outputChannels); \(conv.path) kernel"
        return KernelWorkload(
            name: name, kernelName: "conv2d", detail: detail, macs: g.macs, kernel: conv, input: input,
            outputCount: g.outputElementCount, keep: [weights])
    }
}
