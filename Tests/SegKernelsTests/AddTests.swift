import SegKernels
import Testing

/// Adds `a` and `b` with the reference, with `ElementwiseAdd`, and in place over `a`; expects all
/// three to give `expected` and to leave the output's tail padding alone.
private func expectAdd(_ q: ElementwiseAddQuantization, _ a: [Int8], _ b: [Int8], _ expected: [Int8]) throws {
    let count = a.count
    let add = try ElementwiseAdd(count: count, quantization: q)
    let tail = AlignedBuffer.kernelTailPadding
    func run(_ body: (UnsafePointer<Int8>, UnsafePointer<Int8>, UnsafeMutablePointer<Int8>) -> Void) -> [Int8] {
        let x = AlignedBuffer(byteCount: count), y = AlignedBuffer(byteCount: count), out = AlignedBuffer(byteCount: count)
        let px = x.typed(Int8.self, count: count), py = y.typed(Int8.self, count: count)
        let po = out.typed(Int8.self, count: count + tail)
        for i in 0..<count { px[i] = a[i]; py[i] = b[i] }
        for i in 0..<count + tail { po[i] = 0x5A }
        body(px, py, po)
        for i in count..<count + tail { #expect(po[i] == 0x5A, "wrote tail byte \(i - count)") }
        return Array(UnsafeBufferPointer(start: po, count: count))
    }
    #expect(run { elementwiseAddReference(count: count, a: $0, b: $1, quantization: q, output: $2) } == expected)
    #expect(run { add.run(a: $0, b: $1, output: $2) } == expected)
    #expect(run { _, y, out in
        for i in 0..<count { out[i] = a[i] }
        add.run(a: out, b: y, output: out)
    } == expected)
}

/// Five repetitions of `pattern`: sixteen lanes in SIMD and a tail in scalar code.
private func repeated(_ pattern: [Int8]) -> [Int8] { Array([[Int8]](repeating: pattern, count: 5).joined()) }

@Suite struct AddTests {
    /// Same scales: plain sums, saturating at 127 and -128.
    @Test func saturation() throws {
        let q = ElementwiseAddQuantization(aScale: 1, aZeroPoint: 0, bScale: 1, bZeroPoint: 0, outputScale: 1, outputZeroPoint: 0)
        try expectAdd(q, repeated([1, 100, -100, 5]), repeated([2, 100, -100, -7]), repeated([3, 127, -128, -2]))
    }

    /// A at scale 1/2, B at 1/4, output at 1: 1.5 + 0.5 = 2, 0.5 -> 1 and -0.5 -> 0 (ties round
    /// up), 0.75 -> 1, -1.75 -> -2; then the same with zero points 10, -20 -> 5.
    @Test func scalesAndRoundingTies() throws {
        let q = ElementwiseAddQuantization(aScale: 0.5, aZeroPoint: 0, bScale: 0.25, bZeroPoint: 0, outputScale: 1, outputZeroPoint: 0)
        try expectAdd(q, repeated([3, 1, -1, 1, -3]), repeated([2, 0, 0, 1, -1]), repeated([2, 1, 0, 1, -2]))
        let shifted = ElementwiseAddQuantization(aScale: 0.5, aZeroPoint: 10, bScale: 0.25, bZeroPoint: -20, outputScale: 1, outputZeroPoint: 5)
        try expectAdd(shifted, repeated([13, 11, 9, 11, 7]), repeated([-18, -20, -20, -19, -21]), repeated([7, 6, 5, 6, 3]))
    }

    /// ReLU6 at output scale 1: the clamp is 0...6.
    @Test func fusedReLU6() throws {
        let q = ElementwiseAddQuantization(aScale: 1, aZeroPoint: 0, bScale: 1, bZeroPoint: 0, outputScale: 1, outputZeroPoint: 0, activation: .relu6)
        try expectAdd(q, repeated([-3, 2, 8, 1]), repeated([-2, 2, 2, 2]), repeated([0, 4, 6, 3]))
    }

    @Test func refusals() {
        let valid = ElementwiseAddQuantization(aScale: 1, aZeroPoint: 0, bScale: 1, bZeroPoint: 0, outputScale: 1, outputZeroPoint: 0)
        expectRefusal("count") { _ = try ElementwiseAdd(count: 0, quantization: valid) }
        var q = valid
        q.aScale = -1
        expectRefusal("aScale") { _ = try ElementwiseAdd(count: 4, quantization: q) }
        q = valid
        q.bScale = .infinity
        expectRefusal("bScale") { _ = try ElementwiseAdd(count: 4, quantization: q) }
        q = valid
        q.aZeroPoint = 300
        expectRefusal("aZeroPoint") { _ = try ElementwiseAdd(count: 4, quantization: q) }
        q = valid
        q.bZeroPoint = -129
        expectRefusal("bZeroPoint") { _ = try ElementwiseAdd(count: 4, quantization: q) }
        q = valid
        q.outputScale = 1e-20
        expectRefusal("outputScale") { _ = try ElementwiseAdd(count: 4, quantization: q) }
        q = valid
        q.output.zeroPoint = 128
        expectRefusal("outputZeroPoint") { _ = try ElementwiseAdd(count: 4, quantization: q) }
    }
    /// Every pair of inputs against the reference, for output multipliers with every kind of
    /// right shift: 1 and 2 (scale near 2^29, where the 32-bit path relies on saturation or its
    /// clamp window), 31 and 32 (the boundary of its left shift), large shifts, and input scales
    /// far apart (one input multiplier 0).
    @Test(arguments: [2.5121479338940403e-15, 5.0242958677880805e-15, 8.1e-10, 1.9073486328125e-06, 2.6973e-06, 5.3943e-06, 0.3, 1.7, 4096])
    func allPairs(outputScale: Double) throws {
        let count = 65536
        for (bScale, zeroPoints) in [(0.8, (Int32(3), Int32(-77), Int32(-9))), (0x1p-40, (-128, 127, 127))] {
            let q = ElementwiseAddQuantization(
                aScale: 1, aZeroPoint: zeroPoints.0, bScale: bScale, bZeroPoint: zeroPoints.1, outputScale: outputScale,
                outputZeroPoint: zeroPoints.2)
            let add = try ElementwiseAdd(count: count, quantization: q)
            let a = AlignedBuffer(byteCount: count), b = AlignedBuffer(byteCount: count)
            let expected = AlignedBuffer(byteCount: count), actual = AlignedBuffer(byteCount: count)
            let pa = a.typed(Int8.self, count: count), pb = b.typed(Int8.self, count: count)
            for i in 0..<count {
                pa[i] = Int8(truncatingIfNeeded: i >> 8)
                pb[i] = Int8(truncatingIfNeeded: i)
            }
            elementwiseAddReference(count: count, a: pa, b: pb, quantization: q, output: expected.typed(Int8.self, count: count))
            add.run(a: pa, b: pb, output: actual.typed(Int8.self, count: count))
            let e = expected.typed(Int8.self, count: count), o = actual.typed(Int8.self, count: count)
            #expect((0..<count).allSatisfy { e[$0] == o[$0] }, "outputScale \(outputScale) bScale \(bScale)")
        }
    }
}
