/// The shape of a 2-D transposed convolution (FCN's learned upsampling) over NHWC int8 tensors.
///
/// Every input pixel `(iy, ix)` spreads its channels over the output through the kernel:
/// output `(oy, ox) = (iy * strideHeight - padTop + ky * dilationHeight, ix * strideWidth - padLeft + kx * dilationWidth)`.
/// Output size `(inputHeight - 1) * strideHeight - padTop - padBottom + dilationHeight * (kernelHeight - 1)
/// + outputPaddingHeight + 1` (ONNX ConvTranspose). Weights are OHWI
/// `[outputChannels][kernelHeight][kernelWidth][inputChannels / groups]`, like `Conv2DGeometry`
/// (ONNX stores `[inputChannels][outputChannels / groups][kH][kW]`; importers transpose).
public struct TransposedConv2DGeometry: Equatable, Sendable {
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
    public var outputPaddingHeight: Int
    public var outputPaddingWidth: Int
    public var groups: Int

    public init(
        batch: Int = 1, inputHeight: Int, inputWidth: Int, inputChannels: Int, outputChannels: Int,
        kernelHeight: Int, kernelWidth: Int, strideHeight: Int = 2, strideWidth: Int = 2,
        dilationHeight: Int = 1, dilationWidth: Int = 1,
        padTop: Int = 0, padLeft: Int = 0, padBottom: Int = 0, padRight: Int = 0,
        outputPaddingHeight: Int = 0, outputPaddingWidth: Int = 0, groups: Int = 1
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
        self.outputPaddingHeight = outputPaddingHeight
        self.outputPaddingWidth = outputPaddingWidth
        self.groups = groups
    }

    public var outputHeight: Int {
        (inputHeight - 1) * strideHeight - padTop - padBottom + dilationHeight * (kernelHeight - 1) + outputPaddingHeight + 1
    }

    public var outputWidth: Int {
        (inputWidth - 1) * strideWidth - padLeft - padRight + dilationWidth * (kernelWidth - 1) + outputPaddingWidth + 1
    }

    public var inputChannelsPerGroup: Int { inputChannels / groups }
    public var outputChannelsPerGroup: Int { outputChannels / groups }
    public var taps: Int { kernelHeight * kernelWidth }

    /// Multiply-accumulates that land inside the output (taps that fall in the cropped border excluded).
    public var macs: Int64 {
        var rows = 0, columns = 0
        for oy in 0..<outputHeight {
            rows += contributions(oy, padTop, strideHeight, dilationHeight, kernelHeight, inputHeight)
        }
        for ox in 0..<outputWidth {
            columns += contributions(ox, padLeft, strideWidth, dilationWidth, kernelWidth, inputWidth)
        }
        return Int64(batch) * Int64(rows) * Int64(columns) * Int64(outputChannels) * Int64(inputChannelsPerGroup)
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
        try require((1...32).contains(kernelHeight), "kernelHeight", "must be in 1...32, got \(kernelHeight)")
        try require((1...32).contains(kernelWidth), "kernelWidth", "must be in 1...32, got \(kernelWidth)")
        try require((1...16).contains(strideHeight), "strideHeight", "must be in 1...16, got \(strideHeight)")
        try require((1...16).contains(strideWidth), "strideWidth", "must be in 1...16, got \(strideWidth)")
        try require((1...16).contains(dilationHeight), "dilationHeight", "must be in 1...16, got \(dilationHeight)")
        try require((1...16).contains(dilationWidth), "dilationWidth", "must be in 1...16, got \(dilationWidth)")
        for (name, pad) in [("padTop", padTop), ("padLeft", padLeft), ("padBottom", padBottom), ("padRight", padRight)] {
            try require((0...1024).contains(pad), name, "must be in 0...1024, got \(pad)")
        }
        try require(
            outputPaddingHeight >= 0 && outputPaddingHeight < max(strideHeight, dilationHeight), "outputPaddingHeight",
            "must be in 0..<max(strideHeight, dilationHeight) = \(max(strideHeight, dilationHeight)), got \(outputPaddingHeight)")
        try require(
            outputPaddingWidth >= 0 && outputPaddingWidth < max(strideWidth, dilationWidth), "outputPaddingWidth",
            "must be in 0..<max(strideWidth, dilationWidth) = \(max(strideWidth, dilationWidth)), got \(outputPaddingWidth)")
        try require(groups >= 1, "groups", "must be at least 1, got \(groups)")
        try require(inputChannels % groups == 0, "groups", "\(groups) does not divide inputChannels \(inputChannels)")
        try require(outputChannels % groups == 0, "groups", "\(groups) does not divide outputChannels \(outputChannels)")
        try require(outputHeight >= 1, "padTop", "padding crops the whole output height (\(outputHeight) rows)")
        try require(outputWidth >= 1, "padLeft", "padding crops the whole output width (\(outputWidth) columns)")
    }
}

/// Kernel positions along one axis that reach output coordinate `o` from inside the input.
private func contributions(_ o: Int, _ pad: Int, _ stride: Int, _ dilation: Int, _ kernel: Int, _ input: Int) -> Int {
    var n = 0
    for k in 0..<kernel {
        let t = o + pad - k * dilation
        if t >= 0 && t % stride == 0 && t / stride < input { n += 1 }
    }
    return n
}
