#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CFutex
import Synchronization

/// Sleeping until the ring's publish-sequence word changes, across processes: FUTEX_WAIT and
/// FUTEX_WAKE on the shared file mapping (not FUTEX_PRIVATE: the waiters are other processes,
/// and the kernel keys a shared futex by file and offset, so every mapping of the file meets).
/// FUTEX_WAIT only reads the word, so it works on a reader's PROT_READ mapping.
enum RingFutex {
    /// Wakes every thread of every process waiting on `word`.
    static func wakeAll(_ word: UnsafePointer<Atomic<UInt32>>) {
        _ = segd_futex_wake(UnsafeRawPointer(word).assumingMemoryBound(to: UInt32.self), Int32.max)
    }

    /// Returns when `word` no longer holds `expected`, after about `timeoutNanoseconds`, on a
    /// signal, or spuriously: callers re-check the word.
    static func wait(_ word: UnsafePointer<Atomic<UInt32>>, expected: UInt32, timeoutNanoseconds: UInt64) {
        var timeout = timespec(tv_sec: Int(timeoutNanoseconds / 1_000_000_000), tv_nsec: Int(timeoutNanoseconds % 1_000_000_000))
        // EAGAIN (already changed), ETIMEDOUT and EINTR all mean "look again".
        _ = segd_futex_wait(UnsafeRawPointer(word).assumingMemoryBound(to: UInt32.self), expected, &timeout)
    }
}
