/// One protocol message, decoded (docs/protocol.md). `encode(into:)` appends the header and
/// payload to a caller-owned array; `decode(type:payload:)` never traps on any bytes.
public enum WireMessage: Equatable, Sendable {
    /// Server to client, first on every connection.
    case hello(ServerHello)
    /// Client to server: start (or change) the frame stream. `options` is nil when the client
    /// sent values out of range (the server answers Error `badOptions`).
    case subscribe(version: UInt16, options: SubscriptionOptions?)
    /// Server to client: one mask, `data` encoded as `header.encoding` says.
    case frame(FrameHeader, data: [UInt8])
    /// Client to server: ask for a Status.
    case statusRequest(version: UInt16)
    /// Server to client: the answer to a StatusRequest.
    case status(ServerStatus)
    /// Either way: what went wrong; the server closes the connection after sending one.
    case error(ErrorCode, message: String)
    /// Either way: the sender is closing the connection.
    case bye

    public var type: MessageType {
        switch self {
        case .hello: .hello
        case .subscribe: .subscribe
        case .frame: .frame
        case .statusRequest: .statusRequest
        case .status: .status
        case .error: .error
        case .bye: .bye
        }
    }

    /// Appends the whole message (header and payload) to `buffer`.
    public func encode(into buffer: inout [UInt8]) {
        var writer = WireWriter(appendingTo: buffer)
        buffer = []
        let start = writer.bytes.count
        writer.beginMessage(type)
        switch self {
        case .hello(let hello): hello.encode(&writer)
        case .subscribe(let version, let options):
            precondition(options != nil, "only a server decodes an out-of-range subscription")
            options!.encode(version: version, &writer)
        case .frame(let header, let data):
            precondition(header.dataLength == data.count, "frame dataLength must be the data's size")
            header.encode(&writer)
            data.withUnsafeBytes { writer.raw($0) }
        case .statusRequest(let version): writer.u16(version)
        case .status(let status): status.encode(&writer)
        case .error(let code, let message):
            writer.u16(code.rawValue)
            writer.string(message)
        case .bye: break
        }
        writer.finishMessage(startingAt: start)
        buffer = writer.bytes
    }

    /// Decodes the payload of a message whose header said `type`. Trailing bytes past the fields
    /// this version defines are ignored (later versions append fields).
    public static func decode(type rawType: UInt16, payload: UnsafeRawBufferPointer) throws(ProtocolError) -> WireMessage {
        guard let type = MessageType(rawValue: rawType) else { throw ProtocolError.unknownMessageType(rawType) }
        var reader = WireReader(type, payload)
        switch type {
        case .hello: return .hello(try ServerHello.decode(&reader))
        case .subscribe:
            let (version, options) = try SubscriptionOptions.decode(&reader)
            return .subscribe(version: version, options: options)
        case .frame:
            let header = try FrameHeader.decode(&reader)
            return .frame(header, data: Array(try reader.take(header.dataLength)))
        case .statusRequest: return .statusRequest(version: try reader.u16())
        case .status: return .status(try ServerStatus.decode(&reader))
        case .error: return .error(ErrorCode(rawValue: try reader.u16()), message: try reader.string())
        case .bye: return .bye
        }
    }
}
