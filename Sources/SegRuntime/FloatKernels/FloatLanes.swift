/// A vector of Float lanes the float kernels are generic over (`SIMD8<Float>`, `SIMD16<Float>`).
///
/// The requirements are implemented on the concrete types, whose SIMD operators lower to single
/// vector instructions; the same operators called from generic code go through the generic
/// `SIMD` implementations, which build masks lane by lane and run ~20x slower (measured).
protocol FloatLanes: SIMD where Scalar == Float {
    /// Every lane `x`.
    static func splat(_ x: Float) -> Self
    /// `Self.scalarCount` floats from `pointer` (any alignment).
    static func load(_ pointer: UnsafePointer<Float>) -> Self
    /// Writes every lane to `pointer` (any alignment).
    func store(_ pointer: UnsafeMutablePointer<Float>)
    /// `self + other` per lane.
    func adding(_ other: Self) -> Self
    /// `self + a * b`, one rounding per lane (fused multiply-add).
    func multiplyAdding(_ a: Self, _ b: Self) -> Self
    /// `min(max(self, lower), upper)` per lane, as the scalar `min`/`max` give it (NaN stays NaN).
    func clamped(_ lower: Float, _ upper: Float) -> Self
    /// The larger of `self` and `other` per lane, keeping `self` where they compare unordered or
    /// equal (as `if x > best { best = x }`).
    func keepingLarger(_ other: Self) -> Self
}

extension SIMD8: FloatLanes where Scalar == Float {
    @inline(__always) static func splat(_ x: Float) -> Self { Self(repeating: x) }

    @inline(__always) static func load(_ pointer: UnsafePointer<Float>) -> Self {
        UnsafeRawPointer(pointer).loadUnaligned(as: Self.self)
    }

    @inline(__always) func store(_ pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: self, as: Self.self)
    }

    @inline(__always) func adding(_ other: Self) -> Self { self + other }

    @inline(__always) func multiplyAdding(_ a: Self, _ b: Self) -> Self { addingProduct(a, b) }

    @inline(__always) func clamped(_ lower: Float, _ upper: Float) -> Self {
        let lo = Self(repeating: lower), hi = Self(repeating: upper)
        let raised = replacing(with: lo, where: self .< lo)
        return raised.replacing(with: hi, where: raised .> hi)
    }

    @inline(__always) func keepingLarger(_ other: Self) -> Self { replacing(with: other, where: other .> self) }
}

extension SIMD16: FloatLanes where Scalar == Float {
    @inline(__always) static func splat(_ x: Float) -> Self { Self(repeating: x) }

    @inline(__always) static func load(_ pointer: UnsafePointer<Float>) -> Self {
        UnsafeRawPointer(pointer).loadUnaligned(as: Self.self)
    }

    @inline(__always) func store(_ pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: self, as: Self.self)
    }

    @inline(__always) func adding(_ other: Self) -> Self { self + other }

    @inline(__always) func multiplyAdding(_ a: Self, _ b: Self) -> Self { addingProduct(a, b) }

    @inline(__always) func clamped(_ lower: Float, _ upper: Float) -> Self {
        let lo = Self(repeating: lower), hi = Self(repeating: upper)
        let raised = replacing(with: lo, where: self .< lo)
        return raised.replacing(with: hi, where: raised .> hi)
    }

    @inline(__always) func keepingLarger(_ other: Self) -> Self { replacing(with: other, where: other .> self) }
}

extension FloatLanes {
    /// Clamps `self` and stores its first `width` lanes at `output` (the whole vector when `width`
    /// is the lane count), never writing past them.
    @inline(__always)
    func storeClamped(_ output: UnsafeMutablePointer<Float>, width: Int, _ lower: Float, _ upper: Float) {
        let clamped = clamped(lower, upper)
        if width == Self.scalarCount {
            clamped.store(output)
        } else {
            var lane = 0
            while lane < width {
                output[lane] = clamped[lane]
                lane &+= 1
            }
        }
    }
}
