// Rows of `count` channels, 8 lanes at a time and the rest one by one. Every element goes through the
// same IEEE operations in the same order as in the scalar loop (Swift never fuses them), so the
// results are the scalar reference's bits.

/// `destination[k] = sum of weight(e) * row(e)[k]` over `terms` in order, starting from 0: a splat's
/// gather or a slice. Accumulates 24 lanes at a time in registers, so that the destination is
/// written once instead of once per term.
@inline(__always)
func sumScaledRows(
    into destination: UnsafeMutablePointer<Float>, count: Int, terms: Range<Int>,
    weight: (Int) -> Float, row: (Int) -> UnsafePointer<Float>
) {
    var k = 0
    while k &+ 24 <= count {
        var a0 = SIMD8<Float>(repeating: 0), a1 = a0, a2 = a0
        for e in terms {
            let w = SIMD8<Float>(repeating: weight(e)), source = row(e) + k
            a0 = a0 + w * load8(source)
            a1 = a1 + w * load8(source + 8)
            a2 = a2 + w * load8(source + 16)
        }
        store8(a0, destination + k)
        store8(a1, destination + (k &+ 8))
        store8(a2, destination + (k &+ 16))
        k &+= 24
    }
    while k &+ 8 <= count {
        var a = SIMD8<Float>(repeating: 0)
        for e in terms { a = a + SIMD8(repeating: weight(e)) * load8(row(e) + k) }
        store8(a, destination + k)
        k &+= 8
    }
    while k < count {
        var sum: Float = 0
        for e in terms { sum += weight(e) * row(e)[k] }
        destination[k] = sum
        k &+= 1
    }
}

/// `out[k] = own[k] + 0.5 * (first[k] + second[k])`: one blur step along a lattice axis.
@inline(__always)
func blurRow(_ out: UnsafeMutablePointer<Float>, _ own: UnsafePointer<Float>, _ first: UnsafePointer<Float>, _ second: UnsafePointer<Float>, _ count: Int) {
    var k = 0
    while k &+ 8 <= count {
        store8(load8(own + k) + 0.5 * (load8(first + k) + load8(second + k)), out + k)
        k &+= 8
    }
    while k < count {
        out[k] = own[k] + 0.5 * (first[k] + second[k])
        k &+= 1
    }
}

/// `out[k] = out[k] + weight * row[k]`: one point's term of a scattered splat.
@inline(__always)
func addScaledRow(_ out: UnsafeMutablePointer<Float>, _ row: UnsafePointer<Float>, weight: Float, _ count: Int) {
    let weight8 = SIMD8<Float>(repeating: weight)
    var k = 0
    while k &+ 8 <= count {
        store8(load8(out + k) + weight8 * load8(row + k), out + k)
        k &+= 8
    }
    while k < count {
        out[k] = out[k] + weight * row[k]
        k &+= 1
    }
}

/// The sum of the lanes as a tree of halves: `SIMD8.sum()` adds lane by lane in a slow generic loop.
@inline(__always)
func laneSum(_ lanes: SIMD8<Float>) -> Float {
    let half = lanes.lowHalf + lanes.highHalf
    let quarter = half.lowHalf + half.highHalf
    return quarter[0] + quarter[1]
}

/// The largest lane, by halves (`SIMD8.max()` compares lane by lane in a slow generic loop).
@inline(__always)
func laneMax(_ lanes: SIMD8<Float>) -> Float {
    let half = lanes.lowHalf.replacing(with: lanes.highHalf, where: lanes.highHalf .> lanes.lowHalf)
    let quarter = half.lowHalf.replacing(with: half.highHalf, where: half.highHalf .> half.lowHalf)
    return quarter[1] > quarter[0] ? quarter[1] : quarter[0]
}

@inline(__always)
func load8(_ pointer: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always)
func load8(_ pointer: UnsafeMutablePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always)
func store8(_ value: SIMD8<Float>, _ pointer: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: SIMD8<Float>.self)
}
