import SegKernels
import SegRuntime

/// Runs a `FloatGraph` in float32 with SegRuntime's float kernels: the reference the int8 program
/// is calibrated against and compared with (`segctl infer --float`, SQNR reports). Convolution
/// weights are packed once at init. Not thread-safe; one `run` at a time.
public final class FloatGraphRunner {
    public let graph: FloatGraph
    private var convs: [PackedFloatConv2D?]
    private var transposedConvs: [PackedFloatTransposedConv2D?]
    /// For each value, the index of the last node that reads it (values are freed after it).
    private let lastUse: [Int]

    public init(graph: FloatGraph) throws(LoweringError) {
        self.graph = graph
        convs = Array(repeating: nil, count: graph.nodes.count)
        transposedConvs = Array(repeating: nil, count: graph.nodes.count)
        var last = [Int](repeating: -1, count: graph.values.count)
        for (index, node) in graph.nodes.enumerated() {
            for input in node.inputs { last[input] = index }
            do {
                switch node.op {
                case let .conv(op):
                    convs[index] = try op.weights.withUnsafeBufferPointer { w throws(KernelConfigurationError) in
                        try op.bias.withUnsafeBufferPointer { b throws(KernelConfigurationError) in
                            try PackedFloatConv2D(op.geometry, weights: w, bias: b, lower: op.activation.lower, upper: op.activation.upper)
                        }
                    }
                case let .transposedConv(op):
                    transposedConvs[index] = try op.weights.withUnsafeBufferPointer { w throws(KernelConfigurationError) in
                        try op.bias.withUnsafeBufferPointer { b throws(KernelConfigurationError) in
                            try PackedFloatTransposedConv2D(
                                op.geometry, weights: w, bias: b, lower: op.activation.lower, upper: op.activation.upper)
                        }
                    }
                default: break
                }
            } catch {
                throw LoweringError(node: node.name, opType: node.opType, message: error.description)
            }
        }
        for output in graph.outputs { last[output] = Int.max }
        lastUse = last
    }

    /// Runs the graph on `input` (NHWC, the graph input's shape); `visit` sees the input and then
    /// every node's output (value id, NHWC values) as they are computed. Returns the graph outputs.
    public func run(input: [Float], visit: (Int, [Float]) -> Void = { _, _ in }) -> [[Float]] {
        precondition(input.count == graph.values[graph.input].shape.elementCount, "input size does not match the graph input")
        var values = [[Float]?](repeating: nil, count: graph.values.count)
        values[graph.input] = input
        visit(graph.input, input)
        for (index, node) in graph.nodes.enumerated() {
            let out = compute(index, node, values)
            visit(node.output, out)
            values[node.output] = out
            for v in node.inputs where lastUse[v] == index { values[v] = nil }
        }
        return graph.outputs.map { values[$0]! }
    }

    private func compute(_ index: Int, _ node: GraphNode, _ values: [[Float]?]) -> [Float] {
        let shape = graph.values[node.output].shape
        let inShape = graph.values[node.inputs[0]].shape
        let x = values[node.inputs[0]]!
        var out = [Float](repeating: 0, count: shape.elementCount)
        x.withUnsafeBufferPointer { xp in
            out.withUnsafeMutableBufferPointer { op in
                let i = xp.baseAddress!, o = op.baseAddress!
                switch node.op {
                case .conv: convs[index]!.run(input: i, output: o)
                case .transposedConv: transposedConvs[index]!.run(input: i, output: o)
                case let .maxPool(g): maxPool2dFloat(g, input: i, output: o)
                case let .averagePool(g, countIncludePad): averagePool2dFloat(g, countIncludePad: countIncludePad, input: i, output: o)
                case .globalAveragePool:
                    globalAveragePoolFloat(
                        batch: inShape.batch, height: inShape.height, width: inShape.width, channels: inShape.channels, input: i, output: o)
                case let .add(a):
                    values[node.inputs[1]]!.withUnsafeBufferPointer { b in
                        addFloat(i, b.baseAddress!, output: o, count: shape.elementCount, lower: a.lower, upper: a.upper)
                    }
                case .concat:
                    let parts = node.inputs.map { values[$0]! }
                    var pointers: [UnsafePointer<Float>] = []
                    var keep: [UnsafeMutableBufferPointer<Float>] = []
                    for part in parts {
                        let copy = UnsafeMutableBufferPointer<Float>.allocate(capacity: part.count)
                        _ = copy.initialize(from: part)
                        keep.append(copy)
                        pointers.append(UnsafePointer(copy.baseAddress!))
                    }
                    let channels = node.inputs.map { graph.values[$0].shape.channels }
                    pointers.withUnsafeBufferPointer { p in
                        channels.withUnsafeBufferPointer { c in
                            concatFloat(inputs: p, channels: c, pixelCount: shape.pixelCount, output: o)
                        }
                    }
                    for buffer in keep { buffer.deallocate() }
                case let .resize(r):
                    switch r.mode {
                    case let .linear(mode): resizeBilinearFloat(r.geometry, coordinateMode: mode, input: i, output: o)
                    case let .nearest(mode, rounding):
                        resizeNearestFloat(r.geometry, coordinateMode: mode, nearestMode: rounding, input: i, output: o)
                    }
                case let .pad(p):
                    padFloat(
                        batch: inShape.batch, inputHeight: inShape.height, inputWidth: inShape.width, channels: inShape.channels,
                        top: p.top, left: p.left, bottom: p.bottom, right: p.right, value: p.value, input: i, output: o)
                case let .clamp(a): clampFloat(i, output: o, count: shape.elementCount, lower: a.lower, upper: a.upper)
                case .softmax: softmaxFloat(pixelCount: inShape.pixelCount, channels: inShape.channels, input: i, output: o)
                case .argMax: argMaxFloat(pixelCount: inShape.pixelCount, channels: inShape.channels, input: i, output: o)
                }
            }
        }
        return out
    }
}
