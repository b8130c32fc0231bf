import ArgumentParser
import Foundation
import Glibc
import SegClient
import SegPublish
import Synchronization

struct BenchPublish: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Time SubscriberServer.publish on the pipeline thread with 0 and with N socket subscribers.",
        discussion: """
            Starts a subscriber server on a temporary socket and publishes a --width x --height mask at \
            --fps for --seconds, first with no subscriber, then with --subscribers subscriber threads \
            (SegSubscriber, half of them asking for run-length masks with --rle) receiving every frame. \
            Only the publish call is timed, on the publishing thread. Reports publish microseconds \
            (median, mean, p99) for both runs, the added mean microseconds per frame and that as a share \
            of a --frame-ms inference frame (target < 5%), the server thread's CPU time per frame (work \
            that runs on another core), and what the subscribers received.
            """)

    @Option(help: "Subscriber threads in the second run.") var subscribers = 8
    @Option(help: "Frames per second.") var fps = 30.0
    @Option(help: "Seconds per run.") var seconds = 10.0
    @Option(help: "Mask width, pixels.") var width = 640
    @Option(help: "Mask height, pixels.") var height = 480
    @Option(help: "The pipeline frame time the added cost is compared with, milliseconds.") var frameMs = 15.0
    @Flag(help: "Half of the subscribers ask for run-length masks.") var rle = false
    @Flag(help: "Print one JSON object.") var json = false

    func validate() throws {
        guard subscribers >= 1, fps > 0, seconds > 0, frameMs > 0 else { throw ValidationError("--subscribers, --fps, --seconds and --frame-ms must be positive") }
        guard width > 0, height > 0, width * height <= WireFormat.maximumMaskPixels else { throw ValidationError("mask size out of range") }
    }

    func run() throws {
        var template = Array("/tmp/segctl-bench-XXXXXX".utf8CString)
        let directory = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        defer { rmdir(directory) }
        let path = directory + "/bench.sock"
        let model = PublishedModel(modelID: "bench", classNames: (0..<21).map { "class\($0)" }, maskWidth: width, maskHeight: height)
        let server = try SubscriberServer(path: path, model: model, status: { PipelineStatus() }, log: { _ in })
        defer { server.stop() }
        let masks = (0..<8).map { benchMask(seed: $0) }

        let idle = publishRun(server, masks: masks)
        let stop = BenchSubscriberStop()
        let threads = (0..<subscribers).map { index in
            BenchSubscriberThread(path: path, options: SubscriptionOptions(encoding: rle && index % 2 == 1 ? .runLength : .raw), stop: stop)
        }
        guard waitForSubscribers(server, count: subscribers) else { throw ValidationError("subscribers did not connect within 30 s") }
        let cpuBefore = server.statistics.serverThreadCPUNanoseconds
        let loaded = publishRun(server, masks: masks)
        usleep(200_000)
        let statistics = server.statistics
        stop.flag.store(true, ordering: .relaxed)
        let received = threads.map { $0.finish() }

        let addedMicroseconds = loaded.mean - idle.mean
        let serverMicrosecondsPerFrame = Double(statistics.serverThreadCPUNanoseconds - cpuBefore) / 1000 / Double(loaded.frames)
        if json {
            let object: [String: Any] = [
                "width": width, "height": height, "fps": fps, "seconds": seconds, "subscribers": subscribers, "rle": rle,
                "publish_us_idle": ["median": idle.median, "mean": idle.mean, "p99": idle.p99, "frames": idle.frames],
                "publish_us_subscribed": ["median": loaded.median, "mean": loaded.mean, "p99": loaded.p99, "frames": loaded.frames],
                "added_us_per_frame": addedMicroseconds, "added_share_of_frame": addedMicroseconds / (frameMs * 1000), "frame_ms": frameMs,
                "server_thread_us_per_frame": serverMicrosecondsPerFrame,
                "frames_received": received, "queue_drops": statistics.queueDrops, "handoff_drops": statistics.handoffDrops,
            ]
            printJSONLine(object)
        } else {
            print("mask \(width)x\(height) at \(fps) fps for \(seconds) s")
            print(String(format: "publish, 0 subscribers:  median %.2f us  mean %.2f us  p99 %.2f us  (%d frames)", idle.median, idle.mean, idle.p99, idle.frames))
            print(String(format: "publish, %d subscribers: median %.2f us  mean %.2f us  p99 %.2f us  (%d frames)", subscribers, loaded.median, loaded.mean, loaded.p99, loaded.frames))
            print(String(format: "added per frame: %.2f us = %.3f%% of a %.1f ms frame (target < 5%%)", addedMicroseconds, 100 * addedMicroseconds / (frameMs * 1000), frameMs))
            print(String(format: "server thread CPU per frame (another core): %.1f us = %.2f%% of the frame", serverMicrosecondsPerFrame, 100 * serverMicrosecondsPerFrame / (frameMs * 1000)))
            print("frames received per subscriber: \(received.map(String.init).joined(separator: " "))  queue drops \(statistics.queueDrops)  handoff drops \(statistics.handoffDrops)")
        }
    }

    /// Publishes at `fps` for `seconds`; publish-call microseconds.
    private func publishRun(_ server: SubscriberServer, masks: [[UInt8]]) -> (median: Double, mean: Double, p99: Double, frames: Int) {
        let frames = max(1, Int(fps * seconds))
        let period = UInt64(1e9 / fps)
        var times: [Double] = []
        times.reserveCapacity(frames)
        let start = PublishClock.monotonicNanoseconds()
        for frame in 0..<frames {
            let due = start + UInt64(frame) * period
            let now = PublishClock.monotonicNanoseconds()
            if due > now { usleep(UInt32((due - now) / 1000)) }
            let info = MaskFrameInfo(frameNumber: UInt64(frame), captureTimestampNanoseconds: PublishClock.monotonicNanoseconds(), inferenceNanoseconds: 15_000_000, width: width, height: height, classCount: 21)
            let mask = masks[frame % masks.count]
            let before = PublishClock.monotonicNanoseconds()
            mask.withUnsafeBytes { server.publish(mask: $0, info: info) }
            times.append(Double(PublishClock.monotonicNanoseconds() - before) / 1000)
        }
        let sorted = times.sorted()
        return (sorted[sorted.count / 2], times.reduce(0, +) / Double(times.count), sorted[min(sorted.count - 1, sorted.count * 99 / 100)], frames)
    }

    /// A segmentation-like mask: rectangles of classes over background, shifted by `seed`.
    private func benchMask(seed: Int) -> [UInt8] {
        var mask = [UInt8](repeating: 0, count: width * height)
        for blob in 0..<12 {
            let x0 = (blob * 97 + seed * 13) % width, y0 = (blob * 61 + seed * 7) % height
            for y in y0..<min(height, y0 + height / 5) {
                for x in x0..<min(width, x0 + width / 6) { mask[y * width + x] = UInt8(1 + blob % 20) }
            }
        }
        return mask
    }

    private func waitForSubscribers(_ server: SubscriberServer, count: Int) -> Bool {
        for _ in 0..<3000 {
            if server.statistics.subscribers >= count { return true }
            usleep(10_000)
        }
        return false
    }
}

/// Tells the subscriber threads to finish.
final class BenchSubscriberStop: Sendable {
    let flag = Atomic<Bool>(false)
}

/// A thread that subscribes and receives frames until told to stop.
final class BenchSubscriberThread: Sendable {
    private let received = Mutex<Int>(0)
    private let done = Atomic<Bool>(false)

    init(path: String, options: SubscriptionOptions, stop: BenchSubscriberStop) {
        Thread.detachNewThread { [self] in
            defer { done.store(true, ordering: .releasing) }
            guard let subscriber = try? SegSubscriber(socketPath: path, timeoutSeconds: 30), (try? subscriber.subscribe(options)) != nil else { return }
            while !stop.flag.load(ordering: .relaxed) {
                do {
                    _ = try subscriber.nextFrame(timeoutSeconds: 0.5)
                    received.withLock { $0 += 1 }
                } catch SubscriberError.timedOut {
                    continue
                } catch {
                    return
                }
            }
            subscriber.close()
        }
    }

    /// Waits for the thread to end; the frames it received.
    func finish() -> Int {
        while !done.load(ordering: .acquiring) { usleep(10_000) }
        return received.withLock { $0 }
    }
}
