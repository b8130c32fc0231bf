import SegKernels

/// The resizes of DeepLab-LargeFOV-lite (logits upsampled x8 to the 321x321 input) and
/// RefineNet-lite (2x upsampling of 1/8-resolution features before fusion).
var resizeWorkloads: [WorkloadRecipe] {
    [
        bilinear(
            "resize-bilinear-logits", "DeepLab-LargeFOV logits x8, align corners",
            ResizeGeometry(inputHeight: 41, inputWidth: 41, channels: 21, outputHeight: 321, outputWidth: 321), .alignCorners),
        bilinear(
            "resize-bilinear-2x-256", "RefineNet fusion 2x, half pixel",
            ResizeGeometry(inputHeight: 41, inputWidth: 41, channels: 256, outputHeight: 81, outputWidth: 81), .halfPixel),
        nearest(
            "resize-nearest-2x-256", "RefineNet fusion 2x, PyTorch nearest",
            ResizeGeometry(inputHeight: 41, inputWidth: 41, channels: 256, outputHeight: 82, outputWidth: 82)),
    ]
}

private func bilinear(_ name: String, _ note: String, _ g: ResizeGeometry, _ mode: ResizeCoordinateMode) -> WorkloadRecipe {
    WorkloadRecipe(name: name) { _ in
        guard let resize = try? ResizeBilinear(g, coordinateMode: mode) else { return nil }
        var rng = BenchRandom(seed: 11)
        return KernelWorkload(
            name: name, kernelName: "resizeBilinear", detail: "\(note); \(describe(g))", macs: 0, kernel: resize,
            input: rng.buffer(count: g.inputElementCount), outputCount: g.outputElementCount)
    }
}

private func nearest(_ name: String, _ note: String, _ g: ResizeGeometry) -> WorkloadRecipe {
    WorkloadRecipe(name: name) { _ in
        guard let resize = try? ResizeNearest(g, coordinateMode: .asymmetric, nearestMode: .floor) else { return nil }
        var rng = BenchRandom(seed: 12)
        let input = rng.buffer(count: g.inputElementCount)
        let output = AlignedBuffer(byteCount: g.outputElementCount)
        let inputPointer = UnsafePointer(input.typed(Int8.self, count: g.inputElementCount))
        let outputPointer = output.typed(Int8.self, count: g.outputElementCount)
        return KernelWorkload(
            name: name, kernel: "resizeNearest", detail: "\(note); \(describe(g))", macs: 0,
            outputElements: g.outputElementCount, buffers: [input, output]
        ) {
            resize.run(input: inputPointer, output: outputPointer)
        }
    }
}

private func describe(_ g: ResizeGeometry) -> String {
    "\(g.inputHeight)x\(g.inputWidth)x\(g.channels) -> \(g.outputHeight)x\(g.outputWidth)x\(g.channels)"
}
