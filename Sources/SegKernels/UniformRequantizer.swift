/// One `QuantizedMultiplier` and `OutputQuantization` shared by all lanes: `requantize` for
/// kernels whose lanes all use one multiplier, computed as `ChannelRequantizer` does (a widening
/// 32x32->64 product; on NEON one rounding shift, `srshl`; then a saturating narrow to Int32, the
/// zero point added with saturation and the clamp, which equals clamping in 64 bits because the
/// output range lies inside Int8).
struct UniformRequantizer {
    #if arch(arm64) || arch(arm)
    private let multiplier: SIMD2<Int32>
    /// The negated right shift: `roundingShift` shifts right by negative amounts.
    private let shift: SIMD2<Int64>
    #else
    private let multiplier: SIMD8<Int64>
    private let rounding: SIMD8<Int64>
    private let shift: SIMD8<Int64>
    #endif
    private let zeroPoint: SIMD8<Int32>
    private let low: SIMD8<Int32>
    private let high: SIMD8<Int32>

    @inline(__always)
    init(_ m: QuantizedMultiplier, _ output: OutputQuantization) {
        #if arch(arm64) || arch(arm)
        multiplier = SIMD2(repeating: m.multiplier)
        shift = SIMD2(repeating: 0 &- Int64(m.rightShift))
        #else
        multiplier = SIMD8<Int64>(signExtending: SIMD8<Int32>(repeating: m.multiplier))
        rounding = SIMD8(repeating: Int64(1) &<< Int64(m.rightShift &- 1))
        shift = SIMD8(repeating: Int64(m.rightShift))
        #endif
        zeroPoint = SIMD8(repeating: output.zeroPoint)
        low = SIMD8(repeating: Int32(output.minimum))
        high = SIMD8(repeating: Int32(output.maximum))
    }

    /// `multiplier.apply` on each lane, without the output zero point or clamp.
    @inline(__always)
    func scale(_ x: SIMD8<Int32>) -> SIMD8<Int64> {
        #if arch(arm64) || arch(arm)
        var scaled = SIMD8<Int64>()
        for pair in 0..<4 {
            let shifted = roundingShift(wideningProduct(SIMD2(x[pair &* 2], x[pair &* 2 &+ 1]), multiplier), shift)
            scaled[pair &* 2] = shifted[0]
            scaled[pair &* 2 &+ 1] = shifted[1]
        }
        return scaled
        #else
        return (SIMD8<Int64>(signExtending: x) &* multiplier &+ rounding) &>> shift
        #endif
    }

    /// `requantize(x, multiplier, output)` on each lane.
    @inline(__always)
    func callAsFunction(_ x: SIMD8<Int32>) -> SIMD8<Int8> {
        let shifted = saturatingAdd(saturatingNarrow(scale(x)), zeroPoint)
        return SIMD8<Int8>(truncating: minimum(maximum(shifted, low), high))
    }

    /// Sixteen lanes, as two halves.
    @inline(__always)
    func callAsFunction(_ low: SIMD8<Int32>, _ high: SIMD8<Int32>) -> SIMD16<Int8> {
        SIMD16<Int8>(lowHalf: self(low), highHalf: self(high))
    }
}
