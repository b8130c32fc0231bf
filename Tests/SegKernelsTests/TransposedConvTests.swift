import SegKernels
import Testing

func runTransposedConvolution(
    _ geometry: TransposedConv2DGeometry, input: [Int8], weights: [Int8], quantization: ConvQuantization
) throws -> [Int8] {
    let inputBuffer = alignedBuffer(input)
    var expected = [Int8](repeating: 0, count: geometry.outputElementCount)
    weights.withUnsafeBufferPointer { w in
        transposedConv2dReference(
            geometry, input: inputBuffer.typed(Int8.self, count: input.count), weights: w.baseAddress!, bias: nil,
            quantization: quantization, output: &expected)
    }
    for path in ConvKernelPath.available {
        let packed = try weights.withUnsafeBufferPointer { w throws(KernelConfigurationError) in
            try PackedTransposedConv2D(geometry, weights: w, bias: nil, quantization: quantization, path: path)
        }
        let workspace = AlignedBuffer(byteCount: packed.workspaceByteCount)
        var got = [Int8](repeating: 0, count: geometry.outputElementCount)
        packed.run(input: inputBuffer.typed(Int8.self, count: input.count), output: &got, workspace: workspace.pointer)
        #expect(got == expected, "\(path) differs from the reference")
    }
    return expected
}

@Suite struct TransposedConvTests {
    @Test func strideTwoKernelTwoReplicates() throws {
        // Each input pixel becomes a 2x2 block.
        let g = TransposedConv2DGeometry(
            inputHeight: 2, inputWidth: 2, inputChannels: 1, outputChannels: 1, kernelHeight: 2, kernelWidth: 2)
        let out = try runTransposedConvolution(g, input: [1, 2, 3, 4], weights: [1, 1, 1, 1], quantization: unitQuantization())
        #expect(out == [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4])
    }

    @Test func bilinearKernelWithPaddingAndOutputPadding() throws {
        // 1-D [1 2 1] kernel, stride 2, pad 1, output padding 1 on [a, b] gives [2a, a + b, 2b, b].
        let g = TransposedConv2DGeometry(
            inputHeight: 1, inputWidth: 2, inputChannels: 1, outputChannels: 1, kernelHeight: 1, kernelWidth: 3,
            padLeft: 1, padRight: 1, outputPaddingWidth: 1)
        #expect(g.outputWidth == 4 && g.outputHeight == 1)
        let out = try runTransposedConvolution(g, input: [10, 30], weights: [1, 2, 1], quantization: unitQuantization())
        #expect(out == [20, 40, 60, 30])
    }

    @Test func zeroPointAndChannels() throws {
        // Two input channels with zero point 5, kernel 1x1 stride 3: every third output gets
        // (x0 - 5) - (x1 - 5); the others see no input and keep the (zero) bias.
        let g = TransposedConv2DGeometry(
            inputHeight: 1, inputWidth: 2, inputChannels: 2, outputChannels: 1, kernelHeight: 1, kernelWidth: 1,
            strideHeight: 1, strideWidth: 3)
        #expect(g.outputWidth == 4)
        let out = try runTransposedConvolution(
            g, input: [15, 7, 5, 25], weights: [1, -1], quantization: unitQuantization(inputZeroPoint: 5))
        #expect(out == [8, 0, 0, -20])
    }

    @Test func refusesOutputPaddingOfAWholeStride() {
        let g = TransposedConv2DGeometry(
            inputHeight: 2, inputWidth: 2, inputChannels: 1, outputChannels: 1, kernelHeight: 3, kernelWidth: 3,
            outputPaddingHeight: 2)
        #expect(throws: KernelConfigurationError("outputPaddingHeight", "must be in 0..<max(strideHeight, dilationHeight) = 2, got 2")) {
            try g.validate()
        }
    }
}
