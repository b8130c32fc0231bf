import SegImageIO

/// The model's preprocessing of a photo: bilinear resize to the input size (half-pixel centres,
/// edges clamped, no antialiasing: OpenCV's INTER_LINEAR), RGB scaled to 0...1, then
/// `(x - mean[c]) / std[c]`. Produces an NHWC float tensor.
public struct ImagePreprocessing: Equatable, Sendable {
    public var width: Int
    public var height: Int
    public var mean: [Float]
    public var std: [Float]

    public init(width: Int, height: Int, mean: [Float], std: [Float]) {
        precondition(mean.count == 3 && std.count == 3, "mean and std need three values (R, G, B)")
        self.width = width
        self.height = height
        self.mean = mean
        self.std = std
    }

    /// `height * width * 3` floats, NHWC (batch 1).
    public func tensor(from image: RGBImage) -> [Float] {
        var out = [Float](repeating: 0, count: width * height * 3)
        let sx = Float(image.width) / Float(width), sy = Float(image.height) / Float(height)
        for y in 0..<height {
            let fy = max(0, (Float(y) + 0.5) * sy - 0.5)
            let y0 = min(Int(fy), image.height - 1), y1 = min(y0 + 1, image.height - 1)
            let wy = fy - Float(Int(fy))
            for x in 0..<width {
                let fx = max(0, (Float(x) + 0.5) * sx - 0.5)
                let x0 = min(Int(fx), image.width - 1), x1 = min(x0 + 1, image.width - 1)
                let wx = fx - Float(Int(fx))
                for c in 0..<3 {
                    func p(_ yy: Int, _ xx: Int) -> Float { Float(image.pixels[(yy * image.width + xx) * 3 + c]) }
                    let top = p(y0, x0) + (p(y0, x1) - p(y0, x0)) * wx
                    let bottom = p(y1, x0) + (p(y1, x1) - p(y1, x0)) * wx
                    let value = (top + (bottom - top) * wy) / 255
                    out[(y * width + x) * 3 + c] = (value - mean[c]) / std[c]
                }
            }
        }
        return out
    }
}

/// NCHW (`[1][c][h][w]`) to NHWC (`[1][h][w][c]`).
public func nchwToNHWC(_ values: [Float], channels: Int, height: Int, width: Int) -> [Float] {
    var out = [Float](repeating: 0, count: values.count)
    for c in 0..<channels {
        for p in 0..<(height * width) { out[p * channels + c] = values[c * height * width + p] }
    }
    return out
}

/// NHWC (`[n][h][w][c]`) to NCHW (`[n][c][h][w]`).
public func nhwcToNCHW(_ values: [Float], batch: Int, channels: Int, height: Int, width: Int) -> [Float] {
    var out = [Float](repeating: 0, count: values.count)
    let plane = height * width
    for n in 0..<batch {
        for p in 0..<plane {
            for c in 0..<channels { out[(n * channels + c) * plane + p] = values[(n * plane + p) * channels + c] }
        }
    }
    return out
}
