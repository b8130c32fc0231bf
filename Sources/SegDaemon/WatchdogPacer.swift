/// Decides when segd sends `WATCHDOG=1`: only when a mask was published since the last ping (a
/// stalled camera or a hung inference must let systemd's watchdog fire), and then at once, at most
/// four times per `interval`. Asked on every pass of the main loop, so the watchdog fires only after
/// a whole `WatchdogSec=` without a mask. (Asking once per interval is not enough: a check that just
/// misses a mask, during a reload or one slow inference, leaves the next ping for after the
/// deadline.) Times are CLOCK_MONOTONIC nanoseconds. A value type owned by the main thread.
struct WatchdogPacer {
    /// The shortest time between two pings.
    let minimumGap: UInt64
    /// When the last ping went, or when pacing started.
    private(set) var lastPing: UInt64
    private var publishedAtLastPing: UInt64 = 0

    /// - Parameters:
    ///   - interval: how often systemd wants a ping (half of `WATCHDOG_USEC`).
    ///   - start: now.
    init(interval: UInt64, start: UInt64) {
        minimumGap = interval / 4
        lastPing = start
    }

    /// Whether to ping now, given the publish time of the newest mask (0 before the first);
    /// records the ping when it says yes. `promptly` skips the rate limit (a reload is about to
    /// stop the pipeline for a while).
    mutating func shouldPing(now: UInt64, newestMask: UInt64, promptly: Bool = false) -> Bool {
        guard newestMask > publishedAtLastPing, promptly || now &- lastPing >= minimumGap else { return false }
        publishedAtLastPing = newestMask
        lastPing = now
        return true
    }
}
