/// How activation ranges are chosen from the calibration data (`quantization.method`).
public enum CalibrationMethod: String, CaseIterable, Hashable, Sendable {
    /// The observed minimum and maximum.
    case minMax = "minmax"
    /// The `percentile`-th percentile of the absolute values (clips outliers).
    case percentile
    /// The histogram threshold minimizing the KL divergence between float and quantized
    /// distributions (TensorRT's entropy calibration).
    case entropy
    /// The histogram threshold minimizing the mean squared quantization error.
    case mse
}

/// Whether weight scales are per output channel or one per tensor (`quantization.weights`).
public enum WeightGranularity: String, CaseIterable, Hashable, Sendable {
    case perChannel = "per-channel"
    case perTensor = "per-tensor"
}

/// Whether activation zero points are free (asymmetric) or 0 (symmetric) (`quantization.activations`).
public enum ActivationSymmetry: String, CaseIterable, Hashable, Sendable {
    case asymmetric
    case symmetric
}

/// `[quantization]`: how the compiler turns the float model into an int8 one. Every field changes
/// the compiled model, so all of them are part of `cacheKey`.
public struct QuantizationConfig: ConfigSection, Hashable {
    public static let name = "quantization"

    /// `method` (default `"minmax"`).
    public var method = CalibrationMethod.minMax
    /// `percentile`: used by the `percentile` method, in (50, 100] (default 99.99).
    public var percentile = 99.99
    /// `weights` (default `"per-channel"`).
    public var weights = WeightGranularity.perChannel
    /// `activations` (default `"asymmetric"`).
    public var activations = ActivationSymmetry.asymmetric
    /// `float_layers`: ONNX node names computed in float (default none). Distinct, non-empty.
    public var floatLayers: [String] = []
    /// `calibration_dir`: folder of JPEG/PNG images or float32 NCHW `.npy` tensors. Empty (the
    /// default) means the caller's choice (a command-line flag).
    public var calibrationDirectory = ""
    /// `calibration_count`: how many calibration inputs to use, 1...10000 (default 32).
    public var calibrationCount = 32
    /// `histogram_bins`: bins of the activation histograms of the histogram methods, 128...65536
    /// (default 2048).
    public var histogramBins = 2048

    public init() {}

    public mutating func read(from reader: inout SectionReader) throws(ConfigError) {
        try reader.read("method", into: &method)
        try reader.read("percentile", into: &percentile, requirement: "greater than 50 and at most 100") { $0 > 50 && $0 <= 100 }
        try reader.read("weights", into: &weights)
        try reader.read("activations", into: &activations)
        try reader.read("float_layers", into: &floatLayers)
        try reader.read("calibration_dir", into: &calibrationDirectory)
        try reader.read("calibration_count", into: &calibrationCount, in: 1...10000)
        try reader.read("histogram_bins", into: &histogramBins, in: 128...65536)
    }

    /// Every field in a fixed order and spelling, float layers sorted, strings quoted and escaped:
    /// equal exactly when two configurations compile the same model, so it can go into the
    /// compiled-model cache key. Example:
    /// `method="minmax";percentile=99.99;weights="per-channel";activations="asymmetric";float_layers=[];calibration_count=32;histogram_bins=2048;calibration_dir=""`.
    public var cacheKey: String {
        var layers = ""
        for layer in floatLayers.sorted() {
            if !layers.isEmpty { layers += "," }
            layers += quotedTOMLString(layer)
        }
        return "method=\(quotedTOMLString(method.rawValue));percentile=\(percentile)"
            + ";weights=\(quotedTOMLString(weights.rawValue));activations=\(quotedTOMLString(activations.rawValue))"
            + ";float_layers=[\(layers)];calibration_count=\(calibrationCount);histogram_bins=\(histogramBins)"
            + ";calibration_dir=\(quotedTOMLString(calibrationDirectory))"
    }
}
