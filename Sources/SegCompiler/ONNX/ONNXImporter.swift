import Foundation
import SwiftProtobuf

/// Imports an ONNX model (a serialized `ModelProto`) into a `FloatGraph`.
///
/// The model must have exactly one graph input that is not an initializer: a FLOAT tensor of rank 4
/// (NCHW) with static dimensions (a symbolic batch dimension is taken as 1). Weights are FLOAT
/// initializers or `Constant` nodes (`raw_data` or `float_data`). Supported ops (domain `ai.onnx`):
/// Conv, ConvTranspose, BatchNormalization, Relu, Clip, MaxPool, AveragePool, GlobalAveragePool,
/// Add, Concat, Resize, Upsample, Pad, Softmax, ArgMax, Identity and Dropout on activations, and,
/// to fold the shape computations exporters emit around Resize, Constant, Shape, Gather, Cast,
/// Concat, Unsqueeze, Squeeze, Slice, Add, Sub, Mul, Div, Floor and Ceil on constants. Anything else,
/// and any attribute value the engine cannot honour exactly, is refused with a `ModelImportError`
/// naming the node, its op and the attribute or input.
///
/// Activations are NHWC in the graph (`TensorShape`), weights OHWI. Identity and Dropout vanish at
/// import; BatchNormalization is imported as a depthwise 1x1 convolution and, with `optimized`,
/// folded into its convolution by `optimize(_:)` like the other fusions.
public enum ONNXImporter {
    /// Imports the serialized ONNX model `bytes`; with `optimized` (the default) the graph is also
    /// run through `optimize(_:)` (batch-norm folding, activation and pad fusion, dead-node removal).
    public static func importModel(bytes: [UInt8], optimized: Bool = true) throws(ModelImportError) -> FloatGraph {
        let model: Onnx_ModelProto
        do {
            model = try Onnx_ModelProto(serializedBytes: bytes)
        } catch {
            throw .model(nil, "is not a valid ONNX protobuf (\(error))")
        }
        let graph = try importGraph(model)
        return optimized ? optimize(graph) : graph
    }

    /// Reads the ONNX model at `path` and imports it as `importModel(bytes:optimized:)` does.
    public static func importModel(path: String, optimized: Bool = true) throws(ModelImportError) -> FloatGraph {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .model(nil, "cannot read \(path)")
        }
        return try importModel(bytes: [UInt8](data), optimized: optimized)
    }

    private static func importGraph(_ model: Onnx_ModelProto) throws(ModelImportError) -> FloatGraph {
        guard let opsetID = model.opsetImport.first(where: { $0.domain.isEmpty || $0.domain == "ai.onnx" }) else {
            throw .model("opset_import", "has no ai.onnx opset")
        }
        guard model.hasGraph else { throw .model(nil, "has no graph") }
        let graph = model.graph
        guard graph.sparseInitializer.isEmpty else {
            throw .model("sparse initializer \"\(graph.sparseInitializer[0].values.name)\"", "is not supported")
        }

        var builder = GraphBuilder(opset: Int(opsetID.version), graph: graph)
        for initializer in graph.initializer {
            do throws(ConstantDecodingError) {
                builder.define(initializer.name, .constant(try ConstantTensor(initializer)))
            } catch {
                throw .model("initializer \"\(initializer.name)\"", error.reason)
            }
        }
        let inputs = graph.input.filter { builder.symbol($0.name) == nil }
        guard inputs.count == 1 else {
            throw .model(
                "graph inputs", "\(inputs.map(\.name)) are not initializers; exactly one (the image tensor) is supported")
        }
        let input = builder.addValue(GraphValue(name: inputs[0].name, shape: try inputShape(inputs[0])))

        for node in graph.node {
            try builder.importNode(ONNXNode(node, opset: Int(opsetID.version)))
        }

        var outputs: [Int] = []
        for output in graph.output {
            guard case .activation(let id)? = builder.symbol(output.name) else {
                throw .model("graph output \"\(output.name)\"", "is not computed from the graph input")
            }
            try checkDeclaredShape(output, builder.values[id].shape)
            // An output reached through Identity keeps the name the model gives it.
            if id != input && !graph.output.contains(where: { $0.name == builder.values[id].name }) {
                builder.values[id].name = output.name
            }
            outputs.append(id)
        }
        guard !outputs.isEmpty else { throw .model("graph", "has no outputs") }
        return FloatGraph(
            values: builder.values, nodes: builder.nodes, input: input, outputs: outputs,
            metadata: model.metadataProps.map { (key: $0.key, value: $0.value) })
    }

    /// The NHWC shape of the graph input `info` (FLOAT, rank 4, static but for the batch).
    private static func inputShape(_ info: Onnx_ValueInfoProto) throws(ModelImportError) -> TensorShape {
        let subject = "graph input \"\(info.name)\""
        guard case .tensorType(let tensor)? = info.type.value else {
            throw .model(subject, "is not a tensor")
        }
        guard tensor.elemType == ONNXDataType.float else {
            throw .model(subject, "has element type \(onnxDataTypeName(tensor.elemType)), expected FLOAT")
        }
        let dims = tensor.shape.dim
        guard tensor.hasShape && dims.count == 4 else {
            throw .model(subject, "has rank \(tensor.hasShape ? "\(dims.count)" : "unknown"), expected 4 (NCHW)")
        }
        var sizes: [Int] = []
        for (axis, d) in dims.enumerated() {
            if case .dimValue(let v)? = d.value, v >= 1 {
                sizes.append(Int(v))
            } else if axis == 0 {
                sizes.append(1)
            } else {
                let text = d.dimParam.isEmpty ? "unknown" : "\"\(d.dimParam)\""
                throw .model(subject, "has dimension \(axis) \(text); only the batch dimension may be symbolic (export with a fixed input size)")
            }
        }
        return TensorShape(batch: sizes[0], height: sizes[2], width: sizes[3], channels: sizes[1])
    }

    /// Refuses a graph output whose declared static dimensions disagree with the inferred shape.
    private static func checkDeclaredShape(_ info: Onnx_ValueInfoProto, _ shape: TensorShape) throws(ModelImportError) {
        guard case .tensorType(let tensor)? = info.type.value, tensor.hasShape else { return }
        let inferred = [shape.batch, shape.channels, shape.height, shape.width]
        let declared = tensor.shape.dim.map { d -> Int? in
            if case .dimValue(let v)? = d.value { return Int(v) }
            return nil
        }
        let matches = declared.count == 4 && zip(declared, inferred).allSatisfy { $0 == nil || $0 == $1 }
        if !matches {
            let text = declared.map { $0.map(String.init) ?? "?" }.joined(separator: "x")
            throw .model("graph output \"\(info.name)\"", "is declared \(text), but the graph computes \(shape)")
        }
    }
}
