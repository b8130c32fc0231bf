/// A validated view of a compiled model file in memory the caller owns (normally a
/// `MappedFile`, which must outlive the reader and every section pointer it hands out).
/// Construction checks everything `ModelFile` specifies, so a reader exists only for a file
/// that is intact, of this format, and compiled by this engine. Immutable; safe to share.
public struct ModelFileReader: @unchecked Sendable {
    /// One entry of the section table.
    public struct Section: Equatable, Sendable {
        public var tag: FourCharacterCode
        /// From the start of the file; a multiple of 64.
        public var offset: Int
        public var size: Int
    }

    /// The whole file.
    public let bytes: UnsafeRawBufferPointer
    /// The engine version in the header (equal to the one the reader was given).
    public let engineVersion: UInt32
    /// The section table, in file order.
    public let sections: [Section]

    /// Validates `bytes` as a compiled model for engine `engineVersion`: magic, format version,
    /// engine version, header flags and reserved bytes, file size, checksum, then every section's
    /// alignment, bounds (including the 64 padding bytes after it), order and tag.
    public init(_ bytes: UnsafeRawBufferPointer, engineVersion: UInt32) throws(ModelFileError) {
        var header = ByteReader(bytes)
        let magic = try header.readBytes(count: ModelFile.magic.count)
        guard magic.elementsEqual(ModelFile.magic) else {
            throw .badMagic(found: Array(magic))
        }
        let formatVersion = try header.read(UInt32.self)
        guard formatVersion == ModelFile.formatVersion else {
            throw .unsupportedFormatVersion(found: formatVersion, supported: ModelFile.formatVersion)
        }
        let fileEngineVersion = try header.read(UInt32.self)
        guard fileEngineVersion == engineVersion else {
            throw .engineVersionMismatch(compiledBy: fileEngineVersion, running: engineVersion)
        }
        let sectionCount = try header.read(UInt32.self)
        let flags = try header.read(UInt32.self)
        guard flags == 0 else { throw .unsupportedHeaderFlags(flags) }
        let fileSize = try header.read(UInt64.self)
        let storedChecksum = try header.read(UInt64.self)
        while header.offset < ModelFile.headerSize {
            let offset = header.offset
            guard try header.read(UInt8.self) == 0 else { throw .reservedNotZero(offset: offset) }
        }
        guard fileSize == UInt64(bytes.count) else {
            throw .fileSizeMismatch(actual: bytes.count, header: fileSize)
        }
        let computedChecksum = xxHash64(UnsafeRawBufferPointer(rebasing: bytes[ModelFile.headerSize...]))
        guard computedChecksum == storedChecksum else {
            throw .checksumMismatch(stored: storedChecksum, computed: computedChecksum)
        }

        let tableEnd = UInt64(ModelFile.headerSize) + UInt64(sectionCount) * UInt64(ModelFile.sectionEntrySize)
        guard tableEnd <= fileSize else {
            throw .sectionTableOutOfBounds(sectionCount: sectionCount, fileSize: bytes.count)
        }
        var table = header
        var sections: [Section] = []
        sections.reserveCapacity(Int(sectionCount))
        var previousEnd = tableEnd
        for _ in 0..<sectionCount {
            let tag = FourCharacterCode(rawValue: try table.read(UInt32.self))
            let reservedOffset = table.offset
            guard try table.read(UInt32.self) == 0 else { throw .reservedNotZero(offset: reservedOffset) }
            let offset = try table.read(UInt64.self)
            let size = try table.read(UInt64.self)
            guard offset % UInt64(ModelFile.sectionAlignment) == 0 else {
                throw .misalignedSection(tag, offset: offset)
            }
            let (end, endOverflow) = offset.addingReportingOverflow(size)
            let (paddedEnd, padOverflow) = end.addingReportingOverflow(UInt64(ModelFile.sectionTailPadding))
            guard !endOverflow, !padOverflow, paddedEnd <= fileSize else {
                throw .sectionOutOfBounds(tag, offset: offset, size: size, fileSize: bytes.count)
            }
            guard offset >= previousEnd else {
                let other = sections.last.map { "section \($0.tag) (bytes \($0.offset)..<\($0.offset + $0.size))" }
                throw .overlappingSection(tag, with: other ?? "the section table (bytes 0..<\(tableEnd))")
            }
            guard !sections.contains(where: { $0.tag == tag }) else { throw .duplicateSection(tag) }
            sections.append(Section(tag: tag, offset: Int(offset), size: Int(size)))
            previousEnd = end
        }
        self.bytes = bytes
        self.engineVersion = engineVersion
        self.sections = sections
    }

    /// The section tags, in file order.
    public var tags: [FourCharacterCode] { sections.map { $0.tag } }

    /// The bytes of the section tagged `tag` (inside `bytes`, 64-byte aligned relative to its
    /// start, followed by at least 64 readable bytes), or nil if there is none.
    public func section(_ tag: FourCharacterCode) -> UnsafeRawBufferPointer? {
        guard let entry = sections.first(where: { $0.tag == tag }) else { return nil }
        return UnsafeRawBufferPointer(rebasing: bytes[entry.offset..<(entry.offset + entry.size)])
    }

    /// The section tagged `tag`; throws `ModelFileError.missingSection` if there is none.
    public func requireSection(_ tag: FourCharacterCode) throws(ModelFileError) -> UnsafeRawBufferPointer {
        guard let found = section(tag) else { throw .missingSection(tag) }
        return found
    }
}
