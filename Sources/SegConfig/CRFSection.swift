/// How the CRF stores its lattices' values (`[crf] lattice_precision`).
public enum CRFLatticePrecisionChoice: String, CaseIterable, Hashable, Sendable {
    /// 16-bit floats: half the memory traffic, rounded to 11 significant bits.
    case half
    /// 32-bit floats: pydensecrf's arithmetic.
    case float
}

/// `[crf]`: the optional DenseCRF pass that sharpens mask boundaries along colour edges (DeepLab's
/// fully-connected CRF). Off by default; the kernel defaults are DeepLab's published settings.
public struct CRFSection: ConfigSection, Hashable {
    public static let name = "crf"

    /// `enabled`: refine masks with the CRF (default false).
    public var enabled = false
    /// `iterations`: mean-field iterations, 0...20 (default 5).
    public var iterations = 5
    /// `gaussian_weight`: Potts weight of the smoothness kernel, 0...100 (default 3).
    public var gaussianWeight = 3.0
    /// `gaussian_xy_std`: the smoothness kernel's standard deviation in pixels, greater than 0 and
    /// at most 1000 (default 1).
    public var gaussianXYStd = 1.0
    /// `bilateral_weight`: Potts weight of the appearance kernel, 0...100 (default 4).
    public var bilateralWeight = 4.0
    /// `bilateral_xy_std`: the appearance kernel's standard deviation in pixels, greater than 0
    /// and at most 1000 (default 67).
    public var bilateralXYStd = 67.0
    /// `bilateral_rgb_std`: the appearance kernel's standard deviation in 8-bit colour levels,
    /// greater than 0 and at most 1000 (default 3).
    public var bilateralRGBStd = 3.0
    /// `width`, `height`: the size the CRF runs at in pixels, 1...8192 each, or both 0 (the
    /// default) for the model's mask size.
    public var width = 0
    public var height = 0
    /// `every_nth_frame`: run the CRF on every Nth published frame, 1...1000 (default 1: every
    /// frame); the others publish the plain argmax mask.
    public var everyNthFrame = 1
    /// `lattice_precision`: "half" or "float" (default "half"); see `CRFLatticePrecisionChoice`.
    public var latticePrecision = CRFLatticePrecisionChoice.half

    public init() {}

    public mutating func read(from reader: inout SectionReader) throws(ConfigError) {
        try reader.read("enabled", into: &enabled)
        try reader.read("iterations", into: &iterations, in: 0...20)
        try reader.read("gaussian_weight", into: &gaussianWeight, requirement: "in 0...100") { (0...100).contains($0) }
        try reader.read("gaussian_xy_std", into: &gaussianXYStd, requirement: Self.deviationRequirement, where: Self.isDeviation)
        try reader.read("bilateral_weight", into: &bilateralWeight, requirement: "in 0...100") { (0...100).contains($0) }
        try reader.read("bilateral_xy_std", into: &bilateralXYStd, requirement: Self.deviationRequirement, where: Self.isDeviation)
        try reader.read("bilateral_rgb_std", into: &bilateralRGBStd, requirement: Self.deviationRequirement, where: Self.isDeviation)
        try reader.read("width", into: &width, in: 0...8192)
        try reader.read("height", into: &height, in: 0...8192)
        try reader.read("every_nth_frame", into: &everyNthFrame, in: 1...1000)
        try reader.read("lattice_precision", into: &latticePrecision)
        if (width == 0) != (height == 0) {
            let unset = width == 0 ? "width" : "height", set = width == 0 ? "height" : "width"
            throw reader.error(unset, "must be set when \(set) is (both 0: the model's mask size), got 0")
        }
    }

    private static let deviationRequirement = "greater than 0 and at most 1000"

    private static func isDeviation(_ value: Double) -> Bool { value > 0 && value <= 1000 }
}
