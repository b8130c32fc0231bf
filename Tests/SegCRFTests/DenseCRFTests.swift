import CAllocationCounter
import SegCRF
import SegRuntime
import Testing

@Suite struct DenseCRFTests {
    struct Case: Sendable, CustomStringConvertible {
        var width: Int, height: Int, labels: Int, matrix: Bool
        var description: String { "\(width)x\(height) \(labels) labels\(matrix ? " matrix" : "")" }
    }

    static let cases = [Case(width: 37, height: 23, labels: 2, matrix: false), Case(width: 64, height: 48, labels: 3, matrix: false),
                        Case(width: 29, height: 41, labels: 21, matrix: false), Case(width: 33, height: 30, labels: 4, matrix: true),
                        // Kernel rows padded to 16 lanes: 13 channels, and 16 with the last label past them.
                        Case(width: 31, height: 27, labels: 14, matrix: false), Case(width: 25, height: 22, labels: 17, matrix: false)]

    /// The optimized mean-field (one label fewer through the lattices, gathered splats, `crfExp`)
    /// gives pydensecrf's formulation as the scalar reference computes it, up to float rounding; with
    /// half-precision lattice rows, up to their rounding.
    @Test(arguments: cases, [LatticePrecision.float, .half])
    func inferAgreesWithTheReference(_ c: Case, precision: LatticePrecision) throws {
        var random = CRFTestInputs(seed: UInt64(c.width * c.labels))
        let regions = random.regions(width: c.width, height: c.height, labels: c.labels)
        let rgb = random.image(regions: regions, labels: c.labels)
        let probabilities = random.probabilities(regions: regions, labels: c.labels)
        var parameters = CRFParameters.deepLab
        parameters.gaussian.xyStd = 3
        parameters.bilateral.xyStd = 20
        parameters.bilateral.rgbStd = 10
        if c.matrix {
            let values = (0..<(c.labels * c.labels)).map { i in i / c.labels == i % c.labels ? -3 : random.unit() }
            parameters.bilateral.compatibility = .matrix(labels: c.labels, values: values)
        }
        let crf = try DenseCRF(width: c.width, height: c.height, labels: c.labels, parameters: parameters, latticePrecision: precision)
        let (mask, refined) = try run(crf, rgb: rgb, probabilities: probabilities)
        let half = precision == .half && c.labels > 2
        #expect(crf.halfPrecisionRows == half)
        let reference = crf.inferReference(probabilities: probabilities, iterations: parameters.iterations)
        let agreeing = zip(mask, reference.mask).filter { $0 == $1 }.count
        let difference = zip(refined, reference.refined).map { abs($0 - $1) }.max()!
        #expect(Double(agreeing) >= 0.999 * Double(mask.count), "\(agreeing) of \(mask.count) labels agree")
        // Measured: below 6e-7 with Float rows, below 5.3e-4 with Float16 rows.
        #expect(difference < (half ? 2e-3 : 1e-4))
        // The CRF changed something: the prior's argmax is not the answer.
        #expect(mask != argmax(probabilities, labels: c.labels))
    }

    /// Noisy probabilities over clean colour regions: the CRF restores the regions.
    @Test func crfRemovesLabelNoiseAlongColourRegions() throws {
        let width = 80, height = 60, labels = 3
        var random = CRFTestInputs(seed: 7)
        let regions = random.regions(width: width, height: height, labels: labels)
        let rgb = random.image(regions: regions, labels: labels, noise: 6)
        let probabilities = random.probabilities(regions: regions, labels: labels, confidence: 0.5, flipped: 0.3)
        var parameters = CRFParameters.deepLab
        parameters.bilateral.rgbStd = 10
        let crf = try DenseCRF(width: width, height: height, labels: labels, parameters: parameters)
        let (mask, _) = try run(crf, rgb: rgb, probabilities: probabilities)
        let before = zip(argmax(probabilities, labels: labels), regions).filter { Int($0) != $1 }.count
        let after = zip(mask, regions).filter { Int($0) != $1 }.count
        #expect(before > width * height / 10)
        #expect(after * 20 < before, "\(before) wrong labels before, \(after) after")
    }

    /// A pool's threads split every phase but compute each value as one thread does, and one thread's
    /// scattered splats (on the small `Float` lattices here) sum what the pool's gathers do; 21 labels
    /// take 8- and 4-lane rows, 5 labels a 4-lane row. Half-precision rows gather on both.
    @Test(arguments: [5, 21], [LatticePrecision.float, .half])
    func threadsGiveTheSameBits(labels: Int, precision: LatticePrecision) throws {
        let width = 97, height = 61
        var random = CRFTestInputs(seed: 3)
        let regions = random.regions(width: width, height: height, labels: labels)
        let rgb = random.image(regions: regions, labels: labels)
        let probabilities = random.probabilities(regions: regions, labels: labels)
        let serial = try DenseCRF(width: width, height: height, labels: labels, parameters: .deepLab, latticePrecision: precision)
        let threaded = try DenseCRF(width: width, height: height, labels: labels, parameters: .deepLab, threadCount: 3, latticePrecision: precision)
        let pool = WorkerPool(work: threaded, threadCount: 3)
        let one = try run(serial, rgb: rgb, probabilities: probabilities)
        let three = try run(threaded, rgb: rgb, probabilities: probabilities, pool: pool)
        #expect(one.mask == three.mask)
        #expect(one.refined.map(\.bitPattern) == three.refined.map(\.bitPattern))
    }

    /// Potts weight w is the matrix -w * I in DenseCRF's convention.
    @Test func pottsEqualsTheDiagonalMatrix() throws {
        let width = 45, height = 35, labels = 3
        var random = CRFTestInputs(seed: 11)
        let regions = random.regions(width: width, height: height, labels: labels)
        let rgb = random.image(regions: regions, labels: labels)
        let probabilities = random.probabilities(regions: regions, labels: labels)
        var matrix = CRFParameters.deepLab
        matrix.gaussian.compatibility = .matrix(labels: labels, values: (0..<9).map { $0 % 4 == 0 ? -3 : 0 })
        matrix.bilateral.compatibility = .matrix(labels: labels, values: (0..<9).map { $0 % 4 == 0 ? -4 : 0 })
        let potts = try run(DenseCRF(width: width, height: height, labels: labels, parameters: .deepLab), rgb: rgb, probabilities: probabilities)
        let diagonal = try run(DenseCRF(width: width, height: height, labels: labels, parameters: matrix), rgb: rgb, probabilities: probabilities)
        #expect(potts.mask == diagonal.mask)
        #expect(zip(potts.refined, diagonal.refined).map { abs($0 - $1) }.max()! < 1e-5)
    }

    /// Two labels with Potts kernels take an 8-pixel vector path (over every remainder of 8 here);
    /// the same CRF through the general path (the diagonal matrix) gives the same bits.
    @Test(arguments: [(61, 37), (8, 8), (3, 5)])
    func twoLabelPathGivesTheGeneralPathsBits(width: Int, height: Int) throws {
        var random = CRFTestInputs(seed: UInt64(width))
        let regions = random.regions(width: width, height: height, labels: 2)
        let rgb = random.image(regions: regions, labels: 2)
        let probabilities = random.probabilities(regions: regions, labels: 2)
        var matrix = CRFParameters.deepLab
        matrix.gaussian.compatibility = .matrix(labels: 2, values: [-3, 0, 0, -3])
        matrix.bilateral.compatibility = .matrix(labels: 2, values: [-4, 0, 0, -4])
        for iterations in [0, 1, 5] {
            let potts = try run(DenseCRF(width: width, height: height, labels: 2, parameters: .deepLab), rgb: rgb, probabilities: probabilities, iterations: iterations)
            let general = try run(DenseCRF(width: width, height: height, labels: 2, parameters: matrix), rgb: rgb, probabilities: probabilities, iterations: iterations)
            #expect(potts.mask == general.mask)
            #expect(potts.refined.map(\.bitPattern) == general.refined.map(\.bitPattern))
        }
    }

    @Test func zeroIterationsGiveTheArgmaxOfTheProbabilities() throws {
        var random = CRFTestInputs(seed: 5)
        let regions = random.regions(width: 20, height: 10, labels: 4)
        let probabilities = random.probabilities(regions: regions, labels: 4)
        let crf = try DenseCRF(width: 20, height: 10, labels: 4, parameters: .deepLab)
        let (mask, refined) = try run(crf, rgb: random.image(regions: regions, labels: 4), probabilities: probabilities, iterations: 0)
        #expect(mask == argmax(probabilities, labels: 4))
        #expect(abs(refined.reduce(0, +) - 200) < 1e-3)
    }

    /// After the first frame, frames of the same size allocate nothing, on the caller's thread and on
    /// a pool's.
    @Test(arguments: [LatticePrecision.float, .half])
    func steadyStateFramesDoNotAllocate(precision: LatticePrecision) throws {
        let width = 64, height = 48, labels = 3
        var random = CRFTestInputs(seed: 13)
        let regions = random.regions(width: width, height: height, labels: labels)
        let frames = (0..<3).map { _ in (random.image(regions: regions, labels: labels), random.probabilities(regions: regions, labels: labels)) }
        let crf = try DenseCRF(width: width, height: height, labels: labels, parameters: .deepLab, threadCount: 2, latticePrecision: precision)
        let pool = WorkerPool(work: crf, threadCount: 2)
        var mask = [UInt8](repeating: 0, count: width * height)
        var refined = [Float](repeating: 0, count: width * height * labels)
        try mask.withUnsafeMutableBufferPointer { m in
            try refined.withUnsafeMutableBufferPointer { r in
                try frames[0].0.withUnsafeBufferPointer { try crf.setImage($0, pool: pool) }
                try frames[0].1.withUnsafeBufferPointer { try crf.infer(probabilities: $0, mask: m, refined: r, pool: pool) }
                for (rgb, probabilities) in frames.dropFirst() {
                    try rgb.withUnsafeBufferPointer { image in
                        try probabilities.withUnsafeBufferPointer { p in
                            let before = allocation_counter_thread_allocations()
                            try crf.setImage(image, pool: pool)
                            try crf.infer(probabilities: p, mask: m, refined: r, pool: pool)
                            #expect(allocation_counter_thread_allocations() == before)
                        }
                    }
                }
            }
        }
    }

    @Test func uniformImageKeepsProbabilitiesFinite() throws {
        var random = CRFTestInputs(seed: 17)
        let regions = random.regions(width: 30, height: 20, labels: 2)
        let probabilities = random.probabilities(regions: regions, labels: 2)
        let crf = try DenseCRF(width: 30, height: 20, labels: 2, parameters: .deepLab)
        let (mask, refined) = try run(crf, rgb: [UInt8](repeating: 128, count: 1800), probabilities: probabilities)
        #expect(refined.allSatisfy { $0.isFinite && $0 >= 0 && $0 <= 1 })
        #expect(mask.allSatisfy { $0 < 2 })
    }

    private func run(_ crf: DenseCRF, rgb: [UInt8], probabilities: [Float], iterations: Int? = nil, pool: WorkerPool? = nil) throws -> (mask: [UInt8], refined: [Float]) {
        var mask = [UInt8](repeating: 0, count: crf.width * crf.height)
        var refined = [Float](repeating: 0, count: probabilities.count)
        try rgb.withUnsafeBufferPointer { try crf.setImage($0, pool: pool) }
        try probabilities.withUnsafeBufferPointer { p in
            try mask.withUnsafeMutableBufferPointer { m in
                try refined.withUnsafeMutableBufferPointer { r in
                    try crf.infer(probabilities: p, mask: m, refined: r, iterations: iterations, pool: pool)
                }
            }
        }
        return (mask, refined)
    }
}

func argmax(_ planes: [Float], labels: Int) -> [UInt8] {
    let n = planes.count / labels
    return (0..<n).map { p in
        var best = 0
        for label in 1..<max(1, labels) where planes[label * n + p] > planes[best * n + p] { best = label }
        return UInt8(best)
    }
}
