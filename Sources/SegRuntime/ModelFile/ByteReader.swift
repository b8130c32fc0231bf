/// Reads back what `ByteWriter` wrote, from memory it does not own (a section of a mapped file:
/// the owner must keep it alive while the reader and what it returns are used). Every read
/// checks the bounds and throws `ModelFileError.truncated` instead of trapping.
public struct ByteReader {
    /// The whole buffer being read.
    public let bytes: UnsafeRawBufferPointer
    /// Where the next read starts, from the start of `bytes`.
    public private(set) var offset = 0

    public init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    /// Bytes left after `offset`.
    public var remaining: Int { bytes.count - offset }

    /// The next value, decoded by its `ByteSerializable` conformance.
    public mutating func read<Value: ByteSerializable>(_ type: Value.Type = Value.self) throws(ModelFileError) -> Value {
        try Value.read(from: &self)
    }

    /// The next `count` bytes, in place (no copy).
    public mutating func readBytes(count: Int) throws(ModelFileError) -> UnsafeRawBufferPointer {
        try require(count)
        let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)])
        offset += count
        return slice
    }

    /// An integer stored least significant byte first.
    public mutating func readInteger<Integer: FixedWidthInteger>(_ type: Integer.Type = Integer.self) throws(ModelFileError) -> Integer {
        let size = MemoryLayout<Integer>.size
        try require(size)
        let value = Integer(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: Integer.self))
        offset += size
        return value
    }

    /// Skips to the next multiple of `alignment` (a power of two) from the start of `bytes`.
    public mutating func align(to alignment: Int) throws(ModelFileError) {
        precondition(alignment > 0 && alignment & (alignment - 1) == 0, "alignment must be a power of two")
        let aligned = ModelFile.alignUp(offset, alignment)
        try require(aligned - offset)
        offset = aligned
    }

    /// Throws unless `count` more bytes are available.
    @inline(__always)
    public func require(_ count: Int) throws(ModelFileError) {
        guard count >= 0 && count <= remaining else {
            throw .truncated(offset: offset, needed: count, available: remaining)
        }
    }
}
