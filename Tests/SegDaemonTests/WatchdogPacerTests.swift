import Testing

@testable import SegDaemon

/// `WatchdogPacer` against systemd's rule: the service dies when no WATCHDOG=1 came for
/// `WATCHDOG_USEC`. The main loop asks every 250 ms.
@Suite struct WatchdogPacerTests {
    private static let millisecond: UInt64 = 1_000_000
    private static let watchdogUsec: UInt64 = 10_000 * millisecond
    private static let loop: UInt64 = 250 * millisecond

    /// Runs the main loop from 0 to `end` with masks published at `masks` (sorted, ns); the ping
    /// times, starting with the pacer's start.
    private func pings(masks: [UInt64], until end: UInt64, reloadAt reload: UInt64? = nil) -> [UInt64] {
        var pacer = WatchdogPacer(interval: Self.watchdogUsec / 2, start: 0)
        var sent: [UInt64] = [0]
        var newest: UInt64 = 0, next = 0
        var now: UInt64 = 0
        while now <= end {
            while next < masks.count && masks[next] <= now {
                newest = masks[next]
                next += 1
            }
            let promptly = reload.map { now >= $0 && now < $0 + Self.loop } ?? false
            if pacer.shouldPing(now: now, newestMask: newest, promptly: promptly) { sent.append(now) }
            now += Self.loop
        }
        return sent
    }

    private func longestGap(_ pings: [UInt64], until end: UInt64) -> UInt64 {
        zip(pings, pings.dropFirst() + [end]).map { $1 - $0 }.max() ?? end
    }

    /// A mask every 1.3 s (the systemd test's model under TCG) with one gap of 6.2 s, as a reload
    /// makes: the longest time without a ping stays near the longest time without a mask, far
    /// from WATCHDOG_USEC. Pinging only at checks once per half period, the same masks leave 10 s
    /// without a ping (the check at 15 s finds no mask newer than the one pinged for at 10 s, and
    /// the next check is at 20 s): the watchdog fires.
    @Test func aGapInTheMasksCostsOnlyItsOwnLength() {
        let ms = Self.millisecond
        let masks = (1...7).map { $0 * 1300 * ms } + (0..<12).map { 15_300 * ms + $0 * 1300 * ms }
        let end = 32_000 * ms
        let sent = pings(masks: masks, until: end)
        let maskGap = zip(masks, masks.dropFirst()).map { $1 - $0 }.max()!
        #expect(maskGap == 6200 * ms)
        #expect(longestGap(sent, until: end) <= maskGap + Self.watchdogUsec / 8 + Self.loop)
        #expect(longestGap(sent, until: end) < Self.watchdogUsec)

        var onceEveryHalfPeriod: [UInt64] = [0]
        var lastCheck: UInt64 = 0, pinged: UInt64 = 0
        for now in stride(from: UInt64(0), through: end, by: Int(Self.loop)) where now - lastCheck >= Self.watchdogUsec / 2 {
            let newest = masks.last { $0 <= now } ?? 0
            if newest > pinged {
                onceEveryHalfPeriod.append(now)
                pinged = newest
            }
            lastCheck = now
        }
        #expect(longestGap(onceEveryHalfPeriod, until: end) >= Self.watchdogUsec)
    }

    /// No masks, no pings: a stalled camera lets the watchdog fire. Masks every 33 ms: a ping at
    /// most every WATCHDOG_USEC / 8, never for a mask already pinged for.
    @Test func pingsFollowMasksAtABoundedRate() {
        let ms = Self.millisecond
        #expect(pings(masks: [], until: 30_000 * ms) == [0])
        let steady = pings(masks: (1...900).map { $0 * 33 * ms }, until: 30_000 * ms)
        #expect(zip(steady, steady.dropFirst()).allSatisfy { $1 - $0 >= Self.watchdogUsec / 8 })
        #expect(steady.count >= 20 && steady.count <= 25)
        let stalled = pings(masks: [1000 * ms], until: 30_000 * ms)
        #expect(stalled == [0, 1250 * ms])
    }

    /// A reload pings at once for the masks of the old pipeline, inside the rate limit.
    @Test func aReloadPingsPromptlyForMasksAlreadyPublished() {
        let ms = Self.millisecond
        var pacer = WatchdogPacer(interval: Self.watchdogUsec / 2, start: 0)
        let answers = [
            pacer.shouldPing(now: 2000 * ms, newestMask: 1900 * ms),
            pacer.shouldPing(now: 2250 * ms, newestMask: 2200 * ms),
            pacer.shouldPing(now: 2300 * ms, newestMask: 2200 * ms, promptly: true),
            pacer.shouldPing(now: 2400 * ms, newestMask: 2200 * ms, promptly: true),
        ]
        #expect(answers == [true, false, true, false], "a mask; the rate limit; promptly; no new mask")
        #expect(pacer.lastPing == 2300 * ms)
    }
}
