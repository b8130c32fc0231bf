import SegKernels

/// A camera stand-in that needs nothing: eight vertical colour bars (white, yellow, cyan, green,
/// magenta, red, blue, black) with a grey square moving across them, so that consecutive frames
/// differ, at a set size, encoding (YUYV, NV12, RGB24, BGR24; YUV in BT.601 limited range) and
/// rate.
///
/// The bars are drawn once at init; each frame is a copy of them with the square drawn in, made
/// in a buffer the source owns (with `AlignedBuffer.kernelTailPadding` bytes after it), so
/// `nextFrame` allocates nothing. One thread drives it (`FrameSource`).
public final class TestPatternSource: FrameSource {
    public let format: SourceFormat
    public private(set) var statistics = CaptureStatistics()

    private let bars: AlignedBuffer
    private let frame: AlignedBuffer
    private let byteCount: Int
    private var pacer: FramePacer
    private var sequence: UInt64 = 0

    private static let barColours: [(UInt8, UInt8, UInt8)] = [
        (255, 255, 255), (255, 255, 0), (0, 255, 255), (0, 255, 0), (255, 0, 255), (255, 0, 0), (0, 0, 255), (0, 0, 0),
    ]
    private static let squareColour: (UInt8, UInt8, UInt8) = (128, 128, 128)

    /// - Parameters:
    ///   - format: `.yuyv`, `.nv12`, `.rgb24` or `.bgr24`; rows are packed.
    ///   - width, height: in 2...16384, even (YUV formats need even sizes).
    ///   - fps: frames per second, paced on CLOCK_MONOTONIC.
    /// - Throws: `CaptureError.unsupported` for MJPEG or a size or rate it cannot make.
    public init(format: CaptureFormat, width: Int, height: Int, fps: Double) throws(CaptureError) {
        let device = "test pattern"
        guard format != .mjpeg else {
            throw CaptureError.unsupported(device: device, requested: "\(format)", offered: "yuyv, nv12, rgb24, bgr24")
        }
        guard (2...16384).contains(width), (2...16384).contains(height), width % 2 == 0, height % 2 == 0 else {
            throw CaptureError.unsupported(device: device, requested: "\(width)x\(height)", offered: "even sizes in 2...16384")
        }
        guard fps.isFinite, fps > 0, fps <= 1000 else {
            throw CaptureError.unsupported(device: device, requested: "\(fps) fps", offered: "rates in (0, 1000] fps")
        }
        self.format = SourceFormat(format: format, width: width, height: height, fps: fps)
        byteCount = format == .nv12 ? width * height * 3 / 2 : height * self.format.rowStride
        bars = AlignedBuffer(byteCount: byteCount)
        frame = AlignedBuffer(byteCount: byteCount)
        pacer = FramePacer(fps: fps)
        for (index, colour) in TestPatternSource.barColours.enumerated() {
            let left = (index * width / 8) & ~1, right = ((index + 1) * width / 8) & ~1
            fill(bars, x: left, y: 0, width: (index == 7 ? width : right) - left, height: height, colour: colour)
        }
    }

    public func nextFrame(timeoutMilliseconds: Int, _ consume: (CapturedFrame) -> Void) throws(CaptureError) -> Bool {
        guard let timestamp = pacer.waitForNextFrame(timeoutMilliseconds: timeoutMilliseconds) else {
            statistics.timeouts &+= 1
            return false
        }
        frame.pointer.copyMemory(from: bars.pointer, byteCount: byteCount)
        // A square a quarter of the height, moving right a 64th of the width a frame, wrapping.
        let side = max(2, (format.height / 4) & ~1)
        let span = max(2, format.width - side)
        let step = max(2, (format.width / 64) & ~1)
        let x = Int((sequence &* UInt64(step)) % UInt64(span)) & ~1
        fill(frame, x: x, y: ((format.height - side) / 2) & ~1, width: min(side, format.width - x), height: side, colour: TestPatternSource.squareColour)
        let bytes = UnsafeRawBufferPointer(start: frame.pointer, count: byteCount)
        consume(CapturedFrame(format: format, bytes: bytes, sequence: sequence, timestampNanoseconds: timestamp))
        sequence &+= 1
        statistics.frames &+= 1
        return true
    }

    /// Paints a rectangle (even `x`, `y`, `width`, `height`) of `buffer`, in the source's
    /// encoding.
    private func fill(_ buffer: AlignedBuffer, x: Int, y: Int, width: Int, height: Int, colour: (UInt8, UInt8, UInt8)) {
        let pixels = buffer.typed(UInt8.self, count: byteCount)
        let stride = format.rowStride
        let yuv = RGBToYUV.colour(red: Int(colour.0), green: Int(colour.1), blue: Int(colour.2))
        for row in y..<(y + height) {
            let line = pixels + row * stride
            for column in x..<(x + width) {
                switch format.format {
                case .yuyv:
                    line[column * 2] = yuv.y
                    line[column * 2 + 1] = column % 2 == 0 ? yuv.u : yuv.v
                case .nv12:
                    line[column] = yuv.y
                    if row % 2 == 0 {
                        pixels[stride * format.height + (row / 2) * stride + column] = column % 2 == 0 ? yuv.u : yuv.v
                    }
                case .rgb24:
                    (line[column * 3], line[column * 3 + 1], line[column * 3 + 2]) = colour
                case .bgr24:
                    (line[column * 3], line[column * 3 + 1], line[column * 3 + 2]) = (colour.2, colour.1, colour.0)
                case .mjpeg:
                    preconditionFailure("TestPatternSource makes no MJPEG")
                }
            }
        }
    }
}
