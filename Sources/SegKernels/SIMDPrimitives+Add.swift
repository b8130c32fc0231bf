import Builtin

// The 32-bit fixed-point steps `ElementwiseAdd` requantizes with (see `FixedPointScaler`), and the
// saturating narrows and clamps of its output.

/// `floor(x * m / 2^31)` lane-wise for `m >= 0`: `sqdmulh` on NEON (which saturates only for
/// `x == m == Int32.min`), elsewhere two `vpmuldq` whose 64-bit products are shifted back into
/// 32-bit lanes.
@inline(__always)
func doublingHighProduct(_ x: SIMD8<Int32>, _ m: SIMD8<Int32>) -> SIMD8<Int32> {
    #if arch(arm64) || arch(arm)
    SIMD8(lowHalf: doublingHighProduct(x.lowHalf, m.lowHalf), highHalf: doublingHighProduct(x.highHalf, m.highHalf))
    #else
    // Even lanes sign-extended in place, odd lanes moved down (`vpshufd`) and sign-extended: each
    // product is one `vpmuldq`.
    let xOdd = SIMD8<Int32>(x[1], x[1], x[3], x[3], x[5], x[5], x[7], x[7])
    let mOdd = SIMD8<Int32>(m[1], m[1], m[3], m[3], m[5], m[5], m[7], m[7])
    let even = signExtendedEvenLanes(x) &* signExtendedEvenLanes(m)
    let odd = signExtendedEvenLanes(xOdd) &* signExtendedEvenLanes(mOdd)
    // Bits 31...62 of each product: the even ones shifted down into the low half of their lane,
    // the odd ones up into the high half.
    let low = unsafeBitCast(unsafeBitCast(even, to: SIMD4<UInt64>.self) &>> 31, to: SIMD8<Int32>.self)
    let high = unsafeBitCast(odd &<< 1, to: SIMD8<Int32>.self)
    let evenLanes = SIMD8<Int32>(-1, 0, -1, 0, -1, 0, -1, 0)
    return (low & evenLanes) | (high & ~evenLanes)
    #endif
}

#if !(arch(arm64) || arch(arm))
/// The even Int32 lanes of `v` sign-extended to Int64.
@inline(__always)
private func signExtendedEvenLanes(_ v: SIMD8<Int32>) -> SIMD4<Int64> {
    (unsafeBitCast(v, to: SIMD4<Int64>.self) &<< 32) &>> 32
}
#endif

#if arch(arm64) || arch(arm)
@inline(__always)
private func doublingHighProduct(_ x: SIMD4<Int32>, _ m: SIMD4<Int32>) -> SIMD4<Int32> {
    let a = unsafeBitCast(x, to: Builtin.Vec4xInt32.self), b = unsafeBitCast(m, to: Builtin.Vec4xInt32.self)
    #if arch(arm64)
    return unsafeBitCast(Builtin.int_aarch64_neon_sqdmulh_Vec4xInt32(a, b), to: SIMD4<Int32>.self)
    #else
    return unsafeBitCast(Builtin.int_arm_neon_vqdmulh_Vec4xInt32(a, b), to: SIMD4<Int32>.self)
    #endif
}

/// `x << shift` lane-wise, saturating at the Int32 range (`sqshl` / `vqshl.s32`).
@inline(__always)
func saturatingShiftLeft(_ x: SIMD8<Int32>, _ shift: SIMD8<Int32>) -> SIMD8<Int32> {
    SIMD8(lowHalf: saturatingShiftLeft(x.lowHalf, shift.lowHalf), highHalf: saturatingShiftLeft(x.highHalf, shift.highHalf))
}

@inline(__always)
private func saturatingShiftLeft(_ x: SIMD4<Int32>, _ shift: SIMD4<Int32>) -> SIMD4<Int32> {
    let a = unsafeBitCast(x, to: Builtin.Vec4xInt32.self), s = unsafeBitCast(shift, to: Builtin.Vec4xInt32.self)
    #if arch(arm64)
    return unsafeBitCast(Builtin.int_aarch64_neon_sqshl_Vec4xInt32(a, s), to: SIMD4<Int32>.self)
    #else
    return unsafeBitCast(Builtin.int_arm_neon_vqshifts_Vec4xInt32(a, s), to: SIMD4<Int32>.self)
    #endif
}

/// `x` shifted by `shift` lane-wise, rounding: for negative shifts `(x + 2^(-shift-1)) >> -shift`
/// computed without overflow (`srshl` / `vrshl.s32`).
@inline(__always)
func roundingShift(_ x: SIMD8<Int32>, _ shift: SIMD8<Int32>) -> SIMD8<Int32> {
    SIMD8(lowHalf: roundingShift(x.lowHalf, shift.lowHalf), highHalf: roundingShift(x.highHalf, shift.highHalf))
}

@inline(__always)
private func roundingShift(_ x: SIMD4<Int32>, _ shift: SIMD4<Int32>) -> SIMD4<Int32> {
    let a = unsafeBitCast(x, to: Builtin.Vec4xInt32.self), s = unsafeBitCast(shift, to: Builtin.Vec4xInt32.self)
    #if arch(arm64)
    return unsafeBitCast(Builtin.int_aarch64_neon_srshl_Vec4xInt32(a, s), to: SIMD4<Int32>.self)
    #else
    return unsafeBitCast(Builtin.int_arm_neon_vrshifts_Vec4xInt32(a, s), to: SIMD4<Int32>.self)
    #endif
}
#else
/// `x >> shift` lane-wise, arithmetic (`vpsrad` / `vpsravd`); `shift` in 0...31.
@inline(__always)
func arithmeticShiftRight(_ x: SIMD8<Int32>, _ shift: SIMD8<Int32>) -> SIMD8<Int32> {
    unsafeBitCast(
        Builtin.ashr_Vec8xInt32(unsafeBitCast(x, to: Builtin.Vec8xInt32.self), unsafeBitCast(shift, to: Builtin.Vec8xInt32.self)),
        to: SIMD8<Int32>.self)
}

/// `x << shift` lane-wise, wrapping (`vpslld` / `vpsllvd`); `shift` in 0...31.
@inline(__always)
func shiftLeft(_ x: SIMD8<Int32>, _ shift: SIMD8<Int32>) -> SIMD8<Int32> {
    unsafeBitCast(
        Builtin.shl_Vec8xInt32(unsafeBitCast(x, to: Builtin.Vec8xInt32.self), unsafeBitCast(shift, to: Builtin.Vec8xInt32.self)),
        to: SIMD8<Int32>.self)
}
#endif

/// Each lane clamped to the Int16 range and narrowed (`sqxtn` / `vpackssdw`).
@inline(__always)
func saturatingNarrow(_ v: SIMD8<Int32>) -> SIMD8<Int16> {
    let low = unsafeBitCast(SIMD8<Int32>(repeating: Int32(Int16.min)), to: Builtin.Vec8xInt32.self)
    let high = unsafeBitCast(SIMD8<Int32>(repeating: Int32(Int16.max)), to: Builtin.Vec8xInt32.self)
    let clamped = Builtin.int_smin_Vec8xInt32(Builtin.int_smax_Vec8xInt32(unsafeBitCast(v, to: Builtin.Vec8xInt32.self), low), high)
    return unsafeBitCast(Builtin.trunc_Vec8xInt32_Vec8xInt16(clamped), to: SIMD8<Int16>.self)
}

/// Each lane clamped to the Int8 range and narrowed (`sqxtn` / `vpacksswb`).
@inline(__always)
func saturatingNarrow(_ v: SIMD16<Int16>) -> SIMD16<Int8> {
    let low = unsafeBitCast(SIMD16<Int16>(repeating: Int16(Int8.min)), to: Builtin.Vec16xInt16.self)
    let high = unsafeBitCast(SIMD16<Int16>(repeating: Int16(Int8.max)), to: Builtin.Vec16xInt16.self)
    let clamped = Builtin.int_smin_Vec16xInt16(Builtin.int_smax_Vec16xInt16(unsafeBitCast(v, to: Builtin.Vec16xInt16.self), low), high)
    return unsafeBitCast(Builtin.trunc_Vec16xInt16_Vec16xInt8(clamped), to: SIMD16<Int8>.self)
}

/// Lane-wise addition saturating at the Int16 range (`sqadd` / `vpaddsw`).
@inline(__always)
func saturatingAdd(_ a: SIMD16<Int16>, _ b: SIMD16<Int16>) -> SIMD16<Int16> {
    unsafeBitCast(
        Builtin.int_sadd_sat_Vec16xInt16(unsafeBitCast(a, to: Builtin.Vec16xInt16.self), unsafeBitCast(b, to: Builtin.Vec16xInt16.self)),
        to: SIMD16<Int16>.self)
}

/// Lane-wise signed minimum.
@inline(__always)
func minimum(_ a: SIMD16<Int8>, _ b: SIMD16<Int8>) -> SIMD16<Int8> {
    let x = unsafeBitCast(a, to: Builtin.Vec16xInt8.self), y = unsafeBitCast(b, to: Builtin.Vec16xInt8.self)
    return unsafeBitCast(Builtin.select_Vec16xInt1_Vec16xInt8(Builtin.cmp_slt_Vec16xInt8(x, y), x, y), to: SIMD16<Int8>.self)
}
