import SegKernels

/// Folds a per-channel affine map (a BatchNormalization, imported as a depthwise 1x1 convolution,
/// or any such convolution) into the Conv or ConvTranspose before it, when it alone reads that
/// convolution's output and the convolution has no activation yet:
/// `W'[o] = W[o] * a[o]`, `b'[o] = b[o] * a[o] + c[o]`; the affine's activation carries over. The
/// merged node keeps the convolution's name and op type.
public func foldBatchNormalization(_ graph: FloatGraph) -> FloatGraph {
    graph.fusingPairs { producer, consumer in
        guard case .conv(let affine) = consumer.op, isChannelAffine(affine.geometry) else { return nil }
        var merged = producer
        merged.output = consumer.output
        switch producer.op {
        case .conv(var conv) where conv.activation == .none && conv.geometry.outputChannels == affine.geometry.inputChannels:
            scale(&conv.weights, &conv.bias, by: affine)
            conv.activation = affine.activation
            merged.op = .conv(conv)
        case .transposedConv(var conv) where conv.activation == .none && conv.geometry.outputChannels == affine.geometry.inputChannels:
            scale(&conv.weights, &conv.bias, by: affine)
            conv.activation = affine.activation
            merged.op = .transposedConv(conv)
        default:
            return nil
        }
        return merged
    }
}

/// Whether `g` maps each channel on its own: 1x1, one channel per group, no stride or padding.
private func isChannelAffine(_ g: Conv2DGeometry) -> Bool {
    g.kernelHeight == 1 && g.kernelWidth == 1 && g.strideHeight == 1 && g.strideWidth == 1
        && g.padTop == 0 && g.padLeft == 0 && g.padBottom == 0 && g.padRight == 0
        && g.groups == g.inputChannels && g.inputChannels == g.outputChannels
}

/// Scales OHWI `weights` and `bias` per output channel by `affine` (products in Double, rounded once).
private func scale(_ weights: inout [Float], _ bias: inout [Float], by affine: ConvOp) {
    let channels = bias.count
    let perChannel = weights.count / channels
    for o in 0..<channels {
        let a = Double(affine.weights[o])
        for i in o * perChannel..<(o + 1) * perChannel { weights[i] = Float(Double(weights[i]) * a) }
        bias[o] = Float(Double(bias[o]) * a + Double(affine.bias[o]))
    }
}
