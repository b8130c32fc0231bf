/// The compiled-model container: one file holding everything the runtime needs, in tagged
/// sections that can be used in place from a read-only memory map.
///
/// Layout (all integers little-endian):
///
/// ```
/// offset  size  field
///      0     8  magic "SEGDMODL" (ASCII)
///      8     4  formatVersion   UInt32, this layout: 1
///     12     4  engineVersion   UInt32, the engine that compiled the file; any other engine refuses it
///     16     4  sectionCount    UInt32
///     20     4  headerFlags     UInt32, 0 (no flags are defined)
///     24     8  fileSize        UInt64, the exact size of the file in bytes
///     32     8  checksum        UInt64, XXH64 (seed 0) of bytes 64..<fileSize
///     40    24  reserved, zero
///     64  24*n  section table, n = sectionCount entries of
///                 tag      UInt32  four-character code, first character in the low byte
///                                  (so a hex dump shows it in reading order)
///                 reserved UInt32  zero
///                 offset   UInt64  from the start of the file, a multiple of 64
///                 size     UInt64  in bytes
///  then the sections, in table order, each at the first multiple of 64 at or after the end of the
///  previous one (or of the table); gaps are zero; the file ends with zero bytes so that at least 64
///  bytes follow the end of the last section and the size is a multiple of 64.
/// ```
///
/// Why: 64-byte section offsets let int8 weights be used in place from an mmap (a map starts
/// on a page, so the data is 64-byte aligned), and the 64 bytes after every section are what
/// kernels may read past the end of an input (`AlignedBuffer.kernelTailPadding`). The checksum
/// (XXH64: 32 bytes per step in four independent lanes, fast enough to check on every load) covers
/// the section table and every section; the header is checked field by field instead (magic,
/// versions, flags, size, zero reserved bytes). Tags are unique within a file. What each section
/// holds is defined by the code that writes it; `ByteWriter`/`ByteReader` give the encoding.
public enum ModelFile {
    /// The first 8 bytes of every compiled model.
    public static let magic: [UInt8] = Array("SEGDMODL".utf8)
    /// The layout described above; a reader refuses every other version.
    public static let formatVersion: UInt32 = 1
    /// Bytes before the section table.
    public static let headerSize = 64
    /// Bytes per section table entry.
    public static let sectionEntrySize = 24
    /// Alignment of every section's offset.
    public static let sectionAlignment = 64
    /// Readable bytes guaranteed after the end of every section.
    public static let sectionTailPadding = 64

    /// `value` rounded up to a multiple of `alignment` (a power of two).
    @inline(__always)
    static func alignUp(_ value: Int, _ alignment: Int) -> Int {
        (value + alignment - 1) & ~(alignment - 1)
    }

    /// `value` as `digits` upper-case hex digits, zero-padded (for messages).
    static func hex(_ value: UInt64, digits: Int) -> String {
        let text = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, digits - text.utf8.count)) + text
    }
}
