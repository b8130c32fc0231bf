/// Integer nearest-neighbour downscaling of a class mask: factor k gives max(1, width / k) x
/// max(1, height / k) pixels, output (x, y) taking input (min(width - 1, x*k + k/2),
/// min(height - 1, y*k + k/2)) — the centre pixel of each k x k block.
public enum MaskDownscale {
    /// The size of a `width` x `height` mask downscaled by `factor`.
    public static func size(width: Int, height: Int, factor: Int) -> (width: Int, height: Int) {
        precondition(factor >= 1 && width >= 1 && height >= 1, "downscale needs a positive factor and size")
        return (max(1, width / factor), max(1, height / factor))
    }

    /// Writes the downscaled `mask` (row-major, `width` x `height`) into `output`, which must hold
    /// exactly `size(width:height:factor:)` pixels.
    public static func downscale(_ mask: UnsafeRawBufferPointer, width: Int, height: Int, factor: Int, into output: UnsafeMutableRawBufferPointer) {
        let (outWidth, outHeight) = size(width: width, height: height, factor: factor)
        precondition(mask.count == width * height && output.count == outWidth * outHeight, "downscale buffer sizes do not match the geometry")
        for y in 0..<outHeight {
            let row = min(height - 1, y * factor + factor / 2) * width
            for x in 0..<outWidth {
                output[y * outWidth + x] = mask[row + min(width - 1, x * factor + factor / 2)]
            }
        }
    }

    /// Downscales into a new array.
    public static func downscale(_ mask: [UInt8], width: Int, height: Int, factor: Int) -> [UInt8] {
        let (outWidth, outHeight) = size(width: width, height: height, factor: factor)
        var output = [UInt8](repeating: 0, count: outWidth * outHeight)
        mask.withUnsafeBytes { source in output.withUnsafeMutableBytes { downscale(source, width: width, height: height, factor: factor, into: $0) } }
        return output
    }
}
