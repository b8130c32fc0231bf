import SegKernels

/// Max pooling over an NHWC float tensor (layouts as in `Pool2DGeometry`).
///
/// Each output is the largest input among its window's taps inside the input: padding and a
/// `ceilMode` overhang never win (the int8 `maxPool2dReference` rules). Taps are visited row by
/// row and a later tap replaces the running maximum only when strictly larger. Computes the output
/// rows `outputRows` (indices into `batch * outputHeight`; nil for all). Allocates nothing;
/// `geometry` must be valid and the tensors must not overlap.
public func maxPool2dFloat(
    _ geometry: Pool2DGeometry, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
    outputRows: Range<Int>? = nil
) {
    let g = geometry
    let oh = g.outputHeight, ow = g.outputWidth, c = g.channels
    for row in resolvedRange(outputRows, g.batch &* oh) {
        let image = input + (row / oh) &* g.inputHeight &* g.inputWidth &* c
        let rows = poolWindow(row % oh, g.strideHeight, g.padTop, g.kernelHeight, 0, g.inputHeight)
        for ox in 0..<ow {
            let columns = poolWindow(ox, g.strideWidth, g.padLeft, g.kernelWidth, 0, g.inputWidth)
            let window = PoolWindow(image: image, rows: rows, columns: columns, rowStride: g.inputWidth &* c, channels: c)
            let out = output + (row &* ow &+ ox) &* c
            var channel = 0
            while channel &+ 16 <= c {
                window.maximum(SIMD16<Float>.self, channel).store(out + channel)
                channel &+= 16
            }
            if channel &+ 8 <= c {
                window.maximum(SIMD8<Float>.self, channel).store(out + channel)
                channel &+= 8
            }
            while channel < c {
                var largest = -Float.infinity
                window.forEachTap(channel) { if $0[0] > largest { largest = $0[0] } }
                out[channel] = largest
                channel &+= 1
            }
        }
    }
}

/// Average pooling over an NHWC float tensor (layouts as in `Pool2DGeometry`).
///
/// Each output is the Float sum of its window's taps inside the input (row by row, left to right)
/// divided by the number of those taps or, with `countIncludePad` (ONNX `count_include_pad`), by
/// the number of window positions inside the padded input (a `ceilMode` overhang past the padding
/// never counts). Computes the output rows `outputRows` (indices into `batch * outputHeight`; nil
/// for all). Allocates nothing; `geometry` must be valid and the tensors must not overlap.
public func averagePool2dFloat(
    _ geometry: Pool2DGeometry, countIncludePad: Bool, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
    outputRows: Range<Int>? = nil
) {
    let g = geometry
    let oh = g.outputHeight, ow = g.outputWidth, c = g.channels
    for row in resolvedRange(outputRows, g.batch &* oh) {
        let oy = row % oh
        let image = input + (row / oh) &* g.inputHeight &* g.inputWidth &* c
        let rows = poolWindow(oy, g.strideHeight, g.padTop, g.kernelHeight, 0, g.inputHeight)
        let paddedRows = poolWindow(oy, g.strideHeight, g.padTop, g.kernelHeight, 0 &- g.padTop, g.inputHeight &+ g.padBottom)
        for ox in 0..<ow {
            let columns = poolWindow(ox, g.strideWidth, g.padLeft, g.kernelWidth, 0, g.inputWidth)
            let count =
                countIncludePad
                ? paddedRows.count &* poolWindow(ox, g.strideWidth, g.padLeft, g.kernelWidth, 0 &- g.padLeft, g.inputWidth &+ g.padRight).count
                : rows.count &* columns.count
            let divisor = Float(count)
            let window = PoolWindow(image: image, rows: rows, columns: columns, rowStride: g.inputWidth &* c, channels: c)
            let out = output + (row &* ow &+ ox) &* c
            var channel = 0
            while channel &+ 16 <= c {
                (window.sum(SIMD16<Float>.self, channel) / SIMD16(repeating: divisor)).store(out + channel)
                channel &+= 16
            }
            if channel &+ 8 <= c {
                (window.sum(SIMD8<Float>.self, channel) / SIMD8(repeating: divisor)).store(out + channel)
                channel &+= 8
            }
            while channel < c {
                var sum: Float = 0
                window.forEachTap(channel) { sum += $0[0] }
                out[channel] = sum / divisor
                channel &+= 1
            }
        }
    }
}

/// Global average pooling: input `[batch][height][width][channels]`, output `[batch][channels]`,
/// each output the Float sum over the image's pixels in order divided by `height * width`.
/// Computes the images `images` (nil for all). Allocates nothing; the tensors must not overlap.
public func globalAveragePoolFloat(
    batch: Int, height: Int, width: Int, channels c: Int, input: UnsafePointer<Float>,
    output: UnsafeMutablePointer<Float>, images: Range<Int>? = nil
) {
    let pixels = height &* width
    let divisor = Float(pixels)
    for b in resolvedRange(images, batch) {
        let window = PoolWindow(image: input + b &* pixels &* c, rows: 0..<1, columns: 0..<pixels, rowStride: 0, channels: c)
        let out = output + b &* c
        var channel = 0
        while channel &+ 16 <= c {
            (window.sum(SIMD16<Float>.self, channel) / SIMD16(repeating: divisor)).store(out + channel)
            channel &+= 16
        }
        if channel &+ 8 <= c {
            (window.sum(SIMD8<Float>.self, channel) / SIMD8(repeating: divisor)).store(out + channel)
            channel &+= 8
        }
        while channel < c {
            var sum: Float = 0
            window.forEachTap(channel) { sum += $0[0] }
            out[channel] = sum / divisor
            channel &+= 1
        }
    }
}

/// The indices of window `o` (`o * stride - pad ..< + kernel`) that lie in `low..<high`.
@inline(__always)
func poolWindow(_ o: Int, _ stride: Int, _ pad: Int, _ kernel: Int, _ low: Int, _ high: Int) -> Range<Int> {
    let start = o &* stride &- pad
    let lower = max(start, low)
    return lower..<max(lower, min(start &+ kernel, high))
}

/// The taps of one pooling window: `rows` x `columns` of an image, channel-contiguous pixels.
struct PoolWindow {
    var image: UnsafePointer<Float>
    var rows: Range<Int>
    var columns: Range<Int>
    var rowStride: Int
    var channels: Int

    /// Calls `body` with a pointer to channel `channel` of every tap, row by row.
    @inline(__always)
    func forEachTap(_ channel: Int, _ body: (UnsafePointer<Float>) -> Void) {
        for r in rows {
            var tap = image + (r &* rowStride &+ columns.lowerBound &* channels &+ channel)
            for _ in columns {
                body(tap)
                tap += channels
            }
        }
    }

    @inline(__always)
    func maximum<V: FloatLanes>(_: V.Type, _ channel: Int) -> V {
        var largest = V.splat(-.infinity)
        forEachTap(channel) { largest = largest.keepingLarger(V.load($0)) }
        return largest
    }

    @inline(__always)
    func sum<V: FloatLanes>(_: V.Type, _ channel: Int) -> V {
        var sum = V.splat(0)
        forEachTap(channel) { sum = sum.adding(V.load($0)) }
        return sum
    }
}
