import SegKernels

extension GraphBuilder {
    /// The window of a MaxPool / AveragePool: `kernel_shape` (required), `strides`, `pads` /
    /// `auto_pad` (all four modes), `ceil_mode`, `dilations` (1 only).
    ///
    /// With `ceil_mode`, ONNX drops a last window that would start in the bottom / right padding;
    /// the geometry gets `ceilMode` only where rounding up adds a window that starts inside the input.
    /// With SAME padding the output is `ceil(input / stride)` whatever `ceil_mode` says.
    private func poolGeometry(_ n: ONNXNode, _ s: TensorShape) throws(ModelImportError) -> Pool2DGeometry {
        guard let k = try n.ints("kernel_shape") else { throw n.attributeError("kernel_shape", "is missing") }
        guard k.count == 2 && k.allSatisfy({ $0 >= 1 }) else {
            throw n.attributeError("kernel_shape", "= \(k) is not a 2-D window (2 values of at least 1)")
        }
        let kernel = (k[0], k[1])
        let stride = try n.spatialPair("strides", default: 1, minimum: 1)
        if let d = try n.ints("dilations"), !d.allSatisfy({ $0 == 1 }) {
            throw n.attributeError("dilations", "= \(d) is not supported (1 only)")
        }
        let ceil = try n.int("ceil_mode", default: 0, allowed: [0, 1]) == 1
        let (pads, isSame) = try spatialPads(
            n, input: (s.height, s.width), kernel: kernel, stride: stride, dilation: (1, 1), allowSame: true)
        var g = Pool2DGeometry(
            batch: s.batch, inputHeight: s.height, inputWidth: s.width, channels: s.channels,
            kernelHeight: kernel.0, kernelWidth: kernel.1, strideHeight: stride.0, strideWidth: stride.1,
            padTop: pads.top, padLeft: pads.left, padBottom: pads.bottom, padRight: pads.right, ceilMode: false)
        if ceil && !isSame {
            func extent(_ input: Int, _ kernel: Int, _ stride: Int, _ before: Int, _ after: Int) -> Int {
                var out = (input + before + after - kernel + stride - 1) / stride + 1
                if (out - 1) * stride >= input + before { out -= 1 }
                return out
            }
            let height = extent(s.height, kernel.0, stride.0, pads.top, pads.bottom)
            let width = extent(s.width, kernel.1, stride.1, pads.left, pads.right)
            if height != g.outputHeight || width != g.outputWidth {
                g.ceilMode = true
                guard height == g.outputHeight && width == g.outputWidth else {
                    throw n.attributeError(
                        "ceil_mode", "= 1 gives \(height)x\(width) outputs, which one rounding mode for both axes cannot reproduce")
                }
            }
        }
        try validate(n, g.validate)
        return g
    }

    /// MaxPool: the pool window attributes and `storage_order` = 0; the Indices output must be unused.
    mutating func importMaxPool(_ n: ONNXNode) throws(ModelImportError) {
        try n.acceptAttributes(["auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides"])
        try n.acceptInputCount(1...1)
        _ = try n.int("storage_order", default: 0, allowed: [0])
        try requireOnlyFirstOutputUsed(n, ["Indices"])
        let x = try activation(n, 0, "X")
        let s = shape(x)
        let g = try poolGeometry(n, s)
        try append(
            n, .maxPool(g), inputs: [x],
            shape: TensorShape(batch: s.batch, height: g.outputHeight, width: g.outputWidth, channels: s.channels))
    }

    /// AveragePool: the pool window attributes and `count_include_pad`.
    mutating func importAveragePool(_ n: ONNXNode) throws(ModelImportError) {
        try n.acceptAttributes(["auto_pad", "ceil_mode", "count_include_pad", "dilations", "kernel_shape", "pads", "strides"])
        try n.acceptInputCount(1...1)
        let countIncludePad = try n.int("count_include_pad", default: 0, allowed: [0, 1]) == 1
        let x = try activation(n, 0, "X")
        let s = shape(x)
        let g = try poolGeometry(n, s)
        try append(
            n, .averagePool(g, countIncludePad: countIncludePad), inputs: [x],
            shape: TensorShape(batch: s.batch, height: g.outputHeight, width: g.outputWidth, channels: s.channels))
    }

    /// GlobalAveragePool (no attributes).
    mutating func importGlobalAveragePool(_ n: ONNXNode) throws(ModelImportError) {
        try n.acceptAttributes([])
        try n.acceptInputCount(1...1)
        let x = try activation(n, 0, "X")
        let s = shape(x)
        try append(n, .globalAveragePool, inputs: [x], shape: TensorShape(batch: s.batch, height: 1, width: 1, channels: s.channels))
    }
}
