/// Assembles a compiled model file (layout: `ModelFile`) from tagged sections, in the order they
/// are appended. Used at compile time; the whole file is built in memory.
public struct ModelFileWriter {
    /// Recorded in the header; only an engine of this version will load the file.
    public let engineVersion: UInt32
    private var sections: [(tag: FourCharacterCode, bytes: [UInt8])] = []

    public init(engineVersion: UInt32) {
        self.engineVersion = engineVersion
    }

    /// Adds a section. Traps if `tag` was already appended (tags are unique within a file).
    public mutating func append(tag: FourCharacterCode, bytes: [UInt8]) {
        precondition(!sections.contains { $0.tag == tag }, "section \(tag) appended twice")
        sections.append((tag, bytes))
    }

    /// The complete file: header, section table, 64-byte aligned sections, trailing padding,
    /// checksum filled in.
    public func serialize() -> [UInt8] {
        let tableEnd = ModelFile.headerSize + sections.count * ModelFile.sectionEntrySize
        var offsets: [Int] = []
        var end = tableEnd
        for section in sections {
            let offset = ModelFile.alignUp(end, ModelFile.sectionAlignment)
            offsets.append(offset)
            end = offset + section.bytes.count
        }
        let fileSize = ModelFile.alignUp(end, ModelFile.sectionAlignment) + ModelFile.sectionTailPadding

        var writer = ByteWriter(capacity: fileSize)
        writer.writeBytes(ModelFile.magic)
        writer.write(ModelFile.formatVersion)
        writer.write(engineVersion)
        writer.write(UInt32(sections.count))
        writer.write(UInt32(0))
        writer.write(UInt64(fileSize))
        let checksumOffset = writer.count
        writer.write(UInt64(0))
        writer.align(to: ModelFile.headerSize)
        for (section, offset) in zip(sections, offsets) {
            writer.write(section.tag.rawValue)
            writer.write(UInt32(0))
            writer.write(UInt64(offset))
            writer.write(UInt64(section.bytes.count))
        }
        for (section, offset) in zip(sections, offsets) {
            writer.writeBytes([UInt8](repeating: 0, count: offset - writer.count))
            writer.writeBytes(section.bytes)
        }
        writer.writeBytes([UInt8](repeating: 0, count: fileSize - writer.count))
        let checksum = writer.bytes.withUnsafeBytes { xxHash64(UnsafeRawBufferPointer(rebasing: $0[ModelFile.headerSize...])) }
        writer.overwrite(checksum, at: checksumOffset)
        return writer.bytes
    }
}
