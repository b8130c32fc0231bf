import Builtin

// Lane-wise conversions and min/max that always compile to one vector instruction (or a short
// fixed sequence). The standard library's generic `init(truncatingIfNeeded:)`, `pointwiseMin/Max`
// and mask-based `replacing` are not reliably specialized and inlined in hot loops.

extension SIMD8 where Scalar == Int16 {
    /// Sign-extends each lane (`sxtl` / `vpmovsxbw`).
    @inline(__always)
    init(signExtending v: SIMD8<Int8>) {
        self = unsafeBitCast(Builtin.sext_Vec8xInt8_Vec8xInt16(unsafeBitCast(v, to: Builtin.Vec8xInt8.self)), to: Self.self)
    }

    /// Zero-extends each lane.
    @inline(__always)
    init(zeroExtending v: SIMD8<UInt8>) {
        self = unsafeBitCast(Builtin.zext_Vec8xInt8_Vec8xInt16(unsafeBitCast(v, to: Builtin.Vec8xInt8.self)), to: Self.self)
    }
}

extension SIMD16 where Scalar == Int16 {
    /// Sign-extends each lane.
    @inline(__always)
    init(signExtending v: SIMD16<Int8>) {
        self = unsafeBitCast(Builtin.sext_Vec16xInt8_Vec16xInt16(unsafeBitCast(v, to: Builtin.Vec16xInt8.self)), to: Self.self)
    }
}

extension SIMD4 where Scalar == Int32 {
    /// Sign-extends each lane.
    @inline(__always)
    init(signExtending v: SIMD4<Int16>) {
        self = unsafeBitCast(Builtin.sext_Vec4xInt16_Vec4xInt32(unsafeBitCast(v, to: Builtin.Vec4xInt16.self)), to: Self.self)
    }
}

extension SIMD8 where Scalar == Int32 {
    /// Sign-extends each lane.
    @inline(__always)
    init(signExtending v: SIMD8<Int16>) {
        self = unsafeBitCast(Builtin.sext_Vec8xInt16_Vec8xInt32(unsafeBitCast(v, to: Builtin.Vec8xInt16.self)), to: Self.self)
    }

    /// Sign-extends each lane.
    @inline(__always)
    init(signExtending v: SIMD8<Int8>) {
        self = unsafeBitCast(Builtin.sext_Vec8xInt8_Vec8xInt32(unsafeBitCast(v, to: Builtin.Vec8xInt8.self)), to: Self.self)
    }
}

extension SIMD16 where Scalar == Int32 {
    /// Sign-extends each lane.
    @inline(__always)
    init(signExtending v: SIMD16<Int8>) {
        self = unsafeBitCast(Builtin.sext_Vec16xInt8_Vec16xInt32(unsafeBitCast(v, to: Builtin.Vec16xInt8.self)), to: Self.self)
    }
}

extension SIMD8 where Scalar == Int64 {
    /// Sign-extends each lane.
    @inline(__always)
    init(signExtending v: SIMD8<Int32>) {
        self = unsafeBitCast(Builtin.sext_Vec8xInt32_Vec8xInt64(unsafeBitCast(v, to: Builtin.Vec8xInt32.self)), to: Self.self)
    }
}

extension SIMD8 where Scalar == Int8 {
    /// Keeps the low 8 bits of each lane.
    @inline(__always)
    init(truncating v: SIMD8<Int32>) {
        self = unsafeBitCast(Builtin.trunc_Vec8xInt32_Vec8xInt8(unsafeBitCast(v, to: Builtin.Vec8xInt32.self)), to: Self.self)
    }
}

extension SIMD16 where Scalar == Int8 {
    /// Keeps the low 8 bits of each lane.
    @inline(__always)
    init(truncating v: SIMD16<Int32>) {
        self = unsafeBitCast(Builtin.trunc_Vec16xInt32_Vec16xInt8(unsafeBitCast(v, to: Builtin.Vec16xInt32.self)), to: Self.self)
    }
}

/// Lane-wise signed maximum.
@inline(__always)
func maximum(_ a: SIMD16<Int8>, _ b: SIMD16<Int8>) -> SIMD16<Int8> {
    let x = unsafeBitCast(a, to: Builtin.Vec16xInt8.self), y = unsafeBitCast(b, to: Builtin.Vec16xInt8.self)
    return unsafeBitCast(Builtin.select_Vec16xInt1_Vec16xInt8(Builtin.cmp_sgt_Vec16xInt8(x, y), x, y), to: SIMD16<Int8>.self)
}

/// Lane-wise signed maximum.
@inline(__always)
func maximum(_ a: SIMD8<Int32>, _ b: SIMD8<Int32>) -> SIMD8<Int32> {
    let x = unsafeBitCast(a, to: Builtin.Vec8xInt32.self), y = unsafeBitCast(b, to: Builtin.Vec8xInt32.self)
    return unsafeBitCast(Builtin.select_Vec8xInt1_Vec8xInt32(Builtin.cmp_sgt_Vec8xInt32(x, y), x, y), to: SIMD8<Int32>.self)
}

/// Lane-wise signed minimum.
@inline(__always)
func minimum(_ a: SIMD8<Int32>, _ b: SIMD8<Int32>) -> SIMD8<Int32> {
    let x = unsafeBitCast(a, to: Builtin.Vec8xInt32.self), y = unsafeBitCast(b, to: Builtin.Vec8xInt32.self)
    return unsafeBitCast(Builtin.select_Vec8xInt1_Vec8xInt32(Builtin.cmp_slt_Vec8xInt32(x, y), x, y), to: SIMD8<Int32>.self)
}

/// Each lane clamped to the Int32 range and narrowed (`sqxtn` on NEON).
@inline(__always)
func saturatingNarrow(_ v: SIMD8<Int64>) -> SIMD8<Int32> {
    let low = unsafeBitCast(SIMD8<Int64>(repeating: Int64(Int32.min)), to: Builtin.Vec8xInt64.self)
    let high = unsafeBitCast(SIMD8<Int64>(repeating: Int64(Int32.max)), to: Builtin.Vec8xInt64.self)
    let clamped = Builtin.int_smin_Vec8xInt64(Builtin.int_smax_Vec8xInt64(unsafeBitCast(v, to: Builtin.Vec8xInt64.self), low), high)
    return unsafeBitCast(Builtin.trunc_Vec8xInt64_Vec8xInt32(clamped), to: SIMD8<Int32>.self)
}

/// Lane-wise addition saturating at the Int32 range (`sqadd` on NEON).
@inline(__always)
func saturatingAdd(_ a: SIMD8<Int32>, _ b: SIMD8<Int32>) -> SIMD8<Int32> {
    unsafeBitCast(
        Builtin.int_sadd_sat_Vec8xInt32(unsafeBitCast(a, to: Builtin.Vec8xInt32.self), unsafeBitCast(b, to: Builtin.Vec8xInt32.self)),
        to: SIMD8<Int32>.self)
}

/// `Int64(a) * Int64(b)` lane-wise: one widening multiply (`smull`, `vmull.s32`, `vpmuldq`).
@inline(__always)
func wideningProduct(_ a: SIMD2<Int32>, _ b: SIMD2<Int32>) -> SIMD2<Int64> {
    unsafeBitCast(
        Builtin.mul_Vec2xInt64(
            Builtin.sext_Vec2xInt32_Vec2xInt64(unsafeBitCast(a, to: Builtin.Vec2xInt32.self)),
            Builtin.sext_Vec2xInt32_Vec2xInt64(unsafeBitCast(b, to: Builtin.Vec2xInt32.self))),
        to: SIMD2<Int64>.self)
}

#if arch(arm64) || arch(arm)
/// `x` shifted by `shift` lane-wise, rounding: for negative shifts `(x + 2^(-shift-1)) >> -shift`,
/// exactly `QuantizedMultiplier`'s single rounding (`srshl` / `vrshl.s64`).
@inline(__always)
func roundingShift(_ x: SIMD2<Int64>, _ shift: SIMD2<Int64>) -> SIMD2<Int64> {
    let a = unsafeBitCast(x, to: Builtin.Vec2xInt64.self), s = unsafeBitCast(shift, to: Builtin.Vec2xInt64.self)
    #if arch(arm64)
    return unsafeBitCast(Builtin.int_aarch64_neon_srshl_Vec2xInt64(a, s), to: SIMD2<Int64>.self)
    #else
    return unsafeBitCast(Builtin.int_arm_neon_vrshifts_Vec2xInt64(a, s), to: SIMD2<Int64>.self)
    #endif
}
#endif

extension SIMD64 where Scalar == Int16 {
    /// Sign-extends each lane.
    @inline(__always)
    init(signExtending v: SIMD64<Int8>) {
        self = unsafeBitCast(Builtin.sext_Vec64xInt8_Vec64xInt16(unsafeBitCast(v, to: Builtin.Vec64xInt8.self)), to: Self.self)
    }
}

/// Lane-wise signed maximum.
@inline(__always)
func maximum(_ a: SIMD64<Int8>, _ b: SIMD64<Int8>) -> SIMD64<Int8> {
    let x = unsafeBitCast(a, to: Builtin.Vec64xInt8.self), y = unsafeBitCast(b, to: Builtin.Vec64xInt8.self)
    return unsafeBitCast(Builtin.select_Vec64xInt1_Vec64xInt8(Builtin.cmp_sgt_Vec64xInt8(x, y), x, y), to: SIMD64<Int8>.self)
}

/// The largest lane, signed (`smaxv`; a `vpmax` ladder on armv7).
@inline(__always)
func horizontalMaximum(_ v: SIMD16<Int8>) -> Int8 {
    Int8(Builtin.int_vector_reduce_smax_Vec16xInt8(unsafeBitCast(v, to: Builtin.Vec16xInt8.self)))
}

/// The smallest lane, unsigned (`uminv`; a `vpmin` ladder on armv7).
@inline(__always)
func horizontalMinimum(_ v: SIMD16<UInt8>) -> UInt8 {
    UInt8(Builtin.int_vector_reduce_umin_Vec16xInt8(unsafeBitCast(v, to: Builtin.Vec16xInt8.self)))
}

/// Lane-wise unsigned minimum.
@inline(__always)
func unsignedMinimum(_ a: SIMD16<UInt8>, _ b: SIMD16<UInt8>) -> SIMD16<UInt8> {
    let x = unsafeBitCast(a, to: Builtin.Vec16xInt8.self), y = unsafeBitCast(b, to: Builtin.Vec16xInt8.self)
    return unsafeBitCast(Builtin.select_Vec16xInt1_Vec16xInt8(Builtin.cmp_ult_Vec16xInt8(x, y), x, y), to: SIMD16<UInt8>.self)
}

/// `index` in the lanes where `v == value`, 255 elsewhere: the unsigned minimum of the result is
/// the first matching index.
@inline(__always)
func indices(_ index: SIMD16<UInt8>, where v: SIMD16<Int8>, equals value: SIMD16<Int8>) -> SIMD16<UInt8> {
    let equal = Builtin.cmp_eq_Vec16xInt8(unsafeBitCast(v, to: Builtin.Vec16xInt8.self), unsafeBitCast(value, to: Builtin.Vec16xInt8.self))
    let none = unsafeBitCast(SIMD16<UInt8>(repeating: 255), to: Builtin.Vec16xInt8.self)
    return unsafeBitCast(
        Builtin.select_Vec16xInt1_Vec16xInt8(equal, unsafeBitCast(index, to: Builtin.Vec16xInt8.self), none), to: SIMD16<UInt8>.self)
}

/// `v` in the lanes whose `index` is below `count`, -128 elsewhere: hides the bytes past a pixel's
/// last channel from a maximum.
@inline(__always)
func lanes(_ v: SIMD16<Int8>, below count: SIMD16<UInt8>, index: SIMD16<UInt8>) -> SIMD16<Int8> {
    let inside = Builtin.cmp_ult_Vec16xInt8(unsafeBitCast(index, to: Builtin.Vec16xInt8.self), unsafeBitCast(count, to: Builtin.Vec16xInt8.self))
    let low = unsafeBitCast(SIMD16<Int8>(repeating: -128), to: Builtin.Vec16xInt8.self)
    return unsafeBitCast(Builtin.select_Vec16xInt1_Vec16xInt8(inside, unsafeBitCast(v, to: Builtin.Vec16xInt8.self), low), to: SIMD16<Int8>.self)
}

extension SIMD4 where Scalar == Float {
    /// Each lane converted, rounded to nearest even (`ucvtf` / `vcvt.f32.u32`).
    @inline(__always)
    init(converting v: SIMD4<UInt32>) {
        self = unsafeBitCast(Builtin.uitofp_Vec4xInt32_Vec4xFPIEEE32(unsafeBitCast(v, to: Builtin.Vec4xInt32.self)), to: Self.self)
    }
}

/// Stores the first `count` (0...15) lanes of `v` at `destination`, touching no byte after them.
@inline(__always)
func storeLeading(_ v: SIMD16<Int8>, count: Int, to destination: UnsafeMutableRawPointer) {
    let halves = unsafeBitCast(v, to: SIMD2<UInt64>.self)
    var bits = halves[0], offset = 0
    if count & 8 != 0 {
        destination.storeBytes(of: bits, as: UInt64.self)
        bits = halves[1]
        offset = 8
    }
    if count & 4 != 0 {
        (destination + offset).storeBytes(of: UInt32(truncatingIfNeeded: bits), as: UInt32.self)
        bits &>>= 32
        offset &+= 4
    }
    if count & 2 != 0 {
        (destination + offset).storeBytes(of: UInt16(truncatingIfNeeded: bits), as: UInt16.self)
        bits &>>= 16
        offset &+= 2
    }
    if count & 1 != 0 {
        (destination + offset).storeBytes(of: UInt8(truncatingIfNeeded: bits), as: UInt8.self)
    }
}
