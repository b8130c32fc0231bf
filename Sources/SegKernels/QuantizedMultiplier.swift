/// A positive real scale as a fixed-point multiplier and a right shift, applied with TFLite's
/// single-rounding integer scheme (`TFLITE_SINGLE_ROUNDING`):
///
///     apply(x) = (Int64(x) * multiplier + 2^(rightShift - 1)) >> rightShift
///
/// in exact 64-bit arithmetic, an arithmetic shift, so ties round towards +infinity. The result is
/// the same bit for bit on every ISA and within 1 of `x * scale` rounded.
public struct QuantizedMultiplier: Equatable, Sendable {
    /// Q0.31 mantissa in [2^30, 2^31), or 0 for scales below 2^-32.
    public let multiplier: Int32
    /// Total right shift in 1...62: `scale = multiplier * 2^-rightShift`.
    public let rightShift: Int32

    /// Exactly these fields; `rightShift` must be in 1...62 and `multiplier` non-negative.
    public init(multiplier: Int32, rightShift: Int32) {
        precondition(multiplier >= 0 && (1...62).contains(rightShift), "QuantizedMultiplier out of range")
        self.multiplier = multiplier
        self.rightShift = rightShift
    }

    /// The multiplier closest to `scale`, which must be finite and in [0, 2^30).
    public init(scale: Double) throws(KernelConfigurationError) {
        try require(scale.isFinite && scale >= 0, "scale", "must be finite and non-negative, got \(scale)")
        try require(scale < 1_073_741_824.0, "scale", "must be below 2^30, got \(scale)")
        // Below 2^-32 the shift would exceed 62: such scales (0 included, whose exponent is
        // Int.min) map every accumulator to 0.
        if scale < 0x1p-32 {
            self.init(multiplier: 0, rightShift: 1)
            return
        }
        // scale = significand * 2^exponent with significand in [1, 2): mantissa in Q0.31 is
        // significand * 2^30, and the shift makes up the rest.
        var exponent = Int(scale.exponent)
        var mantissa = Int64((scale.significand * 1_073_741_824.0).rounded())
        if mantissa == 1 << 31 {
            mantissa >>= 1
            exponent += 1
        }
        // Just below 2^30 the mantissa can round up to 2^30 itself.
        try require(exponent <= 29, "scale", "must round to below 2^30, got \(scale)")
        self.init(multiplier: Int32(mantissa), rightShift: Int32(30 - exponent))
    }

    /// The scale this multiplier stands for.
    public var scale: Double {
        Double(multiplier) * Double(sign: .plus, exponent: -Int(rightShift), significand: 1)
    }

    /// `x * scale`, rounded half up, exactly as every kernel computes it.
    @inlinable
    public func apply(_ x: Int32) -> Int64 {
        (Int64(x) &* Int64(multiplier) &+ (Int64(1) &<< Int64(rightShift &- 1))) &>> Int64(rightShift)
    }
}

/// Where requantized values land: the output zero point and the clamp that also implements fused
/// ReLU / ReLU6 (both in the output's quantized units).
public struct OutputQuantization: Equatable, Sendable {
    public var zeroPoint: Int32
    public var minimum: Int8
    public var maximum: Int8

    /// A full-range (no activation) output with this zero point.
    public init(zeroPoint: Int32) {
        self.init(zeroPoint: zeroPoint, minimum: -128, maximum: 127)
    }

    public init(zeroPoint: Int32, minimum: Int8, maximum: Int8) {
        self.zeroPoint = zeroPoint
        self.minimum = minimum
        self.maximum = maximum
    }

    /// An output whose clamp applies `activation` for a tensor with `scale` and `zeroPoint`.
    public init(zeroPoint: Int32, scale: Double, activation: FusedActivation) {
        var low = -128, high = 127
        switch activation {
        case .none:
            break
        case .relu:
            low = max(low, Int(zeroPoint))
        case .relu6:
            low = max(low, Int(zeroPoint))
            high = min(high, Int(zeroPoint) + Int((6.0 / scale).rounded()))
        }
        self.init(zeroPoint: zeroPoint, minimum: Int8(low), maximum: Int8(max(low, high)))
    }

    func validate(_ prefix: String) throws(KernelConfigurationError) {
        try require((-128...127).contains(zeroPoint), prefix + "ZeroPoint", "must be in -128...127, got \(zeroPoint)")
        try require(minimum <= maximum, prefix + "Minimum", "must not exceed the maximum, got \(minimum) > \(maximum)")
    }

    /// `value + zeroPoint`, clamped to the output range.
    @inlinable
    public func clamp(_ value: Int64) -> Int8 {
        let shifted = value &+ Int64(zeroPoint)
        return Int8(min(max(shifted, Int64(minimum)), Int64(maximum)))
    }
}

/// An activation function folded into a kernel's output clamp.
public enum FusedActivation: Sendable, Equatable {
    case none, relu, relu6
}

/// Scalar requantization of one accumulator: the definition every SIMD path matches.
@inlinable
public func requantize(_ accumulator: Int32, _ multiplier: QuantizedMultiplier, _ output: OutputQuantization) -> Int8 {
    output.clamp(multiplier.apply(accumulator))
}
