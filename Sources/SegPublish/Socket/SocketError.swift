import Glibc

/// Why a Unix-socket operation failed (environment errors; misuse traps instead).
public enum SocketError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A system call failed: `call` names it, `path` the socket file when there is one.
    case system(call: String, path: String?, errno: Int32)
    /// The path does not fit in `sockaddr_un.sun_path` (107 bytes).
    case pathTooLong(String)
    /// Something other than a socket exists at the path; it is left alone.
    case notASocket(String)
    /// A live server is already listening at the path.
    case addressInUse(String)
    /// An adopted descriptor is not a listening Unix stream socket.
    case notListening(descriptor: Int32)
    /// The peer closed the connection (EPIPE, ECONNRESET).
    case peerClosed

    public var description: String {
        switch self {
        case .system(let call, let path, let code): "\(path.map { "\($0): " } ?? "")\(call) failed: \(String(cString: strerror(code))) (errno \(code))"
        case .pathTooLong(let path): "\(path): too long for a Unix socket address"
        case .notASocket(let path): "\(path): exists and is not a socket; not removing it"
        case .addressInUse(let path): "\(path): another server is listening there"
        case .notListening(let descriptor): "descriptor \(descriptor) is not a listening Unix stream socket"
        case .peerClosed: "the peer closed the connection"
        }
    }
}
