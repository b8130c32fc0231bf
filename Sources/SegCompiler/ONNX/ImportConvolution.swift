import SegKernels

/// Explicit padding per side of the two spatial axes.
struct SpatialPads: Equatable {
    var top = 0, left = 0, bottom = 0, right = 0
}

extension GraphBuilder {
    /// Padding from `auto_pad` and `pads`: NOTSET reads `pads` (`[top, left, bottom, right]`,
    /// non-negative), VALID is none, SAME_UPPER / SAME_LOWER pad so that the output is
    /// `ceil(input / stride)`, the odd pixel at the end (UPPER) or the start (LOWER).
    func spatialPads(
        _ n: ONNXNode, input: (Int, Int), kernel: (Int, Int), stride: (Int, Int), dilation: (Int, Int), allowSame: Bool
    ) throws(ModelImportError) -> (pads: SpatialPads, isSame: Bool) {
        let modes = allowSame ? ["NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER"] : ["NOTSET", "VALID"]
        let autoPad = try n.string("auto_pad", default: "NOTSET", allowed: modes)
        let explicit = try n.ints("pads")
        if let p = explicit {
            guard p.count == 4 else { throw n.attributeError("pads", "= \(p) needs 4 values (top, left, bottom, right)") }
            guard p.allSatisfy({ $0 >= 0 }) else { throw n.attributeError("pads", "= \(p) is negative, which is not supported") }
            guard autoPad == "NOTSET" || p.allSatisfy({ $0 == 0 }) else {
                throw n.attributeError("pads", "= \(p) cannot be combined with auto_pad \"\(autoPad)\"")
            }
        }
        switch autoPad {
        case "NOTSET":
            guard let p = explicit else { return (SpatialPads(), false) }
            return (SpatialPads(top: p[0], left: p[1], bottom: p[2], right: p[3]), false)
        case "VALID":
            return (SpatialPads(), false)
        default:
            func same(_ size: Int, _ k: Int, _ s: Int, _ d: Int) -> (Int, Int) {
                let output = (size + s - 1) / s
                let total = max(0, (output - 1) * s + (k - 1) * d + 1 - size)
                return autoPad == "SAME_UPPER" ? (total / 2, total - total / 2) : (total - total / 2, total / 2)
            }
            let (top, bottom) = same(input.0, kernel.0, stride.0, dilation.0)
            let (left, right) = same(input.1, kernel.1, stride.1, dilation.1)
            return (SpatialPads(top: top, left: left, bottom: bottom, right: right), true)
        }
    }

    /// The 2-D kernel size of 4-D weights `w`, checked against `kernel_shape` when given.
    private func kernelSize(_ n: ONNXNode, _ w: ConstantTensor) throws(ModelImportError) -> (Int, Int) {
        guard w.dims.count == 4 else {
            throw n.error("input \"W\"", "has dims \(w.dims); only 2-D convolutions (4-D weights) are supported")
        }
        if let k = try n.ints("kernel_shape"), k != [w.dims[2], w.dims[3]] {
            throw n.attributeError("kernel_shape", "= \(k) disagrees with the weights' \(w.dims[2])x\(w.dims[3])")
        }
        return (w.dims[2], w.dims[3])
    }

    private func floatElements(_ n: ONNXNode, _ c: ConstantTensor, _ label: String) throws(ModelImportError) -> [Float] {
        guard case .float(let v) = c.elements else {
            throw n.error("input \"\(label)\"", "is an integer tensor; FLOAT is required")
        }
        return v
    }

    /// Conv: `group`, `dilations`, `strides`, `pads` / `auto_pad` (all four modes), `kernel_shape`.
    mutating func importConv(_ n: ONNXNode) throws(ModelImportError) {
        try n.acceptAttributes(["auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"])
        try n.acceptInputCount(2...3)
        let x = try activation(n, 0, "X")
        let s = shape(x)
        guard let w = try constant(n, 1, "W") else { throw n.error("input \"W\"", "is missing") }
        let kernel = try kernelSize(n, w)
        let weights = try floatElements(n, w, "W")
        let group = try n.int("group", default: 1)
        let outputChannels = w.dims[0], channelsPerGroup = w.dims[1]
        guard group >= 1 && outputChannels % group == 0 else {
            throw n.attributeError("group", "= \(group) does not divide the \(outputChannels) output channels")
        }
        guard channelsPerGroup * group == s.channels else {
            throw n.error("input \"W\"", "expects \(channelsPerGroup) x \(group) groups = \(channelsPerGroup * group) input channels, but the input has \(s.channels)")
        }
        let stride = try n.spatialPair("strides", default: 1, minimum: 1)
        let dilation = try n.spatialPair("dilations", default: 1, minimum: 1)
        let (pads, _) = try spatialPads(n, input: (s.height, s.width), kernel: kernel, stride: stride, dilation: dilation, allowSame: true)
        let bias = try floatWeights(n, 2, "B", count: outputChannels) ?? Array(repeating: 0, count: outputChannels)

        let g = Conv2DGeometry(
            batch: s.batch, inputHeight: s.height, inputWidth: s.width, inputChannels: s.channels,
            outputChannels: outputChannels, kernelHeight: kernel.0, kernelWidth: kernel.1,
            strideHeight: stride.0, strideWidth: stride.1, dilationHeight: dilation.0, dilationWidth: dilation.1,
            padTop: pads.top, padLeft: pads.left, padBottom: pads.bottom, padRight: pads.right, groups: group)
        try validate(n, g.validate)
        // ONNX OIHW -> OHWI.
        var ohwi = [Float](repeating: 0, count: weights.count)
        let taps = kernel.0 * kernel.1
        for o in 0..<outputChannels {
            for i in 0..<channelsPerGroup {
                for t in 0..<taps {
                    ohwi[(o * taps + t) * channelsPerGroup + i] = weights[(o * channelsPerGroup + i) * taps + t]
                }
            }
        }
        try append(
            n, .conv(ConvOp(geometry: g, weights: ohwi, bias: bias)), inputs: [x],
            shape: TensorShape(batch: s.batch, height: g.outputHeight, width: g.outputWidth, channels: outputChannels))
    }

    /// ConvTranspose: `group`, `dilations`, `strides`, `pads` / `auto_pad` (NOTSET, VALID),
    /// `output_padding`, `kernel_shape`; `output_shape` is refused.
    mutating func importConvTranspose(_ n: ONNXNode) throws(ModelImportError) {
        try n.acceptAttributes(["auto_pad", "dilations", "group", "kernel_shape", "output_padding", "output_shape", "pads", "strides"])
        try n.acceptInputCount(2...3)
        if let shape = try n.ints("output_shape") {
            throw n.attributeError("output_shape", "= \(shape) is not supported (give pads and output_padding instead)")
        }
        let x = try activation(n, 0, "X")
        let s = shape(x)
        guard let w = try constant(n, 1, "W") else { throw n.error("input \"W\"", "is missing") }
        let kernel = try kernelSize(n, w)
        let weights = try floatElements(n, w, "W")
        let group = try n.int("group", default: 1)
        let inputChannels = w.dims[0], outputChannelsPerGroup = w.dims[1]
        guard group >= 1 && inputChannels % group == 0 else {
            throw n.attributeError("group", "= \(group) does not divide the \(inputChannels) input channels")
        }
        guard inputChannels == s.channels else {
            throw n.error("input \"W\"", "expects \(inputChannels) input channels, but the input has \(s.channels)")
        }
        let outputChannels = outputChannelsPerGroup * group
        let stride = try n.spatialPair("strides", default: 1, minimum: 1)
        let dilation = try n.spatialPair("dilations", default: 1, minimum: 1)
        let (pads, _) = try spatialPads(n, input: (s.height, s.width), kernel: kernel, stride: stride, dilation: dilation, allowSame: false)
        let outputPadding = try n.spatialPair("output_padding", default: 0, minimum: 0)
        let bias = try floatWeights(n, 2, "B", count: outputChannels) ?? Array(repeating: 0, count: outputChannels)

        let g = TransposedConv2DGeometry(
            batch: s.batch, inputHeight: s.height, inputWidth: s.width, inputChannels: inputChannels,
            outputChannels: outputChannels, kernelHeight: kernel.0, kernelWidth: kernel.1,
            strideHeight: stride.0, strideWidth: stride.1, dilationHeight: dilation.0, dilationWidth: dilation.1,
            padTop: pads.top, padLeft: pads.left, padBottom: pads.bottom, padRight: pads.right,
            outputPaddingHeight: outputPadding.0, outputPaddingWidth: outputPadding.1, groups: group)
        try validate(n, g.validate)
        // ONNX [cin][cout / group][kh][kw] -> OHWI [cout][kh][kw][cin / group].
        let inputChannelsPerGroup = inputChannels / group
        let taps = kernel.0 * kernel.1
        var ohwi = [Float](repeating: 0, count: weights.count)
        for ci in 0..<inputChannels {
            let groupIndex = ci / inputChannelsPerGroup, local = ci % inputChannelsPerGroup
            for m in 0..<outputChannelsPerGroup {
                let o = groupIndex * outputChannelsPerGroup + m
                for t in 0..<taps {
                    ohwi[(o * taps + t) * inputChannelsPerGroup + local] = weights[(ci * outputChannelsPerGroup + m) * taps + t]
                }
            }
        }
        try append(
            n, .transposedConv(TransposedConvOp(geometry: g, weights: ohwi, bias: bias)), inputs: [x],
            shape: TensorShape(batch: s.batch, height: g.outputHeight, width: g.outputWidth, channels: outputChannels))
    }

    /// BatchNormalization in inference mode, as the depthwise 1x1 convolution
    /// `y = x * scale / sqrt(var + epsilon) + (B - mean * scale / sqrt(var + epsilon))`;
    /// `foldBatchNormalization` merges it into a preceding convolution. Accepts `epsilon`,
    /// `momentum` (unused in inference), `spatial` = 1 (opset < 9), `training_mode` = 0.
    mutating func importBatchNormalization(_ n: ONNXNode) throws(ModelImportError) {
        try n.acceptAttributes(["epsilon", "momentum", "spatial", "training_mode"])
        try n.acceptInputCount(5...5)
        _ = try n.int("spatial", default: 1, allowed: [1])
        _ = try n.int("training_mode", default: 0, allowed: [0])
        try requireOnlyFirstOutputUsed(n, ["running_mean", "running_var", "saved_mean", "saved_var"])
        let x = try activation(n, 0, "X")
        let s = shape(x)
        let c = s.channels
        guard let scale = try floatWeights(n, 1, "scale", count: c), let b = try floatWeights(n, 2, "B", count: c),
            let mean = try floatWeights(n, 3, "input_mean", count: c), let variance = try floatWeights(n, 4, "input_var", count: c)
        else { throw n.error(nil, "needs all of scale, B, input_mean and input_var") }
        let epsilon = Double(try n.float("epsilon") ?? 1e-5)
        var multiplier: [Float] = [], shift: [Float] = []
        for i in 0..<c {
            let m = Double(scale[i]) / (Double(variance[i]) + epsilon).squareRoot()
            multiplier.append(Float(m))
            shift.append(Float(Double(b[i]) - Double(mean[i]) * m))
        }
        let g = Conv2DGeometry(
            batch: s.batch, inputHeight: s.height, inputWidth: s.width, inputChannels: c, outputChannels: c,
            kernelHeight: 1, kernelWidth: 1, groups: c)
        try append(n, .conv(ConvOp(geometry: g, weights: multiplier, bias: shift)), inputs: [x], shape: s)
    }
}
