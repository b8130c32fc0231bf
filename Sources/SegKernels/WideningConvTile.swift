import Builtin

/// The int8 convolution micro-kernel for CPUs without a dot-product instruction: products of 16
/// input bytes and 16 weight bytes are widened to int16 (`smull` + `smlal2`), pairs summed into
/// int32 (`sadalp`). Two int8 products always fit an int16 because weights are in -127...127.
///
/// It computes one `rows` x `columns` tile of Int32 accumulators, each lane summing along the
/// input channels, reduced across lanes at the end.
///
/// Packed panel layout (64-byte aligned):
/// - a 64-byte header: `columns` Int32 initial accumulators (bias with zero-point corrections);
/// - for each tap, for each block of 16 input channels: `columns` x 16 Int8 weights,
///   channel-major.
enum WideningConvTile {
    /// Output pixels per tile.
    static var rows: Int {
        #if arch(arm)
        return 2
        #else
        return 4
        #endif
    }

    /// Output channels per tile.
    static var columns: Int { 4 }

    /// Bytes before the first weight of a panel.
    static var headerBytes: Int { 64 }

    /// Computes one accumulator tile, rows `rowStride` Int32 apart; arguments as
    /// `DotProductConvTile.compute`, with input channels counted in blocks of 16 (`kBlocks * 16`
    /// bytes readable from every row pointer).
    static func compute(
        taps: Int, kBlocks: Int,
        inputRows: UnsafePointer<UnsafePointer<Int8>>,
        panel: UnsafeRawPointer,
        accumulators: UnsafeMutablePointer<Int32>, rowStride: Int
    ) {
        var w = panel + headerBytes
        var rowPointer = inputRows
        #if arch(arm)
        var r01 = RowPair4()
        for _ in 0..<taps {
            let a0 = UnsafeRawPointer(rowPointer[0]), a1 = UnsafeRawPointer(rowPointer[1])
            rowPointer += 2
            var offset = 0
            for _ in 0..<kBlocks {
                r01.accumulate(a0.loadUnaligned(fromByteOffset: offset, as: SIMD16<Int8>.self),
                               a1.loadUnaligned(fromByteOffset: offset, as: SIMD16<Int8>.self), w)
                w += 64
                offset &+= 16
            }
        }
        r01.store(bias: panel, into: accumulators, rowStride: rowStride)
        #else
        var r01 = RowPair4(), r23 = RowPair4()
        for _ in 0..<taps {
            let a0 = UnsafeRawPointer(rowPointer[0]), a1 = UnsafeRawPointer(rowPointer[1])
            let a2 = UnsafeRawPointer(rowPointer[2]), a3 = UnsafeRawPointer(rowPointer[3])
            rowPointer += 4
            var offset = 0
            for _ in 0..<kBlocks {
                r01.accumulate(a0.loadUnaligned(fromByteOffset: offset, as: SIMD16<Int8>.self),
                               a1.loadUnaligned(fromByteOffset: offset, as: SIMD16<Int8>.self), w)
                r23.accumulate(a2.loadUnaligned(fromByteOffset: offset, as: SIMD16<Int8>.self),
                               a3.loadUnaligned(fromByteOffset: offset, as: SIMD16<Int8>.self), w)
                w += 64
                offset &+= 16
            }
        }
        r01.store(bias: panel, into: accumulators, rowStride: rowStride)
        r23.store(bias: panel, into: accumulators + 2 &* rowStride, rowStride: rowStride)
        #endif
    }
}

/// Two output pixels times four output channels, each accumulator summing along the channels.
private struct RowPair4 {
    var c00 = SIMD4<Int32>(), c01 = SIMD4<Int32>(), c02 = SIMD4<Int32>(), c03 = SIMD4<Int32>()
    var c10 = SIMD4<Int32>(), c11 = SIMD4<Int32>(), c12 = SIMD4<Int32>(), c13 = SIMD4<Int32>()

    @inline(__always)
    mutating func accumulate(_ x0: SIMD16<Int8>, _ x1: SIMD16<Int8>, _ w: UnsafeRawPointer) {
        let w0 = w.load(as: SIMD16<Int8>.self), w1 = w.load(fromByteOffset: 16, as: SIMD16<Int8>.self)
        let w2 = w.load(fromByteOffset: 32, as: SIMD16<Int8>.self), w3 = w.load(fromByteOffset: 48, as: SIMD16<Int8>.self)
        c00 = wideningDot(c00, x0, w0); c01 = wideningDot(c01, x0, w1)
        c02 = wideningDot(c02, x0, w2); c03 = wideningDot(c03, x0, w3)
        c10 = wideningDot(c10, x1, w0); c11 = wideningDot(c11, x1, w1)
        c12 = wideningDot(c12, x1, w2); c13 = wideningDot(c13, x1, w3)
    }

    /// Writes bias + lane sums: two rows of four channels, `rowStride` Int32 apart.
    @inline(__always)
    func store(bias: UnsafeRawPointer, into out: UnsafeMutablePointer<Int32>, rowStride: Int) {
        let b = bias.load(as: SIMD4<Int32>.self)
        let row0 = b &+ SIMD4(c00.wrappedSum(), c01.wrappedSum(), c02.wrappedSum(), c03.wrappedSum())
        let row1 = b &+ SIMD4(c10.wrappedSum(), c11.wrappedSum(), c12.wrappedSum(), c13.wrappedSum())
        UnsafeMutableRawPointer(out).storeBytes(of: row0, as: SIMD4<Int32>.self)
        UnsafeMutableRawPointer(out + rowStride).storeBytes(of: row1, as: SIMD4<Int32>.self)
    }
}

/// `acc + pairwise(x[0..<8] * w[0..<8] + x[8..<16] * w[8..<16])`, products widened to int16.
@inline(__always)
func wideningDot(_ acc: SIMD4<Int32>, _ x: SIMD16<Int8>, _ w: SIMD16<Int8>) -> SIMD4<Int32> {
    let products = SIMD8<Int16>(signExtending: x.lowHalf) &* SIMD8<Int16>(signExtending: w.lowHalf)
        &+ SIMD8<Int16>(signExtending: x.highHalf) &* SIMD8<Int16>(signExtending: w.highHalf)
    return acc &+ pairwiseWideningSum(products)
}

/// `[p0 + p1, p2 + p3, p4 + p5, p6 + p7]` in Int32: one `saddlp` on NEON (fused with the add
/// into `sadalp`), one `pmaddwd` by ones on x86.
@inline(__always)
func pairwiseWideningSum(_ p: SIMD8<Int16>) -> SIMD4<Int32> {
    #if arch(arm64)
    return unsafeBitCast(
        Builtin.int_aarch64_neon_saddlp_Vec4xInt32_Vec8xInt16(unsafeBitCast(p, to: Builtin.Vec8xInt16.self)),
        to: SIMD4<Int32>.self)
    #elseif arch(arm)
    return unsafeBitCast(
        Builtin.int_arm_neon_vpaddls_Vec4xInt32_Vec8xInt16(unsafeBitCast(p, to: Builtin.Vec8xInt16.self)),
        to: SIMD4<Int32>.self)
    #elseif arch(x86_64)
    return unsafeBitCast(
        Builtin.int_x86_sse2_pmadd_wd(
            unsafeBitCast(p, to: Builtin.Vec8xInt16.self),
            unsafeBitCast(SIMD8<Int16>(repeating: 1), to: Builtin.Vec8xInt16.self)),
        to: SIMD4<Int32>.self)
    #else
    return SIMD4<Int32>(p[0] &+ p[1], p[2] &+ p[3], p[4] &+ p[5], p[6] &+ p[7])
    #endif
}
