/// The constants of the subscriber wire protocol (docs/protocol.md): header layout, versions, limits.
public enum WireFormat {
    /// Bytes before every payload: type u16, flags u16, payload length u32, all little-endian.
    public static let headerLength = 8
    /// The oldest and newest protocol versions this implementation speaks.
    public static let minimumVersion: UInt16 = 1
    public static let maximumVersion: UInt16 = 1
    /// The largest payload a server accepts from a client; client messages are a few bytes.
    public static let maximumClientPayloadLength = 4096
    /// The largest payload a client should accept from a server: a frame of the largest mask.
    public static let maximumServerPayloadLength = FrameHeader.encodedLength + maximumMaskPixels
    /// Masks are at most 16 Mi pixels (4096 x 4096), each side at most 65535.
    public static let maximumMaskPixels = 1 << 24
    public static let maximumMaskSide = 65535
    /// Length limit, in UTF-8 bytes, of every string field (names, messages, status keys and values).
    public static let maximumStringLength = 1024
    /// At most this many class names and status key/value pairs.
    public static let maximumClassCount = 256
    public static let maximumStatusExtras = 256
}

/// The message types (`type` in the header).
public enum MessageType: UInt16, Sendable, CaseIterable {
    case hello = 1
    case subscribe = 2
    case frame = 3
    case statusRequest = 4
    case status = 5
    case error = 6
    case bye = 7
}
