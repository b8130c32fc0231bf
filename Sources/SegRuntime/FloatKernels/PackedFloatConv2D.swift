import SegKernels

/// A float 2-D convolution over NHWC tensors with its weights packed once, at init, for a
/// register-blocked micro-kernel (6 output pixels x 16 output channels of fused multiply-adds);
/// bias and the activation clamp are fused. Bit-identical to `conv2dFloat` (up to the sign of
/// zero): the same fused multiply-adds in the same order.
///
/// Grouped convolutions run the micro-kernel per group; depthwise ones (channel multiplier 1) have
/// their own SIMD loop over channels. Immutable after init: `run` may be called from several
/// threads at once on disjoint `outputRows`. `run` allocates nothing and checks nothing; input
/// and output must not overlap.
public final class PackedFloatConv2D {
    public let geometry: Conv2DGeometry
    /// The clamp applied to every output: `min(max(x, lower), upper)`.
    public let lower: Float
    public let upper: Float

    private let strategy: PackedFloatConvWeights

    /// Packs `weights` (OHWI, `geometry.weightElementCount` values) and `bias` (one per output
    /// channel, or nil for zero); the buffers are only read during init.
    /// - Throws: `KernelConfigurationError` naming the parameter the kernel cannot take.
    public init(
        _ geometry: Conv2DGeometry,
        weights: UnsafeBufferPointer<Float>,
        bias: UnsafeBufferPointer<Float>?,
        lower: Float = -.infinity,
        upper: Float = .infinity
    ) throws(KernelConfigurationError) {
        try geometry.validate()
        let g = geometry
        strategy = try PackedFloatConvWeights(
            weights: weights, bias: bias, weightElementCount: g.weightElementCount, outputChannels: g.outputChannels,
            groups: g.groups, taps: g.taps, inputChannelsPerGroup: g.inputChannelsPerGroup,
            depthwise: g.isDepthwise, lower: lower, upper: upper)
        self.geometry = geometry
        self.lower = lower
        self.upper = upper
    }

    /// Output rows over the whole batch (`batch * outputHeight`): the unit `run` splits work in.
    public var outputRowCount: Int { geometry.batch * geometry.outputHeight }

    /// Computes the output rows `outputRows` (indices into `batch * outputHeight`).
    public func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, outputRows: Range<Int>) {
        let ow = geometry.outputWidth
        let pixels = outputRows.lowerBound &* ow ..< outputRows.upperBound &* ow
        switch strategy {
        case let .panels(panels):
            // Indices, not the array: a debug build's array iterator allocates.
            for chunk in panels.chunks.indices {
                runPanels(panels, panels.chunks[chunk], input, output, pixels)
            }
        case let .depthwise(buffer, padded):
            runDepthwise(UnsafePointer(buffer.typed(Float.self, count: 0)), padded, input, output, pixels)
        }
    }

    /// Computes every output row.
    public func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        run(input: input, output: output, outputRows: 0..<outputRowCount)
    }

    private func runPanels(
        _ panels: FloatConvPanels, _ chunk: Range<Int>, _ input: UnsafePointer<Float>,
        _ output: UnsafeMutablePointer<Float>, _ pixels: Range<Int>
    ) {
        let g = geometry
        let h = g.inputHeight, w = g.inputWidth, cin = g.inputChannels
        let lastRow = (g.kernelHeight &- 1) &* g.dilationHeight, lastColumn = (g.kernelWidth &- 1) &* g.dilationWidth
        var tile = FloatConvTile()
        var cursor = FloatPixelCursor(pixels.lowerBound, height: g.outputHeight, width: g.outputWidth)
        var p = pixels.lowerBound
        while p < pixels.upperBound {
            let count = min(floatTilePixels, pixels.upperBound &- p)
            var interior = true
            for j in 0..<floatTilePixels {
                // Pixels past the end repeat the last one: computed, never stored.
                if j > 0 && j < count { cursor.advance() }
                let iy = cursor.row &* g.strideHeight &- g.padTop
                let ix = cursor.column &* g.strideWidth &- g.padLeft
                tile.rows[j] = iy
                tile.columns[j] = ix
                tile.origins[j] = ((cursor.image &* h &+ iy) &* w &+ ix) &* cin
                interior = interior && iy >= 0 && iy &+ lastRow < h && ix >= 0 && ix &+ lastColumn < w
            }
            cursor.advance()
            for index in chunk {
                let panel = panels.panels[index]
                if panel.wide {
                    runTile(SIMD16<Float>.self, panels, panel, tile, interior, input, output + p &* g.outputChannels, count)
                } else {
                    runTile(SIMD8<Float>.self, panels, panel, tile, interior, input, output + p &* g.outputChannels, count)
                }
            }
            p &+= count
        }
    }

    @inline(__always)
    private func runTile<V: FloatLanes>(
        _: V.Type, _ panels: FloatConvPanels, _ panel: FloatConvPanel, _ tile: FloatConvTile, _ interior: Bool,
        _ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, _ count: Int
    ) {
        let g = geometry
        let cinG = g.inputChannelsPerGroup
        let base = panels.base(panel)
        let tapStride = V.scalarCount &* cinG
        let groupInput = input + panel.group &* cinG
        var acc = FloatTileAccumulators<V>(bias: base)
        var weights = base + V.scalarCount
        if interior {
            let o = tile.origins
            @inline(__always)
            func inputs(_ offset: Int) -> FloatTileInputs {
                FloatTileInputs(
                    p0: groupInput + (o[0] &+ offset), p1: groupInput + (o[1] &+ offset), p2: groupInput + (o[2] &+ offset),
                    p3: groupInput + (o[3] &+ offset), p4: groupInput + (o[4] &+ offset), p5: groupInput + (o[5] &+ offset))
            }
            let rowStride = g.dilationHeight &* g.inputWidth &* g.inputChannels
            if g.groups == 1 && g.dilationWidth == 1 {
                // A kernel row's taps read adjacent pixels: one run of kernelWidth * inputChannels.
                let run = g.kernelWidth &* cinG
                for ky in 0..<g.kernelHeight {
                    acc.accumulate(inputs(ky &* rowStride), weights, run)
                    weights += V.scalarCount &* run
                }
            } else {
                let columnStride = g.dilationWidth &* g.inputChannels
                for ky in 0..<g.kernelHeight {
                    for kx in 0..<g.kernelWidth {
                        acc.accumulate(inputs(ky &* rowStride &+ kx &* columnStride), weights, cinG)
                        weights += tapStride
                    }
                }
            }
        } else {
            let zeros = panels.zeroPixel
            for ky in 0..<g.kernelHeight {
                let dy = ky &* g.dilationHeight
                for kx in 0..<g.kernelWidth {
                    let dx = kx &* g.dilationWidth
                    let offset = (dy &* g.inputWidth &+ dx) &* g.inputChannels
                    @inline(__always)
                    func pixel(_ j: Int) -> UnsafePointer<Float> {
                        let inside =
                            UInt(bitPattern: tile.rows[j] &+ dy) < UInt(bitPattern: g.inputHeight)
                            && UInt(bitPattern: tile.columns[j] &+ dx) < UInt(bitPattern: g.inputWidth)
                        return inside ? groupInput + (tile.origins[j] &+ offset) : zeros
                    }
                    let inputs = FloatTileInputs(p0: pixel(0), p1: pixel(1), p2: pixel(2), p3: pixel(3), p4: pixel(4), p5: pixel(5))
                    acc.accumulate(inputs, weights, cinG)
                    weights += tapStride
                }
            }
        }
        acc.store(
            pixels: count, width: panel.width, output: output + panel.firstChannel, pixelStride: g.outputChannels,
            lower: lower, upper: upper)
    }

    private func runDepthwise(
        _ packed: UnsafePointer<Float>, _ padded: Int, _ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>,
        _ pixels: Range<Int>
    ) {
        let g = geometry
        let c = g.outputChannels
        var cursor = FloatPixelCursor(pixels.lowerBound, height: g.outputHeight, width: g.outputWidth)
        for p in pixels {
            let iy0 = cursor.row &* g.strideHeight &- g.padTop
            let ix0 = cursor.column &* g.strideWidth &- g.padLeft
            let imageInput = input + cursor.image &* g.inputHeight &* g.inputWidth &* c
            cursor.advance()
            let out = output + p &* c
            var channel = 0
            while channel &+ 16 <= c {
                depthwiseVector(SIMD16<Float>.self, packed, padded, imageInput, iy0, ix0, channel, out)
                channel &+= 16
            }
            if channel &+ 8 <= c {
                depthwiseVector(SIMD8<Float>.self, packed, padded, imageInput, iy0, ix0, channel, out)
                channel &+= 8
            }
            while channel < c {
                var acc = packed[channel]
                for ky in 0..<g.kernelHeight {
                    let iy = iy0 &+ ky &* g.dilationHeight
                    if UInt(bitPattern: iy) >= UInt(bitPattern: g.inputHeight) { continue }
                    for kx in 0..<g.kernelWidth {
                        let ix = ix0 &+ kx &* g.dilationWidth
                        if UInt(bitPattern: ix) >= UInt(bitPattern: g.inputWidth) { continue }
                        let pixel: Int = (iy &* g.inputWidth &+ ix) &* c &+ channel
                        let tap: Int = (1 &+ ky &* g.kernelWidth &+ kx) &* padded &+ channel
                        acc = acc.addingProduct(imageInput[pixel], packed[tap])
                    }
                }
                out[channel] = min(max(acc, lower), upper)
                channel &+= 1
            }
        }
    }

    @inline(__always)
    private func depthwiseVector<V: FloatLanes>(
        _: V.Type, _ packed: UnsafePointer<Float>, _ padded: Int, _ imageInput: UnsafePointer<Float>, _ iy0: Int,
        _ ix0: Int, _ channel: Int, _ out: UnsafeMutablePointer<Float>
    ) {
        let g = geometry
        let c = g.outputChannels
        var acc = V.load(packed + channel)
        for ky in 0..<g.kernelHeight {
            let iy = iy0 &+ ky &* g.dilationHeight
            if UInt(bitPattern: iy) >= UInt(bitPattern: g.inputHeight) { continue }
            for kx in 0..<g.kernelWidth {
                let ix = ix0 &+ kx &* g.dilationWidth
                if UInt(bitPattern: ix) >= UInt(bitPattern: g.inputWidth) { continue }
                let pixel: Int = (iy &* g.inputWidth &+ ix) &* c &+ channel
                let tap: Int = (1 &+ ky &* g.kernelWidth &+ kx) &* padded &+ channel
                acc = acc.multiplyAdding(V.load(imageInput + pixel), V.load(packed + tap))
            }
        }
        acc.storeClamped(out + channel, width: V.scalarCount, lower, upper)
    }
}

/// Where the six pixels of a convolution tile read: the top-left input row and column of each
/// pixel's window (may be negative) and its offset in floats, `((b * H + row) * W + column) * C`.
struct FloatConvTile {
    var rows = InlineArray<6, Int>(repeating: 0)
    var columns = InlineArray<6, Int>(repeating: 0)
    var origins = InlineArray<6, Int>(repeating: 0)
}

/// An output pixel's image, row and column, stepped through the pixels in NHWC order without
/// dividing at every step.
struct FloatPixelCursor {
    var image: Int
    var row: Int
    var column: Int
    let height: Int
    let width: Int

    /// The coordinates of flat pixel index `pixel` (over `batch * height * width`).
    @inline(__always)
    init(_ pixel: Int, height: Int, width: Int) {
        image = pixel / (height * width)
        let rest = pixel % (height * width)
        row = rest / width
        column = rest % width
        self.height = height
        self.width = width
    }

    /// Moves to the next pixel.
    @inline(__always)
    mutating func advance() {
        column &+= 1
        if column == width {
            column = 0
            row &+= 1
            if row == height {
                row = 0
                image &+= 1
            }
        }
    }
}
