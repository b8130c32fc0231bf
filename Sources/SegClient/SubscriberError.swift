import SegPublish

/// Why a `SegSubscriber` call failed.
public enum SubscriberError: Error, Equatable, CustomStringConvertible {
    /// Connecting, sending or receiving failed.
    case socket(SocketError)
    /// The server sent bytes that are not a valid message.
    case protocolViolation(ProtocolError)
    /// The server speaks no version this client speaks.
    case noCommonVersion(serverMinimum: UInt16, serverMaximum: UInt16)
    /// Nothing arrived within the timeout; `waitingFor` says for what.
    case timedOut(waitingFor: String)
    /// The server answered with an Error message (and closes the connection).
    case server(ErrorCode, message: String)
    /// The server closed the connection (Bye, or end of stream).
    case disconnected
    /// A message arrived that makes no sense at this point.
    case unexpected(MessageType)

    public var description: String {
        switch self {
        case .socket(let error): "\(error)"
        case .protocolViolation(let error): "protocol violation: \(error)"
        case .noCommonVersion(let low, let high): "the server speaks protocol versions \(low)...\(high), this client \(WireFormat.minimumVersion)...\(WireFormat.maximumVersion)"
        case .timedOut(let what): "timed out waiting for \(what)"
        case .server(let code, let message): "server error (\(code)): \(message)"
        case .disconnected: "the server closed the connection"
        case .unexpected(let type): "unexpected \(type) message"
        }
    }
}
