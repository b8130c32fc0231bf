/// `e^x` in pure Double arithmetic, bit-identical on every ISA: fdlibm's `__ieee754_exp`
/// (Sun Microsystems, 1993), error below 1 ulp.
///
/// Embedded Swift has no libm, and libm's `exp` differs in the last bit between C libraries and
/// ISAs; this one uses only IEEE-754 additions, multiplications and one division, in a fixed order
/// (Swift does not contract them into fused multiply-adds), plus exponent arithmetic on the bits.
///
/// The argument is reduced to `x = k * ln2 + r` with `|r| <= ln2 / 2` (ln2 split into a high part
/// ending in 21 zero bits, so that `k * ln2High` is exact, and a low part), `e^r` comes from
/// fdlibm's rational form with a degree-5 minimax polynomial in `r^2`, and `k` is added to the
/// exponent bits. Overflows to +infinity above
/// 709.78..., underflows to 0 below -745.13..., and returns NaN for NaN.
public func deterministicExp(_ x: Double) -> Double {
    let ln2High = 6.93147180369123816490e-01  // 0x3FE62E42_FEE00000
    let ln2Low = 1.90821492927058770002e-10  // 0x3DEA39EF_35793C76
    let inverseLn2 = 1.44269504088896338700e+00  // 0x3FF71547_652B82FE
    let p1 = 1.66666666666666019037e-01  // 0x3FC55555_5555553E
    let p2 = -2.77777777770155933842e-03  // 0xBF66C16C_16BEBD93
    let p3 = 6.61375632143793436117e-05  // 0x3F11566A_AF25DE2C
    let p4 = -1.65339022054652515390e-06  // 0xBEBBBD41_C5D26BF1
    let p5 = 4.13813679705723846039e-08  // 0x3E663769_72BEA4D0
    let overflowThreshold = 7.09782712893383973096e+02  // 0x40862E42_FEFA39EF
    let underflowThreshold = -7.45133219101941108420e+02  // 0xC0874910_D52D3051

    if x.isNaN { return x }
    if x > overflowThreshold { return .infinity }
    if x < underflowThreshold { return 0 }
    // fdlibm branches on the high word of |x|.
    let highWord = UInt32(truncatingIfNeeded: x.bitPattern >> 32) & 0x7FFF_FFFF
    var k: Int64 = 0
    var high = 0.0, low = 0.0, r = x
    if highWord > 0x3FD6_2E42 {  // |x| > ln2 / 2
        if highWord < 0x3FF0_A2B2 {  // |x| < 1.5 * ln2: k = +-1 needs no multiplication
            k = x < 0 ? -1 : 1
            high = x < 0 ? x + ln2High : x - ln2High
            low = x < 0 ? -ln2Low : ln2Low
        } else {
            // Truncating after adding +-0.5 rounds to nearest; k * ln2High is exact.
            k = Int64(inverseLn2 * x + (x < 0 ? -0.5 : 0.5))
            let kd = Double(k)
            high = x - kd * ln2High
            low = kd * ln2Low
        }
        r = high - low
    } else if highWord < 0x3E30_0000 {  // |x| < 2^-28: e^x rounds to 1 + x
        return 1 + x
    }
    let t = r * r
    let c = r - t * (p1 + t * (p2 + t * (p3 + t * (p4 + t * p5))))
    if k == 0 { return 1 - ((r * c) / (c - 2) - r) }
    let y = 1 - ((low - (r * c) / (2 - c)) - high)
    if k >= -1021 {
        return Double(bitPattern: y.bitPattern &+ (UInt64(bitPattern: k) &<< 52))
    }
    // The result is subnormal: scale in two steps so that only the final multiplication rounds.
    let scaled = Double(bitPattern: y.bitPattern &+ (UInt64(bitPattern: k &+ 1000) &<< 52))
    return scaled * Double(bitPattern: 0x0170_0000_0000_0000)  // 2^-1000
}
