/// 2-D max pooling of an NHWC int8 tensor; the output keeps the input's scale and zero point.
///
/// 64 channels per step while they last, then 16. Windows whose rows overlap (stride below
/// kernel) first take the maximum down each input column into the workspace, then across it
/// (`kernelHeight * strideWidth + kernelWidth` steps per output instead of
/// `kernelHeight * kernelWidth`); other windows are taken directly. Immutable after init: `run`
/// may be called from several threads at once on disjoint `outputRows`, each with its own
/// workspace. `run` allocates nothing and checks nothing.
public final class MaxPool2D: RowSplitKernel {
    public let geometry: Pool2DGeometry
    /// Bytes of scratch memory one `run` needs (0 for direct windows).
    public let workspaceByteCount: Int

    private let separable: Bool
    /// Channels rounded up to 16: the workspace's pixel stride.
    private let paddedChannels: Int

    /// - Throws: `KernelConfigurationError` naming the geometry parameter the kernel cannot take.
    public init(_ geometry: Pool2DGeometry) throws(KernelConfigurationError) {
        try geometry.validate()
        self.geometry = geometry
        paddedChannels = (geometry.channels + 15) & ~15
        separable = prefersSeparablePooling(geometry)
        workspaceByteCount = separable ? geometry.inputWidth * paddedChannels : 0
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
        let source = UnsafeRawPointer(input), destination = UnsafeMutableRawPointer(output)
        for row in outputRows {
            let b = row / oh, rows = g.inputRows(row &- b &* oh)
            let top = source + (b &* g.inputHeight &+ rows.lowerBound) &* rowBytes
            var out = destination + row &* ow &* channels
            if separable {
                maxDownColumns(top, rowCount: rows.count, rowBytes: rowBytes, into: workspace)
            }
            var ox = 0
            while ox < ow {
                let columns = g.inputColumns(ox)
                if separable {
                    maxOverWindow(
                        UnsafeRawPointer(workspace) + columns.lowerBound &* paddedChannels, rowCount: 1, rowBytes: 0,
                        columnCount: columns.count, columnBytes: paddedChannels, into: out)
                } else {
                    maxOverWindow(
                        top + columns.lowerBound &* channels, rowCount: rows.count, rowBytes: rowBytes,
                        columnCount: columns.count, columnBytes: channels, into: out)
                }
                out += channels
                ox &+= 1
            }
        }
    }

    /// Every input column's maximum over `rowCount` rows from `top`, all `paddedChannels` lanes.
    @inline(__always)
    private func maxDownColumns(_ top: UnsafeRawPointer, rowCount: Int, rowBytes: Int, into workspace: UnsafeMutableRawPointer) {
        let channels = geometry.channels, width = geometry.inputWidth
        var pixel = top, column = workspace
        var x = 0
        while x < width {
            var c = 0
            while c &+ 64 <= paddedChannels {
                let v: SIMD64<Int8> = reduceWindow(
                    pixel + c, rowCount: rowCount, rowBytes: rowBytes, columnCount: 1, columnBytes: 0,
                    SIMD64(repeating: .min), maximum)
                column.storeBytes(of: v, toByteOffset: c, as: SIMD64<Int8>.self)
                c &+= 64
            }
            while c < paddedChannels {
                let v: SIMD16<Int8> = reduceWindow(
                    pixel + c, rowCount: rowCount, rowBytes: rowBytes, columnCount: 1, columnBytes: 0,
                    SIMD16(repeating: .min), maximum)
                column.storeBytes(of: v, toByteOffset: c, as: SIMD16<Int8>.self)
                c &+= 16
            }
            pixel += channels
            column += paddedChannels
            x &+= 1
        }
    }

    /// One output pixel: the maximum over a `rowCount` x `columnCount` window from `corner`, 64
    /// channels at a time while they last, then 16.
    @inline(__always)
    private func maxOverWindow(
        _ corner: UnsafeRawPointer, rowCount: Int, rowBytes: Int, columnCount: Int, columnBytes: Int,
        into out: UnsafeMutableRawPointer
    ) {
        let channels = geometry.channels
        var c = 0
        while c &+ 64 <= channels {
            let v: SIMD64<Int8> = reduceWindow(
                corner + c, rowCount: rowCount, rowBytes: rowBytes, columnCount: columnCount, columnBytes: columnBytes,
                SIMD64(repeating: .min), maximum)
            out.storeBytes(of: v, toByteOffset: c, as: SIMD64<Int8>.self)
            c &+= 64
        }
        while c < channels {
            let v: SIMD16<Int8> = reduceWindow(
                corner + c, rowCount: rowCount, rowBytes: rowBytes, columnCount: columnCount, columnBytes: columnBytes,
                SIMD16(repeating: .min), maximum)
            if c &+ 16 <= channels {
                out.storeBytes(of: v, toByteOffset: c, as: SIMD16<Int8>.self)
            } else {
                storeLeading(v, count: channels &- c, to: out + c)
            }
            c &+= 16
        }
    }
}
