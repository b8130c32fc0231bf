/// Deterministic class masks that differ from frame to frame, for benchmarking and stress-testing
/// the ring without a model: frame n is one pseudo-random base mask rotated by n * 7919 bytes,
/// so two frames that could meet in a torn read (a few publishes apart) differ almost everywhere.
/// Immutable; any thread may use it.
public struct SyntheticMasks: Sendable {
    /// Mask size in pixels; every byte is a class id below `classCount`.
    public let width: Int
    public let height: Int
    public let classCount: Int
    private let pattern: [UInt8]

    public init(width: Int, height: Int, classCount: Int, seed: UInt64 = 1) {
        precondition(width > 0 && height > 0 && (1...256).contains(classCount), "synthetic mask \(width)x\(height), \(classCount) classes")
        self.width = width
        self.height = height
        self.classCount = classCount
        // SplitMix64: well mixed and trivial to reproduce.
        var state = seed
        pattern = (0..<width * height).map { _ in
            state = state &+ 0x9E37_79B9_7F4A_7C15
            var mixed = state
            mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
            mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
            mixed ^= mixed >> 31
            return UInt8(truncatingIfNeeded: mixed % UInt64(classCount))
        }
    }

    /// Writes frame `frameNumber`'s mask into the first `width * height` bytes of `buffer`.
    /// Allocation-free.
    public func fill(_ buffer: UnsafeMutableRawBufferPointer, frameNumber: UInt64) {
        let count = pattern.count
        precondition(buffer.count >= count, "buffer of \(buffer.count) bytes for a \(count)-byte mask")
        let rotation = Int((frameNumber &* 7919) % UInt64(count))
        pattern.withUnsafeBytes { source in
            let destination = buffer.baseAddress!
            destination.copyMemory(from: source.baseAddress! + rotation, byteCount: count - rotation)
            (destination + (count - rotation)).copyMemory(from: source.baseAddress!, byteCount: rotation)
        }
    }
}
