/// The size at which libjpeg-turbo decodes a JPEG: `1/denominator` of full size, produced inside
/// the inverse DCT (it computes fewer output samples per 8x8 block), so a smaller decode costs
/// less than a full one, and averages rather than drops the pixels it leaves out.
public struct DCTScale: Equatable, Sendable, CustomStringConvertible {
    /// 1, 2, 4 or 8.
    public let denominator: Int

    /// Full size.
    public static let full = DCTScale(denominator: 1)
    /// The reductions tried, smallest first.
    static let reductions = [DCTScale(denominator: 8), DCTScale(denominator: 4), DCTScale(denominator: 2)]

    private init(denominator: Int) { self.denominator = denominator }

    /// The decoded size of `size` source pixels: rounded up, as libjpeg's `jdiv_round_up`.
    public func scaled(_ size: Int) -> Int { (size + denominator - 1) / denominator }

    /// The scale to decode at when a `cropWidth x cropHeight` part of each frame (source pixels)
    /// is resized into a `destinationWidth x destinationHeight` rectangle of the model input.
    ///
    /// The smallest of 1/8, 1/4 and 1/2 whose scaled crop is at least 2/3 of the destination in
    /// both dimensions, else full size. The 2-tap bilinear resize that follows then upsamples by
    /// at most 1.5x, where it interpolates well, and shrinks only what the DCT averaged already,
    /// so the input is not aliased (the bilinear resize alone aliases when shrinking by more than
    /// about 1.5x). For example a 640x480 frame centre-cropped (480x480) into a 321x321 input
    /// decodes at 1/2 (240 >= 214), 1280x720 (crop 720x720) at 1/2 as well, 1920x1080 at 1/4.
    public static func choose(cropWidth: Int, cropHeight: Int, destinationWidth: Int, destinationHeight: Int) -> DCTScale {
        for scale in reductions
        where 3 * scale.scaled(cropWidth) >= 2 * destinationWidth && 3 * scale.scaled(cropHeight) >= 2 * destinationHeight {
            return scale
        }
        return .full
    }

    public var description: String { "1/\(denominator)" }
}
