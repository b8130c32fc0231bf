extension PermutohedralLattice {
    /// The scalar reference of `filter`: DenseCRF's `seqCompute` as written (splat scattered in
    /// point order, blur, slice), over the vertices of the current build. Allocates its own buffers.
    /// The gather, the unit ranges and the threads of `filter` must give the same bits. With
    /// `halfPrecision`, every value is rounded to `Float16` after the splat and after each axis of the
    /// blur, as half-precision rows store them.
    public func filterReference(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, channels c: Int, halfPrecision: Bool = false) {
        let stored: (Float) -> Float = halfPrecision ? { Float(Float16($0)) } : { $0 }
        let d1 = dimensions &+ 1, rows = vertexCount &+ 1
        var values = [Float](repeating: 0, count: rows &* c)
        var next = [Float](repeating: 0, count: rows &* c)
        let vertex = vertexTable, weight = weightTable, pairs = neighbourTable
        for p in 0..<pointCount {
            for r in 0..<d1 {
                let o = Int(vertex[p &* d1 &+ r]), w = weight[p &* d1 &+ r]
                for k in 0..<c { values[o &* c &+ k] += w * input[p &* c &+ k] }
            }
        }
        values = values.map(stored)
        for axis in 0..<d1 {
            for v in 0..<vertexCount {
                let n1 = Int(pairs[2 &* (axis &* vertexCount &+ v)]), n2 = Int(pairs[2 &* (axis &* vertexCount &+ v) &+ 1])
                for k in 0..<c {
                    next[(v &+ 1) &* c &+ k] = stored(values[(v &+ 1) &* c &+ k] + 0.5 * (values[n1 &* c &+ k] + values[n2 &* c &+ k]))
                }
            }
            swap(&values, &next)
        }
        for p in 0..<pointCount {
            for k in 0..<c { output[p &* c &+ k] = 0 }
            for r in 0..<d1 {
                let o = Int(vertex[p &* d1 &+ r]), w = weight[p &* d1 &+ r] * sliceScale
                for k in 0..<c { output[p &* c &+ k] += w * values[o &* c &+ k] }
            }
        }
    }
}
