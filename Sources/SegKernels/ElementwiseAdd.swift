/// How the two int8 inputs and the output of an elementwise add map to real numbers, and the
/// output's zero point and clamp (which also implements a fused activation).
public struct ElementwiseAddQuantization: Equatable, Sendable {
    /// Real value of one step of input A; finite and positive.
    public var aScale: Double
    public var aZeroPoint: Int32
    /// Real value of one step of input B; finite and positive.
    public var bScale: Double
    public var bZeroPoint: Int32
    /// Real value of one output step; finite and positive.
    public var outputScale: Double
    public var output: OutputQuantization

    /// Bits the inputs are shifted left by before their multipliers (TFLite's `left_shift`).
    public static let leftShift: Int32 = 20

    public init(aScale: Double, aZeroPoint: Int32, bScale: Double, bZeroPoint: Int32, outputScale: Double, output: OutputQuantization) {
        self.aScale = aScale
        self.aZeroPoint = aZeroPoint
        self.bScale = bScale
        self.bZeroPoint = bZeroPoint
        self.outputScale = outputScale
        self.output = output
    }

    /// An output with `outputZeroPoint` whose clamp applies `activation`.
    public init(
        aScale: Double, aZeroPoint: Int32, bScale: Double, bZeroPoint: Int32, outputScale: Double,
        outputZeroPoint: Int32, activation: FusedActivation = .none
    ) {
        self.init(
            aScale: aScale, aZeroPoint: aZeroPoint, bScale: bScale, bZeroPoint: bZeroPoint, outputScale: outputScale,
            output: OutputQuantization(zeroPoint: outputZeroPoint, scale: outputScale, activation: activation))
    }

    /// TFLite's multipliers: with `twiceMax = 2 * max(aScale, bScale)`, `a = aScale / twiceMax`,
    /// `b = bScale / twiceMax` (both at most 1/2) and `output = twiceMax / (2^leftShift * outputScale)`.
    public func multipliers() throws(KernelConfigurationError) -> (a: QuantizedMultiplier, b: QuantizedMultiplier, output: QuantizedMultiplier) {
        try require(aScale.isFinite && aScale > 0, "aScale", "must be finite and positive, got \(aScale)")
        try require(bScale.isFinite && bScale > 0, "bScale", "must be finite and positive, got \(bScale)")
        try require(outputScale.isFinite && outputScale > 0, "outputScale", "must be finite and positive, got \(outputScale)")
        let twiceMax = 2 * max(aScale, bScale)
        let a = try QuantizedMultiplier(scale: aScale / twiceMax)
        let b = try QuantizedMultiplier(scale: bScale / twiceMax)
        do {
            let output = try QuantizedMultiplier(scale: twiceMax / (Double(1 << ElementwiseAddQuantization.leftShift) * outputScale))
            return (a, b, output)
        } catch {
            throw KernelConfigurationError("outputScale", "2 * max(aScale, bScale) / (2^20 * outputScale) \(error.reason)")
        }
    }

    func validate() throws(KernelConfigurationError) {
        try require((-128...127).contains(aZeroPoint), "aZeroPoint", "must be in -128...127, got \(aZeroPoint)")
        try require((-128...127).contains(bZeroPoint), "bZeroPoint", "must be in -128...127, got \(bZeroPoint)")
        try output.validate("output")
        _ = try multipliers()
    }
}

/// Plain scalar elementwise add of two int8 tensors of `count` elements: the definition
/// `ElementwiseAdd` matches bit for bit. TFLite's integer scheme, with these exact types:
///
///     scaledA = Int32(multipliers.a.apply((a - aZeroPoint) << 20))   // |scaledA| < 2^27
///     scaledB = Int32(multipliers.b.apply((b - bZeroPoint) << 20))
///     out     = requantize(scaledA + scaledB, multipliers.output, output)   // Int32 sum, exact
///
/// `output` may be `a` or `b` (in place). Allocates nothing; `quantization` must be valid (as
/// `ElementwiseAdd` checks).
public func elementwiseAddReference(
    count: Int, a: UnsafePointer<Int8>, b: UnsafePointer<Int8>, quantization: ElementwiseAddQuantization,
    output: UnsafeMutablePointer<Int8>
) {
    let m = try! quantization.multipliers()
    let shift = ElementwiseAddQuantization.leftShift
    for i in 0..<count {
        let scaledA = Int32(m.a.apply((Int32(a[i]) - quantization.aZeroPoint) << shift))
        let scaledB = Int32(m.b.apply((Int32(b[i]) - quantization.bZeroPoint) << shift))
        output[i] = requantize(scaledA + scaledB, m.output, quantization.output)
    }
}

/// Elementwise add of two int8 tensors with their own scales and zero points (RefineNet's sums,
/// FCN's skip fusion), requantized to the output's, with an optional fused activation.
///
/// Sixteen elements per step in Int32 / Int64 lanes, the last `count % 16` in scalar code.
/// Immutable after init: `run` may be called from several threads at once on disjoint `elements`.
/// `run` allocates nothing and checks nothing.
public final class ElementwiseAdd {
    /// Elements per tensor.
    public let count: Int
    public let quantization: ElementwiseAddQuantization
    public let multiplierA: QuantizedMultiplier
    public let multiplierB: QuantizedMultiplier
    public let outputMultiplier: QuantizedMultiplier

    /// - Throws: `KernelConfigurationError` naming the parameter the kernel cannot take.
    public init(count: Int, quantization: ElementwiseAddQuantization) throws(KernelConfigurationError) {
        try require(count >= 1, "count", "must be at least 1, got \(count)")
        try quantization.validate()
        self.count = count
        self.quantization = quantization
        (multiplierA, multiplierB, outputMultiplier) = try quantization.multipliers()
    }

    /// `output = a + b` for all `count` elements. `output` may be `a` or `b` (in place) but must not
    /// otherwise overlap them.
    public func run(a: UnsafePointer<Int8>, b: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>) {
        run(a: a, b: b, output: output, elements: 0..<count)
    }

    /// Computes only the elements `elements`.
    public func run(a: UnsafePointer<Int8>, b: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>, elements: Range<Int>) {
        let scaleA = UniformRequantizer(multiplierA, quantization.output)
        let scaleB = UniformRequantizer(multiplierB, quantization.output)
        let requantizer = UniformRequantizer(outputMultiplier, quantization.output)
        let zeroA = SIMD8<Int32>(repeating: quantization.aZeroPoint)
        let zeroB = SIMD8<Int32>(repeating: quantization.bZeroPoint)
        let shift = SIMD8<Int32>(repeating: ElementwiseAddQuantization.leftShift)
        let x = UnsafeRawPointer(a), y = UnsafeRawPointer(b), out = UnsafeMutableRawPointer(output)
        var i = elements.lowerBound
        while i &+ 16 <= elements.upperBound {
            let va = (x + i).loadUnaligned(as: SIMD16<Int8>.self)
            let vb = (y + i).loadUnaligned(as: SIMD16<Int8>.self)
            // The scaled inputs lie within +-2^27, so narrowing them is the reference's Int32 conversion.
            let low = saturatingNarrow(scaleA.scale((SIMD8<Int32>(signExtending: va.lowHalf) &- zeroA) &<< shift))
                &+ saturatingNarrow(scaleB.scale((SIMD8<Int32>(signExtending: vb.lowHalf) &- zeroB) &<< shift))
            let high = saturatingNarrow(scaleA.scale((SIMD8<Int32>(signExtending: va.highHalf) &- zeroA) &<< shift))
                &+ saturatingNarrow(scaleB.scale((SIMD8<Int32>(signExtending: vb.highHalf) &- zeroB) &<< shift))
            out.storeBytes(of: requantizer(low, high), toByteOffset: i, as: SIMD16<Int8>.self)
            i &+= 16
        }
        let leftShift = ElementwiseAddQuantization.leftShift
        while i < elements.upperBound {
            let scaledA = Int32(truncatingIfNeeded: multiplierA.apply((Int32(a[i]) &- quantization.aZeroPoint) &<< leftShift))
            let scaledB = Int32(truncatingIfNeeded: multiplierB.apply((Int32(b[i]) &- quantization.bZeroPoint) &<< leftShift))
            output[i] = requantize(scaledA &+ scaledB, outputMultiplier, quantization.output)
            i &+= 1
        }
    }
}
