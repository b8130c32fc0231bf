import Glibc

/// How long to wait between attempts to reopen a lost source: `initialMilliseconds`, doubling
/// after each failed attempt up to `maximumMilliseconds`.
public struct ReconnectBackoff: Equatable, Sendable {
    public var initialMilliseconds: Int
    public var maximumMilliseconds: Int

    public init(initialMilliseconds: Int, maximumMilliseconds: Int) {
        precondition(initialMilliseconds > 0 && maximumMilliseconds >= initialMilliseconds, "backoff needs 0 < initial <= maximum")
        self.initialMilliseconds = initialMilliseconds
        self.maximumMilliseconds = maximumMilliseconds
    }
}

/// What happened to a source, for the log.
public enum CaptureEvent: Equatable, Sendable, CustomStringConvertible {
    /// The source failed or went silent and was closed; the next attempt is in `retryMilliseconds`.
    case lost(CaptureError, retryMilliseconds: Int)
    /// An attempt to reopen failed; the next is in `retryMilliseconds`.
    case retryFailed(CaptureError, attempt: Int, retryMilliseconds: Int)
    /// The source is open again after `attempts` attempts and `downMilliseconds` without frames.
    case reconnected(SourceFormat, attempts: Int, downMilliseconds: Int)

    public var description: String {
        switch self {
        case .lost(let error, let retry):
            "capture lost: \(error); reopening in \(retry) ms"
        case .retryFailed(let error, let attempt, let retry):
            "capture reopen attempt \(attempt) failed: \(error); next in \(retry) ms"
        case .reconnected(let format, let attempts, let down):
            "capture back after \(attempts) attempt\(attempts == 1 ? "" : "s") and \(down) ms: \(format)"
        }
    }
}

/// A frame source that survives its device: when the inner source fails with a recoverable
/// error (unplugged: ENODEV/EIO, or silent for longer than the stall timeout) it is closed,
/// reported, and reopened with backoff until it is back; frames then resume. Errors that
/// reopening cannot cure (an unsupported format, a non-camera node) are thrown. Not
/// thread-safe: one capture thread.
public final class ReconnectingFrameSource: FrameSource {
    /// Opens the inner source (called at init and for every reconnection attempt).
    public typealias Opener = () throws(CaptureError) -> any FrameSource

    public private(set) var format: SourceFormat
    private let name: String
    private let open: Opener
    private let stallNanoseconds: UInt64
    private let backoff: ReconnectBackoff
    private let report: (CaptureEvent) -> Void
    private var inner: (any FrameSource)?
    /// Counters of the sources closed so far.
    private var closedStatistics = CaptureStatistics()
    private var ownStatistics = CaptureStatistics()
    private var lastFrameNanoseconds: UInt64
    private var lostAtNanoseconds: UInt64 = 0
    private var nextAttemptNanoseconds: UInt64 = 0
    private var delayMilliseconds: Int
    private var attempts = 0
    private var closed = false

    /// Opens the source once; a failure here is thrown (the caller decides whether to wait for
    /// a camera that is missing at start).
    /// - Parameters:
    ///   - name: the device path or file, for errors.
    ///   - stallMilliseconds: silence after which an open source counts as lost.
    ///   - report: called on the capture thread for each `CaptureEvent`.
    public init(
        name: String, stallMilliseconds: Int, backoff: ReconnectBackoff, report: @escaping (CaptureEvent) -> Void,
        open: @escaping Opener
    ) throws(CaptureError) {
        precondition(stallMilliseconds > 0, "the stall timeout must be positive")
        self.name = name
        self.open = open
        self.stallNanoseconds = UInt64(stallMilliseconds) * 1_000_000
        self.backoff = backoff
        self.report = report
        let source = try open()
        inner = source
        format = source.format
        delayMilliseconds = backoff.initialMilliseconds
        lastFrameNanoseconds = monotonicNanoseconds()
    }

    public var statistics: CaptureStatistics {
        var total = closedStatistics
        if let inner { total.add(inner.statistics) }
        total.timeouts += ownStatistics.timeouts
        total.reconnects = ownStatistics.reconnects
        return total
    }

    /// Whether the inner source is open (false while reconnecting or closed).
    public var isConnected: Bool { inner != nil }

    /// Closes the inner source now (a camera is free for another opener at once) instead of when
    /// this object goes; `nextFrame` must not be called afterwards.
    public func close() {
        if let inner { closedStatistics.add(inner.statistics) }
        inner = nil
        closed = true
    }

    public func nextFrame(timeoutMilliseconds: Int, _ consume: (CapturedFrame) -> Void) throws(CaptureError) -> Bool {
        precondition(!closed, "nextFrame after close")
        guard let source = inner else {
            try reconnect(waitingAtMost: timeoutMilliseconds)
            return false
        }
        do throws(CaptureError) {
            if try source.nextFrame(timeoutMilliseconds: timeoutMilliseconds, consume) {
                lastFrameNanoseconds = monotonicNanoseconds()
                return true
            }
        } catch where error.isRecoverable {
            lose(error)
            return false
        }
        let silent = monotonicNanoseconds() &- lastFrameNanoseconds
        if silent >= stallNanoseconds {
            lose(.stalled(device: name, milliseconds: Int(silent / 1_000_000)))
        }
        return false
    }

    private func lose(_ error: CaptureError) {
        if let inner { closedStatistics.add(inner.statistics) }
        inner = nil
        attempts = 0
        delayMilliseconds = backoff.initialMilliseconds
        lostAtNanoseconds = monotonicNanoseconds()
        nextAttemptNanoseconds = lostAtNanoseconds &+ UInt64(delayMilliseconds) &* 1_000_000
        report(.lost(error, retryMilliseconds: delayMilliseconds))
    }

    /// Sleeps until the next attempt is due (at most `waitingAtMost` ms), then makes it.
    private func reconnect(waitingAtMost timeoutMilliseconds: Int) throws(CaptureError) {
        let now = monotonicNanoseconds()
        if now < nextAttemptNanoseconds {
            let wait = min(nextAttemptNanoseconds - now, UInt64(max(0, timeoutMilliseconds)) &* 1_000_000)
            FramePacer.sleep(until: now &+ wait)
            ownStatistics.timeouts += 1
            if monotonicNanoseconds() < nextAttemptNanoseconds { return }
        }
        attempts += 1
        do throws(CaptureError) {
            let source = try open()
            guard source.format.format == format.format, source.format.width == format.width, source.format.height == format.height
            else {
                throw CaptureError.unusable(device: name, reason: "came back as \(source.format) instead of \(format)")
            }
            inner = source
            format = source.format
            ownStatistics.reconnects += 1
            lastFrameNanoseconds = monotonicNanoseconds()
            report(.reconnected(format, attempts: attempts, downMilliseconds: Int((lastFrameNanoseconds - lostAtNanoseconds) / 1_000_000)))
        } catch where error.isRecoverable {
            delayMilliseconds = min(delayMilliseconds * 2, backoff.maximumMilliseconds)
            nextAttemptNanoseconds = monotonicNanoseconds() &+ UInt64(delayMilliseconds) &* 1_000_000
            report(.retryFailed(error, attempt: attempts, retryMilliseconds: delayMilliseconds))
        }
    }
}

extension CaptureStatistics {
    mutating func add(_ other: CaptureStatistics) {
        frames += other.frames
        dropped += other.dropped
        timeouts += other.timeouts
        reconnects += other.reconnects
    }
}
