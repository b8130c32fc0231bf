/// What a reader can tell about the writer of the ring file it has mapped.
public enum ShmRingWriterLiveness: Equatable, Sendable, CustomStringConvertible {
    /// The writer is initialising or publishing (its process exists, its heartbeat is fresh).
    case alive(ShmRingWriterState)
    /// The writer shut down cleanly.
    case closed
    /// The writer's process no longer exists (kill(pid, 0) fails with ESRCH): it crashed or was
    /// killed without closing.
    case dead
    /// The heartbeat is older than the reader's limit: the writer hangs, or lives in another
    /// PID namespace and died there.
    case stale(heartbeatAgeNanoseconds: UInt64)

    /// Whether a writer still owns the file.
    public var isAlive: Bool {
        if case .alive = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .alive(let state): state == .running ? "running" : "starting"
        case .closed: "closed"
        case .dead: "dead"
        case .stale(let age): "stale (heartbeat \(age / 1_000_000) ms old)"
        }
    }
}
