import Glibc
import SegPublish
import Testing

@testable import SegDaemon

@Suite struct FrameMailboxTests {
    @Test func inferenceGetsTheLatestFrameAndReplacedOnesAreCounted() {
        let mailbox = FrameMailbox(byteCount: 16)
        #expect(mailbox.take(timeoutNanoseconds: 1_000_000) == nil)
        for sequence in 1...3 as ClosedRange<UInt64> {
            mailbox.writeBuffer.update(repeating: Int8(sequence), count: 16)
            mailbox.commit(sequence: sequence, captureTimestampNanoseconds: sequence * 100)
        }
        let envelope = mailbox.take(timeoutNanoseconds: 1_000_000)
        #expect(envelope?.sequence == 3 && envelope?.captureTimestampNanoseconds == 300)
        #expect(envelope.map { Array(UnsafeBufferPointer(start: $0.input, count: 16)) } == [Int8](repeating: 3, count: 16))
        #expect(mailbox.dropped == 2)
        #expect(mailbox.take(timeoutNanoseconds: 1_000_000) == nil)
        // The buffer being read is never written: the next frames go to the other two.
        mailbox.writeBuffer.update(repeating: 4, count: 16)
        mailbox.commit(sequence: 4, captureTimestampNanoseconds: 400)
        #expect(Array(UnsafeBufferPointer(start: envelope!.input, count: 16)) == [Int8](repeating: 3, count: 16))
        #expect(mailbox.take(timeoutNanoseconds: 1_000_000)?.sequence == 4)
    }

    @Test func closeWakesAWaitingReader() {
        let mailbox = FrameMailbox(byteCount: 16)
        let thread = JoinableThread { usleep(20_000); mailbox.close() }
        let start = monotonicTestNanoseconds()
        #expect(mailbox.take(timeoutNanoseconds: 10_000_000_000) == nil)
        #expect(monotonicTestNanoseconds() - start < 5_000_000_000)
        thread.join()
    }

    @Test func framesCrossThreadsInOrderWithoutTearing() {
        let mailbox = FrameMailbox(byteCount: 4096)
        let frames: UInt64 = 2000
        let producer = JoinableThread {
            for sequence in 1...frames {
                mailbox.writeBuffer.update(repeating: Int8(truncatingIfNeeded: sequence), count: 4096)
                mailbox.commit(sequence: sequence, captureTimestampNanoseconds: sequence)
            }
        }
        var last: UInt64 = 0, received = 0, torn = 0
        while last < frames, let envelope = mailbox.take(timeoutNanoseconds: 2_000_000_000) {
            let bytes = UnsafeBufferPointer(start: envelope.input, count: 4096)
            if bytes.contains(where: { $0 != Int8(truncatingIfNeeded: envelope.sequence) }) { torn += 1 }
            #expect(envelope.sequence > last)
            last = envelope.sequence
            received += 1
        }
        producer.join()
        #expect(torn == 0 && last == frames)
        #expect(received + mailbox.dropped == Int(frames))
    }
}

@Suite struct SystemdIntegrationTests {
    @Test func notificationsArriveAsDatagrams() throws {
        let path = "/tmp/segd-notify-test-\(getpid())"
        unlink(path)
        let receiver = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(receiver); unlink(path) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(receiver, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        #expect(bound == 0)
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": path, "WATCHDOG_USEC": "3000000", "WATCHDOG_PID": "\(getpid())"], processID: getpid())
        #expect(notifier.isActive && notifier.watchdogIntervalNanoseconds == 1_500_000_000)
        notifier.notify("READY=1\nSTATUS=up")
        notifier.notifyReloading()
        var buffer = [UInt8](repeating: 0, count: 256)
        let first = recv(receiver, &buffer, buffer.count, 0)
        #expect(String(decoding: buffer[0..<max(0, first)], as: UTF8.self) == "READY=1\nSTATUS=up")
        let second = recv(receiver, &buffer, buffer.count, 0)
        let reloading = String(decoding: buffer[0..<max(0, second)], as: UTF8.self)
        #expect(reloading.hasPrefix("RELOADING=1\nMONOTONIC_USEC=") && UInt64(reloading.split(separator: "=").last!) != nil)
    }

    @Test func withoutSystemdNothingIsSentAndTheWatchdogIsOff() {
        let notifier = SystemdNotifier(environment: [:], processID: getpid())
        #expect(!notifier.isActive && notifier.watchdogIntervalNanoseconds == nil)
        notifier.notify("READY=1")
        let otherProcess = SystemdNotifier(environment: ["WATCHDOG_USEC": "1000000", "WATCHDOG_PID": "1"], processID: 4242)
        #expect(otherProcess.watchdogIntervalNanoseconds == nil)
    }

    @Test func socketActivationPicksTheNamedDescriptor() {
        let pid: Int32 = 777
        #expect(SocketActivation.listeningSocket(named: "subscribers", environment: ["LISTEN_PID": "777", "LISTEN_FDS": "1"], processID: pid) == 3)
        #expect(SocketActivation.listeningSocket(
            named: "subscribers", environment: ["LISTEN_PID": "777", "LISTEN_FDS": "2", "LISTEN_FDNAMES": "other:subscribers"], processID: pid) == 4)
        #expect(SocketActivation.listeningSocket(
            named: "subscribers", environment: ["LISTEN_PID": "777", "LISTEN_FDS": "2", "LISTEN_FDNAMES": "a:b"], processID: pid) == nil)
        #expect(SocketActivation.listeningSocket(named: "subscribers", environment: ["LISTEN_PID": "778", "LISTEN_FDS": "1"], processID: pid) == nil)
        #expect(SocketActivation.listeningSocket(named: "subscribers", environment: [:], processID: pid) == nil)
    }

    @Test func logLinesCarryTheSyslogLevel() {
        #expect(DaemonLog.formatted(.error, "bad\nsecond") == "<3>bad\n<3>second\n")
        #expect(DaemonLog.formatted(.info, "ready") == "<6>ready\n")
    }
}

@Suite struct PipelineFiguresTests {
    @Test func statusReportsRateLatencyAndStages() {
        let figures = PipelineFigures()
        #expect(figures.status().frames == 0)
        let start = monotonicTestNanoseconds()
        for index in 0..<10 {
            figures.record(.inference, nanoseconds: UInt64(index + 1) * 1_000_000)
            figures.recordPublish(captureTimestampNanoseconds: start &- 5_000_000)
            usleep(2000)
        }
        figures.setDrops(3)
        figures.setExtras([StatusField("model", "m")])
        let status = figures.status()
        #expect(status.frames == 10 && status.drops == 3)
        #expect(status.framesPerSecond > 10 && status.framesPerSecond < 1000)
        #expect(status.latencyP50Milliseconds >= 5)
        #expect(status.extras.first == StatusField("latency.inference_ms", "p50 5.00 p99 10.00"))
        #expect(status.extras.last == StatusField("model", "m"))
    }
}

private func monotonicTestNanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
}
