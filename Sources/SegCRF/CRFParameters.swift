/// How strongly a pairwise kernel pulls two labels together (DenseCRF's label compatibility).
public enum CRFCompatibility: Equatable, Sendable {
    /// Potts model: a pixel gains `weight` times the kernel-weighted share of similar pixels that carry
    /// the same label (pydensecrf's `compat=weight`).
    case potts(weight: Float)
    /// A `labels` x `labels` energy matrix, row-major: label `l` pays `values[l * labels + m]` per unit
    /// of kernel-weighted label `m` around it (pydensecrf's 2-D `compat`; symmetrized as it does).
    case matrix(labels: Int, values: [Float])
}

/// The smoothness kernel: a Gaussian over pixel position.
public struct GaussianKernelParameters: Equatable, Sendable {
    public var compatibility: CRFCompatibility
    /// Standard deviation in pixels.
    public var xyStd: Float

    public init(compatibility: CRFCompatibility, xyStd: Float) {
        self.compatibility = compatibility
        self.xyStd = xyStd
    }
}

/// The appearance kernel: a Gaussian over pixel position and colour.
public struct BilateralKernelParameters: Equatable, Sendable {
    public var compatibility: CRFCompatibility
    /// Standard deviation in pixels.
    public var xyStd: Float
    /// Standard deviation in 8-bit colour levels, the same for R, G and B.
    public var rgbStd: Float

    public init(compatibility: CRFCompatibility, xyStd: Float, rgbStd: Float) {
        self.compatibility = compatibility
        self.xyStd = xyStd
        self.rgbStd = rgbStd
    }
}

/// A fully-connected CRF's kernels and the mean-field iterations that solve it.
public struct CRFParameters: Equatable, Sendable {
    public var iterations: Int
    public var gaussian: GaussianKernelParameters
    public var bilateral: BilateralKernelParameters

    public init(iterations: Int, gaussian: GaussianKernelParameters, bilateral: BilateralKernelParameters) {
        self.iterations = iterations
        self.gaussian = gaussian
        self.bilateral = bilateral
    }

    /// DeepLab's published settings (pos_w 3, pos_xy_std 1, bi_w 4, bi_xy_std 67, bi_rgb_std 3) with
    /// 5 iterations, the paper's speed setting.
    public static let deepLab = CRFParameters(
        iterations: 5,
        gaussian: GaussianKernelParameters(compatibility: .potts(weight: 3), xyStd: 1),
        bilateral: BilateralKernelParameters(compatibility: .potts(weight: 4), xyStd: 67, rgbStd: 3))
}
