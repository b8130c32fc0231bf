// A deterministic, image-like input for the harness's `crf` command: the same bytes and floats on
// every ISA.
import SegRuntime

/// Knuth's MMIX linear congruential generator; only its high bits are used.
struct LCG {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt32 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return UInt32(truncatingIfNeeded: state >> 32)
    }

    /// Uniform in `0..<bound`.
    mutating func below(_ bound: Int) -> Int { Int((UInt64(next()) &* UInt64(bound)) >> 32) }

    /// Uniform in [0, 1), 24 bits.
    mutating func unit() -> Float { Float(next() >> 8) * (1 / 16_777_216) }
}

/// A picture of flat-ish colour regions (a Voronoi partition, each cell a base colour with a gentle
/// shading gradient, plus per-pixel noise) and the class probabilities a noisy segmentation network
/// might give it: each cell carries a label, and every pixel's probabilities are the softmax of
/// uniform random logits in [0, 3) with 2 added to its cell's label, so that a few percent of the
/// pixels (more with many labels) are most probable under a wrong label.
final class SyntheticScene {
    let width: Int
    let height: Int
    let labels: Int
    /// Row-major RGB.
    let rgb: UnsafeMutableBufferPointer<UInt8>
    /// `labels` planes of `height` x `width`.
    let probabilities: UnsafeMutableBufferPointer<Float>

    init(width: Int, height: Int, labels: Int, seed: UInt64) {
        self.width = width
        self.height = height
        self.labels = labels
        var random = LCG(seed: seed)
        // Enough cells for every label to appear; cell `c` carries label `c % labels`.
        let cells = max(16, labels)
        var centres: [Int] = []
        var colours: [Int] = []
        var gradients: [Int] = []
        for _ in 0..<cells {
            centres += [random.below(width), random.below(height)]
            colours += [30 + random.below(196), 30 + random.below(196), 30 + random.below(196)]
            gradients += [random.below(5) - 2, random.below(5) - 2]
        }
        let n = width * height
        rgb = .allocate(capacity: 3 * n)
        probabilities = .allocate(capacity: labels * n)
        var logits = [Float](repeating: 0, count: labels)
        for y in 0..<height {
            for x in 0..<width {
                var cell = 0
                var nearest = Int.max
                for c in 0..<cells {
                    let dx = x - centres[2 * c], dy = y - centres[2 * c + 1]
                    if dx * dx + dy * dy < nearest {
                        nearest = dx * dx + dy * dy
                        cell = c
                    }
                }
                let p = y * width + x
                let shade = (gradients[2 * cell] * (x - centres[2 * cell]) + gradients[2 * cell + 1] * (y - centres[2 * cell + 1])) / 8
                for channel in 0..<3 {
                    let value = colours[3 * cell + channel] + shade + random.below(21) - 10
                    rgb[3 * p + channel] = UInt8(min(255, max(0, value)))
                }
                var highest = -Float.infinity
                for label in 0..<labels {
                    logits[label] = 3 * random.unit() + (label == cell % labels ? 2 : 0)
                    highest = max(highest, logits[label])
                }
                var sum: Float = 0
                for label in 0..<labels {
                    logits[label] = floatExp(logits[label] - highest)
                    sum += logits[label]
                }
                for label in 0..<labels { probabilities[label * n + p] = logits[label] / sum }
            }
        }
    }

    deinit {
        rgb.deallocate()
        probabilities.deallocate()
    }
}
