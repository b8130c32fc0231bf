/// Elementwise sum of two float tensors of the same shape, then the activation clamp:
/// `output[i] = min(max(a[i] + b[i], lower), upper)` for the elements `elements` (indices below
/// `count`; nil for all). `output` may be `a` or `b` (in place); otherwise the buffers must not
/// overlap. Allocates nothing.
public func addFloat(
    _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, count: Int,
    lower: Float = -.infinity, upper: Float = .infinity, elements: Range<Int>? = nil
) {
    let range = resolvedRange(elements, count)
    var i = range.lowerBound
    while i &+ 8 <= range.upperBound {
        SIMD8<Float>.load(a + i).adding(SIMD8.load(b + i)).storeClamped(output + i, width: 8, lower, upper)
        i &+= 8
    }
    while i < range.upperBound {
        output[i] = min(max(a[i] + b[i], lower), upper)
        i &+= 1
    }
}

/// A standalone activation (Relu, ReLU6, Clip): `output[i] = min(max(input[i], lower), upper)` for
/// the elements `elements` (indices below `count`; nil for all). `output` may be `input` (in
/// place); otherwise the buffers must not overlap. Allocates nothing.
public func clampFloat(
    _ input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, count: Int, lower: Float, upper: Float,
    elements: Range<Int>? = nil
) {
    let range = resolvedRange(elements, count)
    var i = range.lowerBound
    while i &+ 8 <= range.upperBound {
        SIMD8<Float>.load(input + i).storeClamped(output + i, width: 8, lower, upper)
        i &+= 8
    }
    while i < range.upperBound {
        output[i] = min(max(input[i], lower), upper)
        i &+= 1
    }
}
