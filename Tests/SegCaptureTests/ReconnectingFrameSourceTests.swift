import Glibc
import SegCapture
import Testing

/// A source that fails on cue: the fault injection a real camera cannot be asked for in a unit
/// test (the qemu system test unplugs real vivid devices). Each scripted step is a frame, a
/// silent wait, or an error.
private final class ScriptedSource: FrameSource {
    enum Step { case frame, silence, fail(CaptureError) }

    let format = SourceFormat(format: .yuyv, width: 4, height: 2, fps: 100)
    var statistics = CaptureStatistics()
    private var steps: [Step]
    private let pixels = [UInt8](repeating: 128, count: 16)
    private var sequence: UInt64 = 0

    init(_ steps: [Step]) { self.steps = steps }

    func nextFrame(timeoutMilliseconds: Int, _ consume: (CapturedFrame) -> Void) throws(CaptureError) -> Bool {
        let step = steps.isEmpty ? Step.silence : steps.removeFirst()
        switch step {
        case .frame:
            sequence += 1
            pixels.withUnsafeBytes { consume(CapturedFrame(format: format, bytes: $0, sequence: sequence, timestampNanoseconds: monotonicNanoseconds())) }
            statistics.frames += 1
            return true
        case .silence:
            usleep(UInt32(timeoutMilliseconds) * 1000)
            statistics.timeouts += 1
            return false
        case .fail(let error):
            throw error
        }
    }
}

/// Hands out scripted sources and scripted open failures, in order.
private final class Opener {
    enum Outcome { case source([ScriptedSource.Step]), fail(CaptureError) }
    var outcomes: [Outcome]
    var opened = 0

    init(_ outcomes: [Outcome]) { self.outcomes = outcomes }

    func open() throws(CaptureError) -> any FrameSource {
        opened += 1
        switch outcomes.removeFirst() {
        case .source(let steps): return ScriptedSource(steps)
        case .fail(let error): throw error
        }
    }
}

private let unplugged = CaptureError.system(device: "cam", call: "VIDIOC_DQBUF", errno: ENODEV)
private let missing = CaptureError.system(device: "cam", call: "open", errno: ENOENT)

/// Pulls frames until `count` arrived or `attempts` waits passed; the frames seen.
private func pull(_ source: ReconnectingFrameSource, frames count: Int, attempts: Int = 200) throws -> Int {
    var seen = 0
    for _ in 0..<attempts where seen < count {
        if try source.nextFrame(timeoutMilliseconds: 5, { _ in }) { seen += 1 }
    }
    return seen
}

@Suite struct ReconnectingFrameSourceTests {
    @Test func unplugIsReportedAndCaptureResumesAfterBackoff() throws {
        let opener = Opener([.source([.frame, .frame, .fail(unplugged)]), .fail(missing), .fail(missing), .source([.frame, .frame, .frame])])
        var events: [CaptureEvent] = []
        let source = try ReconnectingFrameSource(
            name: "cam", stallMilliseconds: 10_000, backoff: ReconnectBackoff(initialMilliseconds: 10, maximumMilliseconds: 25),
            report: { events.append($0) }, open: opener.open)
        let start = monotonicNanoseconds()
        #expect(try pull(source, frames: 5) == 5)
        let elapsedMilliseconds = Double(monotonicNanoseconds() - start) / 1e6
        #expect(opener.opened == 4)
        // Backoff 10 ms, then 20, then 25 (capped): at least 55 ms without frames.
        #expect(elapsedMilliseconds >= 55)
        #expect(events.count == 4)
        #expect(events[0] == .lost(unplugged, retryMilliseconds: 10))
        #expect(events[1] == .retryFailed(missing, attempt: 1, retryMilliseconds: 20))
        #expect(events[2] == .retryFailed(missing, attempt: 2, retryMilliseconds: 25))
        if case .reconnected(let format, let attempts, _) = events[3] {
            #expect(format == source.format && attempts == 3)
        } else {
            Issue.record("expected a reconnection, got \(events[3])")
        }
        let statistics = source.statistics
        #expect(statistics.frames == 5 && statistics.reconnects == 1)
    }

    @Test func silenceLongerThanTheStallTimeoutCountsAsLost() throws {
        let opener = Opener([.source([.frame] + Array(repeating: .silence, count: 50)), .source([.frame])])
        var events: [CaptureEvent] = []
        let source = try ReconnectingFrameSource(
            name: "cam", stallMilliseconds: 30, backoff: ReconnectBackoff(initialMilliseconds: 10, maximumMilliseconds: 10),
            report: { events.append($0) }, open: opener.open)
        #expect(try pull(source, frames: 2) == 2)
        guard case .lost(.stalled(let device, let milliseconds), _) = events.first else {
            Issue.record("expected a stall, got \(events)")
            return
        }
        #expect(device == "cam" && milliseconds >= 30)
        #expect(source.statistics.reconnects == 1)
    }

    @Test func unrecoverableErrorsAreThrown() throws {
        let invalid = CaptureError.system(device: "cam", call: "VIDIOC_QBUF", errno: EINVAL)
        let opener = Opener([.source([.frame, .fail(invalid)])])
        let source = try ReconnectingFrameSource(
            name: "cam", stallMilliseconds: 1000, backoff: ReconnectBackoff(initialMilliseconds: 10, maximumMilliseconds: 10),
            report: { _ in }, open: opener.open)
        #expect(try source.nextFrame(timeoutMilliseconds: 5) { _ in })
        #expect(throws: invalid) { try source.nextFrame(timeoutMilliseconds: 5) { _ in } }
        let unsupported = CaptureError.unsupported(device: "cam", requested: "yuyv 640x480 @ 30 fps", offered: "  (no capture formats)")
        #expect(throws: unsupported) {
            try ReconnectingFrameSource(
                name: "cam", stallMilliseconds: 1000, backoff: ReconnectBackoff(initialMilliseconds: 10, maximumMilliseconds: 10),
                report: { _ in }, open: Opener([.fail(unsupported)]).open)
        }
    }
}
