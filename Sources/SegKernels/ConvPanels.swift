
/// How one micro-kernel wants its weights: panels of `columns` output channels, each a header of
/// initial accumulators followed, per tap, by input channels in units of `channelUnit` bytes per
/// output channel. Shared by `PackedConv2D` and `PackedTransposedConv2D`.
struct ConvPanelLayout {
    let path: ConvKernelPath
    /// Output pixels per micro-kernel call.
    let rows: Int
    /// Output channels per panel.
    let columns: Int
    /// Input channels per weight unit: 4 (dot product) or 16 (widening).
    let channelUnit: Int
    /// Bytes before the first weight, a multiple of 64.
    let headerBytes: Int
    /// Whether the kernel reads inputs as `x + 128` (x86 VNNI).
    let flipsInputSign: Bool
    /// Units of `channelUnit` input channels per tap.
    let units: Int

    init(path: ConvKernelPath, inputChannelsPerGroup: Int) {
        self.path = path
        switch path {
        case .dotProduct:
            rows = DotProductConvTile.rows
            columns = DotProductConvTile.columns
            channelUnit = 4
            headerBytes = (DotProductConvTile.columns * 4 + 63) & ~63
            flipsInputSign = DotProductConvTile.flipsInputSign
        case .widening:
            rows = WideningConvTile.rows
            columns = WideningConvTile.columns
            channelUnit = 16
            headerBytes = WideningConvTile.headerBytes
            flipsInputSign = false
        }
        units = (inputChannelsPerGroup + channelUnit - 1) / channelUnit
    }

    /// Bytes of one panel with `taps` kernel positions, a multiple of 64.
    func panelBytes(taps: Int) -> Int {
        (headerBytes + taps * units * columns * channelUnit + 63) & ~63
    }

    /// Input bytes the kernel may read from each row pointer.
    var rowReadBytes: Int { units * channelUnit }

    /// Workspace of one call: `rows * taps` row pointers, `rows` output offsets, then a tile of
    /// `rows` x `tileWidth` Int32 accumulators.
    func workspaceBytes(taps: Int, tileWidth: Int) -> Int {
        pointerBytes(taps: taps) + rows * tileWidth * 4
    }

    /// Bytes of the row pointers and output offsets at the start of the workspace, 64-byte aligned.
    func pointerBytes(taps: Int) -> Int {
        (rows * (taps + 1) * MemoryLayout<Int>.stride + 63) & ~63
    }

    /// Splits a workspace into row pointers (`rows * taps`), output offsets (`rows`) and the tile.
    @inline(__always)
    func carve(_ workspace: UnsafeMutableRawPointer, taps: Int, tileWidth: Int) -> (
        rowPointers: UnsafeMutablePointer<UnsafePointer<Int8>>, outputOffsets: UnsafeMutablePointer<Int>,
        tile: UnsafeMutablePointer<Int32>
    ) {
        let pointers = workspace.bindMemory(to: UnsafePointer<Int8>.self, capacity: rows &* taps)
        let offsets = (workspace + rows &* taps &* MemoryLayout<Int>.stride).bindMemory(to: Int.self, capacity: rows)
        let tile = (workspace + pointerBytes(taps: taps)).bindMemory(to: Int32.self, capacity: rows &* tileWidth)
        return (pointers, offsets, tile)
    }

    /// Runs the micro-kernel on panels `firstPanel..<endPanel` (each `panelBytes` long, starting at
    /// `panels`) into one tile of `rows` x `(endPanel - firstPanel) * columns` accumulators, then
    /// requantizes the first `count` rows: row `r` into `output + outputOffsets[r] + channel`,
    /// `width` channels (at most the tile width).
    @inline(__always)
    func computeTiles(
        taps: Int, inputRows: UnsafePointer<UnsafePointer<Int8>>, panels: UnsafeRawPointer, panelBytes: Int,
        firstPanel: Int, endPanel: Int, tile: UnsafeMutablePointer<Int32>,
        requantizer: ChannelRequantizer, channel: Int, width: Int,
        count: Int, output: UnsafeMutablePointer<Int8>, outputOffsets: UnsafePointer<Int>
    ) {
        let tileWidth = (endPanel &- firstPanel) &* columns
        var panel = firstPanel
        while panel < endPanel {
            compute(
                taps: taps, inputRows: inputRows, panel: panels + panel &* panelBytes,
                accumulators: tile + (panel &- firstPanel) &* columns, rowStride: tileWidth)
            panel &+= 1
        }
        var row = 0
        while row < count {
            requantizer.requantize(
                tile + row &* tileWidth, channel: channel, count: width, into: output + (outputOffsets[row] &+ channel))
            row &+= 1
        }
    }

    /// Runs the micro-kernel of this layout on one tile, accumulator rows `rowStride` Int32 apart.
    @inline(__always)
    func compute(
        taps: Int, inputRows: UnsafePointer<UnsafePointer<Int8>>, panel: UnsafeRawPointer,
        accumulators: UnsafeMutablePointer<Int32>, rowStride: Int
    ) {
        switch path {
        case .dotProduct:
            DotProductConvTile.compute(
                taps: taps, kGroups: units, inputRows: inputRows, panel: panel, accumulators: accumulators,
                rowStride: rowStride)
        case .widening:
            WideningConvTile.compute(
                taps: taps, kBlocks: units, inputRows: inputRows, panel: panel, accumulators: accumulators,
                rowStride: rowStride)
        }
    }

    /// Packs the panels of one group: output channels `firstChannel ..< firstChannel + channels` in
    /// panels of `columns`, each `panelBytes` long, starting at `destination`; see `packPanel`.
    func packPanels(
        into destination: UnsafeMutableRawPointer, panelBytes: Int,
        weights: UnsafePointer<Int8>, kernelTaps: Int, inputChannelsPerGroup cinG: Int,
        firstChannel: Int, channels: Int, taps: [Int],
        bias: UnsafeBufferPointer<Int32>?, inputZeroPoint: Int32
    ) {
        var first = 0
        while first < channels {
            packPanel(
                into: destination + (first / columns) * panelBytes, weights: weights, kernelTaps: kernelTaps,
                inputChannelsPerGroup: cinG, firstChannel: firstChannel + first, count: min(columns, channels - first),
                taps: taps, bias: bias, inputZeroPoint: inputZeroPoint)
            first += columns
        }
    }

    /// Packs one panel: output channels `firstChannel ..< firstChannel + count` (the rest of the panel
    /// zero), over the kernel positions `taps` (indices into the OHWI filter's `kernelTaps`).
    /// Initial accumulators are `bias - (inputZeroPoint [+ 128]) * sum(weights used)` in wrapping Int32.
    func packPanel(
        into panel: UnsafeMutableRawPointer,
        weights: UnsafePointer<Int8>, kernelTaps: Int, inputChannelsPerGroup cinG: Int,
        firstChannel: Int, count: Int, taps: [Int],
        bias: UnsafeBufferPointer<Int32>?, inputZeroPoint: Int32
    ) {
        let correction = inputZeroPoint &+ (flipsInputSign ? 128 : 0)
        let initial = panel.bindMemory(to: Int32.self, capacity: columns)
        let packed = (panel + headerBytes).bindMemory(to: Int8.self, capacity: taps.count * units * columns * channelUnit)
        for column in 0..<count {
            let channel = firstChannel + column
            var sum: Int32 = 0
            for (position, tap) in taps.enumerated() {
                let filter = weights + (channel * kernelTaps + tap) * cinG
                for ci in 0..<cinG {
                    let offset = ((position * units + ci / channelUnit) * columns + column) * channelUnit + ci % channelUnit
                    packed[offset] = filter[ci]
                    sum &+= Int32(filter[ci])
                }
            }
            initial[column] = (bias?[channel] ?? 0) &- correction &* sum
        }
    }
}

/// Resolves a requested kernel path against the running CPU.
func resolvePath(_ requested: ConvKernelPath?) throws(KernelConfigurationError) -> ConvKernelPath {
    guard let requested else { return .best }
    try require(
        ConvKernelPath.available.contains(requested), "path",
        "\(requested) kernels need an integer dot-product instruction this CPU lacks")
    return requested
}
