import Glibc

/// Releases frames at a fixed rate, as a camera does, for sources that make their frames
/// themselves (replay, test pattern). Deadlines are absolute on CLOCK_MONOTONIC
/// (`clock_nanosleep(TIMER_ABSTIME)`), so the rate does not drift with the time spent between
/// calls. A consumer that falls behind gets the next frame at once, then the schedule restarts
/// from there: never a burst of frames to catch up. One thread at a time.
struct FramePacer {
    /// Nanoseconds from one frame to the next.
    let intervalNanoseconds: UInt64
    /// When the next frame is due; nil until the first frame, which is due at once.
    private var deadline: UInt64?

    /// `fps` must be positive and finite (sources check it where they are configured).
    init(fps: Double) {
        precondition(fps.isFinite && fps > 0, "FramePacer: fps must be positive, got \(fps)")
        intervalNanoseconds = UInt64(max(1, (1e9 / fps).rounded()))
    }

    /// Sleeps until the next frame is due; when that is more than `timeoutMilliseconds` away
    /// (negative: no limit) sleeps the timeout instead.
    /// - Returns: the frame's time (CLOCK_MONOTONIC nanoseconds, when the wait ended), or nil
    ///   after a timeout.
    mutating func waitForNextFrame(timeoutMilliseconds: Int) -> UInt64? {
        let now = monotonicNanoseconds()
        let due = deadline ?? now
        if timeoutMilliseconds >= 0 {
            let limit = now &+ UInt64(timeoutMilliseconds) &* 1_000_000
            if due > limit {
                FramePacer.sleep(until: limit)
                return nil
            }
        }
        FramePacer.sleep(until: due)
        let released = monotonicNanoseconds()
        deadline = max(due &+ intervalNanoseconds, released)
        return released
    }

    /// Sleeps until CLOCK_MONOTONIC reads `nanoseconds`.
    static func sleep(until nanoseconds: UInt64) {
        var time = timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
        // Signals interrupt the sleep; the absolute deadline makes resuming exact.
        while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &time, nil) == EINTR {}
    }
}
