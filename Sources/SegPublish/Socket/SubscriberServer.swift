import Glibc
import Synchronization

/// Publishes masks to subscribers on a Unix stream socket (docs/protocol.md). Runs its own thread
/// (poll loop); `publish` from the pipeline thread copies the mask once and never waits for a
/// subscriber. Each subscriber has a bounded queue (drop-oldest, counted); clients that accept
/// nothing for `stuckTimeoutSeconds` or break the protocol are disconnected without affecting the
/// others. Thread-safe: `publish` from one thread at a time (the pipeline), the rest from any.
public final class SubscriberServer: Sendable {
    /// What every subscriber is told in Hello; every published mask has its geometry.
    public let model: PublishedModel
    private let handoff: FrameHandoff
    private let shared: PublishedStatistics
    private let thread: Mutex<SubscriberServerThread?>

    /// Binds `path` (removing a stale socket file first, refusing to remove anything else), gives
    /// it `mode` and group `groupID`, and starts serving. `status` is called on the server thread
    /// for each status request and must be thread-safe; `log` is called on the server thread
    /// (connections with their peer credentials, refusals, disconnects).
    public convenience init(path: String, mode: mode_t = 0o660, groupID: gid_t? = nil, model: PublishedModel, settings: SubscriberServerSettings = SubscriberServerSettings(), status: @escaping @Sendable () -> PipelineStatus, log: @escaping @Sendable (String) -> Void) throws(SocketError) {
        try self.init(listener: ListeningSocket(path: path, mode: mode, groupID: groupID), model: model, settings: settings, status: status, log: log)
    }

    /// Serves on an already-listening socket (systemd socket activation: fd 3...), taking
    /// ownership of the descriptor; the socket file is left to whoever created it.
    public convenience init(listeningDescriptor: Int32, model: PublishedModel, settings: SubscriberServerSettings = SubscriberServerSettings(), status: @escaping @Sendable () -> PipelineStatus, log: @escaping @Sendable (String) -> Void) throws(SocketError) {
        try self.init(listener: ListeningSocket(adopting: listeningDescriptor), model: model, settings: settings, status: status, log: log)
    }

    private init(listener: sending ListeningSocket, model: PublishedModel, settings: SubscriberServerSettings, status: @escaping @Sendable () -> PipelineStatus, log: @escaping @Sendable (String) -> Void) throws(SocketError) {
        precondition(model.maskWidth >= 1 && model.maskHeight >= 1 && model.maskWidth * model.maskHeight <= WireFormat.maximumMaskPixels, "mask geometry out of range")
        precondition(!model.classNames.isEmpty && model.classNames.count <= WireFormat.maximumClassCount, "a model has 1...256 classes")
        self.model = model
        let handoff = try FrameHandoff(slotBytes: model.maskWidth * model.maskHeight)
        let shared = PublishedStatistics()
        self.handoff = handoff
        self.shared = shared
        let loop = SubscriberServerLoop(listener: listener, handoff: handoff, shared: shared, settings: settings, model: model, status: status, log: log)
        thread = Mutex(SubscriberServerThread { loop.run() })
    }

    deinit { stop() }

    /// Hands a mask to the subscribers: copies `mask` (row-major class ids, exactly `info.width` x
    /// `info.height`, the model's geometry) into a preallocated buffer and wakes the server
    /// thread. Cheap and non-blocking; does nothing while no one subscribes. If the server thread
    /// has not yet taken the previous frame, that one is replaced (counted as a handoff drop).
    public func publish(mask: UnsafeRawBufferPointer, info: MaskFrameInfo) {
        precondition(info.width == model.maskWidth && info.height == model.maskHeight && mask.count == info.width * info.height, "published masks have the model's geometry")
        handoff.publish(mask: mask, info: info)
    }

    /// Sends Bye to every client, closes the connections and the socket (unlinking a path it
    /// bound) and joins the server thread. Idempotent.
    public func stop() {
        guard let running = thread.withLock({ $0.take() }) else { return }
        handoff.requestStop()
        running.join()
    }

    /// The server's counters as of its last loop iteration.
    public var statistics: SubscriberServerStatistics { shared.load() }
}
