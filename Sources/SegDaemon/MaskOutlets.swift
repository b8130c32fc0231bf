import Glibc
import SegCapture
import SegConfig
import SegPublish

/// Where the pipeline sends each mask: the shared-memory ring and the subscriber socket of
/// `[publish]`, either of which may be off (an empty path). `publish` and `idle` are called from
/// one thread (the pipeline's); the socket server runs its own thread.
public final class MaskOutlets {
    public let ring: ShmRingWriter?
    public let server: SubscriberServer?
    public let figures: PipelineFigures
    public let model: PublishedModel

    /// Creates the ring (replacing a stale file) and the socket server: on `listeningDescriptor`
    /// when systemd passed one, else bound at `publish.socket_path`.
    public init(
        _ section: PublishSection, model: PublishedModel, listeningDescriptor: Int32? = nil, figures: PipelineFigures = PipelineFigures(),
        serverName: String = "segd", log: @escaping @Sendable (String) -> Void
    ) throws {
        self.model = model
        self.figures = figures
        ring = section.ringPath.isEmpty ? nil : try ShmRingWriter(path: section.ringPath, model: model, slotCount: section.ringSlots)
        let settings = SubscriberServerSettings(
            serverName: serverName, ringPath: section.ringPath.isEmpty ? nil : section.ringPath,
            queueCapacity: section.subscriberQueue, stuckTimeoutSeconds: Double(section.subscriberTimeoutMilliseconds) / 1000,
            admission: PeerAdmission(userIDs: section.allowedUIDs.map(UInt32.init), groupIDs: section.allowedGIDs.map(UInt32.init)))
        if let listeningDescriptor {
            server = try SubscriberServer(
                listeningDescriptor: listeningDescriptor, model: model, settings: settings, status: { figures.status() }, log: log)
        } else if section.socketPath.isEmpty {
            server = nil
        } else {
            server = try SubscriberServer(
                path: section.socketPath, mode: mode_t(section.socketMode), groupID: try groupID(section.socketGroup), model: model,
                settings: settings, status: { figures.status() }, log: log)
        }
    }

    /// Publishes one mask to the ring, then to the subscribers.
    public func publish(mask: UnsafeRawBufferPointer, info: MaskFrameInfo) {
        ring?.publish(mask: mask, info: info)
        server?.publish(mask: mask, info: info)
        figures.recordPublish(captureTimestampNanoseconds: info.captureTimestampNanoseconds)
    }

    /// Keeps the ring's heartbeat going while no frames come (a camera reconnecting).
    public func idle() { ring?.heartbeat() }

    /// Says goodbye to subscribers and marks the ring closed.
    public func close() {
        server?.stop()
        ring?.close()
    }
}

/// `socket_group` as a gid: nil for "" (the process's own group), a number, or a group name.
private func groupID(_ group: String) throws(DaemonError) -> gid_t? {
    if group.isEmpty { return nil }
    if let number = gid_t(group) { return number }
    guard let entry = getgrnam(group) else { throw DaemonError("publish.socket_group: no group named \(group)") }
    return entry.pointee.gr_gid
}
