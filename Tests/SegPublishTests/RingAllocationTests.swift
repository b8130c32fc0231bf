import CAllocationCounter
import SegPublish
import Testing

@Suite struct RingAllocationTests {
    @Test func publishAndReadDoNotAllocate() throws {
        let folder = RingTestFolder()
        defer { folder.remove() }
        let writer = try ShmRingWriter(path: folder.file("r"), model: ringTestModel(width: 640, height: 480))
        let reader = try ShmRingReader(path: folder.file("r"))
        let mask = [UInt8](repeating: 2, count: 640 * 480 - 3) + [0, 1, 2]
        var buffer = [UInt8](repeating: 0, count: reader.maskCapacity)
        try mask.withUnsafeBytes { source in
            try buffer.withUnsafeMutableBytes { destination in
                writer.publish(mask: source, info: ringTestInfo(1, width: 640, height: 480))
                _ = try reader.latest(into: destination)
                let before = allocation_counter_thread_allocations()
                // An Int range: iterating a ClosedRange<UInt64> allocates in debug builds.
                for number in 2...50 {
                    writer.publish(mask: source, info: ringTestInfo(UInt64(number), width: 640, height: 480))
                    writer.heartbeat()
                    _ = try reader.latest(into: destination)
                }
                _ = try reader.next(after: nil, timeoutNanoseconds: 0, into: destination)
                #expect(allocation_counter_thread_allocations() - before == 0)
            }
        }
        #expect(buffer[..<mask.count] == mask[...])
    }
}
