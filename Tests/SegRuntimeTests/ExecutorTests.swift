import CAllocationCounter
import SegKernels
import SegRuntime
import Testing

/// A small int8 network built by hand: conv 3x3 (pad 1, ReLU) -> max-pool 2x2 -> bilinear x2 ->
/// concat with the conv output (requantized) -> conv 1x1 -> argmax, with random weights.
struct HandNetwork {
    var program: NetworkProgram
    var weights: [UInt8]
    var conv1Weights: [Int8], conv1Bias: [Int32], conv1Geometry: Conv2DGeometry, conv1Quantization: ConvQuantization
    var conv2Weights: [Int8], conv2Bias: [Int32], conv2Geometry: Conv2DGeometry, conv2Quantization: ConvQuantization

    init(seed: UInt64, height: Int = 10, width: Int = 14) throws {
        var rng = TestRandom(seed)
        let cin = 5, c1 = 12, classes = 7
        conv1Geometry = Conv2DGeometry(
            inputHeight: height, inputWidth: width, inputChannels: cin, outputChannels: c1, kernelHeight: 3, kernelWidth: 3,
            padTop: 1, padLeft: 1, padBottom: 1, padRight: 1)
        conv1Weights = (0..<conv1Geometry.weightElementCount).map { _ in rng.int8(in: -127...127) }
        conv1Bias = (0..<c1).map { _ in Int32(rng.int8(in: -100...100)) * 37 }
        conv1Quantization = ConvQuantization(
            inputZeroPoint: -3, multipliers: try (0..<c1).map { c in try QuantizedMultiplier(scale: 0.0011 + 0.0001 * Double(c)) },
            output: OutputQuantization(zeroPoint: -20, minimum: -20, maximum: 127))
        let pool = Pool2DGeometry(inputHeight: height, inputWidth: width, channels: c1, kernelHeight: 2, kernelWidth: 2, strideHeight: 2, strideWidth: 2)
        let resize = ResizeGeometry(inputHeight: pool.outputHeight, inputWidth: pool.outputWidth, channels: c1, outputHeight: height, outputWidth: width)
        conv2Geometry = Conv2DGeometry(
            inputHeight: height, inputWidth: width, inputChannels: 2 * c1, outputChannels: classes, kernelHeight: 1, kernelWidth: 1)
        conv2Weights = (0..<conv2Geometry.weightElementCount).map { _ in rng.int8(in: -127...127) }
        conv2Bias = (0..<classes).map { _ in Int32(rng.int8(in: -100...100)) }
        conv2Quantization = ConvQuantization(
            inputZeroPoint: 5, multipliers: [try QuantizedMultiplier(scale: 0.0023)], output: OutputQuantization(zeroPoint: 2))

        var section: [UInt8] = []
        func append<T: FixedWidthInteger>(_ values: [T]) -> BlobRef {
            while section.count % 64 != 0 { section.append(0) }
            let ref = BlobRef(offset: section.count, count: values.count)
            for v in values { withUnsafeBytes(of: v.littleEndian) { section.append(contentsOf: $0) } }
            return ref
        }
        let w1 = append(conv1Weights), b1 = append(conv1Bias), w2 = append(conv2Weights), b2 = append(conv2Bias)
        weights = section
        func dims(_ c: Int, _ h: Int = height, _ w: Int = width) -> TensorDims { TensorDims(batch: 1, height: h, width: w, channels: c) }
        let tensors = [
            TensorSlot(name: "input", dims: dims(cin), elementType: .int8, scale: 0.02, zeroPoint: -3),
            TensorSlot(name: "conv1", dims: dims(c1), elementType: .int8, scale: 0.05, zeroPoint: -20),
            TensorSlot(name: "pool", dims: dims(c1, pool.outputHeight, pool.outputWidth), elementType: .int8, scale: 0.05, zeroPoint: -20),
            TensorSlot(name: "up", dims: dims(c1), elementType: .int8, scale: 0.05, zeroPoint: -20),
            TensorSlot(name: "cat", dims: dims(2 * c1), elementType: .int8, scale: 0.07, zeroPoint: 5),
            TensorSlot(name: "logits", dims: dims(classes), elementType: .int8, scale: 0.1, zeroPoint: 2),
            TensorSlot(name: "mask", dims: dims(1), elementType: .uint8),
        ]
        let layers = [
            LayerRecord(name: "conv1", opType: "Conv", spec: .conv(conv1Geometry, conv1Quantization, weights: w1, bias: b1), inputs: [0], output: 1),
            LayerRecord(name: "pool", opType: "MaxPool", spec: .maxPool(pool), inputs: [1], output: 2),
            LayerRecord(name: "up", opType: "Resize", spec: .resizeBilinear(resize, .halfPixel), inputs: [2], output: 3),
            LayerRecord(
                name: "cat", opType: "Concat",
                spec: .concat([ConcatInput(chunk: c1, scale: 0.05, zeroPoint: -20), ConcatInput(chunk: c1, scale: 0.05, zeroPoint: -20)],
                              outputScale: 0.07, outputZeroPoint: 5),
                inputs: [3, 1], output: 4),
            LayerRecord(name: "conv2", opType: "Conv", spec: .conv(conv2Geometry, conv2Quantization, weights: w2, bias: b2), inputs: [4], output: 5),
            LayerRecord(name: "argmax", opType: "ArgMax", spec: .argMax, inputs: [5], output: 6),
        ]
        program = NetworkProgram(
            tensors: tensors, layers: layers, input: 0, mask: 6, logits: 5, classNames: (0..<classes).map { "c\($0)" },
            mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25], modelName: "hand", quantizationSummary: "test")
        ArenaPlanner.plan(&program)
    }

    /// The file bytes of this network.
    var fileBytes: [UInt8] {
        var writer = ModelFileWriter(engineVersion: SegEngine.version)
        writer.append(tag: CompiledModelSections.program, bytes: ProgramCodec.encode(program))
        writer.append(tag: CompiledModelSections.weights, bytes: weights)
        return writer.serialize()
    }

    /// The mask and logits computed layer by layer with the scalar references.
    func reference(_ input: [Int8]) -> (mask: [UInt8], logits: [Int8]) {
        let t = program.tensors
        let conv1 = AlignedBuffer(byteCount: t[1].byteCount), pooled = AlignedBuffer(byteCount: t[2].byteCount)
        let up = AlignedBuffer(byteCount: t[3].byteCount), cat = AlignedBuffer(byteCount: t[4].byteCount)
        let logits = AlignedBuffer(byteCount: t[5].byteCount)
        var mask = [UInt8](repeating: 0, count: t[6].byteCount)
        let i8 = { (b: AlignedBuffer, n: Int) in b.pointer.bindMemory(to: Int8.self, capacity: n) }
        input.withUnsafeBufferPointer { x in
            conv2dReference(conv1Geometry, input: x.baseAddress!, weights: conv1Weights, bias: conv1Bias, quantization: conv1Quantization,
                            output: i8(conv1, t[1].byteCount))
        }
        if case let .maxPool(g) = program.layers[1].spec { maxPool2dReference(g, input: i8(conv1, t[1].byteCount), output: i8(pooled, t[2].byteCount)) }
        if case let .resizeBilinear(g, mode) = program.layers[2].spec {
            resizeBilinearReference(g, coordinateMode: mode, input: i8(pooled, t[2].byteCount), output: i8(up, t[3].byteCount))
        }
        if case let .concat(parts, scale, zp) = program.layers[3].spec {
            let sources = [UnsafePointer(i8(up, t[3].byteCount)), UnsafePointer(i8(conv1, t[1].byteCount))]
            sources.withUnsafeBufferPointer {
                concatReference(outerCount: t[4].dims.pixelCount, inputs: parts, outputScale: scale, outputZeroPoint: zp, sources: $0,
                                output: i8(cat, t[4].byteCount))
            }
        }
        conv2dReference(conv2Geometry, input: i8(cat, t[4].byteCount), weights: conv2Weights, bias: conv2Bias,
                        quantization: conv2Quantization, output: i8(logits, t[5].byteCount))
        argMaxReference(input: i8(logits, t[5].byteCount), pixelCount: t[6].byteCount, channels: t[5].dims.channels, output: &mask)
        return (mask, Array(UnsafeBufferPointer(start: i8(logits, t[5].byteCount), count: t[5].byteCount)))
    }
}

/// SplitMix64, for reproducible test data.
struct TestRandom {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func int8(in range: ClosedRange<Int8>) -> Int8 {
        Int8(Int(range.lowerBound) + Int(next() % UInt64(Int(range.upperBound) - Int(range.lowerBound) + 1)))
    }
}

@Suite struct ExecutorTests {
    @Test(arguments: [1, 2, 3] as [UInt64])
    func matchesTheScalarReferencesLayerByLayer(seed: UInt64) throws {
        let network = try HandNetwork(seed: seed)
        let model = try CompiledModel(copying: network.fileBytes)
        #expect(model.program == network.program)
        let executor = try model.makeExecutor()
        var rng = TestRandom(seed &+ 100)
        let input = (0..<network.program.tensors[0].byteCount).map { _ in rng.int8(in: -128...127) }
        executor.input.update(from: input, count: input.count)
        executor.run()
        let expected = network.reference(input)
        let logits = executor.pointer(network.program.logits).assumingMemoryBound(to: Int8.self)
        let sameMask = Array(UnsafeBufferPointer(start: executor.mask, count: expected.mask.count)) == expected.mask
        let sameLogits = Array(UnsafeBufferPointer(start: logits, count: expected.logits.count)) == expected.logits
        #expect(sameMask && sameLogits, "mask equal: \(sameMask), logits equal: \(sameLogits)")
        // The mask is not trivially constant: the test would not notice a broken argmax otherwise.
        #expect(Set(expected.mask).count > 1)
    }

    @Test func threadsGiveTheSameBits() throws {
        let network = try HandNetwork(seed: 9, height: 33, width: 41)
        let model = try CompiledModel(copying: network.fileBytes)
        var rng = TestRandom(77)
        let input = (0..<network.program.tensors[0].byteCount).map { _ in rng.int8(in: -128...127) }
        let single = try model.makeExecutor()
        single.input.update(from: input, count: input.count)
        single.run()
        for threads in [2, 3, 4] {
            let executor = try model.makeExecutor(threads: threads)
            let pool = WorkerPool(executor: executor, threadCount: threads)
            executor.input.update(from: input, count: input.count)
            for _ in 0..<3 { pool.run() }
            let n = network.program.tensors[network.program.mask].byteCount
            let same = Array(UnsafeBufferPointer(start: executor.mask, count: n)) == Array(UnsafeBufferPointer(start: single.mask, count: n))
            #expect(same, "\(threads) threads give another mask")
        }
    }

    @Test func inferenceAllocatesNothing() throws {
        let network = try HandNetwork(seed: 4, height: 24, width: 30)
        let model = try CompiledModel(copying: network.fileBytes)
        let executor = try model.makeExecutor(threads: 2)
        let pool = WorkerPool(executor: executor, threadCount: 2)
        pool.run()
        let before = allocation_counter_thread_allocations()
        executor.run()
        pool.run()
        #expect(allocation_counter_thread_allocations() - before == 0)
        // Worker threads are not counted per thread; the process count sees the tests running
        // alongside too, so some run within 30 s must see no allocation at all (an allocating pool
        // would allocate on every run).
        var quiet = false
        let deadline = ContinuousClock.now + .seconds(30)
        while !quiet && ContinuousClock.now < deadline {
            let start = allocation_counter_process_allocations()
            pool.run()
            quiet = allocation_counter_process_allocations() == start
        }
        #expect(quiet)
    }

    @Test func arenaNeverOverlapsLiveTensors() throws {
        let network = try HandNetwork(seed: 5)
        let p = network.program
        // Live ranges as the planner defines them.
        var first = [Int](repeating: Int.max, count: p.tensors.count), last = [Int](repeating: -1, count: p.tensors.count)
        first[p.input] = -1
        for (i, layer) in p.layers.enumerated() {
            first[layer.output] = min(first[layer.output], i)
            for input in layer.inputs { last[input] = max(last[input], i) }
        }
        last[p.mask] = p.layers.count
        last[p.logits] = p.layers.count
        last[p.input] = p.layers.count
        for a in p.tensors.indices {
            for b in p.tensors.indices where a < b {
                let liveTogether = first[a] <= max(last[b], first[b]) && first[b] <= max(last[a], first[a])
                let ta = p.tensors[a], tb = p.tensors[b]
                let overlap = ta.offset < tb.offset + ArenaPlanner.reservedBytes(tb) && tb.offset < ta.offset + ArenaPlanner.reservedBytes(ta)
                #expect(!(liveTogether && overlap), "\(ta.name) and \(tb.name) overlap while both live")
            }
            #expect(p.tensors[a].offset % 64 == 0)
        }
        #expect(p.arenaByteCount < p.unsharedTensorBytes)
    }

    @Test func corruptProgramsAreRefused() throws {
        var network = try HandNetwork(seed: 6)
        network.program.layers[1].inputs = [42]
        #expect(throws: ModelFileError.self) { try CompiledModel(copying: network.fileBytes) }
        var wrongType = try HandNetwork(seed: 6)
        wrongType.program.tensors[1].elementType = .float32
        ArenaPlanner.plan(&wrongType.program)
        #expect(throws: ModelFileError.malformed("layer 0 \"conv1\" (Conv): output has the wrong element type")) {
            try CompiledModel(copying: wrongType.fileBytes)
        }
        var badBlob = try HandNetwork(seed: 6)
        badBlob.weights.removeLast(64)
        #expect(throws: ModelFileError.self) { try CompiledModel(copying: badBlob.fileBytes) }
        var otherEngine = ModelFileWriter(engineVersion: SegEngine.version + 1)
        otherEngine.append(tag: CompiledModelSections.program, bytes: ProgramCodec.encode(network.program))
        otherEngine.append(tag: CompiledModelSections.weights, bytes: network.weights)
        #expect(throws: ModelFileError.engineVersionMismatch(compiledBy: SegEngine.version + 1, running: SegEngine.version)) {
            try CompiledModel(copying: otherEngine.serialize())
        }
    }
}
