/// Colours for class ids and the blend of a class mask over the photo it came from.
public enum MaskOverlay {
    /// The PASCAL VOC palette: class id bits spread over the high bits of R, G and B (0 = black,
    /// 1 = dark red, 2 = green, 3 = olive, ..., 15 = pink). Returns (r, g, b).
    public static func colour(ofClass id: UInt8) -> (UInt8, UInt8, UInt8) {
        var r = 0, g = 0, b = 0, c = Int(id)
        for bit in 0..<8 {
            r |= ((c >> 0) & 1) << (7 - bit)
            g |= ((c >> 1) & 1) << (7 - bit)
            b |= ((c >> 2) & 1) << (7 - bit)
            c >>= 3
        }
        return (UInt8(r), UInt8(g), UInt8(b))
    }

    /// `image` with every pixel of a class other than 0 (background) blended towards its class colour
    /// by `opacity` (0...1). The mask (`maskWidth` x `maskHeight`, row-major class ids) is scaled to the
    /// image's size by nearest neighbour with pixel centres aligned, so it may be the model's output size.
    public static func render(image: RGBImage, mask: [UInt8], maskWidth: Int, maskHeight: Int, opacity: Double = 0.55) -> RGBImage {
        precondition(mask.count == maskWidth * maskHeight, "mask needs maskWidth * maskHeight class ids")
        precondition((0...1).contains(opacity), "opacity is 0...1")
        let keep = Int((1 - opacity) * 256), add = 256 - keep
        let palette = (0..<256).map { colour(ofClass: UInt8($0)) }
        var out = image.pixels
        for y in 0..<image.height {
            let my = min(maskHeight - 1, (2 * y + 1) * maskHeight / (2 * image.height))
            for x in 0..<image.width {
                let mx = min(maskWidth - 1, (2 * x + 1) * maskWidth / (2 * image.width))
                let id = mask[my * maskWidth + mx]
                guard id != 0 else { continue }
                let (r, g, b) = palette[Int(id)]
                let p = (y * image.width + x) * 3
                out[p] = UInt8((Int(out[p]) * keep + Int(r) * add) >> 8)
                out[p + 1] = UInt8((Int(out[p + 1]) * keep + Int(g) * add) >> 8)
                out[p + 2] = UInt8((Int(out[p + 2]) * keep + Int(b) * add) >> 8)
            }
        }
        return RGBImage(width: image.width, height: image.height, pixels: out)
    }
}
