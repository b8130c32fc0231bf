import SegKernels

/// Moves a constant Pad into the node that alone reads it, where the result is exactly the same:
/// - Conv, pad value 0 (the convolution's own padding reads zeros);
/// - MaxPool, pad value -infinity (padded positions never win);
/// - AveragePool, pad value 0, when the pool counts its own padding or has none: the padded
///   zeros are counted, so the merged pool counts all its padding.
/// Only where the merged geometry is one the kernels take (pool padding below the window, no
/// window entirely in padding). The merged node keeps the consumer's name and op type: it is the
/// layer that computes.
public func fusePadding(_ graph: FloatGraph) -> FloatGraph {
    graph.fusingPairs { producer, consumer in
        guard case .pad(let pad) = producer.op else { return nil }
        var merged = consumer
        merged.inputs = producer.inputs
        switch consumer.op {
        case .conv(var op) where pad.value == 0:
            op.geometry.inputHeight -= pad.top + pad.bottom
            op.geometry.inputWidth -= pad.left + pad.right
            op.geometry.padTop += pad.top
            op.geometry.padLeft += pad.left
            op.geometry.padBottom += pad.bottom
            op.geometry.padRight += pad.right
            guard (try? op.geometry.validate()) != nil else { return nil }
            merged.op = .conv(op)
        case .maxPool(let g) where pad.value == -.infinity:
            guard let fused = padded(g, pad) else { return nil }
            merged.op = .maxPool(fused)
        case .averagePool(let g, let countIncludePad) where pad.value == 0:
            let hasPadding = g.padTop != 0 || g.padLeft != 0 || g.padBottom != 0 || g.padRight != 0
            guard countIncludePad || !hasPadding, let fused = padded(g, pad) else { return nil }
            merged.op = .averagePool(fused, countIncludePad: true)
        default:
            return nil
        }
        return merged
    }
}

/// `g` reading the Pad's input with the Pad's borders added to its own, if the kernels take it.
private func padded(_ g: Pool2DGeometry, _ pad: PadOp) -> Pool2DGeometry? {
    var fused = g
    fused.inputHeight -= pad.top + pad.bottom
    fused.inputWidth -= pad.left + pad.right
    fused.padTop += pad.top
    fused.padLeft += pad.left
    fused.padBottom += pad.bottom
    fused.padRight += pad.right
    return (try? fused.validate()) != nil ? fused : nil
}
