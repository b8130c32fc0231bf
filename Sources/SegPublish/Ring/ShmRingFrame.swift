/// Where a frame stands in the sequence of everything a ring path has published: frame numbers
/// restart with each writer generation, so the pair orders frames across writer restarts.
public struct ShmRingPosition: Equatable, Sendable {
    /// The writer generation that published the frame.
    public var generation: UInt64
    /// The frame's number within that generation.
    public var frameNumber: UInt64

    public init(generation: UInt64, frameNumber: UInt64) {
        self.generation = generation
        self.frameNumber = frameNumber
    }

    /// Whether a frame at this position comes after one at `other`: a later frame of the same
    /// writer, or any frame of another writer generation (a restart).
    public func isNewer(than other: ShmRingPosition?) -> Bool {
        guard let other else { return true }
        return generation != other.generation || frameNumber > other.frameNumber
    }
}

/// One mask read consistently out of a ring slot (its bytes are in the caller's buffer).
public struct ShmRingFrame: Equatable, Sendable {
    /// Frame number, capture time, inference time, geometry and class count as published.
    public var info: MaskFrameInfo
    /// When the writer made the frame visible, CLOCK_MONOTONIC nanoseconds (now minus this is
    /// the ring-to-reader latency).
    public var publishTimestampNanoseconds: UInt64
    /// The writer's `MaskChecksum` of the mask bytes.
    public var checksum: UInt64
    /// Mask bytes copied into the caller's buffer (`info.width * info.height`).
    public var maskByteCount: Int
    /// The generation of the writer that published it.
    public var generation: UInt64
    /// The slot it was read from.
    public var slot: Int

    public var position: ShmRingPosition { ShmRingPosition(generation: generation, frameNumber: info.frameNumber) }
}
