#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization

/// The one writer of a mask ring file (docs/shm-ring.md): creates the file, publishes masks into
/// its slots round-robin under per-slot seqlocks, never waiting for a reader.
///
/// Starting replaces whatever is at `path` atomically (a fresh file is built beside it and
/// renamed over it), so a stale ring left by a crash is never reused and readers of the old file
/// see a new inode and generation. Owns the mapping. `publish` and `close` must be called from
/// one thread at a time; `heartbeat` from any thread.
public final class ShmRingWriter: @unchecked Sendable {
    /// The ring file's path.
    public let path: String
    /// This writer's generation: the previous ring's generation + 1 when `path` held a readable
    /// ring, else the CLOCK_REALTIME nanoseconds at start.
    public let generation: UInt64
    /// The model described in the header.
    public let model: PublishedModel
    /// Slots in the ring.
    public let slotCount: Int
    /// Mask bytes each slot holds (`maskWidth * maskHeight` rounded up to 64).
    public let maskCapacity: Int

    private let mapping: RingMapping
    private let slotStride: Int
    private var nextSlot = 0
    private var publishSequence: UInt32 = 0
    private var isClosed = false

    /// Creates the ring for `model` with `slotCount` slots and file mode `mode`, replacing any
    /// file at `path` (whose folder must exist), and marks it running.
    public init(path: String, model: PublishedModel, slotCount: Int = 4, mode: mode_t = 0o644) throws(ShmRingError) {
        let maskBytes = model.maskWidth.multipliedReportingOverflow(by: model.maskHeight)
        guard model.maskWidth > 0, model.maskHeight > 0, !maskBytes.overflow, maskBytes.partialValue <= Int(UInt32.max) - 1024 else {
            throw .invalidConfiguration(reason: "mask geometry \(model.maskWidth)x\(model.maskHeight)")
        }
        guard model.classNames.count <= ShmRingLayout.classNameCapacity else {
            throw .invalidConfiguration(reason: "\(model.classNames.count) classes; a ring describes at most \(ShmRingLayout.classNameCapacity)")
        }
        guard (1...1024).contains(slotCount) else { throw .invalidConfiguration(reason: "slot count \(slotCount) not in 1...1024") }
        self.path = path
        self.model = model
        self.slotCount = slotCount
        maskCapacity = ShmRingLayout.maskCapacity(forMaskBytes: maskBytes.partialValue)
        slotStride = ShmRingLayout.slotStride(maskCapacity: maskCapacity)
        generation = Self.previousGeneration(at: path).map { $0 &+ 1 } ?? PublishClock.realtimeNanoseconds()
        let size = ShmRingLayout.fileSize(headerSize: ShmRingLayout.Header.size, slotCount: slotCount, slotStride: slotStride)

        let temporary = try RingSystemCalls.makeTemporaryFile(beside: path)
        var mapped: RingMapping?
        do throws(ShmRingError) {
            defer { RingSystemCalls.closeFile(temporary.descriptor) }
            try RingSystemCalls.setMode(temporary.descriptor, mode, path: temporary.path)
            try RingSystemCalls.allocate(temporary.descriptor, size: size, path: temporary.path)
            let base = try RingSystemCalls.map(temporary.descriptor, size: size, writable: true, path: temporary.path)
            mapped = RingMapping(base: base, size: size)
        } catch {
            _ = unlink(temporary.path)
            throw error
        }
        mapping = mapped!
        initializeHeader()
        do throws(ShmRingError) {
            try RingSystemCalls.renameFile(temporary.path, to: path)
        } catch {
            _ = unlink(temporary.path)
            throw error
        }
        mapping.atomic32(at: ShmRingLayout.Header.writerState).pointee.store(ShmRingWriterState.running.rawValue, ordering: .releasing)
    }

    deinit { close() }

    /// Publishes one mask (`info.width * info.height` bytes, at most `maskCapacity`) into the
    /// next slot, updates the latest-frame fields and the heartbeat, and wakes waiting readers.
    /// Never blocks, never allocates. The bytes are copied; `mask` is the caller's.
    public func publish(mask: UnsafeRawBufferPointer, info: MaskFrameInfo) {
        precondition(!isClosed, "publish after close")
        precondition(mask.count == info.width &* info.height, "mask of \(mask.count) bytes for \(info.width)x\(info.height)")
        let slotIndex = nextSlot
        slot(slotIndex).write(mask: mask, info: info)
        typealias Header = ShmRingLayout.Header
        mapping.atomic32(at: Header.latestSlot).pointee.store(UInt32(slotIndex), ordering: .releasing)
        mapping.atomic64(at: Header.latestFrame).pointee.store(info.frameNumber, ordering: .releasing)
        mapping.atomic64(at: Header.heartbeat).pointee.store(PublishClock.monotonicNanoseconds(), ordering: .relaxed)
        nextSlot = slotIndex &+ 1 == slotCount ? 0 : slotIndex &+ 1
        announce()
    }

    /// Stamps the heartbeat with the current CLOCK_MONOTONIC time. `publish` does this too; call
    /// it at least once a second while no frames are published so readers know the writer lives.
    public func heartbeat() {
        mapping.atomic64(at: ShmRingLayout.Header.heartbeat).pointee.store(PublishClock.monotonicNanoseconds(), ordering: .relaxed)
    }

    /// Marks the ring closed (a clean shutdown) and wakes waiting readers. The file stays (under
    /// systemd's RuntimeDirectory it goes when the service stops). Idempotent; no publish after.
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        mapping.atomic32(at: ShmRingLayout.Header.writerState).pointee.store(ShmRingWriterState.closed.rawValue, ordering: .releasing)
        announce()
    }

    /// Bumps the futex word readers sleep on and wakes them.
    private func announce() {
        publishSequence &+= 1
        let word = mapping.atomic32(at: ShmRingLayout.Header.publishSequence)
        word.pointee.store(publishSequence, ordering: .releasing)
        RingFutex.wakeAll(UnsafePointer(word))
    }

    private func slot(_ index: Int) -> RingSlot {
        RingSlot(base: mapping.base + ShmRingLayout.Header.size + index &* slotStride, maskCapacity: maskCapacity)
    }

    /// Fills the header of the fresh (zeroed) file: static fields first, then the live ones.
    private func initializeHeader() {
        typealias Header = ShmRingLayout.Header
        mapping.store(ShmRingLayout.magic, at: Header.magic)
        mapping.store(ShmRingLayout.version, at: Header.version)
        mapping.store(UInt32(Header.size), at: Header.headerSize)
        mapping.store(UInt32(slotCount), at: Header.slotCount)
        mapping.store(UInt32(slotStride), at: Header.slotStride)
        mapping.store(UInt32(maskCapacity), at: Header.maskCapacity)
        mapping.store(UInt32(model.classNames.count), at: Header.classCount)
        mapping.store(generation, at: Header.generation)
        mapping.store(RingSystemCalls.currentProcessID(), at: Header.writerPID)
        mapping.store(UInt32(model.maskWidth), at: Header.maskWidth)
        mapping.store(UInt32(model.maskHeight), at: Header.maskHeight)
        mapping.storeString(model.modelID, at: Header.modelID, capacity: ShmRingLayout.modelIDSize)
        for (index, name) in model.classNames.enumerated() {
            mapping.storeString(name, at: Header.classNames + index * ShmRingLayout.classNameSize, capacity: ShmRingLayout.classNameSize)
        }
        mapping.atomic64(at: Header.heartbeat).pointee.store(PublishClock.monotonicNanoseconds(), ordering: .relaxed)
        mapping.atomic32(at: Header.latestSlot).pointee.store(ShmRingLayout.noSlot, ordering: .relaxed)
        mapping.atomic32(at: Header.writerState).pointee.store(ShmRingWriterState.starting.rawValue, ordering: .releasing)
    }

    /// The generation recorded in the ring at `path`, or nil when there is no readable ring.
    private static func previousGeneration(at path: String) -> UInt64? {
        guard let descriptor = try? RingSystemCalls.openFile(path, flags: O_RDONLY) else { return nil }
        defer { RingSystemCalls.closeFile(descriptor) }
        var prefix: (UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0)
        let count = withUnsafeMutableBytes(of: &prefix) { buffer in
            try? RingSystemCalls.retrying(path, "pread") { pread(descriptor, buffer.baseAddress, buffer.count, 0) }
        }
        guard count == MemoryLayout.size(ofValue: prefix), UInt64(littleEndian: prefix.0) == ShmRingLayout.magic else { return nil }
        return UInt64(littleEndian: prefix.4)
    }
}
