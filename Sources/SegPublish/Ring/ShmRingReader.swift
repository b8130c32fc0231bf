#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization

/// A read-only reader of a mask ring file (docs/shm-ring.md): copies consistent masks out of the
/// slots (retrying torn reads), sleeps on the ring's futex word for new frames, tells whether
/// the writer lives, and re-attaches when a restarted writer has replaced the file.
///
/// Opens the file O_RDONLY and maps it PROT_READ, MAP_SHARED, so it can never disturb the
/// writer. Owns its mapping. Not thread-safe: use one reader per thread.
public final class ShmRingReader {
    /// The ring file's path.
    public let path: String
    /// A heartbeat older than this (nanoseconds) makes `writerLiveness` report `.stale`.
    public let staleAfterNanoseconds: UInt64
    /// Counters since the reader was created.
    public private(set) var statistics = ShmRingReaderStatistics()

    /// Seqlock attempts `latest` makes before giving up (a writer that died mid-write can leave
    /// the only slot odd for good).
    static let maxAttempts = 1000
    /// The longest `next` sleeps before it checks whether the path names a new file.
    static let replacementCheckNanoseconds: UInt64 = 50_000_000

    private var attachment: RingAttachment

    /// Attaches to the ring at `path`; throws when there is no file or it is not a valid ring
    /// (`badMagic`, `unsupportedVersion`, `truncated`, `inconsistentHeader`).
    public init(path: String, staleAfterNanoseconds: UInt64 = 3_000_000_000) throws(ShmRingError) {
        self.path = path
        self.staleAfterNanoseconds = staleAfterNanoseconds
        attachment = try RingAttachment(path: path)
    }

    /// The generation of the writer whose file is mapped.
    public var generation: UInt64 { attachment.generation }
    /// The model the writer described: id, class names, mask geometry.
    public var model: PublishedModel { attachment.model }
    /// Slots in the mapped ring.
    public var slotCount: Int { attachment.slotCount }
    /// The largest mask a slot holds, bytes: a buffer this large fits every frame of this file.
    public var maskCapacity: Int { attachment.maskCapacity }
    /// The process id the writer recorded.
    public var writerPID: Int32 { attachment.writerPID }

    /// Copies the newest published mask into `buffer` and returns its description; nil when
    /// nothing has been published yet (or the writer keeps the slot busy beyond all retries).
    /// Throws `bufferTooSmall` when the mask does not fit. Allocation-free.
    public func latest(into buffer: UnsafeMutableRawBufferPointer) throws(ShmRingError) -> ShmRingFrame? {
        for _ in 0..<Self.maxAttempts {
            let slotIndex = attachment.latestSlot
            guard slotIndex != ShmRingLayout.noSlot, Int(slotIndex) < attachment.slotCount else { return nil }
            switch attachment.slot(Int(slotIndex)).read(into: buffer) {
            case .consistent(let contents):
                return ShmRingFrame(
                    info: MaskFrameInfo(
                        frameNumber: contents.frameNumber, captureTimestampNanoseconds: contents.captureTimestampNanoseconds,
                        inferenceNanoseconds: contents.inferenceNanoseconds, width: Int(contents.width),
                        height: Int(contents.height), classCount: Int(contents.classCount)),
                    publishTimestampNanoseconds: contents.publishTimestampNanoseconds, checksum: contents.checksum,
                    maskByteCount: Int(contents.maskByteCount), generation: attachment.generation, slot: Int(slotIndex))
            case .torn:
                statistics.tornRetries += 1
            case .tooLarge(let maskByteCount):
                throw .bufferTooSmall(needed: maskByteCount, given: buffer.count)
            }
        }
        return nil
    }

    /// Waits up to `timeoutNanoseconds` for a frame newer than `previous` (any frame when nil;
    /// a frame of a new writer generation counts as newer), copies it into `buffer` and returns
    /// it; nil on timeout. Sleeps on the futex word between publishes and, whenever no frame
    /// came for a while, re-attaches if a restarted writer replaced the file.
    public func next(after previous: ShmRingPosition?, timeoutNanoseconds: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws(ShmRingError) -> ShmRingFrame? {
        let deadline = PublishClock.monotonicNanoseconds() &+ timeoutNanoseconds
        while true {
            // Read the word before looking at the slots: a publish after this load changes it,
            // so the wait below cannot miss that publish.
            let sequence = attachment.publishSequence.pointee.load(ordering: .acquiring)
            if let frame = try latest(into: buffer), frame.position.isNewer(than: previous) { return frame }
            let now = PublishClock.monotonicNanoseconds()
            if now >= deadline { return nil }
            RingFutex.wait(attachment.publishSequence, expected: sequence, timeoutNanoseconds: min(deadline - now, Self.replacementCheckNanoseconds))
            if attachment.publishSequence.pointee.load(ordering: .acquiring) == sequence || attachment.writerState == ShmRingWriterState.closed.rawValue {
                _ = try reattachIfReplaced()
            }
        }
    }

    /// Maps the file `path` names now if it is not the mapped one (a restarted writer renamed a
    /// new ring over it); returns whether it did. Nothing at the path keeps the current mapping.
    public func reattachIfReplaced() throws(ShmRingError) -> Bool {
        guard let identity = try RingSystemCalls.identity(of: path), identity != attachment.identity else { return false }
        let replacement: RingAttachment
        do {
            replacement = try RingAttachment(path: path)
        } catch .system(_, _, ENOENT) {
            return false
        }
        statistics.reattachments += 1
        if replacement.generation != attachment.generation { statistics.restartsSeen += 1 }
        attachment = replacement
        return true
    }

    /// Whether the writer of the mapped file still owns it: closed state first, then its process
    /// (kill(pid, 0) == ESRCH means dead), then the heartbeat's age.
    public func writerLiveness() -> ShmRingWriterLiveness {
        let state = attachment.writerState
        if state == ShmRingWriterState.closed.rawValue { return .closed }
        if !RingSystemCalls.processExists(attachment.writerPID) { return .dead }
        let now = PublishClock.monotonicNanoseconds()
        let heartbeat = attachment.heartbeat
        let age = now > heartbeat ? now - heartbeat : 0
        if age > staleAfterNanoseconds { return .stale(heartbeatAgeNanoseconds: age) }
        return .alive(ShmRingWriterState(rawValue: state) ?? .running)
    }
}
