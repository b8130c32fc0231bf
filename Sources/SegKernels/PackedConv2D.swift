/// An int8 2-D convolution with its weights packed once, at load, for the micro-kernel of the
/// running CPU; bias, zero-point corrections, requantization and the activation clamp are fused.
///
/// Grouped convolutions run one GEMM-like pass per group through the dot-product or widening
/// micro-kernel; depthwise ones (channel multiplier 1) have their own SIMD loop. Immutable after
/// init: `run` may be called from several threads at once on disjoint `outputRows`, each with its
/// own workspace. `run` allocates nothing and checks nothing.
public final class PackedConv2D {
    public let geometry: Conv2DGeometry
    public let quantization: ConvQuantization
    /// The micro-kernel family in use (depthwise convolutions report `.widening`).
    public let path: ConvKernelPath
    /// Bytes of scratch memory one `run` needs, 64-byte aligned by the caller.
    public let workspaceByteCount: Int

    private enum Strategy {
        case gemm(ConvPanelLayout, panelsPerGroup: Int, panelBytes: Int, panelsPerChunk: Int)
        case depthwise(paddedChannels: Int)
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
        try quantization.validate(outputChannels: geometry.outputChannels)
        try validateWeights(weights, count: geometry.weightElementCount)
        try validateBias(bias, count: geometry.outputChannels)
        self.geometry = geometry
        self.quantization = quantization
        requantizer = try ChannelRequantizer(
            multipliers: quantization.multipliers, channels: geometry.outputChannels, output: quantization.output)
        let g = geometry
        let taps = g.taps
        let zeroPoint = Int8(quantization.inputZeroPoint)
        if g.isDepthwise {
            try require(requestedPath != .dotProduct, "path", "depthwise convolutions have no dot-product kernel")
            path = .widening
            let padded = (g.inputChannels + 15) & ~15
            // Weights [taps][padded channels] then initial accumulators [padded channels].
            packed = AlignedBuffer(byteCount: taps * padded + padded * 4)
            let w = packed.typed(Int8.self, count: taps * padded)
            let initial = (packed.pointer + taps * padded).bindMemory(to: Int32.self, capacity: padded)
            for c in 0..<g.inputChannels {
                var sum: Int32 = 0
                for t in 0..<taps {
                    let value = weights[c * taps + t]
                    w[t * padded + c] = value
                    sum &+= Int32(value)
                }
                initial[c] = (bias?[c] ?? 0) &- quantization.inputZeroPoint &* sum
            }
            zeroRow = AlignedBuffer(byteCount: padded)
            zeroRow.pointer.initializeMemory(as: Int8.self, repeating: zeroPoint, count: padded)
            strategy = .depthwise(paddedChannels: padded)
            workspaceByteCount = ((taps * MemoryLayout<UnsafePointer<Int8>>.stride + 63) & ~63) + padded * 4
        } else {
            path = try resolvePath(requestedPath)
            let layout = ConvPanelLayout(path: path, inputChannelsPerGroup: g.inputChannelsPerGroup)
            let coutG = g.outputChannelsPerGroup
            let panelsPerGroup = (coutG + layout.columns - 1) / layout.columns
            let panelBytes = layout.panelBytes(taps: taps)
            packed = AlignedBuffer(byteCount: g.groups * panelsPerGroup * panelBytes)
            let allTaps = Array(0..<taps)
            for group in 0..<g.groups {
                for panel in 0..<panelsPerGroup {
                    let first = panel * layout.columns
                    layout.packPanel(
                        into: packed.pointer + (group * panelsPerGroup + panel) * panelBytes,
                        weights: weights.baseAddress!, kernelTaps: taps, inputChannelsPerGroup: g.inputChannelsPerGroup,
                        firstChannel: group * coutG + first, count: min(layout.columns, coutG - first),
                        taps: allTaps, bias: bias, inputZeroPoint: quantization.inputZeroPoint)
                }
            }
            zeroRow = AlignedBuffer(byteCount: layout.rowReadBytes)
            zeroRow.pointer.initializeMemory(as: Int8.self, repeating: zeroPoint, count: layout.rowReadBytes)
            // Keep the panels of one pass over the output pixels within ~256 KiB (L2).
            let panelsPerChunk = max(1, min(panelsPerGroup, (256 * 1024) / panelBytes))
            strategy = .gemm(layout, panelsPerGroup: panelsPerGroup, panelBytes: panelBytes, panelsPerChunk: panelsPerChunk)
            workspaceByteCount = layout.workspaceBytes(taps: taps)
        }
    }

    /// Output rows over the whole batch (`batch * outputHeight`): the unit `run` splits work in.
    public var outputRowCount: Int { geometry.batch * geometry.outputHeight }

    /// Convolves `input` (NHWC, `AlignedBuffer.kernelTailPadding` readable bytes after it) into
    /// `output` (NHWC), all rows.
    public func run(input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>, workspace: UnsafeMutableRawPointer) {
        run(input: input, output: output, workspace: workspace, outputRows: 0..<outputRowCount)
    }

    /// Computes only the output rows `outputRows` (indices into `batch * outputHeight`).
    public func run(
        input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>, workspace: UnsafeMutableRawPointer,
        outputRows: Range<Int>
    ) {
        let pixels = outputRows.lowerBound * geometry.outputWidth ..< outputRows.upperBound * geometry.outputWidth
        switch strategy {
        case let .gemm(layout, panelsPerGroup, panelBytes, panelsPerChunk):
            runGEMM(layout, panelsPerGroup, panelBytes, panelsPerChunk, input, output, workspace, pixels)
        case let .depthwise(padded):
            runDepthwise(padded, input, output, workspace, pixels)
        }
    }

    private func runGEMM(
        _ layout: ConvPanelLayout, _ panelsPerGroup: Int, _ panelBytes: Int, _ panelsPerChunk: Int,
        _ input: UnsafePointer<Int8>, _ output: UnsafeMutablePointer<Int8>, _ workspace: UnsafeMutableRawPointer,
        _ pixels: Range<Int>
    ) {
        let g = geometry
        let mr = layout.rows, nr = layout.columns, taps = g.taps
        let coutG = g.outputChannelsPerGroup
        let rowPointers = workspace.bindMemory(to: UnsafePointer<Int8>.self, capacity: mr * taps)
        let tile = (workspace + ((mr * taps * MemoryLayout<UnsafePointer<Int8>>.stride + 63) & ~63))
            .bindMemory(to: Int32.self, capacity: mr * nr)
        for group in 0..<g.groups {
            var chunk = 0
            while chunk < panelsPerGroup {
                let chunkEnd = min(panelsPerGroup, chunk + panelsPerChunk)
                var pixel = pixels.lowerBound
                while pixel < pixels.upperBound {
                    let count = min(mr, pixels.upperBound - pixel)
                    fillRowPointers(rowPointers, rows: mr, firstPixel: pixel, count: count, group: group, input: input)
                    for panel in chunk..<chunkEnd {
                        layout.compute(
                            taps: taps, inputRows: rowPointers,
                            panel: packed.pointer + (group * panelsPerGroup + panel) * panelBytes, accumulators: tile)
                        let channel = group * coutG + panel * nr
                        let width = min(nr, coutG - panel * nr)
                        for r in 0..<count {
                            requantizer.requantize(
                                tile + r * nr, channel: channel, count: width,
                                into: output + (pixel + r) * g.outputChannels + channel)
                        }
                    }
                    pixel += count
                }
                chunk = chunkEnd
            }
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
        let groupOffset = group * g.inputChannelsPerGroup
        for r in 0..<rows {
            let p = firstPixel + min(r, count - 1)
            let ox = p % g.outputWidth, rest = p / g.outputWidth
            let oy = rest % g.outputHeight, b = rest / g.outputHeight
            let iy0 = oy * g.strideHeight - g.padTop, ix0 = ox * g.strideWidth - g.padLeft
            var tap = 0
            for ky in 0..<g.kernelHeight {
                let iy = iy0 + ky * g.dilationHeight
                let rowInside = iy >= 0 && iy < g.inputHeight
                let rowBase = input + ((b * g.inputHeight + iy) * g.inputWidth) * g.inputChannels + groupOffset
                for kx in 0..<g.kernelWidth {
                    let ix = ix0 + kx * g.dilationWidth
                    pointers[tap * rows + r] = rowInside && ix >= 0 && ix < g.inputWidth ? rowBase + ix * g.inputChannels : zero
                    tap += 1
                }
            }
        }
    }

    private func runDepthwise(
        _ padded: Int, _ input: UnsafePointer<Int8>, _ output: UnsafeMutablePointer<Int8>,
        _ workspace: UnsafeMutableRawPointer, _ pixels: Range<Int>
    ) {
        let g = geometry
        let taps = g.taps, channels = g.inputChannels
        let tapPointers = workspace.bindMemory(to: UnsafePointer<Int8>.self, capacity: taps)
        let tile = (workspace + ((taps * MemoryLayout<UnsafePointer<Int8>>.stride + 63) & ~63))
            .bindMemory(to: Int32.self, capacity: padded)
        let weights = UnsafeRawPointer(packed.pointer)
        let initial = UnsafeRawPointer(packed.pointer + taps * padded)
        for pixel in pixels {
            fillRowPointers(tapPointers, rows: 1, firstPixel: pixel, count: 1, group: 0, input: input)
            var c = 0
            while c < channels {
                var acc = DepthwiseAccumulator(initial + c * 4)
                var t = 0
                while t + 1 < taps {
                    acc.accumulate(
                        UnsafeRawPointer(tapPointers[t] + c).loadUnaligned(as: SIMD16<Int8>.self),
                        weights.load(fromByteOffset: t * padded + c, as: SIMD16<Int8>.self),
                        UnsafeRawPointer(tapPointers[t + 1] + c).loadUnaligned(as: SIMD16<Int8>.self),
                        weights.load(fromByteOffset: (t + 1) * padded + c, as: SIMD16<Int8>.self))
                    t += 2
                }
                if t < taps {
                    acc.accumulate(
                        UnsafeRawPointer(tapPointers[t] + c).loadUnaligned(as: SIMD16<Int8>.self),
                        weights.load(fromByteOffset: t * padded + c, as: SIMD16<Int8>.self))
                }
                acc.store(tile + c)
                c += 16
            }
            requantizer.requantize(tile, channel: 0, count: channels, into: output + pixel * channels)
        }
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
    mutating func accumulate(_ x0: SIMD16<Int8>, _ w0: SIMD16<Int8>, _ x1: SIMD16<Int8>, _ w1: SIMD16<Int8>) {
        let low = SIMD8<Int16>(signExtending: x0.lowHalf) &* SIMD8<Int16>(signExtending: w0.lowHalf)
            &+ SIMD8<Int16>(signExtending: x1.lowHalf) &* SIMD8<Int16>(signExtending: w1.lowHalf)
        let high = SIMD8<Int16>(signExtending: x0.highHalf) &* SIMD8<Int16>(signExtending: w0.highHalf)
            &+ SIMD8<Int16>(signExtending: x1.highHalf) &* SIMD8<Int16>(signExtending: w1.highHalf)
        add(low, high)
    }

    @inline(__always)
    mutating func accumulate(_ x: SIMD16<Int8>, _ w: SIMD16<Int8>) {
        add(SIMD8<Int16>(signExtending: x.lowHalf) &* SIMD8<Int16>(signExtending: w.lowHalf),
            SIMD8<Int16>(signExtending: x.highHalf) &* SIMD8<Int16>(signExtending: w.highHalf))
    }

    @inline(__always)
    private mutating func add(_ low: SIMD8<Int16>, _ high: SIMD8<Int16>) {
        a0 &+= SIMD4<Int32>(signExtending: low.lowHalf)
        a1 &+= SIMD4<Int32>(signExtending: low.highHalf)
        a2 &+= SIMD4<Int32>(signExtending: high.lowHalf)
        a3 &+= SIMD4<Int32>(signExtending: high.highHalf)
    }

    @inline(__always)
    func store(_ out: UnsafeMutablePointer<Int32>) {
        let raw = UnsafeMutableRawPointer(out)
        raw.storeBytes(of: a0, as: SIMD4<Int32>.self)
        raw.storeBytes(of: a1, toByteOffset: 16, as: SIMD4<Int32>.self)
        raw.storeBytes(of: a2, toByteOffset: 32, as: SIMD4<Int32>.self)
        raw.storeBytes(of: a3, toByteOffset: 48, as: SIMD4<Int32>.self)
    }
}
