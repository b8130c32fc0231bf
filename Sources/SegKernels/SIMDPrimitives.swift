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

    /// Zero-extends each lane.
    @inline(__always)
    init(zeroExtending v: SIMD8<UInt8>) {
        self = unsafeBitCast(Builtin.zext_Vec8xInt8_Vec8xInt32(unsafeBitCast(v, to: Builtin.Vec8xInt8.self)), to: Self.self)
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
    init(truncating v: SIMD8<Int64>) {
        self = unsafeBitCast(Builtin.trunc_Vec8xInt64_Vec8xInt8(unsafeBitCast(v, to: Builtin.Vec8xInt64.self)), to: Self.self)
    }

    /// Keeps the low 8 bits of each lane.
    @inline(__always)
    init(truncating v: SIMD8<Int32>) {
        self = unsafeBitCast(Builtin.trunc_Vec8xInt32_Vec8xInt8(unsafeBitCast(v, to: Builtin.Vec8xInt32.self)), to: Self.self)
    }

    /// Keeps the low 8 bits of each lane.
    @inline(__always)
    init(truncating v: SIMD8<Int16>) {
        self = unsafeBitCast(Builtin.trunc_Vec8xInt16_Vec8xInt8(unsafeBitCast(v, to: Builtin.Vec8xInt16.self)), to: Self.self)
    }
}

extension SIMD16 where Scalar == Int8 {
    /// Keeps the low 8 bits of each lane.
    @inline(__always)
    init(truncating v: SIMD16<Int32>) {
        self = unsafeBitCast(Builtin.trunc_Vec16xInt32_Vec16xInt8(unsafeBitCast(v, to: Builtin.Vec16xInt32.self)), to: Self.self)
    }

    /// Keeps the low 8 bits of each lane.
    @inline(__always)
    init(truncating v: SIMD16<Int16>) {
        self = unsafeBitCast(Builtin.trunc_Vec16xInt16_Vec16xInt8(unsafeBitCast(v, to: Builtin.Vec16xInt16.self)), to: Self.self)
    }
}

/// Lane-wise signed maximum.
@inline(__always)
func maximum(_ a: SIMD16<Int8>, _ b: SIMD16<Int8>) -> SIMD16<Int8> {
    let x = unsafeBitCast(a, to: Builtin.Vec16xInt8.self), y = unsafeBitCast(b, to: Builtin.Vec16xInt8.self)
    return unsafeBitCast(Builtin.select_Vec16xInt1_Vec16xInt8(Builtin.cmp_sgt_Vec16xInt8(x, y), x, y), to: SIMD16<Int8>.self)
}

/// Lane-wise signed minimum.
@inline(__always)
func minimum(_ a: SIMD16<Int8>, _ b: SIMD16<Int8>) -> SIMD16<Int8> {
    let x = unsafeBitCast(a, to: Builtin.Vec16xInt8.self), y = unsafeBitCast(b, to: Builtin.Vec16xInt8.self)
    return unsafeBitCast(Builtin.select_Vec16xInt1_Vec16xInt8(Builtin.cmp_slt_Vec16xInt8(x, y), x, y), to: SIMD16<Int8>.self)
}

/// Lane-wise signed maximum.
@inline(__always)
func maximum(_ a: SIMD8<Int64>, _ b: SIMD8<Int64>) -> SIMD8<Int64> {
    let x = unsafeBitCast(a, to: Builtin.Vec8xInt64.self), y = unsafeBitCast(b, to: Builtin.Vec8xInt64.self)
    return unsafeBitCast(Builtin.select_Vec8xInt1_Vec8xInt64(Builtin.cmp_sgt_Vec8xInt64(x, y), x, y), to: SIMD8<Int64>.self)
}

/// Lane-wise signed minimum.
@inline(__always)
func minimum(_ a: SIMD8<Int64>, _ b: SIMD8<Int64>) -> SIMD8<Int64> {
    let x = unsafeBitCast(a, to: Builtin.Vec8xInt64.self), y = unsafeBitCast(b, to: Builtin.Vec8xInt64.self)
    return unsafeBitCast(Builtin.select_Vec8xInt1_Vec8xInt64(Builtin.cmp_slt_Vec8xInt64(x, y), x, y), to: SIMD8<Int64>.self)
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
