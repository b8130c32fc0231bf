import SegKernels

/// A float activation applied to an op's output: `min(max(x, lower), upper)`; `.none` is
/// `(-inf, +inf)`, Relu `(0, +inf)`, ReLU6 `(0, 6)`, Clip any bounds.
public struct ActivationClamp: Equatable, Sendable {
    public var lower: Float
    public var upper: Float

    public init(lower: Float, upper: Float) {
        self.lower = lower
        self.upper = upper
    }

    public static let none = ActivationClamp(lower: -.infinity, upper: .infinity)
    public static let relu = ActivationClamp(lower: 0, upper: .infinity)
    public static let relu6 = ActivationClamp(lower: 0, upper: 6)

    @inline(__always)
    public func apply(_ x: Float) -> Float { min(max(x, lower), upper) }
}

/// A convolution (Conv, with BatchNormalization folded in): `geometry` has batch and input
/// sizes of the node's input; `weights` OHWI `[cout][kh][kw][cin / groups]`, `bias` one per output
/// channel (zeros when the model has none).
public struct ConvOp: Sendable {
    public var geometry: Conv2DGeometry
    public var weights: [Float]
    public var bias: [Float]
    public var activation: ActivationClamp

    public init(geometry: Conv2DGeometry, weights: [Float], bias: [Float], activation: ActivationClamp = .none) {
        self.geometry = geometry
        self.weights = weights
        self.bias = bias
        self.activation = activation
    }
}

/// A transposed convolution (ConvTranspose): weights OHWI `[cout][kh][kw][cin / groups]`
/// (transposed from ONNX's `[cin][cout / groups][kh][kw]` at import), bias one per output channel.
public struct TransposedConvOp: Sendable {
    public var geometry: TransposedConv2DGeometry
    public var weights: [Float]
    public var bias: [Float]
    public var activation: ActivationClamp

    public init(geometry: TransposedConv2DGeometry, weights: [Float], bias: [Float], activation: ActivationClamp = .none) {
        self.geometry = geometry
        self.weights = weights
        self.bias = bias
        self.activation = activation
    }
}

/// A resize of the spatial axes to `outputHeight x outputWidth`.
public struct ResizeOp: Equatable, Sendable {
    public enum Mode: Equatable, Sendable {
        case linear(ResizeCoordinateMode)
        case nearest(ResizeCoordinateMode, ResizeNearestMode)
    }

    public var mode: Mode
    public var geometry: ResizeGeometry

    public init(mode: Mode, geometry: ResizeGeometry) {
        self.mode = mode
        self.geometry = geometry
    }
}

/// Constant padding of the spatial axes (ONNX Pad, mode `constant`); usually fused into the next
/// Conv / pool and gone before lowering.
public struct PadOp: Equatable, Sendable {
    public var top: Int
    public var left: Int
    public var bottom: Int
    public var right: Int
    public var value: Float

    public init(top: Int, left: Int, bottom: Int, right: Int, value: Float) {
        self.top = top
        self.left = left
        self.bottom = bottom
        self.right = right
        self.value = value
    }
}

/// What a node computes. Channel-axis ops (Concat, Softmax, ArgMax) work on NHWC's last axis,
/// which is ONNX's axis 1.
public enum GraphOp: Sendable {
    case conv(ConvOp)
    case transposedConv(TransposedConvOp)
    /// Max pool: padded positions never win.
    case maxPool(Pool2DGeometry)
    /// Average pool: `countIncludePad` as ONNX `count_include_pad`.
    case averagePool(Pool2DGeometry, countIncludePad: Bool)
    case globalAveragePool
    /// Elementwise sum of two same-shape inputs, then the activation.
    case add(ActivationClamp)
    /// Concatenation of the inputs along channels.
    case concat
    case resize(ResizeOp)
    case pad(PadOp)
    /// A standalone activation (Relu, Clip) not fused into its producer.
    case clamp(ActivationClamp)
    /// Softmax over channels.
    case softmax
    /// Index of the largest channel (first on ties), one channel out, as Float.
    case argMax
}
