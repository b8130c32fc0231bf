import Glibc
import SegPublish

/// A fresh directory under /tmp for one test's socket, removed on deinit.
final class SubscriberTestDirectory {
    let path: String

    init() {
        var template = Array("/tmp/segd-client-XXXXXX".utf8CString)
        path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
    }

    deinit {
        unlink(socketPath)
        rmdir(path)
    }

    var socketPath: String { path + "/segd.sock" }
}

let subscriberTestModel = PublishedModel(modelID: "client-test", classNames: ["background", "road", "car"], maskWidth: 160, maskHeight: 120)

let subscriberTestStatus = PipelineStatus(framesPerSecond: 29.5, latencyP50Milliseconds: 17.25, latencyP99Milliseconds: 33.5, frames: 4242, drops: 9, extras: [StatusField("latency.inference_ms", "15.1")])

func makeSubscriberTestServer(_ directory: SubscriberTestDirectory, settings: SubscriberServerSettings = SubscriberServerSettings()) throws -> SubscriberServer {
    try SubscriberServer(path: directory.socketPath, model: subscriberTestModel, settings: settings, status: { subscriberTestStatus }, log: { _ in })
}

/// Horizontal bands that move with the frame number: long runs, so run-length pays off.
func bandMask(frame: UInt64) -> [UInt8] {
    let model = subscriberTestModel
    return (0..<(model.maskWidth * model.maskHeight)).map { UInt8(((($0 / model.maskWidth) + Int(frame)) / 10) % model.classNames.count) }
}

func publishBandFrame(_ server: SubscriberServer, _ frame: UInt64) {
    let model = subscriberTestModel
    let info = MaskFrameInfo(frameNumber: frame, captureTimestampNanoseconds: PublishClock.monotonicNanoseconds(), inferenceNanoseconds: 15_000_000, width: model.maskWidth, height: model.maskHeight, classCount: model.classNames.count)
    bandMask(frame: frame).withUnsafeBytes { server.publish(mask: $0, info: info) }
}
