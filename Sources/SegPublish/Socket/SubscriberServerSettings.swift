/// How a `SubscriberServer` treats its clients.
public struct SubscriberServerSettings: Equatable, Sendable {
    /// Named in Hello.
    public var serverName: String
    public var serverVersion: String
    /// The shared-memory ring with the same masks, announced in Hello; nil when there is none.
    public var ringPath: String?
    /// Frames queued per subscriber beyond the one being sent; older ones are dropped and counted.
    public var queueCapacity: Int
    /// A client with output pending that accepts no byte for this long is disconnected, seconds.
    public var stuckTimeoutSeconds: Double
    /// Connections beyond this are answered Error `serverFull` and closed.
    public var maximumConnections: Int
    /// Which peers may connect (SO_PEERCRED); the default admits everyone the socket mode lets in.
    public var admission: PeerAdmission

    public init(serverName: String = "segd", serverVersion: String = "0", ringPath: String? = nil, queueCapacity: Int = 4, stuckTimeoutSeconds: Double = 10, maximumConnections: Int = 64, admission: PeerAdmission = PeerAdmission()) {
        precondition(queueCapacity >= 1, "queueCapacity is at least 1")
        precondition(stuckTimeoutSeconds > 0, "stuckTimeoutSeconds is positive")
        precondition(maximumConnections >= 1, "maximumConnections is at least 1")
        self.serverName = serverName
        self.serverVersion = serverVersion
        self.ringPath = ringPath
        self.queueCapacity = queueCapacity
        self.stuckTimeoutSeconds = stuckTimeoutSeconds
        self.maximumConnections = maximumConnections
        self.admission = admission
    }
}
