import Foundation
import SegPublish
import Testing

/// Files that are not valid rings must give errors that say what is wrong.
@Suite struct RingAttachErrorTests {
    @Test func missingFile() {
        #expect(throws: ShmRingError.system(path: "/nonexistent-segd.ring", call: "open", errno: ENOENT)) {
            _ = try ShmRingReader(path: "/nonexistent-segd.ring")
        }
    }

    @Test func shortFile() {
        let folder = RingTestFolder()
        defer { folder.remove() }
        writeRingTestFile(folder.file("r"), Array("SEGDRING".utf8))
        #expect(throws: ShmRingError.truncated(path: folder.file("r"), size: 8, needed: 64)) { _ = try ShmRingReader(path: folder.file("r")) }
    }

    @Test func badMagic() {
        let folder = RingTestFolder()
        defer { folder.remove() }
        writeRingTestFile(folder.file("r"), [UInt8](repeating: 0, count: 9000))
        #expect(throws: ShmRingError.badMagic(path: folder.file("r"), found: 0)) { _ = try ShmRingReader(path: folder.file("r")) }
        #expect(ShmRingError.badMagic(path: "p", found: 0).description.contains("not a segd mask ring"))
    }

    @Test func otherVersion() throws {
        let (folder, path) = try validRingFile { $0[8] = 2 }
        defer { folder.remove() }
        #expect(throws: ShmRingError.unsupportedVersion(path: path, found: 2)) { _ = try ShmRingReader(path: path) }
    }

    @Test func truncatedSlots() throws {
        let (folder, path) = try validRingFile { $0.removeLast(64) }
        defer { folder.remove() }
        #expect(throws: ShmRingError.self) { _ = try ShmRingReader(path: path) }
        do {
            _ = try ShmRingReader(path: path)
        } catch {
            guard case .truncated = error else { Issue.record("expected truncated, got \(error)"); return }
        }
    }

    @Test func inconsistentHeaders() throws {
        for (offset, value) in [(12, UInt8(1)), (16, 0), (20, 64), (24, 1), (28, 255)] {
            let (folder, path) = try validRingFile { bytes in
                bytes[offset] = value
                if offset == 28 { bytes[29] = 1 }  // 511 classes
            }
            defer { folder.remove() }
            do {
                _ = try ShmRingReader(path: path)
                Issue.record("offset \(offset): accepted")
            } catch {
                guard case .inconsistentHeader = error else { Issue.record("offset \(offset): \(error)"); continue }
                #expect(error.description.contains("bad mask ring header"))
            }
        }
    }

    /// A ring written by a writer, copied to another file with `edit` applied.
    private func validRingFile(_ edit: (inout [UInt8]) -> Void) throws -> (RingTestFolder, String) {
        let folder = RingTestFolder()
        let writer = try ShmRingWriter(path: folder.file("source"), model: ringTestModel(width: 8, height: 8), slotCount: 2)
        writer.close()
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: folder.file("source"))))
        edit(&bytes)
        writeRingTestFile(folder.file("r"), bytes)
        return (folder, folder.file("r"))
    }
}
