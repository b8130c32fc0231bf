import SegCapture
import SegKernels

/// Turns the model's int8 input back into 8-bit RGB: per channel, a table from each of the 256
/// quantized values to `255 * ((q - zeroPoint) * scale * std + mean)`, rounded and clamped (the
/// inverse of the normalization and quantization the frame conversion applied, up to their
/// rounding). Built once; `convert` allocates nothing.
struct InputColourTable {
    /// 3 x 256 levels: colour `c` (0 = R, 1 = G, 2 = B), quantized value `q` at
    /// `c * 256 + Int(UInt8(bitPattern: q))`.
    private let levels: [UInt8]
    /// The input channel holding R, G and B.
    private let rgbSource: SIMD3<Int>

    init(_ layout: ModelInputLayout) {
        let n = layout.normalization
        var levels = [UInt8](repeating: 0, count: 3 * 256)
        for colour in 0..<3 {
            for q in Int8.min...Int8.max {
                let normalized = Double(Int32(q) - n.zeroPoint) * n.scale
                let value = (255 * (normalized * n.std[colour] + n.mean[colour])).rounded()
                levels[colour * 256 + Int(UInt8(bitPattern: q))] = UInt8(min(max(value, 0), 255))
            }
        }
        self.levels = levels
        rgbSource = layout.channelOrder == .rgb ? SIMD3(0, 1, 2) : SIMD3(2, 1, 0)
    }

    /// Writes `pixelCount` RGB pixels from `input` (NHWC, three channels in the model's order).
    func convert(_ input: UnsafePointer<Int8>, pixelCount: Int, into rgb: UnsafeMutablePointer<UInt8>) {
        levels.withUnsafeBufferPointer { table in
            let base = table.baseAddress!
            let (r, g, b) = (rgbSource[0], rgbSource[1], rgbSource[2])
            for p in 0..<pixelCount {
                let pixel = input + 3 &* p, out = rgb + 3 &* p
                out[0] = base[Int(UInt8(bitPattern: pixel[r]))]
                out[1] = base[256 &+ Int(UInt8(bitPattern: pixel[g]))]
                out[2] = base[512 &+ Int(UInt8(bitPattern: pixel[b]))]
            }
        }
    }
}
