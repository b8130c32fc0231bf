import SegKernels

/// The state of an import: the graph built so far and what every ONNX tensor name stands for.
struct GraphBuilder {
    /// What an ONNX tensor name refers to.
    enum Symbol {
        /// A value of the float graph (`FloatGraph.values` index).
        case activation(Int)
        /// A tensor known at import.
        case constant(ConstantTensor)
    }

    var values: [GraphValue] = []
    var nodes: [GraphNode] = []
    private var symbols: [String: Symbol] = [:]
    /// Names read by some node or listed as graph outputs: an op's optional extra output (MaxPool
    /// indices, Dropout mask) is only refused when one of these uses it.
    private let usedNames: Set<String>
    let opset: Int

    init(opset: Int, graph: Onnx_GraphProto) {
        self.opset = opset
        usedNames = Set(graph.node.flatMap(\.input) + graph.output.map(\.name))
    }

    func symbol(_ name: String) -> Symbol? { symbols[name] }

    mutating func define(_ name: String, _ symbol: Symbol) { symbols[name] = symbol }

    mutating func addValue(_ value: GraphValue) -> Int {
        values.append(value)
        symbols[value.name] = .activation(values.count - 1)
        return values.count - 1
    }

    func shape(_ id: Int) -> TensorShape { values[id].shape }

    /// Appends the graph node computing `n`'s first output and returns that output's value id.
    @discardableResult
    mutating func append(_ n: ONNXNode, _ op: GraphOp, inputs: [Int], shape: TensorShape) throws(ModelImportError) -> Int {
        guard let name = n.output(0) else { throw n.error(nil, "has no output") }
        let id = addValue(GraphValue(name: name, shape: shape))
        nodes.append(GraphNode(name: n.name, opType: n.opType, op: op, inputs: inputs, output: id))
        return id
    }

    /// Binds `n`'s first output to an existing symbol (Identity, Dropout, folded constants).
    mutating func alias(_ n: ONNXNode, _ symbol: Symbol) throws(ModelImportError) {
        guard let name = n.output(0) else { throw n.error(nil, "has no output") }
        symbols[name] = symbol
    }

    /// Refuses `n` if any output after the first (index statistics, masks, training statistics)
    /// is read by another node or is a graph output.
    func requireOnlyFirstOutputUsed(_ n: ONNXNode, _ names: [String]) throws(ModelImportError) {
        for index in 1..<max(n.proto.output.count, 1) {
            if let output = n.output(index), usedNames.contains(output) {
                let label = index - 1 < names.count ? names[index - 1] : "\(index)"
                throw n.error("output \"\(label)\"", "(\(output)) is used, which is not supported")
            }
        }
    }

    /// The symbol input `index` of `n` names; throws when it is absent or undefined.
    func input(_ n: ONNXNode, _ index: Int, _ label: String) throws(ModelImportError) -> Symbol {
        guard let name = n.input(index) else { throw n.error("input \"\(label)\"", "is missing") }
        guard let s = symbols[name] else {
            throw n.error("input \"\(label)\"", "(\(name)) is not a graph input, an initializer or an earlier node's output")
        }
        return s
    }

    /// The value id of activation input `index`; a constant there is refused.
    func activation(_ n: ONNXNode, _ index: Int, _ label: String) throws(ModelImportError) -> Int {
        switch try input(n, index, label) {
        case .activation(let id): return id
        case .constant:
            throw n.error("input \"\(label)\"", "(\(n.proto.input[index])) is a constant; \(n.opType) is only supported on activations here")
        }
    }

    /// Constant input `index`, nil when the optional input is absent; an activation is refused.
    func constant(_ n: ONNXNode, _ index: Int, _ label: String) throws(ModelImportError) -> ConstantTensor? {
        guard n.input(index) != nil else { return nil }
        switch try input(n, index, label) {
        case .constant(let c): return c
        case .activation:
            throw n.error("input \"\(label)\"", "(\(n.proto.input[index])) is computed from the graph input; it must be a constant")
        }
    }

    /// FLOAT weights of input `index` with `count` elements, nil when the optional input is absent.
    func floatWeights(_ n: ONNXNode, _ index: Int, _ label: String, count: Int) throws(ModelImportError) -> [Float]? {
        guard let c = try constant(n, index, label) else { return nil }
        guard case .float(let values) = c.elements else {
            throw n.error("input \"\(label)\"", "(\(n.proto.input[index])) is an integer tensor; FLOAT is required")
        }
        guard values.count == count else {
            throw n.error("input \"\(label)\"", "(\(n.proto.input[index])) has \(values.count) elements, expected \(count)")
        }
        return values
    }

    /// A FLOAT (or integer) scalar constant input, nil when absent.
    func scalar(_ n: ONNXNode, _ index: Int, _ label: String) throws(ModelImportError) -> Float? {
        guard let c = try constant(n, index, label) else { return nil }
        guard c.count == 1 else {
            throw n.error("input \"\(label)\"", "has \(c.count) elements, expected a scalar")
        }
        return c.floats[0]
    }

    /// The import of one node: its graph node, its alias or its folded constant.
    mutating func importNode(_ n: ONNXNode) throws(ModelImportError) {
        guard n.proto.domain.isEmpty || n.proto.domain == "ai.onnx" else {
            throw n.error(nil, "unsupported op (domain \"\(n.proto.domain)\")")
        }
        // Shape computations fold whenever their inputs are constants; Add, Concat and Identity
        // also exist as graph ops on activations.
        if let folded = try foldConstant(n) {
            try alias(n, .constant(folded))
            return
        }
        switch n.opType {
        case "Conv": try importConv(n)
        case "ConvTranspose": try importConvTranspose(n)
        case "BatchNormalization": try importBatchNormalization(n)
        case "Relu": try importRelu(n)
        case "Clip": try importClip(n)
        case "MaxPool": try importMaxPool(n)
        case "AveragePool": try importAveragePool(n)
        case "GlobalAveragePool": try importGlobalAveragePool(n)
        case "Add": try importAdd(n)
        case "Concat": try importConcat(n)
        case "Resize": try importResize(n)
        case "Upsample": try importUpsample(n)
        case "Pad": try importPad(n)
        case "Softmax": try importSoftmax(n)
        case "ArgMax": try importArgMax(n)
        case "Identity": try importIdentity(n)
        case "Dropout": try importDropout(n)
        case "Cast": try importCast(n)
        case _ where foldableOps.contains(n.opType):
            throw n.error(nil, "is only supported on constants (shape computations), but an input is computed from the graph input")
        default:
            throw n.error(nil, "unsupported op")
        }
    }

    /// Refuses a geometry the kernels cannot take, naming `n`.
    func validate(_ n: ONNXNode, _ check: () throws(KernelConfigurationError) -> Void) throws(ModelImportError) {
        do {
            try check()
        } catch {
            throw n.error(nil, "has a shape the kernels cannot take: \(error)")
        }
    }
}
