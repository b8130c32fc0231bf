import SegKernels

/// How a camera frame whose aspect ratio differs from the model input's is fitted into it.
public enum Framing: String, CaseIterable, Sendable, CustomStringConvertible {
    /// The largest centred part of the frame with the input's aspect ratio fills the whole
    /// input; the frame's edges are cut off.
    case crop
    /// The whole frame, aspect ratio kept, centred in the input; the pad colour fills the rest.
    case letterbox
    /// The whole frame fills the whole input, distorted to the input's aspect ratio.
    case stretch

    /// The part of a `frameWidth x frameHeight` frame that is used (`crop`, frame pixels) and
    /// where it goes in an `inputWidth x inputHeight` input (`destination`, input pixels).
    /// All sizes must be positive. `evenCropX` moves a centre crop's left edge to an even column,
    /// as YUV formats need (their U and V samples span two pixels).
    public func placement(
        frameWidth: Int, frameHeight: Int, inputWidth: Int, inputHeight: Int, evenCropX: Bool
    ) -> (crop: PixelRect, destination: PixelRect) {
        let whole = PixelRect(x: 0, y: 0, width: frameWidth, height: frameHeight)
        let input = PixelRect(x: 0, y: 0, width: inputWidth, height: inputHeight)
        switch self {
        case .stretch:
            return (whole, input)
        case .letterbox:
            let destination = PixelRect.letterbox(
                contentWidth: frameWidth, contentHeight: frameHeight, outputWidth: inputWidth, outputHeight: inputHeight)
            return (whole, destination)
        case .crop:
            if frameWidth * inputHeight > frameHeight * inputWidth {
                // Wider than the input: keep every row, cut columns (width rounded to nearest).
                let width = min(frameWidth, max(1, (2 * frameHeight * inputWidth + inputHeight) / (2 * inputHeight)))
                var x = (frameWidth - width) / 2
                if evenCropX { x &= ~1 }
                return (PixelRect(x: x, y: 0, width: width, height: frameHeight), input)
            }
            let height = min(frameHeight, max(1, (2 * frameWidth * inputHeight + inputWidth) / (2 * inputWidth)))
            return (PixelRect(x: 0, y: (frameHeight - height) / 2, width: frameWidth, height: height), input)
        }
    }

    public var description: String { rawValue }
}
