/// The code of an Error message. A struct rather than an enum so that codes added by later
/// versions still decode.
public struct ErrorCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// The request's version is outside the server's range.
    public static let unsupportedVersion = ErrorCode(rawValue: 1)
    /// Bytes that are not a valid message (bad header, unknown type, short payload...).
    public static let badMessage = ErrorCode(rawValue: 2)
    /// The peer's uid/gid is not on the allowed lists.
    public static let notAllowed = ErrorCode(rawValue: 3)
    /// Subscribe options out of range (every, encoding, downscale).
    public static let badOptions = ErrorCode(rawValue: 4)
    /// The client read nothing for too long and is disconnected.
    public static let tooSlow = ErrorCode(rawValue: 5)
    /// The server has no room for another connection.
    public static let serverFull = ErrorCode(rawValue: 6)
    /// More requests outstanding than the server queues for one connection.
    public static let tooManyRequests = ErrorCode(rawValue: 7)

    public var description: String {
        switch self {
        case .unsupportedVersion: "unsupported version"
        case .badMessage: "bad message"
        case .notAllowed: "not allowed"
        case .badOptions: "bad options"
        case .tooSlow: "too slow"
        case .serverFull: "server full"
        case .tooManyRequests: "too many requests"
        default: "error \(rawValue)"
        }
    }
}
