import Foundation
import SegCompiler
import SegKernels
import Testing

// MARK: - Building test models with the generated ONNX types

/// An attribute of a test node.
func attribute(_ name: String, _ value: Int) -> Onnx_AttributeProto {
    var a = Onnx_AttributeProto()
    a.name = name
    a.type = .int
    a.i = Int64(value)
    return a
}

func attribute(_ name: String, _ values: [Int]) -> Onnx_AttributeProto {
    var a = Onnx_AttributeProto()
    a.name = name
    a.type = .ints
    a.ints = values.map { Int64($0) }
    return a
}

func attribute(_ name: String, _ value: Float) -> Onnx_AttributeProto {
    var a = Onnx_AttributeProto()
    a.name = name
    a.type = .float
    a.f = value
    return a
}

func attribute(_ name: String, floats values: [Float]) -> Onnx_AttributeProto {
    var a = Onnx_AttributeProto()
    a.name = name
    a.type = .floats
    a.floats = values
    return a
}

func attribute(_ name: String, _ value: String) -> Onnx_AttributeProto {
    var a = Onnx_AttributeProto()
    a.name = name
    a.type = .string
    a.s = Data(value.utf8)
    return a
}

func attribute(_ name: String, _ value: Onnx_TensorProto) -> Onnx_AttributeProto {
    var a = Onnx_AttributeProto()
    a.name = name
    a.type = .tensor
    a.t = value
    return a
}

/// A FLOAT tensor, in `raw_data` (little-endian) or `float_data`.
func floatTensor(_ name: String, _ dims: [Int], _ values: [Float], raw: Bool = true) -> Onnx_TensorProto {
    var t = Onnx_TensorProto()
    t.name = name
    t.dims = dims.map { Int64($0) }
    t.dataType = 1
    if raw {
        t.rawData = Data(values.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } })
    } else {
        t.floatData = values
    }
    return t
}

/// An INT64 tensor in `int64_data`.
func int64Tensor(_ name: String, _ dims: [Int], _ values: [Int64]) -> Onnx_TensorProto {
    var t = Onnx_TensorProto()
    t.name = name
    t.dims = dims.map { Int64($0) }
    t.dataType = 7
    t.int64Data = values
    return t
}

/// A model under construction: one NCHW FLOAT input, nodes, initializers, outputs.
struct TestModel {
    var opset = 13
    var inputName = "x"
    /// NCHW; nil is a symbolic dimension.
    var inputDims: [Int?] = [1, 3, 8, 8]
    var nodes: [Onnx_NodeProto] = []
    var initializers: [Onnx_TensorProto] = []
    var outputs = ["y"]
    /// Declared output shapes (NCHW), by output name; undeclared outputs have no shape.
    var declaredOutputs: [String: [Int]] = [:]
    var metadata: [(String, String)] = []

    init(input: [Int?] = [1, 3, 8, 8], opset: Int = 13) {
        inputDims = input
        self.opset = opset
    }

    /// Adds node `name` of type `op` reading `inputs` (empty string: omitted) and writing `outputs`.
    mutating func node(_ op: String, _ inputs: [String], _ outputs: [String], name: String, _ attributes: [Onnx_AttributeProto] = []) {
        var n = Onnx_NodeProto()
        n.opType = op
        n.name = name
        n.input = inputs
        n.output = outputs
        n.attribute = attributes
        nodes.append(n)
    }

    /// Adds a FLOAT initializer.
    mutating func weight(_ name: String, _ dims: [Int], _ values: [Float], raw: Bool = true) {
        initializers.append(floatTensor(name, dims, values, raw: raw))
    }

    /// Adds an INT64 initializer.
    mutating func ints(_ name: String, _ dims: [Int], _ values: [Int64]) {
        initializers.append(int64Tensor(name, dims, values))
    }

    var bytes: [UInt8] {
        var model = Onnx_ModelProto()
        model.irVersion = 8
        var opsetID = Onnx_OperatorSetIdProto()
        opsetID.domain = ""
        opsetID.version = Int64(opset)
        model.opsetImport = [opsetID]
        var graph = Onnx_GraphProto()
        graph.name = "test"
        graph.node = nodes
        graph.initializer = initializers
        graph.input = [valueInfo(inputName, inputDims)]
        graph.output = outputs.map { valueInfo($0, declaredOutputs[$0]?.map { Optional($0) }) }
        model.graph = graph
        model.metadataProps = metadata.map { key, value in
            var entry = Onnx_StringStringEntryProto()
            entry.key = key
            entry.value = value
            return entry
        }
        return try! model.serializedBytes()
    }

    /// Imports the model, without the graph passes unless `optimized`.
    func importGraph(optimized: Bool = false) throws(ModelImportError) -> FloatGraph {
        try ONNXImporter.importModel(bytes: bytes, optimized: optimized)
    }
}

/// A FLOAT tensor value info of NCHW `dims` (nil dims: no shape; a nil dim: symbolic).
private func valueInfo(_ name: String, _ dims: [Int?]?) -> Onnx_ValueInfoProto {
    var info = Onnx_ValueInfoProto()
    info.name = name
    var tensor = Onnx_TypeProto.Tensor()
    tensor.elemType = 1
    if let dims {
        var shape = Onnx_TensorShapeProto()
        shape.dim = dims.map { d in
            var dim = Onnx_TensorShapeProto.Dimension()
            if let d { dim.dimValue = Int64(d) } else { dim.dimParam = "N" }
            return dim
        }
        tensor.shape = shape
    }
    var type = Onnx_TypeProto()
    type.tensorType = tensor
    info.type = type
    return info
}

/// The node named `name`; records an issue when there is none.
func node(_ g: FloatGraph, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) -> GraphNode? {
    let n = g.nodes.first { $0.name == name }
    if n == nil { Issue.record("no node \"\(name)\" in \(g.nodes.map(\.name))", sourceLocation: sourceLocation) }
    return n
}

/// The shape of the value named `name`.
func shape(_ g: FloatGraph, _ name: String) -> TensorShape? {
    g.values.first { $0.name == name }?.shape
}

func nhwc(_ n: Int, _ h: Int, _ w: Int, _ c: Int) -> TensorShape {
    TensorShape(batch: n, height: h, width: w, channels: c)
}

func convOp(_ n: GraphNode?) -> ConvOp? {
    if case .conv(let op)? = n?.op { return op }
    return nil
}

func transposedConvOp(_ n: GraphNode?) -> TransposedConvOp? {
    if case .transposedConv(let op)? = n?.op { return op }
    return nil
}

/// Expects importing `model` to fail with exactly `message`.
func expectRefusal(_ model: TestModel, _ message: String, sourceLocation: SourceLocation = #_sourceLocation) {
    do {
        _ = try model.importGraph()
        Issue.record("imported, expected: \(message)", sourceLocation: sourceLocation)
    } catch {
        #expect(error.description == message, sourceLocation: sourceLocation)
    }
}

/// A model with a single `op` node "n" reading `x` (and `extraInputs`) and writing `y`.
func singleOp(
    _ op: String, _ attributes: [Onnx_AttributeProto] = [], extraInputs: [String] = [], input: [Int?] = [1, 3, 8, 8], opset: Int = 13
) -> TestModel {
    var m = TestModel(input: input, opset: opset)
    m.node(op, ["x"] + extraInputs, ["y"], name: "n", attributes)
    return m
}

/// `count` distinct small weights (`0.01 * (i % 17) - 0.08`).
func ramp(_ count: Int) -> [Float] {
    (0..<count).map { Float($0 % 17) * 0.01 - 0.08 }
}

// MARK: - Tests

@Suite struct ONNXImportTests {
    @Test func convolutionWeightsBecomeOHWIAndShapesAreInferred() throws {
        var m = TestModel(input: [1, 3, 8, 8])
        m.weight("w", [2, 3, 2, 2], (0..<24).map { Float($0) })
        m.weight("b", [2], [0.5, -0.5], raw: false)
        m.node("Conv", ["x", "w", "b"], ["y"], name: "c1", [attribute("kernel_shape", [2, 2]), attribute("pads", [0, 0, 1, 1])])
        let g = try m.importGraph()
        #expect(g.nodes.count == 1 && g.outputs == [g.nodes[0].output] && g.input == 0)
        let op = try #require(convOp(node(g, "c1")))
        #expect(op.bias == [0.5, -0.5])
        #expect(op.geometry == Conv2DGeometry(inputHeight: 8, inputWidth: 8, inputChannels: 3, outputChannels: 2, kernelHeight: 2, kernelWidth: 2, padBottom: 1, padRight: 1))
        // ONNX [o][i][ky][kx] = o*12 + i*4 + ky*2 + kx lands at OHWI [o][ky][kx][i].
        for o in 0..<2 {
            for i in 0..<3 {
                for t in 0..<4 { #expect(op.weights[(o * 4 + t) * 3 + i] == Float(o * 12 + i * 4 + t)) }
            }
        }
        #expect(shape(g, "y") == nhwc(1, 8, 8, 2))
    }

    @Test func convolutionStridesDilationsGroupsAndPads() throws {
        var m = TestModel(input: [1, 4, 17, 13])
        m.weight("w", [8, 2, 3, 3], ramp(144))
        m.node(
            "Conv", ["x", "w"], ["y"], name: "c",
            [attribute("group", 2), attribute("strides", [2, 1]), attribute("dilations", [2, 3]), attribute("pads", [1, 2, 3, 4])])
        let g = try m.importGraph()
        let op = try #require(convOp(node(g, "c")))
        #expect(op.bias == Array(repeating: 0, count: 8))
        #expect(op.activation == .none)
        let geometry = op.geometry
        #expect(geometry.groups == 2 && geometry.strideHeight == 2 && geometry.strideWidth == 1)
        #expect(geometry.dilationHeight == 2 && geometry.dilationWidth == 3)
        #expect([geometry.padTop, geometry.padLeft, geometry.padBottom, geometry.padRight] == [1, 2, 3, 4] as [Int])
        // (17 + 4 - 5) / 2 + 1 = 9; 13 + 6 - 7 + 1 = 13.
        #expect(shape(g, "y") == nhwc(1, 9, 13, 8))
    }

    @Test func depthwiseConvolution() throws {
        var m = TestModel(input: [1, 3, 8, 8])
        m.weight("w", [3, 1, 3, 3], ramp(27))
        m.node("Conv", ["x", "w"], ["y"], name: "dw", [attribute("group", 3), attribute("pads", [1, 1, 1, 1]), attribute("strides", [2, 2])])
        let g = try m.importGraph()
        #expect(try #require(convOp(node(g, "dw"))).geometry.isDepthwise)
        #expect(shape(g, "y") == nhwc(1, 4, 4, 3))
    }

    @Test(arguments: [
        ("NOTSET", [0, 0, 0, 0], 2), ("VALID", [0, 0, 0, 0], 2), ("SAME_UPPER", [1, 1, 2, 2], 4), ("SAME_LOWER", [2, 2, 1, 1], 4),
    ])
    func convolutionAutoPad(mode: String, pads: [Int], size: Int) throws {
        // 7 wide, kernel 4, stride 2: SAME gives ceil(7 / 2) = 4 outputs from 3 pixels of padding.
        var m = TestModel(input: [1, 1, 7, 7])
        m.weight("w", [1, 1, 4, 4], ramp(16))
        m.node("Conv", ["x", "w"], ["y"], name: "c", [attribute("auto_pad", mode), attribute("strides", [2, 2])])
        let g = try m.importGraph()
        let geometry = try #require(convOp(node(g, "c"))).geometry
        #expect([geometry.padTop, geometry.padLeft, geometry.padBottom, geometry.padRight] == pads)
        #expect(shape(g, "y") == nhwc(1, size, size, 1))
    }

    @Test func transposedConvolutionWeightsAndShape() throws {
        var m = TestModel(input: [1, 4, 3, 3])
        // ONNX [cin][cout / group][kh][kw] = ci * 4 + t.
        m.weight("w", [4, 1, 2, 2], (0..<16).map { Float($0) })
        m.weight("b", [2], [1, 2])
        m.node(
            "ConvTranspose", ["x", "w", "b"], ["y"], name: "up",
            [attribute("group", 2), attribute("strides", [2, 2]), attribute("pads", [1, 1, 1, 1]), attribute("output_padding", [1, 1])])
        let g = try m.importGraph()
        let op = try #require(transposedConvOp(node(g, "up")))
        #expect(op.geometry.groups == 2 && op.geometry.outputChannels == 2 && op.geometry.inputChannels == 4)
        #expect(op.geometry.outputPaddingHeight == 1 && op.geometry.outputPaddingWidth == 1)
        #expect(op.bias == [1, 2])
        // OHWI [o][t][local]: output channel o = group, input channel = group * 2 + local.
        for o in 0..<2 {
            for t in 0..<4 {
                for local in 0..<2 { #expect(op.weights[(o * 4 + t) * 2 + local] == Float((o * 2 + local) * 4 + t)) }
            }
        }
        // (3 - 1) * 2 - 2 + 1 + 1 + 1 = 5.
        #expect(shape(g, "y") == nhwc(1, 5, 5, 2))
    }

    @Test func transposedConvolutionOutputShapeIsRefused() {
        var m = TestModel(input: [1, 2, 4, 4])
        m.weight("w", [2, 2, 2, 2], ramp(16))
        m.node("ConvTranspose", ["x", "w"], ["y"], name: "t1", [attribute("strides", [2, 2]), attribute("output_shape", [8, 8])])
        expectRefusal(m, #"node "t1" (ConvTranspose): attribute "output_shape" = [8, 8] is not supported (give pads and output_padding instead)"#)
    }

    @Test func batchNormalizationIsADepthwiseAffine() throws {
        var m = TestModel(input: [1, 2, 4, 4])
        m.weight("scale", [2], [2, 0.5])
        m.weight("bias", [2], [1, -1])
        m.weight("mean", [2], [3, -2])
        m.weight("var", [2], [4, 0.25])
        m.node("BatchNormalization", ["x", "scale", "bias", "mean", "var"], ["y"], name: "bn", [attribute("epsilon", Float(0))])
        let g = try m.importGraph()
        let n = try #require(node(g, "bn"))
        #expect(n.opType == "BatchNormalization")
        let op = try #require(convOp(n))
        #expect(op.geometry.groups == 2 && op.geometry.kernelHeight == 1 && op.geometry.inputChannels == 2)
        // scale / sqrt(var): 2 / 2 = 1, 0.5 / 0.5 = 1; bias - mean * that: 1 - 3 = -2, -1 + 2 = 1.
        #expect(op.weights == [1, 1])
        #expect(op.bias == [-2, 1])
        #expect(shape(g, "y") == nhwc(1, 4, 4, 2))
    }

    @Test func batchNormalizationTrainingOutputsAreRefused() {
        var m = TestModel(input: [1, 1, 4, 4])
        for name in ["s", "b", "m", "v"] { m.weight(name, [1], [1]) }
        m.node("BatchNormalization", ["x", "s", "b", "m", "v"], ["y", "running_mean"], name: "bn")
        m.outputs = ["y", "running_mean"]
        expectRefusal(m, #"node "bn" (BatchNormalization): output "running_mean" (running_mean) is used, which is not supported"#)
        var t = TestModel(input: [1, 1, 4, 4], opset: 15)
        for name in ["s", "b", "m", "v"] { t.weight(name, [1], [1]) }
        t.node("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"], name: "bn", [attribute("training_mode", 1)])
        expectRefusal(t, #"node "bn" (BatchNormalization): attribute "training_mode" = 1 is not supported (0)"#)
    }

    @Test func reluAndClipAreClamps() throws {
        var m = TestModel(input: [1, 3, 8, 8], opset: 13)
        m.weight("lo", [], [-1])
        m.weight("hi", [], [6])
        m.node("Relu", ["x"], ["r"], name: "relu")
        m.node("Clip", ["r", "lo", "hi"], ["c1"], name: "clip_both")
        m.node("Clip", ["c1", "", "hi"], ["y"], name: "clip_max")
        let g = try m.importGraph()
        guard case .clamp(let relu)? = node(g, "relu")?.op, case .clamp(let both)? = node(g, "clip_both")?.op,
            case .clamp(let upper)? = node(g, "clip_max")?.op
        else { Issue.record("not clamps"); return }
        #expect(relu == .relu)
        #expect(both == ActivationClamp(lower: -1, upper: 6))
        #expect(upper == ActivationClamp(lower: -.infinity, upper: 6))
    }

    @Test func clipAttributesBeforeOpset11() throws {
        let g = try singleOp("Clip", [attribute("min", Float(0)), attribute("max", Float(6))], opset: 9).importGraph()
        guard case .clamp(let c)? = node(g, "n")?.op else { Issue.record("not a clamp"); return }
        #expect(c == .relu6)
        expectRefusal(
            singleOp("Clip", [attribute("min", Float(0))], opset: 11),
            #"node "n" (Clip): attribute "min" is not supported for Clip (accepted: none)"#)
    }

    @Test func maxPoolGeometry() throws {
        let g = try singleOp("MaxPool", [attribute("kernel_shape", [3, 3]), attribute("strides", [2, 2]), attribute("pads", [1, 1, 1, 1])])
            .importGraph()
        guard case .maxPool(let p)? = node(g, "n")?.op else { Issue.record("not a max pool"); return }
        #expect(p == Pool2DGeometry(inputHeight: 8, inputWidth: 8, channels: 3, kernelHeight: 3, kernelWidth: 3, strideHeight: 2, strideWidth: 2, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1))
        #expect(shape(g, "y") == nhwc(1, 4, 4, 3))
    }

    @Test func poolCeilMode() throws {
        // 6 rows, window 3, stride 2: floor gives 2 outputs, ceil 3 (the last window starts at row 4).
        let up = try singleOp("MaxPool", [attribute("kernel_shape", [3, 3]), attribute("strides", [2, 2]), attribute("ceil_mode", 1)], input: [1, 1, 6, 6])
            .importGraph()
        guard case .maxPool(let p)? = node(up, "n")?.op else { Issue.record("not a max pool"); return }
        #expect(p.ceilMode)
        #expect(shape(up, "y") == nhwc(1, 3, 3, 1))
        // 4 rows + 1 of padding, window 2, stride 2: ceil would add a window starting in the
        // padding, which ONNX drops: same as floor.
        let same = try singleOp(
            "AveragePool", [attribute("kernel_shape", [2, 2]), attribute("strides", [2, 2]), attribute("pads", [0, 0, 1, 1]), attribute("ceil_mode", 1)],
            input: [1, 1, 4, 4]
        ).importGraph()
        guard case .averagePool(let a, let countIncludePad)? = node(same, "n")?.op else { Issue.record("not an average pool"); return }
        #expect(!a.ceilMode && !countIncludePad)
        #expect(shape(same, "y") == nhwc(1, 2, 2, 1))
    }

    @Test func maxPoolSamePaddingAndAveragePoolCountIncludePad() throws {
        let g = try singleOp("MaxPool", [attribute("kernel_shape", [3, 3]), attribute("strides", [2, 2]), attribute("auto_pad", "SAME_UPPER")], input: [1, 2, 7, 7])
            .importGraph()
        guard case .maxPool(let p)? = node(g, "n")?.op else { Issue.record("not a max pool"); return }
        #expect([p.padTop, p.padLeft, p.padBottom, p.padRight] == [1, 1, 1, 1] as [Int])
        #expect(shape(g, "y") == nhwc(1, 4, 4, 2))
        let a = try singleOp("AveragePool", [attribute("kernel_shape", [3, 3]), attribute("pads", [1, 1, 1, 1]), attribute("count_include_pad", 1)])
            .importGraph()
        guard case .averagePool(_, let countIncludePad)? = node(a, "n")?.op else { Issue.record("not an average pool"); return }
        #expect(countIncludePad)
        #expect(shape(a, "y") == nhwc(1, 8, 8, 3))
    }

    @Test func poolRefusals() {
        expectRefusal(
            singleOp("MaxPool", [attribute("kernel_shape", [2, 2]), attribute("storage_order", 1)]),
            #"node "n" (MaxPool): attribute "storage_order" = 1 is not supported (0)"#)
        expectRefusal(
            singleOp("MaxPool", [attribute("kernel_shape", [2, 2]), attribute("dilations", [2, 2])]),
            #"node "n" (MaxPool): attribute "dilations" = [2, 2] is not supported (1 only)"#)
        expectRefusal(singleOp("AveragePool"), #"node "n" (AveragePool): attribute "kernel_shape" is missing"#)
        var indices = TestModel()
        indices.node("MaxPool", ["x"], ["y", "i"], name: "mp", [attribute("kernel_shape", [2, 2])])
        indices.outputs = ["y", "i"]
        expectRefusal(indices, #"node "mp" (MaxPool): output "Indices" (i) is used, which is not supported"#)
        expectRefusal(
            singleOp("MaxPool", [attribute("kernel_shape", [3, 3]), attribute("pads", [3, 0, 0, 0])]),
            #"node "n" (MaxPool): has a shape the kernels cannot take: padTop: must be in 0...2 (below kernelHeight), got 3"#)
    }

    @Test func globalAveragePool() throws {
        let g = try singleOp("GlobalAveragePool", input: [1, 5, 9, 7]).importGraph()
        guard case .globalAveragePool? = node(g, "n")?.op else { Issue.record("not a global average pool"); return }
        #expect(shape(g, "y") == nhwc(1, 1, 1, 5))
    }

    @Test func addAndConcat() throws {
        var m = TestModel(input: [1, 3, 8, 8])
        m.node("Relu", ["x"], ["a"], name: "r")
        m.node("Add", ["x", "a"], ["s"], name: "add")
        m.node("Concat", ["s", "x", "a"], ["y"], name: "cat", [attribute("axis", 1)])
        let g = try m.importGraph()
        guard case .add(let clamp)? = node(g, "add")?.op, case .concat? = node(g, "cat")?.op else { Issue.record("ops"); return }
        #expect(clamp == .none)
        #expect(node(g, "add")?.inputs == [g.input, node(g, "r")!.output])
        #expect(node(g, "cat")?.inputs.count == 3)
        #expect(shape(g, "y") == nhwc(1, 8, 8, 9))
        var negative = TestModel(input: [1, 3, 8, 8])
        negative.node("Concat", ["x", "x"], ["y"], name: "cat", [attribute("axis", -3)])
        #expect(try shape(negative.importGraph(), "y") == nhwc(1, 8, 8, 6))
    }

    @Test func addAndConcatRefusals() {
        var constant = TestModel(input: [1, 3, 2, 2])
        constant.weight("k", [1, 3, 1, 1], [1, 2, 3])
        constant.node("Add", ["x", "k"], ["y"], name: "add_bias")
        expectRefusal(
            constant,
            #"node "add_bias" (Add): input "B" (k) is a constant [1, 3, 1, 1]; only the sum of two activations is supported (broadcasting a constant is not)"#)
        var shapes = TestModel(input: [1, 3, 4, 4])
        shapes.node("GlobalAveragePool", ["x"], ["p"], name: "gap")
        shapes.node("Add", ["x", "p"], ["y"], name: "add")
        expectRefusal(shapes, #"node "add" (Add): adds shapes 1x3x4x4 and 1x3x1x1; broadcasting is not supported (same shapes only)"#)
        expectRefusal(
            singleOp("Concat", [attribute("axis", 2)], extraInputs: ["x"]),
            #"node "n" (Concat): attribute "axis" = 2 is not supported (1 or -3, the channels)"#)
    }

    @Test func resizeWithScales() throws {
        var m = TestModel(input: [1, 3, 8, 8])
        m.weight("scales", [4], [1, 1, 2, 2])
        m.node("Resize", ["x", "", "scales"], ["y"], name: "up", [attribute("mode", "linear"), attribute("coordinate_transformation_mode", "half_pixel")])
        let g = try m.importGraph()
        guard case .resize(let r)? = node(g, "up")?.op else { Issue.record("not a resize"); return }
        #expect(r.mode == .linear(.halfPixel))
        #expect(r.geometry == ResizeGeometry(inputHeight: 8, inputWidth: 8, channels: 3, outputHeight: 16, outputWidth: 16))
        #expect(shape(g, "y") == nhwc(1, 16, 16, 3))
    }

    @Test(arguments: [
        ("half_pixel", "round_prefer_floor", ResizeOp.Mode.nearest(.halfPixel, .roundPreferFloor)),
        ("pytorch_half_pixel", "round_prefer_ceil", .nearest(.pytorchHalfPixel, .roundPreferCeil)),
        ("align_corners", "floor", .nearest(.alignCorners, .floor)),
        ("asymmetric", "ceil", .nearest(.asymmetric, .ceil)),
    ])
    func resizeNearestModes(coordinate: String, rounding: String, expected: ResizeOp.Mode) throws {
        var m = TestModel(input: [1, 3, 8, 8])
        m.ints("sizes", [4], [1, 3, 5, 12])
        m.node(
            "Resize", ["x", "", "", "sizes"], ["y"], name: "r",
            [attribute("coordinate_transformation_mode", coordinate), attribute("nearest_mode", rounding)])
        let g = try m.importGraph()
        guard case .resize(let r)? = node(g, "r")?.op else { Issue.record("not a resize"); return }
        #expect(r.mode == expected)
        #expect(shape(g, "y") == nhwc(1, 5, 12, 3))
    }

    @Test func resizeDefaultsAreHalfPixelAndRoundPreferFloor() throws {
        var m = TestModel(input: [1, 3, 8, 8], opset: 11)
        m.weight("roi", [0], [])
        m.weight("scales", [4], [1, 1, 0.5, 0.5])
        m.node("Resize", ["x", "roi", "scales"], ["y"], name: "down")
        let g = try m.importGraph()
        guard case .resize(let r)? = node(g, "down")?.op else { Issue.record("not a resize"); return }
        #expect(r.mode == .nearest(.halfPixel, .roundPreferFloor))
        #expect(shape(g, "y") == nhwc(1, 4, 4, 3))
    }

    /// The size computation PyTorch exports for `interpolate(x, size=(2 * h, 2 * w))`, folded.
    @Test func resizeSizesFromAShapeComputation() throws {
        var m = TestModel(input: [1, 3, 8, 8], opset: 13)
        m.ints("zero", [1], [0])
        m.ints("two", [1], [2])
        m.ints("axis0", [1], [0])
        m.initializers.append(int64Tensor("h_index", [], [2]))
        m.node("Constant", [], ["factor"], name: "factor", [attribute("value", floatTensor("", [], [2]))])
        m.node("Shape", ["x"], ["shape"], name: "shape")
        m.node("Slice", ["shape", "zero", "two"], ["nc"], name: "slice")
        m.node("Gather", ["shape", "h_index"], ["h"], name: "gather", [attribute("axis", 0)])
        m.node("Cast", ["h"], ["hf"], name: "cast_f", [attribute("to", 1)])
        m.node("Mul", ["hf", "factor"], ["h2"], name: "mul")
        m.node("Floor", ["h2"], ["h2f"], name: "floor")
        m.node("Cast", ["h2f"], ["h2i"], name: "cast_i", [attribute("to", 7)])
        m.node("Unsqueeze", ["h2i", "axis0"], ["h2v"], name: "unsqueeze")
        m.node("Concat", ["nc", "h2v", "h2v"], ["sizes"], name: "sizes", [attribute("axis", 0)])
        m.node("Resize", ["x", "", "", "sizes"], ["y"], name: "up", [attribute("mode", "linear"), attribute("coordinate_transformation_mode", "align_corners")])
        let g = try m.importGraph()
        #expect(g.nodes.map(\.opType) == ["Resize"])
        guard case .resize(let r)? = node(g, "up")?.op else { Issue.record("not a resize"); return }
        #expect(r.mode == .linear(.alignCorners))
        #expect(shape(g, "y") == nhwc(1, 16, 16, 3))
    }

    @Test func unsqueezeAxesAttributeBeforeOpset13() throws {
        var m = TestModel(input: [1, 3, 8, 8], opset: 11)
        m.node("Shape", ["x"], ["shape"], name: "shape")
        m.node("Constant", [], ["i"], name: "i", [attribute("value", int64Tensor("", [], [3]))])
        m.node("Gather", ["shape", "i"], ["w"], name: "gather")
        m.node("Unsqueeze", ["w"], ["wv"], name: "unsqueeze", [attribute("axes", [0])])
        m.node("Constant", [], ["nch"], name: "nch", [attribute("value", int64Tensor("", [3], [1, 3, 4]))])
        m.node("Concat", ["nch", "wv"], ["sizes"], name: "sizes", [attribute("axis", 0)])
        m.weight("roi", [0], [])
        m.weight("scales", [0], [])
        m.node("Resize", ["x", "roi", "scales", "sizes"], ["y"], name: "r")
        #expect(try shape(m.importGraph(), "y") == nhwc(1, 4, 8, 3))
    }

    @Test func resizeRefusals() {
        var cubic = TestModel()
        cubic.weight("s", [4], [1, 1, 2, 2])
        cubic.node("Resize", ["x", "", "s"], ["y"], name: "r1", [attribute("mode", "cubic")])
        expectRefusal(cubic, #"node "r1" (Resize): attribute "mode" = "cubic" is not supported (linear, nearest)"#)
        var crop = TestModel()
        crop.weight("s", [4], [1, 1, 2, 2])
        crop.node("Resize", ["x", "", "s"], ["y"], name: "r2", [attribute("coordinate_transformation_mode", "tf_crop_and_resize")])
        expectRefusal(
            crop,
            #"node "r2" (Resize): attribute "coordinate_transformation_mode" = "tf_crop_and_resize" is not supported (half_pixel, pytorch_half_pixel, align_corners, asymmetric)"#)
        var fractional = TestModel(input: [1, 3, 9, 9])
        fractional.weight("s", [4], [1, 1, 0.5, 0.5])
        fractional.node("Resize", ["x", "", "s"], ["y"], name: "r3", [attribute("mode", "linear")])
        expectRefusal(
            fractional,
            #"node "r3" (Resize): input "scales" = [1.0, 1.0, 0.5, 0.5] makes a fractional size (9 x 0.5); only scales giving whole sizes are supported (export with sizes instead)"#)
        var channels = TestModel()
        channels.ints("sizes", [4], [1, 6, 8, 8])
        channels.node("Resize", ["x", "", "", "sizes"], ["y"], name: "r4")
        expectRefusal(channels, #"node "r4" (Resize): resizes the batch or channel axis (1x3x8x8 to 1x6x8x8); only height and width are supported"#)
        var antialias = TestModel(opset: 18)
        antialias.ints("sizes", [4], [1, 3, 4, 4])
        antialias.node("Resize", ["x", "", "", "sizes"], ["y"], name: "r5", [attribute("antialias", 1)])
        expectRefusal(antialias, #"node "r5" (Resize): attribute "antialias" = 1 is not supported (0)"#)
        var dynamic = TestModel()
        dynamic.node("Relu", ["x"], ["s"], name: "relu")
        dynamic.node("Resize", ["x", "", "s"], ["y"], name: "r6")
        expectRefusal(dynamic, #"node "r6" (Resize): input "scales" (s) is computed from the graph input; it must be a constant"#)
    }

    @Test func resizeAlignCornersAcceptsAnyScale() throws {
        var m = TestModel(input: [1, 3, 9, 9])
        m.weight("s", [4], [1, 1, 0.5, 0.5])
        m.node("Resize", ["x", "", "s"], ["y"], name: "r", [attribute("mode", "linear"), attribute("coordinate_transformation_mode", "align_corners")])
        #expect(try shape(m.importGraph(), "y") == nhwc(1, 4, 4, 3))
    }

    @Test func upsample() throws {
        var nine = TestModel(input: [1, 3, 4, 4], opset: 9)
        nine.weight("s", [4], [1, 1, 2, 3])
        nine.node("Upsample", ["x", "s"], ["y"], name: "u", [attribute("mode", "linear")])
        let g = try nine.importGraph()
        guard case .resize(let r)? = node(g, "u")?.op else { Issue.record("not a resize"); return }
        #expect(r.mode == .linear(.asymmetric))
        #expect(shape(g, "y") == nhwc(1, 8, 12, 3))
        let seven = try singleOp("Upsample", [attribute("scales", floats: [1, 1, 2, 2])], input: [1, 3, 4, 4], opset: 7).importGraph()
        guard case .resize(let n)? = node(seven, "n")?.op else { Issue.record("not a resize"); return }
        #expect(n.mode == .nearest(.asymmetric, .floor))
        #expect(shape(seven, "y") == nhwc(1, 8, 8, 3))
        expectRefusal(
            singleOp("Upsample", [attribute("scales", floats: [1, 1, 0.5, 0.5])], input: [1, 3, 4, 4], opset: 7),
            #"node "n" (Upsample): attribute "scales" = [1.0, 1.0, 0.5, 0.5] must be at least 1 and give whole sizes"#)
    }

    @Test func padFromInputsAndAttributes() throws {
        var m = TestModel(input: [1, 3, 8, 8], opset: 13)
        m.ints("pads", [8], [0, 0, 1, 2, 0, 0, 3, 4])
        m.weight("value", [], [-1.5])
        m.node("Pad", ["x", "pads", "value"], ["y"], name: "p")
        let g = try m.importGraph()
        guard case .pad(let p)? = node(g, "p")?.op else { Issue.record("not a pad"); return }
        #expect(p == PadOp(top: 1, left: 2, bottom: 3, right: 4, value: -1.5))
        #expect(shape(g, "y") == nhwc(1, 12, 14, 3))
        let old = try singleOp("Pad", [attribute("pads", [0, 0, 1, 1, 0, 0, 1, 1]), attribute("mode", "constant")], opset: 2).importGraph()
        guard case .pad(let q)? = node(old, "n")?.op else { Issue.record("not a pad"); return }
        #expect(q == PadOp(top: 1, left: 1, bottom: 1, right: 1, value: 0))
        var axes = TestModel(input: [1, 3, 8, 8], opset: 18)
        axes.ints("pads", [4], [1, 0, 1, 0])
        axes.ints("axes", [2], [-2, -1])
        axes.node("Pad", ["x", "pads", "", "axes"], ["y"], name: "p")
        #expect(try shape(axes.importGraph(), "y") == nhwc(1, 10, 8, 3))
    }

    @Test func padRefusalsAndNoOp() throws {
        expectRefusal(
            singleOp("Pad", [attribute("pads", [0, 0, 1, 1, 0, 0, 1, 1]), attribute("mode", "reflect")], opset: 2),
            #"node "n" (Pad): attribute "mode" = "reflect" is not supported (constant)"#)
        var channel = TestModel()
        channel.ints("pads", [8], [0, 1, 0, 0, 0, 0, 0, 0])
        channel.node("Pad", ["x", "pads"], ["y"], name: "p")
        expectRefusal(channel, #"node "p" (Pad): input "pads" = [0, 1, 0, 0, 0, 0, 0, 0] pads the batch or channel axis; only height and width are supported"#)
        var negative = TestModel()
        negative.ints("pads", [8], [0, 0, -1, 0, 0, 0, 0, 0])
        negative.node("Pad", ["x", "pads"], ["y"], name: "p")
        expectRefusal(negative, #"node "p" (Pad): input "pads" = [0, 0, -1, 0, 0, 0, 0, 0] is negative (cropping), which is not supported"#)
        var zero = TestModel()
        zero.ints("pads", [8], [0, 0, 0, 0, 0, 0, 0, 0])
        zero.node("Pad", ["x", "pads"], ["p"], name: "p")
        zero.node("Relu", ["p"], ["y"], name: "relu")
        let g = try zero.importGraph()
        #expect(g.nodes.map(\.name) == ["relu"] && node(g, "relu")?.inputs == [g.input])
    }

    @Test func softmaxAndArgMax() throws {
        var m = TestModel(input: [1, 5, 4, 4])
        m.node("Softmax", ["x"], ["p"], name: "softmax", [attribute("axis", 1)])
        m.node("ArgMax", ["p"], ["y"], name: "argmax", [attribute("axis", 1), attribute("keepdims", 1)])
        m.declaredOutputs = ["y": [1, 1, 4, 4]]
        let g = try m.importGraph()
        guard case .softmax? = node(g, "softmax")?.op, case .argMax? = node(g, "argmax")?.op else { Issue.record("ops"); return }
        #expect(shape(g, "p") == nhwc(1, 4, 4, 5))
        #expect(shape(g, "y") == nhwc(1, 4, 4, 1))
        #expect(try shape(singleOp("Softmax", [attribute("axis", 1)], input: [1, 5, 1, 1], opset: 11).importGraph(), "y") == nhwc(1, 1, 1, 5))
    }

    @Test func softmaxAndArgMaxRefusals() {
        expectRefusal(singleOp("Softmax"), #"node "n" (Softmax): attribute "axis" = -1 is not supported (1 or -3, the channels)"#)
        expectRefusal(
            singleOp("Softmax", [attribute("axis", 1)], opset: 11),
            #"node "n" (Softmax): attribute "axis" = 1 before opset 13 normalizes over channels and pixels together, which is not supported (export with opset >= 13)"#)
        expectRefusal(singleOp("ArgMax"), #"node "n" (ArgMax): attribute "axis" = 0 is not supported (1 or -3, the channels)"#)
        expectRefusal(
            singleOp("ArgMax", [attribute("axis", 1), attribute("keepdims", 0)]),
            #"node "n" (ArgMax): attribute "keepdims" = 0 is not supported (1)"#)
        expectRefusal(
            singleOp("ArgMax", [attribute("axis", 1), attribute("select_last_index", 1)]),
            #"node "n" (ArgMax): attribute "select_last_index" = 1 is not supported (0)"#)
    }

    @Test func identityAndDropoutVanish() throws {
        var m = TestModel(input: [1, 3, 8, 8], opset: 13)
        m.node("Identity", ["x"], ["i"], name: "identity")
        m.node("Dropout", ["i"], ["d", "mask"], name: "dropout", [attribute("seed", 3)])
        m.node("Relu", ["d"], ["r"], name: "relu")
        m.node("Identity", ["r"], ["y"], name: "out")
        let g = try m.importGraph()
        #expect(g.nodes.map(\.name) == ["relu"])
        #expect(g.nodes[0].inputs == [g.input])
        // The output keeps its ONNX name through the Identity.
        #expect(g.values[g.outputs[0]].name == "y")
    }

    @Test func dropoutRefusals() {
        var mask = TestModel()
        mask.node("Dropout", ["x"], ["y", "mask"], name: "drop")
        mask.outputs = ["y", "mask"]
        expectRefusal(mask, #"node "drop" (Dropout): output "mask" (mask) is used, which is not supported"#)
        var training = TestModel()
        training.weight("ratio", [], [0.5])
        var flag = int64Tensor("training", [], [1])
        flag.dataType = 9
        flag.int64Data = []
        flag.int32Data = [1]
        training.initializers.append(flag)
        training.node("Dropout", ["x", "ratio", "training"], ["y"], name: "drop")
        expectRefusal(training, #"node "drop" (Dropout): input "training_mode" is true; only inference (false) is supported"#)
    }

    @Test func unsupportedOpsAndAttributes() {
        var lstm = TestModel()
        lstm.node("LSTM", ["x"], ["y"], name: "n3")
        expectRefusal(lstm, #"node "n3" (LSTM): unsupported op"#)
        var unnamed = TestModel()
        unnamed.node("Sigmoid", ["x"], ["y"], name: "")
        expectRefusal(unnamed, #"node "y" (Sigmoid): unsupported op"#)
        var domain = TestModel()
        domain.node("FusedConv", ["x"], ["y"], name: "f")
        domain.nodes[0].domain = "com.microsoft"
        expectRefusal(domain, #"node "f" (FusedConv): unsupported op (domain "com.microsoft")"#)
        expectRefusal(
            singleOp("Relu", [attribute("alpha", Float(0.1))]), #"node "n" (Relu): attribute "alpha" is not supported for Relu (accepted: none)"#)
        var w = TestModel()
        w.weight("w", [1, 3, 3, 3], ramp(27))
        w.node("Conv", ["x", "w"], ["y"], name: "Conv_12", [attribute("auto_pad", "SAME_FOO")])
        expectRefusal(w, #"node "Conv_12" (Conv): attribute "auto_pad" = "SAME_FOO" is not supported (NOTSET, VALID, SAME_UPPER, SAME_LOWER)"#)
        var typed = TestModel()
        typed.weight("w", [1, 3, 3, 3], ramp(27))
        typed.node("Conv", ["x", "w"], ["y"], name: "c", [attribute("group", Float(1))])
        expectRefusal(typed, #"node "c" (Conv): attribute "group" has type FLOAT, expected INT"#)
        var gather = TestModel()
        gather.ints("i", [], [0])
        gather.node("Gather", ["x", "i"], ["y"], name: "g")
        expectRefusal(gather, #"node "g" (Gather): is only supported on constants (shape computations), but an input is computed from the graph input"#)
    }

    @Test func convolutionRefusals() {
        var channels = TestModel()
        channels.weight("w", [4, 2, 3, 3], ramp(72))
        channels.node("Conv", ["x", "w"], ["y"], name: "c")
        expectRefusal(channels, #"node "c" (Conv): input "W" expects 2 x 1 groups = 2 input channels, but the input has 3"#)
        var oneD = TestModel()
        oneD.weight("w", [4, 3, 3], ramp(36))
        oneD.node("Conv", ["x", "w"], ["y"], name: "c")
        expectRefusal(oneD, #"node "c" (Conv): input "W" has dims [4, 3, 3]; only 2-D convolutions (4-D weights) are supported"#)
        var missing = TestModel()
        missing.node("Conv", ["x", "w"], ["y"], name: "c")
        expectRefusal(missing, #"node "c" (Conv): input "W" (w) is not a graph input, an initializer or an earlier node's output"#)
        var large = TestModel(input: [1, 3, 40, 40])
        large.weight("w", [1, 3, 17, 17], ramp(867))
        large.node("Conv", ["x", "w"], ["y"], name: "c")
        expectRefusal(large, #"node "c" (Conv): has a shape the kernels cannot take: kernelHeight: must be in 1...16, got 17"#)
        var pads = TestModel()
        pads.weight("w", [1, 3, 3, 3], ramp(27))
        pads.node("Conv", ["x", "w"], ["y"], name: "c", [attribute("pads", [1, 1])])
        expectRefusal(pads, #"node "c" (Conv): attribute "pads" = [1, 1] needs 4 values (top, left, bottom, right)"#)
    }

    @Test func weightDataTypes() throws {
        var int8 = TestModel()
        var w = floatTensor("w", [1, 3, 1, 1], [])
        w.dataType = 3
        w.rawData = Data([1, 2, 3])
        int8.initializers.append(w)
        int8.node("Conv", ["x", "w"], ["y"], name: "c")
        expectRefusal(
            int8, #"model: initializer "w" has data type INT8, which is not supported (FLOAT weights; INT64, INT32 or BOOL for shapes and flags)"#)
        var external = TestModel()
        var e = floatTensor("w", [1, 3, 1, 1], [1, 2, 3])
        e.dataLocation = .external
        external.initializers.append(e)
        external.node("Conv", ["x", "w"], ["y"], name: "c")
        expectRefusal(
            external, #"model: initializer "w" is stored in external data, which is not supported (save the model with its weights inside)"#)
        var short = TestModel()
        var s = floatTensor("w", [1, 3, 1, 1], [1, 2])
        s.dims = [1, 3, 1, 1]
        short.initializers.append(s)
        short.node("Conv", ["x", "w"], ["y"], name: "c")
        expectRefusal(short, #"model: initializer "w" raw_data holds 8 bytes, but 3 elements of 4 bytes need 12"#)
        var integer = TestModel()
        integer.ints("w", [1, 3, 1, 1], [1, 2, 3])
        integer.node("Conv", ["x", "w"], ["y"], name: "c")
        expectRefusal(integer, #"node "c" (Conv): input "W" is an integer tensor; FLOAT is required"#)
    }

    @Test func graphInputRules() throws {
        var dynamicBatch = singleOp("Relu", input: [nil, 3, 8, 8])
        dynamicBatch.declaredOutputs = ["y": [1, 3, 8, 8]]
        #expect(try dynamicBatch.importGraph().values[0].shape == nhwc(1, 8, 8, 3))
        expectRefusal(
            singleOp("Relu", input: [1, 3, nil, 8]),
            #"model: graph input "x" has dimension 2 "N"; only the batch dimension may be symbolic (export with a fixed input size)"#)
        expectRefusal(singleOp("Relu", input: [1, 3, 8]), #"model: graph input "x" has rank 3, expected 4 (NCHW)"#)
        // IR < 4 lists initializers among the graph inputs too.
        var old = TestModel()
        old.weight("w", [2, 3, 1, 1], ramp(6))
        old.node("Conv", ["x", "w"], ["y"], name: "c")
        var bytesModel = try Onnx_ModelProto(serializedBytes: old.bytes)
        var info = bytesModel.graph.input[0]
        info.name = "w"
        bytesModel.graph.input.append(info)
        let g = try ONNXImporter.importModel(bytes: try bytesModel.serializedBytes(), optimized: false)
        #expect(g.values[g.input].name == "x")
        // A second real input is refused.
        var two = try Onnx_ModelProto(serializedBytes: singleOp("Relu").bytes)
        var second = two.graph.input[0]
        second.name = "z"
        two.graph.input.append(second)
        let twoInputs: [UInt8] = try two.serializedBytes()
        do {
            _ = try ONNXImporter.importModel(bytes: twoInputs)
            Issue.record("imported two inputs")
        } catch {
            #expect(error.description == #"model: graph inputs ["x", "z"] are not initializers; exactly one (the image tensor) is supported"#)
        }
    }

    @Test func declaredOutputShapesAreChecked() {
        var m = singleOp("MaxPool", [attribute("kernel_shape", [2, 2]), attribute("strides", [2, 2])])
        m.declaredOutputs = ["y": [1, 3, 8, 8]]
        expectRefusal(m, #"model: graph output "y" is declared 1x3x8x8, but the graph computes 1x3x4x4"#)
    }

    @Test func malformedBytesAndMetadata() throws {
        do {
            _ = try ONNXImporter.importModel(bytes: [0xFF, 0xFF, 0xFF])
            Issue.record("imported garbage")
        } catch {
            #expect(error.description.hasPrefix("model: is not a valid ONNX protobuf"))
            #expect(error.node == nil)
        }
        var m = singleOp("Relu")
        m.metadata = [("segd.classes", "background,cat"), ("segd.mean", "0.5,0.5,0.5")]
        let g = try m.importGraph()
        #expect(g.metadata("segd.classes") == "background,cat")
        #expect(g.metadata.map(\.key) == ["segd.classes", "segd.mean"])
    }

    @Test func errorFieldsNameNodeOpAndAttribute() {
        do {
            _ = try singleOp("ArgMax", [attribute("axis", 2)]).importGraph()
            Issue.record("imported")
        } catch {
            #expect(error.node == "n" && error.opType == "ArgMax" && error.subject == #"attribute "axis""#)
        }
    }
}

// MARK: - Fixture models

/// Tests/Fixtures/models, found from this file's path.
private let fixtureDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures/models")

private func fixture(_ name: String) throws -> FloatGraph {
    try ONNXImporter.importModel(path: fixtureDirectory.appendingPathComponent(name).path)
}

private func opCounts(_ g: FloatGraph) -> [String: Int] {
    var counts: [String: Int] = [:]
    for n in g.nodes {
        let kind: String = switch n.op {
        case .conv: "conv"
        case .transposedConv: "transposedConv"
        case .maxPool: "maxPool"
        case .averagePool: "averagePool"
        case .globalAveragePool: "globalAveragePool"
        case .add: "add"
        case .concat: "concat"
        case .resize: "resize"
        case .pad: "pad"
        case .clamp: "clamp"
        case .softmax: "softmax"
        case .argMax: "argMax"
        }
        counts[kind, default: 0] += 1
    }
    return counts
}

/// Expects every node's inputs to be written before it and its recorded shapes to chain.
private func expectWellFormed(_ g: FloatGraph, sourceLocation: SourceLocation = #_sourceLocation) {
    var written: Set<Int> = [g.input]
    for n in g.nodes {
        #expect(n.inputs.allSatisfy { written.contains($0) }, "\(n.name) reads an unwritten value", sourceLocation: sourceLocation)
        #expect(!written.contains(n.output), "\(n.name) rewrites a value", sourceLocation: sourceLocation)
        written.insert(n.output)
    }
    #expect(g.outputs.allSatisfy { written.contains($0) }, sourceLocation: sourceLocation)
    #expect(Set(g.nodes.map(\.output)).count + 1 == g.values.count, "values are compacted", sourceLocation: sourceLocation)
}

@Suite struct ONNXFixtureTests {
    @Test(arguments: [
        ("deeplab_lite_321.onnx", 321, [ "conv": 15, "maxPool": 4, "resize": 1 ]),
        ("deeplab_lite_161.onnx", 161, [ "conv": 15, "maxPool": 4, "resize": 1 ]),
        ("deeplab_lite_msc_161.onnx", 161, [ "conv": 24, "maxPool": 4, "add": 3, "resize": 1 ]),
        ("fcn8s_lite_321.onnx", 321, [ "conv": 15, "maxPool": 5, "transposedConv": 3, "add": 2 ]),
        ("fcn8s_lite_161.onnx", 161, [ "conv": 15, "maxPool": 5, "transposedConv": 3, "add": 2 ]),
        ("fcn8s_lite_bilinear_161.onnx", 161, [ "conv": 15, "maxPool": 5, "resize": 3, "add": 2 ]),
        ("refinenet_lite_321.onnx", 321, [ "conv": 76, "maxPool": 16, "resize": 4, "add": 30 ]),
        ("refinenet_lite_161.onnx", 161, [ "conv": 76, "maxPool": 16, "resize": 4, "add": 30 ]),
    ])
    func segmentationNetworks(file: String, size: Int, ops: [String: Int]) throws {
        let g = try fixture(file)
        // Every BatchNormalization folded and every Relu / Clip fused: only the computing ops remain.
        #expect(opCounts(g) == ops)
        #expect(!g.nodes.contains { $0.opType == "BatchNormalization" || $0.opType == "Relu" || $0.opType == "Clip" })
        #expect(g.values[g.input].shape == nhwc(1, size, size, 3))
        #expect(g.outputs.count == 1)
        #expect(g.values[g.outputs[0]].name == "logits")
        #expect(g.values[g.outputs[0]].shape == nhwc(1, size, size, 21))
        #expect(g.metadata("segd.classes")?.split(separator: ",").count == 21)
        expectWellFormed(g)
        let raw = try ONNXImporter.importModel(
            bytes: [UInt8](try Data(contentsOf: fixtureDirectory.appendingPathComponent(file))), optimized: false)
        #expect(raw.nodes.count > g.nodes.count)
        #expect(raw.values[raw.outputs[0]].shape == g.values[g.outputs[0]].shape)
    }

    @Test func tinyOps() throws {
        let g = try fixture("tiny_ops.onnx")
        expectWellFormed(g)
        #expect(g.values[g.input].shape == nhwc(1, 33, 33, 3))
        #expect(g.outputs.map { g.values[$0].name } == ["probs", "labels"])
        #expect(g.outputs.map { g.values[$0].shape } == [nhwc(1, 33, 33, 5), nhwc(1, 33, 33, 1)])
        let raw = try ONNXImporter.importModel(
            bytes: [UInt8](try Data(contentsOf: fixtureDirectory.appendingPathComponent("tiny_ops.onnx"))), optimized: false)
        expectWellFormed(raw)
        // Identity and Dropout vanish at import; nothing else does.
        #expect(raw.nodes.count == 23 - 2)
        #expect(!raw.nodes.contains { $0.opType == "Identity" || $0.opType == "Dropout" })
    }
}
