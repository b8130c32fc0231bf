#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// CLOCK_MONOTONIC and CLOCK_REALTIME in nanoseconds (vDSO calls: no system call, no allocation),
/// the clock of ring timestamps, heartbeats and socket timeouts.
public enum PublishClock {
    /// Nanoseconds since boot (CLOCK_MONOTONIC): comparable between processes of one boot.
    public static func monotonicNanoseconds() -> UInt64 { read(CLOCK_MONOTONIC) }

    /// Nanoseconds since the Unix epoch (CLOCK_REALTIME).
    public static func realtimeNanoseconds() -> UInt64 { read(CLOCK_REALTIME) }

    private static func read(_ clock: clockid_t) -> UInt64 {
        var time = timespec()
        clock_gettime(clock, &time)
        return UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec)
    }
}
