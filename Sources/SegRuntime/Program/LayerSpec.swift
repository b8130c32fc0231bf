import SegKernels

/// A run of bytes in a compiled model's weight section: `count` elements of `elementType` at byte
/// `offset` (64-byte aligned).
public struct BlobRef: Equatable, Sendable {
    public var offset: Int
    public var count: Int

    public init(offset: Int, count: Int) {
        self.offset = offset
        self.count = count
    }
}

/// What one layer of a compiled network computes. Int8 layers run SegKernels; the `float*` ones run
/// the float kernels on dequantized data for layers the quantization config keeps in float.
/// Tensors come from `LayerRecord.inputs` / `.output`; their slots carry shapes and quantization.
public enum LayerSpec: Equatable, Sendable {
    case conv(Conv2DGeometry, ConvQuantization, weights: BlobRef, bias: BlobRef)
    case transposedConv(TransposedConv2DGeometry, ConvQuantization, weights: BlobRef, bias: BlobRef)
    case maxPool(Pool2DGeometry)
    case averagePool(Pool2DGeometry, countIncludePad: Bool, AveragePoolQuantization)
    case globalAveragePool(AveragePoolQuantization)
    case add(ElementwiseAddQuantization)
    case concat([ConcatInput], outputScale: Double, outputZeroPoint: Int32)
    case resizeBilinear(ResizeGeometry, ResizeCoordinateMode)
    case resizeNearest(ResizeGeometry, ResizeCoordinateMode, ResizeNearestMode)
    /// Constant spatial padding with an int8 value (the pad value quantized at the input's scale).
    case pad(top: Int, left: Int, bottom: Int, right: Int, value: Int8)
    /// Int8 channels to a uint8 class id per pixel.
    case argMax
    /// Int8 logits to float32 probabilities over channels.
    case softmax
    /// Int8 to float32 with the input slot's scale and zero point.
    case dequantize
    /// Float32 to int8 with the output slot's scale and zero point (round half to even, saturating).
    case quantize
    /// A float layer (weights as float32 blobs).
    case float(FloatLayerSpec)
}

/// A layer kept in float: the same operations as the int8 ones, on float32 NHWC tensors.
public enum FloatLayerSpec: Equatable, Sendable {
    case conv(Conv2DGeometry, weights: BlobRef, bias: BlobRef, lower: Float, upper: Float)
    case transposedConv(TransposedConv2DGeometry, weights: BlobRef, bias: BlobRef, lower: Float, upper: Float)
    case maxPool(Pool2DGeometry)
    case averagePool(Pool2DGeometry, countIncludePad: Bool)
    case globalAveragePool
    case add(lower: Float, upper: Float)
    case concat
    case resizeBilinear(ResizeGeometry, ResizeCoordinateMode)
    case resizeNearest(ResizeGeometry, ResizeCoordinateMode, ResizeNearestMode)
    case clamp(lower: Float, upper: Float)
    case pad(top: Int, left: Int, bottom: Int, right: Int, value: Float)
    case softmax
    case argMax
}

/// One layer of a compiled network: what it computes, which tensors it reads and writes, and
/// where it came from.
public struct LayerRecord: Equatable, Sendable {
    /// The ONNX node name it was compiled from (names given by the compiler for layers it adds).
    public var name: String
    /// The ONNX op type (`Conv`, `Resize`, ...) or the compiler's (`QuantizeLinear`, `ArgMax`).
    public var opType: String
    public var spec: LayerSpec
    /// Tensor ids (into `NetworkProgram.tensors`).
    public var inputs: [Int]
    public var output: Int

    public init(name: String, opType: String, spec: LayerSpec, inputs: [Int], output: Int) {
        self.name = name
        self.opType = opType
        self.spec = spec
        self.inputs = inputs
        self.output = output
    }

    /// Multiply-accumulates of one run (0 for layers without).
    public var macs: Int64 {
        switch spec {
        case let .conv(g, _, _, _), let .float(.conv(g, _, _, _, _)): g.macs
        case let .transposedConv(g, _, _, _), let .float(.transposedConv(g, _, _, _, _)): g.macs
        default: 0
        }
    }
}
