/// `e^x` in Float arithmetic, bit-identical on every ISA and between the scalar and the SIMD form.
///
/// Embedded Swift has no libm, and libm's `expf` differs in the last bit between C libraries.
/// This one is Cephes' `expf` (Stephen Moshier): `x = n * ln2 + r` with `n` the nearest integer to
/// `x / ln2` and `ln2` split into a high part with 9 significant bits (so `n * ln2High` is exact)
/// and a low part, `e^r` from a degree-7 polynomial, and `2^n` built in the exponent bits, in two
/// factors so that subnormal results round once. Only IEEE-754 additions and multiplications in a
/// fixed order (Swift never contracts them into fused multiply-adds). Error within 2 ulp (tested);
/// +infinity above 88.72..., 0 below -103.97..., NaN for NaN.
public func floatExp(_ x: Float) -> Float {
    var x = x
    if x < expLowest { x = expLowest }
    if x > expHighest { x = expHighest }
    // Adding 1.5 * 2^23 leaves round-to-nearest(x / ln2) in the low mantissa bits.
    let shifted = x * expLog2e + expRoundingBias
    let n = Int32(bitPattern: shifted.bitPattern) &- expRoundingBiasBits
    let nFloat = shifted - expRoundingBias
    let r = (x - nFloat * expLn2High) - nFloat * expLn2Low
    let r2 = r * r
    let polynomial = ((((((expP0 * r + expP1) * r + expP2) * r + expP3) * r + expP4) * r + expP5) * r2 + r) + 1
    let half = n &>> 1
    let scale1 = Float(bitPattern: UInt32(bitPattern: (half &+ 127) &<< 23))
    let scale2 = Float(bitPattern: UInt32(bitPattern: (n &- half &+ 127) &<< 23))
    return (polynomial * scale1) * scale2
}

/// `floatExp` of each lane: the same operations in the same order, so every lane equals the scalar
/// result bit for bit.
@inline(__always)
public func floatExp(_ x: SIMD8<Float>) -> SIMD8<Float> {
    var x = x
    x = x.replacing(with: SIMD8(repeating: expLowest), where: x .< SIMD8(repeating: expLowest))
    x = x.replacing(with: SIMD8(repeating: expHighest), where: x .> SIMD8(repeating: expHighest))
    let bias = SIMD8<Float>(repeating: expRoundingBias)
    let shifted = x * expLog2e + bias
    let n = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- expRoundingBiasBits
    let nFloat = shifted - bias
    let r = (x - nFloat * expLn2High) - nFloat * expLn2Low
    let r2 = r * r
    var polynomial = SIMD8<Float>(repeating: expP0) * r + expP1
    polynomial = polynomial * r + expP2
    polynomial = polynomial * r + expP3
    polynomial = polynomial * r + expP4
    polynomial = polynomial * r + expP5
    polynomial = (polynomial * r2 + r) + 1
    let half = n &>> 1
    let scale1 = unsafeBitCast((half &+ 127) &<< 23, to: SIMD8<Float>.self)
    let scale2 = unsafeBitCast((n &- half &+ 127) &<< 23, to: SIMD8<Float>.self)
    return (polynomial * scale1) * scale2
}

// Inputs are clamped to [expLowest, expHighest] so that n stays in -150...128: the result is 0
// below (e^-103.97 is under half the smallest subnormal) and +infinity above.
private let expLowest: Float = -104
private let expHighest: Float = 89
private let expLog2e: Float = 1.44269504088896341
private let expRoundingBias: Float = 12_582_912  // 1.5 * 2^23
private let expRoundingBiasBits: Int32 = 0x4B40_0000
private let expLn2High: Float = 0.693359375
private let expLn2Low: Float = -2.12194440e-4
private let expP0: Float = 1.9875691500e-4
private let expP1: Float = 1.3981999507e-3
private let expP2: Float = 8.3334519073e-3
private let expP3: Float = 4.1665795894e-2
private let expP4: Float = 1.6666665459e-1
private let expP5: Float = 5.0000001201e-1
