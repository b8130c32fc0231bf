/// Per-output-channel requantization (`QuantizedMultiplier` then `OutputQuantization`) laid out for
/// SIMD, padded to a multiple of 64 channels. Immutable after init; safe to use from several threads.
///
/// The product is a widening 32x32->64 multiply (`smull`, `vpmuldq`). On NEON the rounding shift
/// is one `srshl` by the negated shift; elsewhere the rounding term is added before an arithmetic
/// shift. The 64-bit result is then narrowed to Int32 with saturation, the zero point added with
/// saturation, and the sum clamped to the output range: the same value as clamping in 64 bits,
/// because the output range lies inside Int8.
struct ChannelRequantizer {
    private let storage: AlignedBuffer
    private let multipliers: UnsafeMutablePointer<Int32>
    /// NEON: the negated right shift of each channel. Elsewhere: the right shift.
    private let shifts: UnsafeMutablePointer<Int64>
    /// `2^(rightShift - 1)` of each channel (the portable path's rounding term).
    private let roundings: UnsafeMutablePointer<Int64>
    let output: OutputQuantization

    /// `multipliers` holds one entry (per tensor) or one per channel.
    init(multipliers source: [QuantizedMultiplier], channels: Int, output: OutputQuantization) throws(KernelConfigurationError) {
        try require(
            source.count == 1 || source.count == channels, "multipliers",
            "needs 1 or \(channels) entries (one per output channel), got \(source.count)")
        try output.validate("output")
        let padded = (channels + 63) & ~63
        storage = AlignedBuffer(byteCount: 2 * padded * 8 + padded * 4)
        shifts = storage.typed(Int64.self, count: 2 * padded)
        roundings = shifts + padded
        multipliers = (storage.pointer + 2 * padded * 8).bindMemory(to: Int32.self, capacity: padded)
        for c in 0..<padded {
            let m = source[source.count == 1 ? 0 : min(c, channels - 1)]
            multipliers[c] = m.multiplier
            #if arch(arm64) || arch(arm)
            shifts[c] = -Int64(m.rightShift)
            #else
            shifts[c] = Int64(m.rightShift)
            #endif
            roundings[c] = Int64(1) << Int64(m.rightShift - 1)
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
            let product = Int64(accumulators[i]) &* Int64(multipliers[c])
            out[i] = output.clamp((product &+ roundings[c]) &>> rightShift(c))
            i &+= 1
        }
    }

    /// The right shift of `channel`.
    @inline(__always)
    private func rightShift(_ channel: Int) -> Int64 {
        #if arch(arm64) || arch(arm)
        return 0 &- shifts[channel]
        #else
        return shifts[channel]
        #endif
    }

    /// Requantizes the accumulators of the eight channels starting at `channel`, in SIMD.
    @inline(__always)
    func requantize8(_ accumulators: SIMD8<Int32>, channel: Int) -> SIMD8<Int8> {
        let m = UnsafeRawPointer(multipliers + channel), s = UnsafeRawPointer(shifts + channel)
        var scaled = SIMD8<Int64>()
        #if arch(arm64) || arch(arm)
        for pair in 0..<4 {
            let product = wideningProduct(
                SIMD2(accumulators[pair &* 2], accumulators[pair &* 2 &+ 1]),
                m.loadUnaligned(fromByteOffset: pair &* 8, as: SIMD2<Int32>.self))
            let shifted = roundingShift(product, s.loadUnaligned(fromByteOffset: pair &* 16, as: SIMD2<Int64>.self))
            scaled[pair &* 2] = shifted[0]
            scaled[pair &* 2 &+ 1] = shifted[1]
        }
        #else
        let product = SIMD8<Int64>(signExtending: accumulators)
            &* SIMD8<Int64>(signExtending: m.loadUnaligned(as: SIMD8<Int32>.self))
        let rounding = UnsafeRawPointer(roundings + channel).loadUnaligned(as: SIMD8<Int64>.self)
        scaled = (product &+ rounding) &>> s.loadUnaligned(as: SIMD8<Int64>.self)
        #endif
        let shifted = saturatingAdd(saturatingNarrow(scaled), SIMD8<Int32>(repeating: output.zeroPoint))
        let low = SIMD8<Int32>(repeating: Int32(output.minimum)), high = SIMD8<Int32>(repeating: Int32(output.maximum))
        return SIMD8<Int8>(truncating: minimum(maximum(shifted, low), high))
    }
}
