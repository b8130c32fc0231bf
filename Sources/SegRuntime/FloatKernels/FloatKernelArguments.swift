import SegKernels

/// Throws a `KernelConfigurationError` for `parameter` unless `condition` holds (the float kernels'
/// counterpart of SegKernels' internal `require`).
@inline(__always)
func requireFloatKernel(
    _ condition: Bool, _ parameter: String, _ reason: @autoclosure () -> String
) throws(KernelConfigurationError) {
    if !condition { throw KernelConfigurationError(parameter, reason()) }
}

/// `range`, or every index below `count` when nil: how the float kernels read their optional
/// work split.
@inline(__always)
func resolvedRange(_ range: Range<Int>?, _ count: Int) -> Range<Int> {
    range ?? 0..<count
}
