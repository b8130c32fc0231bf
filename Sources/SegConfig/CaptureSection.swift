/// Where frames come from (`[capture] source`).
public enum CaptureSourceKind: String, CaseIterable, Hashable, Sendable {
    /// A V4L2 camera (`device`).
    case v4l2
    /// An MJPEG sequence file or a folder of JPEGs (`replay_path`), played at `fps`.
    case replay
    /// Generated colour bars at `width` x `height` and `fps`.
    case pattern
}

/// The camera encoding to ask for (`[capture] format`).
public enum CaptureEncodingChoice: String, CaseIterable, Hashable, Sendable {
    case auto, yuyv, nv12, mjpeg, rgb
}

/// How a frame of another aspect ratio fills the model input (`[capture] framing`).
public enum FramingChoice: String, CaseIterable, Hashable, Sendable {
    /// The largest centred part of the frame with the input's aspect ratio.
    case crop
    /// The whole frame, scaled to fit, with black bars.
    case letterbox
    /// The whole frame, scaled to the whole input (distorts shapes).
    case stretch
}

/// `[capture]`: the frame source and how frames become the model input.
public struct CaptureSection: ConfigSection, Hashable {
    public static let name = "capture"

    /// `source`: "v4l2", "replay" or "pattern" (default "v4l2").
    public var source = CaptureSourceKind.v4l2
    /// `device`: V4L2 device node (default "/dev/video0").
    public var device = "/dev/video0"
    /// `format`: encoding to ask the camera for (default "auto").
    public var format = CaptureEncodingChoice.auto
    /// `width`, `height`: frame size in pixels, 16...8192 (default 640 x 480).
    public var width = 640
    public var height = 480
    /// `fps`: frames per second, greater than 0 and at most 240 (default 30).
    public var fps = 30.0
    /// `buffers`: V4L2 mmap buffers, 4...32 (default 4).
    public var buffers = 4
    /// `framing`: "crop", "letterbox" or "stretch" (default "crop").
    public var framing = FramingChoice.crop
    /// `mjpeg_dct_scaling`: decode MJPEG at 1/2, 1/4 or 1/8 size when the input is that much
    /// smaller (default true).
    public var mjpegDCTScaling = true
    /// `stall_timeout_ms`: silence after which the camera counts as lost, 100...600000 (default 2000).
    public var stallTimeoutMilliseconds = 2000
    /// `reconnect_initial_ms`, `reconnect_max_ms`: backoff between reopen attempts, doubling
    /// from the first to the second, 10...600000 (defaults 250 and 5000).
    public var reconnectInitialMilliseconds = 250
    public var reconnectMaximumMilliseconds = 5000
    /// `replay_path`: MJPEG sequence file or folder of JPEGs for source = "replay" (default "").
    public var replayPath = ""
    /// `replay_loop`: start over at the end instead of stopping (default true).
    public var replayLoop = true

    public init() {}

    public mutating func read(from reader: inout SectionReader) throws(ConfigError) {
        try reader.read("source", into: &source)
        try reader.read("device", into: &device)
        try reader.read("format", into: &format)
        try reader.read("width", into: &width, in: 16...8192)
        try reader.read("height", into: &height, in: 16...8192)
        try reader.read("fps", into: &fps, requirement: "greater than 0 and at most 240") { $0 > 0 && $0 <= 240 }
        try reader.read("buffers", into: &buffers, in: 4...32)
        try reader.read("framing", into: &framing)
        try reader.read("mjpeg_dct_scaling", into: &mjpegDCTScaling)
        try reader.read("stall_timeout_ms", into: &stallTimeoutMilliseconds, in: 100...600_000)
        try reader.read("reconnect_initial_ms", into: &reconnectInitialMilliseconds, in: 10...600_000)
        try reader.read("reconnect_max_ms", into: &reconnectMaximumMilliseconds, in: 10...600_000)
        try reader.read("replay_path", into: &replayPath)
        try reader.read("replay_loop", into: &replayLoop)
        if reconnectMaximumMilliseconds < reconnectInitialMilliseconds {
            throw reader.error(
                "reconnect_max_ms", "must be at least reconnect_initial_ms (\(reconnectInitialMilliseconds)), got \(reconnectMaximumMilliseconds)")
        }
    }
}
