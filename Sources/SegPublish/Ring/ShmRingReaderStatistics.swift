/// Counters a reader keeps since it was created.
public struct ShmRingReaderStatistics: Equatable, Sendable {
    /// Slot reads thrown away because the writer was filling the slot (odd or changed seqlock).
    public var tornRetries: Int = 0
    /// Times the reader mapped a new file at its path (the writer replaced it).
    public var reattachments: Int = 0
    /// Reattachments that found another writer generation: writer restarts seen.
    public var restartsSeen: Int = 0

    public init() {}
}
