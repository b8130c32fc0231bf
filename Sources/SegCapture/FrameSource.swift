/// The encodings a frame source delivers. The raw ones map one to one onto SegKernels'
/// `PixelFormat`; MJPEG frames are whole JPEG images, decoded by `MJPEGDecoder`.
public enum CaptureFormat: String, Sendable, Equatable, CaseIterable, CustomStringConvertible {
    case yuyv, nv12, rgb24, bgr24, mjpeg

    public var description: String { rawValue }
}

/// What a frame source delivers once it is open: encoding, size, row layout and nominal rate.
public struct SourceFormat: Equatable, Sendable, CustomStringConvertible {
    public var format: CaptureFormat
    /// Pixels per row.
    public var width: Int
    /// Rows.
    public var height: Int
    /// Bytes from one row of the first plane to the next (V4L2 `bytesperline`); 0 for MJPEG.
    public var rowStride: Int
    /// NV12: bytes from one row of the UV plane to the next (the plane follows the Y plane in the
    /// same buffer, at `rowStride * height`). Ignored by the other encodings.
    public var chromaRowStride: Int
    /// Nominal frames per second (what the device accepted, or the replay rate).
    public var fps: Double

    /// A format whose rows are packed without padding unless strides are given.
    public init(format: CaptureFormat, width: Int, height: Int, rowStride: Int? = nil, chromaRowStride: Int? = nil, fps: Double) {
        self.format = format
        self.width = width
        self.height = height
        let bytesPerPixel = switch format {
        case .yuyv: 2
        case .nv12: 1
        case .rgb24, .bgr24: 3
        case .mjpeg: 0
        }
        self.rowStride = rowStride ?? width * bytesPerPixel
        self.chromaRowStride = chromaRowStride ?? (format == .nv12 ? self.rowStride : 0)
        self.fps = fps
    }

    public var description: String {
        let rate = (fps * 100).rounded() / 100
        return "\(format) \(width)x\(height) @ \(rate) fps"
    }
}

/// One frame, lent by its source for the duration of a `FrameSource.nextFrame` callback: `bytes`
/// points into the source's buffer (a V4L2 mmap buffer, a replay file's mapping) and must not be
/// used after the callback returns.
public struct CapturedFrame {
    /// The layout of `bytes`.
    public var format: SourceFormat
    /// The frame's bytes as the device filled them (`bytesused`): for MJPEG a JPEG image, possibly
    /// truncated or followed by padding.
    public var bytes: UnsafeRawBufferPointer
    /// The source's frame counter; a gap means frames were lost before they reached segd.
    public var sequence: UInt64
    /// When the frame was captured, CLOCK_MONOTONIC nanoseconds.
    public var timestampNanoseconds: UInt64

    public init(format: SourceFormat, bytes: UnsafeRawBufferPointer, sequence: UInt64, timestampNanoseconds: UInt64) {
        self.format = format
        self.bytes = bytes
        self.sequence = sequence
        self.timestampNanoseconds = timestampNanoseconds
    }
}

/// Counters of one source since it was created.
public struct CaptureStatistics: Equatable, Sendable {
    /// Frames handed to the consumer.
    public var frames: Int = 0
    /// Frames lost before they were handed over, from gaps in the sequence numbers.
    public var dropped: Int = 0
    /// Waits that ended without a frame.
    public var timeouts: Int = 0
    /// Times the device was lost (unplugged, failing or silent) and then opened again.
    public var reconnects: Int = 0

    public init() {}
}

/// A camera or a stand-in for one. One thread at a time drives a source; `nextFrame` lends each
/// frame to a callback and takes the buffer back as soon as it returns, so a source never waits
/// on its consumer for buffers.
public protocol FrameSource: AnyObject {
    /// What the source delivers.
    var format: SourceFormat { get }
    /// Counters since the source was created.
    var statistics: CaptureStatistics { get }
    /// Waits up to `timeoutMilliseconds` for the next frame and calls `consume` with it.
    /// - Returns: false when no frame came in time (counted in `statistics.timeouts`).
    /// - Throws: `CaptureError` when the source failed or ended; the source is then unusable.
    func nextFrame(timeoutMilliseconds: Int, _ consume: (CapturedFrame) -> Void) throws(CaptureError) -> Bool
}
