/// The Status reply: the pipeline's figures, the server's, and the asking connection's own.
/// Layout in docs/protocol.md ("Status").
public struct ServerStatus: Equatable, Sendable {
    public var pipeline: PipelineStatus
    /// Since the server started, nanoseconds.
    public var uptimeNanoseconds: UInt64
    /// Connections that have subscribed, and all connections (subscribed or not).
    public var subscribers: Int
    public var connections: Int
    /// The asking connection's frames lost to its full queue, and frames sent to it.
    public var queueDrops: UInt64
    public var framesSent: UInt64

    public init(pipeline: PipelineStatus, uptimeNanoseconds: UInt64, subscribers: Int, connections: Int, queueDrops: UInt64, framesSent: UInt64) {
        self.pipeline = pipeline
        self.uptimeNanoseconds = uptimeNanoseconds
        self.subscribers = subscribers
        self.connections = connections
        self.queueDrops = queueDrops
        self.framesSent = framesSent
    }

    func encode(_ writer: inout WireWriter) {
        precondition(pipeline.extras.count <= WireFormat.maximumStatusExtras, "at most \(WireFormat.maximumStatusExtras) status extras")
        writer.f64(pipeline.framesPerSecond)
        writer.f64(pipeline.latencyP50Milliseconds)
        writer.f64(pipeline.latencyP99Milliseconds)
        writer.u64(pipeline.frames)
        writer.u64(pipeline.drops)
        writer.u64(uptimeNanoseconds)
        writer.u32(UInt32(clamping: subscribers))
        writer.u32(UInt32(clamping: connections))
        writer.u64(queueDrops)
        writer.u64(framesSent)
        writer.u16(UInt16(pipeline.extras.count))
        for field in pipeline.extras {
            writer.string(field.key)
            writer.string(field.value)
        }
    }

    static func decode(_ reader: inout WireReader) throws(ProtocolError) -> ServerStatus {
        let fps = try reader.f64(), p50 = try reader.f64(), p99 = try reader.f64()
        let frames = try reader.u64(), drops = try reader.u64(), uptime = try reader.u64()
        let subscribers = Int(try reader.u32()), connections = Int(try reader.u32())
        let queueDrops = try reader.u64(), framesSent = try reader.u64()
        let count = Int(try reader.u16())
        guard count <= WireFormat.maximumStatusExtras else { throw reader.invalid("\(count) status extras exceed \(WireFormat.maximumStatusExtras)") }
        var extras: [StatusField] = []
        for _ in 0..<count { extras.append(StatusField(try reader.string(), try reader.string())) }
        let pipeline = PipelineStatus(framesPerSecond: fps, latencyP50Milliseconds: p50, latencyP99Milliseconds: p99, frames: frames, drops: drops, extras: extras)
        return ServerStatus(pipeline: pipeline, uptimeNanoseconds: uptime, subscribers: subscribers, connections: connections, queueDrops: queueDrops, framesSent: framesSent)
    }
}
