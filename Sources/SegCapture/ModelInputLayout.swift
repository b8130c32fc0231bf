import SegKernels

/// What a model wants as input: an int8 NHWC `height x width x 3` tensor of colour channels in
/// `channelOrder`, normalized and quantized as `normalization` says (its pad colour fills what a
/// letterbox leaves empty).
public struct ModelInputLayout: Equatable, Sendable {
    /// Pixels per row of the input tensor.
    public var width: Int
    /// Rows of the input tensor.
    public var height: Int
    public var channelOrder: ChannelOrder
    public var normalization: PixelNormalization

    public init(width: Int, height: Int, channelOrder: ChannelOrder = .rgb, normalization: PixelNormalization) {
        self.width = width
        self.height = height
        self.channelOrder = channelOrder
        self.normalization = normalization
    }

    /// Int8 values of the input tensor.
    public var elementCount: Int { width * height * 3 }
}
