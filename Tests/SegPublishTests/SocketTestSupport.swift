import Glibc
import SegPublish
import Synchronization
import Testing

/// A fresh directory under /tmp for one test's socket, removed with its contents on deinit.
final class SocketTestDirectory {
    let path: String

    init() {
        var template = Array("/tmp/segd-socket-XXXXXX".utf8CString)
        path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
    }

    deinit {
        if let directory = opendir(path) {
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                if name != "." && name != ".." { unlink(path + "/" + name) }
            }
            closedir(directory)
        }
        rmdir(path)
    }

    var socketPath: String { path + "/segd.sock" }
}

/// Log lines a server wrote, for assertions.
final class SocketTestLog: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}

let socketTestModel = PublishedModel(modelID: "test-model", classNames: ["background", "person", "car", "tree"], maskWidth: 320, maskHeight: 240)

func makeTestServer(_ directory: SocketTestDirectory, settings: SubscriberServerSettings = SubscriberServerSettings(), model: PublishedModel = socketTestModel, log: SocketTestLog = SocketTestLog()) throws -> SubscriberServer {
    try SubscriberServer(
        path: directory.socketPath, model: model, settings: settings,
        status: { PipelineStatus(framesPerSecond: 30, latencyP50Milliseconds: 20, latencyP99Milliseconds: 40, frames: 123, drops: 4, extras: [StatusField("stage", "test")]) },
        log: { log.append($0) })
}

/// A frame whose pixels depend on the frame number, so that content can be checked.
func testMask(frame: UInt64, model: PublishedModel = socketTestModel) -> [UInt8] {
    (0..<(model.maskWidth * model.maskHeight)).map { UInt8((($0 / 37) &+ Int(frame)) % model.classNames.count) }
}

func publishTestFrame(_ server: SubscriberServer, _ frame: UInt64, model: PublishedModel = socketTestModel) {
    let mask = testMask(frame: frame, model: model)
    let info = MaskFrameInfo(frameNumber: frame, captureTimestampNanoseconds: PublishClock.monotonicNanoseconds(), inferenceNanoseconds: 15_000_000, width: model.maskWidth, height: model.maskHeight, classCount: model.classNames.count)
    mask.withUnsafeBytes { server.publish(mask: $0, info: info) }
}

/// Polls `condition` every 10 ms for up to `seconds` (generous: the test machine may be loaded).
func eventually(seconds: Double = 20, _ condition: () -> Bool) -> Bool {
    let deadline = PublishClock.monotonicNanoseconds() + UInt64(seconds * 1e9)
    while PublishClock.monotonicNanoseconds() < deadline {
        if condition() { return true }
        usleep(10_000)
    }
    return condition()
}

/// A protocol client built from raw socket calls, free to misbehave.
final class RawTestClient {
    let socket: SocketDescriptor
    var parser = MessageParser(maximumPayloadLength: WireFormat.maximumServerPayloadLength)

    init(_ path: String) throws {
        socket = try SocketDescriptor.unixStream(nonBlocking: false)
        try socket.connect(path: path)
    }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            offset += try bytes.withUnsafeBytes { try socket.send(UnsafeRawBufferPointer(rebasing: $0[offset...])) } ?? 0
        }
    }

    func send(_ message: WireMessage) throws { try send(encoded(message)) }

    /// The next message, nil at end of stream; throws on timeout.
    func next(timeoutSeconds: Double = 20) throws -> WireMessage? {
        let deadline = PublishClock.monotonicNanoseconds() + UInt64(timeoutSeconds * 1e9)
        while true {
            if let message = try parser.next() { return message }
            guard PublishClock.monotonicNanoseconds() < deadline else { throw RawTestClientTimeout() }
            guard try socket.wait(for: Int16(POLLIN), milliseconds: 100) != 0 else { continue }
            var received: Int?
            parser.receive { space in
                received = try? socket.receive(into: space)
                return received ?? 0
            }
            if received == 0 { return nil }
        }
    }

    /// Subscribes and waits for the reply to a status request sent after it, so that the server
    /// has the subscription in effect when this returns.
    func subscribe(_ options: SubscriptionOptions = SubscriptionOptions()) throws {
        try send(.subscribe(version: 1, options: options))
        try send(.statusRequest(version: 1))
        while true {
            guard let message = try next() else { throw RawTestClientTimeout() }
            if case .status = message { return }
        }
    }
}

struct RawTestClientTimeout: Error {}
