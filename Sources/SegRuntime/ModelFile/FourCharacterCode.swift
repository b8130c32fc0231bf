/// A section tag such as `"WGHT"`: four ASCII characters packed into a `UInt32`, the first in
/// the low byte, so that the little-endian file shows them in reading order.
public struct FourCharacterCode: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// `"WGHT"`; traps unless the literal is exactly four ASCII characters.
    public init(stringLiteral text: StaticString) {
        precondition(text.utf8CodeUnitCount == 4, "a four-character code needs exactly four ASCII characters")
        var value: UInt32 = 0
        for index in 0..<4 {
            let byte = text.utf8Start[index]
            precondition(byte < 0x80, "a four-character code needs exactly four ASCII characters")
            value |= UInt32(byte) << (8 * UInt32(index))
        }
        rawValue = value
    }

    /// `'WGHT'` when all four bytes are printable ASCII, otherwise `0x` and eight hex digits.
    public var description: String {
        var characters: [UInt8] = []
        for index in 0..<4 {
            let byte = UInt8(truncatingIfNeeded: rawValue >> (8 * UInt32(index)))
            guard byte >= 0x20 && byte < 0x7F else { return "0x\(ModelFile.hex(UInt64(rawValue), digits: 8))" }
            characters.append(byte)
        }
        return "'\(String(decoding: characters, as: UTF8.self))'"
    }
}
