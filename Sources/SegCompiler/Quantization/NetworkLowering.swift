import SegKernels
import SegRuntime

/// An int8 program with its weight section, and where each graph value ended up.
public struct LoweredNetwork: Sendable {
    public var program: NetworkProgram
    /// The weight section: every blob the layers reference, 64-byte aligned.
    public var weights: [UInt8]
    /// For each graph value id, the program tensor that holds it (int8 where the value exists in
    /// int8, else float), or nil where the value was folded away.
    public var valueTensors: [Int?]
}

/// Turns a float graph and the calibrated real range of each of its values into an int8 program
/// (TFLite scheme): weights symmetric int8 per output channel or per tensor, bias int32 at
/// `inputScale * weightScale`, activations int8 with scale and zero point from their ranges, fused
/// activations as output clamps; max-pool and resize keep their input's quantization. Layers named
/// in `floatLayers` run in float between dequantize / quantize steps.
public enum NetworkLowering {
    /// - Parameter ranges: per value id, the real range calibration chose for it.
    public static func lower(
        _ graph: FloatGraph, ranges: [ClosedRange<Float>?], options: LoweringOptions
    ) throws(LoweringError) -> LoweredNetwork {
        var lowering = Lowering(graph: graph, ranges: ranges, options: options)
        return try lowering.run()
    }
}

private struct Lowering {
    let graph: FloatGraph
    let ranges: [ClosedRange<Float>?]
    let options: LoweringOptions
    var tensors: [TensorSlot] = []
    var layers: [LayerRecord] = []
    var weights = WeightSectionBuilder()
    var int8Of: [Int?]
    var floatOf: [Int?]
    /// Softmax outputs read only by ArgMax: their argmax is that of the softmax input.
    var softmaxSource: [Int?]
    /// The tensor each node wrote for its output value.
    var produced: [Int?]

    init(graph: FloatGraph, ranges: [ClosedRange<Float>?], options: LoweringOptions) {
        self.graph = graph
        self.ranges = ranges
        self.options = options
        int8Of = Array(repeating: nil, count: graph.values.count)
        floatOf = Array(repeating: nil, count: graph.values.count)
        softmaxSource = Array(repeating: nil, count: graph.values.count)
        produced = Array(repeating: nil, count: graph.values.count)
    }

    mutating func run() throws(LoweringError) -> LoweredNetwork {
        let inputValue = graph.values[graph.input]
        let (inScale, inZero) = try quantization(of: graph.input, node: "input", opType: "Input")
        let input = addSlot(inputValue.name, inputValue.shape, .int8, inScale, inZero)
        int8Of[graph.input] = input
        for node in graph.nodes {
            if options.floatLayers.contains(node.name) {
                try lowerFloat(node)
            } else {
                try lowerInt8(node)
            }
        }
        guard let outputValue = graph.outputs.first else {
            throw LoweringError(node: "graph", opType: "Graph", message: "the graph has no output")
        }
        let (mask, logits) = try finish(outputValue)
        let classes = graph.metadata("segd.classes").map { $0.split(separator: ",").map { $0.trimmingWhitespace() } } ?? []
        var program = NetworkProgram(
            tensors: tensors, layers: layers, input: input, mask: mask, logits: logits,
            classNames: classes,
            mean: parseTriple(graph.metadata("segd.mean")) ?? [0.485, 0.456, 0.406],
            std: parseTriple(graph.metadata("segd.std")) ?? [0.229, 0.224, 0.225],
            modelName: graph.metadata("segd.model") ?? "model", quantizationSummary: options.summary)
        ArenaPlanner.plan(&program)
        var valueTensors = [Int?](repeating: nil, count: graph.values.count)
        for v in graph.values.indices { valueTensors[v] = produced[v] ?? int8Of[v] ?? floatOf[v] }
        return LoweredNetwork(program: program, weights: weights.bytes, valueTensors: valueTensors)
    }

    // MARK: - Int8 layers

    private mutating func lowerInt8(_ node: GraphNode) throws(LoweringError) {
        let shape = graph.values[node.output].shape
        let name = graph.values[node.output].name
        func fail(_ message: String) -> LoweringError { LoweringError(node: node.name, opType: node.opType, message: message) }
        switch node.op {
        case let .conv(op):
            let input = try int8Tensor(node.inputs[0], node)
            let (scale, zero) = try quantization(of: node.output, node: node.name, opType: node.opType)
            let (w, b, q) = try quantizeConv(
                node, weights: op.weights, bias: op.bias, outputChannels: op.geometry.outputChannels,
                input: tensors[input], outputScale: scale, outputZeroPoint: zero, activation: op.activation)
            emit(node, .conv(op.geometry, q, weights: w, bias: b), [input], addSlot(name, shape, .int8, scale, zero), int8: true)
        case let .transposedConv(op):
            let input = try int8Tensor(node.inputs[0], node)
            let (scale, zero) = try quantization(of: node.output, node: node.name, opType: node.opType)
            let (w, b, q) = try quantizeConv(
                node, weights: op.weights, bias: op.bias, outputChannels: op.geometry.outputChannels,
                input: tensors[input], outputScale: scale, outputZeroPoint: zero, activation: op.activation)
            emit(node, .transposedConv(op.geometry, q, weights: w, bias: b), [input], addSlot(name, shape, .int8, scale, zero), int8: true)
        case let .maxPool(geometry):
            let input = try int8Tensor(node.inputs[0], node)
            let slot = tensors[input]
            emit(node, .maxPool(geometry), [input], addSlot(name, shape, .int8, slot.scale, slot.zeroPoint), int8: true)
        case let .averagePool(geometry, countIncludePad):
            let input = try int8Tensor(node.inputs[0], node)
            let (scale, zero) = try quantization(of: node.output, node: node.name, opType: node.opType)
            let q = AveragePoolQuantization(
                inputScale: tensors[input].scale, inputZeroPoint: tensors[input].zeroPoint, outputScale: scale, outputZeroPoint: zero)
            emit(node, .averagePool(geometry, countIncludePad: countIncludePad, q), [input], addSlot(name, shape, .int8, scale, zero), int8: true)
        case .globalAveragePool:
            let input = try int8Tensor(node.inputs[0], node)
            let (scale, zero) = try quantization(of: node.output, node: node.name, opType: node.opType)
            let q = AveragePoolQuantization(
                inputScale: tensors[input].scale, inputZeroPoint: tensors[input].zeroPoint, outputScale: scale, outputZeroPoint: zero)
            emit(node, .globalAveragePool(q), [input], addSlot(name, shape, .int8, scale, zero), int8: true)
        case let .add(activation):
            let a = try int8Tensor(node.inputs[0], node), b = try int8Tensor(node.inputs[1], node)
            let (scale, zero) = try quantization(of: node.output, node: node.name, opType: node.opType)
            let q = ElementwiseAddQuantization(
                aScale: tensors[a].scale, aZeroPoint: tensors[a].zeroPoint, bScale: tensors[b].scale, bZeroPoint: tensors[b].zeroPoint,
                outputScale: scale, output: outputClamp(activation, scale, zero))
            emit(node, .add(q), [a, b], addSlot(name, shape, .int8, scale, zero), int8: true)
        case .concat:
            var inputs: [Int] = []
            var parts: [ConcatInput] = []
            for value in node.inputs {
                let t = try int8Tensor(value, node)
                inputs.append(t)
                parts.append(ConcatInput(chunk: tensors[t].dims.channels, scale: tensors[t].scale, zeroPoint: tensors[t].zeroPoint))
            }
            let (scale, zero) = try quantization(of: node.output, node: node.name, opType: node.opType)
            emit(node, .concat(parts, outputScale: scale, outputZeroPoint: zero), inputs, addSlot(name, shape, .int8, scale, zero), int8: true)
        case let .resize(op):
            let input = try int8Tensor(node.inputs[0], node)
            let slot = tensors[input]
            let spec: LayerSpec
            switch op.mode {
            case let .linear(mode): spec = .resizeBilinear(op.geometry, mode)
            case let .nearest(mode, rounding): spec = .resizeNearest(op.geometry, mode, rounding)
            }
            emit(node, spec, [input], addSlot(name, shape, .int8, slot.scale, slot.zeroPoint), int8: true)
        case let .clamp(activation):
            // A 1x1 average pool at the input's own scale is the identity; its output clamp clips.
            let input = try int8Tensor(node.inputs[0], node)
            let slot = tensors[input]
            let g = Pool2DGeometry(
                batch: shape.batch, inputHeight: shape.height, inputWidth: shape.width, channels: shape.channels,
                kernelHeight: 1, kernelWidth: 1)
            let q = AveragePoolQuantization(
                inputScale: slot.scale, inputZeroPoint: slot.zeroPoint, outputScale: slot.scale,
                output: outputClamp(activation, slot.scale, slot.zeroPoint))
            emit(node, .averagePool(g, countIncludePad: false, q), [input], addSlot(name, shape, .int8, slot.scale, slot.zeroPoint), int8: true)
        case .softmax:
            let consumers = graph.consumers(of: node.output)
            if !consumers.isEmpty && consumers.allSatisfy({ if case .argMax = graph.nodes[$0].op { true } else { false } }) {
                softmaxSource[node.output] = node.inputs[0]
                return
            }
            let input = try int8Tensor(node.inputs[0], node)
            emit(node, .softmax, [input], addSlot(name, shape, .float32, 1, 0), int8: false)
        case .argMax:
            let source = softmaxSource[node.inputs[0]] ?? node.inputs[0]
            if let floatInput = floatOf[source], int8Of[source] == nil {
                emit(node, .float(.argMax), [floatInput], addSlot(name, shape, .uint8, 1, 0), int8: true)
            } else {
                emit(node, .argMax, [try int8Tensor(source, node)], addSlot(name, shape, .uint8, 1, 0), int8: true)
            }
        case let .pad(p):
            let input = try int8Tensor(node.inputs[0], node)
            let slot = tensors[input]
            let level = (Double(p.value) / slot.scale).rounded(.toNearestOrEven) + Double(slot.zeroPoint)
            let value = Int8(min(127, max(-128, level)))
            emit(node, .pad(top: p.top, left: p.left, bottom: p.bottom, right: p.right, value: value), [input],
                 addSlot(name, shape, .int8, slot.scale, slot.zeroPoint), int8: true)
        }
    }

    // MARK: - Float layers

    private mutating func lowerFloat(_ node: GraphNode) throws(LoweringError) {
        let shape = graph.values[node.output].shape
        let name = graph.values[node.output].name
        var inputs: [Int] = []
        for value in node.inputs { inputs.append(try floatTensor(value, node)) }
        let spec: FloatLayerSpec
        switch node.op {
        case let .conv(op):
            spec = .conv(op.geometry, weights: weights.append(op.weights), bias: weights.append(op.bias),
                         lower: op.activation.lower, upper: op.activation.upper)
        case let .transposedConv(op):
            spec = .transposedConv(op.geometry, weights: weights.append(op.weights), bias: weights.append(op.bias),
                                   lower: op.activation.lower, upper: op.activation.upper)
        case let .maxPool(g): spec = .maxPool(g)
        case let .averagePool(g, countIncludePad): spec = .averagePool(g, countIncludePad: countIncludePad)
        case .globalAveragePool: spec = .globalAveragePool
        case let .add(a): spec = .add(lower: a.lower, upper: a.upper)
        case .concat: spec = .concat
        case let .resize(op):
            switch op.mode {
            case let .linear(mode): spec = .resizeBilinear(op.geometry, mode)
            case let .nearest(mode, rounding): spec = .resizeNearest(op.geometry, mode, rounding)
            }
        case let .clamp(a): spec = .clamp(lower: a.lower, upper: a.upper)
        case .softmax: spec = .softmax
        case .argMax:
            emit(node, .float(.argMax), inputs, addSlot(name, shape, .uint8, 1, 0), int8: true)
            return
        case let .pad(p): spec = .pad(top: p.top, left: p.left, bottom: p.bottom, right: p.right, value: p.value)
        }
        emit(node, .float(spec), inputs, addSlot(name, shape, .float32, 1, 0), int8: false)
    }

    // MARK: - Helpers

    private mutating func emit(_ node: GraphNode, _ spec: LayerSpec, _ inputs: [Int], _ output: Int, int8: Bool) {
        layers.append(LayerRecord(name: node.name, opType: node.opType, spec: spec, inputs: inputs, output: output))
        produced[node.output] = output
        if int8 { int8Of[node.output] = output } else { floatOf[node.output] = output }
    }

    private mutating func addSlot(_ name: String, _ dims: TensorDims, _ type: ElementType, _ scale: Double, _ zero: Int32) -> Int {
        tensors.append(TensorSlot(name: name, dims: dims, elementType: type, scale: scale, zeroPoint: zero))
        return tensors.count - 1
    }

    /// The int8 tensor of `value`, quantizing its float one when only that exists.
    private mutating func int8Tensor(_ value: Int, _ node: GraphNode) throws(LoweringError) -> Int {
        if let t = int8Of[value] { return t }
        guard let f = floatOf[value] else {
            throw LoweringError(node: node.name, opType: node.opType, message: "input \"\(graph.values[value].name)\" is computed by no layer")
        }
        let (scale, zero) = try quantization(of: value, node: node.name, opType: node.opType)
        let t = addSlot(graph.values[value].name + ":int8", tensors[f].dims, .int8, scale, zero)
        layers.append(LayerRecord(name: graph.values[value].name + ":quantize", opType: "QuantizeLinear", spec: .quantize, inputs: [f], output: t))
        int8Of[value] = t
        return t
    }

    /// The float tensor of `value`, dequantizing its int8 one when only that exists.
    private mutating func floatTensor(_ value: Int, _ node: GraphNode) throws(LoweringError) -> Int {
        if let t = floatOf[value] { return t }
        guard let q = int8Of[value] else {
            throw LoweringError(node: node.name, opType: node.opType, message: "input \"\(graph.values[value].name)\" is computed by no layer")
        }
        let t = addSlot(graph.values[value].name + ":float", tensors[q].dims, .float32, 1, 0)
        layers.append(LayerRecord(name: graph.values[value].name + ":dequantize", opType: "DequantizeLinear", spec: .dequantize, inputs: [q], output: t))
        floatOf[value] = t
        return t
    }

    /// Scale and zero point of a value from its calibrated range.
    private func quantization(of value: Int, node: String, opType: String) throws(LoweringError) -> (Double, Int32) {
        guard value < ranges.count, let range = ranges[value] else {
            throw LoweringError(node: node, opType: opType, message: "no calibration range for \"\(graph.values[value].name)\"")
        }
        let p = quantizationParameters(min: range.lowerBound, max: range.upperBound, symmetric: options.symmetricActivations)
        return (p.scale, p.zeroPoint)
    }

    /// Int8 weights, int32 bias and requantization of a (transposed) convolution.
    private mutating func quantizeConv(
        _ node: GraphNode, weights w: [Float], bias: [Float], outputChannels: Int, input: TensorSlot,
        outputScale: Double, outputZeroPoint: Int32, activation: ActivationClamp
    ) throws(LoweringError) -> (BlobRef, BlobRef, ConvQuantization) {
        let scales = weightScales(weights: w, outputChannels: outputChannels, perChannel: options.perChannelWeights)
        let q = quantizeWeights(w, scales: scales, outputChannels: outputChannels)
        var b = [Int32](repeating: 0, count: outputChannels)
        var multipliers: [QuantizedMultiplier] = []
        for c in 0..<outputChannels {
            let accumulatorScale = input.scale * scales[c]
            let v = (Double(bias[c]) / accumulatorScale).rounded(.toNearestOrAwayFromZero)
            b[c] = Int32(min(Double(Int32.max), max(Double(Int32.min + 1), v)))
            if options.perChannelWeights || c == 0 {
                do {
                    multipliers.append(try QuantizedMultiplier(scale: accumulatorScale / outputScale))
                } catch {
                    throw LoweringError(node: node.name, opType: node.opType, message: "output multiplier: \(error.description)")
                }
            }
        }
        let quantization = ConvQuantization(
            inputZeroPoint: input.zeroPoint, multipliers: multipliers,
            output: outputClamp(activation, outputScale, outputZeroPoint))
        return (weights.append(q), weights.append(b), quantization)
    }

    /// The int8 clamp of a fused activation at an output's scale and zero point.
    private func outputClamp(_ activation: ActivationClamp, _ scale: Double, _ zero: Int32) -> OutputQuantization {
        func level(_ x: Float) -> Int8 {
            guard x.isFinite else { return x < 0 ? -128 : 127 }
            let q = (Double(x) / scale).rounded(.toNearestOrEven) + Double(zero)
            return Int8(min(127, max(-128, q)))
        }
        return OutputQuantization(zeroPoint: zero, minimum: level(activation.lower), maximum: level(activation.upper))
    }

    /// Mask and logits tensors for the graph output: an ArgMax output is the mask; any other output
    /// gets an ArgMax over channels appended.
    private mutating func finish(_ output: Int) throws(LoweringError) -> (mask: Int, logits: Int) {
        if let producer = graph.producer(of: output), case .argMax = graph.nodes[producer].op, let mask = int8Of[output] {
            let source = layers.last { $0.output == mask }!.inputs[0]
            return (mask, source)
        }
        let value = softmaxSource[output] ?? output
        guard let logits = int8Of[value] ?? floatOf[value] else {
            throw LoweringError(node: graph.values[output].name, opType: "Output", message: "the output is computed by no layer")
        }
        let d = tensors[logits].dims
        let mask = addSlot(graph.values[output].name + ":mask", TensorDims(batch: d.batch, height: d.height, width: d.width, channels: 1), .uint8, 1, 0)
        let spec: LayerSpec = tensors[logits].elementType == .int8 ? .argMax : .float(.argMax)
        layers.append(LayerRecord(name: graph.values[output].name + ":argmax", opType: "ArgMax", spec: spec, inputs: [logits], output: mask))
        return (mask, logits)
    }
}

private func parseTriple(_ text: String?) -> [Float]? {
    guard let text else { return nil }
    let values = text.split(separator: ",").compactMap { Float($0.trimmingWhitespace()) }
    return values.count == 3 ? values : nil
}

extension Substring {
    func trimmingWhitespace() -> String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
