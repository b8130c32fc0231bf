import Synchronization

/// What a slot says about its mask (everything but the mask bytes), as read under the seqlock.
struct RingSlotContents {
    var frameNumber: UInt64
    var captureTimestampNanoseconds: UInt64
    var publishTimestampNanoseconds: UInt64
    var inferenceNanoseconds: UInt64
    var width: UInt32
    var height: UInt32
    var classCount: UInt32
    var maskByteCount: UInt32
    var checksum: UInt64
}

/// One attempt at reading a slot.
enum RingSlotRead {
    /// The fields and mask bytes copied out belong to one publish.
    case consistent(RingSlotContents)
    /// The writer was filling the slot before or during the copy: try again.
    case torn
    /// A consistent slot whose mask does not fit the caller's buffer.
    case tooLarge(maskByteCount: Int)
}

/// One slot of a mapped ring, and the seqlock protocol of docs/shm-ring.md with the orderings of
/// Boehm, "Can Seqlocks Get Along With Programming Language Memory Models?" (2012): every access
/// to the slot is atomic (data relaxed), so a reader racing the writer is defined behaviour and
/// the sequence check decides whether the copy is kept. Relaxed 8-byte loads and stores are
/// plain `mov`/`ldr`/`str` on x86_64 and aarch64, so this costs nothing over a plain copy loop.
struct RingSlot {
    /// The slot's first byte (its seqlock) inside a mapping that outlives this value.
    let base: UnsafeMutableRawPointer
    /// Mask bytes the slot holds (a multiple of 64).
    let maskCapacity: Int

    private var sequence: UnsafeMutablePointer<Atomic<UInt64>> { field64(ShmRingLayout.Slot.sequence) }
    private var words: UnsafeMutablePointer<Atomic<UInt64>> { field64(ShmRingLayout.Slot.mask) }

    private func field64(_ offset: Int) -> UnsafeMutablePointer<Atomic<UInt64>> {
        (base + offset).assumingMemoryBound(to: Atomic<UInt64>.self)
    }

    private func field32(_ offset: Int) -> UnsafeMutablePointer<Atomic<UInt32>> {
        (base + offset).assumingMemoryBound(to: Atomic<UInt32>.self)
    }

    /// Writer side: fills the slot with `mask` and `info` and its checksum (computed while
    /// copying), stamping the publish time last. Only the ring's single writer calls this.
    /// Allocation-free.
    func write(mask: UnsafeRawBufferPointer, info: MaskFrameInfo) {
        precondition(mask.count <= maskCapacity, "mask of \(mask.count) bytes in a slot of \(maskCapacity)")
        let start = sequence.pointee.load(ordering: .relaxed)
        sequence.pointee.store(start &+ 1, ordering: .relaxed)
        atomicMemoryFence(ordering: .releasing)
        typealias Slot = ShmRingLayout.Slot
        field64(Slot.frameNumber).pointee.store(info.frameNumber, ordering: .relaxed)
        field64(Slot.captureTimestamp).pointee.store(info.captureTimestampNanoseconds, ordering: .relaxed)
        field64(Slot.inferenceTime).pointee.store(info.inferenceNanoseconds, ordering: .relaxed)
        field32(Slot.width).pointee.store(UInt32(info.width), ordering: .relaxed)
        field32(Slot.height).pointee.store(UInt32(info.height), ordering: .relaxed)
        field32(Slot.classCount).pointee.store(UInt32(info.classCount), ordering: .relaxed)
        field32(Slot.maskByteCount).pointee.store(UInt32(mask.count), ordering: .relaxed)
        let checksum = copyAndChecksum(mask)
        field64(Slot.checksum).pointee.store(checksum, ordering: .relaxed)
        field64(Slot.publishTimestamp).pointee.store(PublishClock.monotonicNanoseconds(), ordering: .relaxed)
        sequence.pointee.store(start &+ 2, ordering: .releasing)
    }

    /// Copies `mask` into the slot as whole 8-byte words, zero-padding the last 32-byte stripe,
    /// and returns its `MaskChecksum` (one pass over the bytes).
    private func copyAndChecksum(_ mask: UnsafeRawBufferPointer) -> UInt64 {
        var checksum = MaskChecksum()
        let stripeSize = MaskChecksum.stripeSize
        let fullStripes = mask.count / stripeSize
        let destination = words
        if let source = mask.baseAddress {
            for stripe in 0..<fullStripes {
                let offset = stripe &* stripeSize
                let word0 = source.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                let word1 = source.loadUnaligned(fromByteOffset: offset &+ 8, as: UInt64.self)
                let word2 = source.loadUnaligned(fromByteOffset: offset &+ 16, as: UInt64.self)
                let word3 = source.loadUnaligned(fromByteOffset: offset &+ 24, as: UInt64.self)
                checksum.add(word0.littleEndian, word1.littleEndian, word2.littleEndian, word3.littleEndian)
                let index = stripe &* 4
                destination[index].store(word0, ordering: .relaxed)
                destination[index &+ 1].store(word1, ordering: .relaxed)
                destination[index &+ 2].store(word2, ordering: .relaxed)
                destination[index &+ 3].store(word3, ordering: .relaxed)
            }
            let tailCount = mask.count &- fullStripes &* stripeSize
            if tailCount > 0 {
                var tail: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
                withUnsafeMutableBytes(of: &tail) { $0.copyMemory(from: UnsafeRawBufferPointer(start: source + fullStripes &* stripeSize, count: tailCount)) }
                checksum.add(tail.0.littleEndian, tail.1.littleEndian, tail.2.littleEndian, tail.3.littleEndian)
                let index = fullStripes &* 4
                destination[index].store(tail.0, ordering: .relaxed)
                destination[index &+ 1].store(tail.1, ordering: .relaxed)
                destination[index &+ 2].store(tail.2, ordering: .relaxed)
                destination[index &+ 3].store(tail.3, ordering: .relaxed)
            }
        }
        return checksum.finish(length: mask.count)
    }

    /// Reader side: one attempt at copying the slot's mask into `buffer` and its fields out.
    /// Allocation-free; `buffer` bytes past the mask are left as they were.
    func read(into buffer: UnsafeMutableRawBufferPointer) -> RingSlotRead {
        let before = sequence.pointee.load(ordering: .acquiring)
        if before & 1 != 0 { return .torn }
        typealias Slot = ShmRingLayout.Slot
        let contents = RingSlotContents(
            frameNumber: field64(Slot.frameNumber).pointee.load(ordering: .relaxed),
            captureTimestampNanoseconds: field64(Slot.captureTimestamp).pointee.load(ordering: .relaxed),
            publishTimestampNanoseconds: field64(Slot.publishTimestamp).pointee.load(ordering: .relaxed),
            inferenceNanoseconds: field64(Slot.inferenceTime).pointee.load(ordering: .relaxed),
            width: field32(Slot.width).pointee.load(ordering: .relaxed),
            height: field32(Slot.height).pointee.load(ordering: .relaxed),
            classCount: field32(Slot.classCount).pointee.load(ordering: .relaxed),
            maskByteCount: field32(Slot.maskByteCount).pointee.load(ordering: .relaxed),
            checksum: field64(Slot.checksum).pointee.load(ordering: .relaxed))
        let byteCount = Int(contents.maskByteCount)
        // A torn read may see any byte count; only copy what fits both the slot and the buffer.
        let fits = byteCount <= maskCapacity && byteCount <= buffer.count
        if fits, let destination = buffer.baseAddress {
            let source = words
            let wholeWords = byteCount / 8
            for index in 0..<wholeWords {
                destination.storeBytes(of: source[index].load(ordering: .relaxed), toByteOffset: index &* 8, as: UInt64.self)
            }
            let tailCount = byteCount &- wholeWords &* 8
            if tailCount > 0 {
                let last = source[wholeWords].load(ordering: .relaxed)
                withUnsafeBytes(of: last) { bytes in
                    (destination + wholeWords &* 8).copyMemory(from: bytes.baseAddress!, byteCount: tailCount)
                }
            }
        }
        atomicMemoryFence(ordering: .acquiring)
        let after = sequence.pointee.load(ordering: .relaxed)
        if after != before { return .torn }
        if byteCount > maskCapacity { return .torn }
        if byteCount > buffer.count { return .tooLarge(maskByteCount: byteCount) }
        return .consistent(contents)
    }
}
