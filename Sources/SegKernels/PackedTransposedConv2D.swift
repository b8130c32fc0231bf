/// An int8 transposed convolution (FCN upsampling) with weights packed once for the convolution
/// micro-kernels of the running CPU; bias, zero-point corrections, requantization and the activation
/// clamp are fused.
///
/// Runs as `strideHeight * strideWidth` ordinary convolutions, one per output phase: the output
/// pixels `(oy, ox)` with the same `(oy + padTop) % strideHeight` and `(ox + padLeft) % strideWidth`
/// all gather from the input through the same subset of kernel taps, so each phase packs only its
/// taps and no multiply meets a structural zero. Immutable after init: `run` may be called from
/// several threads at once on disjoint `outputRows`, each with its own workspace. `run` allocates
/// nothing and checks nothing.
public final class PackedTransposedConv2D: RowSplitKernel {
    public let geometry: TransposedConv2DGeometry
    public let quantization: ConvQuantization
    /// The micro-kernel family in use.
    public let path: ConvKernelPath
    /// Bytes of scratch memory one `run` needs, 64-byte aligned by the caller.
    public let workspaceByteCount: Int

    /// One output phase: the rows and columns it covers and the kernel taps that reach them.
    private struct Phase {
        /// First output row / column of the phase; the next are `stride` apart.
        let firstRow: Int, firstColumn: Int
        /// Residues `(oy + padTop) % strideHeight`, `(ox + padLeft) % strideWidth` of its pixels.
        let rowResidue: Int, columnResidue: Int
        /// Its taps: entries `firstTap ..< firstTap + taps` of the tap table.
        let firstTap: Int, taps: Int
        /// Bytes of one packed panel, and where the group's first panel starts within the group's block.
        let panelBytes: Int, offset: Int
    }

    private let layout: ConvPanelLayout
    private let phases: [Phase]
    /// Per tap of every phase (Int32 pairs): `(ky * dilationHeight - rowResidue) / strideHeight` and
    /// the same for x, exact, so that tap `t` of output row `oy` reads input row
    /// `(oy + padTop - rowResidue) / strideHeight - shift`.
    private let tapShifts: AlignedBuffer
    private let panelsPerGroup: Int
    /// Bytes of one group's panels, all phases.
    private let groupBytes: Int
    private let packed: AlignedBuffer
    private let zeroRow: AlignedBuffer
    private let requantizer: ChannelRequantizer

    /// Packs `weights` (OHWI) and `bias` (one Int32 per output channel, or nil for zero).
    /// - Parameter path: the micro-kernel family; nil picks the fastest this CPU runs.
    /// - Throws: `KernelConfigurationError` naming the parameter the kernels cannot take.
    public init(
        _ geometry: TransposedConv2DGeometry,
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
        path = try resolvePath(requestedPath)
        let g = geometry
        layout = ConvPanelLayout(path: path, inputChannelsPerGroup: g.inputChannelsPerGroup)
        let coutG = g.outputChannelsPerGroup
        panelsPerGroup = (coutG + layout.columns - 1) / layout.columns

        var phases: [Phase] = []
        var phaseTaps: [[Int]] = []
        var shifts: [Int32] = []
        var offset = 0
        var maxTaps = 0
        for py in 0..<g.strideHeight {
            for px in 0..<g.strideWidth {
                let kernelRows = (0..<g.kernelHeight).filter { ($0 * g.dilationHeight) % g.strideHeight == py }
                let kernelColumns = (0..<g.kernelWidth).filter { ($0 * g.dilationWidth) % g.strideWidth == px }
                var taps: [Int] = []
                for ky in kernelRows {
                    for kx in kernelColumns {
                        taps.append(ky * g.kernelWidth + kx)
                        shifts.append(Int32((ky * g.dilationHeight - py) / g.strideHeight))
                        shifts.append(Int32((kx * g.dilationWidth - px) / g.strideWidth))
                    }
                }
                let panelBytes = layout.panelBytes(taps: taps.count)
                phases.append(Phase(
                    firstRow: ((py - g.padTop) % g.strideHeight + g.strideHeight) % g.strideHeight,
                    firstColumn: ((px - g.padLeft) % g.strideWidth + g.strideWidth) % g.strideWidth,
                    rowResidue: py, columnResidue: px, firstTap: shifts.count / 2 - taps.count, taps: taps.count,
                    panelBytes: panelBytes, offset: offset))
                phaseTaps.append(taps)
                offset += panelsPerGroup * panelBytes
                maxTaps = max(maxTaps, taps.count)
            }
        }
        self.phases = phases
        tapShifts = AlignedBuffer(byteCount: max(shifts.count, 1) * 4)
        for (i, shift) in shifts.enumerated() { tapShifts.typed(Int32.self, count: shifts.count)[i] = shift }
        groupBytes = offset
        packed = AlignedBuffer(byteCount: g.groups * groupBytes)
        for group in 0..<g.groups {
            for (phase, taps) in zip(phases, phaseTaps) {
                layout.packPanels(
                    into: packed.pointer + group * groupBytes + phase.offset, panelBytes: phase.panelBytes,
                    weights: weights.baseAddress!, kernelTaps: g.taps, inputChannelsPerGroup: g.inputChannelsPerGroup,
                    firstChannel: group * coutG, channels: coutG, taps: taps, bias: bias,
                    inputZeroPoint: quantization.inputZeroPoint)
            }
        }
        zeroRow = AlignedBuffer(repeating: Int8(quantization.inputZeroPoint), count: layout.rowReadBytes)
        workspaceByteCount = layout.workspaceBytes(taps: maxTaps, tileWidth: panelsPerGroup * layout.columns)
    }

    /// Output rows over the whole batch (`batch * outputHeight`): the unit `run` splits work in.
    public var outputRowCount: Int { geometry.batch * geometry.outputHeight }

    /// Computes only the output rows `outputRows` (indices into `batch * outputHeight`).
    public func run(
        input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>, workspace: UnsafeMutableRawPointer,
        outputRows: Range<Int>
    ) {
        let g = geometry
        let mr = layout.rows, nr = layout.columns
        let coutG = g.outputChannelsPerGroup, cout = g.outputChannels
        let zero = UnsafePointer(zeroRow.typed(Int8.self, count: 1))
        let shifts = UnsafePointer(tapShifts.typed(Int32.self, count: 1))
        let rowBytes = g.inputWidth &* g.inputChannels
        var group = 0
        while group < g.groups {
            let groupInput = input + group &* g.inputChannelsPerGroup
            var phaseIndex = 0
            while phaseIndex < phases.count {
                let phase = phases[phaseIndex]
                phaseIndex &+= 1
                let (rowPointers, outputOffsets, tile) = layout.carve(workspace, taps: phase.taps, tileWidth: panelsPerGroup &* nr)
                let panels = UnsafeRawPointer(packed.pointer + (group &* groupBytes &+ phase.offset))
                let tapShift = shifts + 2 &* phase.firstTap
                let columnsInPhase = phase.firstColumn < g.outputWidth
                    ? (g.outputWidth &- phase.firstColumn &+ g.strideWidth &- 1) / g.strideWidth : 0
                var row = outputRows.lowerBound
                while row < outputRows.upperBound {
                    let b = row / g.outputHeight, oy = row % g.outputHeight
                    let outputRow = row &* g.outputWidth
                    row &+= 1
                    if oy % g.strideHeight != phase.firstRow { continue }
                    let image = groupInput + b &* g.inputHeight &* rowBytes
                    // Exact: every pixel of the phase has (oy + padTop) % stride == rowResidue.
                    let rowBase = (oy &+ g.padTop &- phase.rowResidue) / g.strideHeight
                    var column = 0
                    while column < columnsInPhase {
                        let count = min(mr, columnsInPhase &- column)
                        var r = 0
                        while r < mr {
                            let ox = phase.firstColumn &+ (column &+ min(r, count &- 1)) &* g.strideWidth
                            outputOffsets[r] = (outputRow &+ ox) &* cout
                            let columnBase = (ox &+ g.padLeft &- phase.columnResidue) / g.strideWidth
                            var tap = 0
                            while tap < phase.taps {
                                let iy = rowBase &- Int(tapShift[2 &* tap])
                                let ix = columnBase &- Int(tapShift[2 &* tap &+ 1])
                                rowPointers[tap &* mr &+ r] = iy >= 0 && iy < g.inputHeight && ix >= 0 && ix < g.inputWidth
                                    ? image + (iy &* rowBytes &+ ix &* g.inputChannels) : zero
                                tap &+= 1
                            }
                            r &+= 1
                        }
                        layout.computeTiles(
                            taps: phase.taps, inputRows: rowPointers, panels: panels, panelBytes: phase.panelBytes,
                            firstPanel: 0, endPanel: panelsPerGroup, tile: tile, requantizer: requantizer,
                            channel: group &* coutG, width: coutG, count: count, output: output,
                            outputOffsets: outputOffsets)
                        column &+= count
                    }
                }
            }
            group &+= 1
        }
    }
}
