/// Bilinear resize of an NHWC int8 tensor, any ratio up or down, bit-exact with
/// `resizeBilinearReference` (see there for the arithmetic). The output keeps the input's scale and
/// zero point.
///
/// Every source index and weight is computed once, exactly, at init. `run` is separable: an input
/// row is blended horizontally once into an Int32 row of the output's width (kept in the workspace
/// while consecutive output rows read it, as they do when upsampling), and each output row is the
/// vertical blend of two such rows. All intermediate values are exact integers, so the result is
/// the reference's sum of four products. Immutable after init: `run` may be called from several
/// threads at once on disjoint `outputRows`, each with its own workspace. `run` allocates nothing
/// and checks nothing.
public final class ResizeBilinear: RowSplitKernel {
    public let geometry: ResizeGeometry
    public let coordinateMode: ResizeCoordinateMode
    /// Bytes of scratch memory one `run` needs (any alignment; 64 bytes is fastest). Its contents
    /// need no initialization and are garbage afterwards.
    public let workspaceByteCount: Int

    /// Per output row: input row index 0, index 1, weight 0, weight 1 (Int32 each).
    private let rowTaps: AlignedBuffer
    /// Per output column: element offsets of input columns 0 and 1, weight 0, weight 1 (Int32 each).
    private let columnTaps: AlignedBuffer
    /// Int32 elements between the two horizontally blended rows in the workspace.
    private let rowBufferStride: Int

    /// - Throws: `KernelConfigurationError` naming the parameter the kernel cannot take.
    public init(_ geometry: ResizeGeometry, coordinateMode: ResizeCoordinateMode) throws(KernelConfigurationError) {
        try geometry.validate()
        self.geometry = geometry
        self.coordinateMode = coordinateMode
        let g = geometry
        rowTaps = AlignedBuffer(byteCount: g.outputHeight * 16)
        let rows = rowTaps.typed(Int32.self, count: 4 * g.outputHeight)
        for oy in 0..<g.outputHeight {
            var t = bilinearTap(coordinateMode, oy, inputSize: g.inputHeight, outputSize: g.outputHeight)
            // A tap of weight 0 contributes nothing: reading the other row instead gives the same
            // sum and saves blending a row.
            if t.weight1 == 0 { t.index1 = t.index0 }
            if t.weight0 == 0 { t.index0 = t.index1 }
            rows[4 * oy] = Int32(t.index0)
            rows[4 * oy + 1] = Int32(t.index1)
            rows[4 * oy + 2] = t.weight0
            rows[4 * oy + 3] = t.weight1
        }
        columnTaps = AlignedBuffer(byteCount: g.outputWidth * 16)
        let columns = columnTaps.typed(Int32.self, count: 4 * g.outputWidth)
        for ox in 0..<g.outputWidth {
            let t = bilinearTap(coordinateMode, ox, inputSize: g.inputWidth, outputSize: g.outputWidth)
            columns[4 * ox] = Int32(t.index0 * g.channels)
            columns[4 * ox + 1] = Int32(t.index1 * g.channels)
            columns[4 * ox + 2] = t.weight0
            columns[4 * ox + 3] = t.weight1
        }
        // 16-lane steps may run up to 15 elements past a row.
        rowBufferStride = (g.outputWidth * g.channels + 15 + 15) & ~15
        workspaceByteCount = 2 * rowBufferStride * 4
    }

    /// Output rows over the whole batch (`batch * outputHeight`): the unit `run` splits work in.
    public var outputRowCount: Int { geometry.batch * geometry.outputHeight }

    /// Computes only the output rows `outputRows` (indices into `batch * outputHeight`).
    public func run(
        input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>, workspace: UnsafeMutableRawPointer,
        outputRows: Range<Int>
    ) {
        let g = geometry
        let rows = UnsafePointer(rowTaps.typed(Int32.self, count: 4 * g.outputHeight))
        let rowElements = g.outputWidth * g.channels
        let slots = (workspace, workspace + rowBufferStride * 4)
        // Which input rows (over the batch) the two slots hold; -1: none.
        var held = (-1, -1)
        for row in outputRows {
            let b = row / g.outputHeight, oy = row - b * g.outputHeight
            let row0 = b * g.inputHeight + Int(rows[4 * oy]), row1 = b * g.inputHeight + Int(rows[4 * oy + 1])
            let top = slot(for: row0, keeping: row1, &held, slots, input)
            let bottom = slot(for: row1, keeping: row0, &held, slots, input)
            blendVertically(
                top, bottom, weights: (rows[4 * oy + 2], rows[4 * oy + 3]),
                into: UnsafeMutableRawPointer(output + row * rowElements), count: rowElements)
        }
    }

    /// The workspace slot holding input row `index` (over the batch), blending it into the slot that
    /// does not hold `other` when neither holds it.
    @inline(__always)
    private func slot(
        for index: Int, keeping other: Int, _ held: inout (Int, Int),
        _ slots: (UnsafeMutableRawPointer, UnsafeMutableRawPointer), _ input: UnsafePointer<Int8>
    ) -> UnsafeMutableRawPointer {
        if held.0 == index { return slots.0 }
        if held.1 == index { return slots.1 }
        let source = UnsafeRawPointer(input + index * geometry.inputWidth * geometry.channels)
        if held.0 != other {
            held.0 = index
            blendHorizontally(source, into: slots.0)
            return slots.0
        }
        held.1 = index
        blendHorizontally(source, into: slots.1)
        return slots.1
    }

    /// `x0 * q[index0] + x1 * q[index1]` for every output column and channel of one input row, as
    /// Int32 (within +-2^18). A 16-lane step may write up to 15 elements past its pixel: the next
    /// pixel overwrites them, and the buffer has room after the last.
    @inline(__always)
    private func blendHorizontally(_ source: UnsafeRawPointer, into buffer: UnsafeMutableRawPointer) {
        let g = geometry
        let channels = g.channels
        let columns = UnsafePointer(columnTaps.typed(Int32.self, count: 4 * g.outputWidth))
        var out = buffer
        for ox in 0..<g.outputWidth {
            let p0 = source + Int(columns[4 * ox]), p1 = source + Int(columns[4 * ox + 1])
            let x0 = SIMD16<Int32>(repeating: columns[4 * ox + 2]), x1 = SIMD16<Int32>(repeating: columns[4 * ox + 3])
            var c = 0
            while c < channels {
                let q0 = SIMD16<Int32>(signExtending: p0.loadUnaligned(fromByteOffset: c, as: SIMD16<Int8>.self))
                let q1 = SIMD16<Int32>(signExtending: p1.loadUnaligned(fromByteOffset: c, as: SIMD16<Int8>.self))
                out.storeBytes(of: x0 &* q0 &+ x1 &* q1, toByteOffset: c &* 4, as: SIMD16<Int32>.self)
                c &+= 16
            }
            out += channels &* 4
        }
    }

    /// `(y0 * top + y1 * bottom + 2^(2F - 1)) >> 2F` for `count` elements, 16 per step; a ragged
    /// end is one more step ending at the last element (rewriting a few identically), and fewer
    /// than 16 elements are stored partially.
    @inline(__always)
    private func blendVertically(
        _ top: UnsafeMutableRawPointer, _ bottom: UnsafeMutableRawPointer, weights: (Int32, Int32),
        into out: UnsafeMutableRawPointer, count: Int
    ) {
        let blend = VerticalBlend(top: top, bottom: bottom, weights: weights)
        if count < 16 {
            storeLeading(blend.step(0), count: count, to: out)
            return
        }
        var i = 0
        while i &+ 16 <= count {
            out.storeBytes(of: blend.step(i), toByteOffset: i, as: SIMD16<Int8>.self)
            i &+= 16
        }
        if i < count {
            out.storeBytes(of: blend.step(count &- 16), toByteOffset: count &- 16, as: SIMD16<Int8>.self)
        }
    }
}

/// The vertical half of the blend for one output row.
private struct VerticalBlend {
    let top: UnsafeRawPointer, bottom: UnsafeRawPointer
    let y0: SIMD16<Int32>, y1: SIMD16<Int32>

    @inline(__always)
    init(top: UnsafeMutableRawPointer, bottom: UnsafeMutableRawPointer, weights: (Int32, Int32)) {
        self.top = UnsafeRawPointer(top)
        self.bottom = UnsafeRawPointer(bottom)
        y0 = SIMD16<Int32>(repeating: weights.0)
        y1 = SIMD16<Int32>(repeating: weights.1)
    }

    /// Output elements `i ..< i + 16`.
    @inline(__always)
    func step(_ i: Int) -> SIMD16<Int8> {
        let t = top.loadUnaligned(fromByteOffset: i &* 4, as: SIMD16<Int32>.self)
        let b = bottom.loadUnaligned(fromByteOffset: i &* 4, as: SIMD16<Int32>.self)
        let rounding = SIMD16<Int32>(repeating: 1 << Int32(2 * bilinearFractionBits - 1))
        return SIMD16<Int8>(truncating: (y0 &* t &+ y1 &* b &+ rounding) &>> SIMD16<Int32>(repeating: Int32(2 * bilinearFractionBits)))
    }
}
