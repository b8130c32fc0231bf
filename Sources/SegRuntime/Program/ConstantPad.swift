/// Constant spatial padding of an NHWC int8 tensor: `top`/`bottom` rows and `left`/`right`
/// columns of `value` around each image (ONNX Pad, mode `constant`, spatial axes). For Pads the
/// compiler could not fuse into the next convolution or pool. Immutable; `run` allocates nothing
/// and may run on disjoint output rows from several threads.
final class ConstantPad {
    let dims: TensorDims
    let top: Int, left: Int, bottom: Int, right: Int
    let value: Int8

    init(dims: TensorDims, top: Int, left: Int, bottom: Int, right: Int, value: Int8) {
        self.dims = dims
        self.top = top
        self.left = left
        self.bottom = bottom
        self.right = right
        self.value = value
    }

    var outputHeight: Int { dims.height &+ top &+ bottom }
    var outputWidth: Int { dims.width &+ left &+ right }
    var outputRowCount: Int { dims.batch &* outputHeight }

    func run(input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>, outputRows: Range<Int>) {
        let c = dims.channels, outRow = outputWidth &* c, inRow = dims.width &* c
        for row in outputRows {
            let image = row / outputHeight, y = row &- image &* outputHeight &- top
            let out = output + row &* outRow
            if y < 0 || y >= dims.height {
                out.update(repeating: value, count: outRow)
                continue
            }
            out.update(repeating: value, count: left &* c)
            (out + left &* c).update(from: input + (image &* dims.height &+ y) &* inRow, count: inRow)
            (out + (left &* c &+ inRow)).update(repeating: value, count: right &* c)
        }
    }
}
