import SegKernels
import Testing

/// Runs `geometry` through the reference and every packed path; returns the reference output after
/// checking that every path produced the same bytes.
func runConvolution(
    _ geometry: Conv2DGeometry, input: [Int8], weights: [Int8], bias: [Int32]?, quantization: ConvQuantization
) throws -> [Int8] {
    let inputBuffer = alignedBuffer(input)
    var expected = [Int8](repeating: 0, count: geometry.outputElementCount)
    weights.withUnsafeBufferPointer { w in
        (bias ?? []).withUnsafeBufferPointer { b in
            conv2dReference(
                geometry, input: inputBuffer.typed(Int8.self, count: input.count), weights: w.baseAddress!,
                bias: bias == nil ? nil : b.baseAddress, quantization: quantization, output: &expected)
        }
    }
    let paths: [ConvKernelPath] = geometry.isDepthwise ? [.widening] : ConvKernelPath.available
    for path in paths {
        let packed = try weights.withUnsafeBufferPointer { w throws(KernelConfigurationError) in
            try (bias ?? []).withUnsafeBufferPointer { b throws(KernelConfigurationError) in
                try PackedConv2D(geometry, weights: w, bias: bias == nil ? nil : b, quantization: quantization, path: path)
            }
        }
        let workspace = AlignedBuffer(byteCount: packed.workspaceByteCount)
        var got = [Int8](repeating: 0, count: geometry.outputElementCount)
        packed.run(input: inputBuffer.typed(Int8.self, count: input.count), output: &got, workspace: workspace.pointer)
        #expect(got == expected, "\(path) differs from the reference")
    }
    return expected
}

func unitQuantization(inputZeroPoint: Int32 = 0, scale: Double = 1, outputZeroPoint: Int32 = 0) throws -> ConvQuantization {
    ConvQuantization(
        inputZeroPoint: inputZeroPoint, multipliers: [try QuantizedMultiplier(scale: scale)],
        output: OutputQuantization(zeroPoint: outputZeroPoint))
}

@Suite struct ConvTests {
    @Test func pointwiseWeightsAndBias() throws {
        // Two pixels, two input channels, outputs x0 + 2 x1 + 10 and -x0 + x1 - 5.
        let g = Conv2DGeometry(inputHeight: 1, inputWidth: 2, inputChannels: 2, outputChannels: 2, kernelHeight: 1, kernelWidth: 1)
        let out = try runConvolution(g, input: [3, 4, -5, 6], weights: [1, 2, -1, 1], bias: [10, -5], quantization: unitQuantization())
        #expect(out == [21, -4, 17, 6])
    }

    @Test func paddingReadsTheInputZeroPoint() throws {
        // 3x3 input 1...9 with zero point 1 (real values 0...8), 3x3 ones filter, padding 1, scale 1/4,
        // output zero point 3. Centre: (0+...+8)/4 = 9 -> 12. Corner: (0+1+3+4)/4 = 2 -> 5.
        // Edge (top middle): (0+1+2+3+4+5)/4 = 3.75 -> 4 -> 7.
        let g = Conv2DGeometry(
            inputHeight: 3, inputWidth: 3, inputChannels: 1, outputChannels: 1, kernelHeight: 3, kernelWidth: 3,
            padTop: 1, padLeft: 1, padBottom: 1, padRight: 1)
        let out = try runConvolution(
            g, input: [1, 2, 3, 4, 5, 6, 7, 8, 9], weights: [Int8](repeating: 1, count: 9), bias: nil,
            quantization: unitQuantization(inputZeroPoint: 1, scale: 0.25, outputZeroPoint: 3))
        // Row 0: (0+1+3+4)=8 ->2, (0+1+2+3+4+5)=15 ->3.75->4, (1+2+4+5)=12 ->3
        // Row 1: (0+1+3+4+6+7)=21 ->5.25->5, 36 ->9, (1+2+4+5+7+8)=27 ->6.75->7
        // Row 2: (3+4+6+7)=20 ->5, (3+4+5+6+7+8)=33 ->8.25->8, (4+5+7+8)=24 ->6
        #expect(out == [5, 7, 6, 8, 12, 10, 8, 11, 9])
    }

    @Test func dilationAndStride() throws {
        // 1x7 input, kernel 1x2 with dilation 3 and stride 2: (7 - 3 - 1) / 2 + 1 = 2 output columns,
        // at x = 0 and 2: x[0] + 10 x[3] and x[2] + 10 x[5].
        let g = Conv2DGeometry(
            inputHeight: 1, inputWidth: 7, inputChannels: 1, outputChannels: 1, kernelHeight: 1, kernelWidth: 2,
            strideWidth: 2, dilationWidth: 3)
        let out = try runConvolution(
            g, input: [1, 2, 3, 4, 5, 6, 7], weights: [1, 10], bias: nil, quantization: unitQuantization())
        #expect(out == [41, 63])
    }

    @Test func depthwiseStrideTwo() throws {
        // Two channels, 3x3 filter of ones on channel 0 and of -1 on channel 1, stride 2, padding 1,
        // 4x4 input: channel 0 = 1...16, channel 1 = all 2. Output 2x2.
        let g = Conv2DGeometry(
            inputHeight: 4, inputWidth: 4, inputChannels: 2, outputChannels: 2, kernelHeight: 3, kernelWidth: 3,
            strideHeight: 2, strideWidth: 2, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1, groups: 2)
        var input: [Int8] = []
        for i in 0..<16 { input += [Int8(i + 1), 2] }
        let weights = [Int8](repeating: 1, count: 9) + [Int8](repeating: -1, count: 9)
        let out = try runConvolution(g, input: input, weights: weights, bias: [0, 100], quantization: unitQuantization())
        // (0,0) window rows -1...1, cols -1...1: 1+2+5+6 = 14, ch1: 100 - 4*2 = 92
        // (0,1) cols 1...3: 2+3+4+6+7+8 = 30, ch1: 100 - 6*2 = 88
        // (1,0) rows 1...3, cols -1...1: 5+6+9+10+13+14 = 57, 88
        // (1,1): 6+7+8+10+11+12+14+15+16 = 99, 100 - 18 = 82
        #expect(out == [14, 92, 30, 88, 57, 88, 99, 82])
    }

    @Test func reluSixClamp() throws {
        let g = Conv2DGeometry(inputHeight: 1, inputWidth: 3, inputChannels: 1, outputChannels: 1, kernelHeight: 1, kernelWidth: 1)
        let q = ConvQuantization(
            inputZeroPoint: 0, multipliers: [try QuantizedMultiplier(scale: 1)],
            output: OutputQuantization(zeroPoint: -10, scale: 0.1, activation: .relu6))
        // x * 1 + (-10), clamped to [-10, -10 + 60].
        let out = try runConvolution(g, input: [-20, 30, 100], weights: [1], bias: nil, quantization: q)
        #expect(out == [-10, 20, 50])
    }

    @Test func configurationErrorsNameTheParameter() throws {
        let g = Conv2DGeometry(inputHeight: 4, inputWidth: 4, inputChannels: 3, outputChannels: 2, kernelHeight: 3, kernelWidth: 3)
        let q = try unitQuantization()
        func pack(_ geometry: Conv2DGeometry, weights: [Int8]? = nil, bias: [Int32]? = nil, quantization: ConvQuantization? = nil) throws {
            let w = weights ?? [Int8](repeating: 1, count: geometry.weightElementCount)
            _ = try w.withUnsafeBufferPointer { w throws(KernelConfigurationError) in
                try (bias ?? []).withUnsafeBufferPointer { b throws(KernelConfigurationError) in
                    try PackedConv2D(geometry, weights: w, bias: bias == nil ? nil : b, quantization: quantization ?? q)
                }
            }
        }
        var bad = g
        bad.dilationHeight = 0
        expectRefusal("dilationHeight") { try pack(bad) }
        bad = g
        bad.groups = 2
        expectRefusal("groups") { try pack(bad) }
        bad = g
        bad.kernelWidth = 17
        expectRefusal("kernelWidth") { try pack(bad) }
        bad = g
        bad.padLeft = -1
        expectRefusal("padLeft") { try pack(bad) }
        var weights = [Int8](repeating: 1, count: g.weightElementCount)
        weights[5] = -128
        expectRefusal("weights") { try pack(g, weights: weights) }
        expectRefusal("weights") { try pack(g, weights: [1, 2]) }
        expectRefusal("bias") { try pack(g, bias: [1, 2, 3]) }
        let one = try QuantizedMultiplier(scale: 1)
        let perChannel = ConvQuantization(inputZeroPoint: 0, multipliers: [one, one, one], output: OutputQuantization(zeroPoint: 0))
        expectRefusal("multipliers") { try pack(g, quantization: perChannel) }
        expectRefusal("inputZeroPoint") {
            try pack(g, quantization: ConvQuantization(inputZeroPoint: 200, multipliers: q.multipliers, output: q.output))
        }
        var depthwise = g
        depthwise.inputChannels = 3
        depthwise.outputChannels = 3
        depthwise.groups = 3
        expectRefusal("path") {
            _ = try [Int8](repeating: 1, count: 27).withUnsafeBufferPointer { w throws(KernelConfigurationError) in
                try PackedConv2D(depthwise, weights: w, bias: nil, quantization: q, path: .dotProduct)
            }
        }
    }
}
