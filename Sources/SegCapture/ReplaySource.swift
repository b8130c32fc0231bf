/// A camera stand-in that plays JPEG frames as an MJPEG camera delivers them: an MJPEG sequence
/// file (concatenated JPEGs, such as `scripts/make-replay-clip.sh` makes) or a folder of `.jpg` /
/// `.jpeg` files (in name order), at a fixed rate, once or in a loop.
///
/// Everything is read and indexed at init; `nextFrame` lends the frame straight from that memory
/// and allocates nothing. One thread drives it (`FrameSource`).
public final class ReplaySource: FrameSource {
    /// MJPEG at the frames' size and the replay rate.
    public let format: SourceFormat
    public private(set) var statistics = CaptureStatistics()
    /// The file or folder played.
    public let path: String
    /// Whether it starts again after the last frame.
    public let loops: Bool
    /// Frames in the clip.
    public var frameCount: Int { clip.frames.count }

    private let clip: ReplayClip
    private var pacer: FramePacer
    private var next = 0
    private var sequence: UInt64 = 0

    /// Opens and indexes `path`.
    /// - Parameters:
    ///   - fps: frames per second, paced on CLOCK_MONOTONIC.
    ///   - loop: play again from the first frame after the last; otherwise `nextFrame` throws
    ///     `CaptureError.endOfStream` then.
    /// - Throws: `CaptureError.unusable` naming the file and the reason: missing, empty, no JPEG
    ///   frames, frames of different sizes, a folder file that is not a JPEG image.
    public init(path: String, fps: Double, loop: Bool) throws(CaptureError) {
        guard fps.isFinite, fps > 0, fps <= 1000 else {
            throw CaptureError.unusable(device: path, reason: "replay rate must be in (0, 1000] fps, got \(fps)")
        }
        clip = try ReplayClip(path: path)
        self.path = path
        loops = loop
        pacer = FramePacer(fps: fps)
        format = SourceFormat(format: .mjpeg, width: clip.width, height: clip.height, fps: fps)
    }

    public func nextFrame(timeoutMilliseconds: Int, _ consume: (CapturedFrame) -> Void) throws(CaptureError) -> Bool {
        if next == clip.frames.count {
            guard loops else { throw CaptureError.endOfStream(device: path) }
            next = 0
        }
        guard let timestamp = pacer.waitForNextFrame(timeoutMilliseconds: timeoutMilliseconds) else {
            statistics.timeouts &+= 1
            return false
        }
        let range = clip.frames[next]
        next &+= 1
        let bytes = UnsafeRawBufferPointer(start: clip.base + range.lowerBound, count: range.count)
        consume(CapturedFrame(format: format, bytes: bytes, sequence: sequence, timestampNanoseconds: timestamp))
        clip.release(range)
        sequence &+= 1
        statistics.frames &+= 1
        return true
    }
}
