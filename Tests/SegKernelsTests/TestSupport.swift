import SegKernels
import Testing

/// The parameter named by the `KernelConfigurationError` that `body` throws, nil when it throws
/// nothing, and the error's text for any other error.
func refusedParameter(_ body: () throws -> Void) -> String? {
    do { try body() } catch let error as KernelConfigurationError { return error.parameter } catch { return "\(error)" }
    return nil
}

/// Expects `body` to throw a `KernelConfigurationError` naming `parameter`.
func expectRefusal(_ parameter: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) {
    #expect(refusedParameter(body) == parameter, sourceLocation: sourceLocation)
}

/// `values` in a new `AlignedBuffer` (with the kernels' tail padding).
func alignedBuffer(_ values: [Int8]) -> AlignedBuffer {
    let buffer = AlignedBuffer(byteCount: values.count)
    values.withUnsafeBytes { buffer.pointer.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
    return buffer
}
