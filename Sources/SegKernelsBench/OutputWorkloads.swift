import SegKernels

/// The output stage of DeepLab-LargeFOV-lite at 321x321: 21-class logits to a class map, or to
/// planar probabilities for the DenseCRF.
var outputWorkloads: [WorkloadRecipe] {
    let height = 321, width = 321, classes = 21
    let pixels = height * width
    let shape = "\(height)x\(width)x\(classes)"
    return [
        WorkloadRecipe(name: "argmax-321x321x21") { _ in
            guard let argMax = try? ChannelArgMax(pixelCount: pixels, channels: classes) else { return nil }
            var rng = BenchRandom(seed: 13)
            let input = rng.buffer(count: pixels * classes)
            let output = AlignedBuffer(byteCount: pixels)
            let inputPointer = UnsafePointer(input.typed(Int8.self, count: pixels * classes))
            let outputPointer = output.typed(UInt8.self, count: pixels)
            return KernelWorkload(
                name: "argmax-321x321x21", kernel: "argMax", detail: "DeepLab-LargeFOV class map; \(shape) -> \(height)x\(width) UInt8",
                macs: 0, outputElements: pixels, buffers: [input, output]
            ) {
                argMax.run(input: inputPointer, output: outputPointer)
            }
        },
        WorkloadRecipe(name: "softmax-321x321x21-planar") { _ in
            guard let softmax = try? DequantizedSoftmax(
                pixelCount: pixels, channels: classes, scale: 0.125, pixelStride: 1, channelStride: pixels)
            else { return nil }
            var rng = BenchRandom(seed: 14)
            let input = rng.buffer(count: pixels * classes)
            let output = AlignedBuffer(byteCount: softmax.outputElementCount * 4)
            let inputPointer = UnsafePointer(input.typed(Int8.self, count: pixels * classes))
            let outputPointer = output.typed(Float.self, count: softmax.outputElementCount)
            return KernelWorkload(
                name: "softmax-321x321x21-planar", kernel: "softmax",
                detail: "DeepLab-LargeFOV probabilities for the DenseCRF; \(shape) int8 -> \(classes)x\(height)x\(width) Float32",
                macs: 0, outputElements: pixels * classes, buffers: [input, output]
            ) {
                softmax.run(input: inputPointer, output: outputPointer)
            }
        },
    ]
}
