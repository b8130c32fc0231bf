import Glibc
import SegPublish

/// A blocking client of segd's subscriber socket (docs/protocol.md): connects and reads Hello,
/// subscribes, receives decoded frames, asks for status. Every call takes a timeout. Not
/// thread-safe: use one from one thread at a time.
public final class SegSubscriber {
    /// What the server said on connecting: versions, model, class names, mask geometry.
    public let hello: ServerHello
    /// The protocol version this connection speaks (the newest both sides know).
    public let version: UInt16
    private let socket: SocketDescriptor
    private var parser = MessageParser(maximumPayloadLength: WireFormat.maximumServerPayloadLength)
    /// Frames that arrived while a status reply was awaited, handed out by `nextFrame` first.
    private var earlyFrames: [ReceivedFrame] = []
    private var closed = false

    private static let earlyFrameLimit = 8

    /// Connects to `socketPath` and waits up to `timeoutSeconds` for Hello.
    public init(socketPath: String, timeoutSeconds: Double = 5) throws(SubscriberError) {
        do throws(SocketError) {
            socket = try SocketDescriptor.unixStream(nonBlocking: false)
            try socket.connect(path: socketPath)
            try socket.setNonBlocking(true)
        } catch { throw SubscriberError.socket(error) }
        let deadline = Self.deadline(timeoutSeconds)
        switch try Self.nextMessage(socket, &parser, deadline: deadline, waitingFor: "hello") {
        case .hello(let hello):
            guard let version = hello.negotiatedVersion() else { throw SubscriberError.noCommonVersion(serverMinimum: hello.minimumVersion, serverMaximum: hello.maximumVersion) }
            self.hello = hello
            self.version = version
        case .error(let code, let message): throw SubscriberError.server(code, message: message)
        case .bye: throw SubscriberError.disconnected
        case let other: throw SubscriberError.unexpected(other.type)
        }
    }

    deinit { close() }

    /// Starts (or changes) the frame stream; frames published from now on arrive.
    public func subscribe(_ options: SubscriptionOptions = SubscriptionOptions(), timeoutSeconds: Double = 5) throws(SubscriberError) {
        precondition(options.isValid, "subscription options out of range")
        try send(.subscribe(version: version, options: options), deadline: Self.deadline(timeoutSeconds))
    }

    /// The next frame, waiting up to `timeoutSeconds`.
    public func nextFrame(timeoutSeconds: Double = 5) throws(SubscriberError) -> ReceivedFrame {
        if !earlyFrames.isEmpty { return earlyFrames.removeFirst() }
        let deadline = Self.deadline(timeoutSeconds)
        while true {
            switch try receive(deadline: deadline, waitingFor: "a frame") {
            case .frame(let header, let data): return try Self.decoded(header, data)
            case .status: continue  // a late reply to an abandoned status request
            case let other: try Self.fail(on: other)
            }
        }
    }

    /// Asks for the server's status and waits up to `timeoutSeconds` for it. Frames arriving
    /// meanwhile are kept (the newest few) for `nextFrame`.
    public func status(timeoutSeconds: Double = 5) throws(SubscriberError) -> ServerStatus {
        let deadline = Self.deadline(timeoutSeconds)
        try send(.statusRequest(version: version), deadline: deadline)
        while true {
            switch try receive(deadline: deadline, waitingFor: "status") {
            case .status(let status): return status
            case .frame(let header, let data):
                if earlyFrames.count == Self.earlyFrameLimit { earlyFrames.removeFirst() }
                earlyFrames.append(try Self.decoded(header, data))
            case let other: try Self.fail(on: other)
            }
        }
    }

    /// Says Bye and closes the connection; later calls fail with `disconnected`. Idempotent.
    public func close() {
        guard !closed else { return }
        closed = true
        var bytes: [UInt8] = []
        WireMessage.bye.encode(into: &bytes)
        _ = bytes.withUnsafeBytes { try? socket.send($0) }
        socket.shutdown(Int32(SHUT_RDWR))
    }

    private func send(_ message: WireMessage, deadline: UInt64) throws(SubscriberError) {
        guard !closed else { throw SubscriberError.disconnected }
        var bytes: [UInt8] = []
        message.encode(into: &bytes)
        var offset = 0
        while offset < bytes.count {
            let result = bytes.withUnsafeBytes { all -> Result<Int?, SocketError> in
                do throws(SocketError) { return .success(try socket.send(UnsafeRawBufferPointer(rebasing: all[offset...]))) } catch { return .failure(error) }
            }
            let sent: Int?
            switch result {
            case .success(let count): sent = count
            case .failure(let error): throw error == .peerClosed ? SubscriberError.disconnected : SubscriberError.socket(error)
            }
            if let sent { offset += sent } else { try Self.wait(socket, for: Int16(POLLOUT), deadline: deadline, waitingFor: "room to send") }
        }
    }

    private func receive(deadline: UInt64, waitingFor what: String) throws(SubscriberError) -> WireMessage {
        guard !closed else { throw SubscriberError.disconnected }
        return try Self.nextMessage(socket, &parser, deadline: deadline, waitingFor: what)
    }

    private static func nextMessage(_ socket: SocketDescriptor, _ parser: inout MessageParser, deadline: UInt64, waitingFor what: String) throws(SubscriberError) -> WireMessage {
        while true {
            do throws(ProtocolError) {
                if let message = try parser.next() { return message }
            } catch {
                // Later versions may add message types; a client skips what it does not know.
                if case .unknownMessageType = error { continue }
                throw SubscriberError.protocolViolation(error)
            }
            var received: Int?
            do throws(SocketError) {
                try parser.receive { (space) throws(SocketError) -> Int in
                    received = try socket.receive(into: space)
                    return received ?? 0
                }
            } catch { throw SubscriberError.socket(error) }
            switch received {
            case nil: try wait(socket, for: Int16(POLLIN), deadline: deadline, waitingFor: what)
            case 0: throw SubscriberError.disconnected
            default: continue
            }
        }
    }

    private static func wait(_ socket: SocketDescriptor, for events: Int16, deadline: UInt64, waitingFor what: String) throws(SubscriberError) {
        let now = PublishClock.monotonicNanoseconds()
        guard now < deadline else { throw SubscriberError.timedOut(waitingFor: what) }
        let milliseconds = Int32(clamping: (deadline - now + 999_999) / 1_000_000)
        do throws(SocketError) {
            _ = try socket.wait(for: events, milliseconds: milliseconds)
        } catch { throw SubscriberError.socket(error) }
    }

    private static func decoded(_ header: FrameHeader, _ data: [UInt8]) throws(SubscriberError) -> ReceivedFrame {
        do throws(ProtocolError) { return try ReceivedFrame(header: header, data: data) } catch { throw SubscriberError.protocolViolation(error) }
    }

    private static func fail(on message: WireMessage) throws(SubscriberError) -> Never {
        switch message {
        case .error(let code, let text): throw SubscriberError.server(code, message: text)
        case .bye: throw SubscriberError.disconnected
        default: throw SubscriberError.unexpected(message.type)
        }
    }

    private static func deadline(_ seconds: Double) -> UInt64 {
        precondition(seconds >= 0, "timeouts are not negative")
        return PublishClock.monotonicNanoseconds() &+ UInt64(min(seconds, 1e6) * 1e9)
    }
}
