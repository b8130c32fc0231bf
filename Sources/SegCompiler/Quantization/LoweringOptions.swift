/// How a float graph becomes an int8 program: the parts of the `[quantization]` config that act
/// after calibration.
public struct LoweringOptions: Equatable, Sendable {
    /// One weight scale per output channel (else one per tensor).
    public var perChannelWeights: Bool
    /// Activations with zero point 0 (else asymmetric).
    public var symmetricActivations: Bool
    /// ONNX node names run in float.
    public var floatLayers: [String]
    /// The quantization config as canonical text, stored in the program.
    public var summary: String

    public init(perChannelWeights: Bool = true, symmetricActivations: Bool = false, floatLayers: [String] = [], summary: String = "") {
        self.perChannelWeights = perChannelWeights
        self.symmetricActivations = symmetricActivations
        self.floatLayers = floatLayers
        self.summary = summary
    }
}

/// A graph the compiler cannot lower: names the node, its op and why.
public struct LoweringError: Error, CustomStringConvertible {
    public var node: String
    public var opType: String
    public var message: String

    public init(node: String, opType: String, message: String) {
        self.node = node
        self.opType = opType
        self.message = message
    }

    public var description: String { "node \"\(node)\" (\(opType)): \(message)" }
}
