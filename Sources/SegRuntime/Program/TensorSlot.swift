import SegKernels

/// The element type of a tensor in the arena.
public enum ElementType: UInt8, Sendable, Equatable {
    case int8 = 1
    /// Class ids (masks).
    case uint8 = 2
    case float32 = 3

    public var byteCount: Int { self == .float32 ? 4 : 1 }
}

/// The dimensions of an NHWC tensor.
public struct TensorDims: Hashable, Sendable, CustomStringConvertible {
    public var batch: Int
    public var height: Int
    public var width: Int
    public var channels: Int

    public init(batch: Int, height: Int, width: Int, channels: Int) {
        self.batch = batch
        self.height = height
        self.width = width
        self.channels = channels
    }

    public var elementCount: Int { batch &* height &* width &* channels }
    public var pixelCount: Int { batch &* height &* width }
    /// As ONNX writes it: `NxCxHxW`.
    public var description: String { "\(batch)x\(channels)x\(height)x\(width)" }
}

/// One tensor of a compiled network: its shape, element type, quantization (int8 only: real value
/// `scale * (q - zeroPoint)`) and, once planned, its byte offset in the arena.
public struct TensorSlot: Equatable, Sendable {
    /// The ONNX name of the tensor it holds (or a derived name for tensors the compiler adds).
    public var name: String
    public var dims: TensorDims
    public var elementType: ElementType
    public var scale: Double
    public var zeroPoint: Int32
    /// Byte offset in the arena, 64-byte aligned; set by `ArenaPlanner`.
    public var offset: Int

    public init(name: String, dims: TensorDims, elementType: ElementType, scale: Double = 1, zeroPoint: Int32 = 0, offset: Int = 0) {
        self.name = name
        self.dims = dims
        self.elementType = elementType
        self.scale = scale
        self.zeroPoint = zeroPoint
        self.offset = offset
    }

    public var byteCount: Int { dims.elementCount &* elementType.byteCount }
}
