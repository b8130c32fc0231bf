import CSegKernels

/// Geometry of the dot-product convolution micro-kernel (defined in SegKernelsDotProd, compiled
/// with DotProd / AVX-512 VNNI, reached through its C symbol); see its definition for the packed
/// panel layout.
enum DotProductConvTile {
    /// Whether this architecture has the kernel (aarch64, x86_64).
    static var isCompiled: Bool {
        #if arch(arm64) || arch(x86_64)
        return true
        #else
        return false
        #endif
    }

    /// Output pixels per tile.
    static var rows: Int {
        #if arch(x86_64)
        return 8
        #else
        return 4
        #endif
    }

    /// Output channels per tile (the packed panel width).
    static var columns: Int {
        #if arch(x86_64)
        return 32
        #else
        return 16
        #endif
    }

    /// Whether the kernel feeds input bytes to the instruction as unsigned (x + 128), so that the
    /// packer must subtract `128 * sum(weights)` from each channel's bias.
    static var flipsInputSign: Bool {
        #if arch(x86_64)
        return true
        #else
        return false
        #endif
    }

    /// One accumulator tile, rows `rowStride` Int32 apart; only after `CPUFeatures.current`
    /// reported `.dotProduct`.
    @inline(__always)
    static func compute(
        taps: Int, kGroups: Int, inputRows: UnsafePointer<UnsafePointer<Int8>>, panel: UnsafeRawPointer,
        accumulators: UnsafeMutablePointer<Int32>, rowStride: Int
    ) {
        #if arch(arm64) || arch(x86_64)
        segk_dot_product_conv_tile(
            taps, kGroups, UnsafeRawPointer(inputRows).assumingMemoryBound(to: UnsafePointer<Int8>?.self),
            panel, accumulators, rowStride)
        #else
        fatalError("no dot-product kernel on this architecture")
        #endif
    }
}
