/// SplitMix64: a tiny deterministic generator, so that every ISA draws the same test vectors from
/// the same seed. Not for cryptography.
public struct SplitMix64 {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in `range` (modulo bias is irrelevant for test vectors).
    public mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.upperBound - range.lowerBound + 1))
    }

    /// True with probability `percent` / 100.
    public mutating func chance(_ percent: Int) -> Bool { int(0...99) < percent }

    /// Uniform in [0, 1), from 53 random bits.
    public mutating func unit() -> Double { Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0) }

    /// One element of `values`.
    public mutating func pick<T>(_ values: [T]) -> T { values[int(0...(values.count - 1))] }

    /// Fills `count` bytes at `pointer` with values in `range`.
    public mutating func fill(_ pointer: UnsafeMutablePointer<Int8>, count: Int, _ range: ClosedRange<Int> = -128...127) {
        for i in 0..<count { pointer[i] = Int8(int(range)) }
    }

    /// Fills `count` bytes at `pointer` with uniform bytes.
    public mutating func fill(_ pointer: UnsafeMutablePointer<UInt8>, count: Int) {
        for i in 0..<count { pointer[i] = UInt8(truncatingIfNeeded: next()) }
    }
}

/// FNV-1a, 64-bit: a digest of kernel outputs that is the same on every ISA.
public struct FNV1a {
    public private(set) var value: UInt64 = 0xCBF2_9CE4_8422_2325

    public init() {}

    public mutating func add(_ bytes: UnsafeRawPointer, count: Int) {
        let b = bytes.assumingMemoryBound(to: UInt8.self)
        for i in 0..<count {
            value = (value ^ UInt64(b[i])) &* 0x0000_0100_0000_01B3
        }
    }

    public mutating func add(_ x: Int) {
        var v = UInt64(bitPattern: Int64(x))
        withUnsafeBytes(of: &v) { add($0.baseAddress!, count: 8) }
    }
}

/// Sixteen hex digits.
public func hex(_ value: UInt64) -> String {
    let digits: [Character] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "a", "b", "c", "d", "e", "f"]
    var s = ""
    for i in (0..<16).reversed() { s.append(digits[Int((value >> UInt64(i * 4)) & 15)]) }
    return s
}
