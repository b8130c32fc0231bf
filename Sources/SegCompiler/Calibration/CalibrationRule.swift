/// How an activation's calibrated range is chosen from what `ActivationObserver` saw (the config's
/// `[quantization]` method, mapped by the compiler).
public enum CalibrationRule: Equatable, Sendable {
    /// The smallest and largest values seen.
    case minmax
    /// Clips the given percentage of the distribution: for symmetric ranges the `p`-th percentile
    /// of `|x|`, otherwise `(100 - p) / 2` percent off each tail (for example 99.99).
    case percentile(Double)
    /// The clipping threshold minimizing the KL divergence between the histogram and its
    /// quantized version (TensorRT's entropy calibration, as onnxruntime implements it).
    case entropy
    /// The clipping range minimizing the expected squared error (rounding inside the range plus
    /// clipping outside it), estimated from the histogram.
    case mse
}
