import SegCRF
import Testing

@Suite struct LatticeFilterTests {
    /// Random shapes (1 to 25 channels: every row tail of 8, 4 and single lanes): the gather splat,
    /// the scattered splat, the range-split phases and the buffer reuse give the bits of the scalar
    /// reference; half-precision rows give the bits of the reference that rounds where they store,
    /// from `Float` input and from `Float16` input.
    @Test(arguments: [2, 3, 5])
    func filterIsBitExactWithTheReference(dimensions: Int) {
        var random = CRFTestInputs(seed: UInt64(dimensions))
        let lattice = PermutohedralLattice(dimensions: dimensions, pointCapacity: 600)
        for _ in 0..<8 {
            let count = 1 + random.below(600), channels = 1 + random.below(25)
            let spread = 0.5 + 6 * random.unit()
            let features = (0..<(count * dimensions)).map { _ in random.unit() * spread }
            let input = (0..<(count * channels)).map { _ in random.unit() * 2 - 1 }
            features.withUnsafeBufferPointer { lattice.build(features: $0.baseAddress!, count: count) }
            #expect(lattice.pointCount == count)
            #expect(lattice.vertexCount >= 1 && lattice.vertexCount <= count * (dimensions + 1))
            var expected = [Float](repeating: 0, count: count * channels)
            var whole = expected, split = expected, scattered = expected
            input.withUnsafeBufferPointer { i in
                lattice.filterReference(input: i.baseAddress!, output: &expected, channels: channels)
                lattice.filter(input: i.baseAddress!, output: &whole, channels: channels)
                // The phases over uneven ranges in reverse order, as a pool's threads may run them.
                split.withUnsafeMutableBufferPointer { o in
                    lattice.prepare(channels: channels)
                    for range in pieces(lattice.vertexCount, &random).reversed() { lattice.splat(input: i.baseAddress!, vertices: range) }
                    blurInPieces(lattice, &random)
                    for range in pieces(count, &random).reversed() { lattice.slice(output: o.baseAddress!, points: range) }
                }
                scattered.withUnsafeMutableBufferPointer { o in
                    lattice.prepare(channels: channels)
                    lattice.beginScatter()
                    for p in 0..<count { lattice.scatter(point: p, row: i.baseAddress! + p * channels) }
                    lattice.finishScatter()
                    blurInPieces(lattice, &random)
                    lattice.slice(output: o.baseAddress!, points: 0..<count)
                }
            }
            #expect(whole.map(\.bitPattern) == expected.map(\.bitPattern))
            #expect(split.map(\.bitPattern) == expected.map(\.bitPattern))
            #expect(scattered.map(\.bitPattern) == expected.map(\.bitPattern))
            guard channels > 1 else { continue }

            var halfExpected = expected, halfWhole = expected
            lattice.filterReference(input: input, output: &halfExpected, channels: channels, halfPrecision: true)
            lattice.filter(input: input, output: &halfWhole, channels: channels, halfPrecision: true)
            #expect(lattice.halfPrecision)
            #expect(halfWhole.map(\.bitPattern) == halfExpected.map(\.bitPattern))
            // Rounding stays small against the Float filter.
            let largest = expected.map(abs).max()!
            #expect(zip(halfWhole, expected).allSatisfy { abs($0 - $1) <= 4e-3 * largest })

            let halfInput = input.map { Float16($0) }
            var roundedExpected = expected, halfSplit = expected
            lattice.filterReference(input: halfInput.map { Float($0) }, output: &roundedExpected, channels: channels, halfPrecision: true)
            halfInput.withUnsafeBufferPointer { i in
                halfSplit.withUnsafeMutableBufferPointer { o in
                    lattice.prepare(channels: channels, halfPrecision: true)
                    for range in pieces(lattice.vertexCount, &random).reversed() { lattice.splat(input: i.baseAddress!, vertices: range) }
                    blurInPieces(lattice, &random)
                    for range in pieces(count, &random).reversed() { lattice.slice(output: o.baseAddress!, points: range) }
                }
            }
            #expect(halfSplit.map(\.bitPattern) == roundedExpected.map(\.bitPattern))
        }
    }

    /// The lattice approximates a Gaussian of standard deviation 1 in feature units: a constant input
    /// comes out nearly constant inside a dense grid, and a far-away point gets nothing from a spike.
    @Test func filterBehavesLikeAGaussian() {
        let side = 40, count = side * side
        let lattice = PermutohedralLattice(dimensions: 2, pointCapacity: count)
        let features = (0..<count).flatMap { p in [Float(p % side) / 2, Float(p / side) / 2] }
        features.withUnsafeBufferPointer { lattice.build(features: $0.baseAddress!, count: count) }
        let ones = [Float](repeating: 1, count: count)
        var out = [Float](repeating: 0, count: count)
        lattice.filter(input: ones, output: &out, channels: 1)
        let inner = (10..<30).flatMap { y in (10..<30).map { x in out[y * side + x] } }
        #expect(inner.max()! / inner.min()! < 1.1)
        var spike = [Float](repeating: 0, count: count)
        spike[20 * side + 20] = 1
        lattice.filter(input: spike, output: &out, channels: 1)
        // 1, 4 and 12 pixels away are 0.5, 2 and 6 standard deviations.
        #expect(out[20 * side + 21] > 0 && out[24 * side + 20] > 0)
        #expect(out[20 * side + 21] > out[24 * side + 20])
        #expect(out[20 * side + 32] == 0 && out[0] == 0 && out[count - 1] == 0)
    }

    private func blurInPieces(_ lattice: PermutohedralLattice, _ random: inout CRFTestInputs) {
        for axis in 0...lattice.dimensions {
            for range in pieces(lattice.vertexCount, &random) { lattice.blur(axis: axis, vertices: range) }
            lattice.finishBlurAxis()
        }
    }

    private func pieces(_ count: Int, _ random: inout CRFTestInputs) -> [Range<Int>] {
        var ranges: [Range<Int>] = [], start = 0
        while start < count {
            let end = min(count, start + 1 + random.below(97))
            ranges.append(start..<end)
            start = end
        }
        return ranges
    }
}
