/// What is published with every mask: which frame it is, when it was captured, what it cost.
public struct MaskFrameInfo: Equatable, Sendable {
    /// The pipeline's frame counter (monotonic per writer generation).
    public var frameNumber: UInt64
    /// When the camera captured the frame, CLOCK_MONOTONIC nanoseconds.
    public var captureTimestampNanoseconds: UInt64
    /// How long inference took, nanoseconds.
    public var inferenceNanoseconds: UInt64
    /// Mask size in pixels (one UInt8 class id per pixel, rows packed).
    public var width: Int
    public var height: Int
    /// Classes the model distinguishes (class ids are 0..<classCount).
    public var classCount: Int

    public init(frameNumber: UInt64, captureTimestampNanoseconds: UInt64, inferenceNanoseconds: UInt64, width: Int, height: Int, classCount: Int) {
        self.frameNumber = frameNumber
        self.captureTimestampNanoseconds = captureTimestampNanoseconds
        self.inferenceNanoseconds = inferenceNanoseconds
        self.width = width
        self.height = height
        self.classCount = classCount
    }
}

/// The model whose masks are published: what readers and subscribers are told when they attach.
public struct PublishedModel: Equatable, Sendable {
    /// A name identifying the model (its file name and checksum, say).
    public var modelID: String
    /// One name per class id.
    public var classNames: [String]
    /// The size of every mask, pixels.
    public var maskWidth: Int
    public var maskHeight: Int

    public init(modelID: String, classNames: [String], maskWidth: Int, maskHeight: Int) {
        self.modelID = modelID
        self.classNames = classNames
        self.maskWidth = maskWidth
        self.maskHeight = maskHeight
    }
}
