/// The first message on every connection, server to client: the versions the server speaks and
/// what it publishes. Layout in docs/protocol.md ("Hello").
public struct ServerHello: Equatable, Sendable {
    /// The protocol versions the server accepts in requests (inclusive).
    public var minimumVersion: UInt16
    public var maximumVersion: UInt16
    /// Who is publishing (`segd`, `0.1.0`).
    public var serverName: String
    public var serverVersion: String
    /// The model and the size of its masks (before any per-subscriber downscale).
    public var model: PublishedModel
    /// The shared-memory ring carrying the same masks, or nil when there is none.
    public var ringPath: String?

    public init(minimumVersion: UInt16 = WireFormat.minimumVersion, maximumVersion: UInt16 = WireFormat.maximumVersion, serverName: String, serverVersion: String, model: PublishedModel, ringPath: String?) {
        self.minimumVersion = minimumVersion
        self.maximumVersion = maximumVersion
        self.serverName = serverName
        self.serverVersion = serverVersion
        self.model = model
        self.ringPath = ringPath
    }

    /// The newest version both this side and the server speak, or nil when the ranges do not meet.
    public func negotiatedVersion(clientMinimum: UInt16 = WireFormat.minimumVersion, clientMaximum: UInt16 = WireFormat.maximumVersion) -> UInt16? {
        let version = min(maximumVersion, clientMaximum)
        return version >= max(minimumVersion, clientMinimum) ? version : nil
    }

    func encode(_ writer: inout WireWriter) {
        let model = self.model
        precondition((1...WireFormat.maximumMaskSide).contains(model.maskWidth) && (1...WireFormat.maximumMaskSide).contains(model.maskHeight), "mask sides are 1...65535")
        precondition(model.maskWidth * model.maskHeight <= WireFormat.maximumMaskPixels, "masks are at most \(WireFormat.maximumMaskPixels) pixels")
        precondition((1...WireFormat.maximumClassCount).contains(model.classNames.count), "a model has 1...256 classes")
        writer.u16(minimumVersion)
        writer.u16(maximumVersion)
        writer.u32(UInt32(model.maskWidth))
        writer.u32(UInt32(model.maskHeight))
        writer.u16(UInt16(model.classNames.count))
        writer.u16(0)
        writer.string(serverName)
        writer.string(serverVersion)
        writer.string(model.modelID)
        writer.string(ringPath ?? "")
        for name in model.classNames { writer.string(name) }
    }

    static func decode(_ reader: inout WireReader) throws(ProtocolError) -> ServerHello {
        let minimumVersion = try reader.u16(), maximumVersion = try reader.u16()
        let width = Int(try reader.u32()), height = Int(try reader.u32())
        let classCount = Int(try reader.u16())
        _ = try reader.u16()
        guard minimumVersion <= maximumVersion else { throw reader.invalid("version range \(minimumVersion)...\(maximumVersion) is empty") }
        guard (1...WireFormat.maximumMaskSide).contains(width), (1...WireFormat.maximumMaskSide).contains(height), width * height <= WireFormat.maximumMaskPixels else {
            throw reader.invalid("mask geometry \(width)x\(height) is out of range")
        }
        guard (1...WireFormat.maximumClassCount).contains(classCount) else { throw reader.invalid("class count \(classCount) is out of range") }
        let serverName = try reader.string(), serverVersion = try reader.string(), modelID = try reader.string(), ringPath = try reader.string()
        var names: [String] = []
        for _ in 0..<classCount { names.append(try reader.string()) }
        return ServerHello(
            minimumVersion: minimumVersion, maximumVersion: maximumVersion, serverName: serverName, serverVersion: serverVersion,
            model: PublishedModel(modelID: modelID, classNames: names, maskWidth: width, maskHeight: height),
            ringPath: ringPath.isEmpty ? nil : ringPath)
    }
}
