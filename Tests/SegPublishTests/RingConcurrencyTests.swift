import Foundation
import SegPublish
import Synchronization
import Testing

/// A writer thread publishing as fast as it can against a reader thread copying as fast as it
/// can, in one process: the seqlock must reject every torn copy.
@Suite struct RingConcurrencyTests {
    @Test func readersNeverAcceptTornMasks() throws {
        let folder = RingTestFolder()
        defer { folder.remove() }
        let path = folder.file("r")
        let width = 160, height = 120
        // Two slots, so the writer laps the reader often and torn reads really happen.
        let writer = try ShmRingWriter(path: path, model: ringTestModel(width: width, height: height), slotCount: 2)
        let masks = SyntheticMasks(width: width, height: height, classCount: 7)
        let frames: UInt64 = 30_000
        let done = Atomic<Bool>(false)
        let publisher = Thread {
            var mask = [UInt8](repeating: 0, count: width * height)
            for number in 1...frames {
                mask.withUnsafeMutableBytes { masks.fill($0, frameNumber: number) }
                mask.withUnsafeBytes { writer.publish(mask: $0, info: ringTestInfo(number, width: width, height: height, classes: 7)) }
            }
            done.store(true, ordering: .releasing)
        }
        let reader = try ShmRingReader(path: path)
        var buffer = [UInt8](repeating: 0, count: reader.maskCapacity)
        var expected = [UInt8](repeating: 0, count: width * height)
        var accepted = 0, mismatches = 0, lastFrame: UInt64 = 0
        publisher.start()
        while !done.load(ordering: .acquiring) {
            guard let frame = try buffer.withUnsafeMutableBytes({ try reader.latest(into: $0) }) else { continue }
            accepted += 1
            let checksum = buffer.withUnsafeBytes { MaskChecksum.of(UnsafeRawBufferPointer(rebasing: $0[..<frame.maskByteCount])) }
            expected.withUnsafeMutableBytes { masks.fill($0, frameNumber: frame.info.frameNumber) }
            if checksum != frame.checksum || buffer[..<frame.maskByteCount] != expected[...] { mismatches += 1 }
            #expect(frame.info.frameNumber >= lastFrame)
            lastFrame = frame.info.frameNumber
        }
        #expect(mismatches == 0)
        #expect(accepted > 100)
        print("ring concurrency: \(accepted) accepted, \(reader.statistics.tornRetries) torn retries, 0 mismatches expected, \(mismatches) seen")
    }
}
