/// A configured kernel from one NHWC int8 tensor to another whose output rows can be computed
/// independently: threads may run disjoint `outputRows` of one call at once, each with its own
/// workspace. The input needs `AlignedBuffer.kernelTailPadding` readable bytes after its end; input
/// and output must not overlap. `run` allocates nothing and checks nothing.
public protocol RowSplitKernel {
    /// Output rows over the whole batch (`batch * outputHeight`): the unit `run` splits work in.
    var outputRowCount: Int { get }
    /// Bytes of scratch memory one `run` needs (64-byte aligned by the caller; 0 for none).
    var workspaceByteCount: Int { get }
    /// Computes the output rows `outputRows` (indices into `batch * outputHeight`).
    func run(
        input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>, workspace: UnsafeMutableRawPointer,
        outputRows: Range<Int>)
}

extension RowSplitKernel {
    /// Computes every output row.
    @inlinable
    public func run(input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>, workspace: UnsafeMutableRawPointer) {
        run(input: input, output: output, workspace: workspace, outputRows: 0..<outputRowCount)
    }
}
