import SegKernels

/// A kernel configured once (weights packed, buffers allocated) and run many times: the unit that
/// `segctl bench kernels` times on the host and the ARM harness counts instructions of.
/// `run` allocates nothing. Not thread-safe.
public final class KernelWorkload {
    /// Stable identifier, e.g. `conv3x3-d12`.
    public let name: String
    /// Kernel family, e.g. `conv2d`.
    public let kernel: String
    /// Shape and options, human-readable.
    public let detail: String
    /// Multiply-accumulates per run (0 for kernels that do none).
    public let macs: Int64
    /// Output elements per run.
    public let outputElements: Int
    private let body: () -> Void
    /// Buffers the body uses, kept alive with it.
    private let buffers: [AlignedBuffer]

    init(name: String, kernel: String, detail: String, macs: Int64, outputElements: Int, buffers: [AlignedBuffer], body: @escaping () -> Void) {
        self.name = name
        self.kernel = kernel
        self.detail = detail
        self.macs = macs
        self.outputElements = outputElements
        self.buffers = buffers
        self.body = body
    }

    /// One run of the kernel.
    public func run() { body() }

    /// A workload running `kernel` on `input` into a new `outputCount`-byte output with its own
    /// workspace; `keep` holds other buffers the kernel reads (weights).
    convenience init<Kernel: RowSplitKernel>(
        name: String, kernelName: String, detail: String, macs: Int64, kernel: Kernel,
        input: AlignedBuffer, outputCount: Int, keep: [AlignedBuffer] = []
    ) {
        let output = AlignedBuffer(byteCount: outputCount)
        let scratch = AlignedBuffer(byteCount: kernel.workspaceByteCount, tailPadding: 0)
        let source = UnsafePointer(input.typed(Int8.self, count: input.byteCount))
        let destination = output.typed(Int8.self, count: outputCount)
        self.init(
            name: name, kernel: kernelName, detail: detail, macs: macs, outputElements: outputCount,
            buffers: [input, output, scratch] + keep
        ) {
            kernel.run(input: source, output: destination, workspace: scratch.pointer)
        }
    }
}

/// How large a workload's tensors are.
public enum WorkloadScale: Sendable {
    /// The shapes of the target networks.
    case full
    /// The same kernels on about 1/16 of the pixels: for checks under emulation.
    case small
}

/// A named recipe for a workload.
struct WorkloadRecipe {
    let name: String
    /// Builds the workload; convolutions use `path` (nil: the best this CPU runs). Returns nil
    /// when this CPU lacks the path.
    let make: (ConvKernelPath?, WorkloadScale) -> KernelWorkload?

    init(name: String, scalable make: @escaping (ConvKernelPath?, WorkloadScale) -> KernelWorkload?) {
        self.name = name
        self.make = make
    }

    /// A recipe whose workload is cheap enough at full scale to serve as its own small one.
    init(name: String, make: @escaping (ConvKernelPath?) -> KernelWorkload?) {
        self.init(name: name, scalable: { path, _ in make(path) })
    }
}

/// The benchmark workloads: the convolution shapes of the two target networks (DeepLab-LargeFOV-lite
/// and RefineNet-lite) and one representative shape of every other kernel.
public enum KernelBenchmarks {
    static var recipes: [WorkloadRecipe] {
        convolutionWorkloads + transposedConvolutionWorkloads + poolingWorkloads + addConcatWorkloads
            + resizeWorkloads + outputWorkloads + pixelConversionWorkloads
    }

    /// Workload names, in report order.
    public static var names: [String] { recipes.map { $0.name } }

    /// Builds the workload `name`, its convolutions on `path` (nil: the best this CPU runs); nil
    /// for an unknown name or a path this CPU lacks.
    public static func make(_ name: String, path: ConvKernelPath? = nil, scale: WorkloadScale = .full) -> KernelWorkload? {
        for recipe in recipes where recipe.name == name { return recipe.make(path, scale) }
        return nil
    }
}

/// Deterministic filler for benchmark data.
struct BenchRandom {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return state >> 11
    }

    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.upperBound - range.lowerBound + 1))
    }

    mutating func unit() -> Double { Double(next() >> 11) * (1.0 / 4_503_599_627_370_496.0) }

    mutating func buffer(count: Int, _ range: ClosedRange<Int> = -128...127) -> AlignedBuffer {
        let b = AlignedBuffer(byteCount: count)
        let p = b.typed(Int8.self, count: count)
        for i in 0..<count { p[i] = Int8(int(range)) }
        return b
    }
}
