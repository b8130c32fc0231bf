import SegKernels

/// RefineNet-lite's residual sum at output stride 8 and a channel concat of two 81x81x128 maps
/// (one quantized like the output and copied, one requantized), at a 321x321 input.
var addConcatWorkloads: [WorkloadRecipe] {
    [
        WorkloadRecipe(name: "add-41x41x256") { _ in
            let count = 41 * 41 * 256
            let quantization = ElementwiseAddQuantization(
                aScale: 0.042, aZeroPoint: -7, bScale: 0.031, bZeroPoint: 12, outputScale: 0.055, outputZeroPoint: -3,
                activation: .relu)
            guard let add = try? ElementwiseAdd(count: count, quantization: quantization) else { return nil }
            var rng = BenchRandom(seed: 13)
            let a = rng.buffer(count: count), b = rng.buffer(count: count)
            let output = AlignedBuffer(byteCount: count)
            let aPointer = UnsafePointer(a.typed(Int8.self, count: count))
            let bPointer = UnsafePointer(b.typed(Int8.self, count: count))
            let outputPointer = output.typed(Int8.self, count: count)
            return KernelWorkload(
                name: "add-41x41x256", kernel: "add", detail: "RefineNet residual sum 41x41x256, fused ReLU",
                macs: 0, outputElements: count, buffers: [a, b, output]
            ) {
                add.run(a: aPointer, b: bPointer, output: outputPointer)
            }
        },
        WorkloadRecipe(name: "concat-2x81x81x128") { _ in
            let pixels = 81 * 81
            let inputs = [
                ConcatInput(chunk: 128, scale: 0.04, zeroPoint: -128),
                ConcatInput(chunk: 128, scale: 0.027, zeroPoint: -101),
            ]
            guard let concat = try? Concat(outerCount: pixels, inputs: inputs, outputScale: 0.04, outputZeroPoint: -128) else {
                return nil
            }
            var rng = BenchRandom(seed: 14)
            let first = rng.buffer(count: pixels * 128), second = rng.buffer(count: pixels * 128)
            let output = AlignedBuffer(byteCount: pixels * 256)
            let sources = AlignedBuffer(byteCount: 2 * MemoryLayout<UnsafePointer<Int8>>.stride)
            let sourcePointers = sources.pointer.bindMemory(to: UnsafePointer<Int8>.self, capacity: 2)
            sourcePointers[0] = UnsafePointer(first.typed(Int8.self, count: pixels * 128))
            sourcePointers[1] = UnsafePointer(second.typed(Int8.self, count: pixels * 128))
            let sourceBuffer = UnsafeBufferPointer(start: UnsafePointer(sourcePointers), count: 2)
            let outputPointer = output.typed(Int8.self, count: pixels * 256)
            return KernelWorkload(
                name: "concat-2x81x81x128", kernel: "concat",
                detail: "channel concat 81x81x128 (copied) + 81x81x128 (requantized) -> 81x81x256",
                macs: 0, outputElements: pixels * 256, buffers: [first, second, output, sources]
            ) {
                concat.run(sources: sourceBuffer, output: outputPointer)
            }
        },
    ]
}
