import SegKernels

/// The sections of a compiled model: `PROG` (the program, encoded here) and `WGTS` (the weight
/// blobs the layers reference, each 64-byte aligned, used in place).
public enum CompiledModelSections {
    public static let program: FourCharacterCode = "PROG"
    public static let weights: FourCharacterCode = "WGTS"
}

/// The version of the int8 layouts, the program encoding, the kernels' arithmetic and the compiler's
/// calibration (photo preprocessing included): recorded in every compiled model, which only this engine
/// version loads, and part of the cache key, so a cached model made by other code is recompiled.
/// 2: photos are resized as Pillow's antialiased BILINEAR (was: bilinear without antialiasing).
public enum SegEngine {
    public static let version: UInt32 = 2
}

/// Encodes a `NetworkProgram` as the `PROG` section and decodes it, checking every tensor id,
/// enum value and weight reference against the file, so that a corrupt or crafted file is refused
/// with `ModelFileError.malformed` instead of trapping later.
public enum ProgramCodec {
    public static func encode(_ program: NetworkProgram) -> [UInt8] {
        var w = ByteWriter()
        w.write(program.modelName)
        w.write(program.quantizationSummary)
        w.write(program.classNames)
        w.write(program.mean)
        w.write(program.std)
        for value in [program.input, program.mask, program.logits, program.arenaByteCount] { w.write(Int64(value)) }
        w.write(UInt32(program.tensors.count))
        for t in program.tensors {
            w.write(t.name)
            for value in [t.dims.batch, t.dims.height, t.dims.width, t.dims.channels] { w.write(Int64(value)) }
            w.write(t.elementType.rawValue)
            w.write(t.scale)
            w.write(t.zeroPoint)
            w.write(Int64(t.offset))
        }
        w.write(UInt32(program.layers.count))
        for layer in program.layers {
            w.write(layer.name)
            w.write(layer.opType)
            w.write(layer.inputs.map { Int64($0) })
            w.write(Int64(layer.output))
            encode(layer.spec, &w)
        }
        return w.bytes
    }

    /// Decodes a `PROG` section; `weightBytes` is the size of the `WGTS` section.
    public static func decode(_ bytes: UnsafeRawBufferPointer, weightBytes: Int) throws(ModelFileError) -> NetworkProgram {
        var r = ByteReader(bytes)
        let modelName: String = try r.read()
        let summary: String = try r.read()
        let classes: [String] = try r.read()
        let mean: [Float] = try r.read()
        let std: [Float] = try r.read()
        guard mean.count == 3, std.count == 3 else { throw .malformed("mean and std need 3 values each") }
        let input = try int(&r), mask = try int(&r), logits = try int(&r), arena = try int(&r)
        let tensorCount = Int(try r.read(UInt32.self))
        try r.require(tensorCount)
        var tensors: [TensorSlot] = []
        for index in 0..<tensorCount {
            let name: String = try r.read()
            let dims = TensorDims(batch: try int(&r), height: try int(&r), width: try int(&r), channels: try int(&r))
            guard let type = ElementType(rawValue: try r.read()) else { throw .malformed("tensor \(index): unknown element type") }
            let scale: Double = try r.read()
            let zeroPoint: Int32 = try r.read()
            let offset = try int(&r)
            let slot = TensorSlot(name: name, dims: dims, elementType: type, scale: scale, zeroPoint: zeroPoint, offset: offset)
            guard dims.batch >= 1, dims.height >= 1, dims.width >= 1, dims.channels >= 1,
                dims.batch <= 1 << 16, dims.height <= 1 << 16, dims.width <= 1 << 16, dims.channels <= 1 << 16,
                offset >= 0, offset % 64 == 0, offset + ArenaPlanner.reservedBytes(slot) <= arena
            else { throw .malformed("tensor \(index) \"\(name)\": shape or offset outside the arena") }
            guard scale.isFinite, scale > 0, (-128...127).contains(zeroPoint) else {
                throw .malformed("tensor \(index) \"\(name)\": bad scale or zero point")
            }
            tensors.append(slot)
        }
        for id in [input, mask, logits] where !(0..<tensorCount).contains(id) { throw .malformed("tensor id \(id) out of range") }
        let layerCount = Int(try r.read(UInt32.self))
        try r.require(layerCount)
        var layers: [LayerRecord] = []
        for index in 0..<layerCount {
            let name: String = try r.read()
            let opType: String = try r.read()
            let inputs: [Int64] = try r.read()
            let output = try int(&r)
            let spec = try decodeSpec(&r, weightBytes: weightBytes, layer: index)
            for id in inputs.map({ Int($0) }) + [output] where !(0..<tensorCount).contains(id) {
                throw .malformed("layer \(index) \"\(name)\": tensor id \(id) out of range")
            }
            guard !inputs.isEmpty else { throw .malformed("layer \(index) \"\(name)\": no inputs") }
            layers.append(LayerRecord(name: name, opType: opType, spec: spec, inputs: inputs.map { Int($0) }, output: output))
        }
        let program = NetworkProgram(
            tensors: tensors, layers: layers, input: input, mask: mask, logits: logits, arenaByteCount: arena,
            classNames: classes, mean: mean, std: std, modelName: modelName, quantizationSummary: summary)
        try ProgramValidation.check(program)
        return program
    }

    private static func int(_ r: inout ByteReader) throws(ModelFileError) -> Int {
        let value: Int64 = try r.read()
        guard value >= 0, value <= Int64(Int32.max) else { throw .malformed("value \(value) out of range") }
        return Int(value)
    }

    private static func signed(_ r: inout ByteReader) throws(ModelFileError) -> Int {
        let value: Int64 = try r.read()
        guard value >= Int64(Int32.min), value <= Int64(Int32.max) else { throw .malformed("value \(value) out of range") }
        return Int(value)
    }

    // MARK: - Layer specs

    private enum Tag: UInt8 {
        case conv = 1, transposedConv, maxPool, averagePool, globalAveragePool, add, concat, resizeBilinear, resizeNearest
        case argMax, softmax, dequantize, quantize, pad
        case floatConv = 32, floatTransposedConv, floatMaxPool, floatAveragePool, floatGlobalAveragePool, floatAdd
        case floatConcat, floatResizeBilinear, floatResizeNearest, floatClamp, floatSoftmax, floatArgMax, floatPad
    }

    private static func encode(_ spec: LayerSpec, _ w: inout ByteWriter) {
        switch spec {
        case let .conv(g, q, weights, bias):
            w.write(Tag.conv.rawValue); put(g, &w); put(q, &w); put(weights, &w); put(bias, &w)
        case let .transposedConv(g, q, weights, bias):
            w.write(Tag.transposedConv.rawValue); put(g, &w); put(q, &w); put(weights, &w); put(bias, &w)
        case let .maxPool(g): w.write(Tag.maxPool.rawValue); put(g, &w)
        case let .averagePool(g, countIncludePad, q):
            w.write(Tag.averagePool.rawValue); put(g, &w); w.write(UInt8(countIncludePad ? 1 : 0)); put(q, &w)
        case let .globalAveragePool(q): w.write(Tag.globalAveragePool.rawValue); put(q, &w)
        case let .add(q):
            w.write(Tag.add.rawValue)
            w.write(q.aScale); w.write(q.aZeroPoint); w.write(q.bScale); w.write(q.bZeroPoint); w.write(q.outputScale)
            put(q.output, &w)
        case let .concat(parts, scale, zeroPoint):
            w.write(Tag.concat.rawValue)
            w.write(UInt32(parts.count))
            for p in parts { w.write(Int64(p.chunk)); w.write(p.scale); w.write(p.zeroPoint) }
            w.write(scale); w.write(zeroPoint)
        case let .resizeBilinear(g, mode): w.write(Tag.resizeBilinear.rawValue); put(g, &w); w.write(code(mode))
        case let .resizeNearest(g, mode, rounding):
            w.write(Tag.resizeNearest.rawValue); put(g, &w); w.write(code(mode)); w.write(code(rounding))
        case let .pad(top, left, bottom, right, value):
            w.write(Tag.pad.rawValue); put([top, left, bottom, right], &w); w.write(value)
        case .argMax: w.write(Tag.argMax.rawValue)
        case .softmax: w.write(Tag.softmax.rawValue)
        case .dequantize: w.write(Tag.dequantize.rawValue)
        case .quantize: w.write(Tag.quantize.rawValue)
        case let .float(f):
            switch f {
            case let .conv(g, weights, bias, lower, upper):
                w.write(Tag.floatConv.rawValue); put(g, &w); put(weights, &w); put(bias, &w); w.write(lower); w.write(upper)
            case let .transposedConv(g, weights, bias, lower, upper):
                w.write(Tag.floatTransposedConv.rawValue); put(g, &w); put(weights, &w); put(bias, &w); w.write(lower); w.write(upper)
            case let .maxPool(g): w.write(Tag.floatMaxPool.rawValue); put(g, &w)
            case let .averagePool(g, countIncludePad):
                w.write(Tag.floatAveragePool.rawValue); put(g, &w); w.write(UInt8(countIncludePad ? 1 : 0))
            case .globalAveragePool: w.write(Tag.floatGlobalAveragePool.rawValue)
            case let .add(lower, upper): w.write(Tag.floatAdd.rawValue); w.write(lower); w.write(upper)
            case .concat: w.write(Tag.floatConcat.rawValue)
            case let .resizeBilinear(g, mode): w.write(Tag.floatResizeBilinear.rawValue); put(g, &w); w.write(code(mode))
            case let .resizeNearest(g, mode, rounding):
                w.write(Tag.floatResizeNearest.rawValue); put(g, &w); w.write(code(mode)); w.write(code(rounding))
            case let .clamp(lower, upper): w.write(Tag.floatClamp.rawValue); w.write(lower); w.write(upper)
            case let .pad(top, left, bottom, right, value):
                w.write(Tag.floatPad.rawValue); put([top, left, bottom, right], &w); w.write(value)
            case .softmax: w.write(Tag.floatSoftmax.rawValue)
            case .argMax: w.write(Tag.floatArgMax.rawValue)
            }
        }
    }

    private static func decodeSpec(_ r: inout ByteReader, weightBytes: Int, layer: Int) throws(ModelFileError) -> LayerSpec {
        let raw: UInt8 = try r.read()
        guard let tag = Tag(rawValue: raw) else { throw .malformed("layer \(layer): unknown layer kind \(raw)") }
        func blob(_ size: Int) throws(ModelFileError) -> BlobRef {
            let ref = BlobRef(offset: try int(&r), count: try int(&r))
            guard ref.offset % 64 == 0, ref.offset + ref.count * size <= weightBytes else {
                throw .malformed("layer \(layer): weight blob at \(ref.offset) (\(ref.count) x \(size) bytes) outside the weight section")
            }
            return ref
        }
        switch tag {
        case .conv: return .conv(try conv(&r), try quantization(&r), weights: try blob(1), bias: try blob(4))
        case .transposedConv: return .transposedConv(try transposed(&r), try quantization(&r), weights: try blob(1), bias: try blob(4))
        case .maxPool: return .maxPool(try pool(&r))
        case .averagePool:
            return .averagePool(try pool(&r), countIncludePad: try r.read(UInt8.self) != 0, try averageQuantization(&r))
        case .globalAveragePool: return .globalAveragePool(try averageQuantization(&r))
        case .add:
            return .add(ElementwiseAddQuantization(
                aScale: try r.read(), aZeroPoint: try r.read(), bScale: try r.read(), bZeroPoint: try r.read(),
                outputScale: try r.read(), output: try output(&r)))
        case .concat:
            let count = Int(try r.read(UInt32.self))
            try r.require(count)
            var parts: [ConcatInput] = []
            for _ in 0..<count { parts.append(ConcatInput(chunk: try int(&r), scale: try r.read(), zeroPoint: try r.read())) }
            return .concat(parts, outputScale: try r.read(), outputZeroPoint: try r.read())
        case .resizeBilinear: return .resizeBilinear(try resize(&r), try coordinateMode(&r))
        case .resizeNearest: return .resizeNearest(try resize(&r), try coordinateMode(&r), try nearestMode(&r))
        case .pad: return .pad(top: try int(&r), left: try int(&r), bottom: try int(&r), right: try int(&r), value: try r.read())
        case .argMax: return .argMax
        case .softmax: return .softmax
        case .dequantize: return .dequantize
        case .quantize: return .quantize
        case .floatConv:
            return .float(.conv(try conv(&r), weights: try blob(4), bias: try blob(4), lower: try r.read(), upper: try r.read()))
        case .floatTransposedConv:
            return .float(.transposedConv(try transposed(&r), weights: try blob(4), bias: try blob(4), lower: try r.read(), upper: try r.read()))
        case .floatMaxPool: return .float(.maxPool(try pool(&r)))
        case .floatAveragePool: return .float(.averagePool(try pool(&r), countIncludePad: try r.read(UInt8.self) != 0))
        case .floatGlobalAveragePool: return .float(.globalAveragePool)
        case .floatAdd: return .float(.add(lower: try r.read(), upper: try r.read()))
        case .floatConcat: return .float(.concat)
        case .floatResizeBilinear: return .float(.resizeBilinear(try resize(&r), try coordinateMode(&r)))
        case .floatResizeNearest: return .float(.resizeNearest(try resize(&r), try coordinateMode(&r), try nearestMode(&r)))
        case .floatClamp: return .float(.clamp(lower: try r.read(), upper: try r.read()))
        case .floatPad:
            return .float(.pad(top: try int(&r), left: try int(&r), bottom: try int(&r), right: try int(&r), value: try r.read()))
        case .floatSoftmax: return .float(.softmax)
        case .floatArgMax: return .float(.argMax)
        }
    }

    // MARK: - Parameter encodings

    private static func put(_ ref: BlobRef, _ w: inout ByteWriter) { w.write(Int64(ref.offset)); w.write(Int64(ref.count)) }

    private static func put(_ values: [Int], _ w: inout ByteWriter) { for v in values { w.write(Int64(v)) } }

    private static func put(_ g: Conv2DGeometry, _ w: inout ByteWriter) {
        put([g.batch, g.inputHeight, g.inputWidth, g.inputChannels, g.outputChannels, g.kernelHeight, g.kernelWidth,
             g.strideHeight, g.strideWidth, g.dilationHeight, g.dilationWidth, g.padTop, g.padLeft, g.padBottom, g.padRight, g.groups], &w)
    }

    private static func conv(_ r: inout ByteReader) throws(ModelFileError) -> Conv2DGeometry {
        Conv2DGeometry(
            batch: try int(&r), inputHeight: try int(&r), inputWidth: try int(&r), inputChannels: try int(&r),
            outputChannels: try int(&r), kernelHeight: try int(&r), kernelWidth: try int(&r), strideHeight: try int(&r),
            strideWidth: try int(&r), dilationHeight: try int(&r), dilationWidth: try int(&r), padTop: try int(&r),
            padLeft: try int(&r), padBottom: try int(&r), padRight: try int(&r), groups: try int(&r))
    }

    private static func put(_ g: TransposedConv2DGeometry, _ w: inout ByteWriter) {
        put([g.batch, g.inputHeight, g.inputWidth, g.inputChannels, g.outputChannels, g.kernelHeight, g.kernelWidth,
             g.strideHeight, g.strideWidth, g.dilationHeight, g.dilationWidth, g.padTop, g.padLeft, g.padBottom, g.padRight,
             g.outputPaddingHeight, g.outputPaddingWidth, g.groups], &w)
    }

    private static func transposed(_ r: inout ByteReader) throws(ModelFileError) -> TransposedConv2DGeometry {
        TransposedConv2DGeometry(
            batch: try int(&r), inputHeight: try int(&r), inputWidth: try int(&r), inputChannels: try int(&r),
            outputChannels: try int(&r), kernelHeight: try int(&r), kernelWidth: try int(&r), strideHeight: try int(&r),
            strideWidth: try int(&r), dilationHeight: try int(&r), dilationWidth: try int(&r), padTop: try int(&r),
            padLeft: try int(&r), padBottom: try int(&r), padRight: try int(&r), outputPaddingHeight: try int(&r),
            outputPaddingWidth: try int(&r), groups: try int(&r))
    }

    private static func put(_ g: Pool2DGeometry, _ w: inout ByteWriter) {
        put([g.batch, g.inputHeight, g.inputWidth, g.channels, g.kernelHeight, g.kernelWidth, g.strideHeight, g.strideWidth,
             g.padTop, g.padLeft, g.padBottom, g.padRight, g.ceilMode ? 1 : 0], &w)
    }

    private static func pool(_ r: inout ByteReader) throws(ModelFileError) -> Pool2DGeometry {
        Pool2DGeometry(
            batch: try int(&r), inputHeight: try int(&r), inputWidth: try int(&r), channels: try int(&r),
            kernelHeight: try int(&r), kernelWidth: try int(&r), strideHeight: try int(&r), strideWidth: try int(&r),
            padTop: try int(&r), padLeft: try int(&r), padBottom: try int(&r), padRight: try int(&r), ceilMode: try int(&r) != 0)
    }

    private static func put(_ g: ResizeGeometry, _ w: inout ByteWriter) {
        put([g.batch, g.inputHeight, g.inputWidth, g.channels, g.outputHeight, g.outputWidth], &w)
    }

    private static func resize(_ r: inout ByteReader) throws(ModelFileError) -> ResizeGeometry {
        ResizeGeometry(
            batch: try int(&r), inputHeight: try int(&r), inputWidth: try int(&r), channels: try int(&r),
            outputHeight: try int(&r), outputWidth: try int(&r))
    }

    private static func put(_ q: OutputQuantization, _ w: inout ByteWriter) {
        w.write(q.zeroPoint); w.write(q.minimum); w.write(q.maximum)
    }

    private static func output(_ r: inout ByteReader) throws(ModelFileError) -> OutputQuantization {
        let zeroPoint: Int32 = try r.read()
        let minimum: Int8 = try r.read(), maximum: Int8 = try r.read()
        guard (-128...127).contains(zeroPoint), minimum <= maximum else { throw .malformed("bad output clamp") }
        return OutputQuantization(zeroPoint: zeroPoint, minimum: minimum, maximum: maximum)
    }

    private static func put(_ q: ConvQuantization, _ w: inout ByteWriter) {
        w.write(q.inputZeroPoint)
        w.write(UInt32(q.multipliers.count))
        for m in q.multipliers { w.write(m.multiplier); w.write(m.rightShift) }
        put(q.output, &w)
    }

    private static func quantization(_ r: inout ByteReader) throws(ModelFileError) -> ConvQuantization {
        let zeroPoint: Int32 = try r.read()
        let count = Int(try r.read(UInt32.self))
        try r.require(count)
        var multipliers: [QuantizedMultiplier] = []
        for _ in 0..<count { multipliers.append(QuantizedMultiplier(multiplier: try r.read(), rightShift: try r.read())) }
        return ConvQuantization(inputZeroPoint: zeroPoint, multipliers: multipliers, output: try output(&r))
    }

    private static func put(_ q: AveragePoolQuantization, _ w: inout ByteWriter) {
        w.write(q.inputScale); w.write(q.inputZeroPoint); w.write(q.outputScale); put(q.output, &w)
    }

    private static func averageQuantization(_ r: inout ByteReader) throws(ModelFileError) -> AveragePoolQuantization {
        AveragePoolQuantization(inputScale: try r.read(), inputZeroPoint: try r.read(), outputScale: try r.read(), output: try output(&r))
    }

    private static let coordinateModes: [ResizeCoordinateMode] = [.halfPixel, .pytorchHalfPixel, .alignCorners, .asymmetric]
    private static let nearestModes: [ResizeNearestMode] = [.floor, .roundPreferFloor, .roundPreferCeil, .ceil]

    private static func code(_ mode: ResizeCoordinateMode) -> UInt8 { UInt8(coordinateModes.firstIndex(of: mode)!) }
    private static func code(_ mode: ResizeNearestMode) -> UInt8 { UInt8(nearestModes.firstIndex(of: mode)!) }

    private static func coordinateMode(_ r: inout ByteReader) throws(ModelFileError) -> ResizeCoordinateMode {
        let raw: UInt8 = try r.read()
        guard Int(raw) < coordinateModes.count else { throw .malformed("unknown resize coordinate mode \(raw)") }
        return coordinateModes[Int(raw)]
    }

    private static func nearestMode(_ r: inout ByteReader) throws(ModelFileError) -> ResizeNearestMode {
        let raw: UInt8 = try r.read()
        guard Int(raw) < nearestModes.count else { throw .malformed("unknown nearest mode \(raw)") }
        return nearestModes[Int(raw)]
    }
}
