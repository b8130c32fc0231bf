import Foundation
import SegRuntime
import Testing

/// A file with sections 'ABCD' (3 bytes), 'EMPT' (0 bytes) and 'WGHT' (100 bytes) for engine 7.
private func sampleFile() -> [UInt8] {
    var writer = ModelFileWriter(engineVersion: 7)
    writer.append(tag: "ABCD", bytes: [1, 2, 3])
    writer.append(tag: "EMPT", bytes: [])
    writer.append(tag: "WGHT", bytes: (0..<100).map { UInt8($0) })
    return writer.serialize()
}

/// The error `ModelFileReader` throws for `bytes`, or nil if it accepts them.
private func refusal(_ bytes: [UInt8], engineVersion: UInt32 = 7) -> ModelFileError? {
    bytes.withUnsafeBytes { buffer -> ModelFileError? in
        do throws(ModelFileError) {
            _ = try ModelFileReader(buffer, engineVersion: engineVersion)
            return nil
        } catch {
            return error
        }
    }
}

/// A hand-made file: header for engine 7 with `sectionCount` (default: the entries') and
/// `fileSize` (default: `size`), the given table entries (tag, reserved, offset, size), zeros up
/// to `size` bytes, and a correct checksum, so that only the table is wrong.
private func rawFile(_ entries: [(UInt32, UInt32, UInt64, UInt64)], size: Int, sectionCount: UInt32? = nil) -> [UInt8] {
    var writer = ByteWriter()
    writer.writeBytes(Array("SEGDMODL".utf8))
    writer.write(UInt32(1))
    writer.write(UInt32(7))
    writer.write(sectionCount ?? UInt32(entries.count))
    writer.write(UInt32(0))
    writer.write(UInt64(size))
    writer.write(UInt64(0))
    writer.align(to: 64)
    for (tag, reserved, offset, length) in entries {
        writer.write(tag)
        writer.write(reserved)
        writer.write(offset)
        writer.write(length)
    }
    writer.writeBytes([UInt8](repeating: 0, count: size - writer.count))
    let checksum = writer.bytes.withUnsafeBytes { xxHash64(UnsafeRawBufferPointer(rebasing: $0[64...])) }
    writer.overwrite(checksum, at: 32)
    return writer.bytes
}

private let abcd = FourCharacterCode("ABCD").rawValue
private let wght = FourCharacterCode("WGHT").rawValue

@Suite struct ModelFileTests {
    @Test func xxHash64MatchesTheReference() {
        // Expected values from libxxhash 0.8.1 (XXH64, seed 0) over bytes (31 i + 7) mod 256.
        let data = (0..<1000).map { UInt8(truncatingIfNeeded: $0 * 31 + 7) }
        let expected: [(Int, UInt64)] = [
            (0, 0xEF46_DB37_51D8_E999), (1, 0xA96C_7F0C_E858_BBB7), (3, 0x56E6_9576_32A4_87F9), (4, 0xC60D_15B1_E3FF_8F04),
            (5, 0x8088_1585_8624_DD4E), (7, 0xAFBE_FC3D_6C6F_9A8E), (8, 0x3DA5_C7AA_2696_83E0), (12, 0x8FE8_AB1C_1FD0_666E),
            (31, 0x4A74_F3A1_A39A_D4A1), (32, 0x8D57_D6A4_671C_C43D), (33, 0x62C9_FD21_ED85_7664), (63, 0x5C32_0A0D_2707_057F),
            (64, 0x7BBA_BBC4_5729_D17E), (100, 0xEFA0_AD2D_3E70_C151), (1000, 0x9959_4F48_2804_3D35),
        ]
        for (count, hash) in expected {
            #expect(data.withUnsafeBytes { xxHash64(UnsafeRawBufferPointer(rebasing: $0[0..<count])) } == hash, "length \(count)")
        }
        #expect(Array("abc".utf8).withUnsafeBytes { xxHash64($0) } == 0x44BC_2CF5_AD77_0999)
    }

    @Test func fourCharacterCodes() {
        let tag: FourCharacterCode = "WGHT"
        #expect(tag.rawValue == 0x5448_4757)
        #expect(tag.description == "'WGHT'")
        #expect(FourCharacterCode(rawValue: 0x0000_4142).description == "0x00004142")
    }

    @Test func exactLayoutOfAOneSectionFile() throws {
        var writer = ModelFileWriter(engineVersion: 0x0102_0304)
        writer.append(tag: "ABCD", bytes: [9, 8, 7])
        let file = writer.serialize()
        // Header 64 + one 24-byte entry = 88, section at 128 (3 bytes, ends 131), padded to 192, + 64.
        #expect(file.count == 256)
        #expect(Array(file[0..<24]) == Array("SEGDMODL".utf8) + [1, 0, 0, 0, 4, 3, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0])
        #expect(Array(file[24..<32]) == [0, 1, 0, 0, 0, 0, 0, 0])
        let checksum = file.withUnsafeBytes { xxHash64(UnsafeRawBufferPointer(rebasing: $0[64...])) }
        #expect(file.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 32, as: UInt64.self) } == checksum.littleEndian)
        #expect(file[40..<64].allSatisfy { $0 == 0 })
        #expect(Array(file[64..<88]) == Array("ABCD".utf8) + [0, 0, 0, 0, 128, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0])
        #expect(file[88..<128].allSatisfy { $0 == 0 })
        #expect(Array(file[128..<131]) == [9, 8, 7])
        #expect(file[131...].allSatisfy { $0 == 0 })
    }

    @Test func fileWithoutSections() throws {
        let file = ModelFileWriter(engineVersion: 7).serialize()
        #expect(file.count == 128)
        try file.withUnsafeBytes { buffer in
            let reader = try ModelFileReader(buffer, engineVersion: 7)
            #expect(reader.tags.isEmpty)
            #expect(reader.section("WGHT") == nil)
        }
    }

    @Test func roundTrip() throws {
        let file = sampleFile()
        #expect(file.count % 64 == 0)
        try file.withUnsafeBytes { buffer in
            let reader = try ModelFileReader(buffer, engineVersion: 7)
            #expect(reader.engineVersion == 7)
            #expect(reader.tags == ["ABCD", "EMPT", "WGHT"])
            #expect(reader.sections.map(\.offset) == [192, 256, 256])
            #expect(reader.sections.map(\.size) == [3, 0, 100])
            #expect(Array(try #require(reader.section("ABCD"))) == [1, 2, 3])
            #expect(try #require(reader.section("EMPT")).isEmpty)
            #expect(Array(try reader.requireSection("WGHT")) == (0..<100).map { UInt8($0) })
            for section in reader.sections {
                #expect(section.offset % 64 == 0)
                #expect(section.offset + section.size + 64 <= file.count)
            }
            #expect(reader.section("NONE") == nil)
            #expect(throws: ModelFileError.missingSection("NONE")) { try reader.requireSection("NONE") }
        }
        #expect(ModelFileError.missingSection("NONE").description == "no section 'NONE' in the model file")
    }

    @Test func refusesOtherFiles() {
        var onnx = sampleFile()
        onnx.replaceSubrange(0..<8, with: [0x08, 0x07, 0x12, 0x07, 0x70, 0x79, 0x74, 0x6F])
        #expect(refusal(onnx) == .badMagic(found: [0x08, 0x07, 0x12, 0x07, 0x70, 0x79, 0x74, 0x6F]))
        #expect(refusal(onnx)?.description == #"not a segd compiled model: the file starts with "\x08\x07\x12\x07pyto", expected "SEGDMODL""#)

        var version2 = sampleFile()
        version2[8] = 2
        #expect(refusal(version2) == .unsupportedFormatVersion(found: 2, supported: 1))
        #expect(refusal(version2)?.description == "written by format version 2, this engine reads version 1")

        var writer = ModelFileWriter(engineVersion: 3)
        writer.append(tag: "ABCD", bytes: [1])
        let engine3 = writer.serialize()
        #expect(refusal(engine3, engineVersion: 4) == .engineVersionMismatch(compiledBy: 3, running: 4))
        #expect(refusal(engine3, engineVersion: 4)?.description == "compiled by engine 3, this is engine 4: recompile")
        #expect(refusal(engine3, engineVersion: 3) == nil)

        var flagged = sampleFile()
        flagged[21] = 1
        #expect(refusal(flagged)?.description == "header flags 0x00000100 are not supported")
        var reserved = sampleFile()
        reserved[63] = 1
        #expect(refusal(reserved)?.description == "reserved byte at offset 63 is not zero: file corrupt")
    }

    @Test func refusesTruncatedAndExtendedFiles() {
        let file = sampleFile()
        #expect(file.count == 448)
        #expect(refusal([]) == .truncated(offset: 0, needed: 8, available: 0))
        #expect(refusal([])?.description == "truncated: 8 bytes needed at offset 0, only 0 available")
        #expect(refusal(Array(file[0..<5])) == .truncated(offset: 0, needed: 8, available: 5))
        #expect(refusal(Array(file[0..<30])) == .truncated(offset: 24, needed: 8, available: 6))
        #expect(refusal(Array(file[0..<63])) == .truncated(offset: 63, needed: 1, available: 0))
        for length in [64, 100, 256, 383, 447] {
            #expect(refusal(Array(file[0..<length])) == .fileSizeMismatch(actual: length, header: 448))
        }
        #expect(refusal(Array(file[0..<100]))?.description == "file is 100 bytes, header says 448 (truncated)")
        #expect(refusal(file + [0])?.description == "file is 449 bytes, header says 448 (extra bytes at the end)")
    }

    @Test func anyFlippedByteIsRefused() {
        let file = sampleFile()
        for offset in file.indices {
            var corrupt = file
            corrupt[offset] ^= 0x10
            guard let error = refusal(corrupt) else {
                Issue.record("flipped byte \(offset) accepted")
                continue
            }
            if offset >= 64 {
                guard case .checksumMismatch = error else {
                    Issue.record("flipped byte \(offset): \(error)")
                    continue
                }
            }
        }
        var corrupt = file
        corrupt[300] ^= 1
        let message = refusal(corrupt)?.description ?? ""
        #expect(message.hasPrefix("checksum mismatch: file corrupt (stored 0x"))
    }

    @Test func refusesBadSectionTables() {
        // One entry: the table ends at 88; sections start at 128 at the earliest.
        #expect(refusal(rawFile([(abcd, 0, 128, 8)], size: 256)) == nil)
        #expect(refusal(rawFile([(abcd, 0, 129, 8)], size: 256)) == .misalignedSection("ABCD", offset: 129))
        #expect(refusal(rawFile([(abcd, 0, 129, 8)], size: 256))?.description == "section 'ABCD' at offset 129 is not 64-byte aligned")
        #expect(refusal(rawFile([(abcd, 0, 64, 8)], size: 256)) == .overlappingSection("ABCD", with: "the section table (bytes 0..<88)"))
        #expect(refusal(rawFile([(abcd, 0, 64, 8)], size: 256))?.description == "section 'ABCD' overlaps the section table (bytes 0..<88)")
        #expect(refusal(rawFile([(abcd, 0, 128, 200)], size: 256)) == .sectionOutOfBounds("ABCD", offset: 128, size: 200, fileSize: 256))
        #expect(refusal(rawFile([(abcd, 0, 128, 65)], size: 256)) == .sectionOutOfBounds("ABCD", offset: 128, size: 65, fileSize: 256))
        #expect(refusal(rawFile([(abcd, 0, 128, 64)], size: 256)) == nil)
        #expect(refusal(rawFile([(abcd, 0, 128, 65)], size: 256))?.description
            == "section 'ABCD' (offset 128, 65 bytes, then 64 bytes of padding) does not fit in the 256-byte file")
        #expect(refusal(rawFile([(abcd, 0, 128, .max)], size: 256)) == .sectionOutOfBounds("ABCD", offset: 128, size: .max, fileSize: 256))
        #expect(refusal(rawFile([(abcd, 0, 0xFFFF_FFFF_FFFF_FFC0, 0)], size: 256)) != nil)
        #expect(refusal(rawFile([(abcd, 1, 128, 8)], size: 256)) == .reservedNotZero(offset: 68))
        // Two entries: the table ends at 112.
        #expect(refusal(rawFile([(abcd, 0, 128, 70), (wght, 0, 192, 8)], size: 320))
            == .overlappingSection("WGHT", with: "section 'ABCD' (bytes 128..<198)"))
        #expect(refusal(rawFile([(abcd, 0, 192, 8), (wght, 0, 128, 8)], size: 320))
            == .overlappingSection("WGHT", with: "section 'ABCD' (bytes 192..<200)"))
        #expect(refusal(rawFile([(abcd, 0, 128, 8), (abcd, 0, 192, 8)], size: 320)) == .duplicateSection("ABCD"))
        #expect(refusal(rawFile([(abcd, 0, 128, 8), (abcd, 0, 192, 8)], size: 320))?.description == "two sections are tagged 'ABCD'")
        #expect(refusal(rawFile([], size: 128, sectionCount: 3)) == .sectionTableOutOfBounds(sectionCount: 3, fileSize: 128))
        #expect(refusal(rawFile([], size: 128, sectionCount: 3))?.description == "section table of 3 entries does not fit in the 128-byte file")
        #expect(refusal(rawFile([], size: 128, sectionCount: .max)) == .sectionTableOutOfBounds(sectionCount: .max, fileSize: 128))
    }

    @Test func byteWriterEncodingIsLittleEndian() {
        var writer = ByteWriter()
        writer.write(UInt8(0xAB))
        writer.write(Int8(-2))
        writer.write(UInt16(0x0102))
        writer.write(Int16(-2))
        writer.write(UInt32(0x0102_0304))
        writer.write(Int32(-2))
        writer.write(UInt64(0x0102_0304_0506_0708))
        writer.write(Int64(-2))
        writer.write(Float(1))
        writer.write(Double(-2))
        writer.write("hé")
        writer.write([UInt16(1), 2])
        #expect(writer.bytes == [
            0xAB, 0xFE, 2, 1, 0xFE, 0xFF, 4, 3, 2, 1, 0xFE, 0xFF, 0xFF, 0xFF, 8, 7, 6, 5, 4, 3, 2, 1,
            0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x80, 0x3F, 0, 0, 0, 0, 0, 0, 0, 0xC0,
            3, 0, 0, 0, 0x68, 0xC3, 0xA9, 2, 0, 0, 0, 1, 0, 2, 0,
        ])
        writer.align(to: 8)
        #expect(writer.count == 64)
        writer.align(to: 8)
        #expect(writer.count == 64)
        writer.overwrite(UInt32(0xDDCC_BBAA), at: 1)
        #expect(Array(writer.bytes[0..<6]) == [0xAB, 0xAA, 0xBB, 0xCC, 0xDD, 0xFF])
    }

    @Test func byteReaderRoundTrip() throws {
        let nan = Float(bitPattern: 0x7FC0_1234)
        var writer = ByteWriter()
        writer.write(UInt8(200))
        writer.write(Int8(-100))
        writer.write(UInt16.max)
        writer.write(Int16.min)
        writer.write(UInt32.max)
        writer.write(Int32.min)
        writer.write(UInt64.max)
        writer.write(Int64.min)
        writer.write(nan)
        writer.write(-0.0 as Double)
        writer.write("")
        writer.write("grüße 🚀")
        writer.align(to: 16)
        writer.write([Float(0.5), -1.25])
        writer.write([["a", "bc"], [], ["d"]])
        writer.writeBytes([1, 2, 3])
        try writer.bytes.withUnsafeBytes { buffer in
            var reader = ByteReader(buffer)
            #expect(try reader.read(UInt8.self) == 200)
            #expect(try reader.read(Int8.self) == -100)
            #expect(try reader.read(UInt16.self) == .max)
            #expect(try reader.read(Int16.self) == .min)
            #expect(try reader.read(UInt32.self) == .max)
            #expect(try reader.read(Int32.self) == .min)
            #expect(try reader.read(UInt64.self) == .max)
            #expect(try reader.read(Int64.self) == .min)
            #expect(try reader.read(Float.self).bitPattern == 0x7FC0_1234)
            let zero = try reader.read(Double.self)
            #expect(zero == 0 && zero.sign == .minus)
            #expect(try reader.read(String.self) == "")
            #expect(try reader.read(String.self) == "grüße 🚀")
            try reader.align(to: 16)
            #expect(reader.offset % 16 == 0)
            #expect(try reader.read([Float].self) == [0.5, -1.25])
            #expect(try reader.read([[String]].self) == [["a", "bc"], [], ["d"]])
            #expect(Array(try reader.readBytes(count: 3)) == [1, 2, 3])
            #expect(reader.remaining == 0)
            #expect(throws: ModelFileError.truncated(offset: buffer.count, needed: 1, available: 0)) { try reader.read(UInt8.self) }
        }
    }

    @Test func byteReaderRefusesOverruns() {
        [UInt8](arrayLiteral: 1, 2, 3).withUnsafeBytes { buffer in
            var reader = ByteReader(buffer)
            #expect(throws: ModelFileError.truncated(offset: 0, needed: 4, available: 3)) { try reader.read(UInt32.self) }
            #expect(reader.offset == 0)
            #expect(throws: ModelFileError.truncated(offset: 0, needed: 4, available: 3)) { try reader.readBytes(count: 4) }
            #expect(throws: ModelFileError.truncated(offset: 0, needed: -1, available: 3)) { try reader.readBytes(count: -1) }
            _ = try? reader.read(UInt16.self)
            #expect(throws: ModelFileError.truncated(offset: 2, needed: 6, available: 1)) { try reader.align(to: 8) }
        }
        #expect(ModelFileError.truncated(offset: 2, needed: 6, available: 1).description == "truncated: 6 bytes needed at offset 2, only 1 available")
        // A string claiming 5 bytes with 2 left; an array claiming 1000 elements in 4 bytes.
        [UInt8](arrayLiteral: 5, 0, 0, 0, 0x41, 0x42).withUnsafeBytes { buffer in
            var reader = ByteReader(buffer)
            #expect(throws: ModelFileError.truncated(offset: 4, needed: 5, available: 2)) { try reader.read(String.self) }
        }
        [UInt8](arrayLiteral: 0xE8, 0x03, 0, 0, 1, 2, 3, 4).withUnsafeBytes { buffer in
            var reader = ByteReader(buffer)
            #expect(throws: ModelFileError.truncated(offset: 4, needed: 1000, available: 4)) { try reader.read([UInt8].self) }
        }
        [UInt8](arrayLiteral: 2, 0, 0, 0, 0xC3, 0x28).withUnsafeBytes { buffer in
            var reader = ByteReader(buffer)
            #expect(throws: ModelFileError.malformed("the string at offset 4 is not valid UTF-8")) { try reader.read(String.self) }
        }
        #expect(ModelFileError.malformed("x").description == "malformed: x")
    }
}

/// A fresh, empty folder under the system's temporary folder.
private func temporaryFolder() throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("segd-modelfile-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    return path
}

@Suite struct MappedFileTests {
    @Test func writeMapAndRead() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/model.segd"
        try writeFileAtomically(path: path, bytes: [1, 2, 3])
        try writeFileAtomically(path: path, bytes: sampleFile())
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["model.segd"])
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o644)

        let mapped = try MappedFile(path: path)
        #expect(mapped.path == path)
        #expect(Array(mapped.bytes) == sampleFile())
        #expect(Int(bitPattern: mapped.bytes.baseAddress) % 4096 == 0)
        let reader = try ModelFileReader(mapped.bytes, engineVersion: 7)
        for tag in reader.tags {
            let section = try reader.requireSection(tag)
            #expect(Int(bitPattern: section.baseAddress) % 64 == 0)
        }
        #expect(Array(try reader.requireSection("WGHT")) == (0..<100).map { UInt8($0) })
    }

    @Test func emptyFileMapsToNoBytes() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try writeFileAtomically(path: folder + "/empty", bytes: [])
        let mapped = try MappedFile(path: folder + "/empty")
        #expect(mapped.bytes.isEmpty)
        #expect(throws: ModelFileError.truncated(offset: 0, needed: 8, available: 0)) {
            try ModelFileReader(mapped.bytes, engineVersion: 7)
        }
    }

    @Test func errorsNameThePathAndCall() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(throws: MappedFileError(path: folder + "/missing", operation: "open", code: ENOENT)) {
            try MappedFile(path: folder + "/missing")
        }
        #expect(MappedFileError(path: "/x/missing", operation: "open", code: ENOENT).description
            == "/x/missing: open: No such file or directory (errno 2)")
        #expect(throws: MappedFileError(path: folder, operation: "open", code: EISDIR)) { try MappedFile(path: folder) }
        #expect(throws: MappedFileError(path: folder + "/no/file", operation: "mkstemp", code: ENOENT)) {
            try writeFileAtomically(path: folder + "/no/file", bytes: [1])
        }
        // Renaming a file over a folder fails; the temporary file must not be left behind.
        try FileManager.default.createDirectory(atPath: folder + "/taken", withIntermediateDirectories: false)
        #expect(throws: MappedFileError(path: folder + "/taken", operation: "rename", code: EISDIR)) {
            try writeFileAtomically(path: folder + "/taken", bytes: [1])
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["taken"])
    }
}
