import SegKernels

/// A layer kept in float, configured over the arena: the float kernels with the same unit split as
/// the int8 steps (output rows, pixel blocks, element blocks).
final class FloatStep {
    private enum Kind {
        case conv(PackedFloatConv2D)
        case transposedConv(PackedFloatTransposedConv2D)
        case maxPool(Pool2DGeometry)
        case averagePool(Pool2DGeometry, countIncludePad: Bool)
        case globalAveragePool(TensorDims)
        case add(UnsafePointer<Float>, count: Int, lower: Float, upper: Float)
        case concat(pixels: Int)
        case resizeBilinear(ResizeGeometry, ResizeCoordinateMode)
        case resizeNearest(ResizeGeometry, ResizeCoordinateMode, ResizeNearestMode)
        case clamp(count: Int, lower: Float, upper: Float)
        case pad(TensorDims, top: Int, left: Int, bottom: Int, right: Int, value: Float)
        case softmax(pixels: Int, channels: Int)
        case argMax(pixels: Int, channels: Int)
    }

    private let kind: Kind
    private let input: UnsafePointer<Float>
    private let output: UnsafeMutableRawPointer
    private let sources: UnsafeMutablePointer<UnsafePointer<Float>>
    private let channels: UnsafeMutablePointer<Int>
    private let sourceCount: Int
    let workspaceByteCount = 0

    init(
        _ spec: FloatLayerSpec, layer: LayerRecord, program: NetworkProgram, base: UnsafeMutableRawPointer,
        weights: UnsafeRawBufferPointer
    ) throws(KernelConfigurationError) {
        func float(_ id: Int) -> UnsafeMutablePointer<Float> { (base + program.tensors[id].offset).assumingMemoryBound(to: Float.self) }
        let inSlot = program.tensors[layer.inputs[0]], outSlot = program.tensors[layer.output]
        input = UnsafePointer(float(layer.inputs[0]))
        output = base + outSlot.offset
        sourceCount = max(1, layer.inputs.count)
        sources = .allocate(capacity: sourceCount)
        channels = .allocate(capacity: sourceCount)
        for (n, id) in layer.inputs.enumerated() {
            sources[n] = UnsafePointer(float(id))
            channels[n] = program.tensors[id].dims.channels
        }
        let k: Kind
        do {
            switch spec {
            case let .conv(g, w, b, lower, upper):
                k = .conv(try PackedFloatConv2D(
                    g, weights: blob(weights, w, Float.self), bias: blob(weights, b, Float.self), lower: lower, upper: upper))
            case let .transposedConv(g, w, b, lower, upper):
                k = .transposedConv(try PackedFloatTransposedConv2D(
                    g, weights: blob(weights, w, Float.self), bias: blob(weights, b, Float.self), lower: lower, upper: upper))
            case let .maxPool(g): k = .maxPool(g)
            case let .averagePool(g, countIncludePad): k = .averagePool(g, countIncludePad: countIncludePad)
            case .globalAveragePool: k = .globalAveragePool(inSlot.dims)
            case let .add(lower, upper):
                k = .add(UnsafePointer(float(layer.inputs[1])), count: outSlot.dims.elementCount, lower: lower, upper: upper)
            case .concat: k = .concat(pixels: outSlot.dims.pixelCount)
            case let .resizeBilinear(g, mode): k = .resizeBilinear(g, mode)
            case let .resizeNearest(g, mode, rounding): k = .resizeNearest(g, mode, rounding)
            case let .clamp(lower, upper): k = .clamp(count: outSlot.dims.elementCount, lower: lower, upper: upper)
            case let .pad(top, left, bottom, right, value):
                k = .pad(inSlot.dims, top: top, left: left, bottom: bottom, right: right, value: value)
            case .softmax: k = .softmax(pixels: inSlot.dims.pixelCount, channels: inSlot.dims.channels)
            case .argMax: k = .argMax(pixels: inSlot.dims.pixelCount, channels: inSlot.dims.channels)
            }
        } catch {
            sources.deallocate()
            channels.deallocate()
            throw error
        }
        kind = k
    }

    deinit {
        sources.deallocate()
        channels.deallocate()
    }

    var unitCount: Int {
        let block = NetworkExecutor.elementBlock, pixelBlock = NetworkExecutor.pixelBlock
        switch kind {
        case let .conv(k): return k.outputRowCount
        case let .transposedConv(k): return k.outputRowCount
        case let .maxPool(g), let .averagePool(g, _): return g.batch &* g.outputHeight
        case let .globalAveragePool(d): return d.batch
        case let .add(_, count, _, _), let .clamp(count, _, _): return (count &+ block &- 1) / block
        case let .concat(pixels), let .softmax(pixels, _), let .argMax(pixels, _): return (pixels &+ pixelBlock &- 1) / pixelBlock
        case let .resizeBilinear(g, _), let .resizeNearest(g, _, _): return g.batch &* g.outputHeight
        case let .pad(d, top, _, bottom, _, _): return d.batch &* (d.height &+ top &+ bottom)
        }
    }

    func run(units: Range<Int>) {
        let out = output.assumingMemoryBound(to: Float.self)
        let block = NetworkExecutor.elementBlock, pixelBlock = NetworkExecutor.pixelBlock
        func blocks(_ size: Int, _ count: Int) -> Range<Int> { units.lowerBound &* size ..< min(count, units.upperBound &* size) }
        switch kind {
        case let .conv(k): k.run(input: input, output: out, outputRows: units)
        case let .transposedConv(k): k.run(input: input, output: out, outputRows: units)
        case let .maxPool(g): maxPool2dFloat(g, input: input, output: out, outputRows: units)
        case let .averagePool(g, countIncludePad):
            averagePool2dFloat(g, countIncludePad: countIncludePad, input: input, output: out, outputRows: units)
        case let .globalAveragePool(d):
            globalAveragePoolFloat(batch: d.batch, height: d.height, width: d.width, channels: d.channels, input: input, output: out, images: units)
        case let .add(b, count, lower, upper):
            addFloat(input, b, output: out, count: count, lower: lower, upper: upper, elements: blocks(block, count))
        case let .concat(pixels):
            concatFloat(
                inputs: UnsafeBufferPointer(start: sources, count: sourceCount),
                channels: UnsafeBufferPointer(start: channels, count: sourceCount), pixelCount: pixels, output: out,
                pixels: blocks(pixelBlock, pixels))
        case let .resizeBilinear(g, mode):
            resizeBilinearFloat(g, coordinateMode: mode, input: input, output: out, outputRows: units)
        case let .resizeNearest(g, mode, rounding):
            resizeNearestFloat(g, coordinateMode: mode, nearestMode: rounding, input: input, output: out, outputRows: units)
        case let .clamp(count, lower, upper):
            clampFloat(input, output: out, count: count, lower: lower, upper: upper, elements: blocks(block, count))
        case let .pad(d, top, left, bottom, right, value):
            padFloat(
                batch: d.batch, inputHeight: d.height, inputWidth: d.width, channels: d.channels, top: top, left: left,
                bottom: bottom, right: right, value: value, input: input, output: out, outputRows: units)
        case let .softmax(pixels, c):
            softmaxFloat(pixelCount: pixels, channels: c, input: input, output: out, pixels: blocks(pixelBlock, pixels))
        case let .argMax(pixels, c):
            argMaxFloat(
                pixelCount: pixels, channels: c, input: input, output: output.assumingMemoryBound(to: UInt8.self),
                pixels: blocks(pixelBlock, pixels))
        }
    }
}
