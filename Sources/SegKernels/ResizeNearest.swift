/// Nearest-neighbour resize of an NHWC int8 tensor, any ratio up or down, bit-exact with
/// `resizeNearestReference` (see there for the index rule).
///
/// Source indices are computed once, exactly, at init; `run` copies channel vectors, and copies a
/// whole output row when it repeats the previous one (upsampling). Immutable after init: `run` may
/// be called from several threads at once on disjoint `outputRows`. `run` allocates nothing and
/// checks nothing.
public final class ResizeNearest {
    public let geometry: ResizeGeometry
    public let coordinateMode: ResizeCoordinateMode
    public let nearestMode: ResizeNearestMode

    /// Per output row, the input row (Int32).
    private let rowSources: AlignedBuffer
    /// Per output column, the element offset of the input column (Int32).
    private let columnOffsets: AlignedBuffer

    /// - Throws: `KernelConfigurationError` naming the parameter the kernel cannot take.
    public init(
        _ geometry: ResizeGeometry, coordinateMode: ResizeCoordinateMode, nearestMode: ResizeNearestMode
    ) throws(KernelConfigurationError) {
        try geometry.validate()
        self.geometry = geometry
        self.coordinateMode = coordinateMode
        self.nearestMode = nearestMode
        let g = geometry
        rowSources = AlignedBuffer(byteCount: g.outputHeight * 4)
        let rows = rowSources.typed(Int32.self, count: g.outputHeight)
        for oy in 0..<g.outputHeight {
            rows[oy] = Int32(nearestSourceIndex(coordinateMode, nearestMode, oy, inputSize: g.inputHeight, outputSize: g.outputHeight))
        }
        columnOffsets = AlignedBuffer(byteCount: g.outputWidth * 4)
        let columns = columnOffsets.typed(Int32.self, count: g.outputWidth)
        for ox in 0..<g.outputWidth {
            let ix = nearestSourceIndex(coordinateMode, nearestMode, ox, inputSize: g.inputWidth, outputSize: g.outputWidth)
            columns[ox] = Int32(ix * g.channels)
        }
    }

    /// Output rows over the whole batch (`batch * outputHeight`): the unit `run` splits work in.
    public var outputRowCount: Int { geometry.batch * geometry.outputHeight }

    /// Resizes `input` (NHWC, `AlignedBuffer.kernelTailPadding` readable bytes after it) into
    /// `output` (NHWC), all rows.
    public func run(input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>) {
        run(input: input, output: output, outputRows: 0..<outputRowCount)
    }

    /// Computes only the output rows `outputRows` (indices into `batch * outputHeight`).
    public func run(input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>, outputRows: Range<Int>) {
        let g = geometry
        let channels = g.channels
        let inputRowElements = g.inputWidth * channels, outputRowElements = g.outputWidth * channels
        let rows = UnsafePointer(rowSources.typed(Int32.self, count: g.outputHeight))
        let columns = UnsafePointer(columnOffsets.typed(Int32.self, count: g.outputWidth))
        let fullSteps = channels / 16, lastStep = channels > 16 && channels % 16 != 0 ? channels - 16 : -1
        for row in outputRows {
            let b = row / g.outputHeight, oy = row - b * g.outputHeight
            let out = UnsafeMutableRawPointer(output + row * outputRowElements)
            if row > outputRows.lowerBound && oy > 0 && rows[oy] == rows[oy - 1] {
                out.copyMemory(from: out - outputRowElements, byteCount: outputRowElements)
                continue
            }
            let source = UnsafeRawPointer(input + (b * g.inputHeight + Int(rows[oy])) * inputRowElements)
            var pixel = out
            for ox in 0..<g.outputWidth {
                let from = source + Int(columns[ox])
                if channels < 16 {
                    // Bytes past the pixel land in the next ones of the row, written afterwards;
                    // no store may cross the end of the row (another thread's, perhaps).
                    let v = from.loadUnaligned(as: SIMD16<Int8>.self)
                    if ox &* channels &+ 16 <= outputRowElements {
                        pixel.storeBytes(of: v, as: SIMD16<Int8>.self)
                    } else {
                        storeLeading(v, count: channels, to: pixel)
                    }
                } else {
                    var c = 0
                    for _ in 0..<fullSteps {
                        pixel.storeBytes(of: from.loadUnaligned(fromByteOffset: c, as: SIMD16<Int8>.self), toByteOffset: c, as: SIMD16<Int8>.self)
                        c &+= 16
                    }
                    if lastStep >= 0 {
                        pixel.storeBytes(
                            of: from.loadUnaligned(fromByteOffset: lastStep, as: SIMD16<Int8>.self), toByteOffset: lastStep,
                            as: SIMD16<Int8>.self)
                    }
                }
                pixel += channels
            }
        }
    }
}
