import SegKernels

/// An input tensor for a kernel under test: random contents, and random bytes in the tail padding
/// that kernels may read but must not use.
func randomInput(_ rng: inout SplitMix64, count: Int, _ range: ClosedRange<Int> = -128...127) -> AlignedBuffer {
    let buffer = AlignedBuffer(byteCount: count)
    rng.fill(buffer.typed(Int8.self, count: count), count: count, range)
    rng.fill(buffer.typed(UInt8.self, count: count + AlignedBuffer.kernelTailPadding) + count, count: AlignedBuffer.kernelTailPadding)
    return buffer
}

/// An output tensor pre-filled (tail included) with a sentinel, so that writes outside
/// `byteCount` and elements never written show up.
func sentinelOutput(byteCount: Int, sentinel: UInt8 = 0xA5) -> AlignedBuffer {
    let buffer = AlignedBuffer(byteCount: byteCount)
    buffer.pointer.initializeMemory(as: UInt8.self, repeating: sentinel, count: byteCount + AlignedBuffer.kernelTailPadding)
    return buffer
}

/// The first differing byte of two buffers of `count` bytes (tail padding included when
/// `includeTail`), as a message, or nil when equal.
func firstDifference(_ got: AlignedBuffer, _ expected: AlignedBuffer, count: Int, includeTail: Bool = true) -> String? {
    let n = count + (includeTail ? AlignedBuffer.kernelTailPadding : 0)
    let a = got.typed(UInt8.self, count: n), b = expected.typed(UInt8.self, count: n)
    for i in 0..<n where a[i] != b[i] {
        let place = i < count ? "byte \(i)" : "tail byte \(i - count)"
        return "\(place): got \(Int8(bitPattern: a[i])), expected \(Int8(bitPattern: b[i]))"
    }
    return nil
}

/// A workspace of `byteCount` bytes (at least 1), 64-byte aligned.
func workspace(_ byteCount: Int) -> AlignedBuffer { AlignedBuffer(byteCount: max(byteCount, 1), tailPadding: 0) }
