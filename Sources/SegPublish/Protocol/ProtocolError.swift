/// Why bytes received on a subscriber connection are not a valid message.
public enum ProtocolError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The header's length exceeds what the receiver accepts.
    case messageTooLarge(type: UInt16, length: Int, limit: Int)
    /// The header names a type this version does not define.
    case unknownMessageType(UInt16)
    /// The payload is too short, or a field holds a value the protocol forbids.
    case malformed(MessageType, reason: String)

    public var description: String {
        switch self {
        case .messageTooLarge(let type, let length, let limit): "message type \(type) of \(length) bytes exceeds the limit of \(limit)"
        case .unknownMessageType(let type): "unknown message type \(type)"
        case .malformed(let type, let reason): "malformed \(type) message: \(reason)"
        }
    }
}
