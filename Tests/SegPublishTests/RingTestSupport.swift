import Foundation
import SegPublish

/// A fresh folder under /tmp for one test's ring files, removed by `remove()`.
struct RingTestFolder {
    let path: String

    init() {
        var template = Array("/tmp/segd-ring-test.XXXXXX".utf8CString)
        precondition(mkdtemp(&template) != nil, "mkdtemp failed")
        path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    func file(_ name: String) -> String { "\(path)/\(name)" }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// A model for ring tests: `width` x `height` masks, three named classes.
func ringTestModel(width: Int = 64, height: Int = 48, classes: [String] = ["background", "person", "vehicle"]) -> PublishedModel {
    PublishedModel(modelID: "test-model", classNames: classes, maskWidth: width, maskHeight: height)
}

/// Frame info for frame `number` of a `width` x `height` mask.
func ringTestInfo(_ number: UInt64, width: Int, height: Int, classes: Int = 3) -> MaskFrameInfo {
    MaskFrameInfo(frameNumber: number, captureTimestampNanoseconds: 1000 + number, inferenceNanoseconds: 500 + number, width: width, height: height, classCount: classes)
}

/// Writes `bytes` as the whole file at `path`.
func writeRingTestFile(_ path: String, _ bytes: [UInt8]) {
    FileManager.default.createFile(atPath: path, contents: Data(bytes))
}
