import CAllocationCounter
import Foundation
import SegKernels
import SegRuntime
import Testing

/// The float NHWC kernels: each against a naive Double (or plain) reference written here, on
/// random small shapes covering every mode, plus hand-computed cases (resize literals checked
/// against onnxruntime 1.31).
@Suite struct FloatKernelTests {
    // MARK: exp

    @Test func floatExpIsWithinTwoUlpsAndLanesMatchScalar() {
        var rng = FloatKernelRandom(seed: 1)
        var worst = 0.0
        for i in 0..<200_000 {
            let x = i < 100_000 ? rng.float(-104, 89) : rng.float(-10, 10)
            let y = floatExp(x)
            let reference = exp(Double(x))
            if reference >= Double(Float.leastNormalMagnitude) && reference <= Double(Float.greatestFiniteMagnitude) {
                worst = max(worst, abs(Double(y) - reference) / Double(Float(reference).ulp))
            }
            let lanes = floatExp(SIMD8<Float>(repeating: x))
            #expect(lanes[3].bitPattern == y.bitPattern)
        }
        #expect(worst <= 2, "worst error \(worst) ulp")
    }

    @Test func floatExpSpecialValues() {
        #expect(floatExp(0) == 1)
        #expect(abs(floatExp(1) - Float(M_E)) <= Float(M_E).ulp)
        #expect(floatExp(-.infinity) == 0)
        #expect(floatExp(-200) == 0)
        #expect(floatExp(.infinity) == .infinity)
        #expect(floatExp(89) == .infinity)
        #expect(floatExp(88.7) < .infinity)
        #expect(floatExp(.nan).isNaN)
        // The vector form clamps on bit patterns: every edge as the scalar's comparisons.
        let edges: [Float] = [-.infinity, -200, -104.5, -104, -103.9, -0.0, 0, 88.9, 89, 89.5, .infinity, .nan, -.nan, .greatestFiniteMagnitude, -.greatestFiniteMagnitude]
        for start in stride(from: 0, to: edges.count, by: 8) {
            var lanes = SIMD8<Float>(repeating: 1)
            for i in start..<min(edges.count, start + 8) { lanes[i - start] = edges[i] }
            let vector = floatExp(lanes)
            for i in 0..<8 {
                let scalar = floatExp(lanes[i])
                #expect(vector[i].bitPattern == scalar.bitPattern || (vector[i].isNaN && scalar.isNaN), "floatExp(\(lanes[i]))")
            }
        }
        // Subnormal results: e^-100 = 3.72e-44, exactly 27 * 2^-149 after rounding.
        #expect(floatExp(-100) == Float(exp(-100.0)))
        #expect(floatExp(-100).bitPattern == 27)
    }

    // MARK: convolution

    @Test func conv2dMatchesDoubleReferenceAndPackedMatchesBitForBit() throws {
        var rng = FloatKernelRandom(seed: 2)
        var cases = 0
        while cases < 120 {
            let depthwise = rng.int(0, 4) == 0
            let groups = depthwise ? rng.int(1, 40) : rng.int(1, 3)
            let cinG = depthwise ? 1 : rng.int(1, 9)
            let coutG = depthwise ? 1 : [1, 5, 8, 9, 16, 17, 21, 33][rng.int(0, 7)]
            let g = Conv2DGeometry(
                batch: rng.int(1, 2), inputHeight: rng.int(1, 9), inputWidth: rng.int(1, 11), inputChannels: groups * cinG,
                outputChannels: groups * coutG, kernelHeight: rng.int(1, 4), kernelWidth: rng.int(1, 4),
                strideHeight: rng.int(1, 3), strideWidth: rng.int(1, 3), dilationHeight: rng.int(1, 3),
                dilationWidth: rng.int(1, 3), padTop: rng.int(0, 3), padLeft: rng.int(0, 3), padBottom: rng.int(0, 3),
                padRight: rng.int(0, 3), groups: groups)
            guard (try? g.validate()) != nil else { continue }
            cases += 1
            let input = rng.floats(g.inputElementCount)
            let weights = rng.floats(g.weightElementCount)
            let bias = rng.int(0, 3) == 0 ? nil : rng.floats(g.outputChannels)
            let (lower, upper) = rng.clamp()
            let plain = runConv2dFloat(g, input, weights, bias, lower, upper)
            let reference = naiveConv(g, input, weights, bias)
            for i in plain.indices {
                let (value, magnitude) = reference[i]
                let expected = min(max(value, Double(lower)), Double(upper))
                #expect(abs(Double(plain[i]) - expected) <= 1e-5 * magnitude + 1e-30, "conv \(g) element \(i)")
            }
            let packed = try packedConv(g, weights, bias, lower, upper)
            let split = rng.int(0, packed.outputRowCount)
            let output = sentinelRun(g.outputElementCount) { out in
                input.withUnsafeBufferPointer { x in
                    packed.run(input: x.baseAddress!, output: out, outputRows: split..<packed.outputRowCount)
                    packed.run(input: x.baseAddress!, output: out, outputRows: 0..<split)
                }
            }
            #expect(output.sentinelIntact, "conv \(g) wrote past its output")
            #expect(output.values == plain, "conv \(g): packed differs from conv2dFloat")
        }
    }

    @Test func transposedConv2dMatchesDoubleReferenceAndPackedMatchesBitForBit() throws {
        var rng = FloatKernelRandom(seed: 3)
        var cases = 0
        while cases < 120 {
            let depthwise = rng.int(0, 4) == 0
            let groups = depthwise ? rng.int(2, 30) : rng.int(1, 3)
            let cinG = depthwise ? 1 : rng.int(1, 9)
            let coutG = depthwise ? 1 : [1, 5, 8, 9, 16, 17, 21][rng.int(0, 6)]
            let stride = (rng.int(1, 4), rng.int(1, 4)), dilation = (rng.int(1, 2), rng.int(1, 2))
            let g = TransposedConv2DGeometry(
                batch: rng.int(1, 2), inputHeight: rng.int(1, 7), inputWidth: rng.int(1, 9), inputChannels: groups * cinG,
                outputChannels: groups * coutG, kernelHeight: rng.int(1, 6), kernelWidth: rng.int(1, 6),
                strideHeight: stride.0, strideWidth: stride.1, dilationHeight: dilation.0, dilationWidth: dilation.1,
                padTop: rng.int(0, 3), padLeft: rng.int(0, 3), padBottom: rng.int(0, 3), padRight: rng.int(0, 3),
                outputPaddingHeight: rng.int(0, max(stride.0, dilation.0) - 1),
                outputPaddingWidth: rng.int(0, max(stride.1, dilation.1) - 1), groups: groups)
            guard (try? g.validate()) != nil else { continue }
            cases += 1
            let input = rng.floats(g.inputElementCount)
            let weights = rng.floats(g.weightElementCount)
            let bias = rng.int(0, 3) == 0 ? nil : rng.floats(g.outputChannels)
            let (lower, upper) = rng.clamp()
            let plain = runTransposedConv2dFloat(g, input, weights, bias, lower, upper)
            let reference = naiveTransposedConv(g, input, weights, bias)
            for i in plain.indices {
                let (value, magnitude) = reference[i]
                let expected = min(max(value, Double(lower)), Double(upper))
                #expect(abs(Double(plain[i]) - expected) <= 1e-5 * magnitude + 1e-30, "transposed \(g) element \(i)")
            }
            let packed = try packedTransposedConv(g, weights, bias, lower, upper)
            let split = rng.int(0, packed.outputRowCount)
            let output = sentinelRun(g.outputElementCount) { out in
                input.withUnsafeBufferPointer { x in
                    packed.run(input: x.baseAddress!, output: out, outputRows: 0..<split)
                    packed.run(input: x.baseAddress!, output: out, outputRows: split..<packed.outputRowCount)
                }
            }
            #expect(output.sentinelIntact, "transposed \(g) wrote past its output")
            #expect(output.values == plain, "transposed \(g): packed differs from transposedConv2dFloat")
        }
    }

    @Test func convHandCase() throws {
        // 1x3x3x1 input 1...9, 2x2 kernel [1, 2; 3, 4], pad 1 on top/left only, bias 0.5, ReLU6.
        let g = Conv2DGeometry(
            inputHeight: 3, inputWidth: 3, inputChannels: 1, outputChannels: 1, kernelHeight: 2, kernelWidth: 2,
            padTop: 1, padLeft: 1)
        let input: [Float] = [1, 2, 3, 4, 5, 6, 7, 8, 9]
        let packed = try packedConv(g, [1, 2, 3, 4], [0.5], 0, 6)
        var out = [Float](repeating: .nan, count: 9)
        input.withUnsafeBufferPointer { x in out.withUnsafeMutableBufferPointer { packed.run(input: x.baseAddress!, output: $0.baseAddress!) } }
        // Raw: [4.5, 11.5, 18.5, 18.5, 37.5, 47.5, 36.5, 67.5, 77.5] (the top row and left column see padding).
        #expect(out == [4.5, 6, 6, 6, 6, 6, 6, 6, 6])
        let raw = try packedConv(g, [1, 2, 3, 4], [0.5])
        input.withUnsafeBufferPointer { x in out.withUnsafeMutableBufferPointer { raw.run(input: x.baseAddress!, output: $0.baseAddress!) } }
        #expect(out == [4.5, 11.5, 18.5, 18.5, 37.5, 47.5, 36.5, 67.5, 77.5])
    }

    @Test func transposedConvHandCase() throws {
        // 1x2x2x1 input [1, 2; 3, 4], 2x2 kernel of ones at stride 2: every input pixel fills a 2x2 block.
        let g = TransposedConv2DGeometry(
            inputHeight: 2, inputWidth: 2, inputChannels: 1, outputChannels: 1, kernelHeight: 2, kernelWidth: 2)
        let packed = try packedTransposedConv(g, [1, 1, 1, 1], nil)
        var out = [Float](repeating: .nan, count: 16)
        let input: [Float] = [1, 2, 3, 4]
        input.withUnsafeBufferPointer { x in out.withUnsafeMutableBufferPointer { packed.run(input: x.baseAddress!, output: $0.baseAddress!) } }
        #expect(out == [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4])
    }

    @Test func packedConvolutionsRefuseBadParametersByName() {
        let g = Conv2DGeometry(inputHeight: 4, inputWidth: 4, inputChannels: 2, outputChannels: 3, kernelHeight: 3, kernelWidth: 3)
        let weights = [Float](repeating: 1, count: g.weightElementCount)
        #expect(refusal { _ = try packedConv(g, Array(weights.dropLast()), nil) } == "weights")
        #expect(refusal { _ = try packedConv(g, weights, [1, 2]) } == "bias")
        #expect(refusal { _ = try packedConv(g, weights, nil, 1, 0) } == "lower")
        var bad = g
        bad.kernelHeight = 0
        #expect(refusal { _ = try packedConv(bad, weights, nil) } == "kernelHeight")
        let t = TransposedConv2DGeometry(inputHeight: 3, inputWidth: 3, inputChannels: 2, outputChannels: 2, kernelHeight: 2, kernelWidth: 2)
        #expect(refusal { _ = try packedTransposedConv(t, [1], nil) } == "weights")
        var badT = t
        badT.groups = 3
        #expect(refusal { _ = try packedTransposedConv(badT, [1], nil) } == "groups")
    }

    // MARK: pooling

    @Test func poolingMatchesNaiveReference() {
        var rng = FloatKernelRandom(seed: 4)
        var cases = 0
        while cases < 150 {
            let kh = rng.int(1, 5), kw = rng.int(1, 5)
            let g = Pool2DGeometry(
                batch: rng.int(1, 2), inputHeight: rng.int(1, 9), inputWidth: rng.int(1, 9), channels: rng.int(1, 37),
                kernelHeight: kh, kernelWidth: kw, strideHeight: rng.int(1, 3), strideWidth: rng.int(1, 3),
                padTop: rng.int(0, kh - 1), padLeft: rng.int(0, kw - 1), padBottom: rng.int(0, kh - 1),
                padRight: rng.int(0, kw - 1), ceilMode: rng.int(0, 1) == 1)
            guard (try? g.validate()) != nil else { continue }
            cases += 1
            let input = rng.floats(g.inputElementCount)
            let rows = rng.int(0, g.batch * g.outputHeight)
            let maxOut = sentinelRun(g.outputElementCount) { out in
                input.withUnsafeBufferPointer {
                    maxPool2dFloat(g, input: $0.baseAddress!, output: out, outputRows: 0..<rows)
                    maxPool2dFloat(g, input: $0.baseAddress!, output: out, outputRows: rows..<g.batch * g.outputHeight)
                }
            }
            #expect(maxOut.sentinelIntact)
            #expect(maxOut.values == naivePool(g, input, average: false, countIncludePad: false).map(Float.init), "max \(g)")
            for countIncludePad in [false, true] {
                let average = sentinelRun(g.outputElementCount) { out in
                    input.withUnsafeBufferPointer {
                        averagePool2dFloat(g, countIncludePad: countIncludePad, input: $0.baseAddress!, output: out)
                    }
                }
                #expect(average.sentinelIntact)
                let expected = naivePool(g, input, average: true, countIncludePad: countIncludePad)
                for i in expected.indices {
                    #expect(abs(Double(average.values[i]) - expected[i]) <= 1e-6, "average \(g) \(countIncludePad)")
                }
            }
        }
    }

    @Test func ceilModePoolsByHand() {
        // 1x3x3x1 input 1...9, 2x2 window, stride 2, ceil mode: outputs 2x2, the last row/column
        // of windows overhangs the input by one (overhang ignored, not counted).
        let g = Pool2DGeometry(inputHeight: 3, inputWidth: 3, channels: 1, kernelHeight: 2, kernelWidth: 2, strideHeight: 2, strideWidth: 2, ceilMode: true)
        let input: [Float] = [1, 2, 3, 4, 5, 6, 7, 8, 9]
        var out = [Float](repeating: .nan, count: 4)
        input.withUnsafeBufferPointer { x in out.withUnsafeMutableBufferPointer { maxPool2dFloat(g, input: x.baseAddress!, output: $0.baseAddress!) } }
        #expect(out == [5, 6, 8, 9])
        input.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { averagePool2dFloat(g, countIncludePad: true, input: x.baseAddress!, output: $0.baseAddress!) }
        }
        #expect(out == [3, 4.5, 7.5, 9])
        // 3x3 window, stride 2, pad 1 each side: count_include_pad counts the padding (9 taps), not otherwise.
        let padded = Pool2DGeometry(
            inputHeight: 3, inputWidth: 3, channels: 1, kernelHeight: 3, kernelWidth: 3, strideHeight: 2, strideWidth: 2,
            padTop: 1, padLeft: 1, padBottom: 1, padRight: 1)
        input.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { averagePool2dFloat(padded, countIncludePad: true, input: x.baseAddress!, output: $0.baseAddress!) }
        }
        let ninths: [Float] = [12, 16, 24, 28].map { $0 / 9 }
        #expect(out == ninths)
        input.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { averagePool2dFloat(padded, countIncludePad: false, input: x.baseAddress!, output: $0.baseAddress!) }
        }
        #expect(out == [3, 4, 6, 7])
        // Padding never wins a max, even over negative inputs.
        let negative = input.map { -$0 }
        negative.withUnsafeBufferPointer { x in out.withUnsafeMutableBufferPointer { maxPool2dFloat(padded, input: x.baseAddress!, output: $0.baseAddress!) } }
        #expect(out == [-1, -2, -4, -5])
    }

    @Test func globalAveragePoolMatchesNaiveReference() {
        var rng = FloatKernelRandom(seed: 5)
        for _ in 0..<30 {
            let (b, h, w, c) = (rng.int(1, 3), rng.int(1, 9), rng.int(1, 9), rng.int(1, 40))
            let input = rng.floats(b * h * w * c)
            let out = sentinelRun(b * c) { out in
                input.withUnsafeBufferPointer { globalAveragePoolFloat(batch: b, height: h, width: w, channels: c, input: $0.baseAddress!, output: out) }
            }
            #expect(out.sentinelIntact)
            for image in 0..<b {
                for channel in 0..<c {
                    var sum = 0.0
                    for p in 0..<h * w { sum += Double(input[(image * h * w + p) * c + channel]) }
                    #expect(abs(Double(out.values[image * c + channel]) - sum / Double(h * w)) <= 1e-6)
                }
            }
        }
    }

    // MARK: elementwise, concat, pad

    @Test func addClampConcatPadMatchNaiveReferences() {
        var rng = FloatKernelRandom(seed: 6)
        for _ in 0..<40 {
            let count = rng.int(1, 100)
            let a = rng.floats(count), b = rng.floats(count)
            let (lower, upper) = rng.clamp()
            let split = rng.int(0, count)
            let sum = sentinelRun(count) { out in
                a.withUnsafeBufferPointer { x in
                    b.withUnsafeBufferPointer { y in
                        addFloat(x.baseAddress!, y.baseAddress!, output: out, count: count, lower: lower, upper: upper, elements: 0..<split)
                        addFloat(x.baseAddress!, y.baseAddress!, output: out, count: count, lower: lower, upper: upper, elements: split..<count)
                    }
                }
            }
            #expect(sum.sentinelIntact)
            #expect(sum.values == zip(a, b).map { min(max($0 + $1, lower), upper) })
            var inPlace = a
            inPlace.withUnsafeMutableBufferPointer { clampFloat($0.baseAddress!, output: $0.baseAddress!, count: count, lower: lower, upper: upper) }
            #expect(inPlace == a.map { min(max($0, lower), upper) })

            let pixels = rng.int(1, 20)
            let channels = (0..<rng.int(1, 4)).map { _ in rng.int(1, 19) }
            let inputs = channels.map { rng.floats(pixels * $0) }
            let total = channels.reduce(0, +)
            let concatenated = sentinelRun(pixels * total) { out in
                withPointers(inputs) { pointers in
                    channels.withUnsafeBufferPointer { concatFloat(inputs: pointers, channels: $0, pixelCount: pixels, output: out) }
                }
            }
            #expect(concatenated.sentinelIntact)
            var expected: [Float] = []
            for p in 0..<pixels {
                for (input, c) in zip(inputs, channels) { expected += input[p * c..<(p + 1) * c] }
            }
            #expect(concatenated.values == expected)

            let (n, h, w, c) = (rng.int(1, 2), rng.int(1, 5), rng.int(1, 5), rng.int(1, 9))
            let (top, left, bottom, right) = (rng.int(0, 2), rng.int(0, 2), rng.int(0, 2), rng.int(0, 2))
            let source = rng.floats(n * h * w * c)
            let oh = top + h + bottom, ow = left + w + right
            let padded = sentinelRun(n * oh * ow * c) { out in
                source.withUnsafeBufferPointer {
                    padFloat(
                        batch: n, inputHeight: h, inputWidth: w, channels: c, top: top, left: left, bottom: bottom, right: right,
                        value: -7, input: $0.baseAddress!, output: out)
                }
            }
            #expect(padded.sentinelIntact)
            for b in 0..<n {
                for y in 0..<oh {
                    for x in 0..<ow {
                        for ch in 0..<c {
                            let iy = y - top, ix = x - left
                            let inside = iy >= 0 && iy < h && ix >= 0 && ix < w
                            let value = inside ? source[((b * h + iy) * w + ix) * c + ch] : -7
                            #expect(padded.values[((b * oh + y) * ow + x) * c + ch] == value)
                        }
                    }
                }
            }
        }
    }

    // MARK: resize

    @Test func bilinearResizeHandCases() {
        #expect(resize([0, 4, 8, 12], 2, 2, 4, 4, .linear(.halfPixel)) == [0, 1, 3, 4, 2, 3, 5, 6, 6, 7, 9, 10, 8, 9, 11, 12])
        #expect(resize([0, 4, 8], 1, 3, 1, 5, .linear(.alignCorners)) == [0, 2, 4, 6, 8])
        #expect(resize([0, 4], 1, 2, 1, 4, .linear(.asymmetric)) == [0, 2, 4, 4])
        // Output size 1: PyTorch's mode reads coordinate 0, half_pixel the middle (1.5).
        #expect(resize([1, 2, 3, 5], 1, 4, 1, 1, .linear(.pytorchHalfPixel)) == [1])
        #expect(resize([1, 2, 3, 5], 1, 4, 1, 1, .linear(.halfPixel)) == [2.5])
        #expect(resize([1, 2, 3, 5], 1, 4, 1, 2, .linear(.pytorchHalfPixel)) == [1.5, 4])
    }

    @Test func nearestResizeHandCases() {
        #expect(resize([10, 20], 1, 2, 1, 5, .nearest(.asymmetric, .floor)) == [10, 10, 10, 20, 20])
        #expect(resize([10, 20], 1, 2, 1, 4, .nearest(.halfPixel, .roundPreferFloor)) == [10, 10, 20, 20])
        // 10 -> 12, asymmetric: output 9 maps to 7.4999995 in Float, which onnxruntime takes for the tie 7.5.
        let ramp10 = (0..<10).map(Float.init)
        #expect(resize(ramp10, 1, 10, 1, 12, .nearest(.asymmetric, .roundPreferCeil)) == [0, 1, 2, 3, 3, 4, 5, 6, 7, 8, 8, 9])
        #expect(resize(ramp10, 1, 10, 1, 12, .nearest(.asymmetric, .roundPreferFloor)) == [0, 1, 2, 2, 3, 4, 5, 6, 7, 7, 8, 9])
        // 20 -> 6, half_pixel: output 4 maps to 14.5 (onnxruntime issue 28291).
        let ramp20 = (0..<20).map(Float.init)
        #expect(resize(ramp20, 1, 20, 1, 6, .nearest(.halfPixel, .roundPreferCeil)) == [1, 5, 8, 11, 15, 18])
        #expect(resize(ramp20, 1, 20, 1, 6, .nearest(.halfPixel, .roundPreferFloor)) == [1, 4, 8, 11, 14, 18])
        #expect(resize([0, 1, 2, 3], 1, 4, 1, 7, .nearest(.alignCorners, .ceil)) == [0, 1, 1, 2, 2, 3, 3])
        #expect(resize([0, 1, 2], 1, 3, 1, 7, .nearest(.pytorchHalfPixel, .roundPreferCeil)) == [0, 0, 1, 1, 1, 2, 2])
    }

    @Test func resizeChannelsBatchesAndRowSplitsMatchPerChannelResize() {
        var rng = FloatKernelRandom(seed: 7)
        let coordinateModes: [ResizeCoordinateMode] = [.halfPixel, .pytorchHalfPixel, .alignCorners, .asymmetric]
        let nearestModes: [ResizeNearestMode] = [.floor, .ceil, .roundPreferFloor, .roundPreferCeil]
        for index in 0..<64 {
            let coordinate = coordinateModes[index % 4]
            let mode: ResizeCase = index % 8 < 4 ? .linear(coordinate) : .nearest(coordinate, nearestModes[index / 8 % 4])
            let g = ResizeGeometry(
                batch: rng.int(1, 2), inputHeight: rng.int(1, 7), inputWidth: rng.int(1, 7), channels: rng.int(1, 21),
                outputHeight: rng.int(1, 17), outputWidth: rng.int(1, 17))
            let input = rng.floats(g.inputElementCount)
            let split = rng.int(0, g.batch * g.outputHeight)
            let whole = sentinelRun(g.outputElementCount) { out in
                input.withUnsafeBufferPointer {
                    mode.run(g, $0.baseAddress!, out, 0..<split)
                    mode.run(g, $0.baseAddress!, out, split..<g.batch * g.outputHeight)
                }
            }
            #expect(whole.sentinelIntact)
            for b in 0..<g.batch {
                for channel in 0..<g.channels {
                    let plane = (0..<g.inputHeight * g.inputWidth).map { input[(b * g.inputHeight * g.inputWidth + $0) * g.channels + channel] }
                    let expected = resize(plane, g.inputHeight, g.inputWidth, g.outputHeight, g.outputWidth, mode)
                    for p in 0..<g.outputHeight * g.outputWidth {
                        #expect(whole.values[(b * g.outputHeight * g.outputWidth + p) * g.channels + channel] == expected[p])
                    }
                }
            }
        }
    }

    // MARK: softmax, argmax

    @Test func softmaxSumsToOneAndMatchesDouble() {
        var rng = FloatKernelRandom(seed: 8)
        for _ in 0..<50 {
            let pixels = rng.int(1, 30), channels = rng.int(1, 40)
            let input = rng.floats(pixels * channels).map { $0 * 30 }
            let out = sentinelRun(pixels * channels) { out in
                input.withUnsafeBufferPointer { softmaxFloat(pixelCount: pixels, channels: channels, input: $0.baseAddress!, output: out) }
            }
            #expect(out.sentinelIntact)
            for p in 0..<pixels {
                let row = input[p * channels..<(p + 1) * channels].map(Double.init)
                let largest = row.max()!
                let exps = row.map { exp($0 - largest) }
                let sum = exps.reduce(0, +)
                var total = 0.0
                for c in 0..<channels {
                    let value = Double(out.values[p * channels + c])
                    total += value
                    // Float's x - max rounds by up to half an ulp of the difference, which e^ turns
                    // into a relative error of that size.
                    let tolerance = 1e-6 + 1.2e-7 * (largest - row[c])
                    #expect(abs(value - exps[c] / sum) <= tolerance * exps[c] / sum + 1e-40)
                }
                #expect(abs(total - 1) <= 1e-5)
            }
        }
        // In place, and large logits do not overflow.
        var logits: [Float] = [1000, 1000, -1000]
        logits.withUnsafeMutableBufferPointer { softmaxFloat(pixelCount: 1, channels: 3, input: $0.baseAddress!, output: $0.baseAddress!) }
        #expect(logits == [0.5, 0.5, 0])
    }

    @Test func argMaxTakesTheFirstMaximum() {
        let input: [Float] = [1, 3, 3, 0, -1, -1, -1, -1, 2, .nan, 5, 5, .nan, 1, 0, 1]
        var ids = [UInt8](repeating: 99, count: 4)
        input.withUnsafeBufferPointer { x in
            ids.withUnsafeMutableBufferPointer { argMaxFloat(pixelCount: 4, channels: 4, input: x.baseAddress!, output: $0.baseAddress!) }
        }
        #expect(ids == [1, 0, 2, 1])
        var floats = [Float](repeating: .nan, count: 4)
        input.withUnsafeBufferPointer { x in
            floats.withUnsafeMutableBufferPointer {
                argMaxFloat(pixelCount: 4, channels: 4, input: x.baseAddress!, output: $0.baseAddress!, pixels: 1..<4)
            }
        }
        #expect(floats[0].isNaN)
        #expect(Array(floats[1...]) == [0, 2, 1])
        var rng = FloatKernelRandom(seed: 9)
        for _ in 0..<20 {
            let pixels = rng.int(1, 50), channels = rng.int(1, 256)
            let values = (0..<pixels * channels).map { _ in Float(rng.int(0, 5)) }
            var out = [UInt8](repeating: 0, count: pixels)
            values.withUnsafeBufferPointer { x in
                out.withUnsafeMutableBufferPointer { argMaxFloat(pixelCount: pixels, channels: channels, input: x.baseAddress!, output: $0.baseAddress!) }
            }
            for p in 0..<pixels {
                let row = Array(values[p * channels..<(p + 1) * channels])
                #expect(Int(out[p]) == row.firstIndex(of: row.max()!)!)
            }
        }
    }

    // MARK: allocations, throughput

    @Test func runCallsAllocateNothing() throws {
        let g = Conv2DGeometry(
            inputHeight: 9, inputWidth: 9, inputChannels: 8, outputChannels: 21, kernelHeight: 3, kernelWidth: 3,
            padTop: 1, padLeft: 1, padBottom: 1, padRight: 1)
        let depthwise = Conv2DGeometry(
            inputHeight: 9, inputWidth: 9, inputChannels: 20, outputChannels: 20, kernelHeight: 3, kernelWidth: 3, groups: 20)
        let t = TransposedConv2DGeometry(inputHeight: 5, inputWidth: 5, inputChannels: 8, outputChannels: 21, kernelHeight: 4, kernelWidth: 4)
        let td = TransposedConv2DGeometry(
            inputHeight: 5, inputWidth: 5, inputChannels: 21, outputChannels: 21, kernelHeight: 4, kernelWidth: 4, groups: 21)
        let conv = try packedConv(g, [Float](repeating: 0.5, count: g.weightElementCount), nil)
        let dw = try packedConv(depthwise, [Float](repeating: 0.5, count: depthwise.weightElementCount), nil)
        let transposed = try packedTransposedConv(t, [Float](repeating: 0.5, count: t.weightElementCount), nil)
        let transposedDW = try packedTransposedConv(td, [Float](repeating: 0.5, count: td.weightElementCount), nil)
        let input = UnsafeMutablePointer<Float>.allocate(capacity: 10_000)
        let output = UnsafeMutablePointer<Float>.allocate(capacity: 100_000)
        let ids = UnsafeMutablePointer<UInt8>.allocate(capacity: 1000)
        defer { input.deallocate(); output.deallocate(); ids.deallocate() }
        input.initialize(repeating: 0.25, count: 10_000)
        let pool = Pool2DGeometry(inputHeight: 9, inputWidth: 9, channels: 21, kernelHeight: 3, kernelWidth: 3, ceilMode: true)
        let resize = ResizeGeometry(inputHeight: 5, inputWidth: 5, channels: 21, outputHeight: 17, outputWidth: 13)
        let sources = UnsafeMutablePointer<UnsafePointer<Float>>.allocate(capacity: 2)
        let channelCounts = UnsafeMutablePointer<Int>.allocate(capacity: 2)
        defer { sources.deallocate(); channelCounts.deallocate() }
        sources.initialize(repeating: UnsafePointer(input), count: 2)
        channelCounts.initialize(repeating: 8, count: 2)
        // Once to let a debug build instantiate its generic metadata, then counted.
        func runAll() {
            conv.run(input: input, output: output)
            dw.run(input: input, output: output)
            transposed.run(input: input, output: output)
            transposedDW.run(input: input, output: output)
            conv2dFloat(g, input: input, weights: input, bias: nil, output: output)
            transposedConv2dFloat(t, input: input, weights: input, bias: nil, output: output)
            maxPool2dFloat(pool, input: input, output: output)
            averagePool2dFloat(pool, countIncludePad: false, input: input, output: output)
            globalAveragePoolFloat(batch: 1, height: 9, width: 9, channels: 21, input: input, output: output)
            addFloat(input, input, output: output, count: 1000, lower: 0, upper: 6)
            clampFloat(input, output: output, count: 1000, lower: 0, upper: 6)
            padFloat(batch: 1, inputHeight: 5, inputWidth: 5, channels: 21, top: 1, left: 1, bottom: 1, right: 1, value: 0, input: input, output: output)
            resizeBilinearFloat(resize, coordinateMode: .halfPixel, input: input, output: output)
            resizeNearestFloat(resize, coordinateMode: .asymmetric, nearestMode: .floor, input: input, output: output)
            softmaxFloat(pixelCount: 100, channels: 21, input: input, output: output)
            argMaxFloat(pixelCount: 100, channels: 21, input: input, output: ids)
            concatFloat(
                inputs: UnsafeBufferPointer(start: sources, count: 2), channels: UnsafeBufferPointer(start: channelCounts, count: 2),
                pixelCount: 50, output: output)
        }
        runAll()
        let before = allocation_counter_thread_allocations()
        runAll()
        #expect(allocation_counter_thread_allocations() == before)
    }

    @Test func packedConvThroughput() throws {
        let g = Conv2DGeometry(
            inputHeight: 40, inputWidth: 40, inputChannels: 64, outputChannels: 64, kernelHeight: 3, kernelWidth: 3,
            padTop: 1, padLeft: 1, padBottom: 1, padRight: 1)
        var rng = FloatKernelRandom(seed: 10)
        let conv = try packedConv(g, rng.floats(g.weightElementCount), nil)
        let input = rng.floats(g.inputElementCount)
        var output = [Float](repeating: 0, count: g.outputElementCount)
        var best = Duration.seconds(1000), total = Duration.zero
        // Ten runs, or fewer in a debug build once half a second has gone.
        for _ in 0..<10 where total < .milliseconds(500) {
            let elapsed = ContinuousClock().measure {
                input.withUnsafeBufferPointer { x in output.withUnsafeMutableBufferPointer { conv.run(input: x.baseAddress!, output: $0.baseAddress!) } }
            }
            best = min(best, elapsed)
            total += elapsed
        }
        let seconds = Double(best.components.seconds) + Double(best.components.attoseconds) * 1e-18
        print("PackedFloatConv2D 3x3 64->64 40x40: \(seconds * 1000) ms, \(Double(g.macs) / seconds / 1e9) GMAC/s (1 thread)")
    }
}

// MARK: - helpers

/// SplitMix64: a small deterministic generator for the random shapes and values.
private struct FloatKernelRandom {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in `low...high`.
    mutating func int(_ low: Int, _ high: Int) -> Int { low + Int(next() % UInt64(high - low + 1)) }

    /// Uniform in `[low, high)`.
    mutating func float(_ low: Float, _ high: Float) -> Float {
        low + (high - low) * Float(next() >> 40) / Float(1 << 24)
    }

    mutating func floats(_ count: Int) -> [Float] { (0..<count).map { _ in float(-1, 1) } }

    /// None, ReLU, ReLU6 or an arbitrary clip.
    mutating func clamp() -> (Float, Float) {
        [(-Float.infinity, Float.infinity), (0, .infinity), (0, 6), (-0.5, 0.25)][int(0, 3)]
    }
}

private func packedConv(
    _ g: Conv2DGeometry, _ weights: [Float], _ bias: [Float]?, _ lower: Float = -.infinity, _ upper: Float = .infinity
) throws(KernelConfigurationError) -> PackedFloatConv2D {
    try weights.withUnsafeBufferPointer { w throws(KernelConfigurationError) in
        guard let bias else { return try PackedFloatConv2D(g, weights: w, bias: nil, lower: lower, upper: upper) }
        return try bias.withUnsafeBufferPointer { b throws(KernelConfigurationError) in
            try PackedFloatConv2D(g, weights: w, bias: b, lower: lower, upper: upper)
        }
    }
}

private func packedTransposedConv(
    _ g: TransposedConv2DGeometry, _ weights: [Float], _ bias: [Float]?, _ lower: Float = -.infinity,
    _ upper: Float = .infinity
) throws(KernelConfigurationError) -> PackedFloatTransposedConv2D {
    try weights.withUnsafeBufferPointer { w throws(KernelConfigurationError) in
        guard let bias else { return try PackedFloatTransposedConv2D(g, weights: w, bias: nil, lower: lower, upper: upper) }
        return try bias.withUnsafeBufferPointer { b throws(KernelConfigurationError) in
            try PackedFloatTransposedConv2D(g, weights: w, bias: b, lower: lower, upper: upper)
        }
    }
}

/// Output values of `body` and whether the 16 sentinels after them survived.
private struct SentinelOutput {
    var values: [Float]
    var sentinelIntact: Bool
}

private func sentinelRun(_ count: Int, _ body: (UnsafeMutablePointer<Float>) -> Void) -> SentinelOutput {
    let sentinel = Float(bitPattern: 0x7FC0_DEAD)
    var buffer = [Float](repeating: sentinel, count: count + 16)
    buffer.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
    return SentinelOutput(
        values: Array(buffer[..<count]), sentinelIntact: buffer[count...].allSatisfy { $0.bitPattern == sentinel.bitPattern })
}

private func refusal(_ body: () throws -> Void) -> String? {
    do { try body() } catch let error as KernelConfigurationError { return error.parameter } catch { return "\(error)" }
    return nil
}

private func withPointers<R>(_ arrays: [[Float]], _ body: (UnsafeBufferPointer<UnsafePointer<Float>>) -> R) -> R {
    let pointers = UnsafeMutablePointer<UnsafePointer<Float>>.allocate(capacity: arrays.count)
    let copies = arrays.map { array -> UnsafeMutablePointer<Float> in
        let copy = UnsafeMutablePointer<Float>.allocate(capacity: array.count)
        copy.initialize(from: array, count: array.count)
        return copy
    }
    defer {
        copies.forEach { $0.deallocate() }
        pointers.deallocate()
    }
    for (i, copy) in copies.enumerated() { pointers[i] = UnsafePointer(copy) }
    return body(UnsafeBufferPointer(start: pointers, count: arrays.count))
}

private func runConv2dFloat(
    _ g: Conv2DGeometry, _ input: [Float], _ weights: [Float], _ bias: [Float]?, _ lower: Float, _ upper: Float
) -> [Float] {
    var out = [Float](repeating: .nan, count: g.outputElementCount)
    input.withUnsafeBufferPointer { x in
        weights.withUnsafeBufferPointer { w in
            out.withUnsafeMutableBufferPointer { o in
                if let bias {
                    bias.withUnsafeBufferPointer {
                        conv2dFloat(g, input: x.baseAddress!, weights: w.baseAddress!, bias: $0.baseAddress!, lower: lower, upper: upper, output: o.baseAddress!)
                    }
                } else {
                    conv2dFloat(g, input: x.baseAddress!, weights: w.baseAddress!, bias: nil, lower: lower, upper: upper, output: o.baseAddress!)
                }
            }
        }
    }
    return out
}

private func runTransposedConv2dFloat(
    _ g: TransposedConv2DGeometry, _ input: [Float], _ weights: [Float], _ bias: [Float]?, _ lower: Float, _ upper: Float
) -> [Float] {
    var out = [Float](repeating: .nan, count: g.outputElementCount)
    input.withUnsafeBufferPointer { x in
        weights.withUnsafeBufferPointer { w in
            out.withUnsafeMutableBufferPointer { o in
                if let bias {
                    bias.withUnsafeBufferPointer {
                        transposedConv2dFloat(
                            g, input: x.baseAddress!, weights: w.baseAddress!, bias: $0.baseAddress!, lower: lower, upper: upper,
                            output: o.baseAddress!)
                    }
                } else {
                    transposedConv2dFloat(
                        g, input: x.baseAddress!, weights: w.baseAddress!, bias: nil, lower: lower, upper: upper, output: o.baseAddress!)
                }
            }
        }
    }
    return out
}

/// Double convolution: each output's exact-ish value and the sum of the magnitudes of its terms.
private func naiveConv(_ g: Conv2DGeometry, _ input: [Float], _ weights: [Float], _ bias: [Float]?) -> [(Double, Double)] {
    var out: [(Double, Double)] = []
    let cinG = g.inputChannelsPerGroup, coutG = g.outputChannelsPerGroup
    for b in 0..<g.batch {
        for oy in 0..<g.outputHeight {
            for ox in 0..<g.outputWidth {
                for co in 0..<g.outputChannels {
                    var sum = Double(bias?[co] ?? 0), magnitude = abs(sum)
                    for ky in 0..<g.kernelHeight {
                        for kx in 0..<g.kernelWidth {
                            let iy = oy * g.strideHeight - g.padTop + ky * g.dilationHeight
                            let ix = ox * g.strideWidth - g.padLeft + kx * g.dilationWidth
                            guard iy >= 0, iy < g.inputHeight, ix >= 0, ix < g.inputWidth else { continue }
                            for ci in 0..<cinG {
                                let x = Double(input[((b * g.inputHeight + iy) * g.inputWidth + ix) * g.inputChannels + co / coutG * cinG + ci])
                                let term = x * Double(weights[((co * g.kernelHeight + ky) * g.kernelWidth + kx) * cinG + ci])
                                sum += term
                                magnitude += abs(term)
                            }
                        }
                    }
                    out.append((sum, magnitude))
                }
            }
        }
    }
    return out
}

/// Double transposed convolution by scattering each input pixel (the other way round from the
/// kernels' gather), with the magnitudes of the terms.
private func naiveTransposedConv(
    _ g: TransposedConv2DGeometry, _ input: [Float], _ weights: [Float], _ bias: [Float]?
) -> [(Double, Double)] {
    let oh = g.outputHeight, ow = g.outputWidth
    let cinG = g.inputChannelsPerGroup, coutG = g.outputChannelsPerGroup
    var sums = [Double](repeating: 0, count: g.outputElementCount)
    var magnitudes = [Double](repeating: 0, count: g.outputElementCount)
    for b in 0..<g.batch {
        for oy in 0..<oh {
            for ox in 0..<ow {
                for co in 0..<g.outputChannels {
                    let value = Double(bias?[co] ?? 0)
                    sums[((b * oh + oy) * ow + ox) * g.outputChannels + co] = value
                    magnitudes[((b * oh + oy) * ow + ox) * g.outputChannels + co] = abs(value)
                }
            }
        }
        for iy in 0..<g.inputHeight {
            for ix in 0..<g.inputWidth {
                for ky in 0..<g.kernelHeight {
                    for kx in 0..<g.kernelWidth {
                        let oy = iy * g.strideHeight - g.padTop + ky * g.dilationHeight
                        let ox = ix * g.strideWidth - g.padLeft + kx * g.dilationWidth
                        guard oy >= 0, oy < oh, ox >= 0, ox < ow else { continue }
                        for co in 0..<g.outputChannels {
                            for ci in 0..<cinG {
                                let x = Double(input[((b * g.inputHeight + iy) * g.inputWidth + ix) * g.inputChannels + co / coutG * cinG + ci])
                                let term = x * Double(weights[((co * g.kernelHeight + ky) * g.kernelWidth + kx) * cinG + ci])
                                sums[((b * oh + oy) * ow + ox) * g.outputChannels + co] += term
                                magnitudes[((b * oh + oy) * ow + ox) * g.outputChannels + co] += abs(term)
                            }
                        }
                    }
                }
            }
        }
    }
    return Array(zip(sums, magnitudes))
}

/// Max (as Double, exact) or average pooling by the Pool2DGeometry rules.
private func naivePool(_ g: Pool2DGeometry, _ input: [Float], average: Bool, countIncludePad: Bool) -> [Double] {
    var out: [Double] = []
    for b in 0..<g.batch {
        for oy in 0..<g.outputHeight {
            for ox in 0..<g.outputWidth {
                for c in 0..<g.channels {
                    var largest = -Double.infinity, sum = 0.0, count = 0
                    for ky in 0..<g.kernelHeight {
                        for kx in 0..<g.kernelWidth {
                            let iy = oy * g.strideHeight - g.padTop + ky, ix = ox * g.strideWidth - g.padLeft + kx
                            if iy >= 0 && iy < g.inputHeight && ix >= 0 && ix < g.inputWidth {
                                let x = Double(input[((b * g.inputHeight + iy) * g.inputWidth + ix) * g.channels + c])
                                largest = max(largest, x)
                                sum += x
                                count += 1
                            } else if countIncludePad && iy < g.inputHeight + g.padBottom && ix < g.inputWidth + g.padRight {
                                count += 1
                            }
                        }
                    }
                    out.append(average ? sum / Double(count) : largest)
                }
            }
        }
    }
    return out
}

extension ResizeCase {
    /// Runs the matching float resize kernel.
    fileprivate func run(
        _ g: ResizeGeometry, _ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, _ rows: Range<Int>
    ) {
        switch self {
        case .linear(let coordinate):
            resizeBilinearFloat(g, coordinateMode: coordinate, input: input, output: output, outputRows: rows)
        case .nearest(let coordinate, let rounding):
            resizeNearestFloat(g, coordinateMode: coordinate, nearestMode: rounding, input: input, output: output, outputRows: rows)
        }
    }
}

/// The resize mode of a test case.
private enum ResizeCase {
    case linear(ResizeCoordinateMode)
    case nearest(ResizeCoordinateMode, ResizeNearestMode)
}

/// One-channel resize of a `height x width` plane.
private func resize(_ plane: [Float], _ height: Int, _ width: Int, _ outputHeight: Int, _ outputWidth: Int, _ mode: ResizeCase) -> [Float] {
    let g = ResizeGeometry(inputHeight: height, inputWidth: width, channels: 1, outputHeight: outputHeight, outputWidth: outputWidth)
    var out = [Float](repeating: .nan, count: outputHeight * outputWidth)
    plane.withUnsafeBufferPointer { x in out.withUnsafeMutableBufferPointer { mode.run(g, x.baseAddress!, $0.baseAddress!, 0..<outputHeight) } }
    return out
}
