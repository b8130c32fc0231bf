/// Builds a little-endian byte image (a model file section). Values go in with `write`, through
/// their `ByteSerializable` encoding; nothing is aligned unless `align(to:)` asks.
public struct ByteWriter {
    /// Everything written so far.
    public private(set) var bytes: [UInt8] = []

    /// `capacity`: bytes to reserve up front.
    public init(capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    /// Bytes written so far: the offset the next value is written at.
    public var count: Int { bytes.count }

    /// Appends `value`'s encoding.
    public mutating func write<Value: ByteSerializable>(_ value: Value) {
        value.write(to: &self)
    }

    /// Appends `raw` as is: no count, no conversion.
    public mutating func writeBytes(_ raw: [UInt8]) {
        bytes.append(contentsOf: raw)
    }

    /// Appends `raw` as is: no count, no conversion.
    public mutating func writeBytes(_ raw: UnsafeRawBufferPointer) {
        bytes.append(contentsOf: raw)
    }

    /// Appends an integer's `size` bytes, least significant first.
    public mutating func writeInteger<Integer: FixedWidthInteger>(_ value: Integer) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// Appends zero bytes up to the next multiple of `alignment` (a power of two).
    public mutating func align(to alignment: Int) {
        precondition(alignment > 0 && alignment & (alignment - 1) == 0, "alignment must be a power of two")
        bytes.append(contentsOf: repeatElement(0, count: ModelFile.alignUp(bytes.count, alignment) - bytes.count))
    }

    /// Replaces the bytes at `offset` (already written) with `value`, little-endian: for sizes
    /// and checksums known only after what follows them is written.
    public mutating func overwrite<Integer: FixedWidthInteger>(_ value: Integer, at offset: Int) {
        let size = MemoryLayout<Integer>.size
        precondition(offset >= 0 && offset + size <= bytes.count, "overwrite outside the bytes written")
        withUnsafeBytes(of: value.littleEndian) { source in
            for index in 0..<size { bytes[offset + index] = source[index] }
        }
    }
}
