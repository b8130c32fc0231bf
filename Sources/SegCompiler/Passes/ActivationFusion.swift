/// Moves a standalone Relu / Clip into the Conv, ConvTranspose, Add or clamp that produces its
/// input, when it alone reads that output: the bounds intersect (`clamp(clamp(x, a), b)` is
/// `clamp(x, a ∩ b)` when the ranges overlap; disjoint ranges are left alone). The merged node
/// keeps the producer's name and op type. Then drops a clamp that cannot change its input because
/// the producer's own activation already keeps it in range (RefineNet's `relu(relu(x))` where the
/// inner result also feeds a residual Add), unless its output is a graph output.
public func fuseActivations(_ graph: FloatGraph) -> FloatGraph {
    let fused = graph.fusingPairs { producer, consumer in
        guard case .clamp(let outer) = consumer.op, let inner = producer.op.activation else { return nil }
        let combined = ActivationClamp(lower: max(inner.lower, outer.lower), upper: min(inner.upper, outer.upper))
        guard combined.lower <= combined.upper else { return nil }
        var merged = producer
        merged.output = consumer.output
        merged.op = producer.op.withActivation(combined)
        return merged
    }
    return removingRedundantClamps(fused)
}

private func removingRedundantClamps(_ graph: FloatGraph) -> FloatGraph {
    var graph = graph
    var i = 0
    while i < graph.nodes.count {
        let node = graph.nodes[i]
        guard case .clamp(let clamp) = node.op, !graph.outputs.contains(node.output),
            let producer = graph.producer(of: node.inputs[0]), let range = graph.nodes[producer].op.activation,
            clamp.lower <= range.lower && range.upper <= clamp.upper
        else {
            i += 1
            continue
        }
        for j in graph.nodes.indices {
            graph.nodes[j].inputs = graph.nodes[j].inputs.map { $0 == node.output ? node.inputs[0] : $0 }
        }
        graph.nodes.remove(at: i)
    }
    return graph
}

extension GraphOp {
    /// The activation the op applies to its output, for the ops that carry one.
    var activation: ActivationClamp? {
        switch self {
        case .conv(let op): op.activation
        case .transposedConv(let op): op.activation
        case .add(let clamp), .clamp(let clamp): clamp
        default: nil
        }
    }

    /// The op with its activation replaced (only for ops whose `activation` is not nil).
    func withActivation(_ clamp: ActivationClamp) -> GraphOp {
        switch self {
        case .conv(var op):
            op.activation = clamp
            return .conv(op)
        case .transposedConv(var op):
            op.activation = clamp
            return .transposedConv(op)
        case .add: return .add(clamp)
        case .clamp: return .clamp(clamp)
        default: return self
        }
    }
}
