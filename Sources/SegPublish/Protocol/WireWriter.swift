/// Appends little-endian protocol fields to a byte array taken over from the caller (who may keep
/// its capacity across messages, so that steady-state encoding does not allocate).
struct WireWriter {
    private(set) var bytes: [UInt8]

    /// Starts after what `bytes` already holds.
    init(appendingTo bytes: [UInt8]) {
        self.bytes = bytes
    }

    mutating func u8(_ value: UInt8) { bytes.append(value) }

    mutating func u16(_ value: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: value))
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
    }

    mutating func u32(_ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    mutating func u64(_ value: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    mutating func f64(_ value: Double) { u64(value.bitPattern) }

    /// A string: u16 byte length then UTF-8. Longer strings are a programmer error.
    mutating func string(_ value: String) {
        let utf8 = value.utf8
        precondition(utf8.count <= WireFormat.maximumStringLength, "protocol strings are at most \(WireFormat.maximumStringLength) bytes")
        u16(UInt16(utf8.count))
        bytes.append(contentsOf: utf8)
    }

    mutating func raw(_ data: UnsafeRawBufferPointer) { bytes.append(contentsOf: data) }

    /// Writes the 8-byte header with a zero length; `finish` fills the length in.
    mutating func beginMessage(_ type: MessageType) {
        u16(type.rawValue)
        u16(0)
        u32(0)
    }

    /// Stores the payload length of the message begun at `start` (the `bytes.count` before
    /// `beginMessage`): everything written since.
    mutating func finishMessage(startingAt start: Int) {
        setPayloadLength(bytes.count - start - WireFormat.headerLength, startingAt: start)
    }

    /// Stores `length` as the payload length of the message begun at `start` (for a payload
    /// whose tail is sent from another buffer).
    mutating func setPayloadLength(_ length: Int, startingAt start: Int) {
        precondition(length >= 0 && length <= Int(UInt32.max), "payload lengths are u32")
        for index in 0..<4 { bytes[start + 4 + index] = UInt8(truncatingIfNeeded: UInt32(length) >> UInt32(8 * index)) }
    }

    /// Empties the array, keeping its capacity.
    mutating func clear() { bytes.removeAll(keepingCapacity: true) }
}
