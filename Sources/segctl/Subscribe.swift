import ArgumentParser
import Foundation
import SegClient
import SegImageIO
import SegPublish

struct Subscribe: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Receive masks from segd's subscriber socket (docs/protocol.md).",
        discussion: """
            Prints one line per frame: frame number, latency (now - capture time, CLOCK_MONOTONIC, so \
            only meaningful on the daemon's machine), and the share of each class present, named as the \
            server's hello says; or one JSON object per line with --json. --save DIR writes each mask as \
            an 8-bit grey PNG of class ids (frame-NNNNNNNN.png). --status prints the server's status and exits.
            """)

    @Option(help: "The daemon's socket.") var socket = "/run/segd.sock"
    @Option(help: "Receive every Nth frame.") var every = 1
    @Flag(help: "Ask for run-length encoded masks.") var rle = false
    @Option(help: "Nearest-neighbour downscale factor, 1...8.") var downscale = 1
    @Option(help: "Stop after this many frames.") var frames: Int?
    @Option(help: "Write each mask as a PNG into this folder.") var save: String?
    @Flag(help: "Print the server's status and exit.") var status = false
    @Flag(help: "JSON lines instead of text.") var json = false
    @Option(help: "Seconds to wait for the server before giving up.") var timeout = 10.0

    func validate() throws {
        guard SubscriptionOptions.everyRange.contains(every) else { throw ValidationError("--every must be 1...1000000") }
        guard SubscriptionOptions.downscaleRange.contains(downscale) else { throw ValidationError("--downscale must be 1...8") }
        guard frames.map({ $0 > 0 }) ?? true else { throw ValidationError("--frames must be positive") }
        guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
    }

    func run() throws {
        let subscriber = try SegSubscriber(socketPath: socket, timeoutSeconds: timeout)
        defer { subscriber.close() }
        if status {
            printStatus(try subscriber.status(timeoutSeconds: timeout), hello: subscriber.hello)
            return
        }
        if let save { try FileManager.default.createDirectory(atPath: save, withIntermediateDirectories: true) }
        try subscriber.subscribe(SubscriptionOptions(every: every, encoding: rle ? .runLength : .raw, downscale: downscale), timeoutSeconds: timeout)
        var received = 0
        while frames.map({ received < $0 }) ?? true {
            let frame = try subscriber.nextFrame(timeoutSeconds: timeout)
            received += 1
            let latencyMs = Double(Int64(bitPattern: PublishClock.monotonicNanoseconds() &- frame.header.captureTimestampNanoseconds)) / 1e6
            if let save {
                let png = try ImageCodecs.encodePNG(frame.mask, width: frame.header.width, height: frame.header.height, channels: 1)
                try writeBytes(png, save + "/" + String(format: "frame-%08llu.png", frame.header.frameNumber))
            }
            printFrame(frame, latencyMs: latencyMs, classNames: subscriber.hello.model.classNames)
        }
    }

    private func printFrame(_ frame: ReceivedFrame, latencyMs: Double, classNames: [String]) {
        let shares = classShares(frame.mask, classNames: classNames)
        let header = frame.header
        if json {
            let object: [String: Any] = [
                "frame": header.frameNumber, "latency_ms": latencyMs, "inference_ms": Double(header.inferenceNanoseconds) / 1e6,
                "width": header.width, "height": header.height, "encoding": header.encoding == .raw ? "raw" : "rle",
                "queue_drops": header.queueDrops, "shares": Dictionary(uniqueKeysWithValues: shares.map { ($0.name, $0.share) }),
            ]
            printJSONLine(object)
        } else {
            let classes = shares.map { "\($0.name) " + String(format: "%.1f%%", $0.share * 100) }.joined(separator: "  ")
            print(String(format: "frame %llu  latency %.1f ms  %dx%d  ", header.frameNumber, latencyMs, header.width, header.height) + classes)
        }
    }

    private func printStatus(_ status: ServerStatus, hello: ServerHello) {
        let pipeline = status.pipeline
        if json {
            var object: [String: Any] = [
                "server": hello.serverName, "server_version": hello.serverVersion, "model": hello.model.modelID,
                "fps": pipeline.framesPerSecond, "latency_p50_ms": pipeline.latencyP50Milliseconds, "latency_p99_ms": pipeline.latencyP99Milliseconds,
                "frames": pipeline.frames, "pipeline_drops": pipeline.drops, "subscribers": status.subscribers, "connections": status.connections,
                "uptime_s": Double(status.uptimeNanoseconds) / 1e9,
            ]
            object["extras"] = Dictionary(pipeline.extras.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last })
            printJSONLine(object)
        } else {
            print("\(hello.serverName) \(hello.serverVersion), model \(hello.model.modelID) (\(hello.model.classNames.count) classes, \(hello.model.maskWidth)x\(hello.model.maskHeight))")
            print(String(format: "fps %.2f  latency p50 %.2f ms  p99 %.2f ms", pipeline.framesPerSecond, pipeline.latencyP50Milliseconds, pipeline.latencyP99Milliseconds))
            print("frames \(pipeline.frames)  pipeline drops \(pipeline.drops)  subscribers \(status.subscribers)  connections \(status.connections)  uptime \(status.uptimeNanoseconds / 1_000_000_000) s")
            for field in pipeline.extras { print("\(field.key): \(field.value)") }
        }
    }
}

/// The classes present in `mask` with their share of its pixels (0...1), largest first.
func classShares(_ mask: [UInt8], classNames: [String]) -> [(name: String, share: Double)] {
    var counts = [Int](repeating: 0, count: 256)
    for id in mask { counts[Int(id)] += 1 }
    return counts.indices.filter { counts[$0] > 0 }
        .sorted { counts[$0] > counts[$1] }
        .map { (id: Int) in (id < classNames.count ? classNames[id] : "class \(id)", Double(counts[id]) / Double(max(1, mask.count))) }
}

func printJSONLine(_ object: [String: Any]) {
    guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return }
    print(String(decoding: data, as: UTF8.self))
}
