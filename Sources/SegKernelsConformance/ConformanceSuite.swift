import SegKernels

/// One checked test vector: a randomly drawn kernel configuration, the digest of its reference
/// output, and every optimized implementation compared with that reference byte for byte.
public struct ConformanceResult {
    /// The kernel family, e.g. `conv2d`.
    public let family: String
    /// The vector's index within its family for this seed.
    public let index: Int
    /// The drawn parameters, human-readable.
    public let shape: String
    /// FNV-1a of the reference output: the same on every ISA.
    public let digest: UInt64
    /// Implementations compared with the reference (e.g. `dot-product`, `widening`, `rows-split`).
    public let checked: [String]
    /// One message per implementation whose output differed.
    public let failures: [String]

    public init(family: String, index: Int, shape: String, digest: UInt64, checked: [String], failures: [String]) {
        self.family = family
        self.index = index
        self.shape = shape
        self.digest = digest
        self.checked = checked
        self.failures = failures
    }

    /// The line that must be identical on x86_64, aarch64 and armv7.
    public var digestLine: String { "\(family) \(index) \(shape) \(hex(digest))" }
}

/// Deterministic randomized test vectors for every kernel. The same seed draws the same vectors on
/// every ISA, so comparing `digestLine`s across machines proves the kernels bit-exact across ISAs,
/// while each run proves the optimized paths bit-exact against the scalar references on its CPU.
public enum ConformanceSuite {
    typealias Generator = (inout SplitMix64, Int) -> ConformanceResult

    static var generators: [(String, Generator)] {
        [
            ("requantize", requantizeCase),
            ("conv2d", conv2dCase),
            ("transposedConv2d", transposedConv2dCase),
            ("maxPool2d", maxPoolCase),
            ("averagePool2d", averagePoolCase),
            ("globalAveragePool", globalAveragePoolCase),
            ("add", addCase),
            ("concat", concatCase),
            ("resizeBilinear", resizeBilinearCase),
            ("resizeNearest", resizeNearestCase),
            ("argMax", argMaxCase),
            ("softmax", softmaxCase),
            ("pixelConversion", pixelConversionCase),
        ]
    }

    /// The families, in run order.
    public static var families: [String] { generators.map { $0.0 } }

    /// Runs `cases` vectors of `family` drawn from `seed`, reporting each; returns false for an
    /// unknown family.
    public static func run(family: String, cases: Int, seed: UInt64, _ report: (ConformanceResult) -> Void) -> Bool {
        for (name, generate) in generators where name == family {
            var nameHash = FNV1a()
            for byte in name.utf8 { nameHash.add(Int(byte)) }
            var rng = SplitMix64(seed: seed ^ nameHash.value)
            for index in 0..<cases { report(generate(&rng, index)) }
            return true
        }
        return false
    }
}

/// Adds a failure for `label` when `got` and `expected` differ in their first `count` bytes or in
/// the tail padding after them.
func compare(_ label: String, _ got: AlignedBuffer, _ expected: AlignedBuffer, count: Int, into failures: inout [String]) {
    if let difference = firstDifference(got, expected, count: count) {
        failures.append("\(label): \(difference)")
    }
}

/// The digest of the first `count` bytes of `buffer`.
func digest(_ buffer: AlignedBuffer, count: Int) -> UInt64 {
    var h = FNV1a()
    h.add(buffer.pointer, count: count)
    return h.value
}
