import SegKernels

/// Output pixels one float convolution tile computes at once: 6 pixels x 16 channels keeps 12
/// AVX2 accumulators (24 NEON ones) in registers next to the weight vectors and one broadcast.
let floatTilePixels = 6

/// One panel of packed float convolution weights: up to 16 (or 8) output channels of one group,
/// laid out `[bias: lanes][tap][ci][lanes]` with channels past `width` zero, so that the
/// micro-kernel loads one weight vector per input channel and tap.
struct FloatConvPanel {
    /// The group whose input channels the panel reads.
    var group: Int
    /// The first output channel it writes.
    var firstChannel: Int
    /// Output channels it writes (1...lanes).
    var width: Int
    /// Whether it is 16 lanes wide (else 8).
    var wide: Bool
    /// Offset of its bias, in floats, into the packed buffer; the weights follow the bias.
    var offset: Int
}

/// Float convolution weights packed into panels (see `FloatConvPanel`), plus a block of zeros
/// that stands in for input pixels outside the image.
struct FloatConvPanels {
    let panels: [FloatConvPanel]
    /// Consecutive panel ranges of about 512 KiB of weights (so that they stay in L2 while `run`
    /// passes over its output pixels once per chunk).
    let chunks: [Range<Int>]
    let storage: AlignedBuffer
    /// Floats in `storage`.
    let storageCount: Int
    let zeros: AlignedBuffer
    /// Floats in `zeros`: one pixel's input channels of a group.
    let zeroCount: Int

    /// Packs OHWI `weights` (`[outputChannels][taps][inputChannelsPerGroup]`) and `bias` (one per
    /// output channel, nil for zero).
    init(
        weights: UnsafePointer<Float>, bias: UnsafePointer<Float>?, outputChannels: Int, groups: Int, taps: Int,
        inputChannelsPerGroup cinG: Int
    ) {
        let coutG = outputChannels / groups
        var panels: [FloatConvPanel] = []
        var offset = 0
        for group in 0..<groups {
            var first = 0
            while first < coutG {
                let remaining = coutG - first
                let wide = remaining > 8
                let lanes = wide ? 16 : 8
                let width = min(remaining, lanes)
                panels.append(
                    FloatConvPanel(group: group, firstChannel: group * coutG + first, width: width, wide: wide, offset: offset))
                offset += lanes * (1 + taps * cinG)
                first += width
            }
        }
        storage = AlignedBuffer(byteCount: offset * MemoryLayout<Float>.stride)
        storageCount = offset
        let packed = storage.typed(Float.self, count: offset)
        for panel in panels {
            let lanes = panel.wide ? 16 : 8
            for lane in 0..<panel.width {
                let co = panel.firstChannel + lane
                packed[panel.offset + lane] = bias?[co] ?? 0
                for t in 0..<taps {
                    for ci in 0..<cinG {
                        packed[panel.offset + lanes * (1 + t * cinG + ci) + lane] = weights[(co * taps + t) * cinG + ci]
                    }
                }
            }
        }
        let budget = 512 * 1024 / MemoryLayout<Float>.stride
        var chunks: [Range<Int>] = []
        var start = 0
        for index in panels.indices.dropFirst() where panels[index].offset - panels[start].offset >= budget {
            chunks.append(start..<index)
            start = index
        }
        chunks.append(start..<panels.count)
        self.panels = panels
        self.chunks = chunks
        zeros = AlignedBuffer(byteCount: cinG * MemoryLayout<Float>.stride)
        zeroCount = cinG
    }

    /// Zeros read in place of an input pixel outside the image.
    var zeroPixel: UnsafePointer<Float> { UnsafePointer(zeros.typed(Float.self, count: zeroCount)) }

    /// The bias of `panel`, followed by its weights.
    func base(_ panel: FloatConvPanel) -> UnsafePointer<Float> {
        UnsafePointer(storage.typed(Float.self, count: storageCount) + panel.offset)
    }
}

/// The input pointers of a tile's six pixels for one tap: each points at the pixel's first input
/// channel of the panel's group, or at `FloatConvPanels.zeros` when the tap falls outside the image.
struct FloatTileInputs {
    var p0: UnsafePointer<Float>
    var p1: UnsafePointer<Float>
    var p2: UnsafePointer<Float>
    var p3: UnsafePointer<Float>
    var p4: UnsafePointer<Float>
    var p5: UnsafePointer<Float>
}

/// Six accumulators: one vector of output channels per tile pixel.
struct FloatTileAccumulators<V: FloatLanes> {
    var a0: V
    var a1: V
    var a2: V
    var a3: V
    var a4: V
    var a5: V

    @inline(__always)
    init(bias: UnsafePointer<Float>) {
        a0 = V.load(bias)
        a1 = a0
        a2 = a0
        a3 = a0
        a4 = a0
        a5 = a0
    }

    /// Adds `count` input channels of one tap (or of several taps whose channels lie next to each
    /// other): `weights` holds `count` vectors, one per channel.
    @inline(__always)
    mutating func accumulate(_ inputs: FloatTileInputs, _ weights: UnsafePointer<Float>, _ count: Int) {
        var w = weights
        var ci = 0
        while ci < count {
            let wv = V.load(w)
            a0 = a0.multiplyAdding(V.splat(inputs.p0[ci]), wv)
            a1 = a1.multiplyAdding(V.splat(inputs.p1[ci]), wv)
            a2 = a2.multiplyAdding(V.splat(inputs.p2[ci]), wv)
            a3 = a3.multiplyAdding(V.splat(inputs.p3[ci]), wv)
            a4 = a4.multiplyAdding(V.splat(inputs.p4[ci]), wv)
            a5 = a5.multiplyAdding(V.splat(inputs.p5[ci]), wv)
            w += V.scalarCount
            ci &+= 1
        }
    }

    /// Clamps and stores the first `pixels` accumulators, `width` channels each, pixel `j` at
    /// `output + j * pixelStride`.
    @inline(__always)
    func store(
        pixels: Int, width: Int, output: UnsafeMutablePointer<Float>, pixelStride: Int, lower: Float, upper: Float
    ) {
        a0.storeClamped(output, width: width, lower, upper)
        if pixels > 1 { a1.storeClamped(output + pixelStride, width: width, lower, upper) }
        if pixels > 2 { a2.storeClamped(output + 2 &* pixelStride, width: width, lower, upper) }
        if pixels > 3 { a3.storeClamped(output + 3 &* pixelStride, width: width, lower, upper) }
        if pixels > 4 { a4.storeClamped(output + 4 &* pixelStride, width: width, lower, upper) }
        if pixels > 5 { a5.storeClamped(output + 5 &* pixelStride, width: width, lower, upper) }
    }
}
