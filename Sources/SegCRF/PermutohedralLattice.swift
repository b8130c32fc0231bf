/// High-dimensional Gaussian filtering on the permutohedral lattice (Adams, Baek and Davis 2010), in
/// the form Krähenbühl's DenseCRF uses: every point is splatted onto the `d + 1` vertices of its
/// enclosing simplex with barycentric weights, the lattice is blurred with [1/2, 1, 1/2] along each of
/// its `d + 1` axes, and each point slices its value back from the same vertices.
///
/// `build` finds the vertices once per frame; `splat`, `blur` and `slice` then filter any number of
/// channels over unit ranges, so that a pool of threads can share each phase (disjoint ranges never
/// write the same memory). Values are pixel-major: channel `c` of point `p` at `p * channels + c`.
///
/// Buffers are sized by the largest lattice seen, so frames of one size allocate nothing once the
/// first has been built. Not thread-safe except for disjoint ranges of one phase.
public final class PermutohedralLattice {
    /// Feature dimensions `d` (1...8).
    public let dimensions: Int
    /// Points of the current build.
    public private(set) var pointCount = 0
    /// Lattice vertices of the current build.
    public private(set) var vertexCount = 0

    private let pointCapacity: Int
    /// Per point, its `d + 1` vertices as index + 1 (row 0 of the values is always zero) ...
    private let pointVertex: UnsafeMutablePointer<Int32>
    /// ... and their barycentric weights, also times `sliceScale` for slicing.
    private let pointWeight: UnsafeMutablePointer<Float>
    private let pointSliceWeight: UnsafeMutablePointer<Float>
    /// DenseCRF's slicing scale, `1 / (1 + 2^-d)`.
    let sliceScale: Float
    /// The splat as a gather: contributions of vertex `v` are `contributionStart[v]..<[v + 1]`.
    private let contributionStart: GrowableBuffer<Int32>
    private let contributionPoint: UnsafeMutablePointer<Int32>
    private let contributionWeight: UnsafeMutablePointer<Float>
    /// Per axis and vertex, the two neighbours along the axis as index + 1 (0 where absent).
    private let neighbours: GrowableBuffer<Int32>
    private let table: LatticeHashTable
    private var values: GrowableBuffer<Float>
    private var blurred: GrowableBuffer<Float>
    private var halfValues: GrowableBuffer<Float16>
    private var halfBlurred: GrowableBuffer<Float16>
    private var valueChannels = 0
    /// Whether the current filtering keeps its rows in `Float16` (see `prepare`).
    public private(set) var halfPrecision = false
    /// Build scratch: elevated point, nearest remainder-0 point, ranks, barycentric weights, key.
    private let scratch: UnsafeMutablePointer<Float>
    private let rank: UnsafeMutablePointer<Int>
    private let key: UnsafeMutablePointer<Int16>
    /// The previous point's nearest remainder-0 point and ranks: neighbouring pixels often share a
    /// simplex, and then its vertices need no lookup.
    private let previousSimplex: UnsafeMutablePointer<Float>
    /// The last looked-up simplex's vertex keys and indices (-1: none): the next point's simplex
    /// usually shares most of them.
    private let recentKeys: UnsafeMutablePointer<LatticeKey>
    private let recentVertices: UnsafeMutablePointer<Int>
    private let scale: UnsafeMutablePointer<Float>

    /// A lattice for up to `pointCapacity` points of `dimensions` features.
    public init(dimensions: Int, pointCapacity: Int) {
        precondition((1...8).contains(dimensions) && pointCapacity >= 1, "lattice of \(dimensions) dimensions, \(pointCapacity) points")
        self.dimensions = dimensions
        self.pointCapacity = pointCapacity
        let entries = pointCapacity &* (dimensions &+ 1)
        pointVertex = .allocate(capacity: entries)
        pointWeight = .allocate(capacity: entries)
        pointSliceWeight = .allocate(capacity: entries)
        contributionPoint = .allocate(capacity: entries)
        contributionWeight = .allocate(capacity: entries)
        // Real images reach a small fraction of the worst case (a vertex per point and axis).
        let guess = max(1024, entries / 8)
        contributionStart = GrowableBuffer(capacity: guess &+ 2)
        neighbours = GrowableBuffer(capacity: guess &* 2 &* (dimensions &+ 1))
        table = LatticeHashTable(keyLength: dimensions, initialEntries: guess)
        values = GrowableBuffer(capacity: guess)
        blurred = GrowableBuffer(capacity: guess)
        halfValues = GrowableBuffer(capacity: guess)
        halfBlurred = GrowableBuffer(capacity: guess)
        scratch = .allocate(capacity: 4 &* (dimensions &+ 2))
        rank = .allocate(capacity: dimensions &+ 1)
        key = .allocate(capacity: dimensions &+ 1)
        previousSimplex = .allocate(capacity: 2 &* (dimensions &+ 1))
        recentKeys = .allocate(capacity: 2 &* (dimensions &+ 1))
        recentVertices = .allocate(capacity: 2 &* (dimensions &+ 1))
        scale = .allocate(capacity: dimensions)
        sliceScale = 1 / (1 + 1 / Float(1 << dimensions))
        // DenseCRF's scaling: the lattice spacing makes the blur a Gaussian of standard deviation 1 in
        // feature units.
        let inverseStd = (2.0 / 3.0 as Float).squareRoot() * Float(dimensions &+ 1)
        for i in 0..<dimensions {
            scale[i] = 1 / Float((i &+ 2) &* (i &+ 1)).squareRoot() * inverseStd
        }
    }

    deinit {
        pointVertex.deallocate()
        pointWeight.deallocate()
        pointSliceWeight.deallocate()
        contributionPoint.deallocate()
        contributionWeight.deallocate()
        scratch.deallocate()
        rank.deallocate()
        key.deallocate()
        previousSimplex.deallocate()
        recentKeys.deallocate()
        recentVertices.deallocate()
        scale.deallocate()
    }

    /// Finds the simplex of each of `count` points, whose features are `features[p * d ..< (p + 1) * d]`
    /// (already divided by their standard deviations), and the lattice's neighbourhoods.
    public func build(features: UnsafePointer<Float>, count: Int) {
        precondition(count >= 1 && count <= pointCapacity, "\(count) points for a lattice of \(pointCapacity)")
        let d = dimensions, d1 = d &+ 1
        pointCount = count
        table.reset()
        recentVertices.update(repeating: -1, count: d1)
        let elevated = scratch, remainder0 = scratch + d1, barycentric = scratch + 2 &* d1
        let dPlus1 = Float(d1), inverseDPlus1 = 1 / Float(d1)
        for p in 0..<count {
            let f = features + p &* d
            // Elevate onto the hyperplane x_0 + ... + x_d = 0 (Adams et al., p. 5).
            var sum: Float = 0
            var j = d
            while j > 0 {
                let cf = f[j &- 1] * scale[j &- 1]
                elevated[j] = sum - Float(j) * cf
                sum += cf
                j &-= 1
            }
            elevated[0] = sum
            // The nearest remainder-0 point, by rounding each coordinate to a multiple of d + 1.
            var offPlane: Float = 0
            for i in 0..<d1 {
                let v = (inverseDPlus1 * elevated[i]).rounded(.toNearestOrEven)
                remainder0[i] = v * dPlus1
                offPlane += v
                rank[i] = 0
            }
            // Rank of each coordinate's residual: the simplex the point lies in.
            for i in 0..<d {
                let di = elevated[i] - remainder0[i]
                for k in (i &+ 1)..<d1 {
                    if di < elevated[k] - remainder0[k] { rank[i] &+= 1 } else { rank[k] &+= 1 }
                }
            }
            // Bring the remainder-0 point back onto the plane where rounding left it.
            let shift = Int(offPlane)
            for i in 0..<d1 {
                rank[i] &+= shift
                if rank[i] < 0 {
                    remainder0[i] += dPlus1
                    rank[i] &+= d1
                } else if rank[i] >= d1 {
                    remainder0[i] -= dPlus1
                    rank[i] &-= d1
                }
            }
            // Barycentric coordinates (Adams et al., p. 10).
            for i in 0...d1 { barycentric[i] = 0 }
            for i in 0..<d1 {
                let v = (elevated[i] - remainder0[i]) * inverseDPlus1
                let position = d &- rank[i]
                barycentric[position] += v
                barycentric[position &+ 1] -= v
            }
            barycentric[0] += 1 + barycentric[d1]
            // The simplex's vertices, one per remainder: the previous point's when it is the same simplex.
            var sameSimplex = p > 0
            for i in 0..<d1 where previousSimplex[i] != remainder0[i] || previousSimplex[d1 &+ i] != Float(rank[i]) {
                sameSimplex = false
                break
            }
            if sameSimplex {
                for r in 0..<d1 {
                    pointVertex[p &* d1 &+ r] = pointVertex[(p &- 1) &* d1 &+ r]
                    pointWeight[p &* d1 &+ r] = barycentric[r]
                    pointSliceWeight[p &* d1 &+ r] = barycentric[r] * sliceScale
                }
                continue
            }
            for i in 0..<d1 {
                previousSimplex[i] = remainder0[i]
                previousSimplex[d1 &+ i] = Float(rank[i])
            }
            for r in 0..<d1 {
                for i in 0..<d {
                    var coordinate = Int(remainder0[i]) &+ r
                    if rank[i] > d &- r { coordinate &-= d1 }
                    key[i] = Int16(truncatingIfNeeded: coordinate)
                }
                let packed = LatticeKey(key, count: d)
                var vertex = -1
                for q in 0..<d1 where recentVertices[q] >= 0 && recentKeys[q] == packed {
                    vertex = recentVertices[q]
                    break
                }
                if vertex < 0 { vertex = table.findOrInsert(packed) }
                recentKeys[d1 &+ r] = packed
                recentVertices[d1 &+ r] = vertex
                pointVertex[p &* d1 &+ r] = Int32(truncatingIfNeeded: vertex &+ 1)
                pointWeight[p &* d1 &+ r] = barycentric[r]
                pointSliceWeight[p &* d1 &+ r] = barycentric[r] * sliceScale
            }
            recentKeys.update(from: recentKeys + d1, count: d1)
            recentVertices.update(from: recentVertices + d1, count: d1)
        }
        vertexCount = table.count
        buildGather()
        buildNeighbours()
        valueChannels = 0
    }

    /// Transposes the point -> vertex map into vertex -> points, so that splatting gathers.
    private func buildGather() {
        let d1 = dimensions &+ 1, vertices = vertexCount, entries = pointCount &* d1
        contributionStart.reserve(vertices &+ 2)
        let start = contributionStart.pointer
        start.update(repeating: 0, count: vertices &+ 2)
        for e in 0..<entries { start[Int(pointVertex[e])] &+= 1 }
        // start[v + 1] counts (0-based) vertex v; an exclusive prefix sum makes it v's first slot.
        var total: Int32 = 0
        for v in 0...vertices {
            let n = start[v &+ 1]
            start[v &+ 1] = total
            total &+= n
        }
        // start[v + 1] is vertex v's cursor (pointVertex holds v + 1); filling moves it to v + 1's first slot.
        for p in 0..<pointCount {
            for r in 0..<d1 {
                let e = p &* d1 &+ r
                let v = Int(pointVertex[e])
                let slot = Int(start[v])
                contributionPoint[slot] = Int32(truncatingIfNeeded: p)
                contributionWeight[slot] = pointWeight[e]
                start[v] &+= 1
            }
        }
        // start[v] is now vertex v's first slot for v >= 1, and start[vertexCount] the end.
        start[0] = 0
    }

    /// Neighbours along axis j: `below` is the key minus 1 except `+ d` at j, `above` the key plus 1
    /// except `- d` at j (at j = d every coordinate moves). The relation is symmetric (the vertex
    /// below A along j has A above it), so one lookup per vertex and axis fills both.
    private func buildNeighbours() {
        let d = dimensions, d1 = d &+ 1, vertices = vertexCount
        neighbours.reserve(2 &* d1 &* vertices)
        let out = neighbours.pointer
        out.update(repeating: 0, count: 2 &* d1 &* vertices)
        let below = key
        for axis in 0..<d1 {
            let pairs = out + 2 &* axis &* vertices
            for v in 0..<vertices {
                table.key(v).unpack(into: below, count: d)
                for k in 0..<d { below[k] &-= 1 }
                if axis < d { below[axis] &+= Int16(d) &+ 1 }
                let neighbour = table.find(LatticeKey(below, count: d))
                if neighbour >= 0 {
                    pairs[2 &* v] = Int32(truncatingIfNeeded: neighbour &+ 1)
                    pairs[2 &* neighbour &+ 1] = Int32(truncatingIfNeeded: v &+ 1)
                }
            }
        }
    }

    /// Prepares the value buffers for `channels` channels; call before the phases of a filtering.
    /// With `halfPrecision` (two or more channels), the lattice keeps its rows in `Float16`: half
    /// the memory traffic of the splat, blur and slice, which are bound by it once the rows outgrow
    /// the caches, for a rounding to 11 significant bits after the splat and after each axis of
    /// the blur. The arithmetic stays in `Float`. Half-precision rows are not scattered.
    public func prepare(channels: Int, halfPrecision: Bool = false) {
        precondition(!halfPrecision || channels > 1, "half-precision rows of one channel")
        let rows = vertexCount &+ 1
        valueChannels = channels
        self.halfPrecision = halfPrecision
        if halfPrecision {
            halfValues.reserve(rows &* channels)
            halfBlurred.reserve(rows &* channels)
            halfValues.pointer.update(repeating: 0, count: channels)
            halfBlurred.pointer.update(repeating: 0, count: channels)
        } else {
            values.reserve(rows &* channels)
            blurred.reserve(rows &* channels)
            values.pointer.update(repeating: 0, count: channels)
            blurred.pointer.update(repeating: 0, count: channels)
        }
    }

    /// Splats `input` (rows of `Float16`, the prepared channels) onto vertices `vertices` (0-based) of
    /// half-precision rows.
    public func splat(input: UnsafePointer<Float16>, vertices: Range<Int>) {
        precondition(halfPrecision, "Float16 input onto Float rows")
        splatRows(input: input, into: halfValues.pointer, vertices: vertices)
    }

    /// Splats `input` onto vertices `vertices` (0-based).
    public func splat(input: UnsafePointer<Float>, vertices: Range<Int>) {
        let c = valueChannels
        if c == 1 {
            let start = contributionStart.pointer
            let points = contributionPoint, weights = contributionWeight
            let lattice = values.pointer
            // One channel (two labels): the sum stays in a register without the row loops.
            for v in vertices {
                var sum: Float = 0
                for e in Int(start[v])..<Int(start[v &+ 1]) { sum += weights[e] * input[Int(points[e])] }
                lattice[v &+ 1] = sum
            }
        } else if halfPrecision {
            splatRows(input: input, into: halfValues.pointer, vertices: vertices)
        } else {
            splatRows(input: input, into: values.pointer, vertices: vertices)
        }
    }

    @inline(__always)
    private func splatRows<Input: LatticeValue, Value: LatticeValue>(
        input: UnsafePointer<Input>, into lattice: UnsafeMutablePointer<Value>, vertices: Range<Int>
    ) {
        let start = contributionStart.pointer
        let points = contributionPoint, weights = contributionWeight
        withRowWidth(valueChannels) { c in
            for v in vertices {
                sumScaledRows(into: lattice + (v &+ 1) &* c, count: c, terms: Int(start[v])..<Int(start[v &+ 1]),
                              weight: { weights[$0] }, row: { input + Int(points[$0]) &* c })
            }
        }
    }

    /// Blurs vertices `vertices` along `axis` (0...d) from the values into the blurred buffer; call
    /// `finishBlurAxis` once all vertices of the axis are done.
    public func blur(axis: Int, vertices: Range<Int>) {
        let c = valueChannels
        let pairs = neighbours.pointer + 2 &* axis &* vertexCount
        if c == 1 {
            let source = values.pointer, destination = blurred.pointer
            for v in vertices {
                destination[v &+ 1] = source[v &+ 1] + 0.5 * (source[Int(pairs[2 &* v])] + source[Int(pairs[2 &* v &+ 1])])
            }
        } else if halfPrecision {
            blurRows(UnsafePointer(halfValues.pointer), into: halfBlurred.pointer, pairs: pairs, vertices: vertices)
        } else {
            blurRows(UnsafePointer(values.pointer), into: blurred.pointer, pairs: pairs, vertices: vertices)
        }
    }

    @inline(__always)
    private func blurRows<Value: LatticeValue>(
        _ source: UnsafePointer<Value>, into destination: UnsafeMutablePointer<Value>, pairs: UnsafePointer<Int32>, vertices: Range<Int>
    ) {
        withRowWidth(valueChannels) { c in
            for v in vertices {
                blurRow(destination + (v &+ 1) &* c, source + (v &+ 1) &* c,
                        source + Int(pairs[2 &* v]) &* c, source + Int(pairs[2 &* v &+ 1]) &* c, c)
            }
        }
    }

    /// Makes the blurred values the input of the next axis.
    public func finishBlurAxis() {
        if halfPrecision { swap(&halfValues, &halfBlurred) } else { swap(&values, &blurred) }
    }

    /// Slices points `points` into `output`.
    public func slice(output: UnsafeMutablePointer<Float>, points: Range<Int>) {
        let c = valueChannels, d1 = dimensions &+ 1
        let vertex = pointVertex, weight = pointSliceWeight
        if c == 1 {
            let lattice = values.pointer
            for p in points {
                var sum: Float = 0
                for e in (p &* d1)..<(p &* d1 &+ d1) { sum += weight[e] * lattice[Int(vertex[e])] }
                output[p] = sum
            }
            return
        }
        withRowWidth(c) { c in
            for p in points { slice(point: p, into: output + p &* c, channels: c) }
        }
    }

    /// Slices point `p`'s row of `channels` (the prepared count, two or more) into `row`: `slice` one
    /// point at a time, for a caller that uses the row at once instead of storing it. With
    /// `wholeGroups`, `row` has room for whole 8-lane groups (see `sumScaledRows`).
    @inline(__always)
    func slice(point p: Int, into row: UnsafeMutablePointer<Float>, channels: Int, wholeGroups: Bool = false) {
        if halfPrecision {
            sliceRow(point: p, from: halfValues.pointer, into: row, channels: channels, wholeGroups: wholeGroups)
        } else {
            sliceRow(point: p, from: values.pointer, into: row, channels: channels, wholeGroups: wholeGroups)
        }
    }

    private func sliceRow<Value: LatticeValue>(
        point p: Int, from lattice: UnsafeMutablePointer<Value>, into row: UnsafeMutablePointer<Float>, channels: Int, wholeGroups: Bool
    ) {
        let c = channels, d1 = dimensions &+ 1
        let vertex = pointVertex, weight = pointSliceWeight
        sumScaledRows(into: row, count: c, terms: (p &* d1)..<(p &* d1 &+ d1), wholeGroups: wholeGroups,
                      weight: { weight[$0] }, row: { UnsafePointer(lattice + Int(vertex[$0]) &* c) })
    }

    /// Zeroes the buffer that `scatter` fills, which the slice does not read: the next filtering's
    /// values can be scattered while the current one's are sliced. Call after `prepare` without
    /// half precision.
    public func beginScatter() {
        precondition(!halfPrecision, "scatter onto half-precision rows")
        blurred.pointer.update(repeating: 0, count: (vertexCount &+ 1) &* valueChannels)
    }

    /// Adds `row` (point `p`'s `channels`, the prepared count) times its barycentric weights to its vertices in the
    /// scatter buffer. Scattering every point in order is DenseCRF's own splat: each vertex sums the
    /// same terms in the same order as the gather, so a caller that makes the points' rows one by
    /// one need not store them for the gather to read back.
    public func scatter(point p: Int, row: UnsafePointer<Float>) {
        scatter(point: p, row: row, channels: valueChannels)
    }

    /// `scatter` with the prepared channel count given, so that a caller's constant reaches the row
    /// loops.
    @inline(__always)
    func scatter(point p: Int, row: UnsafePointer<Float>, channels c: Int) {
        let d1 = dimensions &+ 1
        let target = blurred.pointer
        for e in (p &* d1)..<(p &* d1 &+ d1) { addScaledRow(target + Int(pointVertex[e]) &* c, row, weight: pointWeight[e], c) }
    }

    /// Makes the scattered values the input of the blur: after `beginScatter`, `scatter` of every
    /// point and the slice of the previous filtering, they replace `splat`.
    public func finishScatter() {
        swap(&values, &blurred)
    }

    var vertexTable: UnsafePointer<Int32> { UnsafePointer(pointVertex) }
    var weightTable: UnsafePointer<Float> { UnsafePointer(pointWeight) }
    var neighbourTable: UnsafePointer<Int32> { UnsafePointer(neighbours.pointer) }

    /// Filters `channels` channels of every point from `input` into `output` on the calling thread.
    public func filter(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, channels: Int, halfPrecision: Bool = false) {
        prepare(channels: channels, halfPrecision: halfPrecision)
        splat(input: input, vertices: 0..<vertexCount)
        for axis in 0...dimensions {
            blur(axis: axis, vertices: 0..<vertexCount)
            finishBlurAxis()
        }
        slice(output: output, points: 0..<pointCount)
    }
}
