import Synchronization

/// One connection as the server sees it.
public struct SubscriberConnectionStatistics: Equatable, Sendable {
    /// Numbers connections in accept order, from 1.
    public var id: UInt64
    public var peer: PeerCredentials
    /// nil until the client subscribes.
    public var options: SubscriptionOptions?
    public var framesSent: UInt64
    /// Frames dropped from its full queue.
    public var queueDrops: UInt64
}

/// The server's counters, as of its thread's last loop iteration.
public struct SubscriberServerStatistics: Equatable, Sendable {
    public var connections: [SubscriberConnectionStatistics] = []
    /// Connections accepted, refused (admission, server full), and closed for being stuck or for
    /// breaking the protocol, since the server started.
    public var accepted: UInt64 = 0
    public var refused: UInt64 = 0
    public var disconnectedStuck: UInt64 = 0
    public var disconnectedMisbehaving: UInt64 = 0
    /// Queue drops of every subscriber, closed ones included.
    public var queueDrops: UInt64 = 0
    /// Published frames the server thread never took (a newer one replaced it first).
    public var handoffDrops: UInt64 = 0
    /// Frames taken from the pipeline and queued to subscribers.
    public var framesDistributed: UInt64 = 0
    /// CPU time the server thread has used, nanoseconds.
    public var serverThreadCPUNanoseconds: UInt64 = 0

    public init() {}

    public var subscribers: Int { connections.count { $0.options != nil } }
}

/// The latest statistics, stored by the server thread and read by anyone.
final class PublishedStatistics: Sendable {
    private let latest = Mutex(SubscriberServerStatistics())

    func store(_ statistics: SubscriberServerStatistics) { latest.withLock { $0 = statistics } }
    func load() -> SubscriberServerStatistics { latest.withLock { $0 } }
}
