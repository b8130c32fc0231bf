/// Why a compiled model file (or a section of one) was refused. The description says what was
/// found and, where it helps, what to do (`recompile`).
public enum ModelFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Reading `needed` bytes at `offset` would pass the end (`available` bytes were left).
    case truncated(offset: Int, needed: Int, available: Int)
    /// The file does not start with `SEGDMODL`: not a compiled model (perhaps an ONNX file).
    case badMagic(found: [UInt8])
    /// Written in a container layout this engine does not read.
    case unsupportedFormatVersion(found: UInt32, supported: UInt32)
    /// Compiled by another engine version: int8 layouts and kernels may differ, so recompile.
    case engineVersionMismatch(compiledBy: UInt32, running: UInt32)
    /// Header flags that no engine defines.
    case unsupportedHeaderFlags(UInt32)
    /// A reserved header or section-table byte that must be zero is not.
    case reservedNotZero(offset: Int)
    /// The file's size differs from the size its header records.
    case fileSizeMismatch(actual: Int, header: UInt64)
    /// The checksum over everything after the header does not match: the file is corrupt.
    case checksumMismatch(stored: UInt64, computed: UInt64)
    /// `sectionCount` entries do not fit in the file.
    case sectionTableOutOfBounds(sectionCount: UInt32, fileSize: Int)
    /// A section whose offset is not a multiple of 64.
    case misalignedSection(FourCharacterCode, offset: UInt64)
    /// A section (with the 64 bytes that must follow it) reaching past the end of the file.
    case sectionOutOfBounds(FourCharacterCode, offset: UInt64, size: UInt64, fileSize: Int)
    /// A section starting inside the section table or before the end of the previous section.
    case overlappingSection(FourCharacterCode, with: String)
    /// Two sections with the same tag.
    case duplicateSection(FourCharacterCode)
    /// A section the loader needs is absent.
    case missingSection(FourCharacterCode)
    /// Section contents that do not decode (invalid UTF-8, an impossible value, ...).
    case malformed(String)

    public var description: String {
        switch self {
        case .truncated(let offset, let needed, let available):
            "truncated: \(needed) bytes needed at offset \(offset), only \(available) available"
        case .badMagic(let found):
            "not a segd compiled model: the file starts with \"\(escapedASCII(found))\", expected \"SEGDMODL\""
        case .unsupportedFormatVersion(let found, let supported):
            "written by format version \(found), this engine reads version \(supported)"
        case .engineVersionMismatch(let compiledBy, let running):
            "compiled by engine \(compiledBy), this is engine \(running): recompile"
        case .unsupportedHeaderFlags(let flags):
            "header flags 0x\(ModelFile.hex(UInt64(flags), digits: 8)) are not supported"
        case .reservedNotZero(let offset):
            "reserved byte at offset \(offset) is not zero: file corrupt"
        case .fileSizeMismatch(let actual, let header):
            "file is \(actual) bytes, header says \(header)\(UInt64(actual) < header ? " (truncated)" : " (extra bytes at the end)")"
        case .checksumMismatch(let stored, let computed):
            "checksum mismatch: file corrupt (stored 0x\(ModelFile.hex(stored, digits: 16)), computed 0x\(ModelFile.hex(computed, digits: 16)))"
        case .sectionTableOutOfBounds(let count, let fileSize):
            "section table of \(count) entries does not fit in the \(fileSize)-byte file"
        case .misalignedSection(let tag, let offset):
            "section \(tag) at offset \(offset) is not 64-byte aligned"
        case .sectionOutOfBounds(let tag, let offset, let size, let fileSize):
            "section \(tag) (offset \(offset), \(size) bytes, then 64 bytes of padding) does not fit in the \(fileSize)-byte file"
        case .overlappingSection(let tag, let other):
            "section \(tag) overlaps \(other)"
        case .duplicateSection(let tag):
            "two sections are tagged \(tag)"
        case .missingSection(let tag):
            "no section \(tag) in the model file"
        case .malformed(let reason):
            "malformed: \(reason)"
        }
    }
}

/// Printable ASCII as is, other bytes as `\xNN`.
private func escapedASCII(_ bytes: [UInt8]) -> String {
    var text = ""
    for byte in bytes {
        if byte >= 0x20 && byte < 0x7F && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") {
            text += String(decoding: [byte], as: UTF8.self)
        } else {
            text += "\\x\(ModelFile.hex(UInt64(byte), digits: 2))"
        }
    }
    return text
}
