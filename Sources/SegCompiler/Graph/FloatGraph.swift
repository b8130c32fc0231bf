import SegKernels
import SegRuntime

/// The shape of an activation tensor in NHWC order (ONNX's NCHW `[n, c, h, w]` is `[n, h, w, c]` here):
/// the runtime's `TensorDims`.
public typealias TensorShape = TensorDims

/// One tensor of the graph: an activation produced by a node or the graph input.
public struct GraphValue: Sendable {
    /// The ONNX tensor name.
    public var name: String
    public var shape: TensorShape

    public init(name: String, shape: TensorShape) {
        self.name = name
        self.shape = shape
    }
}

/// One operation: `op` reads the values `inputs` (ids into `FloatGraph.values`) and writes `output`.
public struct GraphNode: Sendable {
    /// The ONNX node name (or, when the node has none, its first output's name): how the
    /// quantization config and error messages refer to the layer.
    public var name: String
    /// The ONNX op type the node came from (after fusion, the first one: `Conv` for Conv+BN+Relu).
    public var opType: String
    public var op: GraphOp
    public var inputs: [Int]
    public var output: Int

    public init(name: String, opType: String, op: GraphOp, inputs: [Int], output: Int) {
        self.name = name
        self.opType = opType
        self.op = op
        self.inputs = inputs
        self.output = output
    }
}

/// A float network over NHWC activations, as imported from ONNX: nodes in topological order,
/// constants folded into the nodes that use them, shapes inferred. One graph input (the image
/// tensor) and one or more outputs.
public struct FloatGraph: Sendable {
    public var values: [GraphValue]
    public var nodes: [GraphNode]
    /// The value id of the graph input.
    public var input: Int
    /// The value ids of the graph outputs, in ONNX order.
    public var outputs: [Int]
    /// ONNX `metadata_props` (e.g. `segd.classes`, `segd.mean`, `segd.std`).
    public var metadata: [(key: String, value: String)]

    public init(values: [GraphValue], nodes: [GraphNode], input: Int, outputs: [Int], metadata: [(key: String, value: String)]) {
        self.values = values
        self.nodes = nodes
        self.input = input
        self.outputs = outputs
        self.metadata = metadata
    }

    /// The metadata value stored under `key`, if any.
    public func metadata(_ key: String) -> String? {
        metadata.first { $0.key == key }?.value
    }

    /// The node that writes value `id`, if any (nil for the graph input).
    public func producer(of id: Int) -> Int? {
        nodes.firstIndex { $0.output == id }
    }

    /// The nodes that read value `id`.
    public func consumers(of id: Int) -> [Int] {
        nodes.indices.filter { nodes[$0].inputs.contains(id) }
    }
}
