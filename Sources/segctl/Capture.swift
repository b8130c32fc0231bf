import ArgumentParser
import Foundation
import SegCapture
import SegCompiler
import SegConfig
import SegDaemon
import SegImageIO
import SegKernels
import SegPublish
import SegRuntime

struct Capture: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Capture frames from the configured source and convert each into the model input.",
        discussion: """
            The source is [capture] of --config, with the options below overriding its keys. Every frame \
            is converted into the model's int8 input (or a --input-size input with ImageNet statistics) \
            and its buffer handed back at once; with --model each input is then segmented. A lost camera \
            (unplugged, failing, silent for --stall-timeout-ms) is reopened with backoff and capture \
            resumes. Prints a summary at the end: one JSON object with --json.
            """)

    @Option(help: "segd.toml ([capture], [engine], [quantization]).") var config: String?
    @Option(help: "v4l2, replay or pattern (capture.source).") var source: String?
    @Option(help: "V4L2 device node (capture.device).") var device: String?
    @Option(help: "auto, yuyv, nv12, mjpeg or rgb (capture.format; for pattern: yuyv, nv12 or rgb).") var format: String?
    @Option(help: "Frame width in pixels (capture.width).") var width: Int?
    @Option(help: "Frame height in pixels (capture.height).") var height: Int?
    @Option(help: "Frames per second (capture.fps).") var fps: Double?
    @Option(help: "MJPEG sequence file or folder of JPEGs for --source replay (capture.replay_path).") var replay: String?
    @Flag(help: "Play a replay once instead of looping (capture.replay_loop = false).") var once = false
    @Option(help: "crop, letterbox or stretch (capture.framing).") var framing: String?
    @Option(help: "Silence in ms after which the camera is reopened (capture.stall_timeout_ms).") var stallTimeoutMs: Int?
    @Option(help: "Stop after this many converted frames.") var frames: Int?
    @Option(help: "Stop after this many seconds.") var duration: Double?
    @Option(help: "ONNX or compiled model: segment every frame.") var model: String?
    @Option(help: "Folder of calibration inputs for compiling an ONNX model.") var calibration: String?
    @Option(help: "Input size WxH without --model.") var inputSize = "321x321"
    @Option(help: "With --model: write each frame's class-id mask here (FRAME.png, 8-bit).") var maskOut: String?
    @Option(help: ArgumentHelp(
        "With --model and an MJPEG source: write each frame with its mask blended over the part the model saw (FRAME.png).",
        discussion: "Keeps a copy of every JPEG frame for this; the capture path itself copies nothing."))
    var overlayOut: String?
    @Flag(help: "With --model: publish every mask to the ring and the socket of [publish].") var publish = false
    @Option(help: "With --publish: the ring file (publish.ring_path; \"\" for none).") var ring: String?
    @Option(help: "With --publish: the subscriber socket (publish.socket_path; \"\" for none).") var socket: String?
    @Flag(help: "Print a line per frame.") var printFrames = false
    @Flag(help: "Print one JSON object at the end.") var json = false

    func validate() throws {
        guard frames != nil || duration != nil else { throw ValidationError("give --frames N or --duration SECONDS") }
        if (maskOut != nil || overlayOut != nil || publish) && model == nil { throw ValidationError("--mask-out, --overlay-out and --publish need --model") }
        if (ring != nil || socket != nil) && !publish { throw ValidationError("--ring and --socket go with --publish") }
    }

    func run() throws {
        var configuration = try loadConfiguration(config)
        try applyOverrides(to: &configuration.capture)
        let section = configuration.capture
        let settings = try frameSourceSettings(section)
        var events: [String] = []
        let source: ReconnectingFrameSource
        do {
            source = try settings.open { event in
                note("segctl: \(event)")
                events.append(event.description)
            }
        } catch {
            // One write: ArgumentParser would print this multi-line list a byte at a time.
            note("Error: \(error)")
            throw ExitCode.failure
        }
        note("segctl: capturing \(settings.name): \(source.format)")

        let compiled = try model.map { try ModelSource.load(path: $0, configuration: configuration, calibrationDirectory: calibration, log: note) }
        let executor = try compiled?.makeExecutor(threads: configuration.engine.threads)
        let pool = executor.map { WorkerPool(executor: $0, threadCount: configuration.engine.threads) }
        let layout = try compiled.map { try modelInputLayout($0.program) } ?? defaultInputLayout()
        let inputCount = layout.width * layout.height * 3
        let ownInput = AlignedBuffer(byteCount: inputCount)
        let input = executor?.input ?? ownInput.typed(Int8.self, count: inputCount)
        let framingChoice = Framing(rawValue: section.framing.rawValue)!
        var converter = try FrameConverter(source: source.format, input: layout, framing: framingChoice, dctScaling: section.mjpegDCTScaling)
        if overlayOut != nil && source.format.format != .mjpeg { throw ValidationError("--overlay-out needs an MJPEG source") }
        for folder in [maskOut, overlayOut].compactMap({ $0 }) {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        var jpeg: [UInt8] = []
        var publishing = configuration.publish
        if let ring { publishing.ringPath = ring }
        if let socket { publishing.socketPath = socket }
        let outlets = try compiled.flatMap { compiled -> MaskOutlets? in
            guard publish else { return nil }
            return try MaskOutlets(publishing, model: publishedModel(compiled.program), serverName: "segctl capture") { note("segctl: \($0)") }
        }
        defer { outlets?.close() }

        let limit = frames ?? Int.max
        let start = monotonicNanoseconds()
        let end = duration.map { start + UInt64($0 * 1e9) } ?? UInt64.max
        var convertMilliseconds: [Double] = [], inferMilliseconds: [Double] = [], latencyMilliseconds: [Double] = []
        convertMilliseconds.reserveCapacity(min(limit, 100_000))
        var corruptBefore = 0, converted = 0
        var firstTimestamp: UInt64 = 0, lastTimestamp: UInt64 = 0
        var ended = false
        while converted < limit && monotonicNanoseconds() < end {
            if source.format != converter.source {
                corruptBefore += converter.corruptFrames
                converter = try FrameConverter(source: source.format, input: layout, framing: framingChoice, dctScaling: section.mjpegDCTScaling)
            }
            var accepted = false, sequence: UInt64 = 0, timestamp: UInt64 = 0, elapsed = 0.0
            let delivered: Bool
            do {
                delivered = try source.nextFrame(timeoutMilliseconds: 200) { frame in
                    let t0 = monotonicNanoseconds()
                    accepted = converter.convert(frame, into: input)
                    elapsed = Double(monotonicNanoseconds() - t0) / 1e6
                    sequence = frame.sequence
                    timestamp = frame.timestampNanoseconds
                    if overlayOut != nil { jpeg = Array(frame.bytes) }
                }
            } catch {
                guard case .endOfStream = error else { throw error }
                ended = true
                break
            }
            guard delivered else {
                outlets?.idle()
                continue
            }
            guard accepted else {
                // Every corrupt frame up to 10, then every 100th: a camera sending garbage must
                // not flood the log.
                let corrupt = corruptBefore + converter.corruptFrames
                if corrupt <= 10 || corrupt % 100 == 0 {
                    note("segctl: frame \(sequence) dropped (corrupt frame \(corrupt)): \(converter.lastCorruption.map { "\($0)" } ?? "unknown")")
                }
                continue
            }
            converted += 1
            convertMilliseconds.append(elapsed)
            if firstTimestamp == 0 { firstTimestamp = timestamp }
            lastTimestamp = timestamp
            var line = "frame \(sequence) t=\(timestamp / 1_000_000) ms convert \(rounded(elapsed)) ms"
            if let pool, let executor, let program = compiled?.program {
                let t0 = monotonicNanoseconds()
                pool.run()
                let inferNanoseconds = monotonicNanoseconds() - t0
                let dims = program.tensors[program.mask].dims
                let mask = UnsafeBufferPointer(start: executor.mask, count: dims.elementCount)
                if let outlets {
                    let info = MaskFrameInfo(
                        frameNumber: UInt64(converted), captureTimestampNanoseconds: timestamp, inferenceNanoseconds: inferNanoseconds,
                        width: dims.width, height: dims.height, classCount: program.classNames.count)
                    outlets.publish(mask: UnsafeRawBufferPointer(mask), info: info)
                    outlets.figures.setDrops(source.statistics.dropped + corruptBefore + converter.corruptFrames)
                }
                inferMilliseconds.append(Double(inferNanoseconds) / 1e6)
                latencyMilliseconds.append(Double(monotonicNanoseconds() - timestamp) / 1e6)
                line += " infer \(rounded(inferMilliseconds.last!)) ms " + classShares(mask, names: program.classNames)
                if let maskOut {
                    let png = try ImageCodecs.encodePNG(Array(mask), width: dims.width, height: dims.height, channels: 1)
                    try writeFileAtomically(path: (maskOut as NSString).appendingPathComponent(String(format: "%06llu.png", sequence)), bytes: png)
                }
                if let overlayOut {
                    let overlay = try overlayImage(jpeg: jpeg, mask: Array(mask), maskWidth: dims.width, maskHeight: dims.height, framing: framingChoice, layout: layout)
                    let png = try ImageCodecs.encodePNG(overlay.pixels, width: overlay.width, height: overlay.height, channels: 3)
                    try writeFileAtomically(path: (overlayOut as NSString).appendingPathComponent(String(format: "%06llu.png", sequence)), bytes: png)
                }
            }
            if printFrames { print(line) }
        }

        let statistics = source.statistics
        let span = Double(lastTimestamp &- firstTimestamp) / 1e9
        var summary: [String: Any] = [
            "source": section.source.rawValue, "device": settings.name, "format": source.format.format.rawValue,
            "width": source.format.width, "height": source.format.height, "fps_requested": section.fps,
            "fps_negotiated": source.format.fps, "fps_measured": converted > 1 && span > 0 ? Double(converted - 1) / span : 0,
            "frames": converted, "delivered": statistics.frames, "dropped": statistics.dropped,
            "corrupt": corruptBefore + converter.corruptFrames, "timeouts": statistics.timeouts, "reconnects": statistics.reconnects,
            "convert_ms_p50": percentile(convertMilliseconds, 0.5), "convert_ms_p99": percentile(convertMilliseconds, 0.99),
            "dct_scale": converter.decodeScale.description, "ended": ended, "events": events,
        ]
        if let server = outlets?.server {
            summary["subscribers_accepted"] = server.statistics.accepted
        }
        if !inferMilliseconds.isEmpty {
            summary["infer_ms_p50"] = percentile(inferMilliseconds, 0.5)
            summary["latency_ms_p50"] = percentile(latencyMilliseconds, 0.5)
            summary["latency_ms_p99"] = percentile(latencyMilliseconds, 0.99)
        }
        if json {
            print(String(decoding: try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys]), as: UTF8.self))
        } else {
            for key in summary.keys.sorted() where key != "events" { print("\(key): \(summary[key]!)") }
        }
    }

    private func applyOverrides(to capture: inout CaptureSection) throws {
        if let source {
            guard let kind = CaptureSourceKind(rawValue: source) else { throw ValidationError("--source must be v4l2, replay or pattern") }
            capture.source = kind
        }
        if let device { capture.device = device }
        if let format {
            guard let choice = CaptureEncodingChoice(rawValue: format) else { throw ValidationError("--format must be auto, yuyv, nv12, mjpeg or rgb") }
            capture.format = choice
        }
        if let width { capture.width = width }
        if let height { capture.height = height }
        if let fps { capture.fps = fps }
        if let replay {
            capture.replayPath = replay
            if source == nil { capture.source = .replay }
        }
        if once { capture.replayLoop = false }
        if let framing {
            guard let choice = FramingChoice(rawValue: framing) else { throw ValidationError("--framing must be crop, letterbox or stretch") }
            capture.framing = choice
        }
        if let stallTimeoutMs { capture.stallTimeoutMilliseconds = stallTimeoutMs }
    }

    private func defaultInputLayout() throws -> ModelInputLayout {
        let parts = inputSize.split(separator: "x").compactMap { Int($0) }
        guard parts.count == 2, (1...4096).contains(parts[0]), (1...4096).contains(parts[1]) else {
            throw ValidationError("--input-size must be WxH, e.g. 321x321")
        }
        // The shipped models' input range: ImageNet-normalized values span about -2.1...2.6.
        return ModelInputLayout(
            width: parts[0], height: parts[1], channelOrder: .rgb, normalization: .imageNet(scale: 1.0 / 48, zeroPoint: 0))
    }
}

/// The part of a JPEG frame the model saw (its framing's crop) with the mask blended over it.
/// Letterbox bars are cut from the mask first, so that mask and picture line up.
func overlayImage(jpeg: [UInt8], mask: [UInt8], maskWidth: Int, maskHeight: Int, framing: Framing, layout: ModelInputLayout) throws -> RGBImage {
    let frame = try ImageCodecs.decode(jpeg, name: "frame")
    let (crop, destination) = framing.placement(
        frameWidth: frame.width, frameHeight: frame.height, inputWidth: layout.width, inputHeight: layout.height, evenCropX: false)
    var seen = RGBImage(width: crop.width, height: crop.height, pixels: [UInt8](repeating: 0, count: crop.width * crop.height * 3))
    for y in 0..<crop.height {
        let from = ((crop.y + y) * frame.width + crop.x) * 3
        seen.pixels.replaceSubrange(y * crop.width * 3..<(y + 1) * crop.width * 3, with: frame.pixels[from..<from + crop.width * 3])
    }
    // Mask pixels of the destination rectangle (the mask may be smaller than the input).
    let x0 = destination.x * maskWidth / layout.width, y0 = destination.y * maskHeight / layout.height
    let w = max(1, destination.width * maskWidth / layout.width), h = max(1, destination.height * maskHeight / layout.height)
    var inside = [UInt8](repeating: 0, count: w * h)
    for y in 0..<h {
        for x in 0..<w { inside[y * w + x] = mask[(y0 + y) * maskWidth + x0 + x] }
    }
    return MaskOverlay.render(image: seen, mask: inside, maskWidth: w, maskHeight: h)
}

/// `name share%` for each class present in the mask.
func classShares(_ mask: UnsafeBufferPointer<UInt8>, names: [String]) -> String {
    var counts = [Int](repeating: 0, count: 256)
    for id in mask { counts[Int(id)] += 1 }
    return counts.indices.filter { counts[$0] > 0 }.map { id in
        let name = id < names.count ? names[id] : "class\(id)"
        return "\(name) \(rounded(Double(counts[id]) * 100 / Double(mask.count)))%"
    }.joined(separator: " ")
}

/// Two decimals, for logs.
func rounded(_ value: Double) -> Double { (value * 100).rounded() / 100 }
