/// How an average pool's int8 values map to real numbers. Input and output may differ in scale and
/// zero point; the output clamp also implements a fused activation.
///
/// A window with `count` counted taps gives `requantize(sum(x - inputZeroPoint), multiplier(count:), output)`.
public struct AveragePoolQuantization: Equatable, Sendable {
    /// Real value of one input step; finite and positive.
    public var inputScale: Double
    public var inputZeroPoint: Int32
    /// Real value of one output step; finite and positive.
    public var outputScale: Double
    /// Output zero point and clamp.
    public var output: OutputQuantization

    public init(inputScale: Double, inputZeroPoint: Int32, outputScale: Double, output: OutputQuantization) {
        self.inputScale = inputScale
        self.inputZeroPoint = inputZeroPoint
        self.outputScale = outputScale
        self.output = output
    }

    /// An output with `outputZeroPoint` whose clamp applies `activation`.
    public init(
        inputScale: Double, inputZeroPoint: Int32, outputScale: Double, outputZeroPoint: Int32,
        activation: FusedActivation = .none
    ) {
        self.init(
            inputScale: inputScale, inputZeroPoint: inputZeroPoint, outputScale: outputScale,
            output: OutputQuantization(zeroPoint: outputZeroPoint, scale: outputScale, activation: activation))
    }

    /// `QuantizedMultiplier(scale: inputScale / (outputScale * count))`, evaluated in that order.
    public func multiplier(count: Int) throws(KernelConfigurationError) -> QuantizedMultiplier {
        do {
            return try QuantizedMultiplier(scale: inputScale / (outputScale * Double(count)))
        } catch {
            throw KernelConfigurationError("outputScale", "inputScale / (outputScale * \(count)) \(error.reason)")
        }
    }

    /// Refuses scales and zero points the kernels cannot take; the largest multiplier is that of one tap.
    func validate() throws(KernelConfigurationError) {
        try require(inputScale.isFinite && inputScale > 0, "inputScale", "must be finite and positive, got \(inputScale)")
        try require(outputScale.isFinite && outputScale > 0, "outputScale", "must be finite and positive, got \(outputScale)")
        try require((-128...127).contains(inputZeroPoint), "inputZeroPoint", "must be in -128...127, got \(inputZeroPoint)")
        try output.validate("output")
        _ = try multiplier(count: 1)
    }
}

/// 2-D average pooling of an NHWC int8 tensor with requantization and an optional fused activation.
///
/// Each output is `requantize(sum(x - inputZeroPoint), quantization.multiplier(count: count), output)`
/// over the window's taps inside the input; `count` is the number of those taps, or with
/// `countIncludePad` (ONNX `count_include_pad`) the taps inside the padded input (padded taps
/// contribute 0 to the sum; a `ceilMode` overhang past the padding never counts). Sums stay exact:
/// at most 256 int8 taps fit Int16, the zero-point correction is added in Int32.
///
/// 64 channels per step while they last, then 16; overlapping windows sum down input columns into
/// the workspace first (as `MaxPool2D` does). Immutable after init: `run` may be called from
/// several threads at once on disjoint `outputRows`, each with its own workspace. `run` allocates
/// nothing and checks nothing.
public final class AveragePool2D: RowSplitKernel {
    public let geometry: Pool2DGeometry
    public let countIncludePad: Bool
    public let quantization: AveragePoolQuantization
    /// Bytes of scratch memory one `run` needs (0 for direct windows).
    public let workspaceByteCount: Int

    private let separable: Bool
    /// Channels rounded up to 16: the workspace's pixel stride, in Int16 sums.
    private let paddedChannels: Int
    /// `multipliers[count]` for counts 1...taps.
    private let multiplierStorage: AlignedBuffer
    private let multipliers: UnsafeMutablePointer<QuantizedMultiplier>

    /// - Throws: `KernelConfigurationError` naming the geometry or quantization parameter the
    ///   kernel cannot take.
    public init(
        _ geometry: Pool2DGeometry, countIncludePad: Bool = false, quantization: AveragePoolQuantization
    ) throws(KernelConfigurationError) {
        try geometry.validate()
        try quantization.validate()
        self.geometry = geometry
        self.countIncludePad = countIncludePad
        self.quantization = quantization
        paddedChannels = (geometry.channels + 15) & ~15
        separable = prefersSeparablePooling(geometry)
        workspaceByteCount = separable ? geometry.inputWidth * paddedChannels * 2 : 0
        let taps = geometry.taps
        multiplierStorage = AlignedBuffer(byteCount: (taps + 1) * MemoryLayout<QuantizedMultiplier>.stride)
        multipliers = multiplierStorage.pointer.bindMemory(to: QuantizedMultiplier.self, capacity: taps + 1)
        multipliers.initialize(to: QuantizedMultiplier(multiplier: 0, rightShift: 1))
        for count in 1...taps {
            (multipliers + count).initialize(to: try quantization.multiplier(count: count))
        }
    }

    /// Output rows over the whole batch (`batch * outputHeight`): the unit `run` splits work in.
    public var outputRowCount: Int { geometry.batch * geometry.outputHeight }

    /// Computes only the output rows `outputRows` (indices into `batch * outputHeight`).
    public func run(
        input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>, workspace: UnsafeMutableRawPointer,
        outputRows: Range<Int>
    ) {
        let g = geometry
        let oh = g.outputHeight, ow = g.outputWidth
        let channels = g.channels, rowBytes = g.inputWidth &* channels
        let zeroPoint = quantization.inputZeroPoint
        let source = UnsafeRawPointer(input), destination = UnsafeMutableRawPointer(output)
        for row in outputRows {
            let b = row / oh, oy = row &- b &* oh
            let rows = g.inputRows(oy)
            let countedRows = countIncludePad ? g.paddedRows(oy).count : rows.count
            let top = source + (b &* g.inputHeight &+ rows.lowerBound) &* rowBytes
            var out = destination + row &* ow &* channels
            if separable {
                sumDownColumns(top, rowCount: rows.count, rowBytes: rowBytes, into: workspace)
            }
            var ox = 0
            while ox < ow {
                let columns = g.inputColumns(ox)
                let countedColumns = countIncludePad ? g.paddedColumns(ox).count : columns.count
                let requantizer = UniformRequantizer(multipliers[countedRows &* countedColumns], quantization.output)
                let correction = SIMD8<Int32>(repeating: 0 &- Int32(truncatingIfNeeded: rows.count &* columns.count) &* zeroPoint)
                if separable {
                    averageWindow(
                        UnsafeRawPointer(workspace) + columns.lowerBound &* paddedChannels &* 2, rowCount: 1, rowBytes: 0,
                        columnCount: columns.count, columnBytes: paddedChannels &* 2, laneBytes: 2,
                        requantizer, correction, into: out, add, add)
                } else {
                    averageWindow(
                        top + columns.lowerBound &* channels, rowCount: rows.count, rowBytes: rowBytes,
                        columnCount: columns.count, columnBytes: channels, laneBytes: 1,
                        requantizer, correction, into: out, widen, widen)
                }
                out += channels
                ox &+= 1
            }
        }
    }

    /// Every input column's Int16 sum over `rowCount` rows from `top`, all `paddedChannels` lanes.
    @inline(__always)
    private func sumDownColumns(_ top: UnsafeRawPointer, rowCount: Int, rowBytes: Int, into workspace: UnsafeMutableRawPointer) {
        let channels = geometry.channels, width = geometry.inputWidth
        var pixel = top, column = workspace
        var x = 0
        while x < width {
            var c = 0
            while c &+ 64 <= paddedChannels {
                let sums: SIMD64<Int16> = reduceWindow(
                    pixel + c, rowCount: rowCount, rowBytes: rowBytes, columnCount: 1, columnBytes: 0, SIMD64(), widen)
                column.storeBytes(of: sums, toByteOffset: c &* 2, as: SIMD64<Int16>.self)
                c &+= 64
            }
            while c < paddedChannels {
                let sums: SIMD16<Int16> = reduceWindow(
                    pixel + c, rowCount: rowCount, rowBytes: rowBytes, columnCount: 1, columnBytes: 0, SIMD16(), widen)
                column.storeBytes(of: sums, toByteOffset: c &* 2, as: SIMD16<Int16>.self)
                c &+= 16
            }
            pixel += channels
            column += paddedChannels &* 2
            x &+= 1
        }
    }

    /// One output pixel: the Int16 sums of a `rowCount` x `columnCount` window from `corner`, whose
    /// taps hold `Tap64` / `Tap16` values (input pixels, or column sums in the workspace), 64
    /// channels at a time while they last, then 16.
    @inline(__always)
    private func averageWindow<Tap64: BitwiseCopyable, Tap16: BitwiseCopyable>(
        _ corner: UnsafeRawPointer, rowCount: Int, rowBytes: Int, columnCount: Int, columnBytes: Int, laneBytes: Int,
        _ requantizer: UniformRequantizer, _ correction: SIMD8<Int32>, into out: UnsafeMutableRawPointer,
        _ add64: (SIMD64<Int16>, Tap64) -> SIMD64<Int16>, _ add16: (SIMD16<Int16>, Tap16) -> SIMD16<Int16>
    ) {
        let channels = geometry.channels
        var c = 0
        while c &+ 64 <= channels {
            let sums = reduceWindow(
                corner + c &* laneBytes, rowCount: rowCount, rowBytes: rowBytes, columnCount: columnCount,
                columnBytes: columnBytes, SIMD64<Int16>(), add64)
            // Lane groups by bit cast: SIMD64's lowHalf / highHalf go lane by lane on some targets.
            let quarters = unsafeBitCast(sums, to: (SIMD16<Int16>, SIMD16<Int16>, SIMD16<Int16>, SIMD16<Int16>).self)
            store(quarters.0, requantizer, correction, channel: c, into: out)
            store(quarters.1, requantizer, correction, channel: c &+ 16, into: out)
            store(quarters.2, requantizer, correction, channel: c &+ 32, into: out)
            store(quarters.3, requantizer, correction, channel: c &+ 48, into: out)
            c &+= 64
        }
        while c < channels {
            let sums = reduceWindow(
                corner + c &* laneBytes, rowCount: rowCount, rowBytes: rowBytes, columnCount: columnCount,
                columnBytes: columnBytes, SIMD16<Int16>(), add16)
            store(sums, requantizer, correction, channel: c, into: out)
            c &+= 16
        }
    }

    /// Requantizes sixteen channels' sums (plus the zero-point correction) and stores those below
    /// `channels`.
    @inline(__always)
    private func store(
        _ sums: SIMD16<Int16>, _ requantizer: UniformRequantizer, _ correction: SIMD8<Int32>,
        channel c: Int, into out: UnsafeMutableRawPointer
    ) {
        let v = requantizer(
            SIMD8<Int32>(signExtending: sums.lowHalf) &+ correction, SIMD8<Int32>(signExtending: sums.highHalf) &+ correction)
        if c &+ 16 <= geometry.channels {
            out.storeBytes(of: v, toByteOffset: c, as: SIMD16<Int8>.self)
        } else {
            storeLeading(v, count: geometry.channels &- c, to: out + c)
        }
    }
}

@inline(__always)
private func widen(_ sums: SIMD64<Int16>, _ v: SIMD64<Int8>) -> SIMD64<Int16> { sums &+ SIMD64<Int16>(signExtending: v) }

@inline(__always)
private func widen(_ sums: SIMD16<Int16>, _ v: SIMD16<Int8>) -> SIMD16<Int16> { sums &+ SIMD16<Int16>(signExtending: v) }

@inline(__always)
private func add(_ sums: SIMD64<Int16>, _ v: SIMD64<Int16>) -> SIMD64<Int16> { sums &+ v }

@inline(__always)
private func add(_ sums: SIMD16<Int16>, _ v: SIMD16<Int16>) -> SIMD16<Int16> { sums &+ v }
