import SegImageIO

/// The model's preprocessing of a photo, as the training recipe and the peers do it
/// (bench/peers/preprocess.py): Pillow's antialiased bilinear resize straight to the input size
/// (`RGBImage.resizedBilinear`, bit-exact), RGB scaled to 0...1 (`Float(u8) / 255`), then
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
        let resized = image.resizedBilinear(width: width, height: height)
        var out = [Float](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) {
            for c in 0..<3 {
                out[i * 3 + c] = (Float(resized.pixels[i * 3 + c]) / 255 - mean[c]) / std[c]
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
