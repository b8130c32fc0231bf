import SegPublish
import Synchronization
import Testing

/// The offsets of docs/shm-ring.md's tables: C and Python readers are written from them.
@Suite struct RingLayoutTests {
    @Test func headerOffsetsMatchTheDocument() {
        typealias Header = ShmRingLayout.Header
        let documented: [(Int, Int)] = [
            (Header.magic, 0), (Header.version, 8), (Header.headerSize, 12), (Header.slotCount, 16),
            (Header.slotStride, 20), (Header.maskCapacity, 24), (Header.classCount, 28), (Header.generation, 32),
            (Header.writerPID, 40), (Header.maskWidth, 44), (Header.maskHeight, 48), (Header.reserved, 52),
            (Header.heartbeat, 64), (Header.writerState, 72), (Header.publishSequence, 76), (Header.latestFrame, 80),
            (Header.latestSlot, 88), (Header.modelID, 128), (Header.classNames, 192), (Header.size, 8384),
        ]
        for (actual, expected) in documented { #expect(actual == expected) }
        #expect(Header.classNames + ShmRingLayout.classNameCapacity * ShmRingLayout.classNameSize == Header.size)
        #expect(Header.size % ShmRingLayout.alignment == 0)
    }

    @Test func slotOffsetsMatchTheDocument() {
        typealias Slot = ShmRingLayout.Slot
        let documented: [(Int, Int)] = [
            (Slot.sequence, 0), (Slot.frameNumber, 8), (Slot.captureTimestamp, 16), (Slot.publishTimestamp, 24),
            (Slot.inferenceTime, 32), (Slot.width, 40), (Slot.height, 44), (Slot.classCount, 48),
            (Slot.maskByteCount, 52), (Slot.checksum, 56), (Slot.mask, 64),
        ]
        for (actual, expected) in documented { #expect(actual == expected) }
    }

    @Test func sizesRoundToCacheLines() {
        #expect(ShmRingLayout.maskCapacity(forMaskBytes: 640 * 480) == 307_200)
        #expect(ShmRingLayout.maskCapacity(forMaskBytes: 321 * 321) == 103_104)
        #expect(ShmRingLayout.slotStride(maskCapacity: 307_200) == 307_264)
        #expect(ShmRingLayout.fileSize(headerSize: 8384, slotCount: 4, slotStride: 307_264) == 1_237_440)
        #expect(ShmRingLayout.magic == UInt64(littleEndian: Array("SEGDRING".utf8).withUnsafeBytes { $0.load(as: UInt64.self) }))
    }

    /// The mapping reaches atomic fields as Atomic<UInt64>/Atomic<UInt32>: sound only while they
    /// have their value's size and alignment.
    @Test func atomicsHaveTheLayoutOfTheirValues() {
        #expect(MemoryLayout<Atomic<UInt64>>.size == 8)
        #expect(MemoryLayout<Atomic<UInt64>>.alignment == 8)
        #expect(MemoryLayout<Atomic<UInt32>>.size == 4)
        #expect(MemoryLayout<Atomic<UInt32>>.alignment == 4)
    }
}
