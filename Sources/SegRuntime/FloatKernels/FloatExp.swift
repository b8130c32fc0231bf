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
@inlinable @inline(__always)
public func floatExp(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let x = clampedExponent(x)
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

/// `x` clamped to [expLowest, expHighest] with NaN kept, as the scalar form's two comparisons do, in
/// integer operations on the bit patterns: SIMD comparisons and `replacing(with:where:)` compile to
/// a loop over the lanes, which cost more than the whole polynomial.
@inlinable @inline(__always)
func clampedExponent(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let bits = unsafeBitCast(x, to: SIMD8<Int32>.self)
    let magnitude = bits & 0x7FFF_FFFF
    // (limit - magnitude) >> 31 is all ones where magnitude > limit (both below 2^31).
    let notNaN = ~((0x7F80_0000 &- magnitude) &>> 31)
    let negative = bits &>> 31
    let low = negative & ((expLowestMagnitudeBits &- magnitude) &>> 31) & notNaN
    let high = ~negative & ((expHighestBits &- magnitude) &>> 31) & notNaN
    let clamped = (bits & ~(low | high)) | (expLowestBits & low) | (expHighestBits & high)
    return unsafeBitCast(clamped, to: SIMD8<Float>.self)
}

// Inputs are clamped to [expLowest, expHighest] so that n stays in -150...128: the result is 0
// below (e^-103.97 is under half the smallest subnormal) and +infinity above.
@usableFromInline let expLowest: Float = -104
@usableFromInline let expHighest: Float = 89
// The same limits as bit patterns (-104, 104, 89), literal so that no global initializer runs.
@usableFromInline let expLowestBits = Int32(bitPattern: 0xC2D0_0000)
@usableFromInline let expLowestMagnitudeBits: Int32 = 0x42D0_0000
@usableFromInline let expHighestBits: Int32 = 0x42B2_0000
@usableFromInline let expLog2e: Float = 1.44269504088896341
@usableFromInline let expRoundingBias: Float = 12_582_912  // 1.5 * 2^23
@usableFromInline let expRoundingBiasBits: Int32 = 0x4B40_0000
@usableFromInline let expLn2High: Float = 0.693359375
@usableFromInline let expLn2Low: Float = -2.12194440e-4
@usableFromInline let expP0: Float = 1.9875691500e-4
@usableFromInline let expP1: Float = 1.3981999507e-3
@usableFromInline let expP2: Float = 8.3334519073e-3
@usableFromInline let expP3: Float = 4.1665795894e-2
@usableFromInline let expP4: Float = 1.6666665459e-1
@usableFromInline let expP5: Float = 5.0000001201e-1
