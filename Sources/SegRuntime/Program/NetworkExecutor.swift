import SegKernels

/// Runs a compiled network over one arena: every kernel configured once at init (weights packed,
/// tables built), tensors at the planned offsets. Each layer is a step of independent work units
/// (output rows, pixel blocks, element blocks), so a pool of threads can share a step; `run`
/// allocates nothing.
///
/// Not thread-safe as a whole: one inference at a time. Within a step, disjoint unit ranges may run
/// on different threads at once, each with its own workspace index.
public final class NetworkExecutor {
    public let program: NetworkProgram
    /// Threads the workspaces are sized for.
    public let threadCount: Int
    /// Scratch bytes each thread gets.
    public let workspaceByteCount: Int

    private let arena: AlignedBuffer
    private let workspaces: AlignedBuffer
    private let steps: [Step]
    /// Source pointer tables of the concat steps.
    private let pointerTable: UnsafeMutablePointer<UnsafePointer<Int8>>
    private let pointerTableCount: Int

    /// Elements per unit of the elementwise steps.
    static let elementBlock = 4096
    /// Pixels per unit of the per-pixel steps.
    static let pixelBlock = 256

    private enum Step {
        case conv(PackedConv2D, UnsafePointer<Int8>, UnsafeMutablePointer<Int8>)
        case transposedConv(PackedTransposedConv2D, UnsafePointer<Int8>, UnsafeMutablePointer<Int8>)
        case maxPool(MaxPool2D, UnsafePointer<Int8>, UnsafeMutablePointer<Int8>)
        case averagePool(AveragePool2D, UnsafePointer<Int8>, UnsafeMutablePointer<Int8>)
        case resizeBilinear(ResizeBilinear, UnsafePointer<Int8>, UnsafeMutablePointer<Int8>)
        case resizeNearest(ResizeNearest, UnsafePointer<Int8>, UnsafeMutablePointer<Int8>)
        case pad(ConstantPad, UnsafePointer<Int8>, UnsafeMutablePointer<Int8>)
        case globalAveragePool(GlobalAveragePool, UnsafePointer<Int8>, UnsafeMutablePointer<Int8>)
        case add(ElementwiseAdd, UnsafePointer<Int8>, UnsafePointer<Int8>, UnsafeMutablePointer<Int8>, count: Int)
        case concat(Concat, UnsafeBufferPointer<UnsafePointer<Int8>>, UnsafeMutablePointer<Int8>, outer: Int)
        case argMax(ChannelArgMax, UnsafePointer<Int8>, UnsafeMutablePointer<UInt8>, pixels: Int)
        case softmax(DequantizedSoftmax, UnsafePointer<Int8>, UnsafeMutablePointer<Float>, pixels: Int)
        case dequantize(UnsafePointer<Int8>, UnsafeMutablePointer<Float>, count: Int, scale: Float, zeroPoint: Int32)
        case quantize(UnsafePointer<Float>, UnsafeMutablePointer<Int8>, count: Int, inverseScale: Float, zeroPoint: Int32)
        case float(FloatStep)
    }

    /// Configures every layer of `program` (offsets planned) over `weights`, the compiled model's
    /// weight section, which must stay valid while the executor lives.
    /// - Throws: `RuntimeError` naming the layer whose kernel refuses its parameters.
    public init(program: NetworkProgram, weights: UnsafeRawBufferPointer, threadCount: Int = 1) throws(RuntimeError) {
        self.program = program
        self.threadCount = max(1, threadCount)
        arena = AlignedBuffer(byteCount: program.arenaByteCount, tailPadding: 0)
        var concatSources = 0
        for layer in program.layers {
            if case .concat = layer.spec { concatSources &+= layer.inputs.count }
        }
        pointerTableCount = max(1, concatSources)
        pointerTable = .allocate(capacity: pointerTableCount)
        var built: [Step] = []
        built.reserveCapacity(program.layers.count)
        var workspace = 0
        var tableUsed = 0
        let base = arena.pointer
        for layer in program.layers {
            let step: Step
            do {
                step = try NetworkExecutor.makeStep(
                    layer, program, base, weights, pointerTable + tableUsed, &tableUsed, &workspace)
            } catch {
                pointerTable.deallocate()
                throw RuntimeError(layer: layer.name, opType: layer.opType, message: error.description)
            }
            built.append(step)
        }
        steps = built
        workspaceByteCount = (workspace + 63) & ~63
        workspaces = AlignedBuffer(byteCount: max(64, workspaceByteCount * self.threadCount))
    }

    deinit { pointerTable.deallocate() }

    /// The start of tensor `id` in the arena.
    public func pointer(_ id: Int) -> UnsafeMutableRawPointer { arena.pointer + program.tensors[id].offset }

    /// The int8 input tensor, to be filled before `run`.
    public var input: UnsafeMutablePointer<Int8> {
        pointer(program.input).assumingMemoryBound(to: Int8.self)
    }

    /// The uint8 class-id mask after `run`.
    public var mask: UnsafePointer<UInt8> {
        UnsafePointer(pointer(program.mask).assumingMemoryBound(to: UInt8.self))
    }

    public var stepCount: Int { steps.count }

    /// Independent work units of step `index`.
    public func unitCount(_ index: Int) -> Int {
        let block = NetworkExecutor.elementBlock, pixelBlock = NetworkExecutor.pixelBlock
        switch steps[index] {
        case let .conv(k, _, _): return k.outputRowCount
        case let .transposedConv(k, _, _): return k.outputRowCount
        case let .maxPool(k, _, _): return k.outputRowCount
        case let .averagePool(k, _, _): return k.outputRowCount
        case let .resizeBilinear(k, _, _): return k.outputRowCount
        case let .resizeNearest(k, _, _): return k.outputRowCount
        case let .pad(k, _, _): return k.outputRowCount
        case let .globalAveragePool(k, _, _): return k.batch
        case let .add(_, _, _, _, count): return (count &+ block &- 1) / block
        case let .concat(_, _, _, outer): return (outer &+ pixelBlock &- 1) / pixelBlock
        case let .argMax(_, _, _, pixels): return (pixels &+ pixelBlock &- 1) / pixelBlock
        case let .softmax(_, _, _, pixels): return (pixels &+ pixelBlock &- 1) / pixelBlock
        case let .dequantize(_, _, count, _, _): return (count &+ block &- 1) / block
        case let .quantize(_, _, count, _, _): return (count &+ block &- 1) / block
        case let .float(step): return step.unitCount
        }
    }

    /// Runs units `units` of step `index` with the workspace of thread `thread`.
    public func run(step index: Int, units: Range<Int>, thread: Int) {
        let workspace = workspaces.pointer + thread &* workspaceByteCount
        let block = NetworkExecutor.elementBlock, pixelBlock = NetworkExecutor.pixelBlock
        switch steps[index] {
        case let .conv(k, i, o): k.run(input: i, output: o, workspace: workspace, outputRows: units)
        case let .transposedConv(k, i, o): k.run(input: i, output: o, workspace: workspace, outputRows: units)
        case let .maxPool(k, i, o): k.run(input: i, output: o, workspace: workspace, outputRows: units)
        case let .averagePool(k, i, o): k.run(input: i, output: o, workspace: workspace, outputRows: units)
        case let .resizeBilinear(k, i, o): k.run(input: i, output: o, workspace: workspace, outputRows: units)
        case let .resizeNearest(k, i, o): k.run(input: i, output: o, outputRows: units)
        case let .pad(k, i, o): k.run(input: i, output: o, outputRows: units)
        case let .globalAveragePool(k, i, o): k.run(input: i, output: o, images: units)
        case let .add(k, a, b, o, count):
            k.run(a: a, b: b, output: o, elements: blockRange(units, block, count))
        case let .concat(k, sources, o, outer):
            k.run(sources: sources, output: o, outer: blockRange(units, pixelBlock, outer))
        case let .argMax(k, i, o, pixels):
            k.run(input: i, output: o, pixels: blockRange(units, pixelBlock, pixels))
        case let .softmax(k, i, o, pixels):
            k.run(input: i, output: o, pixels: blockRange(units, pixelBlock, pixels))
        case let .dequantize(i, o, count, scale, zeroPoint):
            for e in blockRange(units, block, count) { o[e] = scale * Float(Int32(i[e]) &- zeroPoint) }
        case let .quantize(i, o, count, inverseScale, zeroPoint):
            for e in blockRange(units, block, count) { o[e] = quantizeFloat(i[e], inverseScale, zeroPoint) }
        case let .float(step): step.run(units: units)
        }
    }

    /// Runs the whole network on the calling thread.
    public func run() {
        for index in 0..<steps.count { run(step: index, units: 0..<unitCount(index), thread: 0) }
    }

    private func blockRange(_ units: Range<Int>, _ block: Int, _ count: Int) -> Range<Int> {
        units.lowerBound &* block ..< min(count, units.upperBound &* block)
    }

    private static func makeStep(
        _ layer: LayerRecord, _ program: NetworkProgram, _ base: UnsafeMutableRawPointer, _ weights: UnsafeRawBufferPointer,
        _ table: UnsafeMutablePointer<UnsafePointer<Int8>>, _ tableUsed: inout Int, _ workspace: inout Int
    ) throws(KernelConfigurationError) -> Step {
        func raw(_ id: Int) -> UnsafeMutableRawPointer { base + program.tensors[id].offset }
        func int8(_ id: Int) -> UnsafeMutablePointer<Int8> { raw(id).assumingMemoryBound(to: Int8.self) }
        func float(_ id: Int) -> UnsafeMutablePointer<Float> { raw(id).assumingMemoryBound(to: Float.self) }
        let input = layer.inputs.isEmpty ? layer.output : layer.inputs[0]
        let i = UnsafePointer(int8(input)), o = int8(layer.output)
        let inSlot = program.tensors[input], outSlot = program.tensors[layer.output]
        switch layer.spec {
        case let .conv(g, q, w, b):
            let k = try PackedConv2D(g, weights: blob(weights, w, Int8.self), bias: blob(weights, b, Int32.self), quantization: q)
            workspace = max(workspace, k.workspaceByteCount)
            return .conv(k, i, o)
        case let .transposedConv(g, q, w, b):
            let k = try PackedTransposedConv2D(
                g, weights: blob(weights, w, Int8.self), bias: blob(weights, b, Int32.self), quantization: q)
            workspace = max(workspace, k.workspaceByteCount)
            return .transposedConv(k, i, o)
        case let .maxPool(g):
            let k = try MaxPool2D(g)
            workspace = max(workspace, k.workspaceByteCount)
            return .maxPool(k, i, o)
        case let .averagePool(g, countIncludePad, q):
            let k = try AveragePool2D(g, countIncludePad: countIncludePad, quantization: q)
            workspace = max(workspace, k.workspaceByteCount)
            return .averagePool(k, i, o)
        case let .globalAveragePool(q):
            let d = inSlot.dims
            return .globalAveragePool(
                try GlobalAveragePool(batch: d.batch, height: d.height, width: d.width, channels: d.channels, quantization: q), i, o)
        case let .add(q):
            let count = outSlot.dims.elementCount
            return .add(try ElementwiseAdd(count: count, quantization: q), i, UnsafePointer(int8(layer.inputs[1])), o, count: count)
        case let .concat(parts, scale, zeroPoint):
            let outer = outSlot.dims.pixelCount
            for (n, id) in layer.inputs.enumerated() { table[n] = UnsafePointer(int8(id)) }
            tableUsed &+= layer.inputs.count
            let k = try Concat(outerCount: outer, inputs: parts, outputScale: scale, outputZeroPoint: zeroPoint)
            return .concat(k, UnsafeBufferPointer(start: table, count: layer.inputs.count), o, outer: outer)
        case let .resizeBilinear(g, mode):
            let k = try ResizeBilinear(g, coordinateMode: mode)
            workspace = max(workspace, k.workspaceByteCount)
            return .resizeBilinear(k, i, o)
        case let .resizeNearest(g, mode, rounding):
            return .resizeNearest(try ResizeNearest(g, coordinateMode: mode, nearestMode: rounding), i, o)
        case let .pad(top, left, bottom, right, value):
            return .pad(ConstantPad(dims: inSlot.dims, top: top, left: left, bottom: bottom, right: right, value: value), i, o)
        case .argMax:
            let pixels = inSlot.dims.pixelCount
            let k = try ChannelArgMax(pixelCount: pixels, channels: inSlot.dims.channels)
            return .argMax(k, i, raw(layer.output).assumingMemoryBound(to: UInt8.self), pixels: pixels)
        case .softmax:
            let pixels = inSlot.dims.pixelCount, channels = inSlot.dims.channels
            let k = try DequantizedSoftmax(
                pixelCount: pixels, channels: channels, scale: inSlot.scale, pixelStride: channels, channelStride: 1)
            return .softmax(k, i, float(layer.output), pixels: pixels)
        case .dequantize:
            return .dequantize(
                i, float(layer.output), count: inSlot.dims.elementCount, scale: Float(inSlot.scale), zeroPoint: inSlot.zeroPoint)
        case .quantize:
            return .quantize(
                UnsafePointer(float(input)), o, count: outSlot.dims.elementCount, inverseScale: Float(1 / outSlot.scale),
                zeroPoint: outSlot.zeroPoint)
        case let .float(spec):
            let step = try FloatStep(spec, layer: layer, program: program, base: base, weights: weights)
            workspace = max(workspace, step.workspaceByteCount)
            return .float(step)
        }
    }
}

/// `count` elements of `T` at `ref` in the weight section.
func blob<T>(_ weights: UnsafeRawBufferPointer, _ ref: BlobRef, _: T.Type) -> UnsafeBufferPointer<T> {
    UnsafeBufferPointer(start: (weights.baseAddress! + ref.offset).assumingMemoryBound(to: T.self), count: ref.count)
}

/// Float to int8: round half to even, add the zero point, saturate.
@inline(__always)
public func quantizeFloat(_ x: Float, _ inverseScale: Float, _ zeroPoint: Int32) -> Int8 {
    let scaled = (x * inverseScale).rounded(.toNearestOrEven)
    let clamped = min(max(scaled, -128 - Float(zeroPoint)), 127 - Float(zeroPoint))
    return Int8(Int32(clamped) &+ zeroPoint)
}
