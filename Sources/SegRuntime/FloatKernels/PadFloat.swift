/// Constant padding of the spatial axes of an NHWC float tensor (ONNX Pad, mode `constant`):
/// input `[batch][inputHeight][inputWidth][channels]`, output
/// `[batch][top + inputHeight + bottom][left + inputWidth + right][channels]`, the input in the
/// middle and `value` around it.
///
/// Computes the output rows `outputRows` (indices into `batch * (top + inputHeight + bottom)`; nil
/// for all). Allocates nothing; pads must not be negative and the tensors must not overlap.
public func padFloat(
    batch: Int, inputHeight: Int, inputWidth: Int, channels: Int, top: Int, left: Int, bottom: Int, right: Int,
    value: Float, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, outputRows: Range<Int>? = nil
) {
    let oh = top &+ inputHeight &+ bottom
    let rowCount = (left &+ inputWidth &+ right) &* channels
    for row in resolvedRange(outputRows, batch &* oh) {
        let out = output + row &* rowCount
        let iy = row % oh &- top
        if iy < 0 || iy >= inputHeight {
            out.update(repeating: value, count: rowCount)
            continue
        }
        let inputRow = input + ((row / oh) &* inputHeight &+ iy) &* inputWidth &* channels
        out.update(repeating: value, count: left &* channels)
        (out + left &* channels).update(from: inputRow, count: inputWidth &* channels)
        (out + (left &+ inputWidth) &* channels).update(repeating: value, count: right &* channels)
    }
}
