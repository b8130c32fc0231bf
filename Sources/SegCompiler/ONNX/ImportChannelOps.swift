extension GraphBuilder {
    /// Relu (no attributes) as a standalone clamp; `fuseActivations` moves it into its producer.
    mutating func importRelu(_ n: ONNXNode) throws(ModelImportError) {
        try n.acceptAttributes([])
        try n.acceptInputCount(1...1)
        let x = try activation(n, 0, "X")
        try append(n, .clamp(.relu), inputs: [x], shape: shape(x))
    }

    /// Clip: bounds from the optional constant inputs `min` / `max` (opset 11+) or the attributes
    /// `min` / `max` (opset < 11); an absent bound is unbounded.
    mutating func importClip(_ n: ONNXNode) throws(ModelImportError) {
        let lower: Float?, upper: Float?
        if n.opset >= 11 {
            try n.acceptAttributes([])
            try n.acceptInputCount(1...3)
            (lower, upper) = (try scalar(n, 1, "min"), try scalar(n, 2, "max"))
        } else {
            try n.acceptAttributes(["min", "max"])
            try n.acceptInputCount(1...1)
            (lower, upper) = (try n.float("min"), try n.float("max"))
        }
        let x = try activation(n, 0, "input")
        try append(n, .clamp(ActivationClamp(lower: lower ?? -.infinity, upper: upper ?? .infinity)), inputs: [x], shape: shape(x))
    }

    /// Add of two activations of the same shape (no attributes); constants and broadcasting are refused.
    mutating func importAdd(_ n: ONNXNode) throws(ModelImportError) {
        try n.acceptAttributes([])
        try n.acceptInputCount(2...2)
        for (i, label) in ["A", "B"].enumerated() {
            if case .constant(let c) = try input(n, i, label) {
                throw n.error(
                    "input \"\(label)\"",
                    "(\(n.proto.input[i])) is a constant \(c.dims); only the sum of two activations is supported (broadcasting a constant is not)")
            }
        }
        let a = try activation(n, 0, "A"), b = try activation(n, 1, "B")
        guard shape(a) == shape(b) else {
            throw n.error(nil, "adds shapes \(shape(a)) and \(shape(b)); broadcasting is not supported (same shapes only)")
        }
        try append(n, .add(.none), inputs: [a, b], shape: shape(a))
    }

    /// Concat of activations along channels: `axis` 1 or -3.
    mutating func importConcat(_ n: ONNXNode) throws(ModelImportError) {
        try n.acceptAttributes(["axis"])
        guard let axis = try n.int("axis") else { throw n.attributeError("axis", "is missing") }
        guard axis == 1 || axis == -3 else {
            throw n.attributeError("axis", "= \(axis) is not supported (1 or -3, the channels)")
        }
        guard !n.proto.input.isEmpty else { throw n.error(nil, "has no inputs") }
        var inputs: [Int] = []
        for i in n.proto.input.indices { inputs.append(try activation(n, i, "inputs[\(i)]")) }
        let first = shape(inputs[0])
        var channels = 0
        for id in inputs {
            let s = shape(id)
            guard s.batch == first.batch && s.height == first.height && s.width == first.width else {
                throw n.error(nil, "concatenates \(first) and \(s), which differ in more than channels")
            }
            channels += s.channels
        }
        try append(
            n, .concat, inputs: inputs,
            shape: TensorShape(batch: first.batch, height: first.height, width: first.width, channels: channels))
    }

    /// Pad, mode `constant`, of the spatial axes only (non-negative): `pads` and `value` as
    /// attributes (opset < 11) or the inputs `pads`, `constant_value` and `axes` (opset 11+).
    mutating func importPad(_ n: ONNXNode) throws(ModelImportError) {
        let pads: [Int]
        let value: Float
        var axes = [0, 1, 2, 3]
        if n.opset >= 11 {
            try n.acceptAttributes(["mode"])
            try n.acceptInputCount(2...4)
            guard let p = try constant(n, 1, "pads") else { throw n.error("input \"pads\"", "is missing") }
            pads = p.doubles.map { Int($0) }
            value = try scalar(n, 2, "constant_value") ?? 0
            if let a = try constant(n, 3, "axes") {
                axes = a.doubles.map { Int($0) < 0 ? Int($0) + 4 : Int($0) }
            }
        } else {
            try n.acceptAttributes(["mode", "pads", "value"])
            guard let p = try n.ints("pads") else { throw n.attributeError("pads", "is missing") }
            pads = p
            value = try n.float("value") ?? 0
        }
        _ = try n.string("mode", default: "constant", allowed: ["constant"])
        let x = try activation(n, 0, "data")
        let s = shape(x)
        guard pads.count == 2 * axes.count && axes.allSatisfy({ (0..<4).contains($0) }) else {
            throw n.error("input \"pads\"", "= \(pads) needs 2 values per padded axis of the rank-4 input")
        }
        var begin = [0, 0, 0, 0], end = [0, 0, 0, 0]
        for (i, axis) in axes.enumerated() {
            begin[axis] = pads[i]
            end[axis] = pads[i + axes.count]
        }
        guard begin[0] == 0 && end[0] == 0 && begin[1] == 0 && end[1] == 0 else {
            throw n.error("input \"pads\"", "= \(pads) pads the batch or channel axis; only height and width are supported")
        }
        guard (begin + end).allSatisfy({ $0 >= 0 }) else {
            throw n.error("input \"pads\"", "= \(pads) is negative (cropping), which is not supported")
        }
        if begin == [0, 0, 0, 0] && end == [0, 0, 0, 0] {
            try alias(n, .activation(x))
            return
        }
        let op = PadOp(top: begin[2], left: begin[3], bottom: end[2], right: end[3], value: value)
        try append(
            n, .pad(op), inputs: [x],
            shape: TensorShape(batch: s.batch, height: s.height + op.top + op.bottom, width: s.width + op.left + op.right, channels: s.channels))
    }

    /// Softmax over channels: `axis` 1 or -3 (opset 13+); before opset 13 Softmax normalizes over
    /// all axes from `axis` on, which is the channels only for a 1x1 image.
    mutating func importSoftmax(_ n: ONNXNode) throws(ModelImportError) {
        try n.acceptAttributes(["axis"])
        try n.acceptInputCount(1...1)
        let x = try activation(n, 0, "input")
        let s = shape(x)
        let axis = try n.int("axis", default: n.opset >= 13 ? -1 : 1)
        guard axis == 1 || axis == -3 else {
            throw n.attributeError("axis", "= \(axis) is not supported (1 or -3, the channels)")
        }
        if n.opset < 13 && s.height * s.width != 1 {
            throw n.attributeError(
                "axis", "= 1 before opset 13 normalizes over channels and pixels together, which is not supported (export with opset >= 13)")
        }
        try append(n, .softmax, inputs: [x], shape: s)
    }

    /// ArgMax over channels: `axis` 1 or -3, `keepdims` 1, `select_last_index` 0.
    mutating func importArgMax(_ n: ONNXNode) throws(ModelImportError) {
        try n.acceptAttributes(["axis", "keepdims", "select_last_index"])
        try n.acceptInputCount(1...1)
        let axis = try n.int("axis", default: 0)
        guard axis == 1 || axis == -3 else {
            throw n.attributeError("axis", "= \(axis) is not supported (1 or -3, the channels)")
        }
        _ = try n.int("keepdims", default: 1, allowed: [1])
        _ = try n.int("select_last_index", default: 0, allowed: [0])
        let x = try activation(n, 0, "data")
        var s = shape(x)
        s.channels = 1
        try append(n, .argMax, inputs: [x], shape: s)
    }

    /// Identity: its output is its input.
    mutating func importIdentity(_ n: ONNXNode) throws(ModelImportError) {
        try n.acceptAttributes([])
        try n.acceptInputCount(1...1)
        try alias(n, .activation(try activation(n, 0, "input")))
    }

    /// Dropout in inference: the identity. Accepts `ratio` (opset < 12) and `seed`; the
    /// `training_mode` input must be absent or a false constant and the mask output unused.
    mutating func importDropout(_ n: ONNXNode) throws(ModelImportError) {
        try n.acceptAttributes(["ratio", "seed"])
        try n.acceptInputCount(1...3)
        if let training = try constant(n, 2, "training_mode"), training.doubles.contains(where: { $0 != 0 }) {
            throw n.error("input \"training_mode\"", "is true; only inference (false) is supported")
        }
        try requireOnlyFirstOutputUsed(n, ["mask"])
        try alias(n, .activation(try activation(n, 0, "data")))
    }
}
