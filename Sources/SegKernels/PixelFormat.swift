/// How a camera frame's bytes hold its pixels (the V4L2 formats segd captures).
public enum PixelFormat: Sendable, Equatable, CustomStringConvertible {
    /// YUV 4:2:2, packed `Y0 U0 Y1 V0` (V4L2_PIX_FMT_YUYV): 2 bytes per pixel, one U/V pair per two
    /// horizontally adjacent pixels. The frame width must be even.
    case yuyv
    /// YUV 4:2:0 (V4L2_PIX_FMT_NV12): a plane of 1-byte Y samples, then a plane of interleaved
    /// `U V` pairs at half width and half height, with its own pointer and row stride. Width and
    /// height must be even.
    case nv12
    /// Packed `R G B`, 3 bytes per pixel (V4L2_PIX_FMT_RGB24).
    case rgb24
    /// Packed `B G R`, 3 bytes per pixel (V4L2_PIX_FMT_BGR24).
    case bgr24

    /// Bytes of one pixel in the first (or only) plane.
    public var bytesPerPixel: Int {
        switch self {
        case .yuyv: 2
        case .nv12: 1
        case .rgb24, .bgr24: 3
        }
    }

    /// Whether the samples are Y, U, V (BT.601) rather than R, G, B.
    public var isYUV: Bool { self == .yuyv || self == .nv12 }

    public var description: String {
        switch self {
        case .yuyv: "yuyv"
        case .nv12: "nv12"
        case .rgb24: "rgb24"
        case .bgr24: "bgr24"
        }
    }
}

/// The range of BT.601 YUV samples.
public enum YUVRange: Sendable, Equatable, CustomStringConvertible {
    /// Y in 16...235, U and V in 16...240 (studio swing, the V4L2 default for YUV).
    case limited
    /// Y, U and V in 0...255 (JPEG / JFIF).
    case full

    public var description: String { self == .limited ? "limited" : "full" }
}

/// The order of the three channels in a model input pixel.
public enum ChannelOrder: Sendable, Equatable, CustomStringConvertible {
    case rgb, bgr

    public var description: String { self == .rgb ? "rgb" : "bgr" }
}

/// A rectangle of whole pixels: columns `x ..< x + width`, rows `y ..< y + height`.
public struct PixelRect: Equatable, Sendable {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    /// The largest rectangle with the aspect ratio of `contentWidth x contentHeight` that fits in
    /// `outputWidth x outputHeight`, centred (sizes rounded to the nearest pixel, the spare pixel of
    /// an odd margin at the bottom / right): the destination of a letterboxed resize.
    public static func letterbox(contentWidth: Int, contentHeight: Int, outputWidth: Int, outputHeight: Int) -> PixelRect {
        if contentWidth * outputHeight >= contentHeight * outputWidth {
            let height = max(1, (2 * contentHeight * outputWidth + contentWidth) / (2 * contentWidth))
            return PixelRect(x: 0, y: (outputHeight - height) / 2, width: outputWidth, height: height)
        }
        let width = max(1, (2 * contentWidth * outputHeight + contentHeight) / (2 * contentHeight))
        return PixelRect(x: (outputWidth - width) / 2, y: 0, width: width, height: outputHeight)
    }
}

/// The layout of one camera frame in memory. The frame's first plane starts at a pointer the
/// caller passes at run time and spans `(height - 1) * rowStride + width * format.bytesPerPixel`
/// bytes; NV12's UV plane starts at its own pointer and spans
/// `(height / 2 - 1) * chromaRowStride + width` bytes. Kernels may read up to
/// `AlignedBuffer.kernelTailPadding` bytes past the end of each plane.
public struct FrameLayout: Equatable, Sendable {
    public var format: PixelFormat
    /// Pixels per row.
    public var width: Int
    /// Rows.
    public var height: Int
    /// Bytes from one row of the first plane to the next (V4L2 `bytesperline`).
    public var rowStride: Int
    /// Bytes from one row of NV12's UV plane to the next; ignored by the other formats.
    public var chromaRowStride: Int
    /// How Y, U and V map to R, G, B; ignored by the RGB formats.
    public var range: YUVRange

    /// A frame whose rows are packed without padding unless strides are given.
    public init(
        format: PixelFormat, width: Int, height: Int, rowStride: Int? = nil, chromaRowStride: Int? = nil,
        range: YUVRange = .limited
    ) {
        self.format = format
        self.width = width
        self.height = height
        self.rowStride = rowStride ?? width * format.bytesPerPixel
        self.chromaRowStride = chromaRowStride ?? width
        self.range = range
    }

    /// Refuses frames the conversion cannot take, naming the parameter.
    func validate() throws(KernelConfigurationError) {
        try require((1...16384).contains(width), "frame.width", "must be in 1...16384, got \(width)")
        try require((1...16384).contains(height), "frame.height", "must be in 1...16384, got \(height)")
        if format.isYUV {
            try require(width % 2 == 0, "frame.width", "must be even for \(format) (U/V pairs span two pixels), got \(width)")
        }
        if format == .nv12 {
            try require(height % 2 == 0, "frame.height", "must be even for nv12 (the UV plane has half the rows), got \(height)")
        }
        let rowBytes = width * format.bytesPerPixel
        try require(
            rowStride >= rowBytes && rowStride <= 1 << 20, "frame.rowStride",
            "must be in \(rowBytes)...\(1 << 20) (width * \(format.bytesPerPixel) bytes at least), got \(rowStride)")
        try require(
            Int64(height) * Int64(rowStride) <= Int64(Int.max), "frame.rowStride",
            "makes a frame of \(height) rows larger than this address space, got \(rowStride)")
        if format == .nv12 {
            try require(
                chromaRowStride >= width && chromaRowStride <= 1 << 20, "frame.chromaRowStride",
                "must be in \(width)...\(1 << 20) (width bytes of U V pairs at least), got \(chromaRowStride)")
            try require(
                Int64(height / 2) * Int64(chromaRowStride) <= Int64(Int.max), "frame.chromaRowStride",
                "makes a UV plane of \(height / 2) rows larger than this address space, got \(chromaRowStride)")
        }
    }
}
