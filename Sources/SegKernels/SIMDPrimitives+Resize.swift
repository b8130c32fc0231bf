import Builtin

// Reductions, masks and conversions for the resize, arg-max and softmax kernels, written with
// Builtin so that they stay single instructions (or short fixed sequences) in hot loops.

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
