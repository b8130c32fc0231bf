import SegRuntime

extension DenseCRF {
    /// `update` for two labels and Potts kernels, 8 pixels at a time: with one channel through the
    /// lattices, a pixel's messages are contiguous across pixels. Every pixel goes through the
    /// operations of `update` in its order (energies summed from 0, both exponentials from the
    /// larger energy), so the results are `update`'s bits; groups of 8 start at multiples of 8, so
    /// they do not depend on how threads split the pixels.
    func updateTwoLabels(pixels: Range<Int>, weights: (Float, Float), withMessages: Bool, last: Bool,
                         buffers: TwoLabelBuffers) {
        let n = pixelCount
        var p = pixels.lowerBound
        let end = pixels.upperBound
        while p < end {
            let group = p & ~7
            if group == p && p &+ 8 <= end {
                updateEight(p, weights: weights, withMessages: withMessages, last: last, buffers: buffers, n: n)
                p &+= 8
            } else {
                updateOne(p, weights: weights, withMessages: withMessages, last: last, buffers: buffers, n: n)
                p &+= 1
            }
        }
    }

    @inline(__always)
    private func updateEight(_ p: Int, weights: (Float, Float), withMessages: Bool, last: Bool, buffers b: TwoLabelBuffers, n: Int) {
        var energy0 = SIMD8<Float>(repeating: 0), energy1 = SIMD8<Float>(repeating: 0)
        if withMessages {
            for kernel in 0..<2 {
                let offset = kernel &* n &+ p
                let message0 = load8(b.normalization + offset) * load8(b.output + offset)
                let message1 = load8(b.normalizedOnes + offset) - message0
                let weight = kernel == 0 ? weights.0 : weights.1
                energy0 = energy0 + weight * message0
                energy1 = energy1 + weight * message1
            }
        }
        let highest = energy0.replacing(with: energy1, where: energy1 .> energy0)
        let q0 = load8(b.prior0 + p) * crfExp(energy0 - highest)
        let q1 = load8(b.prior1 + p) * crfExp(energy1 - highest)
        let inverse = 1 / (q0 + q1)
        if last {
            for lane in 0..<8 { b.mask[p &+ lane] = q1[lane] > q0[lane] ? 1 : 0 }
            if let refined = b.refined {
                store8(q0 * inverse, refined + p)
                store8(q1 * inverse, refined + (n &+ p))
            }
        } else {
            for kernel in 0..<2 {
                let offset = kernel &* n &+ p
                store8(load8(b.normalization + offset) * inverse * q0, b.input + offset)
            }
        }
    }

    @inline(__always)
    private func updateOne(_ p: Int, weights: (Float, Float), withMessages: Bool, last: Bool, buffers b: TwoLabelBuffers, n: Int) {
        var energy0: Float = 0, energy1: Float = 0
        if withMessages {
            for kernel in 0..<2 {
                let offset = kernel &* n &+ p
                let message0 = b.normalization[offset] * b.output[offset]
                let message1 = b.normalizedOnes[offset] - message0
                let weight = kernel == 0 ? weights.0 : weights.1
                energy0 += weight * message0
                energy1 += weight * message1
            }
        }
        let highest = energy1 > energy0 ? energy1 : energy0
        let q0 = b.prior0[p] * crfExp(energy0 - highest)
        let q1 = b.prior1[p] * crfExp(energy1 - highest)
        let inverse = 1 / (q0 + q1)
        if last {
            b.mask[p] = q1 > q0 ? 1 : 0
            if let refined = b.refined {
                refined[p] = q0 * inverse
                refined[n &+ p] = q1 * inverse
            }
        } else {
            for kernel in 0..<2 {
                let offset = kernel &* n &+ p
                b.input[offset] = b.normalization[offset] * inverse * q0
            }
        }
    }
}

/// The buffers `updateTwoLabels` reads and writes; the priors are label planes.
struct TwoLabelBuffers {
    var normalization: UnsafePointer<Float>
    var normalizedOnes: UnsafePointer<Float>
    var output: UnsafePointer<Float>
    var input: UnsafeMutablePointer<Float>
    var prior0: UnsafePointer<Float>
    var prior1: UnsafePointer<Float>
    var mask: UnsafeMutablePointer<UInt8>
    var refined: UnsafeMutablePointer<Float>?
}
