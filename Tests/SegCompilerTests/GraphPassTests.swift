import SegCompiler
import SegKernels
import Testing

/// The output channels of `op` at output pixel (0, 0) for the NHWC `input`: a plain float
/// convolution of one pixel, enough for the 3x3-in, 3x3-kernel cases here.
private func convolveFirstPixel(_ op: ConvOp, _ input: [Float]) -> [Float] {
    let g = op.geometry
    let perGroup = g.inputChannelsPerGroup, outPerGroup = g.outputChannelsPerGroup
    return (0..<g.outputChannels).map { o in
        var sum = op.bias[o]
        for ky in 0..<g.kernelHeight {
            for kx in 0..<g.kernelWidth {
                let y = ky * g.dilationHeight - g.padTop, x = kx * g.dilationWidth - g.padLeft
                guard (0..<g.inputHeight).contains(y) && (0..<g.inputWidth).contains(x) else { continue }
                for i in 0..<perGroup {
                    let channel = (o / outPerGroup) * perGroup + i
                    sum += op.weights[((o * g.kernelHeight + ky) * g.kernelWidth + kx) * perGroup + i]
                        * input[(y * g.inputWidth + x) * g.inputChannels + channel]
                }
            }
        }
        return op.activation.apply(sum)
    }
}

/// Conv "c1" (2 -> 2 channels, 3x3, bias) then BatchNormalization "bn1" on a 1x2x3x3 input.
private func convBatchNormModel(epsilon: Float) -> TestModel {
    var m = TestModel(input: [1, 2, 3, 3])
    m.weight("w", [2, 2, 3, 3], (0..<36).map { Float($0 % 7) * 0.25 - 0.5 })
    m.weight("b", [2], [0.25, -1])
    m.weight("scale", [2], [1.5, -0.5])
    m.weight("beta", [2], [0.125, 2])
    m.weight("mean", [2], [0.5, -0.75])
    m.weight("var", [2], [2.25, 0.0625])
    m.node("Conv", ["x", "w", "b"], ["c"], name: "c1")
    m.node("BatchNormalization", ["c", "scale", "beta", "mean", "var"], ["y"], name: "bn1", [attribute("epsilon", epsilon)])
    return m
}

@Suite struct GraphPassTests {
    @Test func batchNormalizationFoldsIntoConvolutionNumerically() throws {
        let epsilon: Float = 1e-3
        let g = try convBatchNormModel(epsilon: epsilon).importGraph(optimized: true)
        #expect(g.nodes.count == 1)
        let n = try #require(g.nodes.first)
        #expect(n.name == "c1" && n.opType == "Conv")
        let folded = try #require(convOp(n))
        // x[c][y][x] = 0.1 * (index) - 0.8 in NCHW order; NHWC for the folded convolution.
        let nchw = (0..<18).map { Float($0) * 0.1 - 0.8 }
        var nhwcInput = [Float](repeating: 0, count: 18)
        for c in 0..<2 { for p in 0..<9 { nhwcInput[p * 2 + c] = nchw[c * 9 + p] } }
        // Conv then BatchNormalization, by hand from the ONNX weights (OIHW).
        let w = (0..<36).map { Float($0 % 7) * 0.25 - 0.5 }
        let b: [Float] = [0.25, -1], scale: [Float] = [1.5, -0.5], beta: [Float] = [0.125, 2]
        let mean: [Float] = [0.5, -0.75], variance: [Float] = [2.25, 0.0625]
        for o in 0..<2 {
            var conv = Double(b[o])
            for i in 0..<2 { for t in 0..<9 { conv += Double(w[(o * 2 + i) * 9 + t]) * Double(nchw[i * 9 + t]) } }
            let expected = (conv - Double(mean[o])) / (Double(variance[o]) + Double(epsilon)).squareRoot() * Double(scale[o]) + Double(beta[o])
            let actual = Double(convolveFirstPixel(folded, nhwcInput)[o])
            #expect(abs(actual - expected) <= 1e-5 * max(1, abs(expected)), "channel \(o): \(actual) vs \(expected)")
        }
    }

    @Test func convolutionBatchNormalizationReluBecomeOneNode() throws {
        var m = convBatchNormModel(epsilon: 1e-5)
        m.nodes[1].output = ["bn"]
        m.node("Relu", ["bn"], ["y"], name: "relu1")
        let raw = try m.importGraph()
        #expect(raw.nodes.map(\.opType) == ["Conv", "BatchNormalization", "Relu"])
        let g = optimize(raw)
        #expect(g.nodes.map(\.name) == ["c1"])
        #expect(try #require(convOp(g.nodes.first)).activation == .relu)
        #expect(g.values.count == 2 && g.values[g.outputs[0]].name == "y")
    }

    @Test func batchNormalizationFoldsIntoTransposedConvolution() throws {
        var m = TestModel(input: [1, 2, 3, 3])
        m.weight("w", [2, 3, 2, 2], ramp(24))
        m.weight("scale", [3], [2, 1, 0.5])
        m.weight("beta", [3], [1, 0, -1])
        m.weight("mean", [3], [0, 1, 2])
        m.weight("var", [3], [1, 1, 1])
        m.node("ConvTranspose", ["x", "w"], ["t"], name: "up", [attribute("strides", [2, 2])])
        m.node("BatchNormalization", ["t", "scale", "beta", "mean", "var"], ["y"], name: "bn", [attribute("epsilon", Float(0))])
        let raw = try #require(transposedConvOp(try m.importGraph().nodes.first))
        let g = try m.importGraph(optimized: true)
        #expect(g.nodes.map(\.name) == ["up"])
        let folded = try #require(transposedConvOp(g.nodes.first))
        let a: [Float] = [2, 1, 0.5], c: [Float] = [1, -1, -2]
        let perChannel = raw.weights.count / 3
        for i in raw.weights.indices { #expect(folded.weights[i] == raw.weights[i] * a[i / perChannel]) }
        #expect(folded.bias == c)
        #expect(folded.geometry == raw.geometry)
    }

    @Test func batchNormalizationStaysWhereItCannotFold() throws {
        // The convolution's output also feeds the Add: folding would change what the Add sees.
        var shared = convBatchNormModel(epsilon: 1e-5)
        shared.nodes[1].output = ["bn"]
        shared.node("Add", ["bn", "c"], ["y"], name: "add")
        let g = try shared.importGraph(optimized: true)
        #expect(g.nodes.map(\.name) == ["c1", "bn1", "add"])
        let bn = try #require(convOp(node(g, "bn1")))
        #expect(node(g, "bn1")?.opType == "BatchNormalization")
        #expect(bn.geometry.groups == 2 && bn.geometry.kernelHeight == 1)
        // After an Add it stays too, and a Relu after it fuses into it.
        var afterAdd = TestModel(input: [1, 1, 2, 2])
        for name in ["s", "b", "m", "v"] { afterAdd.weight(name, [1], [1]) }
        afterAdd.node("Add", ["x", "x"], ["a"], name: "add")
        afterAdd.node("BatchNormalization", ["a", "s", "b", "m", "v"], ["bn"], name: "bn")
        afterAdd.node("Relu", ["bn"], ["y"], name: "relu")
        let h = try afterAdd.importGraph(optimized: true)
        #expect(h.nodes.map(\.name) == ["add", "bn"])
        #expect(try #require(convOp(node(h, "bn"))).activation == .relu)
    }

    @Test func activationFusion() throws {
        var m = TestModel(input: [1, 3, 4, 4])
        m.weight("w", [3, 3, 1, 1], ramp(9))
        m.weight("zero", [], [0])
        m.weight("six", [], [6])
        m.weight("minus", [], [-1])
        m.node("Conv", ["x", "w"], ["c"], name: "conv")
        m.node("Relu", ["c"], ["r"], name: "relu")
        m.node("Clip", ["r", "minus", "six"], ["k"], name: "clip")
        m.node("Add", ["k", "x"], ["s"], name: "add")
        m.node("Clip", ["s", "zero", "six"], ["y"], name: "relu6")
        let g = try m.importGraph(optimized: true)
        #expect(g.nodes.map(\.name) == ["conv", "add"])
        #expect(g.nodes.map(\.opType) == ["Conv", "Add"])
        #expect(try #require(convOp(node(g, "conv"))).activation == .relu6)
        guard case .add(let clamp)? = node(g, "add")?.op else { Issue.record("not an add"); return }
        #expect(clamp == .relu6)
        #expect(g.values[g.outputs[0]].name == "y")
    }

    @Test func activationFusionKeepsWhatOthersSee() throws {
        // The convolution's output is a graph output: the Relu must stay separate.
        var output = TestModel(input: [1, 3, 4, 4])
        output.weight("w", [3, 3, 1, 1], ramp(9))
        output.node("Conv", ["x", "w"], ["c"], name: "conv")
        output.node("Relu", ["c"], ["y"], name: "relu")
        output.outputs = ["c", "y"]
        let g = try output.importGraph(optimized: true)
        #expect(g.nodes.map(\.name) == ["conv", "relu"])
        #expect(try #require(convOp(node(g, "conv"))).activation == .none)
        // Disjoint ranges do not merge: clamp(clamp(x, 0, 1), 2, 3) is always 2.
        var disjoint = TestModel(input: [1, 3, 4, 4])
        disjoint.weight("w", [3, 3, 1, 1], ramp(9))
        for (name, v) in [("a", Float(0)), ("b", 1), ("c2", 2), ("d", 3)] { disjoint.weight(name, [], [v]) }
        disjoint.node("Conv", ["x", "w"], ["c"], name: "conv")
        disjoint.node("Clip", ["c", "a", "b"], ["k"], name: "clip01")
        disjoint.node("Clip", ["k", "c2", "d"], ["y"], name: "clip23")
        let h = try disjoint.importGraph(optimized: true)
        #expect(h.nodes.map(\.name) == ["conv", "clip23"])
        #expect(try #require(convOp(node(h, "conv"))).activation == ActivationClamp(lower: 0, upper: 1))
    }

    @Test func redundantClampIsDropped() throws {
        // RefineNet's RCU: relu(x) feeds both a Relu and the residual Add.
        var m = TestModel(input: [1, 3, 4, 4])
        m.weight("w", [3, 3, 1, 1], ramp(9))
        m.node("Conv", ["x", "w"], ["c"], name: "conv")
        m.node("Relu", ["c"], ["r"], name: "relu")
        m.node("Relu", ["r"], ["r2"], name: "relu_again")
        m.node("Add", ["r2", "r"], ["y"], name: "add")
        let g = try m.importGraph(optimized: true)
        #expect(g.nodes.map(\.name) == ["conv", "add"])
        let conv = try #require(node(g, "conv"))
        #expect(node(g, "add")?.inputs == [conv.output, conv.output])
        // A Clip(0, 6) after it is not redundant.
        var six = TestModel(input: [1, 3, 4, 4])
        six.weight("w", [3, 3, 1, 1], ramp(9))
        six.weight("zero", [], [0])
        six.weight("six", [], [6])
        six.node("Conv", ["x", "w"], ["c"], name: "conv")
        six.node("Relu", ["c"], ["r"], name: "relu")
        six.node("Clip", ["r", "zero", "six"], ["r6"], name: "clip")
        six.node("Add", ["r6", "r"], ["y"], name: "add")
        #expect(try six.importGraph(optimized: true).nodes.map(\.name) == ["conv", "clip", "add"])
    }

    @Test func padFusesIntoConvolution() throws {
        var m = TestModel(input: [1, 3, 8, 8])
        m.ints("pads", [8], [0, 0, 1, 2, 0, 0, 3, 0])
        m.weight("w", [4, 3, 3, 3], ramp(108))
        m.node("Pad", ["x", "pads"], ["p"], name: "pad")
        m.node("Conv", ["p", "w"], ["y"], name: "conv", [attribute("pads", [1, 1, 1, 1])])
        let raw = try m.importGraph()
        let g = optimize(raw)
        #expect(g.nodes.map(\.name) == ["conv"])
        #expect(g.nodes[0].opType == "Conv" && g.nodes[0].inputs == [g.input])
        let geometry = try #require(convOp(g.nodes.first)).geometry
        #expect(geometry.inputHeight == 8 && geometry.inputWidth == 8)
        #expect([geometry.padTop, geometry.padLeft, geometry.padBottom, geometry.padRight] == [2, 3, 4, 1] as [Int])
        #expect(g.values[g.outputs[0]].shape == raw.values[raw.outputs[0]].shape)
        // A non-zero pad value is not what the convolution's padding reads.
        var value = m
        value.weight("half", [], [0.5])
        value.nodes[0].input = ["x", "pads", "half"]
        #expect(try value.importGraph(optimized: true).nodes.map(\.name) == ["pad", "conv"])
    }

    @Test func padFusesIntoMaxPoolOnlyWithMinusInfinity() throws {
        func model(_ padValue: Float, pads: [Int64] = [0, 0, 1, 1, 0, 0, 1, 1]) -> TestModel {
            var m = TestModel(input: [1, 3, 8, 8])
            m.ints("pads", [8], pads)
            m.weight("v", [], [padValue])
            m.node("Pad", ["x", "pads", "v"], ["p"], name: "pad")
            m.node("MaxPool", ["p"], ["y"], name: "pool", [attribute("kernel_shape", [3, 3]), attribute("strides", [2, 2])])
            return m
        }
        let g = try model(-.infinity).importGraph(optimized: true)
        #expect(g.nodes.map(\.name) == ["pool"])
        guard case .maxPool(let p)? = g.nodes.first?.op else { Issue.record("not a max pool"); return }
        #expect(p == Pool2DGeometry(inputHeight: 8, inputWidth: 8, channels: 3, kernelHeight: 3, kernelWidth: 3, strideHeight: 2, strideWidth: 2, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1))
        #expect(g.values[g.outputs[0]].shape == nhwc(1, 4, 4, 3))
        // Zero padding can win a max over negative inputs.
        #expect(try model(0).importGraph(optimized: true).nodes.map(\.name) == ["pad", "pool"])
        // Padding as wide as the window would leave windows with no input in them.
        #expect(try model(-.infinity, pads: [0, 0, 3, 0, 0, 0, 0, 0]).importGraph(optimized: true).nodes.map(\.name) == ["pad", "pool"])
    }

    @Test(arguments: [
        // (pool pads, count_include_pad, fused)
        ([0, 0, 0, 0], 0, true), ([1, 1, 1, 1], 0, false), ([1, 1, 1, 1], 1, true),
    ])
    func padFusesIntoAveragePoolWhenCountsAgree(poolPads: [Int], countIncludePad: Int, fused: Bool) throws {
        var m = TestModel(input: [1, 3, 8, 8])
        m.ints("pads", [8], [0, 0, 1, 1, 0, 0, 1, 1])
        m.node("Pad", ["x", "pads"], ["p"], name: "pad")
        m.node(
            "AveragePool", ["p"], ["y"], name: "pool",
            [attribute("kernel_shape", [3, 3]), attribute("pads", poolPads), attribute("count_include_pad", countIncludePad)])
        let g = try m.importGraph(optimized: true)
        #expect(g.nodes.map(\.name) == (fused ? ["pool"] : ["pad", "pool"]))
        if fused {
            guard case .averagePool(let p, let include)? = g.nodes.first?.op else { Issue.record("not an average pool"); return }
            #expect(include)
            #expect(p.padTop == poolPads[0] + 1 && p.padRight == poolPads[3] + 1 && p.inputHeight == 8)
        }
    }

    @Test func padWithTwoReadersStays() throws {
        var m = TestModel(input: [1, 3, 8, 8])
        m.ints("pads", [8], [0, 0, 1, 1, 0, 0, 1, 1])
        m.weight("w", [3, 3, 3, 3], ramp(81))
        m.node("Pad", ["x", "pads"], ["p"], name: "pad")
        m.node("Conv", ["p", "w"], ["c"], name: "conv")
        m.node("Conv", ["p", "w"], ["d"], name: "conv2")
        m.node("Add", ["c", "d"], ["y"], name: "add")
        #expect(try m.importGraph(optimized: true).nodes.map(\.name) == ["pad", "conv", "conv2", "add"])
    }

    @Test func deadNodesAndValuesAreDropped() throws {
        var m = TestModel(input: [1, 3, 4, 4])
        m.node("Relu", ["x"], ["unused"], name: "dead")
        m.node("GlobalAveragePool", ["unused"], ["unused2"], name: "dead2")
        m.node("MaxPool", ["x"], ["y"], name: "pool", [attribute("kernel_shape", [2, 2])])
        m.metadata = [("segd.classes", "a,b,c")]
        let raw = try m.importGraph()
        #expect(raw.nodes.count == 3 && raw.values.count == 4)
        let g = eliminateDeadNodes(raw)
        #expect(g.nodes.map(\.name) == ["pool"])
        #expect(g.values.map(\.name) == ["x", "y"])
        #expect(g.input == 0 && g.outputs == [1] && g.nodes[0].inputs == [0] && g.nodes[0].output == 1)
        #expect(g.metadata("segd.classes") == "a,b,c")
    }

    @Test func passesLeaveUnfusableGraphsAlone() throws {
        var m = TestModel(input: [1, 4, 8, 8])
        m.weight("s", [4], [1, 1, 2, 2])
        m.node("MaxPool", ["x"], ["p"], name: "pool", [attribute("kernel_shape", [2, 2]), attribute("strides", [2, 2])])
        m.node("Resize", ["p", "", "s"], ["r"], name: "up", [attribute("mode", "linear")])
        m.node("Concat", ["r", "x"], ["c"], name: "cat", [attribute("axis", 1)])
        m.node("Softmax", ["c"], ["y"], name: "softmax", [attribute("axis", 1)])
        let raw = try m.importGraph()
        let g = optimize(raw)
        #expect(g.nodes.map(\.name) == raw.nodes.map(\.name))
        #expect(g.nodes.map(\.inputs) == raw.nodes.map(\.inputs))
        #expect(g.values.map(\.shape) == raw.values.map(\.shape))
    }
}
