import Foundation
import SegPublish
import Testing

@Suite struct RingRoundTripTests {
    @Test func publishedMasksReadBackExactly() throws {
        let folder = RingTestFolder()
        defer { folder.remove() }
        let path = folder.file("masks.ring")
        let model = ringTestModel(width: 37, height: 11)
        let writer = try ShmRingWriter(path: path, model: model, slotCount: 3)
        let reader = try ShmRingReader(path: path)
        #expect(reader.model == model)
        #expect(reader.generation == writer.generation)
        #expect(reader.slotCount == 3)
        #expect(reader.maskCapacity == 448)
        #expect(reader.writerPID == getpid())
        #expect(reader.writerLiveness() == .alive(.running))

        var buffer = [UInt8](repeating: 0, count: reader.maskCapacity)
        #expect(try buffer.withUnsafeMutableBytes { try reader.latest(into: $0) } == nil)
        let masks = SyntheticMasks(width: 37, height: 11, classCount: 3)
        var mask = [UInt8](repeating: 0, count: 37 * 11)
        for number in UInt64(1)...7 {
            mask.withUnsafeMutableBytes { masks.fill($0, frameNumber: number) }
            let before = monotonicNow()
            mask.withUnsafeBytes { writer.publish(mask: $0, info: ringTestInfo(number, width: 37, height: 11)) }
            let frame = try #require(try buffer.withUnsafeMutableBytes { try reader.latest(into: $0) })
            #expect(frame.info == ringTestInfo(number, width: 37, height: 11))
            #expect(frame.generation == writer.generation)
            #expect(frame.slot == Int((number - 1) % 3))
            #expect(frame.maskByteCount == mask.count)
            #expect(frame.checksum == mask.withUnsafeBytes { MaskChecksum.of($0) })
            #expect(frame.publishTimestampNanoseconds >= before && frame.publishTimestampNanoseconds <= monotonicNow())
            #expect(Array(buffer[..<mask.count]) == mask)
        }
    }

    @Test func smallerMasksThanTheModelsFit() throws {
        let folder = RingTestFolder()
        defer { folder.remove() }
        let writer = try ShmRingWriter(path: folder.file("r"), model: ringTestModel(width: 16, height: 16))
        let reader = try ShmRingReader(path: folder.file("r"))
        let mask = (0..<(5 * 3)).map { UInt8($0) }
        mask.withUnsafeBytes { writer.publish(mask: $0, info: ringTestInfo(1, width: 5, height: 3)) }
        var buffer = [UInt8](repeating: 0xAA, count: 16)
        let frame = try #require(try buffer.withUnsafeMutableBytes { try reader.latest(into: $0) })
        #expect(frame.info.width == 5 && frame.info.height == 3 && frame.maskByteCount == 15)
        #expect(Array(buffer[..<15]) == mask)
        #expect(buffer[15] == 0xAA)
    }

    @Test func aBufferTooSmallIsAnError() throws {
        let folder = RingTestFolder()
        defer { folder.remove() }
        let writer = try ShmRingWriter(path: folder.file("r"), model: ringTestModel(width: 8, height: 8))
        let reader = try ShmRingReader(path: folder.file("r"))
        [UInt8](repeating: 1, count: 64).withUnsafeBytes { writer.publish(mask: $0, info: ringTestInfo(1, width: 8, height: 8)) }
        var buffer = [UInt8](repeating: 0, count: 63)
        #expect(throws: ShmRingError.bufferTooSmall(needed: 64, given: 63)) {
            try buffer.withUnsafeMutableBytes { _ = try reader.latest(into: $0) }
        }
    }

    @Test func namesAreCutToTheirFields() throws {
        let folder = RingTestFolder()
        defer { folder.remove() }
        let long = String(repeating: "é", count: 40)  // 80 UTF-8 bytes
        let model = PublishedModel(modelID: long, classNames: ["a", long, ""], maskWidth: 4, maskHeight: 4)
        _ = try ShmRingWriter(path: folder.file("r"), model: model)
        let reader = try ShmRingReader(path: folder.file("r"))
        #expect(reader.model.modelID == String(repeating: "é", count: 31))
        #expect(reader.model.classNames == ["a", String(repeating: "é", count: 15), ""])
    }

    @Test func nextWaitsForTheNextPublish() throws {
        let folder = RingTestFolder()
        defer { folder.remove() }
        let path = folder.file("r")
        let writer = try ShmRingWriter(path: path, model: ringTestModel(width: 8, height: 8))
        let reader = try ShmRingReader(path: path)
        var buffer = [UInt8](repeating: 0, count: 64)
        let start = monotonicNow()
        #expect(try buffer.withUnsafeMutableBytes { try reader.next(after: nil, timeoutNanoseconds: 20_000_000, into: $0) } == nil)
        #expect(monotonicNow() - start >= 20_000_000)
        let publisher = Thread {
            usleep(20_000)
            [UInt8](repeating: 2, count: 64).withUnsafeBytes { writer.publish(mask: $0, info: ringTestInfo(9, width: 8, height: 8)) }
        }
        publisher.start()
        let frame = try #require(try buffer.withUnsafeMutableBytes { try reader.next(after: nil, timeoutNanoseconds: 5_000_000_000, into: $0) })
        #expect(frame.info.frameNumber == 9)
        #expect(monotonicNow() - frame.publishTimestampNanoseconds < 1_000_000_000)
        #expect(try buffer.withUnsafeMutableBytes { try reader.next(after: frame.position, timeoutNanoseconds: 1_000_000, into: $0) } == nil)
    }
}

func monotonicNow() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
}
