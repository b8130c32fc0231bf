import CSegKernels

/// Instruction-set extensions of the running CPU that the kernels can use.
public struct CPUFeatures: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// An integer dot-product instruction: Armv8.2 DotProd (`sdot`) on aarch64, AVX-512 VNNI
    /// (`vpdpbusd`) on x86_64.
    public static let dotProduct = CPUFeatures(rawValue: 1)

    /// The features of this CPU, asked once (auxiliary vector on aarch64 Linux, cpuid on x86_64).
    public static let current: CPUFeatures = {
        let dot = segd_cpu_features() & (SEGD_CPU_ARM_DOTPROD | SEGD_CPU_X86_AVX512_VNNI)
        return dot != 0 && DotProductConvTile.isCompiled ? [.dotProduct] : []
    }()
}

/// How the convolution kernels multiply int8 values. Every path gives the same result bit for bit.
public enum ConvKernelPath: Sendable, Equatable, CustomStringConvertible {
    /// `sdot` (aarch64 DotProd) or `vpdpbusd` (x86 AVX-512 VNNI): 4 products per 32-bit lane.
    case dotProduct
    /// int8 x int8 -> int16 pairs -> int32 (NEON `smull`/`smlal2`/`sadalp`, portable SIMD elsewhere).
    case widening

    /// The fastest path this CPU runs.
    public static var best: ConvKernelPath {
        CPUFeatures.current.contains(.dotProduct) ? .dotProduct : .widening
    }

    /// Every path this CPU runs, best first.
    public static var available: [ConvKernelPath] {
        CPUFeatures.current.contains(.dotProduct) ? [.dotProduct, .widening] : [.widening]
    }

    public var description: String {
        switch self {
        case .dotProduct: return "dot-product"
        case .widening: return "widening"
        }
    }
}
