/// Reads little-endian protocol fields from a payload, checking every bound: running past the end
/// or an invalid string throws `ProtocolError.malformed` instead of trapping.
struct WireReader {
    let type: MessageType
    let bytes: UnsafeRawBufferPointer
    private(set) var offset = 0

    init(_ type: MessageType, _ bytes: UnsafeRawBufferPointer) {
        self.type = type
        self.bytes = bytes
    }

    var remaining: Int { bytes.count - offset }

    mutating func take(_ count: Int) throws(ProtocolError) -> UnsafeRawBufferPointer {
        guard count >= 0, count <= remaining else { throw ProtocolError.malformed(type, reason: "payload ends at byte \(bytes.count), field needs \(offset + count)") }
        defer { offset += count }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)])
    }

    private mutating func integer<T: FixedWidthInteger & UnsignedInteger>(_: T.Type) throws(ProtocolError) -> T {
        let field = try take(MemoryLayout<T>.size)
        var value: T = 0
        for index in 0..<field.count { value |= T(field[index]) << T(8 * index) }
        return value
    }

    mutating func u8() throws(ProtocolError) -> UInt8 { try integer(UInt8.self) }
    mutating func u16() throws(ProtocolError) -> UInt16 { try integer(UInt16.self) }
    mutating func u32() throws(ProtocolError) -> UInt32 { try integer(UInt32.self) }
    mutating func u64() throws(ProtocolError) -> UInt64 { try integer(UInt64.self) }
    mutating func f64() throws(ProtocolError) -> Double { Double(bitPattern: try u64()) }

    mutating func string() throws(ProtocolError) -> String {
        let length = Int(try u16())
        guard length <= WireFormat.maximumStringLength else { throw ProtocolError.malformed(type, reason: "string of \(length) bytes exceeds \(WireFormat.maximumStringLength)") }
        guard let text = String(validating: try take(length), as: UTF8.self) else { throw ProtocolError.malformed(type, reason: "string is not UTF-8") }
        return text
    }

    func invalid(_ reason: String) -> ProtocolError { .malformed(type, reason: reason) }
}
