#if arch(arm64) || arch(x86_64)
import Builtin
#endif

/// The int8 convolution micro-kernel built on an integer dot-product instruction: Armv8.2 DotProd
/// `sdot` (indexed form) on aarch64, AVX-512 VNNI `vpdpbusd` on x86_64. This module is compiled
/// with the extension enabled; SegKernels (`DotProductConvTile`) calls it through the C symbol only
/// after checking the CPU.
///
/// It computes one tile of Int32 accumulators: `rows` output pixels (4 on aarch64, 8 on x86_64)
/// times `columns` output channels (16 / 32), summed over `taps` kernel positions and `kGroups * 4`
/// input channels.
///
/// Packed panel layout (`columns` output channels, 64-byte aligned):
/// - `columns` Int32 initial accumulators (the bias, zero-point corrections folded in), padded to
///   64 bytes;
/// - for each tap, for each group of 4 input channels: `columns` x 4 Int8 weights, channel-major
///   (the 4 weights of output channel 0, then those of channel 1, ...).
///
/// On x86_64 the instruction multiplies unsigned by signed bytes, so the kernel flips the sign bit
/// of every input byte (x + 128); the packer folds `-128 * sum(weights)` into the bias.
///
/// - Parameters:
///   - taps: kernel positions; may be 0 (the tile is then the bias).
///   - kGroups: groups of 4 input channels per tap (channels rounded up; the extra bytes read
///     after each pixel's channels meet zero weights).
///   - inputRows: `taps * rows` pointers, tap-major: `inputRows[t * rows + r]` is the first
///     input channel that row `r` reads under tap `t` (a zero-point row for padding).
///     `kGroups * 4` bytes must be readable from each.
///   - panel: packed weights, layout above.
///   - accumulators: receives `rows` rows of `columns` Int32, row `r` at `accumulators + r * rowStride`.
///   - rowStride: Int32 elements between accumulator rows, at least `columns`.
#if arch(arm64) || arch(x86_64)
@_cdecl("segk_dot_product_conv_tile")
public func dotProductConvTile(
    _ taps: Int, _ kGroups: Int, _ inputRows: UnsafePointer<UnsafePointer<Int8>?>,
    _ panel: UnsafeRawPointer, _ accumulators: UnsafeMutablePointer<Int32>, _ rowStride: Int
) {
    let rows = UnsafeRawPointer(inputRows).assumingMemoryBound(to: UnsafePointer<Int8>.self)
    #if arch(arm64)
    computeSDOT(taps: taps, kGroups: kGroups, inputRows: rows, panel: panel, accumulators: accumulators, rowStride: rowStride)
    #else
    computeVNNI(taps: taps, kGroups: kGroups, inputRows: rows, panel: panel, accumulators: accumulators, rowStride: rowStride)
    #endif
}
#endif

#if arch(arm64)
/// `sdot v.4s, w.16b, a.4b[lane]`: each Int32 lane of `acc` gains the dot product of its 4 weight
/// bytes with the 4 input bytes in lane `lane` of `a`.
@inline(__always)
private func sdot(_ acc: SIMD4<Int32>, _ w: SIMD16<Int8>, _ a: SIMD4<Int32>, lane: Int) -> SIMD4<Int32> {
    let broadcast = unsafeBitCast(SIMD4<Int32>(repeating: a[lane]), to: Builtin.Vec16xInt8.self)
    return unsafeBitCast(
        Builtin.int_aarch64_neon_sdot_Vec4xInt32_Vec16xInt8(
            unsafeBitCast(acc, to: Builtin.Vec4xInt32.self), unsafeBitCast(w, to: Builtin.Vec16xInt8.self), broadcast),
        to: SIMD4<Int32>.self)
}

/// One output pixel's 16 accumulators.
private struct Row16 {
    var c0: SIMD4<Int32>, c1: SIMD4<Int32>, c2: SIMD4<Int32>, c3: SIMD4<Int32>

    @inline(__always)
    init(bias: UnsafeRawPointer) {
        c0 = bias.load(as: SIMD4<Int32>.self)
        c1 = bias.load(fromByteOffset: 16, as: SIMD4<Int32>.self)
        c2 = bias.load(fromByteOffset: 32, as: SIMD4<Int32>.self)
        c3 = bias.load(fromByteOffset: 48, as: SIMD4<Int32>.self)
    }

    @inline(__always)
    mutating func accumulate(_ w: UnsafeRawPointer, _ a: SIMD4<Int32>, lane: Int) {
        c0 = sdot(c0, w.load(as: SIMD16<Int8>.self), a, lane: lane)
        c1 = sdot(c1, w.load(fromByteOffset: 16, as: SIMD16<Int8>.self), a, lane: lane)
        c2 = sdot(c2, w.load(fromByteOffset: 32, as: SIMD16<Int8>.self), a, lane: lane)
        c3 = sdot(c3, w.load(fromByteOffset: 48, as: SIMD16<Int8>.self), a, lane: lane)
    }

    @inline(__always)
    func store(_ accumulators: UnsafeMutablePointer<Int32>) {
        let out = UnsafeMutableRawPointer(accumulators)
        out.storeBytes(of: c0, as: SIMD4<Int32>.self)
        out.storeBytes(of: c1, toByteOffset: 16, as: SIMD4<Int32>.self)
        out.storeBytes(of: c2, toByteOffset: 32, as: SIMD4<Int32>.self)
        out.storeBytes(of: c3, toByteOffset: 48, as: SIMD4<Int32>.self)
    }
}

private func computeSDOT(
    taps: Int, kGroups: Int, inputRows: UnsafePointer<UnsafePointer<Int8>>,
    panel: UnsafeRawPointer, accumulators: UnsafeMutablePointer<Int32>, rowStride: Int
) {
    var r0 = Row16(bias: panel), r1 = r0, r2 = r0, r3 = r0
    var w = panel + 64
    var rowPointer = inputRows
    for _ in 0..<taps {
        var a0 = UnsafeRawPointer(rowPointer[0]), a1 = UnsafeRawPointer(rowPointer[1])
        var a2 = UnsafeRawPointer(rowPointer[2]), a3 = UnsafeRawPointer(rowPointer[3])
        rowPointer += 4
        var groups = kGroups
        while groups >= 4 {
            let x0 = a0.loadUnaligned(as: SIMD4<Int32>.self), x1 = a1.loadUnaligned(as: SIMD4<Int32>.self)
            let x2 = a2.loadUnaligned(as: SIMD4<Int32>.self), x3 = a3.loadUnaligned(as: SIMD4<Int32>.self)
            for lane in 0..<4 {
                r0.accumulate(w, x0, lane: lane)
                r1.accumulate(w, x1, lane: lane)
                r2.accumulate(w, x2, lane: lane)
                r3.accumulate(w, x3, lane: lane)
                w += 64
            }
            a0 += 16; a1 += 16; a2 += 16; a3 += 16
            groups &-= 4
        }
        while groups > 0 {
            let x0 = SIMD4<Int32>(repeating: a0.loadUnaligned(as: Int32.self))
            let x1 = SIMD4<Int32>(repeating: a1.loadUnaligned(as: Int32.self))
            let x2 = SIMD4<Int32>(repeating: a2.loadUnaligned(as: Int32.self))
            let x3 = SIMD4<Int32>(repeating: a3.loadUnaligned(as: Int32.self))
            r0.accumulate(w, x0, lane: 0)
            r1.accumulate(w, x1, lane: 0)
            r2.accumulate(w, x2, lane: 0)
            r3.accumulate(w, x3, lane: 0)
            w += 64
            a0 += 4; a1 += 4; a2 += 4; a3 += 4
            groups &-= 1
        }
    }
    r0.store(accumulators)
    r1.store(accumulators + rowStride)
    r2.store(accumulators + 2 &* rowStride)
    r3.store(accumulators + 3 &* rowStride)
}
#endif

#if arch(x86_64)
/// `vpdpbusd`: each Int32 lane of `acc` gains the dot product of 4 unsigned bytes of `a` with the
/// 4 signed bytes of `w` in the same lane.
@inline(__always)
private func vpdpbusd(_ acc: SIMD16<Int32>, _ a: SIMD16<Int32>, _ w: SIMD16<Int32>) -> SIMD16<Int32> {
    unsafeBitCast(
        Builtin.int_x86_avx512_vpdpbusd_512(
            unsafeBitCast(acc, to: Builtin.Vec16xInt32.self),
            unsafeBitCast(a, to: Builtin.Vec16xInt32.self),
            unsafeBitCast(w, to: Builtin.Vec16xInt32.self)),
        to: SIMD16<Int32>.self)
}

/// One output pixel's 32 accumulators.
private struct Row32 {
    var lo: SIMD16<Int32>, hi: SIMD16<Int32>

    @inline(__always)
    init(bias: UnsafeRawPointer) {
        lo = bias.load(as: SIMD16<Int32>.self)
        hi = bias.load(fromByteOffset: 64, as: SIMD16<Int32>.self)
    }

    @inline(__always)
    mutating func accumulate(_ input: UnsafeRawPointer, _ w0: SIMD16<Int32>, _ w1: SIMD16<Int32>) {
        let x = SIMD16<Int32>(repeating: input.loadUnaligned(as: Int32.self) ^ Int32(bitPattern: 0x8080_8080))
        lo = vpdpbusd(lo, x, w0)
        hi = vpdpbusd(hi, x, w1)
    }

    @inline(__always)
    func store(_ accumulators: UnsafeMutablePointer<Int32>) {
        let out = UnsafeMutableRawPointer(accumulators)
        out.storeBytes(of: lo, as: SIMD16<Int32>.self)
        out.storeBytes(of: hi, toByteOffset: 64, as: SIMD16<Int32>.self)
    }
}

private func computeVNNI(
    taps: Int, kGroups: Int, inputRows: UnsafePointer<UnsafePointer<Int8>>,
    panel: UnsafeRawPointer, accumulators: UnsafeMutablePointer<Int32>, rowStride: Int
) {
    var r0 = Row32(bias: panel), r1 = r0, r2 = r0, r3 = r0, r4 = r0, r5 = r0, r6 = r0, r7 = r0
    var w = panel + 128
    var rowPointer = inputRows
    for _ in 0..<taps {
        let a0 = UnsafeRawPointer(rowPointer[0]), a1 = UnsafeRawPointer(rowPointer[1])
        let a2 = UnsafeRawPointer(rowPointer[2]), a3 = UnsafeRawPointer(rowPointer[3])
        let a4 = UnsafeRawPointer(rowPointer[4]), a5 = UnsafeRawPointer(rowPointer[5])
        let a6 = UnsafeRawPointer(rowPointer[6]), a7 = UnsafeRawPointer(rowPointer[7])
        rowPointer += 8
        var offset = 0
        for _ in 0..<kGroups {
            let w0 = w.load(as: SIMD16<Int32>.self), w1 = w.load(fromByteOffset: 64, as: SIMD16<Int32>.self)
            r0.accumulate(a0 + offset, w0, w1)
            r1.accumulate(a1 + offset, w0, w1)
            r2.accumulate(a2 + offset, w0, w1)
            r3.accumulate(a3 + offset, w0, w1)
            r4.accumulate(a4 + offset, w0, w1)
            r5.accumulate(a5 + offset, w0, w1)
            r6.accumulate(a6 + offset, w0, w1)
            r7.accumulate(a7 + offset, w0, w1)
            offset &+= 4
            w += 128
        }
    }
    r0.store(accumulators)
    r1.store(accumulators + rowStride)
    r2.store(accumulators + 2 &* rowStride)
    r3.store(accumulators + 3 &* rowStride)
    r4.store(accumulators + 4 &* rowStride)
    r5.store(accumulators + 5 &* rowStride)
    r6.store(accumulators + 6 &* rowStride)
    r7.store(accumulators + 7 &* rowStride)
}
#endif
