/// How a frame's mask bytes are encoded (docs/protocol.md, "Mask encodings").
public enum MaskEncoding: UInt8, Sendable, CaseIterable {
    /// width x height class ids, row-major.
    case raw = 0
    /// Runs of (length u16 LE, class id u8), row-major across rows; see `RunLengthMask`.
    case runLength = 1
}

/// What a client asks for in Subscribe: which frames, how encoded, at what size.
public struct SubscriptionOptions: Equatable, Sendable {
    /// Send every Nth published frame (1 = all), counted from the subscription. 1...1_000_000.
    public var every: Int
    /// The encoding asked for; the server sends raw instead when run-length would be larger.
    public var encoding: MaskEncoding
    /// Integer nearest-neighbour downscale factor, 1...8 (see `MaskDownscale`).
    public var downscale: Int

    public init(every: Int = 1, encoding: MaskEncoding = .raw, downscale: Int = 1) {
        self.every = every
        self.encoding = encoding
        self.downscale = downscale
    }

    public static let everyRange = 1...1_000_000
    public static let downscaleRange = 1...8

    /// Whether every field is in range (a server answers anything else with Error `badOptions`).
    public var isValid: Bool { Self.everyRange.contains(every) && Self.downscaleRange.contains(downscale) }

    /// Payload: version u16, encoding u8, downscale u8, every u32.
    func encode(version: UInt16, _ writer: inout WireWriter) {
        precondition(isValid, "subscription options out of range")
        writer.u16(version)
        writer.u8(encoding.rawValue)
        writer.u8(UInt8(downscale))
        writer.u32(UInt32(every))
    }

    /// Decodes the fields; range checks are left to the server so that it can answer `badOptions`.
    static func decode(_ reader: inout WireReader) throws(ProtocolError) -> (version: UInt16, options: SubscriptionOptions?) {
        let version = try reader.u16()
        let encoding = try reader.u8(), downscale = try reader.u8(), every = try reader.u32()
        guard let known = MaskEncoding(rawValue: encoding) else { return (version, nil) }
        let options = SubscriptionOptions(every: Int(every), encoding: known, downscale: Int(downscale))
        return (version, options.isValid ? options : nil)
    }
}
