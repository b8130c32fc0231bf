/// Where a camera frame's pixels land in a model input: a crop of the frame, resized (bilinear)
/// into a destination rectangle of an `outputHeight x outputWidth x 3` NHWC image whose other
/// pixels are padding (a letterbox when the rectangle keeps the crop's aspect ratio).
public struct PixelConversionGeometry: Equatable, Sendable {
    public var frame: FrameLayout
    /// The part of the frame that is resized, in frame pixels. YUYV and NV12 need an even `x`.
    public var crop: PixelRect
    public var outputWidth: Int
    public var outputHeight: Int
    /// Where the crop goes in the output, in output pixels; the rest is the pad colour.
    public var destination: PixelRect
    public var channelOrder: ChannelOrder

    /// `crop` defaults to the whole frame, `destination` to the whole output.
    public init(
        frame: FrameLayout, crop: PixelRect? = nil, outputWidth: Int, outputHeight: Int,
        destination: PixelRect? = nil, channelOrder: ChannelOrder = .rgb
    ) {
        self.frame = frame
        self.crop = crop ?? PixelRect(x: 0, y: 0, width: frame.width, height: frame.height)
        self.outputWidth = outputWidth
        self.outputHeight = outputHeight
        self.destination = destination ?? PixelRect(x: 0, y: 0, width: outputWidth, height: outputHeight)
        self.channelOrder = channelOrder
    }

    /// Int8 values of the output tensor.
    public var outputElementCount: Int { outputHeight * outputWidth * 3 }

    /// Refuses geometries the conversion cannot take, naming the parameter.
    public func validate() throws(KernelConfigurationError) {
        try frame.validate()
        try require(
            (1...frame.width).contains(crop.width), "crop.width", "must be in 1...\(frame.width) (the frame width), got \(crop.width)")
        try require(
            (1...frame.height).contains(crop.height), "crop.height", "must be in 1...\(frame.height) (the frame height), got \(crop.height)")
        try require(
            (0...(frame.width - crop.width)).contains(crop.x), "crop.x",
            "must be in 0...\(frame.width - crop.width) to keep a \(crop.width)-pixel crop inside the frame, got \(crop.x)")
        try require(
            (0...(frame.height - crop.height)).contains(crop.y), "crop.y",
            "must be in 0...\(frame.height - crop.height) to keep a \(crop.height)-row crop inside the frame, got \(crop.y)")
        if frame.format.isYUV {
            try require(crop.x % 2 == 0, "crop.x", "must be even for \(frame.format) (U/V pairs span two pixels), got \(crop.x)")
        }
        try require((1...16384).contains(outputWidth), "outputWidth", "must be in 1...16384, got \(outputWidth)")
        try require((1...16384).contains(outputHeight), "outputHeight", "must be in 1...16384, got \(outputHeight)")
        try require(
            (1...outputWidth).contains(destination.width), "destination.width",
            "must be in 1...\(outputWidth) (the output width), got \(destination.width)")
        try require(
            (1...outputHeight).contains(destination.height), "destination.height",
            "must be in 1...\(outputHeight) (the output height), got \(destination.height)")
        try require(
            (0...(outputWidth - destination.width)).contains(destination.x), "destination.x",
            "must be in 0...\(outputWidth - destination.width) to keep the destination inside the output, got \(destination.x)")
        try require(
            (0...(outputHeight - destination.height)).contains(destination.y), "destination.y",
            "must be in 0...\(outputHeight - destination.height) to keep the destination inside the output, got \(destination.y)")
    }
}

/// Per-colour normalization of 8-bit pixel values `v` to `(v / 255 - mean) / std` and the model
/// input's int8 quantization `real = scale * (q - zeroPoint)`.
public struct PixelNormalization: Equatable, Sendable {
    /// Means of R, G, B in units of `v / 255`.
    public var mean: SIMD3<Double>
    /// Standard deviations of R, G, B in units of `v / 255`.
    public var std: SIMD3<Double>
    /// The model input's scale.
    public var scale: Double
    /// The model input's zero point, in -128...127.
    public var zeroPoint: Int32
    /// R, G, B of the padding around the destination, as 8-bit pixel values (normalized and
    /// quantized like pixels).
    public var padColor: SIMD3<UInt8>

    public init(mean: SIMD3<Double>, std: SIMD3<Double>, scale: Double, zeroPoint: Int32, padColor: SIMD3<UInt8> = .zero) {
        self.mean = mean
        self.std = std
        self.scale = scale
        self.zeroPoint = zeroPoint
        self.padColor = padColor
    }

    /// The ImageNet statistics (mean 0.485, 0.456, 0.406; std 0.229, 0.224, 0.225).
    public static func imageNet(scale: Double, zeroPoint: Int32, padColor: SIMD3<UInt8> = .zero) -> PixelNormalization {
        PixelNormalization(
            mean: SIMD3(0.485, 0.456, 0.406), std: SIMD3(0.229, 0.224, 0.225), scale: scale, zeroPoint: zeroPoint,
            padColor: padColor)
    }

    /// Refuses parameters that do not define a quantization, naming the parameter.
    public func validate() throws(KernelConfigurationError) {
        for c in 0..<3 {
            try require(mean[c].isFinite, "mean", "must be finite, got \(mean[c]) for channel \(c)")
            try require(std[c].isFinite && std[c] > 0, "std", "must be finite and positive, got \(std[c]) for channel \(c)")
        }
        try require(scale.isFinite && scale > 0, "scale", "must be finite and positive, got \(scale)")
        try require((-128...127).contains(zeroPoint), "zeroPoint", "must be in -128...127, got \(zeroPoint)")
    }

    /// `clamp(round(((value / 255 - mean) / std) / scale) + zeroPoint)` for colour `colour`
    /// (0 = R, 1 = G, 2 = B), rounding halfway cases away from zero: step 4 of
    /// `pixelConversionReference`.
    public func quantize(_ value: Int, colour: Int) -> Int8 {
        let normalized = (Double(value) / 255 - mean[colour]) / std[colour]
        let q = (normalized / scale).rounded() + Double(zeroPoint)
        return Int8(min(max(q, -128), 127))
    }
}

/// How `PixelConversion` applies the per-channel normalization and quantization tables.
public enum PixelQuantizationPath: Sendable, Equatable, CustomStringConvertible {
    /// In SIMD, as `(m v + o) >> shift`, clamped, with integers that reproduce each table
    /// exactly, found at configuration. Tables have this form unless pixel values land exactly
    /// on rounding ties (as with mean 0.5, std 0.5, scale 1/127.5), where Double rounding breaks
    /// the ties unevenly.
    case affine
    /// Scalar lookups in the 256-entry tables.
    case lookupTable

    public var description: String { self == .affine ? "affine" : "lookup-table" }
}

/// Camera frame -> quantized model input in one pass: crop, bilinear resize (into a letterbox
/// destination when asked), YUV -> RGB, normalization and int8 quantization, exactly as
/// `pixelConversionReference` defines them, without a full-size intermediate image.
///
/// Each output row is made from two frame rows: a SIMD vertical pass over the crop splits the
/// frame's components into three 4:4:4 row planes (exact in 16 bits); then, eight destination
/// columns at a time, a SIMD horizontal pass gathers each column's two taps from those planes,
/// converts YUV to RGB, quantizes and interleaves. The per-channel 256-entry tables that define
/// the normalization and quantization run in SIMD when they have an exact affine form (see
/// `PixelQuantizationPath`), else as lookups. Immutable after init: `run` may be called from
/// several threads at once on disjoint `outputRows`, each with its own workspace. `run`
/// allocates nothing and checks nothing.
public final class PixelConversion {
    public let geometry: PixelConversionGeometry
    public let normalization: PixelNormalization
    /// How the quantization tables are applied.
    public let path: PixelQuantizationPath
    /// Bytes of scratch memory one `run` needs, 64-byte aligned by the caller.
    public let workspaceByteCount: Int

    /// One destination row's two frame rows (absolute) and the weight of the second.
    private struct RowTap {
        var top: Int, bottom: Int, weight: Int16
    }

    /// Per destination column (padded to whole 8-column groups): the byte offset of the first
    /// tap in a 16-bit plane (the second tap is the next element), then the weights.
    private let columnTaps: AlignedBuffer
    private let columnGroups: Int
    private let rowTaps: AlignedBuffer
    /// `[3][256]` Int8: the quantized value of each 8-bit value in each output slot.
    private let lookup: AlignedBuffer
    /// One output row of padding.
    private let padRow: AlignedBuffer
    /// Byte offset of the crop in a frame row (and in an NV12 UV row).
    private let rowOffset: Int
    /// Workspace layout: three 16-bit planes of `planeBytes` each, then 96 bytes of staging for
    /// the lookup tables.
    private let planeBytes: Int
    /// The lookup tables in SIMD form, on the `.affine` path.
    private let affine: (AffineQuantization, AffineQuantization, AffineQuantization)?
    /// RGB frames: the plane (output slot) of each of the frame's three bytes of a pixel.
    private let slotOfByte: (Int, Int, Int)
    private let coefficients: YUVCoefficients
    /// Whether output slot 0 holds blue (BGR order).
    private let swapsRedAndBlue: Bool

    /// Builds the tap tables and the quantization tables.
    /// - Parameter path: how to apply the quantization tables; nil picks `.affine` where the
    ///   tables have that form and `.lookupTable` otherwise.
    /// - Throws: `KernelConfigurationError` naming the parameter the conversion cannot take.
    public init(
        _ geometry: PixelConversionGeometry, normalization: PixelNormalization, path requestedPath: PixelQuantizationPath? = nil
    ) throws(KernelConfigurationError) {
        try geometry.validate()
        try normalization.validate()
        self.geometry = geometry
        self.normalization = normalization
        let g = geometry, format = g.frame.format, crop = g.crop, dest = g.destination
        let colours = g.channelOrder == .rgb ? [0, 1, 2] : [2, 1, 0]
        swapsRedAndBlue = g.channelOrder == .bgr
        // Byte c of an RGB24 pixel holds colour c, of a BGR24 pixel colour 2 - c; it goes to the
        // plane of that colour's output slot.
        let colourOfByte = format == .bgr24 ? [2, 1, 0] : [0, 1, 2]
        slotOfByte = (colours.firstIndex(of: colourOfByte[0])!, 1, colours.firstIndex(of: colourOfByte[2])!)
        coefficients = YUVCoefficients(g.frame.range)
        rowOffset = crop.x * format.bytesPerPixel

        // The vertical pass writes whole 16-pixel groups and the horizontal pass reads one element
        // past the crop's last column.
        planeBytes = ((((crop.width + 15) & ~15) + 16) * 2 + 63) & ~63
        columnGroups = (dest.width + 7) / 8
        workspaceByteCount = 3 * planeBytes + 3 * 32

        // A first tap clamped to the crop's last column reads the element after it with weight 0.
        columnTaps = AlignedBuffer(byteCount: columnGroups * 8 * 8)
        let offsets = columnTaps.typed(Int32.self, count: columnGroups * 16)
        for j in 0..<dest.width {
            let (x0, _, w) = pixelConversionTap(j, outputSize: dest.width, inputSize: crop.width)
            offsets[(j / 8) * 16 + j % 8] = Int32(2 * x0)
            offsets[(j / 8) * 16 + 8 + j % 8] = Int32(w)
        }
        rowTaps = AlignedBuffer(byteCount: dest.height * MemoryLayout<RowTap>.stride)
        let rows = rowTaps.typed(RowTap.self, count: dest.height)
        for i in 0..<dest.height {
            let (y0, y1, w) = pixelConversionTap(i, outputSize: dest.height, inputSize: crop.height)
            rows[i] = RowTap(top: crop.y + y0, bottom: crop.y + y1, weight: Int16(w))
        }

        lookup = AlignedBuffer(byteCount: 3 * 256)
        let table = lookup.typed(Int8.self, count: 3 * 256)
        for slot in 0..<3 {
            for v in 0..<256 { table[slot * 256 + v] = normalization.quantize(v, colour: colours[slot]) }
        }
        padRow = AlignedBuffer(byteCount: g.outputWidth * 3)
        let pad = padRow.typed(Int8.self, count: g.outputWidth * 3)
        for x in 0..<g.outputWidth {
            for slot in 0..<3 { pad[x * 3 + slot] = table[slot * 256 + Int(normalization.padColor[colours[slot]])] }
        }
        if requestedPath != .lookupTable, let slot0 = AffineQuantization(table),
            let slot1 = AffineQuantization(table + 256), let slot2 = AffineQuantization(table + 512)
        {
            affine = (slot0, slot1, slot2)
            path = .affine
        } else {
            try require(
                requestedPath != .affine, "path", "the quantization tables of this normalization have no exact affine form")
            affine = nil
            path = .lookupTable
        }
    }

    /// Converts the whole frame into `output` (`geometry.outputElementCount` Int8 values, NHWC).
    /// `frame` is the first plane, `chroma` NV12's UV plane (ignored otherwise), both laid out as
    /// `geometry.frame` says with `AlignedBuffer.kernelTailPadding` readable bytes after them.
    public func run(
        frame: UnsafePointer<UInt8>, chroma: UnsafePointer<UInt8>? = nil, output: UnsafeMutablePointer<Int8>,
        workspace: UnsafeMutableRawPointer
    ) {
        run(frame: frame, chroma: chroma, output: output, workspace: workspace, outputRows: 0..<geometry.outputHeight)
    }

    /// Computes only the output rows `outputRows` (within `0..<geometry.outputHeight`).
    public func run(
        frame: UnsafePointer<UInt8>, chroma: UnsafePointer<UInt8>?, output: UnsafeMutablePointer<Int8>,
        workspace: UnsafeMutableRawPointer, outputRows: Range<Int>
    ) {
        let g = geometry, dest = g.destination
        let outputRowBytes = g.outputWidth * 3
        let leftBytes = dest.x * 3, rightStart = (dest.x + dest.width) * 3
        let pad = UnsafeRawPointer(padRow.pointer)
        let rows = UnsafePointer(rowTaps.typed(RowTap.self, count: dest.height))
        let stride = g.frame.rowStride, chromaStride = g.frame.chromaRowStride
        let planes = (workspace, workspace + planeBytes, workspace + 2 * planeBytes)
        let staging = workspace + 3 * planeBytes
        for oy in outputRows {
            let out = output + oy * outputRowBytes
            let i = oy &- dest.y
            if i < 0 || i >= dest.height {
                UnsafeMutableRawPointer(out).copyMemory(from: pad, byteCount: outputRowBytes)
                continue
            }
            if leftBytes > 0 { UnsafeMutableRawPointer(out).copyMemory(from: pad, byteCount: leftBytes) }
            if rightStart < outputRowBytes {
                UnsafeMutableRawPointer(out + rightStart).copyMemory(from: pad + rightStart, byteCount: outputRowBytes - rightStart)
            }
            let tap = rows[i]
            let top = frame + (tap.top &* stride &+ rowOffset), bottom = frame + (tap.bottom &* stride &+ rowOffset)
            let w = SIMD8<Int16>(repeating: tap.weight)
            switch g.frame.format {
            case .yuyv:
                splitYUYV(top, bottom, w, planes)
            case .nv12:
                let uv = chroma! + rowOffset
                splitNV12(
                    top, bottom, uv + (tap.top &>> 1) &* chromaStride, uv + (tap.bottom &>> 1) &* chromaStride, w, planes)
            case .rgb24, .bgr24:
                splitRGB(top, bottom, w, planes)
            }
            resampleColumns(planes, staging: staging, into: out + leftBytes)
        }
    }

    /// `top * (256 - w) + bottom * w` per lane, exact: the result fits 16 bits, so the wrapping
    /// 16-bit form `(top << 8) + (bottom - top) * w` is the true value.
    @inline(__always)
    private func blendRows(_ top: SIMD8<UInt8>, _ bottom: SIMD8<UInt8>, _ w: SIMD8<Int16>) -> SIMD8<UInt16> {
        let a = SIMD8<Int16>(zeroExtending: top), b = SIMD8<Int16>(zeroExtending: bottom)
        return unsafeBitCast((a &<< 8) &+ (b &- a) &* w, to: SIMD8<UInt16>.self)
    }

    /// YUYV: eight pixels per step into Y, U, V planes, each U and V written for both pixels of
    /// its pair.
    @inline(__always)
    private func splitYUYV(
        _ top: UnsafePointer<UInt8>, _ bottom: UnsafePointer<UInt8>, _ w: SIMD8<Int16>,
        _ planes: (UnsafeMutableRawPointer, UnsafeMutableRawPointer, UnsafeMutableRawPointer)
    ) {
        let width = geometry.crop.width
        var x = 0
        while x < width {
            let a = UnsafeRawPointer(top + 2 &* x).loadUnaligned(as: SIMD16<UInt8>.self)
            let b = UnsafeRawPointer(bottom + 2 &* x).loadUnaligned(as: SIMD16<UInt8>.self)
            let l = blendRows(a.lowHalf, b.lowHalf, w), h = blendRows(a.highHalf, b.highHalf, w)
            let offset = 2 &* x
            planes.0.storeBytes(of: SIMD8(l[0], l[2], l[4], l[6], h[0], h[2], h[4], h[6]), toByteOffset: offset, as: SIMD8<UInt16>.self)
            planes.1.storeBytes(of: SIMD8(l[1], l[1], l[5], l[5], h[1], h[1], h[5], h[5]), toByteOffset: offset, as: SIMD8<UInt16>.self)
            planes.2.storeBytes(of: SIMD8(l[3], l[3], l[7], l[7], h[3], h[3], h[7], h[7]), toByteOffset: offset, as: SIMD8<UInt16>.self)
            x &+= 8
        }
    }

    /// NV12: sixteen pixels per step; the Y rows straight into the Y plane, the UV rows split
    /// into U and V planes with each value written for both pixels of its pair.
    @inline(__always)
    private func splitNV12(
        _ top: UnsafePointer<UInt8>, _ bottom: UnsafePointer<UInt8>,
        _ chromaTop: UnsafePointer<UInt8>, _ chromaBottom: UnsafePointer<UInt8>, _ w: SIMD8<Int16>,
        _ planes: (UnsafeMutableRawPointer, UnsafeMutableRawPointer, UnsafeMutableRawPointer)
    ) {
        let width = geometry.crop.width
        var x = 0
        while x < width {
            let a = UnsafeRawPointer(top + x).loadUnaligned(as: SIMD16<UInt8>.self)
            let b = UnsafeRawPointer(bottom + x).loadUnaligned(as: SIMD16<UInt8>.self)
            let offset = 2 &* x
            planes.0.storeBytes(of: blendRows(a.lowHalf, b.lowHalf, w), toByteOffset: offset, as: SIMD8<UInt16>.self)
            planes.0.storeBytes(of: blendRows(a.highHalf, b.highHalf, w), toByteOffset: offset &+ 16, as: SIMD8<UInt16>.self)
            let c = UnsafeRawPointer(chromaTop + x).loadUnaligned(as: SIMD16<UInt8>.self)
            let d = UnsafeRawPointer(chromaBottom + x).loadUnaligned(as: SIMD16<UInt8>.self)
            let l = blendRows(c.lowHalf, d.lowHalf, w), h = blendRows(c.highHalf, d.highHalf, w)
            planes.1.storeBytes(of: SIMD8(l[0], l[0], l[2], l[2], l[4], l[4], l[6], l[6]), toByteOffset: offset, as: SIMD8<UInt16>.self)
            planes.1.storeBytes(of: SIMD8(h[0], h[0], h[2], h[2], h[4], h[4], h[6], h[6]), toByteOffset: offset &+ 16, as: SIMD8<UInt16>.self)
            planes.2.storeBytes(of: SIMD8(l[1], l[1], l[3], l[3], l[5], l[5], l[7], l[7]), toByteOffset: offset, as: SIMD8<UInt16>.self)
            planes.2.storeBytes(of: SIMD8(h[1], h[1], h[3], h[3], h[5], h[5], h[7], h[7]), toByteOffset: offset &+ 16, as: SIMD8<UInt16>.self)
            x &+= 16
        }
    }

    /// RGB24 / BGR24: sixteen pixels (48 bytes) per step, each byte of a pixel into the plane of
    /// its output slot.
    @inline(__always)
    private func splitRGB(
        _ top: UnsafePointer<UInt8>, _ bottom: UnsafePointer<UInt8>, _ w: SIMD8<Int16>,
        _ planes: (UnsafeMutableRawPointer, UnsafeMutableRawPointer, UnsafeMutableRawPointer)
    ) {
        let width = geometry.crop.width
        func plane(_ slot: Int) -> UnsafeMutableRawPointer { slot == 0 ? planes.0 : slot == 1 ? planes.1 : planes.2 }
        let first = plane(slotOfByte.0), second = plane(slotOfByte.1), third = plane(slotOfByte.2)
        var x = 0
        while x < width {
            let p = UnsafeRawPointer(top + 3 &* x), q = UnsafeRawPointer(bottom + 3 &* x)
            let a0 = p.loadUnaligned(as: SIMD16<UInt8>.self), b0 = q.loadUnaligned(as: SIMD16<UInt8>.self)
            let a1 = p.loadUnaligned(fromByteOffset: 16, as: SIMD16<UInt8>.self), b1 = q.loadUnaligned(fromByteOffset: 16, as: SIMD16<UInt8>.self)
            let a2 = p.loadUnaligned(fromByteOffset: 32, as: SIMD16<UInt8>.self), b2 = q.loadUnaligned(fromByteOffset: 32, as: SIMD16<UInt8>.self)
            let v0 = blendRows(a0.lowHalf, b0.lowHalf, w), v1 = blendRows(a0.highHalf, b0.highHalf, w)
            let v2 = blendRows(a1.lowHalf, b1.lowHalf, w), v3 = blendRows(a1.highHalf, b1.highHalf, w)
            let v4 = blendRows(a2.lowHalf, b2.lowHalf, w), v5 = blendRows(a2.highHalf, b2.highHalf, w)
            let offset = 2 &* x
            first.storeBytes(of: SIMD8(v0[0], v0[3], v0[6], v1[1], v1[4], v1[7], v2[2], v2[5]), toByteOffset: offset, as: SIMD8<UInt16>.self)
            first.storeBytes(of: SIMD8(v3[0], v3[3], v3[6], v4[1], v4[4], v4[7], v5[2], v5[5]), toByteOffset: offset &+ 16, as: SIMD8<UInt16>.self)
            second.storeBytes(of: SIMD8(v0[1], v0[4], v0[7], v1[2], v1[5], v2[0], v2[3], v2[6]), toByteOffset: offset, as: SIMD8<UInt16>.self)
            second.storeBytes(of: SIMD8(v3[1], v3[4], v3[7], v4[2], v4[5], v5[0], v5[3], v5[6]), toByteOffset: offset &+ 16, as: SIMD8<UInt16>.self)
            third.storeBytes(of: SIMD8(v0[2], v0[5], v1[0], v1[3], v1[6], v2[1], v2[4], v2[7]), toByteOffset: offset, as: SIMD8<UInt16>.self)
            third.storeBytes(of: SIMD8(v3[2], v3[5], v4[0], v4[3], v4[6], v5[1], v5[4], v5[7]), toByteOffset: offset &+ 16, as: SIMD8<UInt16>.self)
            x &+= 16
        }
    }

    /// Eight columns' tap pairs of one plane: the 32-bit load at each column's offset holds its
    /// first tap in the low half and its second in the high half (little endian).
    @inline(__always)
    private func gatherPairs(
        _ plane: UnsafeMutableRawPointer, _ o0: Int, _ o1: Int, _ o2: Int, _ o3: Int, _ o4: Int, _ o5: Int, _ o6: Int, _ o7: Int
    ) -> SIMD8<UInt32> {
        SIMD8(
            plane.loadUnaligned(fromByteOffset: o0, as: UInt32.self), plane.loadUnaligned(fromByteOffset: o1, as: UInt32.self),
            plane.loadUnaligned(fromByteOffset: o2, as: UInt32.self), plane.loadUnaligned(fromByteOffset: o3, as: UInt32.self),
            plane.loadUnaligned(fromByteOffset: o4, as: UInt32.self), plane.loadUnaligned(fromByteOffset: o5, as: UInt32.self),
            plane.loadUnaligned(fromByteOffset: o6, as: UInt32.self), plane.loadUnaligned(fromByteOffset: o7, as: UInt32.self))
    }

    /// `(first * (256 - w) + second * w + 2^15) >> 16`: the horizontal taps and the one rounding.
    @inline(__always)
    private func blendColumns(_ pairs: SIMD8<UInt32>, _ w: SIMD8<Int32>) -> SIMD8<Int32> {
        let a = unsafeBitCast(pairs & 0xFFFF, to: SIMD8<Int32>.self), b = unsafeBitCast(pairs &>> 16, to: SIMD8<Int32>.self)
        return ((a &<< 8) &+ (b &- a) &* w &+ 32768) &>> 16
    }

    /// Every destination column, eight at a time: the taps of the three planes, BT.601 for YUV
    /// frames, then the quantization, in SIMD when the lookup tables are affine; otherwise the
    /// eight columns' slot values go through `staging` and the lookup tables.
    @inline(__always)
    private func resampleColumns(
        _ planes: (UnsafeMutableRawPointer, UnsafeMutableRawPointer, UnsafeMutableRawPointer),
        staging: UnsafeMutableRawPointer, into out: UnsafeMutablePointer<Int8>
    ) {
        let taps = UnsafeRawPointer(columnTaps.pointer)
        let width = geometry.destination.width
        let isYUV = geometry.frame.format.isYUV
        let table = UnsafePointer(lookup.typed(Int8.self, count: 3 * 256))
        let affine = self.affine
        for group in 0..<columnGroups {
            let t = taps + group &* 64
            let o0 = Int(t.load(as: Int32.self)), o1 = Int(t.load(fromByteOffset: 4, as: Int32.self))
            let o2 = Int(t.load(fromByteOffset: 8, as: Int32.self)), o3 = Int(t.load(fromByteOffset: 12, as: Int32.self))
            let o4 = Int(t.load(fromByteOffset: 16, as: Int32.self)), o5 = Int(t.load(fromByteOffset: 20, as: Int32.self))
            let o6 = Int(t.load(fromByteOffset: 24, as: Int32.self)), o7 = Int(t.load(fromByteOffset: 28, as: Int32.self))
            let w = t.loadUnaligned(fromByteOffset: 32, as: SIMD8<Int32>.self)
            var s0 = blendColumns(gatherPairs(planes.0, o0, o1, o2, o3, o4, o5, o6, o7), w)
            var s1 = blendColumns(gatherPairs(planes.1, o0, o1, o2, o3, o4, o5, o6, o7), w)
            var s2 = blendColumns(gatherPairs(planes.2, o0, o1, o2, o3, o4, o5, o6, o7), w)
            if isYUV {
                let (r, g, b) = convertToRGB(s0, s1, s2)
                (s0, s1, s2) = swapsRedAndBlue ? (b, g, r) : (r, g, b)
            }
            let first = group &* 8, o = out + first &* 3
            if let affine, first &+ 8 <= width {
                storeInterleaved(affine.0(s0), affine.1(s1), affine.2(s2), to: UnsafeMutableRawPointer(o))
            } else {
                staging.storeBytes(of: s0, as: SIMD8<Int32>.self)
                staging.storeBytes(of: s1, toByteOffset: 32, as: SIMD8<Int32>.self)
                staging.storeBytes(of: s2, toByteOffset: 64, as: SIMD8<Int32>.self)
                let values = staging.assumingMemoryBound(to: Int32.self)
                for i in 0..<min(8, width &- first) {
                    o[3 &* i] = table[Int(values[i])]
                    o[3 &* i &+ 1] = table[256 &+ Int(values[8 &+ i])]
                    o[3 &* i &+ 2] = table[512 &+ Int(values[16 &+ i])]
                }
            }
        }
    }

    /// BT.601 of eight interpolated Y, U, V values.
    @inline(__always)
    private func convertToRGB(_ y: SIMD8<Int32>, _ u: SIMD8<Int32>, _ v: SIMD8<Int32>) -> (SIMD8<Int32>, SIMD8<Int32>, SIMD8<Int32>) {
        let k = coefficients
        let half = SIMD8<Int32>(repeating: 128), low = SIMD8<Int32>(repeating: 0), high = SIMD8<Int32>(repeating: 255)
        let c = (y &- SIMD8(repeating: k.lumaOffset)) &* SIMD8(repeating: k.luma) &+ half
        let d = u &- half, e = v &- half
        let r = (c &+ e &* SIMD8(repeating: k.redV)) &>> 8
        let g = (c &- d &* SIMD8(repeating: k.greenU) &- e &* SIMD8(repeating: k.greenV)) &>> 8
        let b = (c &+ d &* SIMD8(repeating: k.blueU)) &>> 8
        return (minimum(maximum(r, low), high), minimum(maximum(g, low), high), minimum(maximum(b, low), high))
    }

    /// Eight pixels' three channels (each in -128...127), interleaved, as 24 bytes: each pixel
    /// packed into the low three bytes of a 32-bit lane, then the fourth bytes squeezed out.
    @inline(__always)
    private func storeInterleaved(_ a: SIMD8<Int32>, _ b: SIMD8<Int32>, _ c: SIMD8<Int32>, to out: UnsafeMutableRawPointer) {
        let byte = SIMD8<Int32>(repeating: 0xFF)
        let words = unsafeBitCast((a & byte) | ((b & byte) &<< 8) | ((c & byte) &<< 16), to: SIMD32<UInt8>.self)
        let l = words.lowHalf, h = words.highHalf
        let head = SIMD16<UInt8>(l[0], l[1], l[2], l[4], l[5], l[6], l[8], l[9], l[10], l[12], l[13], l[14], h[0], h[1], h[2], h[4])
        let tail = SIMD8<UInt8>(h[5], h[6], h[8], h[9], h[10], h[12], h[13], h[14])
        out.storeBytes(of: head, as: SIMD16<UInt8>.self)
        out.storeBytes(of: tail, toByteOffset: 16, as: SIMD8<UInt8>.self)
    }
}

/// A 256-entry quantization table of 8-bit values `v` in SIMD form:
/// `clamp((m v + o) >> shift, -128, 127)`, equal to the table at every entry. The tables sample an
/// affine map, rounded, so they have this form unless Double rounding breaks ties inconsistently
/// (as normalizations that map pixel values exactly onto half-integers do).
private struct AffineQuantization {
    let multiplier: SIMD8<Int32>
    let offset: SIMD8<Int32>
    let shift: Int32

    /// The form of `table` with the largest shift in 8...20 that has one, or nil.
    init?(_ table: UnsafePointer<Int8>) {
        for shift in stride(from: 20, through: 8, by: -1) {
            if let (m, o) = AffineQuantization.fit(table, shift: shift) {
                multiplier = SIMD8(repeating: m)
                offset = SIMD8(repeating: o)
                self.shift = Int32(shift)
                return
            }
        }
        return nil
    }

    /// Integers `m >= 0`, `o` with `clamp((m v + o) >> shift) == table[v]` for every `v` and
    /// `m * 255 + |o| < 2^31`, or nil. The `(m, o)` that fit form a convex set; the bisection on
    /// `m` moves towards it along the pair of constraints that conflict.
    private static func fit(_ table: UnsafePointer<Int8>, shift: Int) -> (Int32, Int32)? {
        // Int64 throughout: the bounds exceed 32 bits on 32-bit targets.
        let unit = Int64(1) << Int64(shift)
        if (0..<256).allSatisfy({ table[$0] == table[0] }) { return (0, Int32(Int64(table[0]) * unit)) }
        var low: Int64 = 0, high: Int64 = (1 << 31) / 256
        while low <= high {
            let m = (low + high) / 2
            // The tightest lower and upper bounds on o, and the entries they come from.
            var lowerBound = Int64.min, lowerAt = 0, upperBound = Int64.max, upperAt = 0
            for v in 0..<256 {
                let q = Int64(table[v])
                if q > -128 {
                    let bound = q * unit - m * Int64(v)
                    if bound > lowerBound { (lowerBound, lowerAt) = (bound, v) }
                }
                if q < 127 {
                    let bound = (q + 1) * unit - 1 - m * Int64(v)
                    if bound < upperBound { (upperBound, upperAt) = (bound, v) }
                }
            }
            if lowerBound <= upperBound {
                return m * 255 + abs(lowerBound) < 1 << 31 ? (Int32(m), Int32(lowerBound)) : nil
            }
            if upperAt > lowerAt { high = m - 1 } else { low = m + 1 }
        }
        return nil
    }

    /// The table's entries of eight values in 0...255, as Int32.
    @inline(__always)
    func callAsFunction(_ v: SIMD8<Int32>) -> SIMD8<Int32> {
        let q = (v &* multiplier &+ offset) &>> SIMD8(repeating: shift)
        return minimum(maximum(q, SIMD8(repeating: -128)), SIMD8(repeating: 127))
    }
}
