/// The shape of a 2-D convolution over NHWC int8 tensors.
///
/// Input `[batch][inputHeight][inputWidth][inputChannels]`, output
/// `[batch][outputHeight][outputWidth][outputChannels]`, weights OHWI
/// `[outputChannels][kernelHeight][kernelWidth][inputChannels / groups]`. Padding is explicit per
/// side and reads the input zero point.
public struct Conv2DGeometry: Equatable, Sendable {
    public var batch: Int
    public var inputHeight: Int
    public var inputWidth: Int
    public var inputChannels: Int
    public var outputChannels: Int
    public var kernelHeight: Int
    public var kernelWidth: Int
    public var strideHeight: Int
    public var strideWidth: Int
    public var dilationHeight: Int
    public var dilationWidth: Int
    public var padTop: Int
    public var padLeft: Int
    public var padBottom: Int
    public var padRight: Int
    public var groups: Int

    public init(
        batch: Int = 1, inputHeight: Int, inputWidth: Int, inputChannels: Int, outputChannels: Int,
        kernelHeight: Int, kernelWidth: Int, strideHeight: Int = 1, strideWidth: Int = 1,
        dilationHeight: Int = 1, dilationWidth: Int = 1,
        padTop: Int = 0, padLeft: Int = 0, padBottom: Int = 0, padRight: Int = 0, groups: Int = 1
    ) {
        self.batch = batch
        self.inputHeight = inputHeight
        self.inputWidth = inputWidth
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.strideHeight = strideHeight
        self.strideWidth = strideWidth
        self.dilationHeight = dilationHeight
        self.dilationWidth = dilationWidth
        self.padTop = padTop
        self.padLeft = padLeft
        self.padBottom = padBottom
        self.padRight = padRight
        self.groups = groups
    }

    public var outputHeight: Int {
        (inputHeight + padTop + padBottom - dilationHeight * (kernelHeight - 1) - 1) / strideHeight + 1
    }

    public var outputWidth: Int {
        (inputWidth + padLeft + padRight - dilationWidth * (kernelWidth - 1) - 1) / strideWidth + 1
    }

    public var inputChannelsPerGroup: Int { inputChannels / groups }
    public var outputChannelsPerGroup: Int { outputChannels / groups }
    public var taps: Int { kernelHeight * kernelWidth }

    /// One input channel per group and one output channel per group (channel multiplier 1).
    public var isDepthwise: Bool { groups > 1 && groups == inputChannels && groups == outputChannels }

    /// Multiply-accumulates of one run, padding included (Int64: it exceeds Int32 on 32-bit ARM).
    public var macs: Int64 {
        Int64(batch) * Int64(outputHeight * outputWidth) * Int64(outputChannels) * Int64(taps * inputChannelsPerGroup)
    }

    public var inputElementCount: Int { batch * inputHeight * inputWidth * inputChannels }
    public var outputElementCount: Int { batch * outputHeight * outputWidth * outputChannels }
    public var weightElementCount: Int { outputChannels * taps * inputChannelsPerGroup }

    /// Refuses shapes the kernels cannot take, naming the parameter.
    public func validate() throws(KernelConfigurationError) {
        try require(batch >= 1, "batch", "must be at least 1, got \(batch)")
        try require(inputHeight >= 1, "inputHeight", "must be at least 1, got \(inputHeight)")
        try require(inputWidth >= 1, "inputWidth", "must be at least 1, got \(inputWidth)")
        try require(inputChannels >= 1, "inputChannels", "must be at least 1, got \(inputChannels)")
        try require(outputChannels >= 1, "outputChannels", "must be at least 1, got \(outputChannels)")
        try require((1...16).contains(kernelHeight), "kernelHeight", "must be in 1...16, got \(kernelHeight)")
        try require((1...16).contains(kernelWidth), "kernelWidth", "must be in 1...16, got \(kernelWidth)")
        try require((1...16).contains(strideHeight), "strideHeight", "must be in 1...16, got \(strideHeight)")
        try require((1...16).contains(strideWidth), "strideWidth", "must be in 1...16, got \(strideWidth)")
        try require((1...64).contains(dilationHeight), "dilationHeight", "must be in 1...64, got \(dilationHeight)")
        try require((1...64).contains(dilationWidth), "dilationWidth", "must be in 1...64, got \(dilationWidth)")
        for (name, pad) in [("padTop", padTop), ("padLeft", padLeft), ("padBottom", padBottom), ("padRight", padRight)] {
            try require((0...1024).contains(pad), name, "must be in 0...1024, got \(pad)")
        }
        try require(groups >= 1, "groups", "must be at least 1, got \(groups)")
        try require(inputChannels % groups == 0, "groups", "\(groups) does not divide inputChannels \(inputChannels)")
        try require(outputChannels % groups == 0, "groups", "\(groups) does not divide outputChannels \(outputChannels)")
        try require(
            inputHeight + padTop + padBottom >= dilationHeight * (kernelHeight - 1) + 1, "kernelHeight",
            "dilated kernel (\(dilationHeight * (kernelHeight - 1) + 1) rows) is taller than the padded input (\(inputHeight + padTop + padBottom))")
        try require(
            inputWidth + padLeft + padRight >= dilationWidth * (kernelWidth - 1) + 1, "kernelWidth",
            "dilated kernel (\(dilationWidth * (kernelWidth - 1) + 1) columns) is wider than the padded input (\(inputWidth + padLeft + padRight))")
    }
}

/// How a convolution's int8 values map to real numbers: input zero point, per-channel (or per-tensor)
/// multipliers `inputScale * weightScale[c] / outputScale`, and the output's zero point and clamp.
/// Weights are symmetric (zero point 0) in -127...127; bias is Int32 at scale `inputScale * weightScale[c]`.
public struct ConvQuantization: Equatable, Sendable {
    public var inputZeroPoint: Int32
    public var multipliers: [QuantizedMultiplier]
    public var output: OutputQuantization

    public init(inputZeroPoint: Int32, multipliers: [QuantizedMultiplier], output: OutputQuantization) {
        self.inputZeroPoint = inputZeroPoint
        self.multipliers = multipliers
        self.output = output
    }

    /// The multiplier of `channel`.
    @inlinable
    public func multiplier(_ channel: Int) -> QuantizedMultiplier {
        multipliers[multipliers.count == 1 ? 0 : channel]
    }

    /// Validates a convolution's quantization, `weights` (`weightCount` values in -127...127: the
    /// widening kernels add two products in int16) and `bias` (one per output channel, or nil) and
    /// builds its requantizer, which checks the multipliers and the output range.
    func requantizer(
        outputChannels: Int, weights: UnsafeBufferPointer<Int8>, weightCount: Int, bias: UnsafeBufferPointer<Int32>?
    ) throws(KernelConfigurationError) -> ChannelRequantizer {
        try require((-128...127).contains(inputZeroPoint), "inputZeroPoint", "must be in -128...127, got \(inputZeroPoint)")
        try require(weights.count == weightCount, "weights", "needs \(weightCount) values, got \(weights.count)")
        for i in 0..<weightCount where weights[i] == -128 {
            throw KernelConfigurationError("weights", "must be in -127...127 (symmetric int8), found -128 at index \(i)")
        }
        if let bias {
            try require(
                bias.count == outputChannels, "bias", "needs \(outputChannels) values (one per output channel), got \(bias.count)")
        }
        return try ChannelRequantizer(multipliers: multipliers, channels: outputChannels, output: output)
    }
}
