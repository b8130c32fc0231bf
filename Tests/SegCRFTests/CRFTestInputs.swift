/// Deterministic inputs for the CRF tests: image-like RGB (flat colour regions with noise) and
/// probabilities that mostly favour each region's label, with noise.
struct CRFTestInputs {
    var state: UInt64

    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }

    mutating func next() -> UInt64 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return state >> 33
    }

    mutating func unit() -> Float { Float(next() & 0xFFFFFF) / Float(0x1000000) }

    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }

    /// Region label of each pixel: vertical bands plus a rectangle of another label.
    func regions(width: Int, height: Int, labels: Int) -> [Int] {
        (0..<(width * height)).map { p in
            let x = p % width, y = p / width
            if labels > 1, x > width / 3, x < 2 * width / 3, y > height / 4, y < 3 * height / 4 { return labels - 1 }
            return (x * 3 / max(1, width)) % labels
        }
    }

    mutating func image(regions: [Int], labels: Int, noise: Int = 12) -> [UInt8] {
        var palette: [[Int]] = []
        for _ in 0..<labels { palette.append([below(200) + 28, below(200) + 28, below(200) + 28]) }
        var rgb: [UInt8] = []
        rgb.reserveCapacity(regions.count * 3)
        for label in regions {
            for channel in 0..<3 {
                rgb.append(UInt8(clamping: palette[label][channel] + below(2 * noise + 1) - noise))
            }
        }
        return rgb
    }

    /// `labels` planes: each pixel favours its region's label with probability `confidence`, except
    /// a fraction `flipped` of pixels that favour a random label instead.
    mutating func probabilities(regions: [Int], labels: Int, confidence: Float = 0.6, flipped: Float = 0.2) -> [Float] {
        let n = regions.count
        var planes = [Float](repeating: 0, count: n * labels)
        for p in 0..<n {
            let favoured = unit() < flipped ? below(labels) : regions[p]
            var row = (0..<labels).map { _ in unit() + 0.05 }
            let rest = row.reduce(0, +) - row[favoured]
            for label in 0..<labels {
                row[label] = label == favoured ? confidence : (1 - confidence) * row[label] / max(rest, 1e-6)
            }
            for label in 0..<labels { planes[label * n + p] = labels == 1 ? 1 : row[label] }
        }
        return planes
    }
}
