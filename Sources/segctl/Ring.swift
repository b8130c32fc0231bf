import ArgumentParser
import Foundation
import SegDaemon
import SegPublish

struct Ring: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write and read the shared-memory mask ring (docs/shm-ring.md) without the daemon.",
        subcommands: [RingWrite.self, RingRead.self])
}

struct RingWrite: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "write",
        abstract: "Publish synthetic masks into a ring: a stand-in writer and the publish benchmark.",
        discussion: """
            Creates (replacing) the ring at --path and publishes one deterministic mask per frame: a \
            pseudo-random mask rotated by the frame number, so frames a few publishes apart differ almost \
            everywhere and a torn read fails its checksum. Only the publish call is timed. Closes the ring \
            at the end. Prints publish microseconds p50/p99/max (one JSON object with --json).
            """)

    @Option(help: "Ring file (created or replaced).") var path: String
    @Option(help: "Mask width, pixels.") var width = 640
    @Option(help: "Mask height, pixels.") var height = 480
    @Option(help: "Classes (1...256).") var classes = 3
    @Option(help: "Slots in the ring.") var slots = 4
    @Option(help: "Stop after this many frames.") var frames: Int?
    @Option(help: "Stop after this many seconds.") var duration: Double?
    @Option(help: "Frames per second; 0 publishes as fast as possible.") var fps = 0.0
    @Flag(help: "Print one JSON object at the end.") var json = false

    func validate() throws {
        guard frames != nil || duration != nil else { throw ValidationError("give --frames N or --duration SECONDS") }
        guard (1...256).contains(classes) else { throw ValidationError("--classes must be in 1...256") }
        guard width > 0, height > 0 else { throw ValidationError("--width and --height must be positive") }
        guard fps >= 0 else { throw ValidationError("--fps must be 0 or more") }
    }

    func run() throws {
        let model = PublishedModel(
            modelID: "synthetic-\(width)x\(height)", classNames: (0..<classes).map { "class\($0)" }, maskWidth: width, maskHeight: height)
        let writer = try ShmRingWriter(path: path, model: model, slotCount: slots)
        note("segctl: ring \(path): generation \(writer.generation), \(slots) slots of \(writer.maskCapacity) bytes")
        let masks = SyntheticMasks(width: width, height: height, classCount: classes)
        var mask = [UInt8](repeating: 0, count: width * height)
        var publishNanoseconds: [UInt64] = []
        publishNanoseconds.reserveCapacity(min(frames ?? 1_000_000, 10_000_000))
        let start = nowNanoseconds()
        let end = duration.map { start + UInt64($0 * 1e9) } ?? UInt64.max
        let interval = fps > 0 ? UInt64(1e9 / fps) : 0
        var frameNumber: UInt64 = 0
        while frames.map({ frameNumber < UInt64($0) }) ?? true {
            if interval > 0 { sleepUntil(start + frameNumber * interval) }
            if nowNanoseconds() >= end { break }
            frameNumber += 1
            mask.withUnsafeMutableBytes { masks.fill($0, frameNumber: frameNumber) }
            let info = MaskFrameInfo(
                frameNumber: frameNumber, captureTimestampNanoseconds: nowNanoseconds(), inferenceNanoseconds: 0,
                width: width, height: height, classCount: classes)
            let before = nowNanoseconds()
            mask.withUnsafeBytes { writer.publish(mask: $0, info: info) }
            publishNanoseconds.append(nowNanoseconds() - before)
        }
        writer.close()
        let elapsed = Double(nowNanoseconds() - start) / 1e9
        let micros = publishNanoseconds.map { Double($0) / 1000 }
        let p50 = percentile(micros, 0.5), p99 = percentile(micros, 0.99), maximum = micros.max() ?? 0
        if json {
            let object: [String: Any] = [
                "path": path, "generation": writer.generation, "frames": publishNanoseconds.count, "width": width,
                "height": height, "slots": slots, "seconds": elapsed, "publish_us_p50": p50, "publish_us_p99": p99,
                "publish_us_max": maximum,
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("wrote \(publishNanoseconds.count) frames of \(width)x\(height) in \(fixed(elapsed, 2)) s, generation \(writer.generation)")
            print("publish: p50 \(fixed(p50, 1)) us, p99 \(fixed(p99, 1)) us, max \(fixed(maximum, 1)) us")
        }
    }
}

struct RingRead: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "read",
        abstract: "Read masks from a ring as they are published and report what was seen.",
        discussion: """
            Waits for each new frame on the ring's futex word, copies it out under the seqlock and, with \
            --verify, recomputes its checksum. Follows a restarted writer to its new file. Reports frames \
            accepted, checksum mismatches (exit status 1 when any), torn reads retried, writer restarts seen \
            and ring-to-reader latency (now minus the slot's publish time when the frame is first seen).
            """)

    @Option(help: "Ring file.") var path: String
    @Option(help: "Stop after this many frames.") var frames: Int?
    @Option(help: "Stop after this many seconds.") var duration: Double?
    @Option(help: "Seconds to wait for the ring file to appear.") var wait = 10.0
    @Flag(help: "Recompute every mask's checksum and count mismatches.") var verify = false
    @Flag(help: "Stop when the writer closes the ring (a killed writer does not count).") var exitOnClose = false
    @Flag(help: "Print one JSON object at the end.") var json = false

    func validate() throws {
        guard frames != nil || duration != nil else { throw ValidationError("give --frames N or --duration SECONDS") }
    }

    func run() throws {
        let start = nowNanoseconds()
        let reader = try attach(deadline: start + UInt64(wait * 1e9))
        let end = duration.map { start + UInt64($0 * 1e9) } ?? UInt64.max
        var buffer = [UInt8](repeating: 0, count: reader.maskCapacity)
        var latencies: [Double] = []
        var accepted = 0, mismatches = 0, skipped: UInt64 = 0
        var previous: ShmRingPosition?
        var generations: Set<UInt64> = []
        var framesAfterRestart = 0
        while frames.map({ accepted < $0 }) ?? true {
            let now = nowNanoseconds()
            if now >= end { break }
            let frame: ShmRingFrame?
            do {
                frame = try buffer.withUnsafeMutableBytes { try reader.next(after: previous, timeoutNanoseconds: min(end - now, 100_000_000), into: $0) }
            } catch ShmRingError.bufferTooSmall(let needed, _) {
                // A restarted writer may publish larger masks.
                buffer = [UInt8](repeating: 0, count: needed)
                continue
            }
            guard let frame else {
                if exitOnClose && reader.writerLiveness() == .closed { break }
                continue
            }
            // A frame published before this reader started (the last one of a finished writer)
            // says nothing about latency.
            if frame.publishTimestampNanoseconds >= start { latencies.append(Double(nowNanoseconds() &- frame.publishTimestampNanoseconds) / 1000) }
            accepted += 1
            if let previous, previous.generation == frame.generation { skipped += frame.info.frameNumber - previous.frameNumber - 1 }
            generations.insert(frame.generation)
            if generations.count > 1 { framesAfterRestart += 1 }
            previous = frame.position
            if verify {
                let checksum = buffer.withUnsafeBytes { MaskChecksum.of(UnsafeRawBufferPointer(rebasing: $0[..<frame.maskByteCount])) }
                if checksum != frame.checksum { mismatches += 1 }
            }
        }
        let statistics = reader.statistics
        let p50 = percentile(latencies, 0.5), p99 = percentile(latencies, 0.99)
        if json {
            let object: [String: Any] = [
                "path": path, "frames": accepted, "verified": verify, "mismatches": mismatches,
                "torn_retries": statistics.tornRetries, "restarts_seen": statistics.restartsSeen,
                "reattachments": statistics.reattachments, "generations": generations.count, "skipped": skipped,
                "frames_after_restart": framesAfterRestart,
                "latency_us_p50": p50, "latency_us_p99": p99, "latency_us_max": latencies.max() ?? 0,
                "writer": "\(reader.writerLiveness())",
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("read \(accepted) frames (\(skipped) skipped), \(verify ? "\(mismatches) checksum mismatches" : "unverified"), \(statistics.tornRetries) torn retries, \(statistics.restartsSeen) writer restarts seen")
            print("ring-to-reader latency: p50 \(fixed(p50, 1)) us, p99 \(fixed(p99, 1)) us")
        }
        if mismatches > 0 { throw ExitCode(1) }
    }

    /// The reader of `path`, retrying while the file is missing or not yet a ring until `deadline`.
    private func attach(deadline: UInt64) throws -> ShmRingReader {
        while true {
            do {
                return try ShmRingReader(path: path)
            } catch {
                if nowNanoseconds() >= deadline { throw error }
                usleep(20_000)
            }
        }
    }
}

/// CLOCK_MONOTONIC nanoseconds, the ring's clock.
private func nowNanoseconds() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
}

private func sleepUntil(_ nanoseconds: UInt64) {
    var time = timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
    while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &time, nil) == EINTR {}
}
