/// A compiled network: tensors with planned arena offsets, layers in execution order, and what a
/// host needs to feed it (input quantization, preprocessing) and read it (mask, logits, class names).
public struct NetworkProgram: Equatable, Sendable {
    public var tensors: [TensorSlot]
    public var layers: [LayerRecord]
    /// The int8 NHWC input tensor (the image after preprocessing, quantized).
    public var input: Int
    /// The uint8 class-id mask, one channel.
    public var mask: Int
    /// The tensor the mask is the argmax of (int8, or float32 when that layer runs in float).
    public var logits: Int
    /// Bytes of the arena that holds every tensor (`ArenaPlanner`).
    public var arenaByteCount: Int
    /// Class names in index order (empty when the model names none).
    public var classNames: [String]
    /// Per-channel preprocessing of RGB input in 0...1: `(x - mean) / std`.
    public var mean: [Float]
    public var std: [Float]
    /// The model's own name (ONNX metadata `segd.model`, or its graph name).
    public var modelName: String
    /// How it was quantized, as the config's canonical text.
    public var quantizationSummary: String

    public init(
        tensors: [TensorSlot], layers: [LayerRecord], input: Int, mask: Int, logits: Int, arenaByteCount: Int = 0,
        classNames: [String], mean: [Float], std: [Float], modelName: String, quantizationSummary: String
    ) {
        self.tensors = tensors
        self.layers = layers
        self.input = input
        self.mask = mask
        self.logits = logits
        self.arenaByteCount = arenaByteCount
        self.classNames = classNames
        self.mean = mean
        self.std = std
        self.modelName = modelName
        self.quantizationSummary = quantizationSummary
    }

    /// Multiply-accumulates of one inference.
    public var macs: Int64 {
        var total: Int64 = 0
        for layer in layers { total &+= layer.macs }
        return total
    }

    /// Bytes all tensors would take without sharing arena space.
    public var unsharedTensorBytes: Int {
        var total = 0
        for tensor in tensors { total &+= ArenaPlanner.reservedBytes(tensor) }
        return total
    }
}
