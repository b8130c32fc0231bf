/// How an output coordinate maps back to an input coordinate along one axis: ONNX Resize's
/// `coordinate_transformation_mode`, with the scale taken as `outputSize / inputSize`.
public enum ResizeCoordinateMode: Sendable, Equatable {
    /// `x_in = (x_out + 0.5) * inputSize / outputSize - 0.5` (TensorFlow 2, OpenCV, PyTorch
    /// `align_corners=False`).
    case halfPixel
    /// As `halfPixel`, except that an axis of output size 1 reads input coordinate 0.
    case pytorchHalfPixel
    /// `x_in = x_out * (inputSize - 1) / (outputSize - 1)`, and 0 for output size 1 (PyTorch
    /// `align_corners=True`, Caffe's `Interp` of DeepLab).
    case alignCorners
    /// `x_in = x_out * inputSize / outputSize` (PyTorch `nearest`, TensorFlow 1 default).
    case asymmetric
}

/// How nearest-neighbour resizing turns a fractional input coordinate into an index (ONNX
/// `nearest_mode`); the index is then clamped to the input.
public enum ResizeNearestMode: Sendable, Equatable {
    /// Round down (PyTorch `nearest` with `.asymmetric`).
    case floor
    /// Round to nearest, halves down.
    case roundPreferFloor
    /// Round to nearest, halves up (ONNX's default).
    case roundPreferCeil
    /// Round up.
    case ceil
}

/// The shape of a spatial resize of an NHWC int8 tensor: input
/// `[batch][inputHeight][inputWidth][channels]` to output `[batch][outputHeight][outputWidth][channels]`.
/// Any ratio, up or down, per axis.
public struct ResizeGeometry: Equatable, Sendable {
    public var batch: Int
    public var inputHeight: Int
    public var inputWidth: Int
    public var channels: Int
    public var outputHeight: Int
    public var outputWidth: Int

    public init(batch: Int = 1, inputHeight: Int, inputWidth: Int, channels: Int, outputHeight: Int, outputWidth: Int) {
        self.batch = batch
        self.inputHeight = inputHeight
        self.inputWidth = inputWidth
        self.channels = channels
        self.outputHeight = outputHeight
        self.outputWidth = outputWidth
    }

    public var inputElementCount: Int { batch * inputHeight * inputWidth * channels }
    public var outputElementCount: Int { batch * outputHeight * outputWidth * channels }

    /// Largest input or output side, in pixels.
    public static let maximumSide = 16384

    /// Refuses shapes the kernels cannot take, naming the parameter. Element counts must fit in
    /// Int32 so that indexing is exact on 32-bit targets too.
    public func validate() throws(KernelConfigurationError) {
        let sides = Self.maximumSide
        try require(batch >= 1, "batch", "must be at least 1, got \(batch)")
        try require((1...sides).contains(inputHeight), "inputHeight", "must be in 1...\(sides), got \(inputHeight)")
        try require((1...sides).contains(inputWidth), "inputWidth", "must be in 1...\(sides), got \(inputWidth)")
        try require(channels >= 1, "channels", "must be at least 1, got \(channels)")
        try require((1...sides).contains(outputHeight), "outputHeight", "must be in 1...\(sides), got \(outputHeight)")
        try require((1...sides).contains(outputWidth), "outputWidth", "must be in 1...\(sides), got \(outputWidth)")
        try require(
            fitsInt32(batch, inputHeight, inputWidth, channels), "channels",
            "input of \(batch)x\(inputHeight)x\(inputWidth)x\(channels) elements exceeds 2^31 - 1")
        try require(
            fitsInt32(batch, outputHeight, outputWidth, channels), "channels",
            "output of \(batch)x\(outputHeight)x\(outputWidth)x\(channels) elements exceeds 2^31 - 1")
    }
}

/// Whether the product of four positive sizes is at most `Int32.max`, without overflowing `Int`.
func fitsInt32(_ a: Int, _ b: Int, _ c: Int, _ d: Int) -> Bool {
    var product: Int64 = 1
    for factor in [a, b, c, d] {
        let (p, overflow) = product.multipliedReportingOverflow(by: Int64(factor))
        if overflow || p > Int64(Int32.max) { return false }
        product = p
    }
    return true
}

/// Fraction bits of the bilinear weights: each axis's weights are integers summing to
/// `2^bilinearFractionBits`, so the four 2-D weights sum to `2^(2 * bilinearFractionBits)` and a
/// weighted sum of int8 values stays within +-2^29.
public let bilinearFractionBits = 11

/// The input coordinate of output index `x` as the exact fraction `numerator / denominator`
/// (denominator positive), before any clamping.
@inline(__always)
func sourceCoordinate(
    _ mode: ResizeCoordinateMode, _ x: Int, inputSize: Int, outputSize: Int
) -> (numerator: Int64, denominator: Int64) {
    let x = Int64(x), input = Int64(inputSize), output = Int64(outputSize)
    switch mode {
    case .halfPixel:
        return ((2 * x + 1) * input - output, 2 * output)
    case .pytorchHalfPixel:
        return output == 1 ? (0, 1) : ((2 * x + 1) * input - output, 2 * output)
    case .alignCorners:
        return output == 1 ? (0, 1) : (x * (input - 1), output - 1)
    case .asymmetric:
        return (x * input, output)
    }
}

/// The two input indices bilinear interpolation reads along one axis and their weights
/// (`weight0 + weight1 == 2^bilinearFractionBits`).
struct BilinearTap {
    var index0: Int
    var index1: Int
    var weight0: Int32
    var weight1: Int32
}

/// The bilinear taps of output index `x`: the exact source coordinate clamped to
/// `[0, inputSize - 1]`, its floor and the next index (clamped), and the fraction rounded to
/// `bilinearFractionBits` bits, halves up.
func bilinearTap(_ mode: ResizeCoordinateMode, _ x: Int, inputSize: Int, outputSize: Int) -> BilinearTap {
    let (numerator, denominator) = sourceCoordinate(mode, x, inputSize: inputSize, outputSize: outputSize)
    let last = Int64(inputSize - 1)
    var index: Int64, remainder: Int64
    if numerator <= 0 {
        index = 0
        remainder = 0
    } else if numerator >= last * denominator {
        index = last
        remainder = 0
    } else {
        index = numerator / denominator
        remainder = numerator - index * denominator
    }
    let one = Int64(1) << Int64(bilinearFractionBits)
    let weight1 = (2 * remainder * one + denominator) / (2 * denominator)
    return BilinearTap(
        index0: Int(index), index1: Int(min(index + 1, last)), weight0: Int32(one - weight1), weight1: Int32(weight1))
}

/// The input index nearest-neighbour resizing reads for output index `x`: the exact source
/// coordinate rounded by `rounding`, then clamped to `[0, inputSize - 1]`.
func nearestSourceIndex(
    _ mode: ResizeCoordinateMode, _ rounding: ResizeNearestMode, _ x: Int, inputSize: Int, outputSize: Int
) -> Int {
    let (numerator, denominator) = sourceCoordinate(mode, x, inputSize: inputSize, outputSize: outputSize)
    // Floor division (Swift's `/` truncates towards zero).
    let quotient = numerator / denominator
    let below = numerator % denominator < 0 ? quotient - 1 : quotient
    let twiceRemainder = 2 * (numerator - below * denominator)
    let index: Int64
    switch rounding {
    case .floor: index = below
    case .ceil: index = twiceRemainder > 0 ? below + 1 : below
    case .roundPreferFloor: index = twiceRemainder > denominator ? below + 1 : below
    case .roundPreferCeil: index = twiceRemainder >= denominator ? below + 1 : below
    }
    return Int(min(max(index, 0), Int64(inputSize - 1)))
}
