/// The pipeline's figures that a status reply carries; the daemon supplies them through the
/// server's status provider.
public struct PipelineStatus: Equatable, Sendable {
    /// Frames published per second, recently.
    public var framesPerSecond: Double
    /// Capture-to-publish latency percentiles, milliseconds.
    public var latencyP50Milliseconds: Double
    public var latencyP99Milliseconds: Double
    /// Frames published since the pipeline started.
    public var frames: UInt64
    /// Frames the pipeline dropped (camera frames replaced before inference, and the like).
    public var drops: UInt64
    /// Anything else, in the order given (e.g. `latency.capture_ms`, `quantization.calibration`).
    public var extras: [StatusField]

    public init(framesPerSecond: Double = 0, latencyP50Milliseconds: Double = 0, latencyP99Milliseconds: Double = 0, frames: UInt64 = 0, drops: UInt64 = 0, extras: [StatusField] = []) {
        self.framesPerSecond = framesPerSecond
        self.latencyP50Milliseconds = latencyP50Milliseconds
        self.latencyP99Milliseconds = latencyP99Milliseconds
        self.frames = frames
        self.drops = drops
        self.extras = extras
    }
}
