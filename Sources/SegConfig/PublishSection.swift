/// `[publish]`: where masks go — the shared-memory ring and the subscriber socket.
public struct PublishSection: ConfigSection, Hashable {
    public static let name = "publish"

    /// `ring_path`: the shared-memory ring file (default "/run/segd/masks.ring", in the
    /// service's RuntimeDirectory). Empty: no ring.
    public var ringPath = "/run/segd/masks.ring"
    /// `ring_slots`: masks the ring holds, 2...64 (default 4).
    public var ringSlots = 4
    /// `socket_path`: the subscriber socket (default "/run/segd.sock"). Empty: no socket
    /// (unless systemd passes one).
    public var socketPath = "/run/segd.sock"
    /// `socket_mode`: the socket file's permissions, octal digits as a string (default "0660").
    public var socketMode = 0o660
    /// `socket_group`: group owning the socket file, a name or a number (default "": the
    /// service's own group).
    public var socketGroup = ""
    /// `allowed_uids`, `allowed_gids`: when either is non-empty, only peers with a listed user or
    /// group id (SO_PEERCRED) may subscribe (default: everyone the socket mode lets in).
    public var allowedUIDs: [Int] = []
    public var allowedGIDs: [Int] = []
    /// `subscriber_queue`: frames queued per subscriber before the oldest is dropped, 1...64
    /// (default 4).
    public var subscriberQueue = 4
    /// `subscriber_timeout_ms`: a subscriber that accepts no bytes for this long while frames
    /// wait is disconnected, 100...600000 (default 5000).
    public var subscriberTimeoutMilliseconds = 5000

    public init() {}

    public mutating func read(from reader: inout SectionReader) throws(ConfigError) {
        try reader.read("ring_path", into: &ringPath)
        try reader.read("ring_slots", into: &ringSlots, in: 2...64)
        try reader.read("socket_path", into: &socketPath)
        var mode = String(socketMode, radix: 8)
        try reader.read("socket_mode", into: &mode)
        guard let parsed = Int(mode, radix: 8), mode.count <= 4, (0...0o777).contains(parsed) else {
            throw reader.error("socket_mode", "must be octal permissions such as \"0660\", got \"\(mode)\"")
        }
        socketMode = parsed
        try reader.read("socket_group", into: &socketGroup)
        try reader.read("allowed_uids", into: &allowedUIDs, in: 0...0xFFFF_FFFE)
        try reader.read("allowed_gids", into: &allowedGIDs, in: 0...0xFFFF_FFFE)
        try reader.read("subscriber_queue", into: &subscriberQueue, in: 1...64)
        try reader.read("subscriber_timeout_ms", into: &subscriberTimeoutMilliseconds, in: 100...600_000)
    }
}
