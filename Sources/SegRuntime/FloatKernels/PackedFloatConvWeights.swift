import SegKernels

/// The weights of a float convolution or transposed convolution, packed once for its kernel:
/// micro-kernel panels, or for depthwise layers `[bias][tap][channel]` with channels padded to a
/// multiple of 16 for the SIMD channel loop. Shared by `PackedFloatConv2D` and
/// `PackedFloatTransposedConv2D`, whose weights have the same OHWI layout.
enum PackedFloatConvWeights {
    case panels(FloatConvPanels)
    case depthwise(AlignedBuffer, paddedChannels: Int)

    /// Checks the buffer sizes and the clamp, then packs `weights` (OHWI) and `bias` (one per output
    /// channel, or nil for zero); the buffers are only read here.
    init(
        weights: UnsafeBufferPointer<Float>, bias: UnsafeBufferPointer<Float>?, weightElementCount: Int,
        outputChannels: Int, groups: Int, taps: Int, inputChannelsPerGroup: Int, depthwise: Bool,
        lower: Float, upper: Float
    ) throws(KernelConfigurationError) {
        try requireFloatKernel(
            weights.count == weightElementCount, "weights", "needs \(weightElementCount) values (OHWI), got \(weights.count)")
        if let bias {
            try requireFloatKernel(
                bias.count == outputChannels, "bias",
                "needs \(outputChannels) values (one per output channel), got \(bias.count)")
        }
        try requireFloatKernel(!(lower > upper), "lower", "clamp lower bound above the upper bound")
        if depthwise {
            let padded = (outputChannels + 15) & ~15
            let buffer = AlignedBuffer(byteCount: (1 + taps) * padded * MemoryLayout<Float>.stride)
            let packed = buffer.typed(Float.self, count: (1 + taps) * padded)
            for c in 0..<outputChannels {
                packed[c] = bias?[c] ?? 0
                for t in 0..<taps { packed[(1 + t) * padded + c] = weights[c * taps + t] }
            }
            self = .depthwise(buffer, paddedChannels: padded)
        } else {
            self = .panels(
                FloatConvPanels(
                    weights: weights.baseAddress!, bias: bias?.baseAddress, outputChannels: outputChannels,
                    groups: groups, taps: taps, inputChannelsPerGroup: inputChannelsPerGroup))
        }
    }
}
