/// Per-output-channel requantization (`QuantizedMultiplier` then `OutputQuantization`) laid out for
/// SIMD: multipliers as Int32 (so that the product is a widening 32x32->64 multiply: `smull`,
/// `vpmuldq`), rounding terms and shifts as Int64, padded to a multiple of 64 channels. Immutable
/// after init; safe to use from several threads.
struct ChannelRequantizer {
    private let storage: AlignedBuffer
    private let multipliers: UnsafeMutablePointer<Int32>
    private let roundings: UnsafeMutablePointer<Int64>
    private let shifts: UnsafeMutablePointer<Int64>
    let output: OutputQuantization

    /// `multipliers` holds one entry (per tensor) or one per channel.
    init(multipliers source: [QuantizedMultiplier], channels: Int, output: OutputQuantization) throws(KernelConfigurationError) {
        try require(
            source.count == 1 || source.count == channels, "multipliers",
            "needs 1 or \(channels) entries (one per output channel), got \(source.count)")
        try output.validate("output")
        let padded = (channels + 63) & ~63
        storage = AlignedBuffer(byteCount: 2 * padded * 8 + padded * 4)
        roundings = storage.typed(Int64.self, count: 2 * padded)
        shifts = roundings + padded
        multipliers = (storage.pointer + 2 * padded * 8).bindMemory(to: Int32.self, capacity: padded)
        for c in 0..<padded {
            let m = source[source.count == 1 ? 0 : min(c, channels - 1)]
            multipliers[c] = m.multiplier
            roundings[c] = Int64(1) << Int64(m.rightShift - 1)
            shifts[c] = Int64(m.rightShift)
        }
        self.output = output
    }

    /// Requantizes `count` accumulators of consecutive channels starting at `channel`.
    @inline(__always)
    func requantize(_ accumulators: UnsafePointer<Int32>, channel: Int, count: Int, into out: UnsafeMutablePointer<Int8>) {
        var i = 0
        while i &+ 8 <= count {
            let v = requantize8(UnsafeRawPointer(accumulators + i).loadUnaligned(as: SIMD8<Int32>.self), channel: channel &+ i)
            UnsafeMutableRawPointer(out + i).storeBytes(of: v, as: SIMD8<Int8>.self)
            i &+= 8
        }
        while i < count {
            let c = channel &+ i
            let r = (Int64(accumulators[i]) &* Int64(multipliers[c]) &+ roundings[c]) &>> shifts[c]
            out[i] = output.clamp(r)
            i &+= 1
        }
    }

    /// Eight channels starting at `channel`, in SIMD.
    @inline(__always)
    func requantize8(_ accumulators: SIMD8<Int32>, channel: Int) -> SIMD8<Int8> {
        let a = SIMD8<Int64>(signExtending: accumulators)
        let m = SIMD8<Int64>(signExtending: UnsafeRawPointer(multipliers + channel).loadUnaligned(as: SIMD8<Int32>.self))
        let h = UnsafeRawPointer(roundings + channel).loadUnaligned(as: SIMD8<Int64>.self)
        let s = UnsafeRawPointer(shifts + channel).loadUnaligned(as: SIMD8<Int64>.self)
        let r = ((a &* m &+ h) &>> s) &+ SIMD8<Int64>(repeating: Int64(output.zeroPoint))
        let low = SIMD8<Int64>(repeating: Int64(output.minimum)), high = SIMD8<Int64>(repeating: Int64(output.maximum))
        return SIMD8<Int8>(truncating: minimum(maximum(r, low), high))
    }
}
