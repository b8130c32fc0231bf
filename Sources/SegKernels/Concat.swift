/// One input of a concatenation: how many contiguous elements it contributes per outer index, and
/// how its int8 values map to real numbers.
///
/// Concatenating NHWC tensors along an axis is `outerCount` repetitions of each input's chunk in
/// turn: along channels `outerCount = N * H * W` and `chunk = C_i`; along width
/// `outerCount = N * H` and `chunk = W_i * C`; along height `outerCount = N` and `chunk = H_i * W * C`.
public struct ConcatInput: Equatable, Sendable {
    /// Elements per outer index.
    public var chunk: Int
    /// Real value of one step; finite and positive.
    public var scale: Double
    public var zeroPoint: Int32

    public init(chunk: Int, scale: Double, zeroPoint: Int32) {
        self.chunk = chunk
        self.scale = scale
        self.zeroPoint = zeroPoint
    }
}

/// Plain scalar concatenation with requantization: the definition `Concat` matches bit for bit.
///
/// Output `[outerCount][sum of chunks]`; input `i` (`sources[i]`, `[outerCount][inputs[i].chunk]`)
/// fills its chunk of every output row with
/// `requantize(x - zeroPoint, QuantizedMultiplier(scale: scale / outputScale), OutputQuantization(zeroPoint: outputZeroPoint))`.
/// For an input with the output's scale and zero point that is exactly `x` (the multiplier of 1 is
/// exact). Allocates nothing; the parameters must be valid (as `Concat` checks).
public func concatReference(
    outerCount: Int, inputs: [ConcatInput], outputScale: Double, outputZeroPoint: Int32,
    sources: UnsafeBufferPointer<UnsafePointer<Int8>>, output: UnsafeMutablePointer<Int8>
) {
    var total = 0
    for input in inputs { total += input.chunk }
    let clamp = OutputQuantization(zeroPoint: outputZeroPoint)
    var offset = 0
    for (i, input) in inputs.enumerated() {
        let multiplier = try! QuantizedMultiplier(scale: input.scale / outputScale)
        for o in 0..<outerCount {
            for j in 0..<input.chunk {
                let x = sources[i][o * input.chunk + j]
                output[o * total + offset + j] = requantize(Int32(x) - input.zeroPoint, multiplier, clamp)
            }
        }
        offset += input.chunk
    }
}

/// Concatenation of 2...16 int8 tensors along any axis (see `ConcatInput`), each requantized from
/// its own scale and zero point to the output's; an input already quantized like the output is
/// copied.
///
/// Sixteen elements per step. Immutable after init: `run` may be called from several threads at
/// once on disjoint `outer` ranges. `run` allocates nothing and checks nothing.
public final class Concat {
    public let outerCount: Int
    public let inputs: [ConcatInput]
    public let outputScale: Double
    public let outputZeroPoint: Int32
    /// Output elements per outer index: the sum of the chunks.
    public let outputChunk: Int

    private struct Part {
        var chunk: Int
        var offset: Int
        var zeroPoint: Int32
        var multiplier: QuantizedMultiplier
        var copies: Bool
    }

    private let partStorage: AlignedBuffer
    private let parts: UnsafeMutablePointer<Part>

    /// - Throws: `KernelConfigurationError` naming the parameter the kernel cannot take
    ///   (`inputs[2].scale`, for example).
    public init(outerCount: Int, inputs: [ConcatInput], outputScale: Double, outputZeroPoint: Int32) throws(KernelConfigurationError) {
        try require(outerCount >= 1, "outerCount", "must be at least 1, got \(outerCount)")
        try require((2...16).contains(inputs.count), "inputs", "needs 2...16 tensors, got \(inputs.count)")
        try require(outputScale.isFinite && outputScale > 0, "outputScale", "must be finite and positive, got \(outputScale)")
        try require((-128...127).contains(outputZeroPoint), "outputZeroPoint", "must be in -128...127, got \(outputZeroPoint)")
        partStorage = AlignedBuffer(byteCount: inputs.count * MemoryLayout<Part>.stride)
        parts = partStorage.pointer.bindMemory(to: Part.self, capacity: inputs.count)
        var offset = 0
        for (i, input) in inputs.enumerated() {
            let name = "inputs[\(i)]"
            try require(input.chunk >= 1, name + ".chunk", "must be at least 1, got \(input.chunk)")
            try require(input.scale.isFinite && input.scale > 0, name + ".scale", "must be finite and positive, got \(input.scale)")
            try require((-128...127).contains(input.zeroPoint), name + ".zeroPoint", "must be in -128...127, got \(input.zeroPoint)")
            let multiplier: QuantizedMultiplier
            do {
                multiplier = try QuantizedMultiplier(scale: input.scale / outputScale)
            } catch {
                throw KernelConfigurationError(name + ".scale", "scale / outputScale \(error.reason)")
            }
            let copies = input.scale == outputScale && input.zeroPoint == outputZeroPoint
            (parts + i).initialize(
                to: Part(chunk: input.chunk, offset: offset, zeroPoint: input.zeroPoint, multiplier: multiplier, copies: copies))
            offset += input.chunk
        }
        self.outerCount = outerCount
        self.inputs = inputs
        self.outputScale = outputScale
        self.outputZeroPoint = outputZeroPoint
        outputChunk = offset
    }

    /// Concatenates `sources` (one pointer per input, in order, each with
    /// `AlignedBuffer.kernelTailPadding` readable bytes after it) into `output`, which must not
    /// overlap them; all outer indices.
    public func run(sources: UnsafeBufferPointer<UnsafePointer<Int8>>, output: UnsafeMutablePointer<Int8>) {
        run(sources: sources, output: output, outer: 0..<outerCount)
    }

    /// Computes only the outer indices `outer`.
    public func run(sources: UnsafeBufferPointer<UnsafePointer<Int8>>, output: UnsafeMutablePointer<Int8>, outer: Range<Int>) {
        let clamp = OutputQuantization(zeroPoint: outputZeroPoint)
        let rows = outer.count, stride = outputChunk
        for i in 0..<inputs.count {
            let part = parts[i]
            let chunk = part.chunk
            var from = UnsafeRawPointer(sources[i]) + outer.lowerBound &* chunk
            var to = UnsafeMutableRawPointer(output) + (outer.lowerBound &* stride &+ part.offset)
            if part.copies {
                var o = 0
                while o < rows {
                    to.copyMemory(from: from, byteCount: chunk)
                    from += chunk
                    to += stride
                    o &+= 1
                }
                continue
            }
            let requantizer = UniformRequantizer(part.multiplier, clamp)
            let zeroPoint = SIMD8<Int32>(repeating: part.zeroPoint)
            var o = 0
            while o < rows {
                var j = 0
                while j < chunk {
                    let v = (from + j).loadUnaligned(as: SIMD16<Int8>.self)
                    let result = requantizer(
                        SIMD8<Int32>(signExtending: v.lowHalf) &- zeroPoint, SIMD8<Int32>(signExtending: v.highHalf) &- zeroPoint)
                    if j &+ 16 <= chunk {
                        to.storeBytes(of: result, toByteOffset: j, as: SIMD16<Int8>.self)
                    } else {
                        storeLeading(result, count: chunk &- j, to: to + j)
                    }
                    j &+= 16
                }
                from += chunk
                to += stride
                o &+= 1
            }
        }
    }
}
