/// Ops evaluated at import when all their inputs are constants: the shape computations PyTorch
/// exports around Resize (`Shape -> Gather -> Cast -> Mul -> Floor -> Unsqueeze -> Concat`).
/// Shape always folds: activation shapes are static.
let foldableOps: Set<String> = [
    "Constant", "Shape", "Gather", "Cast", "Concat", "Unsqueeze", "Squeeze", "Slice", "Add", "Sub", "Mul", "Div",
    "Floor", "Ceil", "Identity",
]

extension GraphBuilder {
    /// `n`'s output when it is a computation on constants, nil when it works on activations.
    func foldConstant(_ n: ONNXNode) throws(ModelImportError) -> ConstantTensor? {
        guard foldableOps.contains(n.opType) else { return nil }
        if n.opType == "Shape" { return try foldShape(n) }
        var inputs: [ConstantTensor?] = []
        for i in n.proto.input.indices {
            guard n.input(i) != nil else {
                inputs.append(nil)
                continue
            }
            guard case .constant(let c) = try input(n, i, "\(i)") else { return nil }
            inputs.append(c)
        }
        func required(_ index: Int, _ label: String) throws(ModelImportError) -> ConstantTensor {
            guard index < inputs.count, let c = inputs[index] else { throw n.error("input \"\(label)\"", "is missing") }
            return c
        }
        switch n.opType {
        case "Constant":
            return try foldConstantNode(n)
        case "Identity":
            try n.acceptAttributes([])
            return try required(0, "input")
        case "Cast":
            try n.acceptAttributes(["to", "saturate"])
            return try foldCast(n, try required(0, "input"))
        case "Gather":
            try n.acceptAttributes(["axis"])
            return try foldGather(n, try required(0, "data"), try required(1, "indices"))
        case "Unsqueeze", "Squeeze":
            let data = try required(0, "data")
            let axes: [Int]?
            if n.opset >= 13 {
                try n.acceptAttributes([])
                axes = inputs.count > 1 ? inputs[1].map { t in t.doubles.map { Int($0) } } : nil
            } else {
                try n.acceptAttributes(["axes"])
                axes = try n.ints("axes")
            }
            return n.opType == "Unsqueeze" ? try foldUnsqueeze(n, data, axes) : try foldSqueeze(n, data, axes)
        case "Slice":
            return try foldSlice(n, try required(0, "data"), inputs)
        case "Concat":
            try n.acceptAttributes(["axis"])
            return try foldConcat(n, inputs.compactMap { $0 })
        case "Add", "Sub", "Mul", "Div":
            try n.acceptAttributes([])
            return try foldArithmetic(n, try required(0, "A"), try required(1, "B"))
        case "Floor", "Ceil":
            try n.acceptAttributes([])
            let x = try required(0, "X")
            guard case .float(let v) = x.elements else { return x }
            return ConstantTensor(dims: x.dims, elements: .float(v.map { n.opType == "Floor" ? $0.rounded(.down) : $0.rounded(.up) }))
        default:
            return nil
        }
    }

    private func foldConstantNode(_ n: ONNXNode) throws(ModelImportError) -> ConstantTensor {
        try n.acceptAttributes(["value", "value_float", "value_floats", "value_int", "value_ints"])
        guard n.proto.attribute.count == 1 else { throw n.error(nil, "needs exactly one value attribute") }
        if let t = try n.tensor("value") {
            do throws(ConstantDecodingError) {
                return try ConstantTensor(t)
            } catch {
                throw n.attributeError("value", error.reason)
            }
        }
        if let v = try n.float("value_float") { return ConstantTensor(dims: [], elements: .float([v])) }
        if let v = try n.floats("value_floats") { return ConstantTensor(dims: [v.count], elements: .float(v)) }
        if let v = try n.int("value_int") { return ConstantTensor(dims: [], integers: [Int64(v)]) }
        let v = try n.ints("value_ints") ?? []
        return ConstantTensor(dims: [v.count], integers: v.map { Int64($0) })
    }

    /// Shape (with opset 15's `start` / `end`) of an activation (NCHW order) or of a constant.
    private func foldShape(_ n: ONNXNode) throws(ModelImportError) -> ConstantTensor {
        try n.acceptAttributes(["start", "end"])
        let dims: [Int]
        switch try input(n, 0, "data") {
        case .activation(let id):
            let s = shape(id)
            dims = [s.batch, s.channels, s.height, s.width]
        case .constant(let c):
            dims = c.dims
        }
        let rank = dims.count
        func clamped(_ v: Int) -> Int { min(max(v < 0 ? v + rank : v, 0), rank) }
        let start = clamped(try n.int("start", default: 0))
        let end = clamped(try n.int("end", default: rank))
        let slice = start < end ? Array(dims[start..<end]) : []
        return ConstantTensor(dims: [slice.count], integers: slice.map { Int64($0) })
    }

    private func foldCast(_ n: ONNXNode, _ x: ConstantTensor) throws(ModelImportError) -> ConstantTensor {
        let to = try castTarget(n)
        if to == ONNXDataType.float || to == ONNXDataType.double {
            return ConstantTensor(dims: x.dims, elements: .float(x.floats))
        }
        var integers: [Int64]
        switch x.elements {
        case .integer(let v):
            integers = v
        case .float(let v):
            guard v.allSatisfy({ $0.isFinite && abs($0) < 9e18 }) else {
                throw n.error("input \"input\"", "holds values that do not convert to integers")
            }
            integers = v.map { Int64($0) }
        }
        if to == ONNXDataType.bool {
            integers = integers.map { $0 != 0 ? 1 : 0 }
        } else if to == ONNXDataType.int32 {
            integers = integers.map { Int64(Int32(truncatingIfNeeded: $0)) }
        }
        return ConstantTensor(dims: x.dims, integers: integers)
    }

    private func foldGather(_ n: ONNXNode, _ data: ConstantTensor, _ indices: ConstantTensor) throws(ModelImportError) -> ConstantTensor {
        let rank = data.dims.count
        let axis = try n.int("axis", default: 0)
        guard rank >= 1 && (-rank..<rank).contains(axis) else {
            throw n.attributeError("axis", "= \(axis) is out of range for data of rank \(rank)")
        }
        let a = axis < 0 ? axis + rank : axis
        guard case .integer(let raw) = indices.elements else {
            throw n.error("input \"indices\"", "is not an integer tensor")
        }
        let extent = data.dims[a]
        var picks: [Int] = []
        for i in raw {
            let index = Int(i) < 0 ? Int(i) + extent : Int(i)
            guard (0..<extent).contains(index) else {
                throw n.error("input \"indices\"", "holds \(i), out of range for axis \(a) of size \(extent)")
            }
            picks.append(index)
        }
        let outer = data.dims[..<a].reduce(1, *)
        let inner = data.dims[(a + 1)...].reduce(1, *)
        var flat: [Int] = []
        for o in 0..<outer {
            for p in picks {
                for i in 0..<inner { flat.append((o * extent + p) * inner + i) }
            }
        }
        return ConstantTensor(dims: Array(data.dims[..<a]) + indices.dims + Array(data.dims[(a + 1)...]), elements: data.elements.picking(flat))
    }

    private func foldUnsqueeze(_ n: ONNXNode, _ data: ConstantTensor, _ axes: [Int]?) throws(ModelImportError) -> ConstantTensor {
        guard let axes else { throw n.error("input \"axes\"", "is missing") }
        let rank = data.dims.count + axes.count
        let normalized = axes.map { $0 < 0 ? $0 + rank : $0 }
        guard normalized.allSatisfy({ (0..<rank).contains($0) }) && Set(normalized).count == axes.count else {
            throw n.error("input \"axes\"", "= \(axes) is not a set of distinct axes of the rank-\(rank) output")
        }
        var dims: [Int] = []
        var rest = data.dims.makeIterator()
        for axis in 0..<rank { dims.append(normalized.contains(axis) ? 1 : rest.next() ?? 1) }
        return ConstantTensor(dims: dims, elements: data.elements)
    }

    private func foldSqueeze(_ n: ONNXNode, _ data: ConstantTensor, _ axes: [Int]?) throws(ModelImportError) -> ConstantTensor {
        let rank = data.dims.count
        let normalized = axes.map { $0.map { $0 < 0 ? $0 + rank : $0 } } ?? data.dims.indices.filter { data.dims[$0] == 1 }
        guard normalized.allSatisfy({ data.dims.indices.contains($0) && data.dims[$0] == 1 }) else {
            throw n.error("input \"axes\"", "= \(axes ?? []) names an axis that is not of size 1 in \(data.dims)")
        }
        return ConstantTensor(dims: data.dims.indices.filter { !normalized.contains($0) }.map { data.dims[$0] }, elements: data.elements)
    }

    /// Slice of a rank-1 constant (what shape computations slice).
    private func foldSlice(_ n: ONNXNode, _ data: ConstantTensor, _ inputs: [ConstantTensor?]) throws(ModelImportError) -> ConstantTensor {
        func values(_ index: Int) -> [Int]? {
            index < inputs.count ? inputs[index].map { t in t.doubles.map { Int($0) } } : nil
        }
        let starts: [Int]?, ends: [Int]?, axes: [Int]?, steps: [Int]?
        if n.opset >= 10 {
            try n.acceptAttributes([])
            (starts, ends, axes, steps) = (values(1), values(2), values(3), values(4))
        } else {
            try n.acceptAttributes(["starts", "ends", "axes"])
            (starts, ends, axes, steps) = (try n.ints("starts"), try n.ints("ends"), try n.ints("axes"), nil)
        }
        guard data.dims.count == 1 else {
            throw n.error("input \"data\"", "has rank \(data.dims.count); only slices of rank-1 constants are supported")
        }
        guard let starts, let ends, starts.count == 1, ends.count == 1 else {
            throw n.error("input \"starts\"", "and \"ends\" need one value each for a rank-1 slice")
        }
        guard (axes ?? [0]).allSatisfy({ $0 == 0 || $0 == -1 }) && (axes ?? [0]).count == 1 else {
            throw n.error("input \"axes\"", "= \(axes ?? []) is not axis 0 of a rank-1 tensor")
        }
        let step = steps?.first ?? 1
        guard step != 0 else { throw n.error("input \"steps\"", "= 0 is not allowed") }
        let size = data.dims[0]
        func normalized(_ v: Int) -> Int { v < 0 ? v + size : v }
        let start = step > 0 ? min(max(normalized(starts[0]), 0), size) : min(max(normalized(starts[0]), 0), size - 1)
        let end = step > 0 ? min(max(normalized(ends[0]), 0), size) : min(max(normalized(ends[0]), -1), size - 1)
        let picks = Array(stride(from: start, to: end, by: step))
        return ConstantTensor(dims: [picks.count], elements: data.elements.picking(picks))
    }

    private func foldConcat(_ n: ONNXNode, _ parts: [ConstantTensor]) throws(ModelImportError) -> ConstantTensor {
        guard let first = parts.first else { throw n.error(nil, "has no inputs") }
        guard let axisValue = try n.int("axis") else { throw n.attributeError("axis", "is missing") }
        let rank = first.dims.count
        guard (-rank..<rank).contains(axisValue) else {
            throw n.attributeError("axis", "= \(axisValue) is out of range for rank \(rank)")
        }
        let axis = axisValue < 0 ? axisValue + rank : axisValue
        for p in parts where p.dims.count != rank || (0..<rank).contains(where: { $0 != axis && p.dims[$0] != first.dims[$0] }) {
            throw n.error(nil, "concatenates constants of shapes \(first.dims) and \(p.dims) along axis \(axis)")
        }
        let outer = first.dims[..<axis].reduce(1, *)
        let inner = first.dims[(axis + 1)...].reduce(1, *)
        let asFloat = parts.contains { $0.isFloat }
        var floats: [Float] = []
        var integers: [Int64] = []
        for o in 0..<outer {
            for p in parts {
                let block = p.dims[axis] * inner
                let range = o * block..<(o + 1) * block
                switch p.elements {
                case .integer(let v) where !asFloat: integers += v[range]
                default: floats += p.floats[range]
                }
            }
        }
        var dims = first.dims
        dims[axis] = parts.reduce(0) { $0 + $1.dims[axis] }
        return ConstantTensor(dims: dims, elements: asFloat ? .float(floats) : .integer(integers))
    }

    /// Add, Sub, Mul, Div with multidirectional (numpy) broadcasting; integer when both inputs are.
    private func foldArithmetic(_ n: ONNXNode, _ a: ConstantTensor, _ b: ConstantTensor) throws(ModelImportError) -> ConstantTensor {
        let rank = max(a.dims.count, b.dims.count)
        let da = Array(repeating: 1, count: rank - a.dims.count) + a.dims
        let db = Array(repeating: 1, count: rank - b.dims.count) + b.dims
        var dims: [Int] = []
        for (x, y) in zip(da, db) {
            guard x == y || x == 1 || y == 1 else {
                throw n.error(nil, "cannot broadcast constants of shapes \(a.dims) and \(b.dims)")
            }
            dims.append(x == 1 ? y : x)
        }
        let ia = broadcastIndices(da, dims), ib = broadcastIndices(db, dims)
        switch (a.elements, b.elements) {
        case (.integer(let x), .integer(let y)):
            var out: [Int64] = []
            for (i, j) in zip(ia, ib) {
                switch n.opType {
                case "Add": out.append(x[i] &+ y[j])
                case "Sub": out.append(x[i] &- y[j])
                case "Mul": out.append(x[i] &* y[j])
                default:
                    guard y[j] != 0 else { throw n.error("input \"B\"", "divides by zero") }
                    out.append(x[i] / y[j])
                }
            }
            return ConstantTensor(dims: dims, integers: out)
        default:
            let x = a.floats, y = b.floats
            let out = zip(ia, ib).map { i, j -> Float in
                switch n.opType {
                case "Add": x[i] + y[j]
                case "Sub": x[i] - y[j]
                case "Mul": x[i] * y[j]
                default: x[i] / y[j]
                }
            }
            return ConstantTensor(dims: dims, elements: .float(out))
        }
    }
}

extension GraphBuilder {
    /// Cast's `to` attribute, restricted to the types folding and the float graph can hold.
    func castTarget(_ n: ONNXNode) throws(ModelImportError) -> Int32 {
        guard let to = try n.int("to") else { throw n.attributeError("to", "is missing") }
        let target = Int32(truncatingIfNeeded: to)
        let supported = [ONNXDataType.float, ONNXDataType.double, ONNXDataType.int64, ONNXDataType.int32, ONNXDataType.bool]
        guard supported.contains(target) else {
            throw n.attributeError("to", "= \(onnxDataTypeName(target)) is not supported (FLOAT, DOUBLE, INT64, INT32, BOOL)")
        }
        return target
    }

    /// Cast of an activation: only to FLOAT, which it already is.
    mutating func importCast(_ n: ONNXNode) throws(ModelImportError) {
        try n.acceptAttributes(["to", "saturate"])
        let x = try activation(n, 0, "input")
        let to = try castTarget(n)
        guard to == ONNXDataType.float else {
            throw n.attributeError("to", "= \(onnxDataTypeName(to)) is not supported on activations (only FLOAT, a no-op)")
        }
        try alias(n, .activation(x))
    }
}

extension ConstantTensor.Elements {
    /// The elements at flat `indices`, in that order.
    func picking(_ indices: [Int]) -> Self {
        switch self {
        case .float(let v): .float(indices.map { v[$0] })
        case .integer(let v): .integer(indices.map { v[$0] })
        }
    }
}

/// For each flat index of a tensor of `dims`, the flat index of the element of a tensor of
/// `source` dims (same rank, each 1 or equal) that broadcasting reads.
private func broadcastIndices(_ source: [Int], _ dims: [Int]) -> [Int] {
    var strides = Array(repeating: 0, count: dims.count)
    var s = 1
    for axis in source.indices.reversed() {
        strides[axis] = source[axis] == 1 ? 0 : s
        s *= source[axis]
    }
    let total = dims.reduce(1, *)
    return (0..<total).map { flat in
        var rest = flat, index = 0
        for axis in dims.indices.reversed() {
            index += (rest % dims[axis]) * strides[axis]
            rest /= dims[axis]
        }
        return index
    }
}
