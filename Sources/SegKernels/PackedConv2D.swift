/// An int8 2-D convolution with its weights packed once, at load, for the micro-kernel of the
/// running CPU; bias, zero-point corrections, requantization and the activation clamp are fused.
///
/// Grouped convolutions run one GEMM-like pass per group through the dot-product or widening
/// micro-kernel; depthwise ones (channel multiplier 1) have their own SIMD loop. Immutable after
/// init: `run` may be called from several threads at once on disjoint `outputRows`, each with its
/// own workspace. `run` allocates nothing and checks nothing.
public final class PackedConv2D: RowSplitKernel {
    public let geometry: Conv2DGeometry
    public let quantization: ConvQuantization
    /// The micro-kernel family in use (depthwise convolutions report `.widening`).
    public let path: ConvKernelPath
    /// Bytes of scratch memory one `run` needs, 64-byte aligned by the caller.
    public let workspaceByteCount: Int

    private enum Strategy {
        case gemm(ConvPanelLayout, panelsPerGroup: Int, panelBytes: Int, panelsPerChunk: Int)
        case depthwise(blockBytes: Int)
    }

    private let strategy: Strategy
    private let packed: AlignedBuffer
    private let zeroRow: AlignedBuffer
    private let requantizer: ChannelRequantizer

    /// Packs `weights` (OHWI) and `bias` (one Int32 per output channel, or nil for zero).
    /// - Parameter path: the micro-kernel family; nil picks the fastest this CPU runs.
    /// - Throws: `KernelConfigurationError` naming the parameter the kernels cannot take.
    public init(
        _ geometry: Conv2DGeometry,
        weights: UnsafeBufferPointer<Int8>,
        bias: UnsafeBufferPointer<Int32>?,
        quantization: ConvQuantization,
        path requestedPath: ConvKernelPath? = nil
    ) throws(KernelConfigurationError) {
        try geometry.validate()
        requantizer = try quantization.requantizer(
            outputChannels: geometry.outputChannels, weights: weights, weightCount: geometry.weightElementCount, bias: bias)
        self.geometry = geometry
        self.quantization = quantization
        let g = geometry
        let taps = g.taps
        let zeroPoint = Int8(quantization.inputZeroPoint)
        if g.isDepthwise {
            try require(requestedPath != .dotProduct, "path", "depthwise convolutions have no dot-product kernel")
            path = .widening
            // Blocks of 16 channels: 16 Int32 initial accumulators, then taps x 16 weights.
            let blocks = (g.inputChannels + 15) / 16
            let blockBytes = 64 + ((taps * 16 + 63) & ~63)
            packed = AlignedBuffer(byteCount: blocks * blockBytes)
            for c in 0..<g.inputChannels {
                let block = packed.pointer + (c / 16) * blockBytes
                let w = (block + 64).bindMemory(to: Int8.self, capacity: taps * 16)
                var sum: Int32 = 0
                for t in 0..<taps {
                    let value = weights[c * taps + t]
                    w[t * 16 + c % 16] = value
                    sum &+= Int32(value)
                }
                block.bindMemory(to: Int32.self, capacity: 16)[c % 16] = (bias?[c] ?? 0) &- quantization.inputZeroPoint &* sum
            }
            // A whole input row of zero points: the 3x3 row path walks it like a real row.
            let zeroBytes = max(blocks * 16, g.inputWidth * g.inputChannels)
            zeroRow = AlignedBuffer(repeating: zeroPoint, count: zeroBytes)
            strategy = .depthwise(blockBytes: blockBytes)
            workspaceByteCount = taps * MemoryLayout<UnsafePointer<Int8>>.stride
        } else {
            path = try resolvePath(requestedPath)
            let layout = ConvPanelLayout(path: path, inputChannelsPerGroup: g.inputChannelsPerGroup)
            let coutG = g.outputChannelsPerGroup
            let panelsPerGroup = (coutG + layout.columns - 1) / layout.columns
            let panelBytes = layout.panelBytes(taps: taps)
            packed = AlignedBuffer(byteCount: g.groups * panelsPerGroup * panelBytes)
            let allTaps = Array(0..<taps)
            for group in 0..<g.groups {
                layout.packPanels(
                    into: packed.pointer + group * panelsPerGroup * panelBytes, panelBytes: panelBytes,
                    weights: weights.baseAddress!, kernelTaps: taps, inputChannelsPerGroup: g.inputChannelsPerGroup,
                    firstChannel: group * coutG, channels: coutG, taps: allTaps, bias: bias,
                    inputZeroPoint: quantization.inputZeroPoint)
            }
            zeroRow = AlignedBuffer(repeating: zeroPoint, count: layout.rowReadBytes)
            // Keep the panels of one pass over the output pixels within ~256 KiB (L2).
            let panelsPerChunk = max(1, min(panelsPerGroup, (256 * 1024) / panelBytes))
            strategy = .gemm(layout, panelsPerGroup: panelsPerGroup, panelBytes: panelBytes, panelsPerChunk: panelsPerChunk)
            workspaceByteCount = layout.workspaceBytes(taps: taps, tileWidth: panelsPerChunk * layout.columns)
        }
    }

    /// Output rows over the whole batch (`batch * outputHeight`): the unit `run` splits work in.
    public var outputRowCount: Int { geometry.batch * geometry.outputHeight }

    /// Computes only the output rows `outputRows` (indices into `batch * outputHeight`).
    public func run(
        input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>, workspace: UnsafeMutableRawPointer,
        outputRows: Range<Int>
    ) {
        let pixels = outputRows.lowerBound * geometry.outputWidth ..< outputRows.upperBound * geometry.outputWidth
        switch strategy {
        case let .gemm(layout, panelsPerGroup, panelBytes, panelsPerChunk):
            runGEMM(layout, panelsPerGroup, panelBytes, panelsPerChunk, input, output, workspace, pixels)
        case let .depthwise(blockBytes):
            runDepthwise(blockBytes, input, output, workspace, pixels)
        }
    }

    private func runGEMM(
        _ layout: ConvPanelLayout, _ panelsPerGroup: Int, _ panelBytes: Int, _ panelsPerChunk: Int,
        _ input: UnsafePointer<Int8>, _ output: UnsafeMutablePointer<Int8>, _ workspace: UnsafeMutableRawPointer,
        _ pixels: Range<Int>
    ) {
        let g = geometry
        let mr = layout.rows, nr = layout.columns, taps = g.taps
        let coutG = g.outputChannelsPerGroup, cout = g.outputChannels
        let (rowPointers, outputOffsets, tile) = layout.carve(workspace, taps: taps, tileWidth: panelsPerChunk &* nr)
        var group = 0
        while group < g.groups {
            let panels = UnsafeRawPointer(packed.pointer + group &* panelsPerGroup &* panelBytes)
            var chunk = 0
            while chunk < panelsPerGroup {
                let chunkEnd = min(panelsPerGroup, chunk &+ panelsPerChunk)
                let channel = group &* coutG &+ chunk &* nr
                let width = min(coutG, chunkEnd &* nr) &- chunk &* nr
                var pixel = pixels.lowerBound
                while pixel < pixels.upperBound {
                    let count = min(mr, pixels.upperBound &- pixel)
                    fillRowPointers(rowPointers, rows: mr, firstPixel: pixel, count: count, group: group, input: input)
                    var r = 0
                    while r < count {
                        outputOffsets[r] = (pixel &+ r) &* cout
                        r &+= 1
                    }
                    layout.computeTiles(
                        taps: taps, inputRows: rowPointers, panels: panels, panelBytes: panelBytes,
                        firstPanel: chunk, endPanel: chunkEnd, tile: tile, requantizer: requantizer,
                        channel: channel, width: width, count: count, output: output, outputOffsets: outputOffsets)
                    pixel &+= count
                }
                chunk = chunkEnd
            }
            group &+= 1
        }
    }

    /// Points `rows` row slots at the input pixels each tap of output pixels
    /// `firstPixel ..< firstPixel + count` reads (slots past `count` repeat the last pixel; padding
    /// reads the zero-point row). Layout: `pointers[tap * rows + row]`.
    @inline(__always)
    private func fillRowPointers(
        _ pointers: UnsafeMutablePointer<UnsafePointer<Int8>>, rows: Int, firstPixel: Int, count: Int,
        group: Int, input: UnsafePointer<Int8>
    ) {
        let g = geometry
        let zero = UnsafePointer(zeroRow.typed(Int8.self, count: 1))
        let groupInput = input + group &* g.inputChannelsPerGroup
        let rowBytes = g.inputWidth &* g.inputChannels
        var ox = firstPixel % g.outputWidth
        var oy = (firstPixel / g.outputWidth) % g.outputHeight
        var image = groupInput + (firstPixel / (g.outputWidth &* g.outputHeight)) &* g.inputHeight &* rowBytes
        var r = 0
        while r < count {
            let iy0 = oy &* g.strideHeight &- g.padTop, ix0 = ox &* g.strideWidth &- g.padLeft
            var slot = r
            var ky = 0
            while ky < g.kernelHeight {
                let iy = iy0 &+ ky &* g.dilationHeight
                let rowInside = iy >= 0 && iy < g.inputHeight
                let rowBase = image + iy &* rowBytes
                var kx = 0
                while kx < g.kernelWidth {
                    let ix = ix0 &+ kx &* g.dilationWidth
                    pointers[slot] = rowInside && ix >= 0 && ix < g.inputWidth ? rowBase + ix &* g.inputChannels : zero
                    slot &+= rows
                    kx &+= 1
                }
                ky &+= 1
            }
            ox &+= 1
            if ox == g.outputWidth {
                ox = 0
                oy &+= 1
                if oy == g.outputHeight {
                    oy = 0
                    image += g.inputHeight &* rowBytes
                }
            }
            r &+= 1
        }
        // Slots past `count` repeat the last pixel: the kernel computes them, nobody stores them.
        while r < rows {
            var slot = 0
            while slot < g.taps &* rows {
                pointers[slot &+ r] = pointers[slot &+ count &- 1]
                slot &+= rows
            }
            r &+= 1
        }
    }

    private func runDepthwise(
        _ blockBytes: Int, _ input: UnsafePointer<Int8>, _ output: UnsafeMutablePointer<Int8>,
        _ workspace: UnsafeMutableRawPointer, _ pixels: Range<Int>
    ) {
        let g = geometry
        let ow = g.outputWidth
        guard g.kernelHeight == 3 && g.kernelWidth == 3 else {
            runDepthwisePixels(blockBytes, input, output, workspace, pixels)
            return
        }
        // Columns whose three taps all lie inside the input take the row path; the rest (and the
        // partial rows of a pixel range that does not start or end on a row) go pixel by pixel.
        let firstInterior = min(ow, max(0, (g.padLeft + g.strideWidth - 1) / g.strideWidth))
        let lastColumnStart = g.inputWidth - 1 - 2 * g.dilationWidth + g.padLeft
        let endInterior = lastColumnStart < 0 ? firstInterior : max(firstInterior, min(ow, lastColumnStart / g.strideWidth + 1))
        var pixel = pixels.lowerBound
        while pixel < pixels.upperBound {
            let rowStart = pixel - pixel % ow
            let rowEnd = min(rowStart + ow, pixels.upperBound)
            if pixel != rowStart || rowEnd != rowStart + ow {
                runDepthwisePixels(blockBytes, input, output, workspace, pixel..<rowEnd)
            } else {
                runDepthwisePixels(blockBytes, input, output, workspace, rowStart..<(rowStart + firstInterior))
                runDepthwise3x3Row(blockBytes, input, output, row: rowStart / ow, columns: firstInterior..<endInterior)
                runDepthwisePixels(blockBytes, input, output, workspace, (rowStart + endInterior)..<rowEnd)
            }
            pixel = rowEnd
        }
    }

    /// 3x3 depthwise over output columns `columns` of output row `row` (over the batch), all of whose
    /// taps lie inside the input horizontally; rows above or below the input read the zero-point row.
    private func runDepthwise3x3Row(
        _ blockBytes: Int, _ input: UnsafePointer<Int8>, _ output: UnsafeMutablePointer<Int8>,
        row: Int, columns: Range<Int>
    ) {
        let g = geometry
        let channels = g.inputChannels
        let rowBytes = g.inputWidth &* channels
        let b = row / g.outputHeight, oy = row % g.outputHeight
        let zero = UnsafePointer(zeroRow.typed(Int8.self, count: 1))
        var rows: (UnsafePointer<Int8>, UnsafePointer<Int8>, UnsafePointer<Int8>) = (zero, zero, zero)
        for ky in 0..<3 {
            let iy = oy &* g.strideHeight &- g.padTop &+ ky &* g.dilationHeight
            let base = iy >= 0 && iy < g.inputHeight ? input + (b &* g.inputHeight &+ iy) &* rowBytes : zero
            if ky == 0 { rows.0 = base } else if ky == 1 { rows.1 = base } else { rows.2 = base }
        }
        let firstX = (columns.lowerBound &* g.strideWidth &- g.padLeft) &* channels
        let step = g.strideWidth &* channels
        let tap1 = g.dilationWidth &* channels, tap2 = 2 &* tap1
        let out = output + (row &* g.outputWidth &+ columns.lowerBound) &* channels
        var block = UnsafeRawPointer(packed.pointer)
        var c = 0
        while c < channels {
            let w = DepthwiseFilter3x3(block + 64)
            var r0 = UnsafeRawPointer(rows.0 + (firstX &+ c)), r1 = UnsafeRawPointer(rows.1 + (firstX &+ c))
            var r2 = UnsafeRawPointer(rows.2 + (firstX &+ c))
            var o = out + c
            let full = c &+ 16 <= channels
            for _ in columns {
                var acc = DepthwiseAccumulator(block)
                acc.accumulate(Half16(r0), w.w0, Half16(r0 + tap1), w.w1)
                acc.accumulate(Half16(r0 + tap2), w.w2, Half16(r1), w.w3)
                acc.accumulate(Half16(r1 + tap1), w.w4, Half16(r1 + tap2), w.w5)
                acc.accumulate(Half16(r2), w.w6, Half16(r2 + tap1), w.w7)
                acc.accumulate(Half16(r2 + tap2), w.w8)
                store(acc, channel: c, full: full, channels: channels, into: o)
                r0 += step
                r1 += step
                r2 += step
                o += channels
            }
            block += blockBytes
            c &+= 16
        }
    }

    /// Depthwise convolution pixel by pixel, any kernel: each pixel's taps through `fillRowPointers`.
    private func runDepthwisePixels(
        _ blockBytes: Int, _ input: UnsafePointer<Int8>, _ output: UnsafeMutablePointer<Int8>,
        _ workspace: UnsafeMutableRawPointer, _ pixels: Range<Int>
    ) {
        let g = geometry
        let taps = g.taps, channels = g.inputChannels
        let tapPointers = workspace.bindMemory(to: UnsafePointer<Int8>.self, capacity: taps)
        var pixel = pixels.lowerBound
        while pixel < pixels.upperBound {
            fillRowPointers(tapPointers, rows: 1, firstPixel: pixel, count: 1, group: 0, input: input)
            let out = output + pixel &* channels
            var block = UnsafeRawPointer(packed.pointer)
            var c = 0
            while c < channels {
                var acc = DepthwiseAccumulator(block)
                var w = block + 64
                var t = 0
                while t &+ 1 < taps {
                    acc.accumulate(
                        Half16(UnsafeRawPointer(tapPointers[t] + c)), Half16(w),
                        Half16(UnsafeRawPointer(tapPointers[t &+ 1] + c)), Half16(w + 16))
                    w += 32
                    t &+= 2
                }
                if t < taps {
                    acc.accumulate(Half16(UnsafeRawPointer(tapPointers[t] + c)), Half16(w))
                }
                store(acc, channel: c, full: c &+ 16 <= channels, channels: channels, into: out + c)
                block += blockBytes
                c &+= 16
            }
            pixel &+= 1
        }
    }

    /// Requantizes 16 channels starting at `channel` and stores them at `out` (only those below
    /// `channels` when the block is not `full`).
    @inline(__always)
    private func store(_ acc: DepthwiseAccumulator, channel: Int, full: Bool, channels: Int, into out: UnsafeMutablePointer<Int8>) {
        let values = SIMD16(
            lowHalf: requantizer.requantize8(acc.low, channel: channel),
            highHalf: requantizer.requantize8(acc.high, channel: channel &+ 8))
        if full {
            UnsafeMutableRawPointer(out).storeBytes(of: values, as: SIMD16<Int8>.self)
        } else {
            for lane in 0..<(channels &- channel) { out[lane] = values[lane] }
        }
    }
}

/// Sixteen int8 values as two 8-lane halves, loaded separately so that NEON multiplies them with
/// `smull`/`smlal` on 64-bit registers instead of extracting high halves.
private struct Half16 {
    let low: SIMD8<Int8>, high: SIMD8<Int8>

    @inline(__always)
    init(_ p: UnsafeRawPointer) {
        low = p.loadUnaligned(as: SIMD8<Int8>.self)
        high = p.loadUnaligned(fromByteOffset: 8, as: SIMD8<Int8>.self)
    }
}

/// The nine weight vectors of one 16-channel block of a 3x3 depthwise filter.
private struct DepthwiseFilter3x3 {
    let w0: Half16, w1: Half16, w2: Half16, w3: Half16, w4: Half16, w5: Half16, w6: Half16, w7: Half16, w8: Half16

    @inline(__always)
    init(_ w: UnsafeRawPointer) {
        w0 = Half16(w)
        w1 = Half16(w + 16)
        w2 = Half16(w + 32)
        w3 = Half16(w + 48)
        w4 = Half16(w + 64)
        w5 = Half16(w + 80)
        w6 = Half16(w + 96)
        w7 = Half16(w + 112)
        w8 = Half16(w + 128)
    }
}

/// Sixteen channels of a depthwise convolution's accumulators.
private struct DepthwiseAccumulator {
    var a0: SIMD4<Int32>, a1: SIMD4<Int32>, a2: SIMD4<Int32>, a3: SIMD4<Int32>

    @inline(__always)
    init(_ initial: UnsafeRawPointer) {
        a0 = initial.load(as: SIMD4<Int32>.self)
        a1 = initial.load(fromByteOffset: 16, as: SIMD4<Int32>.self)
        a2 = initial.load(fromByteOffset: 32, as: SIMD4<Int32>.self)
        a3 = initial.load(fromByteOffset: 48, as: SIMD4<Int32>.self)
    }

    /// Two taps at once: their int16 products are summed before widening (weights in -127...127
    /// keep the pair within int16).
    @inline(__always)
    mutating func accumulate(_ x0: Half16, _ w0: Half16, _ x1: Half16, _ w1: Half16) {
        add(product(x0.low, w0.low) &+ product(x1.low, w1.low), product(x0.high, w0.high) &+ product(x1.high, w1.high))
    }

    @inline(__always)
    mutating func accumulate(_ x: Half16, _ w: Half16) {
        add(product(x.low, w.low), product(x.high, w.high))
    }

    @inline(__always)
    private func product(_ x: SIMD8<Int8>, _ w: SIMD8<Int8>) -> SIMD8<Int16> {
        SIMD8<Int16>(signExtending: x) &* SIMD8<Int16>(signExtending: w)
    }

    @inline(__always)
    private mutating func add(_ low: SIMD8<Int16>, _ high: SIMD8<Int16>) {
        a0 &+= SIMD4<Int32>(signExtending: low.lowHalf)
        a1 &+= SIMD4<Int32>(signExtending: low.highHalf)
        a2 &+= SIMD4<Int32>(signExtending: high.lowHalf)
        a3 &+= SIMD4<Int32>(signExtending: high.highHalf)
    }

    /// Channels 0..<8 and 8..<16.
    var low: SIMD8<Int32> { SIMD8(lowHalf: a0, highHalf: a1) }
    var high: SIMD8<Int32> { SIMD8(lowHalf: a2, highHalf: a3) }
}
