/// Which frame source to open and how to keep it going: what the `[capture]` configuration
/// section says, in SegCapture's own types.
public struct FrameSourceSettings: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        /// A V4L2 camera at `device`, negotiated from `request`, with `buffers` mmap buffers.
        case v4l2(device: String, request: CaptureRequest, buffers: Int)
        /// An MJPEG sequence file or a folder of JPEGs played at `fps`, looping or once.
        case replay(path: String, fps: Double, loop: Bool)
        /// Generated colour bars.
        case pattern(format: CaptureFormat, width: Int, height: Int, fps: Double)
    }

    public var kind: Kind
    /// Silence after which an open source counts as lost and is reopened.
    public var stallMilliseconds: Int
    public var backoff: ReconnectBackoff

    public init(kind: Kind, stallMilliseconds: Int, backoff: ReconnectBackoff) {
        self.kind = kind
        self.stallMilliseconds = stallMilliseconds
        self.backoff = backoff
    }

    /// The device path, file or pattern name, for logs and errors.
    public var name: String {
        switch kind {
        case .v4l2(let device, _, _): device
        case .replay(let path, _, _): path
        case .pattern(let format, let width, let height, _): "pattern(\(format) \(width)x\(height))"
        }
    }

    /// Opens the source, wrapped so that it reopens itself after an unplug or a stall.
    /// - Parameter report: called on the capture thread for each `CaptureEvent`.
    public func open(report: @escaping (CaptureEvent) -> Void) throws(CaptureError) -> ReconnectingFrameSource {
        let kind = kind
        return try ReconnectingFrameSource(name: name, stallMilliseconds: stallMilliseconds, backoff: backoff, report: report) {
            () throws(CaptureError) -> any FrameSource in
            switch kind {
            case .v4l2(let device, let request, let buffers):
                try V4L2Source(path: device, request: request, bufferCount: buffers)
            case .replay(let path, let fps, let loop):
                try ReplaySource(path: path, fps: fps, loop: loop)
            case .pattern(let format, let width, let height, let fps):
                try TestPatternSource(format: format, width: width, height: height, fps: fps)
            }
        }
    }
}
