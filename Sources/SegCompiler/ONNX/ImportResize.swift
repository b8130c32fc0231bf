import SegKernels

extension GraphBuilder {
    /// Resize (opset 11+) of height and width. `mode` linear or nearest (cubic refused);
    /// `coordinate_transformation_mode` half_pixel, pytorch_half_pixel, align_corners or asymmetric;
    /// `nearest_mode` any of the four; `axes` (opset 18); `antialias` 0, `exclude_outside` 0,
    /// `keep_aspect_ratio_policy` stretch; `cubic_coeff_a` and `extrapolation_value` (unused by
    /// these modes). Output size from the constant `sizes`, or `scales` (`floor(input * scale)`);
    /// `roi` is unused by these modes.
    mutating func importResize(_ n: ONNXNode) throws(ModelImportError) {
        guard n.opset >= 11 else {
            throw n.error(nil, "of opset \(n.opset) is not supported (export with opset >= 11)")
        }
        try n.acceptAttributes([
            "antialias", "axes", "coordinate_transformation_mode", "cubic_coeff_a", "exclude_outside",
            "extrapolation_value", "keep_aspect_ratio_policy", "mode", "nearest_mode",
        ])
        try n.acceptInputCount(1...4)
        let mode = try n.string("mode", default: "nearest", allowed: ["linear", "nearest"])
        let coordinate = try n.string(
            "coordinate_transformation_mode", default: "half_pixel",
            allowed: ["half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric"])
        let rounding = try n.string(
            "nearest_mode", default: "round_prefer_floor", allowed: ["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"])
        _ = try n.int("antialias", default: 0, allowed: [0])
        _ = try n.int("exclude_outside", default: 0, allowed: [0])
        _ = try n.string("keep_aspect_ratio_policy", default: "stretch", allowed: ["stretch"])
        let axes = try n.ints("axes")?.map { $0 < 0 ? $0 + 4 : $0 } ?? [0, 1, 2, 3]
        guard axes.allSatisfy({ (0..<4).contains($0) }) && Set(axes).count == axes.count else {
            throw n.attributeError("axes", "= \(axes) is not a set of distinct axes of the rank-4 input")
        }

        let x = try activation(n, 0, "X")
        // Exporters pass an empty tensor for the unused one of scales / sizes.
        let scales = try constant(n, 2, "scales").flatMap { $0.count == 0 ? nil : $0 }
        let sizes = try constant(n, 3, "sizes").flatMap { $0.count == 0 ? nil : $0 }
        let coordinateMode: ResizeCoordinateMode = switch coordinate {
        case "half_pixel": .halfPixel
        case "pytorch_half_pixel": .pytorchHalfPixel
        case "align_corners": .alignCorners
        default: .asymmetric
        }
        let nearestMode: ResizeNearestMode = switch rounding {
        case "round_prefer_floor": .roundPreferFloor
        case "round_prefer_ceil": .roundPreferCeil
        case "floor": .floor
        default: .ceil
        }
        let op: ResizeOp.Mode = mode == "linear" ? .linear(coordinateMode) : .nearest(coordinateMode, nearestMode)

        let s = shape(x)
        let dims = [s.batch, s.channels, s.height, s.width]
        var output = dims
        switch (scales, sizes) {
        case (nil, let sizes?):
            guard sizes.count == axes.count else {
                throw n.error("input \"sizes\"", "= \(sizes.summary) needs one value per axis (\(axes.count))")
            }
            for (i, axis) in axes.enumerated() { output[axis] = Int(sizes.doubles[i]) }
        case (let scales?, nil):
            guard scales.count == axes.count else {
                throw n.error("input \"scales\"", "= \(scales.summary) needs one value per axis (\(axes.count))")
            }
            for (i, axis) in axes.enumerated() {
                let exact = Double(dims[axis]) * Double(scales.floats[i])
                output[axis] = Int(exact.rounded(.down))
                // The kernels map coordinates with outputSize / inputSize; ONNX uses the given
                // scale, the same only when the product is whole (align_corners ignores it).
                if exact != Double(output[axis]) && coordinateMode != .alignCorners {
                    throw n.error(
                        "input \"scales\"",
                        "= \(scales.summary) makes a fractional size (\(dims[axis]) x \(scales.floats[i])); only scales giving whole sizes are supported (export with sizes instead)")
                }
            }
        case (nil, nil):
            throw n.error("input \"scales\"", "and \"sizes\" are both missing or empty")
        case (.some, .some):
            throw n.error("input \"scales\"", "and \"sizes\" are both given; ONNX allows only one")
        }
        try appendResize(n, op, x, output)
    }

    /// Upsample (opset 7 to 10): `mode` nearest or linear, `scales` as attribute (opset 7, 8) or
    /// constant input (9+), each at least 1 and giving a whole size. ONNX Upsample maps coordinates
    /// asymmetrically and takes the nearest pixel by rounding down.
    mutating func importUpsample(_ n: ONNXNode) throws(ModelImportError) {
        guard n.opset >= 7 else {
            throw n.error(nil, "of opset \(n.opset) is not supported (export with opset >= 11)")
        }
        let scales: [Float]
        if n.opset >= 9 {
            try n.acceptAttributes(["mode"])
            try n.acceptInputCount(2...2)
            guard let c = try constant(n, 1, "scales") else { throw n.error("input \"scales\"", "is missing") }
            scales = c.floats
        } else {
            try n.acceptAttributes(["mode", "scales"])
            try n.acceptInputCount(1...1)
            guard let a = try n.floats("scales") else { throw n.attributeError("scales", "is missing") }
            scales = a
        }
        let mode = try n.string("mode", default: "nearest", allowed: ["linear", "nearest"])
        let subject = n.opset >= 9 ? "input \"scales\"" : "attribute \"scales\""
        let x = try activation(n, 0, "X")
        let s = shape(x)
        let dims = [s.batch, s.channels, s.height, s.width]
        guard scales.count == 4 else { throw n.error(subject, "= \(scales) needs 4 values (NCHW)") }
        var output = dims
        for axis in 0..<4 {
            let exact = Double(dims[axis]) * Double(scales[axis])
            guard scales[axis] >= 1 && exact == exact.rounded(.down) else {
                throw n.error(subject, "= \(scales) must be at least 1 and give whole sizes")
            }
            output[axis] = Int(exact)
        }
        let op: ResizeOp.Mode = mode == "linear" ? .linear(.asymmetric) : .nearest(.asymmetric, .floor)
        try appendResize(n, op, x, output)
    }

    /// Appends the resize of `x` to NCHW size `output` (batch and channels unchanged).
    private mutating func appendResize(_ n: ONNXNode, _ mode: ResizeOp.Mode, _ x: Int, _ output: [Int]) throws(ModelImportError) {
        let s = shape(x)
        guard output[0] == s.batch && output[1] == s.channels else {
            throw n.error(nil, "resizes the batch or channel axis (\(s) to \(output.map(String.init).joined(separator: "x"))); only height and width are supported")
        }
        let g = ResizeGeometry(
            batch: s.batch, inputHeight: s.height, inputWidth: s.width, channels: s.channels,
            outputHeight: output[2], outputWidth: output[3])
        try validate(n, g.validate)
        try append(
            n, .resize(ResizeOp(mode: mode, geometry: g)), inputs: [x],
            shape: TensorShape(batch: s.batch, height: output[2], width: output[3], channels: s.channels))
    }
}
