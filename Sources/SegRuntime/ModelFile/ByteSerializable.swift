/// A value with a fixed little-endian byte encoding for model file sections. Integers are
/// their bytes least significant first (only explicit widths: `Int` differs between armv7 and
/// aarch64), floats their IEEE bit pattern (NaN payloads kept), strings a `UInt32` byte count
/// and UTF-8, arrays a `UInt32` element count and the elements. Every encoding is at least one
/// byte long (array reading relies on it to refuse corrupt counts before allocating).
public protocol ByteSerializable {
    func write(to writer: inout ByteWriter)
    static func read(from reader: inout ByteReader) throws(ModelFileError) -> Self
}

extension UInt8: ByteSerializable {
    public func write(to writer: inout ByteWriter) { writer.writeInteger(self) }
    public static func read(from reader: inout ByteReader) throws(ModelFileError) -> UInt8 { try reader.readInteger() }
}

extension Int8: ByteSerializable {
    public func write(to writer: inout ByteWriter) { writer.writeInteger(self) }
    public static func read(from reader: inout ByteReader) throws(ModelFileError) -> Int8 { try reader.readInteger() }
}

extension UInt16: ByteSerializable {
    public func write(to writer: inout ByteWriter) { writer.writeInteger(self) }
    public static func read(from reader: inout ByteReader) throws(ModelFileError) -> UInt16 { try reader.readInteger() }
}

extension Int16: ByteSerializable {
    public func write(to writer: inout ByteWriter) { writer.writeInteger(self) }
    public static func read(from reader: inout ByteReader) throws(ModelFileError) -> Int16 { try reader.readInteger() }
}

extension UInt32: ByteSerializable {
    public func write(to writer: inout ByteWriter) { writer.writeInteger(self) }
    public static func read(from reader: inout ByteReader) throws(ModelFileError) -> UInt32 { try reader.readInteger() }
}

extension Int32: ByteSerializable {
    public func write(to writer: inout ByteWriter) { writer.writeInteger(self) }
    public static func read(from reader: inout ByteReader) throws(ModelFileError) -> Int32 { try reader.readInteger() }
}

extension UInt64: ByteSerializable {
    public func write(to writer: inout ByteWriter) { writer.writeInteger(self) }
    public static func read(from reader: inout ByteReader) throws(ModelFileError) -> UInt64 { try reader.readInteger() }
}

extension Int64: ByteSerializable {
    public func write(to writer: inout ByteWriter) { writer.writeInteger(self) }
    public static func read(from reader: inout ByteReader) throws(ModelFileError) -> Int64 { try reader.readInteger() }
}

extension Float: ByteSerializable {
    public func write(to writer: inout ByteWriter) { writer.writeInteger(bitPattern) }
    public static func read(from reader: inout ByteReader) throws(ModelFileError) -> Float {
        Float(bitPattern: try reader.readInteger())
    }
}

extension Double: ByteSerializable {
    public func write(to writer: inout ByteWriter) { writer.writeInteger(bitPattern) }
    public static func read(from reader: inout ByteReader) throws(ModelFileError) -> Double {
        Double(bitPattern: try reader.readInteger())
    }
}

extension String: ByteSerializable {
    public func write(to writer: inout ByteWriter) {
        let utf8 = Array(self.utf8)
        writer.writeInteger(UInt32(utf8.count))
        writer.writeBytes(utf8)
    }

    /// Refuses text that is not valid UTF-8 (`ModelFileError.malformed`).
    public static func read(from reader: inout ByteReader) throws(ModelFileError) -> String {
        let count = Int(try reader.readInteger(UInt32.self))
        let start = reader.offset
        let utf8 = try reader.readBytes(count: count)
        guard let text = String(validating: utf8, as: UTF8.self) else {
            throw .malformed("the string at offset \(start) is not valid UTF-8")
        }
        return text
    }
}

extension Array: ByteSerializable where Element: ByteSerializable {
    public func write(to writer: inout ByteWriter) {
        writer.writeInteger(UInt32(count))
        for element in self { element.write(to: &writer) }
    }

    public static func read(from reader: inout ByteReader) throws(ModelFileError) -> [Element] {
        let count = Int(try reader.readInteger(UInt32.self))
        // Every element takes at least one byte: a corrupt count fails here, before allocating.
        try reader.require(count)
        var elements: [Element] = []
        elements.reserveCapacity(count)
        for _ in 0..<count { elements.append(try Element.read(from: &reader)) }
        return elements
    }
}
