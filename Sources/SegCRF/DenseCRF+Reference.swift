#if !hasFeature(Embedded)
import Glibc

extension DenseCRF {
    /// Mean-field as pydensecrf computes it, the reference `infer` is tested against: unary
    /// `-log(clamp(p, 1e-5, 1))`, every label filtered through the lattices with the scalar
    /// `filterReference`, energies summed, then a softmax with libm's `expf`. Uses the lattices of the
    /// last `setImage`; allocates. Returns the mask and the refined probabilities (layout of
    /// `probabilities`).
    public func inferReference(probabilities: [Float], iterations: Int) -> (mask: [UInt8], refined: [Float]) {
        let n = width &* height, l = labels
        var unary = [Float](repeating: 0, count: n &* l)
        for label in 0..<l {
            for p in 0..<n { unary[p &* l &+ label] = -logf(min(max(probabilities[label &* n &+ p], 1e-5), 1)) }
        }
        var norms: [[Float]] = []
        for lattice in lattices {
            var ones = [Float](repeating: 1, count: n), filtered = [Float](repeating: 0, count: n)
            lattice.filterReference(input: &ones, output: &filtered, channels: 1)
            norms.append(filtered.map { 1 / ($0 + 1e-20).squareRoot() })
        }
        var q = softmax(unary.map { -$0 })
        for _ in 0..<iterations {
            var energy = unary.map { -$0 }
            for (kernel, lattice) in lattices.enumerated() {
                var input = [Float](repeating: 0, count: n &* l), output = input
                for p in 0..<n {
                    for label in 0..<l { input[p &* l &+ label] = q[p &* l &+ label] * norms[kernel][p] }
                }
                lattice.filterReference(input: &input, output: &output, channels: l)
                for p in 0..<n {
                    for label in 0..<l { output[p &* l &+ label] *= norms[kernel][p] }
                }
                let compatibility = kernel == 0 ? parameters.gaussian.compatibility : parameters.bilateral.compatibility
                for p in 0..<n {
                    for label in 0..<l {
                        switch compatibility {
                        case let .potts(weight):
                            energy[p &* l &+ label] += weight * output[p &* l &+ label]
                        case let .matrix(_, values):
                            var sum: Float = 0
                            for other in 0..<l {
                                sum += 0.5 * (values[label &* l &+ other] + values[other &* l &+ label]) * output[p &* l &+ other]
                            }
                            energy[p &* l &+ label] -= sum
                        }
                    }
                }
            }
            q = softmax(energy)
        }
        var mask = [UInt8](repeating: 0, count: n)
        var refined = [Float](repeating: 0, count: n &* l)
        for p in 0..<n {
            var best = 0
            for label in 0..<l {
                refined[label &* n &+ p] = q[p &* l &+ label]
                if q[p &* l &+ label] > q[p &* l &+ best] { best = label }
            }
            mask[p] = UInt8(best)
        }
        return (mask, refined)
    }

    private func softmax(_ energy: [Float]) -> [Float] {
        let l = labels
        var out = energy
        for p in 0..<(energy.count / l) {
            let row = p &* l
            var highest = energy[row]
            for label in 1..<max(1, l) { highest = max(highest, energy[row &+ label]) }
            var sum: Float = 0
            for label in 0..<l {
                out[row &+ label] = expf(energy[row &+ label] - highest)
                sum += out[row &+ label]
            }
            for label in 0..<l { out[row &+ label] /= sum }
        }
        return out
    }
}
#endif
