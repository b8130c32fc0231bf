/// BT.601 limited-range RGB -> YUV, for frames segd makes itself (the test pattern, YUYV and
/// NV12 frames made from real images in tests and benchmarks): the inverse of
/// `pixelConversionReference`'s YUV -> RGB up to rounding. Allocates nothing; any thread.
public enum RGBToYUV {
    /// Y in 16...235, U and V in 16...240 of one 8-bit RGB colour.
    public static func colour(red: Int, green: Int, blue: Int) -> (y: UInt8, u: UInt8, v: UInt8) {
        let y = ((66 * red + 129 * green + 25 * blue + 128) >> 8) + 16
        let u = ((-38 * red - 74 * green + 112 * blue + 128) >> 8) + 128
        let v = ((112 * red - 94 * green - 18 * blue + 128) >> 8) + 128
        return (UInt8(y), UInt8(u), UInt8(v))
    }

    /// A packed RGB24 image (`width * 3` bytes a row) as YUYV: each pixel's Y, and per pair of
    /// pixels the U and V of their mean colour. `width` must be even; `yuyv` holds `height` rows
    /// of `rowStride` (at least `2 * width`) bytes.
    public static func yuyv(rgb: UnsafePointer<UInt8>, width: Int, height: Int, into yuyv: UnsafeMutablePointer<UInt8>, rowStride: Int) {
        for row in 0..<height {
            let source = rgb + row * width * 3, target = yuyv + row * rowStride
            for pair in 0..<width / 2 {
                let p = source + pair * 6
                let left = colour(red: Int(p[0]), green: Int(p[1]), blue: Int(p[2]))
                let right = colour(red: Int(p[3]), green: Int(p[4]), blue: Int(p[5]))
                let mean = colour(red: (Int(p[0]) + Int(p[3]) + 1) / 2, green: (Int(p[1]) + Int(p[4]) + 1) / 2, blue: (Int(p[2]) + Int(p[5]) + 1) / 2)
                target[pair * 4] = left.y
                target[pair * 4 + 1] = mean.u
                target[pair * 4 + 2] = right.y
                target[pair * 4 + 3] = mean.v
            }
        }
    }

    /// A packed RGB24 image as NV12: each pixel's Y (`height` rows of `rowStride` bytes at
    /// `nv12`), then at `nv12 + rowStride * height` per 2x2 block the U and V of its mean colour
    /// (`height / 2` rows of `rowStride` bytes). `width` and `height` must be even.
    public static func nv12(rgb: UnsafePointer<UInt8>, width: Int, height: Int, into nv12: UnsafeMutablePointer<UInt8>, rowStride: Int) {
        let chroma = nv12 + rowStride * height
        for row in 0..<height {
            let source = rgb + row * width * 3
            for x in 0..<width {
                let p = source + x * 3
                nv12[row * rowStride + x] = colour(red: Int(p[0]), green: Int(p[1]), blue: Int(p[2])).y
            }
        }
        for row in 0..<height / 2 {
            for pair in 0..<width / 2 {
                var sum = SIMD3<Int>.zero
                for dy in 0..<2 {
                    for dx in 0..<2 {
                        let p = rgb + ((2 * row + dy) * width + 2 * pair + dx) * 3
                        sum &+= SIMD3(Int(p[0]), Int(p[1]), Int(p[2]))
                    }
                }
                let mean = colour(red: (sum[0] + 2) / 4, green: (sum[1] + 2) / 4, blue: (sum[2] + 2) / 4)
                chroma[row * rowStride + pair * 2] = mean.u
                chroma[row * rowStride + pair * 2 + 1] = mean.v
            }
        }
    }
}
