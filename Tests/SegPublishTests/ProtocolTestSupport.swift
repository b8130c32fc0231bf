import SegPublish

/// A small deterministic generator (SplitMix64) so that fuzz failures reproduce.
struct ProtocolTestRandom {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(max(1, bound))) }

    mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8(truncatingIfNeeded: next()) } }

    /// A mask of blobs: runs of random length and class, like a segmentation.
    mutating func blobMask(width: Int, height: Int, classes: Int) -> [UInt8] {
        var mask: [UInt8] = []
        mask.reserveCapacity(width * height)
        while mask.count < width * height {
            let run = min(width * height - mask.count, 1 + below(90))
            mask.append(contentsOf: repeatElement(UInt8(below(classes)), count: run))
        }
        return mask
    }
}

/// Every message type with representative contents.
func sampleMessages() -> [WireMessage] {
    let model = PublishedModel(modelID: "deeplab-largefov:abc123", classNames: ["background", "person", "cat", "naïve ☂"], maskWidth: 64, maskHeight: 48)
    let header = FrameHeader(
        frameNumber: 42, captureTimestampNanoseconds: 1_234_567_890_123, inferenceNanoseconds: 15_000_000, width: 4, height: 2, classCount: 4,
        encoding: .raw, downscale: 1, dataLength: 8, queueDrops: 3)
    let status = ServerStatus(
        pipeline: PipelineStatus(framesPerSecond: 29.97, latencyP50Milliseconds: 18.5, latencyP99Milliseconds: 31.25, frames: 1000, drops: 7, extras: [StatusField("latency.capture_ms", "1.5"), StatusField("quantization.method", "entropy")]),
        uptimeNanoseconds: 99_000_000_000, subscribers: 2, connections: 3, queueDrops: 11, framesSent: 990)
    return [
        .hello(ServerHello(serverName: "segd", serverVersion: "0.1.0", model: model, ringPath: "/run/segd/masks")),
        .hello(ServerHello(serverName: "segd", serverVersion: "0.1.0", model: model, ringPath: nil)),
        .subscribe(version: 1, options: SubscriptionOptions(every: 3, encoding: .runLength, downscale: 2)),
        .frame(header, data: [0, 1, 1, 2, 3, 3, 0, 0]),
        .statusRequest(version: 1),
        .status(status),
        .error(.badOptions, message: "downscale 9 is out of range"),
        .bye,
    ]
}

func encoded(_ message: WireMessage) -> [UInt8] {
    var bytes: [UInt8] = []
    message.encode(into: &bytes)
    return bytes
}

/// Feeds `bytes` to `parser` in chunks of `chunk` bytes (0: random sizes from `random`), collecting
/// messages until the bytes run out or the parser throws.
func parseAll(_ bytes: [UInt8], _ parser: inout MessageParser, chunk: Int, random: inout ProtocolTestRandom) -> (messages: [WireMessage], error: ProtocolError?) {
    var messages: [WireMessage] = []
    var offset = 0
    while true {
        do throws(ProtocolError) {
            while let message = try parser.next() { messages.append(message) }
        } catch { return (messages, error) }
        guard offset < bytes.count else { return (messages, nil) }
        let size = min(bytes.count - offset, chunk > 0 ? chunk : 1 + random.below(4096))
        let taken = bytes.withUnsafeBytes { parser.append(UnsafeRawBufferPointer(rebasing: $0[offset..<(offset + size)])) }
        offset += taken
    }
}
