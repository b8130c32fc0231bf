/// Why a DenseCRF was refused its configuration or its input.
public enum CRFError: Error, Equatable {
    /// A size, a count or a parameter out of range; the message names it.
    case invalidConfiguration(String)
    /// A probability that is NaN, infinite or negative, at label `label`, pixel (`x`, `y`).
    case invalidProbability(label: Int, x: Int, y: Int, value: Float)
    /// A buffer whose element count differs from what the CRF's size needs.
    case sizeMismatch(what: String, expected: Int, got: Int)
}

// Embedded Swift cannot print floats; the hosted build gives the messages.
#if !hasFeature(Embedded)
extension CRFError: CustomStringConvertible {
    public var description: String {
        switch self {
        case let .invalidConfiguration(message):
            return message
        case let .invalidProbability(label, x, y, value):
            let text = value.isNaN ? "NaN" : value.isInfinite ? (value < 0 ? "-inf" : "inf") : "negative (\(value))"
            return "probability of label \(label) at pixel (\(x), \(y)) is \(text)"
        case let .sizeMismatch(what, expected, got):
            return "\(what) has \(got) elements, expected \(expected)"
        }
    }
}
#endif
