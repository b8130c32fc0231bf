import Foundation
import SegPublish
import Testing

@Suite struct RingWriterLifecycleTests {
    @Test func closedStateIsSeenByReaders() throws {
        let folder = RingTestFolder()
        defer { folder.remove() }
        let writer = try ShmRingWriter(path: folder.file("r"), model: ringTestModel())
        let reader = try ShmRingReader(path: folder.file("r"))
        #expect(reader.writerLiveness() == .alive(.running))
        writer.close()
        #expect(reader.writerLiveness() == .closed)
        writer.close()
    }

    @Test func staleHeartbeatIsReported() throws {
        let folder = RingTestFolder()
        defer { folder.remove() }
        let writer = try ShmRingWriter(path: folder.file("r"), model: ringTestModel())
        let reader = try ShmRingReader(path: folder.file("r"), staleAfterNanoseconds: 20_000_000)
        usleep(40_000)
        guard case .stale(let age) = reader.writerLiveness() else {
            Issue.record("expected a stale heartbeat, got \(reader.writerLiveness())")
            return
        }
        #expect(age >= 20_000_000)
        writer.heartbeat()
        #expect(reader.writerLiveness() == .alive(.running))
    }

    @Test func eachWriterStartBumpsTheGeneration() throws {
        let folder = RingTestFolder()
        defer { folder.remove() }
        let path = folder.file("r")
        let first = try ShmRingWriter(path: path, model: ringTestModel())
        let reader = try ShmRingReader(path: path)
        #expect(try !reader.reattachIfReplaced())
        first.close()
        let second = try ShmRingWriter(path: path, model: ringTestModel(width: 10, height: 10))
        #expect(second.generation == first.generation + 1)
        #expect(reader.generation == first.generation)
        #expect(try reader.reattachIfReplaced())
        #expect(reader.generation == second.generation)
        #expect(reader.model.maskWidth == 10)
        #expect(reader.statistics.restartsSeen == 1 && reader.statistics.reattachments == 1)
    }

    @Test func aStaleFileIsReplacedAndTheGenerationComesFromTime() throws {
        let folder = RingTestFolder()
        defer { folder.remove() }
        let path = folder.file("r")
        writeRingTestFile(path, [UInt8](repeating: 0x5A, count: 100))
        let before = UInt64(Date().timeIntervalSince1970 * 1e9)
        let writer = try ShmRingWriter(path: path, model: ringTestModel())
        #expect(writer.generation >= before)
        let reader = try ShmRingReader(path: path)
        #expect(reader.generation == writer.generation)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        #expect(leftovers == ["r"])
    }

    @Test func aRestartedWriterIsFoundByWaitingReaders() throws {
        let folder = RingTestFolder()
        defer { folder.remove() }
        let path = folder.file("r")
        var writer: ShmRingWriter? = try ShmRingWriter(path: path, model: ringTestModel(width: 8, height: 8))
        let reader = try ShmRingReader(path: path)
        let mask = [UInt8](repeating: 1, count: 64)
        mask.withUnsafeBytes { writer!.publish(mask: $0, info: ringTestInfo(5, width: 8, height: 8)) }
        var buffer = [UInt8](repeating: 0, count: 64)
        let first = try #require(try buffer.withUnsafeMutableBytes { try reader.next(after: nil, timeoutNanoseconds: 1_000_000_000, into: $0) })
        writer = nil  // deinit closes
        let restarted = try ShmRingWriter(path: path, model: ringTestModel(width: 8, height: 8))
        mask.withUnsafeBytes { restarted.publish(mask: $0, info: ringTestInfo(1, width: 8, height: 8)) }
        let second = try #require(try buffer.withUnsafeMutableBytes { try reader.next(after: first.position, timeoutNanoseconds: 2_000_000_000, into: $0) })
        #expect(second.generation == restarted.generation)
        #expect(second.info.frameNumber == 1)
        #expect(reader.statistics.restartsSeen == 1)
    }

    @Test func badConfigurationsAreRefused() {
        let folder = RingTestFolder()
        defer { folder.remove() }
        let tooMany = PublishedModel(modelID: "m", classNames: (0..<257).map { "c\($0)" }, maskWidth: 4, maskHeight: 4)
        #expect(throws: ShmRingError.self) { _ = try ShmRingWriter(path: folder.file("r"), model: tooMany) }
        #expect(throws: ShmRingError.self) { _ = try ShmRingWriter(path: folder.file("r"), model: ringTestModel(width: 0, height: 4)) }
        #expect(throws: ShmRingError.self) { _ = try ShmRingWriter(path: folder.file("r"), model: ringTestModel(), slotCount: 0) }
        #expect(throws: ShmRingError.system(path: "/nonexistent-segd/r", call: "mkstemp", errno: ENOENT)) {
            _ = try ShmRingWriter(path: "/nonexistent-segd/r", model: ringTestModel())
        }
    }
}
