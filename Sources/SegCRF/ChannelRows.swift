// Rows of `count` channels, 8 lanes at a time, then 4, then the rest one by one. Every element goes
// through the same IEEE operations in the same order as in the scalar loop (Swift never fuses
// them), so the results are the scalar reference's bits. Rows end where `count` says: a 4-lane tail
// is stored as 4 lanes, so that rows can follow each other with a stride of a multiple of 4.

/// Calls `body` with `count`, passed as a literal for the common row widths (the kernel rows of 3 to
/// 25 labels), so that the row loops inlined into `body` unroll instead of counting lanes at run
/// time.
@inline(__always)
func withRowWidth(_ count: Int, _ body: (Int) -> Void) {
    switch count {
    case 4: body(4)
    case 8: body(8)
    case 12: body(12)
    case 16: body(16)
    case 20: body(20)
    case 24: body(24)
    default: body(count)
    }
}

/// `destination[k] = sum of weight(e) * row(e)[k]` over `terms` in order, starting from 0: a splat's
/// gather or a slice. Accumulates up to 24 lanes at a time in registers, so that the destination is
/// written once instead of once per term. With `wholeGroups` the destination has room for whole
/// 8-lane groups and a 4-lane tail is stored as 8 lanes, the last 4 zero, so that a reader of whole
/// groups does not load across a narrower store (which stalls store forwarding).
@inline(__always)
func sumScaledRows<Source: LatticeValue, Destination: LatticeValue>(
    into destination: UnsafeMutablePointer<Destination>, count: Int, terms: Range<Int>, wholeGroups: Bool = false,
    weight: (Int) -> Float, row: (Int) -> UnsafePointer<Source>
) {
    var k = 0
    while k &+ 24 <= count {
        var a0 = SIMD8<Float>(repeating: 0), a1 = a0, a2 = a0
        for e in terms {
            let w = SIMD8<Float>(repeating: weight(e)), source = row(e) + k
            a0 = a0 + w * Source.load8(source)
            a1 = a1 + w * Source.load8(source + 8)
            a2 = a2 + w * Source.load8(source + 16)
        }
        Destination.store8(a0, destination + k)
        Destination.store8(a1, destination + (k &+ 8))
        Destination.store8(a2, destination + (k &+ 16))
        k &+= 24
    }
    let rest = count &- k
    if rest >= 4 && rest & 3 == 0 {
        // 4 to 20 lanes in one pass over the terms.
        let groups = rest &>> 3, quarter = rest & 4 != 0
        var a0 = SIMD8<Float>(repeating: 0), a1 = a0, a2 = SIMD4<Float>(repeating: 0)
        for e in terms {
            let w = weight(e), source = row(e) + k
            if groups > 0 { a0 = a0 + SIMD8(repeating: w) * Source.load8(source) }
            if groups > 1 { a1 = a1 + SIMD8(repeating: w) * Source.load8(source + 8) }
            if quarter { a2 = a2 + SIMD4(repeating: w) * Source.load4(source + groups &* 8) }
        }
        if groups > 0 { Destination.store8(a0, destination + k) }
        if groups > 1 { Destination.store8(a1, destination + (k &+ 8)) }
        if quarter {
            let tail = destination + (k &+ groups &* 8)
            if wholeGroups { Destination.store8(SIMD8(lowHalf: a2, highHalf: .zero), tail) } else { Destination.store4(a2, tail) }
        }
        return
    }
    while k &+ 8 <= count {
        var a = SIMD8<Float>(repeating: 0)
        for e in terms { a = a + SIMD8(repeating: weight(e)) * Source.load8(row(e) + k) }
        Destination.store8(a, destination + k)
        k &+= 8
    }
    while k < count {
        var sum: Float = 0
        for e in terms { sum += weight(e) * Float(row(e)[k]) }
        destination[k] = Destination(sum)
        k &+= 1
    }
}

/// `out[k] = own[k] + 0.5 * (first[k] + second[k])`: one blur step along a lattice axis.
@inline(__always)
func blurRow<Value: LatticeValue>(_ out: UnsafeMutablePointer<Value>, _ own: UnsafePointer<Value>, _ first: UnsafePointer<Value>, _ second: UnsafePointer<Value>, _ count: Int) {
    var k = 0
    while k &+ 8 <= count {
        Value.store8(Value.load8(own + k) + 0.5 * (Value.load8(first + k) + Value.load8(second + k)), out + k)
        k &+= 8
    }
    if k &+ 4 <= count {
        Value.store4(Value.load4(own + k) + 0.5 * (Value.load4(first + k) + Value.load4(second + k)), out + k)
        k &+= 4
    }
    while k < count {
        out[k] = Value(Float(own[k]) + 0.5 * (Float(first[k]) + Float(second[k])))
        k &+= 1
    }
}

/// `out[k] = scale * row[k]`.
@inline(__always)
func storeScaledRow<Value: LatticeValue>(_ out: UnsafeMutablePointer<Value>, _ row: UnsafePointer<Float>, scale: Float, _ count: Int) {
    var k = 0
    while k &+ 8 <= count {
        Value.store8(SIMD8(repeating: scale) * load8(row + k), out + k)
        k &+= 8
    }
    if k &+ 4 <= count {
        Value.store4(SIMD4(repeating: scale) * Float.load4(row + k), out + k)
        k &+= 4
    }
    while k < count {
        out[k] = Value(scale * row[k])
        k &+= 1
    }
}

/// `out[k] = out[k] + weight * row[k]`: one point's term of a scattered splat.
@inline(__always)
func addScaledRow(_ out: UnsafeMutablePointer<Float>, _ row: UnsafePointer<Float>, weight: Float, _ count: Int) {
    var k = 0
    while k &+ 8 <= count {
        store8(load8(out + k) + SIMD8(repeating: weight) * load8(row + k), out + k)
        k &+= 8
    }
    if k &+ 4 <= count {
        Float.store4(Float.load4(out + k) + SIMD4(repeating: weight) * Float.load4(row + k), out + k)
        k &+= 4
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

/// A lattice value's storage: `Float`, or `Float16` for rows of several channels, whose filtering is
/// bound by memory traffic. Arithmetic is always in `Float`.
protocol LatticeValue: BinaryFloatingPoint, BitwiseCopyable {
    init(_ value: Float)
    static func load8(_ pointer: UnsafePointer<Self>) -> SIMD8<Float>
    static func store8(_ value: SIMD8<Float>, _ pointer: UnsafeMutablePointer<Self>)
    static func load4(_ pointer: UnsafePointer<Self>) -> SIMD4<Float>
    static func store4(_ value: SIMD4<Float>, _ pointer: UnsafeMutablePointer<Self>)
}

extension Float: LatticeValue {
    @inline(__always)
    static func load8(_ pointer: UnsafePointer<Float>) -> SIMD8<Float> { UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self) }
    @inline(__always)
    static func store8(_ value: SIMD8<Float>, _ pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: SIMD8<Float>.self)
    }
    @inline(__always)
    static func load4(_ pointer: UnsafePointer<Float>) -> SIMD4<Float> { UnsafeRawPointer(pointer).loadUnaligned(as: SIMD4<Float>.self) }
    @inline(__always)
    static func store4(_ value: SIMD4<Float>, _ pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: SIMD4<Float>.self)
    }
}

extension Float16: LatticeValue {
    @inline(__always)
    static func load8(_ pointer: UnsafePointer<Float16>) -> SIMD8<Float> {
        SIMD8<Float>(UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float16>.self))
    }
    @inline(__always)
    static func store8(_ value: SIMD8<Float>, _ pointer: UnsafeMutablePointer<Float16>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: SIMD8<Float16>(value), as: SIMD8<Float16>.self)
    }
    @inline(__always)
    static func load4(_ pointer: UnsafePointer<Float16>) -> SIMD4<Float> {
        SIMD4<Float>(UnsafeRawPointer(pointer).loadUnaligned(as: SIMD4<Float16>.self))
    }
    @inline(__always)
    static func store4(_ value: SIMD4<Float>, _ pointer: UnsafeMutablePointer<Float16>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: SIMD4<Float16>(value), as: SIMD4<Float16>.self)
    }
}
