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
/// Sixteen elements per step in Int32 lanes: each of the three requantizations is a 32-bit
/// fixed-point multiply and rounding shift (`FixedPointScaler`), the output narrowed to Int16 and
/// Int8 with saturation; the last `count % 16` elements in scalar code.
/// Immutable after init: `run` may be called from several threads at once on disjoint `elements`.
/// `run` allocates nothing and checks nothing.
public final class ElementwiseAdd {
    /// Elements per tensor.
    public let count: Int
    public let quantization: ElementwiseAddQuantization
    public let multiplierA: QuantizedMultiplier
    public let multiplierB: QuantizedMultiplier
    public let outputMultiplier: QuantizedMultiplier
    private let scaleA: FixedPointScaler
    private let scaleB: FixedPointScaler
    private let scaleOutput: FixedPointScaler

    /// - Throws: `KernelConfigurationError` naming the parameter the kernel cannot take.
    public init(count: Int, quantization: ElementwiseAddQuantization) throws(KernelConfigurationError) {
        try require(count >= 1, "count", "must be at least 1, got \(count)")
        try quantization.validate()
        self.count = count
        self.quantization = quantization
        (multiplierA, multiplierB, outputMultiplier) = try quantization.multipliers()
        scaleA = FixedPointScaler(multiplierA, inputShift: ElementwiseAddQuantization.leftShift)
        scaleB = FixedPointScaler(multiplierB, inputShift: ElementwiseAddQuantization.leftShift)
        scaleOutput = FixedPointScaler(outputMultiplier, inputShift: 0)
    }

    /// `output = a + b` for all `count` elements. `output` may be `a` or `b` (in place) but must not
    /// otherwise overlap them.
    public func run(a: UnsafePointer<Int8>, b: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>) {
        run(a: a, b: b, output: output, elements: 0..<count)
    }

    /// Computes only the elements `elements`.
    public func run(a: UnsafePointer<Int8>, b: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>, elements: Range<Int>) {
        let scaleA = scaleA, scaleB = scaleB, scaleOutput = scaleOutput
        let zeroA = SIMD16<Int16>(repeating: Int16(truncatingIfNeeded: quantization.aZeroPoint))
        let zeroB = SIMD16<Int16>(repeating: Int16(truncatingIfNeeded: quantization.bZeroPoint))
        let zeroOutput = SIMD16<Int16>(repeating: Int16(truncatingIfNeeded: quantization.output.zeroPoint))
        let low = SIMD16<Int8>(repeating: quantization.output.minimum), high = SIMD16<Int8>(repeating: quantization.output.maximum)
        let x = UnsafeRawPointer(a), y = UnsafeRawPointer(b), out = UnsafeMutableRawPointer(output)
        var i = elements.lowerBound
        while i &+ 16 <= elements.upperBound {
            // q - zeroPoint lies in -255...255: exact in Int16.
            let da = SIMD16<Int16>(signExtending: (x + i).loadUnaligned(as: SIMD16<Int8>.self)) &- zeroA
            let db = SIMD16<Int16>(signExtending: (y + i).loadUnaligned(as: SIMD16<Int8>.self)) &- zeroB
            // Both scaled inputs lie within +-2^27, so their Int32 sum is the reference's.
            let sumLow = scaleA.scaleInput(SIMD8<Int32>(signExtending: da.lowHalf)) &+ scaleB.scaleInput(SIMD8<Int32>(signExtending: db.lowHalf))
            let sumHigh = scaleA.scaleInput(SIMD8<Int32>(signExtending: da.highHalf)) &+ scaleB.scaleInput(SIMD8<Int32>(signExtending: db.highHalf))
            let scaled = SIMD16<Int16>(
                lowHalf: saturatingNarrow(scaleOutput.scaleOutput(sumLow)), highHalf: saturatingNarrow(scaleOutput.scaleOutput(sumHigh)))
            // Saturating in Int16 and Int8 keeps every value beyond the clamp beyond it.
            let shifted = saturatingNarrow(saturatingAdd(scaled, zeroOutput))
            out.storeBytes(of: minimum(maximum(shifted, low), high), toByteOffset: i, as: SIMD16<Int8>.self)
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

/// `QuantizedMultiplier.apply` on eight Int32 lanes without 64-bit products. With
/// `L = min(30, max(0, 32 - rightShift))` and `K = rightShift + L - 31` (0...31):
///
///     apply(x) = (floor((x << L) * multiplier / 2^31) + 2^(K-1)) >> K
///
/// exactly when `K >= 1` and `x << L` fits in Int32, because `floor((floor(y) + n) / 2^K) =
/// floor((y + n) / 2^K)` for integer `n` and `(x * multiplier + 2^(rightShift-1)) >> rightShift`
/// is that with `y = (x << L) * multiplier / 2^31`. `floor(... / 2^31)` is NEON's `sqdmulh`.
///
/// - Inputs (`scaleInput`, `x = (q - zeroPoint) << 20` with `|q - zeroPoint| <= 255`): the input
///   multipliers are at most 1/2, so a nonzero multiplier has `rightShift >= 31`, `L <= 1` and
///   `K >= 1`, and `|x << L| < 2^29`: exact. A zero multiplier gives 0 on both sides.
/// - Output (`scaleOutput`, `|x| < 2^28`): only values that land inside the clamp need to be
///   exact; larger ones need only stay beyond it. For `rightShift >= 32`, `L = 0` and `K >= 1`:
///   exact. For smaller shifts `x << L` may overflow: NEON's `sqshl` saturates it, which leaves
///   the result at least `2^29` in magnitude with the sign of `x` (the multiplier is at least
///   2^30); elsewhere `x` is first clamped to the smallest and largest values whose `apply` is
///   +-256 or beyond (found at init by bisection, as monotone), within which `x << L` fits (their
///   magnitude is at most `2^(rightShift-21) + 1`) and outside which the output is the clamp
///   anyway. `K = 0` only for `rightShift == 1`, where every nonzero `x` maps beyond +-2^29 with
///   or without the rounding term and `x == 0` maps to 0.
struct FixedPointScaler {
    private let multiplier: SIMD8<Int32>
    #if arch(arm64) || arch(arm)
    /// `L` plus the input's own left shift, at most 31.
    private let leftShift: SIMD8<Int32>
    /// `-K`: `roundingShift` shifts right by negative amounts.
    private let rightShift: SIMD8<Int32>
    #else
    private let leftShift: SIMD8<Int32>
    private let rounding: SIMD8<Int32>
    private let rightShift: SIMD8<Int32>
    private let lowest: SIMD8<Int32>
    private let highest: SIMD8<Int32>
    #endif

    /// For `scaleInput(d) = m.apply(d << inputShift)` and `scaleOutput(x) = m.apply(x)` (up to the
    /// output clamp as above).
    init(_ m: QuantizedMultiplier, inputShift: Int32) {
        let l = min(30, max(0, 32 &- m.rightShift))
        let k = m.rightShift &+ l &- 31
        multiplier = SIMD8(repeating: m.multiplier)
        // Past 31 only for a zero multiplier, whose products are 0 whatever is shifted.
        leftShift = SIMD8(repeating: min(31, inputShift &+ l))
        #if arch(arm64) || arch(arm)
        rightShift = SIMD8(repeating: 0 &- k)
        #else
        rounding = SIMD8(repeating: k > 0 ? Int32(1) << (k &- 1) : 0)
        rightShift = SIMD8(repeating: k)
        // apply is non-decreasing: bisect for the first x in 0...2^28 with apply(x) >= 256 and the
        // last in -2^28...0 with apply(x) <= -256.
        var first: Int32 = 0, last: Int32 = 1 << 28
        while first < last {
            let middle = first &+ (last &- first) / 2
            if m.apply(middle) >= 256 { last = middle } else { first = middle &+ 1 }
        }
        highest = SIMD8(repeating: first)
        first = -(1 << 28)
        last = 0
        while first < last {
            let middle = last &- (last &- first) / 2
            if m.apply(middle) <= -256 { first = middle } else { last = middle &- 1 }
        }
        lowest = SIMD8(repeating: first)
        #endif
    }

    /// `m.apply(d << inputShift)` for `|d| <= 255`, `inputShift <= 20` and `m` at most 1/2.
    @inline(__always)
    func scaleInput(_ d: SIMD8<Int32>) -> SIMD8<Int32> {
        #if arch(arm64) || arch(arm)
        roundingShift(doublingHighProduct(saturatingShiftLeft(d, leftShift), multiplier), rightShift)
        #else
        arithmeticShiftRight(doublingHighProduct(shiftLeft(d, leftShift), multiplier) &+ rounding, rightShift)
        #endif
    }

    /// `m.apply(x)` for `|x| < 2^28` where it lies within +-255; beyond that a value at least 256
    /// in magnitude with the same sign.
    @inline(__always)
    func scaleOutput(_ x: SIMD8<Int32>) -> SIMD8<Int32> {
        #if arch(arm64) || arch(arm)
        scaleInput(x)
        #else
        scaleInput(minimum(maximum(x, lowest), highest))
        #endif
    }
}
