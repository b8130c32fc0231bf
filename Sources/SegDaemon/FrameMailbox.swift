import Glibc
import SegCapture
import SegKernels

/// The hand-off from the capture thread to the inference thread, holding at most one frame: a
/// newer frame replaces one that inference has not taken yet (counted in `dropped`), so
/// inference always works on the latest frame and capture never waits. Three input-sized
/// buffers rotate (being written, ready, being read); nothing is copied or allocated per frame.
/// One capture thread writes (`writeBuffer`, `commit`), one inference thread reads (`take`).
final class FrameMailbox: @unchecked Sendable {
    /// What the capture thread knew about the frame in a buffer.
    struct Envelope {
        var input: UnsafePointer<Int8>
        var sequence: UInt64
        var captureTimestampNanoseconds: UInt64
        var committedNanoseconds: UInt64
    }

    private let buffers: [AlignedBuffer]
    private var envelopes: [Envelope]
    private var writing = 0, reading = 1
    private var ready: Int?
    private var spare: Int? = 2
    private var closed = false
    private var replaced = 0
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let filled = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    /// `byteCount`: one model input.
    init(byteCount: Int) {
        buffers = (0..<3).map { _ in AlignedBuffer(byteCount: byteCount) }
        envelopes = buffers.map { Envelope(input: UnsafePointer($0.typed(Int8.self, count: byteCount)), sequence: 0, captureTimestampNanoseconds: 0, committedNanoseconds: 0) }
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(filled, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(filled)
        pthread_mutex_destroy(mutex)
        filled.deallocate()
        mutex.deallocate()
    }

    /// Where the capture thread converts the next frame (valid until its next `commit`).
    var writeBuffer: UnsafeMutablePointer<Int8> { UnsafeMutablePointer(mutating: envelopes[writing].input) }

    /// Makes the frame in `writeBuffer` the one inference takes next.
    func commit(sequence: UInt64, captureTimestampNanoseconds: UInt64) {
        let now = monotonicNanoseconds()
        pthread_mutex_lock(mutex)
        envelopes[writing].sequence = sequence
        envelopes[writing].captureTimestampNanoseconds = captureTimestampNanoseconds
        envelopes[writing].committedNanoseconds = now
        if let unread = ready {
            replaced &+= 1
            ready = writing
            writing = unread
        } else {
            ready = writing
            writing = spare!
            spare = nil
        }
        pthread_cond_signal(filled)
        pthread_mutex_unlock(mutex)
    }

    /// Waits up to `timeoutNanoseconds` for a frame and hands it to inference; the envelope's
    /// buffer stays valid until the next `take`. Nil on timeout or once closed.
    func take(timeoutNanoseconds: UInt64) -> Envelope? {
        var deadline = timespec()
        clock_gettime(CLOCK_MONOTONIC, &deadline)
        let end = UInt64(deadline.tv_sec) &* 1_000_000_000 &+ UInt64(deadline.tv_nsec) &+ timeoutNanoseconds
        deadline = timespec(tv_sec: Int(end / 1_000_000_000), tv_nsec: Int(end % 1_000_000_000))
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while ready == nil && !closed {
            if pthread_cond_timedwait(filled, mutex, &deadline) == ETIMEDOUT { break }
        }
        guard let next = ready, !closed else { return nil }
        spare = reading
        reading = next
        ready = nil
        return envelopes[reading]
    }

    /// Frames replaced before inference took them.
    var dropped: Int {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return replaced
    }

    /// Wakes a waiting `take`, which then returns nil.
    func close() {
        pthread_mutex_lock(mutex)
        closed = true
        pthread_cond_broadcast(filled)
        pthread_mutex_unlock(mutex)
    }
}
