/// Zero-initialized heap memory aligned to 64 bytes, owned by this object and freed with it.
/// `tailPadding` extra readable bytes follow `byteCount`: kernels may read (never use) up to
/// `AlignedBuffer.kernelTailPadding` bytes past the end of an input tensor. Not thread-safe to
/// write concurrently; the pointer stays valid for the object's lifetime.
public final class AlignedBuffer {
    /// Bytes every kernel input must have readable after its last element.
    public static let kernelTailPadding = 64

    /// The memory, 64-byte aligned.
    public let pointer: UnsafeMutableRawPointer
    /// Usable bytes, not counting the tail padding.
    public let byteCount: Int

    public init(byteCount: Int, tailPadding: Int = AlignedBuffer.kernelTailPadding) {
        precondition(byteCount >= 0 && tailPadding >= 0, "AlignedBuffer size must not be negative")
        let total = byteCount + tailPadding
        pointer = UnsafeMutableRawPointer.allocate(byteCount: max(total, 1), alignment: 64)
        pointer.initializeMemory(as: UInt8.self, repeating: 0, count: total)
        self.byteCount = byteCount
    }

    /// `count` bytes of `value`, then the tail padding (zero).
    public convenience init(repeating value: Int8, count: Int) {
        self.init(byteCount: count)
        pointer.initializeMemory(as: Int8.self, repeating: value, count: count)
    }

    deinit { pointer.deallocate() }

    /// The memory as `count` values of `T`.
    @inlinable
    public func typed<T>(_ type: T.Type, count: Int) -> UnsafeMutablePointer<T> {
        pointer.bindMemory(to: T.self, capacity: count)
    }
}
