import SegKernels

/// The pooling shapes of RefineNet-lite (chained residual pooling) and DeepLab-LargeFOV-lite at a
/// 321x321 input, and the global pooling of a MobileNetV2 encoder's last feature map.
var poolingWorkloads: [WorkloadRecipe] {
    [
        maxPool(
            "maxpool5x5-crp", "RefineNet CRP max pool 5x5 stride 1 pad 2",
            Pool2DGeometry(
                inputHeight: 41, inputWidth: 41, channels: 256, kernelHeight: 5, kernelWidth: 5,
                padTop: 2, padLeft: 2, padBottom: 2, padRight: 2)),
        maxPool(
            "maxpool3x3-s2", "DeepLab pool2 max 3x3 stride 2 pad 1, ceil mode",
            Pool2DGeometry(
                inputHeight: 161, inputWidth: 161, channels: 64, kernelHeight: 3, kernelWidth: 3,
                strideHeight: 2, strideWidth: 2, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1, ceilMode: true)),
        WorkloadRecipe(name: "avgpool3x3-s1") { _ in
            // Caffe's average pooling (DeepLab-LargeFOV pool5a) divides by the window inside the padded input.
            let g = Pool2DGeometry(
                inputHeight: 41, inputWidth: 41, channels: 512, kernelHeight: 3, kernelWidth: 3,
                padTop: 1, padLeft: 1, padBottom: 1, padRight: 1)
            let quantization = AveragePoolQuantization(inputScale: 0.05, inputZeroPoint: -128, outputScale: 0.04, outputZeroPoint: -128)
            guard let pool = try? AveragePool2D(g, countIncludePad: true, quantization: quantization) else { return nil }
            var rng = BenchRandom(seed: 11)
            return KernelWorkload(
                name: "avgpool3x3-s1", kernelName: "averagePool2d",
                detail: "DeepLab-LargeFOV pool5a average 3x3 stride 1 pad 1, pad counted; \(describe(g))",
                macs: 0, kernel: pool, input: rng.buffer(count: g.inputElementCount), outputCount: g.outputElementCount)
        },
        WorkloadRecipe(name: "globalavgpool-320") { _ in
            let quantization = AveragePoolQuantization(inputScale: 0.03, inputZeroPoint: -128, outputScale: 0.02, outputZeroPoint: -128)
            guard let pool = try? GlobalAveragePool(height: 11, width: 11, channels: 320, quantization: quantization) else { return nil }
            var rng = BenchRandom(seed: 12)
            let input = rng.buffer(count: pool.inputElementCount)
            let output = AlignedBuffer(byteCount: pool.outputElementCount)
            let inputPointer = UnsafePointer(input.typed(Int8.self, count: pool.inputElementCount))
            let outputPointer = output.typed(Int8.self, count: pool.outputElementCount)
            return KernelWorkload(
                name: "globalavgpool-320", kernel: "globalAveragePool",
                detail: "MobileNetV2 last feature map 11x11x320 -> 1x1x320",
                macs: 0, outputElements: pool.outputElementCount, buffers: [input, output]
            ) {
                pool.run(input: inputPointer, output: outputPointer)
            }
        },
    ]
}

private func describe(_ g: Pool2DGeometry) -> String {
    "\(g.inputHeight)x\(g.inputWidth)x\(g.channels) -> \(g.outputHeight)x\(g.outputWidth)x\(g.channels)"
}

private func maxPool(_ name: String, _ note: String, _ g: Pool2DGeometry) -> WorkloadRecipe {
    WorkloadRecipe(name: name) { _ in
        guard let pool = try? MaxPool2D(g) else { return nil }
        var rng = BenchRandom(seed: 10)
        return KernelWorkload(
            name: name, kernelName: "maxPool2d", detail: "\(note); \(describe(g))", macs: 0, kernel: pool,
            input: rng.buffer(count: g.inputElementCount), outputCount: g.outputElementCount)
    }
}
