import SegKernels

/// Checks that every layer of a decoded program reads and writes tensors of the element types and
/// sizes its parameters imply, so that no kernel can touch memory outside its tensors.
enum ProgramValidation {
    static func check(_ program: NetworkProgram) throws(ModelFileError) {
        let t = program.tensors
        guard t[program.input].elementType == .int8, t[program.mask].elementType == .uint8 else {
            throw .malformed("the input must be int8 and the mask uint8")
        }
        for (index, layer) in program.layers.enumerated() {
            func fail(_ why: String) -> ModelFileError { .malformed("layer \(index) \"\(layer.name)\" (\(layer.opType)): \(why)") }
            let inputs = layer.inputs.map { t[$0] }, output = t[layer.output]
            func expect(_ types: [ElementType], _ outType: ElementType) throws(ModelFileError) {
                guard inputs.count == types.count else { throw fail("expects \(types.count) inputs, has \(inputs.count)") }
                for (slot, type) in zip(inputs, types) where slot.elementType != type { throw fail("input \"\(slot.name)\" has the wrong element type") }
                guard output.elementType == outType else { throw fail("output has the wrong element type") }
            }
            func counts(_ input: Int, _ out: Int) throws(ModelFileError) {
                guard inputs[0].dims.elementCount == input, output.dims.elementCount == out else {
                    throw fail("tensor sizes \(inputs[0].dims.elementCount) -> \(output.dims.elementCount) do not match the layer's \(input) -> \(out)")
                }
            }
            func samePixels() throws(ModelFileError) {
                for slot in inputs where slot.dims.pixelCount != output.dims.pixelCount { throw fail("inputs and output differ in pixels") }
            }
            switch layer.spec {
            case let .conv(g, _, _, _):
                try expect([.int8], .int8); try counts(g.inputElementCount, g.outputElementCount)
            case let .transposedConv(g, _, _, _):
                try expect([.int8], .int8); try counts(g.inputElementCount, g.outputElementCount)
            case let .maxPool(g), let .averagePool(g, _, _):
                try expect([.int8], .int8); try counts(g.inputElementCount, g.outputElementCount)
            case .globalAveragePool:
                try expect([.int8], .int8)
                guard output.dims.elementCount == inputs[0].dims.batch * inputs[0].dims.channels else { throw fail("output must be N x C") }
            case .add:
                try expect([.int8, .int8], .int8); try counts(output.dims.elementCount, inputs[1].dims.elementCount)
            case let .concat(parts, _, _):
                try expect(Array(repeating: .int8, count: parts.count), .int8); try samePixels()
                guard zip(parts, inputs).allSatisfy({ $0.chunk == $1.dims.channels }),
                    parts.reduce(0, { $0 + $1.chunk }) == output.dims.channels
                else { throw fail("channel counts do not add up") }
            case let .resizeBilinear(g, _), let .resizeNearest(g, _, _):
                try expect([.int8], .int8)
                try counts(g.batch * g.inputHeight * g.inputWidth * g.channels, g.batch * g.outputHeight * g.outputWidth * g.channels)
            case let .pad(top, left, bottom, right, _):
                try expect([.int8], .int8)
                let d = inputs[0].dims
                guard output.dims == TensorDims(batch: d.batch, height: d.height + top + bottom, width: d.width + left + right, channels: d.channels),
                    top <= 1024, left <= 1024, bottom <= 1024, right <= 1024
                else { throw fail("padded size does not match the output") }
            case .argMax:
                try expect([.int8], .uint8); try samePixels()
            case .softmax:
                try expect([.int8], .float32); try counts(output.dims.elementCount, inputs[0].dims.elementCount)
            case .dequantize:
                try expect([.int8], .float32); try counts(output.dims.elementCount, inputs[0].dims.elementCount)
            case .quantize:
                try expect([.float32], .int8); try counts(output.dims.elementCount, inputs[0].dims.elementCount)
            case let .float(f):
                try checkFloat(f, inputs, output, fail)
            }
        }
    }

    private static func checkFloat(
        _ spec: FloatLayerSpec, _ inputs: [TensorSlot], _ output: TensorSlot, _ fail: (String) -> ModelFileError
    ) throws(ModelFileError) {
        let outType: ElementType = { if case .argMax = spec { .uint8 } else { .float32 } }()
        guard inputs.allSatisfy({ $0.elementType == .float32 }), output.elementType == outType else {
            throw fail("float layer with non-float tensors")
        }
        let inCount = inputs[0].dims.elementCount, outCount = output.dims.elementCount
        var sizes: (Int, Int)?
        switch spec {
        case let .conv(g, _, _, _, _): sizes = (g.inputElementCount, g.outputElementCount)
        case let .transposedConv(g, _, _, _, _): sizes = (g.inputElementCount, g.outputElementCount)
        case let .maxPool(g), let .averagePool(g, _): sizes = (g.inputElementCount, g.outputElementCount)
        case let .resizeBilinear(g, _), let .resizeNearest(g, _, _):
            sizes = (g.batch * g.inputHeight * g.inputWidth * g.channels, g.batch * g.outputHeight * g.outputWidth * g.channels)
        case .add:
            guard inputs.count == 2, inputs[1].dims.elementCount == outCount else { throw fail("add needs two inputs of the output's size") }
            sizes = (outCount, outCount)
        case .clamp, .softmax: sizes = (outCount, outCount)
        case let .pad(top, left, bottom, right, _):
            let d = inputs[0].dims
            guard output.dims == TensorDims(batch: d.batch, height: d.height + top + bottom, width: d.width + left + right, channels: d.channels)
            else { throw fail("padded size does not match the output") }
        case .globalAveragePool:
            guard outCount == inputs[0].dims.batch * inputs[0].dims.channels else { throw fail("output must be N x C") }
        case .concat:
            guard inputs.allSatisfy({ $0.dims.pixelCount == output.dims.pixelCount }),
                inputs.reduce(0, { $0 + $1.dims.channels }) == output.dims.channels
            else { throw fail("channel counts do not add up") }
        case .argMax:
            guard inputs[0].dims.pixelCount == output.dims.pixelCount else { throw fail("inputs and output differ in pixels") }
        }
        if let (i, o) = sizes, i != inCount || o != outCount { throw fail("tensor sizes do not match the layer") }
    }
}
