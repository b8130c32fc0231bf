import SegKernels

/// A float transposed convolution (ONNX ConvTranspose) over NHWC tensors with its weights packed
/// once, at init, for the float convolution micro-kernel; bias and the activation clamp are fused.
/// Bit-identical to `transposedConv2dFloat` (up to the sign of zero).
///
/// Each output pixel gathers its taps: the output columns of one row that share `ox mod
/// strideWidth` share their kernel columns, and six of them at a time read six adjacent input
/// pixels, so the tile of `PackedFloatConv2D` runs unchanged. Depthwise ones (one input and one
/// output channel per group) have their own SIMD loop over channels. Immutable after init: `run`
/// may be called from several threads at once on disjoint `outputRows`. `run` allocates nothing
/// and checks nothing; input and output must not overlap.
public final class PackedFloatTransposedConv2D {
    public let geometry: TransposedConv2DGeometry
    /// The clamp applied to every output: `min(max(x, lower), upper)`.
    public let lower: Float
    public let upper: Float

    private let strategy: PackedFloatConvWeights

    /// Packs `weights` (OHWI `[cout][kh][kw][cin / groups]`, `geometry.weightElementCount` values)
    /// and `bias` (one per output channel, or nil for zero); the buffers are only read during init.
    /// - Throws: `KernelConfigurationError` naming the parameter the kernel cannot take.
    public init(
        _ geometry: TransposedConv2DGeometry,
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
            depthwise: g.groups > 1 && g.inputChannelsPerGroup == 1 && g.outputChannelsPerGroup == 1, lower: lower, upper: upper)
        self.geometry = geometry
        self.lower = lower
        self.upper = upper
    }

    /// Output rows over the whole batch (`batch * outputHeight`): the unit `run` splits work in.
    public var outputRowCount: Int { geometry.batch * geometry.outputHeight }

    /// Computes the output rows `outputRows` (indices into `batch * outputHeight`).
    public func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, outputRows: Range<Int>) {
        switch strategy {
        case let .panels(panels):
            // Indices, not the array: a debug build's array iterator allocates.
            for chunk in panels.chunks.indices {
                for row in outputRows { runPanelRow(panels, panels.chunks[chunk], input, output, row) }
            }
        case let .depthwise(buffer, padded):
            let packed = UnsafePointer(buffer.typed(Float.self, count: 0))
            for row in outputRows { runDepthwiseRow(packed, padded, input, output, row) }
        }
    }

    /// Computes every output row.
    public func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        run(input: input, output: output, outputRows: 0..<outputRowCount)
    }

    private func runPanelRow(
        _ panels: FloatConvPanels, _ chunk: Range<Int>, _ input: UnsafePointer<Float>,
        _ output: UnsafeMutablePointer<Float>, _ row: Int
    ) {
        let g = geometry
        let sw = g.strideWidth, ow = g.outputWidth
        let rowOutput = output + row &* ow &* g.outputChannels
        for phase in 0..<min(sw, ow) {
            var ox = phase
            while ox < ow {
                let count = min(floatTilePixels, (ow &- ox &+ sw &- 1) / sw)
                for index in chunk {
                    let panel = panels.panels[index]
                    if panel.wide {
                        runTile(SIMD16<Float>.self, panels, panel, input, rowOutput, row, ox, count)
                    } else {
                        runTile(SIMD8<Float>.self, panels, panel, input, rowOutput, row, ox, count)
                    }
                }
                ox &+= count &* sw
            }
        }
    }

    /// Output pixels `ox, ox + strideWidth, ...` (`count` of them) of output row `row`, for one panel.
    @inline(__always)
    private func runTile<V: FloatLanes>(
        _: V.Type, _ panels: FloatConvPanels, _ panel: FloatConvPanel, _ input: UnsafePointer<Float>,
        _ rowOutput: UnsafeMutablePointer<Float>, _ row: Int, _ ox: Int, _ count: Int
    ) {
        let g = geometry
        let cinG = g.inputChannelsPerGroup, cin = g.inputChannels
        let oh = g.outputHeight
        let image = row / oh, oy = row % oh
        let base = panels.base(panel)
        let groupInput = input + panel.group &* cinG
        let zeros = panels.zeroPixel
        var acc = FloatTileAccumulators<V>(bias: base)
        for ky in 0..<g.kernelHeight {
            let ty = oy &+ g.padTop &- ky &* g.dilationHeight
            if ty < 0 || ty % g.strideHeight != 0 { continue }
            let iy = ty / g.strideHeight
            if iy >= g.inputHeight { continue }
            let rowBase = (image &* g.inputHeight &+ iy) &* g.inputWidth
            for kx in 0..<g.kernelWidth {
                let tx = ox &+ g.padLeft &- kx &* g.dilationWidth
                if tx % g.strideWidth != 0 { continue }
                // The tile's pixels read input columns ix0, ix0 + 1, ... (exact division: tx is a multiple).
                let ix0 = tx / g.strideWidth
                @inline(__always)
                func pixel(_ j: Int) -> UnsafePointer<Float> {
                    UInt(bitPattern: ix0 &+ j) < UInt(bitPattern: g.inputWidth)
                        ? groupInput + (rowBase &+ ix0 &+ j) &* cin : zeros
                }
                let inputs: FloatTileInputs
                if ix0 >= 0 && ix0 &+ (floatTilePixels &- 1) < g.inputWidth {
                    let first = groupInput + (rowBase &+ ix0) &* cin
                    inputs = FloatTileInputs(
                        p0: first, p1: first + cin, p2: first + 2 &* cin, p3: first + 3 &* cin, p4: first + 4 &* cin,
                        p5: first + 5 &* cin)
                } else {
                    inputs = FloatTileInputs(p0: pixel(0), p1: pixel(1), p2: pixel(2), p3: pixel(3), p4: pixel(4), p5: pixel(5))
                }
                let tap = ky &* g.kernelWidth &+ kx
                acc.accumulate(inputs, base + V.scalarCount &* (1 &+ tap &* cinG), cinG)
            }
        }
        acc.store(
            pixels: count, width: panel.width, output: rowOutput + ox &* g.outputChannels + panel.firstChannel,
            pixelStride: g.strideWidth &* g.outputChannels, lower: lower, upper: upper)
    }

    /// One output row of a depthwise transposed convolution, accumulated in place: the row starts
    /// as the bias, then every kernel position adds its products (`ky`, then `kx` ascending, as the
    /// definition orders them), then the clamp.
    private func runDepthwiseRow(
        _ packed: UnsafePointer<Float>, _ padded: Int, _ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>,
        _ row: Int
    ) {
        let g = geometry
        let c = g.outputChannels, ow = g.outputWidth, sw = g.strideWidth
        let image = row / g.outputHeight, oy = row % g.outputHeight
        let rowOutput = output + row &* ow &* c
        for ox in 0..<ow {
            (rowOutput + ox &* c).update(from: packed, count: c)
        }
        for ky in 0..<g.kernelHeight {
            let ty = oy &+ g.padTop &- ky &* g.dilationHeight
            if ty < 0 || ty % g.strideHeight != 0 { continue }
            let iy = ty / g.strideHeight
            if iy >= g.inputHeight { continue }
            let inputRow = input + (image &* g.inputHeight &+ iy) &* g.inputWidth &* c
            for phase in 0..<min(sw, ow) {
                for kx in 0..<g.kernelWidth {
                    let tx = phase &+ g.padLeft &- kx &* g.dilationWidth
                    if tx % sw != 0 { continue }
                    let weights = packed + (1 &+ ky &* g.kernelWidth &+ kx) &* padded
                    // Output columns phase, phase + sw, ... read input columns tx / sw, tx / sw + 1, ...
                    var ix = tx / sw
                    var ox = phase
                    while ox < ow {
                        if UInt(bitPattern: ix) < UInt(bitPattern: g.inputWidth) {
                            accumulateDepthwise(rowOutput + ox &* c, inputRow + ix &* c, weights, c)
                        }
                        ix &+= 1
                        ox &+= sw
                    }
                }
            }
        }
        for ox in 0..<ow {
            let out = rowOutput + ox &* c
            var channel = 0
            while channel &+ 8 <= c {
                SIMD8<Float>.load(out + channel).storeClamped(out + channel, width: 8, lower, upper)
                channel &+= 8
            }
            while channel < c {
                out[channel] = min(max(out[channel], lower), upper)
                channel &+= 1
            }
        }
    }

    /// `out[c] += x[c] * w[c]` (fused) for `count` channels.
    @inline(__always)
    private func accumulateDepthwise(
        _ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ count: Int
    ) {
        var channel = 0
        while channel &+ 16 <= count {
            SIMD16<Float>.load(out + channel).multiplyAdding(SIMD16.load(x + channel), SIMD16.load(w + channel))
                .store(out + channel)
            channel &+= 16
        }
        if channel &+ 8 <= count {
            SIMD8<Float>.load(out + channel).multiplyAdding(SIMD8.load(x + channel), SIMD8.load(w + channel))
                .store(out + channel)
            channel &+= 8
        }
        while channel < count {
            out[channel] = out[channel].addingProduct(x[channel], w[channel])
            channel &+= 1
        }
    }
}
