/// Why the server closes a connection.
enum DisconnectReason: CustomStringConvertible {
    case clientClosed
    case clientSaidBye
    case stuck(seconds: Double)
    case misbehaving(ErrorCode, String)
    case refused(ErrorCode, String)
    case failed(SocketError)
    case serverStopping

    var description: String {
        switch self {
        case .clientClosed: "client closed the connection"
        case .clientSaidBye: "client said bye"
        case .stuck(let seconds): "stuck: no byte accepted for \(seconds) s"
        case .misbehaving(let code, let message): "\(code): \(message)"
        case .refused(let code, let message): "refused (\(code)): \(message)"
        case .failed(let error): "\(error)"
        case .serverStopping: "server stopping"
        }
    }
}

/// One client connection: its socket, what it asked for, what waits to be sent. Server thread only.
final class SubscriberConnection {
    let id: UInt64
    let socket: SocketDescriptor
    let peer: PeerCredentials
    var parser = MessageParser(maximumPayloadLength: WireFormat.maximumClientPayloadLength)
    var output: OutgoingQueue
    /// Set by Subscribe; nil before.
    var options: SubscriptionOptions?
    /// Frames offered since the subscription (for every Nth).
    var framesOffered: UInt64 = 0
    var framesSent: UInt64 = 0
    var queueDrops: UInt64 = 0
    /// The client shut its sending side (EOF read): nothing more to read, frames still go out.
    var readClosed = false
    /// When the last byte was accepted, or output became pending (CLOCK_MONOTONIC ns).
    var lastProgress: UInt64
    /// Set once the connection is to be closed (after one last attempt to send what is queued).
    var closing: DisconnectReason?

    init(id: UInt64, socket: SocketDescriptor, peer: PeerCredentials, queueCapacity: Int, now: UInt64) {
        self.id = id
        self.socket = socket
        self.peer = peer
        self.output = OutgoingQueue(frameCapacity: queueCapacity)
        self.lastProgress = now
    }

    /// Queues a reply; marks output pending since `now` if nothing was.
    func reply(_ message: WireMessage, now: UInt64) {
        if output.isEmpty { lastProgress = now }
        var bytes: [UInt8] = []
        message.encode(into: &bytes)
        output.enqueueReply(bytes)
    }

    /// Offers a frame; queues it when the subscription wants it.
    func offer(_ info: MaskFrameInfo, _ mask: EncodedMask, now: UInt64) {
        guard options != nil, closing == nil else { return }
        if output.isEmpty { lastProgress = now }
        let header = FrameHeader(
            frameNumber: info.frameNumber, captureTimestampNanoseconds: info.captureTimestampNanoseconds, inferenceNanoseconds: info.inferenceNanoseconds,
            width: mask.width, height: mask.height, classCount: info.classCount, encoding: mask.encoding, downscale: mask.downscale,
            dataLength: mask.bytes.count, queueDrops: 0)
        if output.enqueueFrame(header, mask) { queueDrops += 1 }
    }

    /// Whether the subscription takes the next frame (every Nth, starting with the first).
    func wantsNextFrame() -> Bool {
        guard let options, closing == nil else { return false }
        defer { framesOffered += 1 }
        return framesOffered % UInt64(options.every) == 0
    }

    /// Sends what the socket takes; a vanished peer marks the connection closing.
    func flush(now: UInt64) {
        do {
            let (bytes, frames) = try output.send(on: socket, queueDrops: queueDrops)
            if bytes > 0 { lastProgress = now }
            framesSent += UInt64(frames)
        } catch {
            if closing == nil { closing = error == .peerClosed ? .clientClosed : .failed(error) }
        }
    }

    var statistics: SubscriberConnectionStatistics {
        SubscriberConnectionStatistics(id: id, peer: peer, options: options, framesSent: framesSent, queueDrops: queueDrops)
    }
}
