import SegKernels

/// Bilinear resize of an NHWC float tensor (ONNX Resize, mode `linear`, 2-D), computed the way
/// onnxruntime's CPU kernel does, in Float and in the same order, so that the results agree bit
/// for bit.
///
/// Per axis, output index `x` maps to `coordinate(x)` (`coordinateMode`, with `scale` the axis
/// scale: the model's `scales` value, or `outputSize / inputSize` in Float when it gives `sizes`;
/// the input index itself when the scale is 1), clamped to `[0, inputSize - 1]`; the taps are
/// `i0 = Int(coordinate)` and `i1 = min(i0 + 1, inputSize - 1)` with weights
/// `|coordinate - i1|` for `i0` and `|coordinate - i0|` for `i1` (both 0.5 when `i0 == i1`). Each
/// output is `((wx0*wy0) * x00 + (wx1*wy0) * x01) + (wx0*wy1) * x10) + (wx1*wy1) * x11`, separate
/// roundings, no fused multiply-add.
///
/// Computes the output rows `outputRows` (indices into `batch * outputHeight`; nil for all).
/// Allocates nothing; `geometry` must be valid and the tensors must not overlap.
public func resizeBilinearFloat(
    _ geometry: ResizeGeometry, coordinateMode: ResizeCoordinateMode, heightScale: Float? = nil,
    widthScale: Float? = nil, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
    outputRows: Range<Int>? = nil
) {
    let g = geometry
    let c = g.channels
    let scaleY = heightScale ?? Float(g.outputHeight) / Float(g.inputHeight)
    let scaleX = widthScale ?? Float(g.outputWidth) / Float(g.inputWidth)
    for row in resolvedRange(outputRows, g.batch &* g.outputHeight) {
        let b = row / g.outputHeight
        let ty = FloatBilinearTap(coordinateMode, row % g.outputHeight, scale: scaleY, inputSize: g.inputHeight, outputSize: g.outputHeight)
        let row0 = input + (b &* g.inputHeight &+ ty.index0) &* g.inputWidth &* c
        let row1 = input + (b &* g.inputHeight &+ ty.index1) &* g.inputWidth &* c
        for ox in 0..<g.outputWidth {
            let tx = FloatBilinearTap(coordinateMode, ox, scale: scaleX, inputSize: g.inputWidth, outputSize: g.outputWidth)
            let w00 = tx.weight0 * ty.weight0, w01 = tx.weight1 * ty.weight0
            let w10 = tx.weight0 * ty.weight1, w11 = tx.weight1 * ty.weight1
            let p00 = row0 + tx.index0 &* c, p01 = row0 + tx.index1 &* c
            let p10 = row1 + tx.index0 &* c, p11 = row1 + tx.index1 &* c
            let out = output + (row &* g.outputWidth &+ ox) &* c
            var channel = 0
            while channel &+ 8 <= c {
                let v00 = SIMD8<Float>.load(p00 + channel) * w00, v01 = SIMD8<Float>.load(p01 + channel) * w01
                let v10 = SIMD8<Float>.load(p10 + channel) * w10, v11 = SIMD8<Float>.load(p11 + channel) * w11
                (((v00 + v01) + v10) + v11).store(out + channel)
                channel &+= 8
            }
            while channel < c {
                out[channel] = ((w00 * p00[channel] + w01 * p01[channel]) + w10 * p10[channel]) + w11 * p11[channel]
                channel &+= 1
            }
        }
    }
}

/// Nearest-neighbour resize of an NHWC float tensor (ONNX Resize, mode `nearest`), indexed the way
/// onnxruntime's CPU kernel does.
///
/// Per axis, output index `x` reads input index `nearest(coordinate(x))` clamped to
/// `[0, inputSize - 1]` (the index itself when the axis scale is 1), `coordinate` in Float as for
/// `resizeBilinearFloat` and `nearest` by `nearestMode`, with onnxruntime's tie tolerance (see
/// `onnxNearestIndex`).
/// `scale`s as for `resizeBilinearFloat`. Computes the output rows `outputRows` (indices into
/// `batch * outputHeight`; nil for all). Allocates nothing; `geometry` must be valid and the
/// tensors must not overlap.
public func resizeNearestFloat(
    _ geometry: ResizeGeometry, coordinateMode: ResizeCoordinateMode, nearestMode: ResizeNearestMode,
    heightScale: Float? = nil, widthScale: Float? = nil, input: UnsafePointer<Float>,
    output: UnsafeMutablePointer<Float>, outputRows: Range<Int>? = nil
) {
    let g = geometry
    let c = g.channels
    let scaleY = heightScale ?? Float(g.outputHeight) / Float(g.inputHeight)
    let scaleX = widthScale ?? Float(g.outputWidth) / Float(g.inputWidth)
    for row in resolvedRange(outputRows, g.batch &* g.outputHeight) {
        let b = row / g.outputHeight
        let iy = onnxNearestIndex(
            coordinateMode, nearestMode, row % g.outputHeight, scale: scaleY, inputSize: g.inputHeight,
            outputSize: g.outputHeight)
        let inputRow = input + (b &* g.inputHeight &+ iy) &* g.inputWidth &* c
        for ox in 0..<g.outputWidth {
            let ix = onnxNearestIndex(
                coordinateMode, nearestMode, ox, scale: scaleX, inputSize: g.inputWidth, outputSize: g.outputWidth)
            (output + (row &* g.outputWidth &+ ox) &* c).update(from: inputRow + ix &* c, count: c)
        }
    }
}

/// onnxruntime's input coordinate of output index `x` along one axis, before any clamping, in
/// Float with its operation order.
@inline(__always)
func onnxSourceCoordinate(
    _ mode: ResizeCoordinateMode, _ x: Int, scale: Float, inputSize: Int, outputSize: Int
) -> Float {
    let resized = Float(x)
    switch mode {
    case .halfPixel:
        return (resized + 0.5) / scale - 0.5
    case .pytorchHalfPixel:
        return outputSize > 1 ? (resized + 0.5) / scale - 0.5 : 0
    case .alignCorners:
        return outputSize == 1 ? 0 : resized * (Float(inputSize) - 1) / (Float(outputSize) - 1)
    case .asymmetric:
        return resized / scale
    }
}

/// The two input indices linear interpolation reads along one axis and their Float weights, as
/// onnxruntime sets them up (`weight0` multiplies `index0`).
struct FloatBilinearTap {
    var index0: Int
    var index1: Int
    var weight0: Float
    var weight1: Float

    @inline(__always)
    init(_ mode: ResizeCoordinateMode, _ x: Int, scale: Float, inputSize: Int, outputSize: Int) {
        var coordinate = scale == 1 ? Float(x) : onnxSourceCoordinate(mode, x, scale: scale, inputSize: inputSize, outputSize: outputSize)
        coordinate = max(0, min(coordinate, Float(inputSize &- 1)))
        index0 = min(Int(coordinate), inputSize &- 1)
        index1 = min(index0 &+ 1, inputSize &- 1)
        if index0 == index1 {
            weight0 = 0.5
            weight1 = 0.5
        } else {
            weight0 = abs(coordinate - Float(index1))
            weight1 = abs(coordinate - Float(index0))
        }
    }
}

/// The input index nearest-neighbour resizing reads for output index `x`, as onnxruntime (1.31)
/// picks it: `floor` and `ceil` of the Float coordinate; the two `round` modes take a coordinate
/// within 1e-6 of a half as a tie (so that `7.4999995`, the Float image of 7.5, still counts as
/// one), else round to the nearest index.
@inline(__always)
func onnxNearestIndex(
    _ mode: ResizeCoordinateMode, _ rounding: ResizeNearestMode, _ x: Int, scale: Float, inputSize: Int, outputSize: Int
) -> Int {
    if scale == 1 { return x }
    let coordinate = onnxSourceCoordinate(mode, x, scale: scale, inputSize: inputSize, outputSize: outputSize)
    // Coordinates stay far below 2^31, so truncating to Int is exact and cannot trap.
    let truncated = Int(coordinate)
    let below = Float(truncated) > coordinate ? truncated &- 1 : truncated
    // Exact: the coordinate minus its floor.
    let fraction = coordinate - Float(below)
    let tie = abs(fraction - 0.5) <= 1e-6
    let index: Int
    switch rounding {
    case .floor:
        index = below
    case .ceil:
        index = fraction > 0 ? below &+ 1 : below
    case .roundPreferCeil:
        index = tie || fraction > 0.5 ? below &+ 1 : below
    case .roundPreferFloor:
        index = tie || fraction < 0.5 ? below : below &+ 1
    }
    return min(max(index, 0), inputSize &- 1)
}
