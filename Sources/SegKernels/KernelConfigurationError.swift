/// A shape or parameter that a kernel cannot take. Kernels report it where they are configured
/// (packing or planning), naming the parameter; the hot call itself never checks its inputs.
public struct KernelConfigurationError: Error, Equatable, CustomStringConvertible {
    /// The refused parameter, as named by the configuring initializer (for example `dilationHeight`).
    public let parameter: String
    /// Why it was refused, including the value.
    public let reason: String

    public init(_ parameter: String, _ reason: String) {
        self.parameter = parameter
        self.reason = reason
    }

    public var description: String { "\(parameter): \(reason)" }
}

/// Throws a `KernelConfigurationError` for `parameter` unless `condition` holds.
@inline(__always)
func require(
    _ condition: Bool, _ parameter: String, _ reason: @autoclosure () -> String
) throws(KernelConfigurationError) {
    if !condition { throw KernelConfigurationError(parameter, reason()) }
}
